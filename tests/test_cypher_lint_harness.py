"""Tests of the Neo4j Cypher lint harness (tests/cypher_lint.py) itself."""

from __future__ import annotations

from typing import Any

import pytest

from cypher_lint import lint, lint_available

_REASON = lint_available()

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(_REASON is not None, reason=_REASON or ""),
]

MERGE_ROWS = "UNWIND $rows AS r MERGE (p:Person {uid: r.uid}) SET p.name = r.name"
SYNTAX_ERROR = "MATCH (p:Person RETURN p"
FALKOR_FULLTEXT = "CALL db.idx.fulltext.queryNodes('Person', 'x') YIELD node RETURN node"
FULLTEXT_INDEX = (
    "CREATE FULLTEXT INDEX custodygraph_names IF NOT EXISTS "
    "FOR (n:Person|Facility) ON EACH [n.name, n.name_ar]"
)
DELETE_IN_BATCHES = "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
UNIQUE_CONSTRAINT = (
    "CREATE CONSTRAINT constraint_unique_Person_uid IF NOT EXISTS "
    "FOR (n:Person) REQUIRE n.uid IS UNIQUE"
)
NAME_INDEX = "CREATE INDEX index_Person_name IF NOT EXISTS FOR (n:Person) ON (n.name)"

CLEAN = {
    "merge_rows": MERGE_ROWS,
    "fulltext_index": FULLTEXT_INDEX,
    "delete_in_batches": DELETE_IN_BATCHES,
    "unique_constraint": UNIQUE_CONSTRAINT,
    "name_index": NAME_INDEX,
}
ALL = [*CLEAN.values(), SYNTAX_ERROR, FALKOR_FULLTEXT]


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    """Lint every example in one node run (startup takes about two seconds)."""
    return {r["statement"]: r for r in lint(ALL)}


def test_one_result_per_statement_in_order() -> None:
    statements = ["RETURN 1", "RETURN 2", "RETURN 1"]
    assert [r["statement"] for r in lint(statements)] == statements


def test_empty_input() -> None:
    assert lint([]) == []


@pytest.mark.parametrize("statement", CLEAN.values(), ids=CLEAN.keys())
def test_valid_neo4j_5_statement_has_no_errors(
    results: dict[str, dict[str, Any]], statement: str
) -> None:
    assert results[statement]["errors"] == []


def test_syntax_error_is_reported_with_position(
    results: dict[str, dict[str, Any]],
) -> None:
    errors = results[SYNTAX_ERROR]["errors"]
    assert errors
    first = errors[0]
    assert "RETURN" in first["message"]
    assert (first["line"], first["column"]) == (1, 17)


def test_falkordb_procedure_is_unknown_to_neo4j(
    results: dict[str, dict[str, Any]],
) -> None:
    messages = [e["message"] for e in results[FALKOR_FULLTEXT]["errors"]]
    assert any("db.idx.fulltext.queryNodes" in m for m in messages), messages


def test_import_with_in_call_subquery_is_only_a_deprecation_warning(
    results: dict[str, dict[str, Any]],
) -> None:
    """Neo4j 5 deprecates CALL { WITH n ... } in favour of CALL (n) { ... }."""
    messages = [w["message"] for w in results[DELETE_IN_BATCHES]["warnings"]]
    assert any("deprecated" in m and "CALL (n)" in m for m in messages), messages


def test_undefined_variable_is_an_error() -> None:
    (result,) = lint(["MATCH (n)\nRETURN m"])
    assert [(e["line"], e["column"]) for e in result["errors"]] == [(2, 8)]


def test_unknown_function_is_an_error() -> None:
    (result,) = lint(["RETURN no_such_function(1)"])
    assert result["errors"]
