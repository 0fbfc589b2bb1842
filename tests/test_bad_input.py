"""Bad input: a precise message (file:line:column, what, how to fix), exit 1, nothing written."""

from __future__ import annotations

import textwrap

import pytest

GOOD_HEAD = """\
sources:
  - id: s1
    title: A report
    type: report
facilities:
  - id: sednaya
    name: Sednaya Military Prison
    type: prison
cases:
  - person:
      id: P1
      name: Test Person
    events:
"""


def write(tmp_path, body: str, name="cases.yaml"):
    path = tmp_path / name
    path.write_text(GOOD_HEAD + textwrap.indent(textwrap.dedent(body), "      "),
                    encoding="utf-8")
    return path


def assert_rejected(run, store, path, *expected):
    result = run("ingest", path, ok=False)
    assert result.exit_code == 1
    for text in expected:
        assert text in result.output, result.output
    assert "Traceback" not in result.output
    assert result.output.rstrip().endswith("nothing was written.")
    assert store.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == 0
    return result.output


def test_unknown_event_type_names_place_and_closest_value(run, store, tmp_path):
    path = write(tmp_path, """\
        - event: arest
          date: 2019-01
          facility: sednaya
          sources: [s1]
          confidence: high
        """)
    out = assert_rejected(run, store, path, f"{path}:14:16: 'event': unknown value 'arest'; "
                                            "did you mean 'arrest'?")
    assert out.startswith("Error: ")


def test_bad_date_says_how_to_write_one(run, store, tmp_path):
    path = write(tmp_path, """\
        - event: arrest
          date: end of 2018
          sources: [s1]
          confidence: high
        """)
    assert_rejected(run, store, path, f"{path}:15:15: 'end of 2018' is not an EDTF date",
                    "keep the original wording in date_text")


def test_end_before_start_is_an_error(run, store, tmp_path):
    path = write(tmp_path, """\
        - event: detention
          date: 2020-05
          end_date: 2019-01
          facility: sednaya
          sources: [s1]
          confidence: high
        """)
    assert_rejected(run, store, path, f"{path}:16:19: end_date '2019-01' falls before date '2020-05'")


def test_dangling_reference_suggests_the_declared_one(run, store, tmp_path):
    path = write(tmp_path, """\
        - event: detention
          date: 2020-05
          facility: Sednaya Militery Prison
          sources: [s1, s2]
          confidence: high
        """)
    out = assert_rejected(run, store, path,
                          f"{path}:16:19: 'facility' refers to 'Sednaya Militery Prison', "
                          "which this file does not declare (did you mean "
                          "'Sednaya Military Prison'?)",
                          f"{path}:17:23: 'sources' refers to 's2', which this file does not "
                          "declare (did you mean 's1'?)")
    assert "2 problems found" in out


def test_duplicate_record_id_and_missing_fields(run, store, tmp_path):
    path = write(tmp_path, """\
        - record_id: r1
          event: arrest
          sources: [s1]
          confidence: high
        - record_id: r1
          event: detention
          confidence: certain
        """)
    assert_rejected(run, store, path,
                    "record_id 'r1' is used twice (every event needs its own record_id)",
                    "'confidence': unknown value 'certain'; valid values: high, medium, low",
                    "an event needs at least one source")


def test_record_ids_that_would_be_one_event(run, store, tmp_path):
    path = write(tmp_path, """\
        - record_id: SD-1
          event: arrest
          sources: [s1]
          confidence: high
        - record_id: sd.1
          event: detention
          sources: [s1]
          confidence: high
        """)
    assert_rejected(run, store, path,
                    f"{path}:18:20: record_id 'sd.1' and 'SD-1' would be one event: ids are "
                    "compared without case and punctuation (give every event a record_id that "
                    "differs in letters or digits)")


def test_a_source_or_location_declared_twice_is_refused_not_merged(run, store, tmp_path):
    # Written, the second entry would be the same node as the first and one would take the
    # other's details: here a confidential testimony would have lost its confidentiality.
    path = tmp_path / "cases.yaml"
    path.write_text(textwrap.dedent("""\
        sources:
          - id: W1
            title: A report
            type: report
          - id: w1
            title: Witness statement
            type: testimony
            confidential: true
        locations:
          - name: Daraa
          - name: daraa
        cases:
          - person:
              id: P1
              name: Test Person
            events:
              - event: arrest
                location: Daraa
                sources: [w1]
                confidence: high
        """), encoding="utf-8")
    assert_rejected(run, store, path,
                    f"{path}:5:9: source 'w1' is declared again: it would be one source with the "
                    "one on line 2, as ids are compared without case and punctuation (declare "
                    "each source once, and give different ones ids that differ in letters or "
                    "digits)",
                    f"{path}:11:11: location 'daraa' is declared again: it would be one location "
                    "with the one on line 10, as names are compared without case and "
                    "punctuation")


def test_unknown_field_suggests_the_known_one(run, store, tmp_path):
    path = write(tmp_path, """\
        - event: arrest
          facilty: sednaya
          sources: [s1]
          confidence: high
        """)
    assert_rejected(run, store, path, f"{path}:15:9: unknown field 'facilty' in an event "
                                      "(did you mean 'facility'?)")


def test_broken_yaml_points_at_the_place(run, store, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("cases:\n  - person: {id: P1, name: [unclosed\n", encoding="utf-8")
    assert_rejected(run, store, path, f"{path}:3:1: not valid YAML or JSON")


def test_empty_file(run, store, tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert_rejected(run, store, path, f"{path}:1:1: the file is empty")


def test_not_utf8(run, store, tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("cases:\n  - person: {id: P1, name: Fran\xe7ois}\n".encode("latin-1"))
    assert_rejected(run, store, path, f"{path}:2: the file is not UTF-8 text")


def test_over_long_cell(run, store, tmp_path):
    path = write(tmp_path, f"""\
        - event: arrest
          notes: {"x" * 10_001}
          sources: [s1]
          confidence: high
        """)
    assert_rejected(run, store, path, "'notes' is 10001 characters long; the limit is 10000")


def test_formula_like_text_is_stored_as_text(run, store, tmp_path):
    path = write(tmp_path, """\
        - event: arrest
          notes: "=HYPERLINK(\\"http://x\\")"
          sources: [s1]
          confidence: high
        """)
    run("ingest", path)
    rows = store.read("MATCH (e:Event) RETURN e.notes AS notes")
    assert rows == [{"notes": '=HYPERLINK("http://x")'}]


@pytest.mark.parametrize("name,message", [
    ("missing.yaml", "no such file"),
    ("cases.txt", "cannot read .txt"),
])
def test_unreadable_paths(run, store, tmp_path, name, message):
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("x", encoding="utf-8")
    assert_rejected(run, store, path, message)


def test_cypher_looking_text_is_only_data(run, store, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(GOOD_HEAD.replace("Test Person", "x'}) MATCH (n) DETACH DELETE n //")
                    + "      - event: arrest\n        sources: [s1]\n        confidence: low\n",
                    encoding="utf-8")
    run("ingest", path)
    rows = store.read("MATCH (p:Person) RETURN p.name AS name")
    assert rows == [{"name": "x'}) MATCH (n) DETACH DELETE n //"}]
    assert store.read("MATCH (s:Source) RETURN count(s) AS n")[0]["n"] == 1


# --- escapes that are not characters, and keys given twice ----------------------------------
def jsonl(tmp_path, lines: list[str]):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def json_row(number: int, name: str = "Test Person", extra: str = "") -> str:
    return ('{"record_id": "r%d", "person_id": "P%d", "person": "%s", "event": "arrest", '
            '"date": "2019", "facility": "Sednaya Military Prison", "facility_type": "prison", '
            '"source": "A report", "source_type": "report", "confidence": "low"%s}'
            % (number, number, name, extra))


def test_a_lone_surrogate_escape_in_json_lines_is_refused_before_anything_is_written(
        run, store, tmp_path):
    rows = [json_row(n) for n in range(1, 40)] + [json_row(40, "Test \\ud800 Person")]
    path = jsonl(tmp_path, rows)
    assert_rejected(run, store, path, f"{path}:40:", "'person' holds a lone surrogate escape "
                    "(\\ud800), which is not a character")


def test_a_key_given_twice_on_a_json_line_is_refused(run, store, tmp_path):
    path = jsonl(tmp_path, [json_row(1, extra=', "protected": true, "protected": false')])
    assert_rejected(run, store, path, f"{path}:1:", "key 'protected' is given more than once")


def test_a_lone_surrogate_escape_in_a_case_file_is_refused(run, store, tmp_path):
    path = write(tmp_path, """\
        - event: arrest
          date: 2019-01
          facility: sednaya
          sources: [s1]
          confidence: high
          notes: "half of a pair: \\udc00"
        """)
    assert_rejected(run, store, path, f"{path}:19:16: the value holds a lone surrogate "
                    "escape (\\udc00)")
