"""Property-based fuzzing of the case-file reader: any input is read or rejected, never crashes."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from custodygraph.errors import InvalidInput
from custodygraph.ingest.casefile import read_case_file

KEYS = st.sampled_from([
    "sources", "facilities", "organizations", "locations", "cases", "person", "events", "id",
    "name", "name_ar", "aliases", "type", "event", "date", "end_date", "facility",
    "organization", "location", "sources", "confidence", "part_of", "hometown", "protected",
    "birth_year", "sequence", "record_id", "title", "confidential", "notes",
]) | st.text(max_size=8)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=20) | st.sampled_from(["2018-12~", "arrest", "prison", "high",
                                                      "s1", "2019/2018", "../..", "=1+1"]))
DOCS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(KEYS, inner, max_size=6), max_leaves=40)


def check(path):
    try:
        read_case_file(path)
    except InvalidInput as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == str(path) and problem.message


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=DOCS)
def test_any_structure_is_read_or_rejected(tmp_path, doc):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    check(path)
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    check(path)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
@example(data=b"!$")  # a tag no safe loader knows: once an unhandled ConstructorError
def test_any_bytes_are_read_or_rejected(tmp_path, data):
    path = tmp_path / "junk.yaml"
    path.write_bytes(data)
    check(path)
