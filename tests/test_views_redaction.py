"""Redaction everywhere: every view, diagram and export made without --include-confidential,
with its manifest, holds none of the example data's confidential values; not in a label, a
tooltip, an id, a property or a command line."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE


def secrets() -> list[str]:
    """The values that must never appear: confidential sources' titles and ids, and the
    protected person's names, aliases, id, notes and event notes, read from the example."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    found = []
    for source in data["sources"]:
        if source.get("confidential"):
            found += [source["title"], source["id"]]
    for case in data["cases"]:
        person = case["person"]
        if person.get("protected"):
            found += [person["name"], person["id"], person.get("notes", "")]
            found += [person.get("name_ar") or "", *(person.get("aliases") or [])]
            found += [e.get("notes", "") for e in case["events"]]
            found += [e.get("record_id", "") for e in case["events"]]
            found += [e.get("date_text", "") for e in case["events"]]
    found = [s for s in found if s and len(s) >= 4]
    assert "Ahmad Bassam" in found and len(found) >= 12
    return found


def readable(path: Path) -> str:
    """The text of an output in every spelling its format may give a value."""
    text = path.read_text(encoding="utf-8")
    return "\n".join([text, html.unescape(text), text.replace("\\'", "'"),
                      text.replace("\\u003c", "<").replace("\\u003e", ">")]).casefold()


def outputs(run, folder: Path, confidential: bool) -> list[Path]:
    """Every kind of view, diagram and export of the example data."""
    flag = ["--include-confidential"] if confidential else []
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    made = []
    # output names are numbered: a name the user gives is theirs to choose
    for number, case in enumerate(data["cases"]):
        pid = case["person"]["id"]
        # the protected person asked for by name, the way an investigator would
        who = case["person"]["name"] if case["person"].get("protected") else pid
        out = folder / f"view-{number}.html"
        run("view", who, "-o", out, *flag)
        made.append(out)
    for facility in data["facilities"]:
        out = folder / f"facility-{facility['id']}.html"
        run("view", "--facility", facility["name"], "-o", out, *flag)
        made.append(out)
    for args, name in ((["--cases"], "cases.html"), (["--all"], "all.html")):
        run("view", *args, "-o", folder / name, *flag)
        made.append(folder / name)
    for fmt, name in (("graphml", "g.graphml"), ("gexf", "g.gexf"), ("json", "g.json"),
                      ("cypher", "g.cypher"), ("ftm", "g.ftm"), ("csv", "csv"),
                      ("neo4j-admin", "admin")):
        run("export", fmt, "-o", folder / name, *flag)
        made.append(folder / name)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return made
    for number, case in enumerate(data["cases"]):
        who = case["person"]["name"] if case["person"].get("protected") else case["person"]["id"]
        for kind in ("timeline", "person"):
            out = folder / f"{kind}-{number}.svg"
            run("diagram", kind, who, "-o", out, *flag)
            made.append(out)
    for kind in ("flows", "recurring", "cases", "all"):
        run("diagram", kind, "-o", folder / f"{kind}.svg", *flag)
        made.append(folder / f"{kind}.svg")
    run("diagram", "facility", "Sednaya", "-o", folder / "facility.svg", *flag)
    made.append(folder / "facility.svg")
    return made


def files(made: list[Path]) -> list[Path]:
    out = []
    for path in made:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file())
        else:
            out += [path, path.with_name(path.name + ".manifest.json")]
    return out


@pytest.mark.slow
def test_no_confidential_value_in_any_output(loaded, tmp_path):
    made = outputs(loaded, tmp_path, confidential=False)
    scanned = files(made)
    assert len(scanned) >= 60
    leaks = [(path.name, secret) for path in scanned for secret in secrets()
             if secret.casefold() in readable(path)]
    assert leaks == [], leaks
    for path in scanned:
        if path.name.endswith("manifest.json"):
            assert json.loads(path.read_text())["redacted"] is True


def test_redacted_outputs_of_the_protected_person(loaded, tmp_path):
    """The quick version of the scan above, run by default: the protected person's own
    page, the whole-graph page and the exports."""
    loaded("view", "Ahmad Bassam", "-o", tmp_path / "p.html")
    loaded("view", "--all", "-o", tmp_path / "all.html")
    made = [tmp_path / "p.html", tmp_path / "all.html"]
    for fmt, name in (("json", "g.json"), ("cypher", "g.cypher"), ("graphml", "g.graphml"),
                      ("ftm", "g.ftm"), ("csv", "csv")):
        loaded("export", fmt, "-o", tmp_path / name)
        made.append(tmp_path / name)
    scanned = files(made)
    leaks = [(path.name, secret) for path in scanned for secret in secrets()
             if secret.casefold() in readable(path)]
    assert leaks == []
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "[protected person]" in page and "protected-person-1" in page
    meta = json.loads((tmp_path / "p.html.manifest.json").read_text())
    assert meta["command"][:3] == ["custodygraph", "view", "protected-person-1"]
    exported = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    titles = [n["properties"]["title"] for n in exported["nodes"] if n["class"] == "Source"]
    assert titles.count("[confidential source]") == 5


def test_include_confidential_shows_everything_and_says_so(loaded, tmp_path):
    loaded("view", "Ahmad Bassam", "-o", tmp_path / "p.html", "--include-confidential")
    loaded("export", "json", "-o", tmp_path / "g.json", "--include-confidential")
    page = readable(tmp_path / "p.html")
    assert "ahmad bassam" in page and "not redacted" in page
    text = readable(tmp_path / "g.json")
    for secret in secrets():
        if "\n" not in secret:
            assert secret.casefold() in text or secret.startswith(("sd-", "SD-")), secret
    meta = json.loads((tmp_path / "g.json.manifest.json").read_text())
    assert meta["redacted"] is False
