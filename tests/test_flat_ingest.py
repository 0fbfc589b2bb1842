"""The flat-file ingest path: quick uids agree with make_uid, and the write pass gets exactly
the persons and events the check pass built."""

from __future__ import annotations

import csv

from hypothesis import given, settings
from hypothesis import strategies as st

from custodygraph.ingest import flat
from custodygraph.ingest import records as rec
from custodygraph.ingest.gazetteer import NameResolver
from custodygraph.ingest.keys import event_uid, make_uid, name_keys
from custodygraph.ingest.run import prepare_flat_file

from conftest import ROOT

WORDS = st.sampled_from(["al", "AL", "El", "el", "ale", "gen", "X", "0000001", "01", "b", "a1",
                         "ál", "al_", "ел", "٣", "", " ", "'", "AL.", "l"])


@settings(max_examples=2000, deadline=None)
@given(parts=st.lists(WORDS, min_size=1, max_size=6),
       glue=st.lists(st.sampled_from(["-", "--", "_", " ", "", "/", "-al-"]), min_size=6,
                     max_size=6))
def test_event_uid_is_make_uid(parts, glue):
    record_id = "".join(p + g for p, g in zip(parts, glue))[:90]
    assert event_uid(record_id) == make_uid("event", record_id)


@given(st.text(max_size=100))
def test_event_uid_is_make_uid_for_any_text(text):
    assert event_uid(text) == make_uid("event", text)


def test_event_uid_of_long_and_plain_ids():
    for record_id in ("GEN-0000001-01", "x" * 80, "x" * 81, "A-" * 40 + "B", "al-x", "x-el"):
        assert event_uid(record_id) == make_uid("event", record_id)


def _built_directly(path, names):
    """Persons and events built from the checked records, the way the write pass wants them."""
    persons, events, seen = [], [], set()
    for r in flat.iter_records(path, [], names=names):
        facility = r.facility and names.resolve("facility", r.facility, r.facility_type).uid
        organization = r.organization and names.resolve("organization", r.organization,
                                                        r.organization_type).uid
        person = make_uid("person", r.person_id)
        if person not in seen:
            seen.add(person)
            persons.append(rec.Person(
                person, r.where, r.person, r.person_name_ar, list(r.person_aliases),
                name_keys(r.person, r.person_name_ar, *r.person_aliases), gender=r.gender,
                birth_year=r.birth_year,
                hometown=r.hometown and make_uid("location", r.hometown),
                protected=bool(r.protected), given=r.person_id))
        events.append(rec.Event(
            make_uid("event", r.record_id) if r.record_id else make_uid(
                "event", r.person_id, r.event, r.date_edtf or r.date_text or "",
                r.facility or r.location or "", str(r.sequence)),
            r.where, person=person, type=r.event, earliest=r.earliest, latest=r.latest,
            date_text=r.date_text, date_edtf=r.date_edtf, date_qualifier=r.date_qualifier,
            sequence=r.sequence, confidence=r.confidence, notes=r.notes,
            record_id=r.record_id, facility=facility,
            location=r.location and make_uid("location", r.location),
            organization=organization,
            sources=[make_uid("source", ref.name) for ref in r.sources]))
    return persons, events


def test_write_pass_replays_what_the_check_pass_built(tmp_path):
    # the example, with rows whose record_id is empty, notes with quotes and line breaks,
    # and enough rows for several write batches
    rows = list(csv.reader((ROOT / "examples" / "flat-example.csv").open(encoding="utf-8")))
    header, body = rows[0], rows[1:]
    out = [header]
    for n in range(800):
        for row in body:
            row = list(row)
            row[header.index("record_id")] = f"{row[0]}-{n}" if n % 7 else ""
            row[header.index("person_id")] = f"{row[header.index('person_id')]}-{n}"
            row[header.index("notes")] = f'copy {n}: "quoted", line\nbreak' if n % 5 == 0 \
                else row[header.index("notes")]
            row[header.index("sequence")] = row[header.index("sequence")] or str(n % 3)
            out.append(row)
    path = tmp_path / "many.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(out)

    names = NameResolver(allow_new=True)
    prepared = prepare_flat_file(path, names=names)
    persons, events = [], []
    for batch_persons, batch_events in prepared.batches():
        assert len(batch_events) <= 20_000
        persons += batch_persons
        events += batch_events
    assert prepared.events == len(events) == len(out) - 1
    assert (persons, events) == _built_directly(path, NameResolver(allow_new=True))
    # the batches can be read again
    assert sum(len(e) for _, e in prepared.batches()) == len(events)


def test_nul_characters_are_refused_before_anything_is_written(tmp_path):
    head = "person_id,person,event,source,source_type,confidence,notes\n"
    path = tmp_path / "nul.csv"
    path.write_bytes((head + 'P1,A,arrest,s1,report,high,"x\x00y"\n'
                      "P2,B,arrest,s2,report,high,ok\n").encode("utf-8"))
    found = []
    assert [r.person_id for r in flat.iter_records(path, found)] == ["P2"]
    assert [(p.line, p.message) for p in found] == [
        (2, "a NUL character (0x00) at byte 30 of the line; a cell cannot hold one")]
    lines = tmp_path / "nul.jsonl"
    lines.write_text('{"person_id": "P1", "person": "A", "event": "arrest", "source": "s", '
                     '"source_type": "report", "confidence": "high", "notes": "a\\u0000b"}\n',
                     encoding="utf-8")
    found = []
    assert list(flat.iter_records(lines, found)) == []
    assert [(p.line, p.column) for p in found] == [(1, 126)]  # where the value starts
    assert "NUL" in found[0].message


def refused(run, store, path, text: str) -> list[str]:
    """The output lines of ingesting ``text`` written to ``path``, which must be refused
    with nothing written."""
    path.write_text(text, encoding="utf-8")
    result = run("ingest", path, ok=False)
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
    return result.output.splitlines()


def test_person_details_a_later_row_adds_and_ids_that_would_merge_are_refused(run, store,
                                                                               tmp_path):
    path = tmp_path / "persons.csv"
    assert refused(
        run, store, path,
        "record_id,person,person_id,person_name_ar,person_aliases,event,source,source_type,"
        "confidence\n"
        "r1,Ali A,AB-1,,,arrest,s1,report,high\n"
        "r2,Ali B,ab 1,,,arrest,s1,report,high\n"
        "r3,Ali A,AB-1,علي,,detention,s1,report,high\n"
        "r4,Ali A,AB-1,,X|Y,detention,s1,report,high\n") == [
        f"Error: {path}:3:3: person id 'ab 1' and 'AB-1' (first on line 2) would be one person: "
        "ids are compared without case and punctuation (write one person's id the same way on "
        "every row, and give different persons ids that differ in letters or digits)",
        f"{path}:4:4: 'person_name_ar' of person id 'AB-1' is given here but not on their "
        "first row (line 2) (give a person's details on their first row; later rows may repeat "
        "them or leave them empty)",
        f"{path}:5:5: 'person_aliases' of person id 'AB-1' is given here but not on their "
        "first row (line 2) (give a person's details on their first row; later rows may repeat "
        "them or leave them empty)",
        "3 problems found; nothing was written.",
    ]


def test_rows_that_would_be_one_event_are_refused_before_anything_is_written(run, store,
                                                                             tmp_path):
    # Written, the second row of each pair would meet the first's event node: the store
    # refused it half-way through the ingest. The check pass now names both rows.
    path = tmp_path / "events.csv"
    assert refused(
        run, store, path,
        "record_id,person,person_id,event,date,facility,facility_type,source,source_type,"
        "confidence,sequence\n"
        ",Ali A,P-1,arrest,2012-03,,,s1,report,high,1\n"
        ",Ali A,P-1,arrest,2012-03,,,s1,,high,1\n"
        ",Ali A,P-1,arrest,2012-03,,,s1,,high,2\n"
        "SD-1,Ali A,P-1,detention,2012-04,,,s1,,high,3\n"
        "sd.1,Ali A,P-1,detention,2012-05,,,s1,,high,4\n"
        "SD-1,Ali A,P-1,release,2013,,,s1,,high,5\n") == [
        f"Error: {path}:3:1: this row repeats line 2: the same person_id, event, date, place and "
        "sequence, and neither has a record_id (remove the repeated row, or give both rows a "
        "record_id if they are two events)",
        f"{path}:6:1: the record_id of this row and that of line 5 would be one event: ids are "
        "compared without case and punctuation (give every event a record_id that differs in "
        "letters or digits)",
        f"{path}:7:1: the record_id of this row is already used on line 5 (every event needs "
        "its own record_id)",
        "3 problems found; nothing was written.",
    ]


def test_two_names_that_would_be_one_source_are_refused(run, store, tmp_path):
    # "witness-a", a confidential testimony, would otherwise have become the public report
    # "Witness A" named on the row before, and lost its confidentiality
    path = tmp_path / "sources.csv"
    assert refused(
        run, store, path,
        "record_id,person,person_id,event,date,source,source_type,confidential,confidence\n"
        "r1,Ali A,P-1,arrest,2012-03,Witness A,report,false,high\n"
        "r2,Ali A,P-1,detention,2012-04,witness-a,testimony,true,high\n"
        "r3,Ali A,P-1,release,2013,WITNESS A,,,high\n") == [
        f"Error: {path}:3:6: source 'witness-a' and 'Witness A' (first on line 2) would be one "
        "source: names are compared without case and punctuation (write a source's name the "
        "same way on every row, and give different sources names that differ in letters or "
        "digits)",
        "1 problem found; nothing was written.",
    ]


def test_two_spellings_of_one_new_place_with_two_types_are_refused(run, store, tmp_path):
    # both spellings make one node; taken as written, the second's type would have been lost
    # and two persons held at a checkpoint would have been held at a prison together
    path = tmp_path / "mazraa.csv"
    path.write_text(
        "record_id,person_id,person,event,date,facility,facility_type,source,source_type,"
        "confidence\n"
        "m1,MZ-1,Ali Hasan,detention,2019-01,Al-Mazraa Prison,prison,Report A,report,high\n"
        "m2,MZ-2,Omar Khalil,detention,2019-01,Almazraa prison,checkpoint,Report A,report,"
        "high\n", encoding="utf-8")
    result = run("ingest", path, "--allow-new", ok=False)
    assert result.exit_code == 1
    assert (f"{path}:3:7: 'Almazraa prison' is a 'checkpoint' here but a 'prison' on line 2 "
            "('Al-Mazraa Prison' there, which is the same facility by its id)") in result.output
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
