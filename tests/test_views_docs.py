"""The view, diagram and export commands have help text and are documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from custodygraph.cli import DIAGRAM_KINDS, EXPORT_FORMATS, cli

DOC = Path(__file__).resolve().parent.parent / "docs" / "views-and-exports.md"


@pytest.mark.parametrize("command", ["view", "diagram", "export"])
def test_help_and_documentation(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "--include-confidential" in result.output and "-o, --output" in result.output
    text = DOC.read_text(encoding="utf-8")
    assert f"custodygraph {command}" in text


def test_every_kind_and_format_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for kind in DIAGRAM_KINDS:
        assert f"custodygraph diagram {kind}" in text
    for fmt in EXPORT_FORMATS:
        assert f"custodygraph export {fmt}" in text
    for option in ("--facility", "--cases", "--all", "--limit"):
        assert f"view {option}" in text or option in text


def test_usage_errors(run):
    result = run("view", "-o", "x.html", ok=False)
    assert result.exit_code == 2 and "give one of PERSON, --facility NAME, --cases or --all" \
        in result.output
    result = run("view", "--all", "--region", "Daraa", "-o", "x.html", ok=False)
    assert "filters (--since, --region, ...) go with --cases" in result.output
    result = run("diagram", "timeline", "-o", "x.svg", ok=False)
    assert "diagram timeline needs a NAME" in result.output
