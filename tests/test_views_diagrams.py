"""Static diagrams: valid SVG, PNG and PDF with a title, the date, a legend, a source line and
correctly drawn Arabic names; each with its manifest."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from custodygraph.visuals import manifest

matplotlib = pytest.importorskip("matplotlib", reason="needs the optional extra 'diagrams'")


@pytest.fixture
def example(loaded, store):
    return store


DIAGRAMS = [("timeline", "Muhannad al-Ahmad"), ("person", "Moath al-Smadi"),
            ("facility", "Sednaya"), ("flows", None), ("recurring", None)]


@pytest.mark.parametrize("kind,name", DIAGRAMS, ids=[d[0] for d in DIAGRAMS])
def test_diagrams_are_valid_svg_png_and_pdf(example, run, tmp_path, kind, name):
    for ext in ("svg", "png", "pdf"):
        out = tmp_path / f"{kind}.{ext}"
        run("diagram", kind, *([name] if name else []), "-o", out)
        data = out.read_bytes()
        if ext == "svg":
            root = ET.parse(out).getroot()
            assert root.tag.endswith("svg")
            text = data.decode("utf-8")
            assert "Redacted: confidential sources" in text and "Made " in text
        elif ext == "png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
            if shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-png", "-r", "20", str(out), str(tmp_path / "p")],
                               check=True, timeout=60)
        assert manifest.check(out)["format"] == ext


def test_timeline_shows_uncertainty_and_arabic_text(example, run, tmp_path):
    out = tmp_path / "t.svg"
    run("diagram", "timeline", "Muhannad al-Ahmad", "-o", out)
    text = out.read_text(encoding="utf-8")
    for words in ("Custody timeline: Muhannad al-Ahmad", "possible dates (earliest to latest)",
                  "3. Sednaya Military Prison (transfer)", "Status: body delivered"):
        assert words in text
    out = tmp_path / "r.svg"
    run("diagram", "recurring", "-o", out)
    assert "سجن صيدنايا العسكري" in out.read_text(encoding="utf-8")


def test_diagram_needs_a_known_suffix(example, run, tmp_path):
    result = run("diagram", "flows", "-o", tmp_path / "x.gif", ok=False)
    assert result.exit_code == 1 and "name the file .svg, .png or .pdf" in result.output
