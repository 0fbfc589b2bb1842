"""Paths by which a protected person's name or a confidential source's title could have
reached an output without --include-confidential: free text that names the person, ids
made from a source's title, a reviewer's merge of a protected record with an open one, and
reviewers' notes."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from custodygraph.queries.redact import CONFIDENTIAL_SOURCE, PROTECTED_PERSON

# Rana Haddad is protected; Waleed Saadi's notes, dates and one public source name her;
# Rana Hadad is an open record of the same person, merged by a reviewer in some tests.
CASES = """format: custodygraph/cases@1
sources:
  - id: report-7
    title: Monitoring report naming Rana Haddad among the detainees
    type: report
    publisher: Local committee
  - id: witness-3
    title: Statement of the neighbour Umm Tariq
    type: testimony
    confidential: true
organizations:
  - id: div4
    name: Fourth Armoured Division
    type: military_unit
facilities:
  - id: sednaya
    name: Sednaya Military Prison
    type: prison
  - id: b215
    name: Raid Branch 215
    type: security_branch
cases:
  - person: {id: P-WALEED, name: Waleed Saadi}
    events:
      - record_id: w-0
        event: enlistment
        date: 2016-03
        date_text: the spring Rana Haddad moved away
        organization: div4
        sources: [report-7]
        confidence: medium
      - record_id: w-1
        event: arrest
        date: 2019-01-10
        date_text: two days after Rana Haddad
        facility: b215
        sources: [report-7, witness-3]
        confidence: high
        notes: Taken at the same checkpoint as Rana Haddad.
      - record_id: w-2
        event: detention
        date: 2019-02-01
        end_date: 2019-06-01
        facility: sednaya
        sources: [witness-3]
        confidence: high
  - person:
      id: P-RANA
      name: Rana Haddad
      name_ar: رنا حداد
      aliases: [Umm Sami]
      protected: true
    events:
      - record_id: r-1
        event: arrest
        date: 2019-01-08
        facility: b215
        sources: [witness-3]
        confidence: high
        notes: Umm Sami was named by the witness.
      - record_id: r-2
        event: detention
        date: 2019-02-01
        end_date: 2019-06-01
        facility: sednaya
        sources: [report-7]
        confidence: high
  - person: {id: P-TWIN, name: Rana Hadad}
    events:
      - record_id: t-1
        event: detention
        date: 2019-03-01
        end_date: 2019-05-01
        facility: sednaya
        sources: [report-7]
        confidence: medium
"""
HIDDEN = ("Rana Haddad", "رنا حداد", "Umm Sami")
TWIN = "Rana Hadad"
FLAT = """record_id,person_id,person,event,date,facility,facility_type,source,source_type,confidential,confidence
f1,F-1,Samir Nouri,arrest,2020-01-01,Sednaya Military Prison,prison,Testimony of Umm Jalal,testimony,true,high
f2,F-2,Samir Nuri,arrest,2020-01-02,Sednaya Military Prison,prison,Testimony of Umm Jalal,testimony,true,high
"""


@pytest.fixture
def cases(run, tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text(CASES, encoding="utf-8")
    run("ingest", path, "--allow-new")
    return run


def shows_hidden(text: str) -> list[str]:
    return [name for name in (*HIDDEN, "Umm Tariq") if name.casefold() in text.casefold()]


def merge_twin(run, note: str = "same woman, see the file") -> None:
    pairs = json.loads(run("resolve", "--format", "json").output)
    pair = next(c for c in pairs if {p["uid"] for p in c["persons"]}
                == {"person:p-rana", "person:p-twin"})
    run("resolve", "decide", pair["id"], "same", "--by", "reviewer-2", "--note", note)


def written(folder) -> str:
    """Every file an output wrote into ``folder`` (with its manifest), as one text."""
    return "\n".join(f.read_text(encoding="utf-8") for f in sorted(folder.rglob("*"))
                     if f.is_file())


def exported(run, tmp_path, fmt: str) -> str:
    folder = tmp_path / f"export-{fmt}"
    folder.mkdir()
    run("export", fmt, "--output", folder / ("out" if fmt == "csv" else f"graph.{fmt}"))
    return written(folder)


def test_free_text_is_scrubbed_of_protected_names_in_every_chain(cases):
    for person in ("P-WALEED", "P-RANA"):
        for fmt in ("json", "table", "csv", "md"):
            out = cases("chain", person, "--format", fmt).output
            assert shows_hidden(out) == [], (person, fmt)
    waleed = json.loads(cases("chain", "P-WALEED", "--format", "json").output)
    notes = [e["notes"] for s in waleed["steps"] for e in s["events"] if e["notes"]]
    assert notes == [f"Taken at the same checkpoint as {PROTECTED_PERSON}."]
    assert waleed["background"][0]["date_text"] == f"the spring {PROTECTED_PERSON} moved away"
    titles = {src["title"] for s in waleed["steps"] for src in s["sources"]}
    assert titles == {f"Monitoring report naming {PROTECTED_PERSON} among the detainees",
                      CONFIDENTIAL_SOURCE}
    # the protected person's own chain: her alias in her notes
    rana = json.loads(cases("chain", "P-RANA", "--format", "json").output)
    assert rana["person"]["name"] == PROTECTED_PERSON
    assert f"{PROTECTED_PERSON} was named by the witness." in json.dumps(rana)
    # and everything is there when asked for
    shown = cases("chain", "P-WALEED", "--format", "json", "--include-confidential").output
    assert "Rana Haddad" in shown and "Umm Tariq" in shown
    assert "Umm Sami" in cases("chain", "P-RANA", "--format", "json",
                               "--include-confidential").output


def test_the_query_alone_scrubs_a_protected_persons_own_names(store, cases):
    from custodygraph.queries.custody import custody_chain

    # without the store's scrubber: her own names still go (they are in the chain's row)
    rana = json.dumps(custody_chain(store, "person:p-rana").as_dict(), ensure_ascii=False)
    assert shows_hidden(rana) == []


def test_a_confidential_sources_id_made_from_its_title_is_not_shown(run, tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text(FLAT, encoding="utf-8")
    run("ingest", path, "--allow-new")
    chain = run("chain", "F-1", "--format", "json").output
    assert "jalal" not in chain.casefold()
    sources = [src for s in json.loads(chain)["steps"] for src in s["sources"]]
    assert [(s["uid"], s["title"]) for s in sources] == [("confidential-source-1",
                                                          CONFIDENTIAL_SOURCE)]
    listed = run("resolve", "--format", "json").output
    assert "jalal" not in listed.casefold()
    assert json.loads(listed)[0]["evidence"]["shared_sources"] == ["confidential-source-1"]
    # with --include-confidential the uid is the stored one
    assert "source:testimony-of-umm-jalal" in run("chain", "F-1", "--format", "json",
                                                  "--include-confidential").output


def test_a_merge_with_a_protected_record_protects_the_whole_cluster(cases, tmp_path):
    merge_twin(cases)
    chain = json.loads(cases("chain", "P-TWIN", "--format", "json").output)
    assert chain["person"]["name"] == PROTECTED_PERSON and chain["person"]["protected"]
    assert chain["person"]["aliases"] == [] and chain["person"]["name_ar"] is None
    assert chain["person"]["uid"] == "person:p-rana"  # under the protected record's id
    asked = json.loads(cases("codetained", "P-TWIN", "--format", "json").output)
    assert asked["person"] == {"uid": "person:p-rana", "name": PROTECTED_PERSON}
    for args in (("chain", "P-TWIN"), ("codetained", "P-WALEED"), ("codetained", "P-TWIN"),
                 ("stats",),
                 ("recurring",), ("flows", "--stops"), ("responsibility",)):
        out = cases(*args, "--format", "json").output
        assert TWIN not in out and shows_hidden(out) == [], args
    held = json.loads(cases("codetained", "P-WALEED", "--format", "json").output)
    names = {c["person"]["name"] for kind in ("certain", "possible") for c in held[kind]}
    assert names == {PROTECTED_PERSON}
    # exports and views: the open record is hidden as the protected one is
    for fmt in ("json", "csv", "graphml"):
        text = exported(cases, tmp_path, fmt)
        assert TWIN not in text and "p-twin" not in text.casefold(), fmt
        assert shows_hidden(text) == [], fmt
    folder = tmp_path / "view"
    folder.mkdir()
    cases("view", "P-WALEED", "--output", folder / "view.html")
    assert TWIN not in written(folder) and shows_hidden(written(folder)) == []
    # the twin's name is its own again when asked for
    assert TWIN in cases("chain", "P-TWIN", "--format", "json",
                         "--include-confidential").output


def test_reviewers_notes_are_scrubbed(cases, tmp_path):
    merge_twin(cases, note="Rana Haddad, also known as Umm Sami, per her brother")
    listed = cases("resolve", "--all", "--format", "json").output
    assert shows_hidden(listed) == []
    assert f"{PROTECTED_PERSON}, also known as {PROTECTED_PERSON}, per her brother" in listed
    for fmt in ("json", "csv", "cypher"):
        assert shows_hidden(exported(cases, tmp_path, fmt)) == [], fmt
    assert "Rana Haddad, also known as Umm Sami" in cases(
        "resolve", "--all", "--format", "json", "--include-confidential").output


def test_a_background_events_date_wording_is_scrubbed_in_the_person_view(cases, tmp_path):
    folder = tmp_path / "view"
    folder.mkdir()
    cases("view", "P-WALEED", "--output", folder / "waleed.html")
    text = written(folder)
    assert "moved away" in text and shows_hidden(text) == []


def test_new_statements_lint_clean_for_neo4j():
    from cypher_lint import lint, lint_available

    reason = lint_available()
    if reason is not None:
        pytest.skip(reason)
    from custodygraph.queries import custody, redact
    from custodygraph.visuals import graphdata, outputs

    statements = [custody.MEMBERS, redact.PROTECTED_NAMES, graphdata.TWINS,
                  graphdata.TWIN_EVENTS, outputs.SOURCE_FLAGS]
    assert [(r["statement"], r["errors"]) for r in lint(statements) if r["errors"]] == []


def test_a_source_filter_naming_a_confidential_source_is_not_echoed(cases, tmp_path):
    title = "Statement of the neighbour Umm Tariq"
    made = []
    for number, args in enumerate((("view", "--cases"), ("diagram", "cases"),
                                   ("diagram", "flows"), ("diagram", "recurring"),
                                   ("export", "json"), ("export", "cypher"))):
        folder = tmp_path / f"out-{number}"
        folder.mkdir()
        suffix = {"view": "html", "diagram": "svg"}.get(args[0], args[1])
        for source in (title, "witness-3"):
            cases(*args, "--source", source, "--output", folder / f"{source[:4]}.{suffix}")
        made.append(written(folder))
    for args, text in zip(range(6), made):
        assert "umm tariq" not in text.casefold() and "witness-3" not in text, args
        assert CONFIDENTIAL_SOURCE in text, args
    # a public source is recorded as given, and the confidential one when asked for
    folder = tmp_path / "open"
    folder.mkdir()
    cases("export", "json", "--source", "report-7", "--output", folder / "a.json")
    cases("export", "json", "--source", title, "--include-confidential",
          "--output", folder / "b.json")
    text = written(folder)
    assert "report-7" in text and title in text


# --- the scrubber: the few names a text can hold, the answer of all of them ------------------
NAME_CHARS = list("abkKsS iI-'") + ["\u212a", "\u017f", "\u0130", "\u0131", "\u00e9", "\u00c9",
                                     "\u0633", "\u0645", "\ufe8d"]


@settings(max_examples=400, deadline=None)
@given(names=st.lists(st.text(st.sampled_from(NAME_CHARS), min_size=3, max_size=6),
                      min_size=1, max_size=10),
       text=st.text(st.sampled_from(NAME_CHARS + ["x", "."]), max_size=40))
# letters that match other letters only under the pattern's own case rules: a long s, a
# dotted capital I, a Kelvin sign
@example(names=["sab"], text="x \u017fab x")
@example(names=["iab"], text="\u0130ab")
@example(names=["kab"], text=".\u212aAB")
@example(names=["\u017fab"], text="SAB")
def test_the_scrubber_replaces_what_the_pattern_of_every_name_replaces(names, text):
    from custodygraph.queries.redact import Scrubber, names_of, names_pattern

    persons = [{"name": n} for n in names]
    expected = names_pattern(names_of(persons)).sub(PROTECTED_PERSON, text)
    assert Scrubber(persons).text(text) == expected


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(st.sampled_from(NAME_CHARS), min_size=3, max_size=8),
                      min_size=1, max_size=30),
       data=st.data())
def test_a_name_written_into_a_text_in_any_case_is_replaced(names, data):
    from custodygraph.queries.redact import Scrubber, names_of, names_pattern

    name = data.draw(st.sampled_from(names))
    mangled = "".join(c.upper() if data.draw(st.booleans()) else c for c in name)
    around = st.text(st.sampled_from(NAME_CHARS + ["x", " "]), max_size=12)
    text = data.draw(around) + mangled + data.draw(around)
    persons = [{"name": n} for n in names]
    expected = names_pattern(names_of(persons)).sub(PROTECTED_PERSON, text)
    assert Scrubber(persons).text(text) == expected


def test_the_protected_names_are_read_again_only_after_a_write(store, cases, monkeypatch):
    from custodygraph import api
    from custodygraph.queries.redact import PROTECTED_NAMES

    reads = []
    real = store.read
    monkeypatch.setattr(store, "read", lambda q, p=None: reads.append(q) or real(q, p))
    notes = lambda: [e["notes"] for s in api.chain(store, "P-WALEED").steps  # noqa: E731
                     for e in s.events if e["notes"]]
    assert notes() == notes() == [f"Taken at the same checkpoint as {PROTECTED_PERSON}."]
    assert reads.count(PROTECTED_NAMES) == 1
    # a flag changed by hand, by any program: the next chain reads the names again
    store.write("MATCH (p:Person {uid: 'person:p-rana'}) SET p.protected = false")
    assert notes() == ["Taken at the same checkpoint as Rana Haddad."]
    store.write("MATCH (p:Person {uid: 'person:p-rana'}) SET p.protected = 'yes'")
    assert notes() == [f"Taken at the same checkpoint as {PROTECTED_PERSON}."]
    assert reads.count(PROTECTED_NAMES) == 3
