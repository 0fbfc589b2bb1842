"""A canonical dump of a whole graph, to compare two graphs for equality."""

from __future__ import annotations

import json

#: properties that name the ingest run, which differ between two otherwise equal ingests
VOLATILE = {"run"}

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
EDGES = ("MATCH (a)-[r]->(b) RETURN type(r) AS type, a.uid AS a, b.uid AS b, "
         "properties(r) AS props")


def _clean(props: dict) -> str:
    return json.dumps({k: v for k, v in props.items() if k not in VOLATILE}, sort_keys=True,
                      ensure_ascii=False)


def dump(store) -> tuple[list, list]:
    nodes = sorted((sorted(r["labels"]), _clean(r["props"])) for r in store.read(NODES)
                   if "IngestRun" not in r["labels"])
    edges = sorted((r["type"], r["a"], r["b"], _clean(r["props"])) for r in store.read(EDGES))
    return nodes, edges
