"""The flat record format: every encoding and file kind, the mapping file, each problem with
its exact message and place, the example file, the JSON Schemas and the generator."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from pathlib import Path

import pytest
import yaml

from custodygraph.errors import InvalidInput
from custodygraph.ingest import flat
from custodygraph.ingest.casefile import read_case_file
from custodygraph.ingest.gazetteer import NameResolver
from custodygraph.ingest.dates import DateError, parse_date
from custodygraph.ingest.keys import make_uid

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_YAML = ROOT / "examples" / "syria-direct-2021-02-09.yaml"
EXAMPLE_CSV = ROOT / "examples" / "flat-example.csv"
SCHEMAS = ROOT / "docs" / "schema"

HEADER = ["record_id", "person_id", "person", "person_name_ar", "event", "date", "facility",
          "facility_type", "source", "source_type", "confidence", "notes"]
ROW = ["R-1", "P-1", "Muhannad al-Ahmad", "مهند محمد الأحمد", "arrest", "2018-12~",
       "Raid Branch 215", "security_branch", "report-1", "report", "medium", ""]


def _generator():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def csv_text(header=HEADER, *rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows or [ROW])
    return out.getvalue()


def write(tmp_path, text: str, name="cases.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(path, **kw) -> list[str]:
    """Every problem the file has, as the messages a user reads."""
    found = []
    try:
        for _ in flat.iter_records(path, found, **kw):
            pass
    except InvalidInput as exc:
        found = exc.problems
    return [str(p) for p in found]


def one_problem(path, **kw) -> str:
    found = problems_of(path, **kw)
    assert len(found) == 1, found
    return found[0].replace(str(path), "FILE")


def records(path, **kw) -> list[flat.FlatRecord]:
    found = []
    out = list(flat.iter_records(path, found, **kw))
    assert not found, [str(p) for p in found]
    return out


# --- encodings -------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1256"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    path = write(tmp_path, csv_text(), encoding=encoding)
    (record,) = records(path)
    assert record.person == "Muhannad al-Ahmad"
    assert record.person_name_ar == "مهند محمد الأحمد"
    assert record.record_id == "R-1"  # no byte-order mark glued to the first header
    assert (record.earliest, record.latest, record.date_qualifier) == (
        "2018-12-01", "2018-12-31", "approximate")


def test_encoding_can_be_given(tmp_path):
    row = ROW[:2] + ["Mouaz el-Homsi Çelik"] + ROW[3:]
    path = write(tmp_path, csv_text(HEADER, row).replace("مهند محمد الأحمد", ""),
                 encoding="latin-1")
    assert one_problem(path) == (
        "FILE:2: the file is neither UTF-8 nor Windows-1256 (Arabic): byte 0xC7 at byte 24 of "
        "the line is not UTF-8 text (save it as 'CSV UTF-8', or give the file's encoding, e.g. "
        "--encoding cp1256 for an Arabic Windows spreadsheet)")
    (record,) = records(path, encoding="latin-1")
    assert record.person == "Mouaz el-Homsi Çelik"


def test_unknown_encoding_name(tmp_path):
    path = write(tmp_path, csv_text())
    assert one_problem(path, encoding="klingon") == (
        "FILE: unknown encoding 'klingon' (use a Python codec name such as utf-8, cp1256 or "
        "latin-1)")


def test_bad_byte_after_the_sample_is_reported_with_its_line(tmp_path):
    rows = [[f"R-{i}", f"P-{i}", "Ahmad Darwish", "", "arrest", "2018", "", "", "report-1",
             "report", "low", "x" * 60] for i in range(2000)]
    text = csv_text(HEADER, *rows)
    assert len(text.encode()) > flat.SAMPLE_BYTES
    data = text.encode("utf-8").replace(b"R-1500,P-1500,Ahmad Darwish",
                                        b"R-1500,P-1500," + "أحمد درويش".encode("cp1256"))
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    found = problems_of(path)
    assert [p.replace(str(path), "FILE") for p in found] == [
        "FILE:1502: byte 0xC3 at byte 15 of the line is not UTF-8 text (the start of the file "
        "reads as UTF-8 but this line does not; save the whole file as 'CSV UTF-8', or pass "
        "--encoding with the file's encoding (e.g. --encoding cp1256))"]


# --- other file kinds ------------------------------------------------------------------------
def test_xlsx_first_sheet_with_places_formulas_and_typed_cells(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Cases"
    sheet.append([])  # the header is the first row that is not empty
    sheet.append([])
    sheet.append(HEADER + ["birth_year", "confidential"])
    sheet.append(ROW[:5] + [datetime(2018, 12, 2)] + ROW[6:-1] + ["=cmd|' /C calc'!A0", 1990.0,
                                                                    True])
    sheet["L4"].data_type = "s"  # a text cell that starts with "=", as typed by a user
    sheet.append(ROW[:4] + ["arest"] + ROW[5:] + [None, None])
    sheet["F5"] = "=TODAY()"  # a real formula: never computed, and reported
    book.create_sheet("Other")  # only the first sheet is read
    path = tmp_path / "cases.xlsx"
    book.save(path)

    rows = list(flat.iter_rows(path))
    assert [row.line for row in rows] == [4, 5]
    assert rows[0].cells["date"] == "2018-12-02"
    assert rows[0].cells["birth_year"] == "1990"
    assert rows[0].cells["confidential"] == "true"
    assert rows[0].ref("event") == "E4"
    record, found = flat.parse_row(rows[0])
    assert found == [] and record.notes == "=cmd|' /C calc'!A0"
    assert record.where.file == f"{path}:Cases" and record.where.line == 4
    _, found = flat.parse_row(rows[1])
    assert [str(p).replace(str(path), "FILE") for p in found] == [
        "FILE:Cases!F5: the cell holds a formula (=TODAY()); custodygraph never computes "
        "formulas (replace it with its value (copy, then Paste Special > Values))"]
    rows[1].problems.clear()
    _, found = flat.parse_row(rows[1])
    assert str(found[0]).replace(str(path), "FILE").startswith(
        "FILE:Cases!E5: 'event': unknown value 'arest'; did you mean 'arrest'?")


def test_jsonl_rows_with_lists_numbers_and_places(tmp_path):
    lines = [
        {"record_id": "R-1", "person_id": "P-1", "person": "Osama", "person_aliases":
         ["Usama", "Oussama"], "birth_year": 1986, "event": "arrested", "date": "2020-08",
         "source": ["report-1", "witness-1"], "source_type": ["report", "testimony"],
         "confidential": [False, True], "confidence": "medium"},
        {"record_id": "R-2", "person_id": "P-1", "person": "Osama", "event": "disapeared",
         "source": "report-1", "confidence": "medium"},
    ]
    path = write(tmp_path, "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                 name="cases.jsonl")
    first, second = list(flat.iter_rows(path))
    record, found = flat.parse_row(first)
    assert found == []
    assert record.person_aliases == ("Usama", "Oussama") and record.birth_year == 1986
    assert record.event == "arrest"
    assert [(s.name, s.type, s.confidential) for s in record.sources] == [
        ("report-1", "report", False), ("witness-1", "testimony", True)]
    _, found = flat.parse_row(second)
    assert [str(p).replace(str(path), "FILE") for p in found] == [
        "FILE:2:70: 'event': unknown value 'disapeared'; did you mean 'disappearance'? valid "
        "values: " + ", ".join(flat.vocab.EVENT_TYPES)]


def test_jsonl_problems(tmp_path):
    path = write(tmp_path, '{"person_id": "P-1", "persn": "x", "event": "arrest"}\n[1]\n{"a"\n',
                 name="cases.jsonl")
    assert [p.replace(str(path), "FILE") for p in problems_of(path)] == [
        "FILE:1:31: unknown key 'persn' (first seen on this line) (did you mean 'person'? "
        "rename the key, or map it with --mapping)",
        "FILE:2:1: each line must be a JSON object of columns (e.g. {\"person_id\": \"...\", "
        "\"person\": \"...\", \"event\": \"arrest\", ...})",
        "FILE:3:5: not valid JSON: Expecting ':' delimiter (write one JSON object per line)"]


# --- the mapping file ------------------------------------------------------------------------
ARABIC_MAPPING = """\
# headers of an Arabic spreadsheet -> documented columns
الرقم: record_id
رقم الشخص: person_id
الاسم: person
الاسم بالعربية: person_name_ar
الحدث: event
التاريخ: date
المكان: facility
نوع المكان: facility_type
المصدر: source
نوع المصدر: source_type
الثقة: confidence
ملاحظات داخلية: ~
"""


def test_mapping_file_renames_arabic_headers(tmp_path):
    mapping = write(tmp_path, ARABIC_MAPPING, name="mapping.yaml")
    header = ["الرقم", "رقم الشخص", "الاسم", "الاسم بالعربية", "الحدث", "التاريخ", "المكان",
              "نوع المكان", "المصدر", "نوع المصدر", "الثقة", "ملاحظات داخلية"]
    row = ROW[:-1] + ["left out on purpose"]
    for encoding in ("utf-8", "cp1256"):
        path = write(tmp_path, csv_text(header, row), encoding=encoding)
        (record,) = records(path, mapping=mapping)
        assert (record.person_id, record.person, record.facility) == (
            "P-1", "Muhannad al-Ahmad", "Raid Branch 215")
        assert record.notes is None


def test_mapping_file_problems(tmp_path):
    data = write(tmp_path, csv_text())
    bad = write(tmp_path, "الاسم: persn\nالحدث: event\nالحدث: event\n", name="m.yaml")
    assert [p.replace(str(bad), "M") for p in problems_of(data, mapping=bad)] == [
        "M:1:8: header 'الاسم' maps to 'persn', which is not a documented column (did you mean "
        "'person'? columns: " + ", ".join(flat.COLUMNS) + "; or ~ to leave the header out)",
        "M:3:1: header 'الحدث' is mapped twice (keep one line per header)"]
    assert one_problem(data, mapping=tmp_path) == (
        f"{tmp_path}: the mapping file is not a regular file (give the path of a YAML file)")
    assert problems_of(data, mapping=tmp_path / "none.yaml") == [
        f"{tmp_path / 'none.yaml'}: the mapping file does not exist (check the path given to "
        "--mapping)"]
    listed = write(tmp_path, "- person\n", name="list.yaml")
    assert problems_of(data, mapping=listed) == [
        f"{listed}:1:1: a mapping file must be a YAML mapping (write one 'header as in the "
        "file: column' per line)"]


# --- problems with the whole file ------------------------------------------------------------
def test_empty_file(tmp_path):
    assert one_problem(write(tmp_path, "")) == (
        "FILE:1: the file is empty (see docs/flat-format.md for a complete example)")
    assert one_problem(write(tmp_path, "\ufeff\n\n")) == (
        "FILE:1: the file is empty (see docs/flat-format.md for a complete example)")
    assert one_problem(write(tmp_path, ",".join(HEADER) + "\n")) == (
        "FILE:1: the file has a header but no rows (add one row per event)")


def test_missing_required_columns_are_named_together(tmp_path):
    header = [h for h in HEADER if h not in ("person_id", "confidence")]
    row = [v for h, v in zip(HEADER, ROW) if h in header]
    assert one_problem(write(tmp_path, csv_text(header, row))) == (
        "FILE:1: missing required column(s): person_id, confidence (add them to the header "
        "row, or map your headers to them with --mapping)")


def test_unknown_header_suggests_the_closest_column(tmp_path):
    header = HEADER[:4] + ["evnt"] + HEADER[5:] + ["Interviewer"]
    path = write(tmp_path, csv_text(header, ROW + ["A. B."]))
    assert [p.replace(str(path), "FILE") for p in problems_of(path)] == [
        "FILE:1:5: unknown column 'evnt' (did you mean 'event'? rename the header, or map it in "
        "a mapping file (--mapping))",
        "FILE:1:13: unknown column 'Interviewer' (map it to a documented column in a mapping "
        "file (--mapping), e.g. 'Interviewer: notes', or to ~ to leave it out on purpose)",
        "FILE:1: missing required column(s): event (add them to the header row, or map your "
        "headers to them with --mapping)"]


def test_duplicate_header(tmp_path):
    header = HEADER + ["Person ID"]
    assert one_problem(write(tmp_path, csv_text(header, ROW + ["P-1"]))) == (
        "FILE:1:13: column 'Person ID' is a second 'person_id' column (the first is "
        "'person_id', column 2) (keep one column per name; rename or map the other)")


def test_headers_are_matched_loosely_and_semicolons_are_read(tmp_path):
    header = ["Record ID", "PERSON-ID", " Person ", "Event", "Source", "Source Type",
              "Confidence"]
    text = ";".join(header) + "\nR-1;P-1;Ahmad;arrest;report-1;report;high\n"
    (record,) = records(write(tmp_path, text))
    assert (record.record_id, record.person_id, record.person) == ("R-1", "P-1", "Ahmad")


# --- problems with one cell ------------------------------------------------------------------
def cell_problem(tmp_path, **changes) -> str:
    row = [changes.get(h, v) for h, v in zip(HEADER, ROW)]
    return one_problem(write(tmp_path, csv_text(HEADER, row)))


def test_bad_date_points_at_its_cell(tmp_path):
    assert cell_problem(tmp_path, date="end of 2018") == (
        "FILE:2:6: 'date': 'end of 2018' is not an EDTF date; write e.g. 2018-12 (a month), "
        "2018-12~ (about), 2018-12? (uncertain), 2018/2019 (between), 2012-XX-XX (some day in "
        "2012) (keep the original wording in date_text)")


def test_unknown_event_type_names_the_closest(tmp_path):
    assert cell_problem(tmp_path, event="arest") == (
        "FILE:2:5: 'event': unknown value 'arest'; did you mean 'arrest'? valid values: "
        + ", ".join(flat.vocab.EVENT_TYPES))


def test_empty_required_cell_and_type_rules(tmp_path):
    assert cell_problem(tmp_path, person="") == (
        "FILE:2:3: 'person' is empty (every row needs a person)")
    assert cell_problem(tmp_path, facility_type="") == (
        "FILE:2:8: 'facility_type' is empty, and 'facility' is given (use one of: "
        + ", ".join(flat.schema.FACILITY_KINDS) + ")")
    assert cell_problem(tmp_path, facility="") == (
        "FILE:2:8: 'facility_type' is given without a 'facility' (name the facility or clear "
        "facility_type)")
    assert cell_problem(tmp_path, source_type="witness") == (
        "FILE:2:10: 'source_type': unknown value 'witness'; valid values: report, testimony, "
        "document, media")


def test_formula_like_cells_are_kept_as_text(tmp_path):
    for text in ("=HYPERLINK(\"http://x\")", "+963 11 000", "-seen twice-", "@branch"):
        row = ROW[:-1] + [text]
        (record,) = records(write(tmp_path, csv_text(HEADER, row)))
        assert record.notes == text


def test_over_long_cell(tmp_path):
    assert cell_problem(tmp_path, notes="x" * 10_001) == (
        "FILE:2:12: 'notes' is 10001 characters long; the limit is 10000 (split the text or "
        "move it to a source document)")


def test_value_without_header_and_multi_line_cells(tmp_path):
    rows = [ROW[:-1] + ["first line\nsecond line"], ROW + ["stray"]]
    path = write(tmp_path, csv_text(HEADER, *rows))
    assert [p.replace(str(path), "FILE") for p in problems_of(path)] == [
        "FILE:4:13: a value in a column with no header (give the column a header, or clear "
        "the cell)"]
    first = next(flat.iter_rows(path))
    assert first.cells["notes"] == "first line\nsecond line"


# --- dates, flags and numbers ----------------------------------------------------------------
def test_dates_end_dates_and_undated_rows(tmp_path):
    header = HEADER + ["end_date", "date_text"]
    rows = [ROW + ["2019-03", ""], ["R-2"] + ROW[1:5] + [""] + ROW[6:] + ["", "end of 2018"],
            ROW[:5] + ["2018-11/2019"] + ROW[6:] + ["2019", ""]]
    path = write(tmp_path, csv_text(header, *rows[:2]))
    stay, undated = records(path)
    assert (stay.earliest, stay.latest, stay.date_edtf) == ("2018-12-01", "2019-03-31",
                                                            "2018-12~/2019-03")
    assert undated.undated and undated.date_text == "end of 2018" and undated.earliest is None
    assert not stay.undated
    assert one_problem(write(tmp_path, csv_text(header, ROW + ["2018-10", ""]))) == (
        "FILE:2:13: end_date '2018-10' falls before date '2018-12~' (check the order of the "
        "two dates)")
    assert one_problem(write(tmp_path, csv_text(header, rows[2]))) == (
        "FILE:2:6: 'date' '2018-11/2019' is a range, and end_date is given (give a range either "
        "as date start/end or with end_date)")


@pytest.mark.parametrize("text", ["2018", "2018~", "2019-02", "2020-02-29", "2019-02-29",
                                  "2018-13", "2018-12-31", "2018/2019", "2018-12/..", "../2019",
                                  "2019/2018", "2018-07/2021-02", "2012-XX-XX", "2012-05-XX?",
                                  "2018-05~/2019?", "end of 2018", "2018-5"])
def test_fast_dates_read_like_the_edtf_parser(text):
    def read(fn):
        try:
            return fn(text)
        except DateError as exc:
            return str(exc)
    assert read(flat.read_date) == read(parse_date)


def test_booleans_and_integers(tmp_path):
    for word, value in (("yes", True), ("نعم", True), ("1", True), ("FALSE", False),
                        ("لا", False), ("no", False)):
        assert flat.parse_boolean(word) is value
    header = HEADER + ["protected", "birth_year", "sequence"]
    (record,) = records(write(tmp_path, csv_text(header, ROW + ["نعم", "1990", "3"])))
    assert (record.protected, record.birth_year, record.sequence) == (True, 1990, 3)
    path = write(tmp_path, csv_text(header, ROW + ["perhaps", "about 1990", "-1"]))
    assert [p.replace(str(path), "FILE") for p in problems_of(path)] == [
        "FILE:2:14: 'birth_year' must be a whole number, not 'about 1990'",
        "FILE:2:13: 'protected' must be true or false, not 'perhaps' (write true/false, yes/no, "
        "1/0 or نعم/لا)",
        "FILE:2:15: 'sequence' is -1; expected 0 to 1000000"]


# --- across rows -----------------------------------------------------------------------------
def test_rows_are_checked_against_earlier_rows(tmp_path):
    header = HEADER + ["birth_year"]
    rows = [
        ROW + ["1990"],
        ["R-2", "P-1", "Muhannad al-Ahmad", "", "transfer", "2019", "Sednaya Military Prison",
         "prison", "report-1", "", "medium", "", ""],
        ["R-3", "P-1", "Muhannad al-Ahmad", "", "sighting", "2019", "Sednaya Military Prison",
         "court", "report-1", "media", "low", "", "1991"],
        ["R-2", "P-2", "Ahmad Bassam", "", "arrest", "2019", "", "", "witness-9", "", "low", "",
         ""],
    ]
    path = write(tmp_path, csv_text(header, *rows))
    assert [p.replace(str(path), "FILE") for p in problems_of(path)] == [
        "FILE:4:10: 'source_type' of source 'report-1' is 'media' here but 'report' on line 2 "
        "(describe a source the same way on every row, or only on the first)",
        "FILE:4:8: 'Sednaya Military Prison' is a 'court' here but a 'prison' on line 3 (give a "
        "place or organisation one type)",
        "FILE:4:13: 'birth_year' 1991 differs from an earlier row of person id 'P-1' (first on "
        "line 2) (give a person's details the same on every row, or only on the first)",
        "FILE:5:10: source 'witness-9' is named for the first time, without its source_type "
        "(give its type: report, testimony, document, media)",
        "FILE:5:1: the record_id of this row is already used on line 3 (every event needs its "
        "own record_id)",
    ]
    # a later row that leaves a source's type empty carries the first row's description
    second = records(write(tmp_path, csv_text(header, *rows[:2])))[1]
    assert second.sources == (flat.SourceRef("report-1", "report", None, False),)


# --- the example ----------------------------------------------------------------------------
def test_flat_example_parses_and_says_what_the_case_file_says():
    flat_records = records(EXAMPLE_CSV)
    dataset = read_case_file(EXAMPLE_YAML)
    resolver = NameResolver(allow_new=True)

    def resolve(role, name, kind):
        return name and resolver.resolve(role, name, kind).uid

    assert len(flat_records) == len(dataset.events) == 28
    names = {**{u: f.name for u, f in dataset.facilities.items()},
             **{u: o.name for u, o in dataset.organizations.items()},
             **{u: loc.name for u, loc in dataset.locations.items()}}
    for record, event in zip(flat_records, dataset.events):
        person = dataset.persons[event.person]
        assert make_uid("person", record.person_id) == event.person
        assert record.person == person.name
        assert make_uid("event", record.record_id) == event.uid
        assert (record.event, record.earliest, record.latest, record.date_edtf,
                record.date_text, record.confidence, record.notes, record.sequence) == (
            event.type, event.earliest, event.latest, event.date_edtf, event.date_text,
            event.confidence, event.notes, event.sequence)
        # both name the same gazetteer entries, or the same names taken as written
        assert resolve("facility", record.facility, record.facility_type) == event.facility
        assert resolve("organization", record.organization,
                       record.organization_type) == event.organization
        assert record.location == names.get(event.location)
        assert [make_uid("source", s.name) for s in record.sources] == event.sources
        for ref in record.sources:
            source = dataset.sources[make_uid("source", ref.name)]
            assert (ref.type, ref.date, ref.confidential) == (
                source.kind, source.date, source.confidential)
    for uid, person in dataset.persons.items():
        first = next(r for r in flat_records if make_uid("person", r.person_id) == uid)
        assert first.person_aliases == tuple(person.aliases)
        assert first.person_name_ar == person.name_ar
        assert bool(first.protected) == person.protected
        assert first.hometown == (names[person.hometown] if person.hometown else None)


# --- JSON Schemas ----------------------------------------------------------------------------
def _loader():
    class Loader(yaml.SafeLoader):
        """YAML as the case-file reader sees it: dates stay text."""

    Loader.yaml_implicit_resolvers = {
        key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return Loader


def test_case_file_schema_accepts_the_example_and_refuses_mistakes():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / "case-file.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.load(EXAMPLE_YAML.read_text(encoding="utf-8"), Loader=_loader())
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(data)) == []
    data["cases"][0]["events"][0]["evnt"] = "arrest"
    data["cases"][1]["events"][0]["sources"] = []
    data["sources"][0].pop("type")
    assert len(list(validator.iter_errors(data))) == 3


def test_flat_record_schema_accepts_generated_jsonl(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / "flat-record.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    out = tmp_path / "g.jsonl"
    _generator().generate(200, out, seed=3, fmt="jsonl")
    lines = out.read_text(encoding="utf-8").splitlines()
    for line in lines:
        assert list(validator.iter_errors(json.loads(line))) == [], line
    assert records(out)
    bad = {"person_id": "P-1", "person": "x", "event": "arest", "source": "s",
           "confidence": "medium", "facility": "Sednaya Military Prison"}
    assert len(list(validator.iter_errors(bad))) == 2  # unknown event; facility_type missing


# --- the generator ---------------------------------------------------------------------------
def test_generator_writes_realistic_rows_that_parse(tmp_path):
    generate = _generator()
    out = tmp_path / "g.csv"
    rows = generate.generate(1000, out, seed=1)
    assert generate.generate(1000, tmp_path / "again.csv", seed=1) == rows
    assert out.read_bytes() == (tmp_path / "again.csv").read_bytes()
    assert 6.0 <= rows / 1000 <= 7.0
    parsed = records(out)
    assert len(parsed) == rows
    facilities = {r.facility for r in parsed if r.facility}
    assert "Sednaya Military Prison" in facilities and "Tishreen Military Hospital" in facilities
    assert any(r.undated for r in parsed) and any(r.date_qualifier for r in parsed)
    assert any(any(s.confidential for s in r.sources) for r in parsed)
    assert any(r.person_name_ar for r in parsed) and any(r.person_aliases for r in parsed)
    assert generate.main(["--persons", "3", "--out", str(tmp_path / "m.jsonl"), "--format",
                          "jsonl"]) == 0


def _rss() -> int:
    """The process's resident memory now, in bytes (Linux)."""
    import os

    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
def test_iter_rows_streams_a_large_file_in_constant_memory(tmp_path):
    out = tmp_path / "big.csv"
    rows = _generator().generate(32_000, out, seed=2)
    assert rows >= 200_000
    base = peak = _rss()
    count = 0
    for _ in flat.iter_rows(out):
        count += 1
        if count % 5000 == 0:
            peak = max(peak, _rss())
    assert count == rows
    assert peak - base < 20 * 2**20, (peak - base) / 2**20


def test_schemas_follow_the_vocabulary():
    flat_schema = json.loads((SCHEMAS / "flat-record.schema.json").read_text(encoding="utf-8"))
    properties = flat_schema["properties"]
    assert tuple(properties) == flat.COLUMNS
    assert tuple(flat_schema["required"]) == flat.REQUIRED
    assert properties["event"]["enum"] == [*flat.vocab.EVENT_TYPES, *flat.vocab.EVENT_SYNONYMS]
    assert properties["facility_type"]["enum"] == [*flat.schema.FACILITY_KINDS, None]
    assert properties["organization_type"]["enum"] == [*flat.schema.ORGANIZATION_KINDS, None]
    case_schema = json.loads((SCHEMAS / "case-file.schema.json").read_text(encoding="utf-8"))
    defs = case_schema["$defs"]
    from custodygraph.ingest import casefile

    assert tuple(case_schema["properties"]) == casefile.TOP_KEYS
    for name, keys in (("source", casefile.SOURCE_KEYS), ("location", casefile.LOCATION_KEYS),
                       ("facility", casefile.FACILITY_KEYS), ("person", casefile.PERSON_KEYS),
                       ("organization", casefile.ORGANIZATION_KEYS),
                       ("event", casefile.EVENT_KEYS)):
        assert tuple(defs[name]["properties"]) == keys, name


def test_the_examples_in_the_documentation_parse(tmp_path):
    text = (ROOT / "docs" / "flat-format.md").read_text(encoding="utf-8")
    csv_block = text.split("```csv\n", 1)[1].split("```", 1)[0]
    assert len(records(write(tmp_path, csv_block))) == 5
    json_block = text.split("```json\n", 1)[1].split("```", 1)[0]
    (record,) = records(write(tmp_path, json_block, name="x.jsonl"))
    assert record.sources[1] == flat.SourceRef("witness-1", "testimony", None, True)
    mapping = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert flat.load_mapping(write(tmp_path, mapping, name="m.yaml"))["الاسم"] == "person"


def test_other_file_problems(tmp_path):
    assert one_problem(write(tmp_path, csv_text(), encoding="utf-16")) == (
        "FILE:1: the file is UTF-16 text (save it as 'CSV UTF-8', or pass --encoding utf-16)")
    (record,) = records(write(tmp_path, csv_text(), encoding="utf-16"), encoding="utf-16")
    assert record.person_name_ar == "مهند محمد الأحمد"
    assert one_problem(write(tmp_path, csv_text(), name="cases.xlsx")).startswith(
        "FILE: not a readable .xlsx workbook (")
    assert one_problem(write(tmp_path, csv_text(), name="cases.ods")) == (
        "FILE: cannot read .ods as flat records (use one of: .csv, .xlsx, .jsonl)")
    line = json.dumps(dict(zip(HEADER, ROW[:2] + [["A", "B"]] + ROW[3:])), ensure_ascii=False)
    assert one_problem(write(tmp_path, line + "\n", name="c.jsonl")) == (
        "FILE:1:52: 'person' must be text, a number, true or false (see docs/flat-format.md)")


def test_xlsx_error_cells_and_empty_sheets(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "My cases"
    path = tmp_path / "e.xlsx"
    book.save(path)
    assert one_problem(path) == ("FILE:'My cases': the sheet is empty (put a header row and "
                                 "one row per event on the first sheet)")
    book.active.append(HEADER)
    book.active.append(ROW[:-1] + ["#N/A"])
    book.save(path)
    assert one_problem(path) == (
        "FILE:'My cases'!L2: the cell holds a spreadsheet error (#N/A) (correct the cell or "
        "clear it)")
