"""Check Cypher statements with Neo4j's own Cypher front end.

A thin wrapper around ``tests/neo4j_lint/lint.mjs``, which runs
``lintCypherQuery`` from the npm package ``@neo4j-cypher/language-support``
under node. Install it once with ``npm ci --prefix tests/neo4j_lint``.

Each result is a dict::

    {"statement": str,
     "errors": [{"message": str, "line": int, "column": int}, ...],
     "warnings": [...]}

with 1-based line and column. Statements are linted as Cypher 5 against
Neo4j's built-in functions and procedures; ``$parameters`` are not checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

LINT_DIR = Path(__file__).resolve().parent / "neo4j_lint"
SCRIPT = LINT_DIR / "lint.mjs"
PACKAGE_DIR = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support"
TIMEOUT_S = 120


def lint_available() -> str | None:
    """Return None if the linter can run, else why not (a pytest skip reason).

    With ``CUSTODYGRAPH_REQUIRE_NODE=1`` (CI sets it) it always returns None, so a missing
    linter fails the tests instead of skipping them.
    """
    if os.environ.get("CUSTODYGRAPH_REQUIRE_NODE") == "1":
        return None
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not PACKAGE_DIR.is_dir():
        return (
            "@neo4j-cypher/language-support is not installed; "
            "run: npm ci --prefix tests/neo4j_lint"
        )
    return None


def lint(statements: list[str]) -> list[dict[str, Any]]:
    """Lint each statement; return one result dict per statement, in order.

    Raises RuntimeError if the node harness fails (not if a statement has
    lint errors), and subprocess.TimeoutExpired after TIMEOUT_S seconds.
    """
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH")
    proc = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=LINT_DIR,
        timeout=TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"lint.mjs exited with {proc.returncode}:\n{proc.stderr.strip()}"
        )
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    if len(results) != len(statements):
        raise RuntimeError(
            f"lint.mjs returned {len(results)} results for {len(statements)} statements"
        )
    return results


class NeoSpelling:
    """A store's dialect, but with the expressions a query embeds spelt as Neo4j spells them
    (``joined`` leaves lists as lists): FalkorDB runs those too, so statements recorded
    from the embedded store are the ones Neo4j would get."""

    def __init__(self, inner):
        from custodygraph.graph import neo4j_dialect

        self.inner = inner
        self.joined = neo4j_dialect.joined

    def __getattr__(self, name):
        return getattr(self.inner, name)


class RecordingQueryRunner:
    """Stands in for neomodel's query runner: records each statement, runs none."""

    def __init__(self):
        self.statements: list[str] = []

    def cypher_query(self, query, params=None, *args, **kwargs):
        self.statements.append(query)
        return [], []
