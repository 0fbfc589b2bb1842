"""Property-based fuzzing of the flat-record reader: any rows are read or rejected, never crash.

Rows are drawn from the documented columns with values that are sometimes valid, sometimes
near-valid (vocabulary, dates, booleans, numbers) and sometimes arbitrary text, and written
as CSV and JSON Lines. Reading them, with the row checks and the gazetteer, either yields
records or lists problems, each with its file and line; nothing else may escape. Bytes are
fuzzed too.
"""

from __future__ import annotations

import csv
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodygraph.errors import InvalidInput
from custodygraph.ingest import flat
from custodygraph.ingest.gazetteer import NameResolver

NEAR = {
    "event": ["arrest", "Arrest", "detention", "transfer", "arest", "", "death", "اعتقال"],
    "date": ["2018-12~", "2020-11", "2018/2019", "2012-XX-XX", "2018-12?", "2019-13",
             "end of 2018", "../2019", "2019/..", "2019-02-30", "0000", "9999-12-31"],
    "end_date": ["2019", "2017", "2018-12-01", "..", "x"],
    "confidence": ["high", "medium", "low", "HIGH", "certain", ""],
    "confidential": ["true", "false", "yes", "نعم", "maybe", ""],
    "protected": ["true", "no", "2", ""],
    "birth_year": ["1980", "80", "-5", "1e3", "١٩٨٠"],
    "sequence": ["1", "0", "-1", "x", "99999999999999999999"],
    "facility": ["Sednaya Military Prison", "سجن صيدنايا", "Branch 215", "Military Hospital",
                 "Nowhere Branch", "=cmd|'/c calc'!A1"],
    "facility_type": ["prison", "security_branch", "jail", ""],
    "organization": ["Fourth Armoured Division", "Military Intelligence Directorate",
                     "Unit not named", "@SUM(1+1)"],
    "organization_type": ["military_unit", "intelligence_agency", "army", ""],
    "source_type": ["report", "testimony", "media", "rumour", ""],
    "gender": ["male", "female", "x"],
    "person_aliases": ["a|b", "|", "||x"],
}
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


def value(column: str):
    near = NEAR.get(column)
    return st.one_of(st.sampled_from(near), TEXT) if near else TEXT


REQUIRED = ("person", "person_id", "event", "confidence", "source", "source_type")
#: rows with the required columns mostly right, so that many files get past the first checks
NEARLY_GOOD = st.fixed_dictionaries(
    {"person": st.sampled_from(["Moath al-Smadi", "معاذ الصمادي"]) | TEXT,
     "person_id": st.sampled_from(["P1", "P2"]) | TEXT,
     "event": st.sampled_from(NEAR["event"][:3]), "confidence": st.just("high"),
     "source": st.sampled_from(["s1", "s2|s3"]), "source_type": st.just("report")},
    optional={c: value(c) for c in flat.COLUMNS if c not in REQUIRED})
ROW = st.fixed_dictionaries({}, optional={c: value(c) for c in flat.COLUMNS}) | NEARLY_GOOD
ROWS = st.lists(ROW, max_size=8)


def read(path, **options):
    problems = []
    try:
        records = list(flat.iter_records(path, problems, names=NameResolver(allow_new=True),
                                         **options))
    except InvalidInput as exc:
        assert exc.problems
        problems = exc.problems
        records = []
    for problem in problems:
        assert str(path) in problem.file and problem.message
    return records, problems


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, header=st.permutations(flat.COLUMNS))
def test_any_csv_rows_are_read_or_rejected(tmp_path, rows, header):
    path = tmp_path / "fuzz.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    records, problems = read(path)
    if not problems:
        # a good file loses no row; rows with every cell empty carry nothing and are skipped
        assert len(records) == sum(1 for row in rows if any(row.values()))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.dictionaries(st.sampled_from(flat.COLUMNS) | TEXT,
                                     TEXT | st.integers() | st.none() | st.booleans()
                                     | st.lists(TEXT, max_size=2), max_size=8), max_size=6))
def test_any_json_lines_are_read_or_rejected(tmp_path, rows):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    read(path)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".jsonl", ".xlsx"]))
def test_any_bytes_are_read_or_rejected(tmp_path, data, suffix):
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(b"record_id,person,person_id,event\n" + data if suffix == ".csv"
                     else data)
    read(path)
    if suffix == ".csv":
        read(path, encoding="cp1256")
