"""Ingest: input formats become records (ingest.records), records become batched writes.

- ``casefile``: YAML and JSON case files into a checked ``records.Dataset``;
- ``writer``: a Dataset into batched, idempotent Cypher;
- ``run``: the whole of one ingest (``ingest_file``), recorded as an IngestRun.
"""
