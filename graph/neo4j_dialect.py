"""Schema DDL and full-text search as Neo4j 5 spells them. Nothing outside graph/ knows them.

Constraints and plain indexes are installed by neomodel from the declarations in graph.schema;
this module adds what neomodel does not declare for us: the full-text index over names.
"""

from __future__ import annotations

from custodygraph.graph import schema

FULLTEXT_INDEX = "custodygraph_names"
SEARCHABLE = ("Person", "Facility", "Organization", "Location")


def fulltext_statements() -> list[str]:
    labels = "|".join(schema.label(lab) for lab in SEARCHABLE)
    return [
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS "
        f"FOR (n:{labels}) ON EACH [n.name, n.name_ar]"
    ]


def install_labels() -> list[str]:
    """Install every declared constraint and index on neomodel's current connection."""
    import io

    from neomodel import db

    log = io.StringIO()
    for cls in schema.NODE_CLASSES:
        db.install_labels(cls, quiet=False, stdout=log)
    return [line.strip() for line in log.getvalue().splitlines() if line.strip()]


def install_with_neomodel(driver, database: str | None) -> list[str]:
    """Point neomodel at ``driver`` (and ``database``) and install the declared schema."""
    from neomodel import db

    db.set_connection(driver=driver)
    if database:
        db._database_name = database
    return install_labels()
