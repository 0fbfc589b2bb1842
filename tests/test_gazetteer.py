"""The shipped gazetteer resolves the example's places, user files are checked precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from custodygraph.errors import InvalidInput
from custodygraph.ingest import gazetteer as gz
from custodygraph.ingest import names

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "syria-direct-2021-02-09.yaml"
SHIPPED = str(gz.SHIPPED)


def shipped_line(text: str) -> int:
    """The line of the shipped file that reads ``text`` (the data file grows over time)."""
    lines = gz.SHIPPED.read_text(encoding="utf-8").splitlines()
    return lines.index(text) + 1

#: the example file's facilities and organisations -> the gazetteer entry each one means
EXAMPLE_TO_GAZETTEER = {
    "psb-daraa": "psb-daraa",
    "branch-215": "mi-branch-215",
    "sednaya": "sednaya",
    "tishreen": "tishreen-military-hospital",
    "mp-qaboun": "mp-qaboun",
    "fourth-division-security": "fourth-division-security-office",
    "fourth-division": "fourth-division",
    "political-security": "political-security",
    "interior": "ministry-of-interior",
    "police": "syrian-police",
    "fsa": "free-syrian-army",
    "nusra": "jabhat-al-nusra",
}


def example_names():
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for section in ("facilities", "organizations"):
        for item in data[section]:
            if item["id"] in EXAMPLE_TO_GAZETTEER:
                for name in [item["name"], item.get("name_ar"), *item.get("aliases", [])]:
                    if name:
                        yield pytest.param(name, EXAMPLE_TO_GAZETTEER[item["id"]],
                                           id=f"{item['id']}:{name}")


@pytest.fixture(scope="module")
def gaz():
    return gz.load()


@pytest.mark.parametrize("name, expected", list(example_names()))
def test_example_names_resolve(gaz, name, expected):
    entry = gaz.resolve(name)
    assert entry is not None, f"{name!r} does not resolve"
    assert entry.id == expected


@pytest.mark.parametrize("name, expected", [
    ("Saydnaya", "sednaya"),
    ("Sednaya Prison", "sednaya"),
    ("سجن صيدنايا", "sednaya"),
    ("Saydnaya Military Prison", "sednaya"),
    ("Branch 215", "mi-branch-215"),
    ("Military Intelligence Branch 215", "mi-branch-215"),
    ("الفرع ٢١٥", "mi-branch-215"),
    ("Raid Brigade", "mi-branch-215"),
    ("Palestine Branch", "mi-branch-235"),
    ("فرع فلسطين", "mi-branch-235"),
    ("Branch 227", "mi-branch-227"),
    ("Branch 248", "mi-branch-248"),
    ("al-Khatib Branch", "gid-branch-251"),
    ("فرع الخطيب", "gid-branch-251"),
    ("Mezzeh Military Airport", "afi-mezzeh-airport"),
    ("مطار المزة العسكري", "afi-mezzeh-airport"),
    ("Adra Central Prison", "adra-central-prison"),
    ("601 Military Hospital", "military-hospital-601"),
    ("Tishreen Hospital", "tishreen-military-hospital"),
    ("Political Security Branch, Daraa", "psb-daraa"),
    ("Military Intelligence", "military-intelligence"),
    ("المخابرات الجوية", "air-force-intelligence"),
    ("State Security", "general-intelligence"),
])
def test_names_and_spellings_resolve(gaz, name, expected):
    assert gaz.resolve(name).id == expected


#: regional branches, prisons and the terrorism court, each with an Arabic spelling
REGIONAL_NAMES = [
    ("Military Intelligence Branch 220 in Sasa", "mi-branch-220-sasa"),
    ("فرع سعسع", "mi-branch-220-sasa"),
    ("Branch 243", "mi-branch-243-deir-ez-zor"),
    ("الفرع ٢٤٣", "mi-branch-243-deir-ez-zor"),
    ("Military Security Branch, Aleppo", "mi-branch-aleppo"),
    ("فرع الأمن العسكري بحلب", "mi-branch-aleppo"),
    ("Air Force Intelligence Branch in Aleppo", "afi-aleppo"),
    ("فرع المخابرات الجوية في حلب", "afi-aleppo"),
    ("Air Security Branch in Daraa", "afi-daraa"),
    ("فرع المخابرات الجوية بدرعا", "afi-daraa"),
    ("Air Force Intelligence Branch in Hama", "afi-hama-airport"),
    ("مطار حماة العسكري", "afi-hama-airport"),
    ("Air Force Intelligence Homs", "afi-homs"),
    ("فرع المخابرات الجوية في حمص", "afi-homs"),
    ("Branch 322", "gid-branch-322-aleppo"),
    ("فرع أمن الدولة في حلب", "gid-branch-322-aleppo"),
    ("General Intelligence Branch in Daraa", "gid-daraa"),
    ("فرع أمن الدولة في درعا", "gid-daraa"),
    ("State Security Branch in Homs", "gid-homs"),
    ("فرع أمن الدولة في حمص", "gid-homs"),
    ("Aleppo Central Prison", "aleppo-central-prison"),
    ("سجن حلب المركزي", "aleppo-central-prison"),
    ("Hama Central Prison", "hama-central-prison"),
    ("سجن حماة المركزي", "hama-central-prison"),
    ("Homs Central Prison", "homs-central-prison"),
    ("سجن حمص المركزي", "homs-central-prison"),
    ("Balouna Prison", "balouna-prison"),
    ("سجن البالونة", "balouna-prison"),
    ("Counter-Terrorism Court", "counter-terrorism-court"),
    ("محكمة قضايا الإرهاب", "counter-terrorism-court"),
]


@pytest.mark.parametrize("name, expected", REGIONAL_NAMES)
def test_regional_names_resolve(gaz, name, expected):
    assert gaz.resolve(name).id == expected


@pytest.mark.parametrize("entry_id", sorted({expected for _, expected in REGIONAL_NAMES}))
def test_every_name_of_a_regional_entry_resolves_to_it(gaz, entry_id):
    entry = gaz.get(entry_id)
    for name in entry.names:
        found = gaz.match(name)
        assert found.entry is not None and found.entry.id == entry_id, (name, found)


def test_shipped_entries_are_complete(gaz):
    assert len(gaz) >= 25
    for entry in gaz:
        assert entry.sources, entry.id
        assert all(s.url or s.reference for s in entry.sources), entry.id
        assert entry.type in gz.TYPES
        assert entry.parent is None or entry.parent in gaz
        assert entry.governorate is None or entry.governorate in gz.GOVERNORATES
    assert gaz.get("mi-branch-215").parent == "military-intelligence"
    assert gaz.get("afi-mezzeh-airport").parent == "air-force-intelligence"
    assert gaz.get("sednaya").kind == "facility"
    assert gaz.get("military-intelligence").kind == "organization"
    assert "mi-branch-235" in [e.id for e in gaz.children("military-intelligence")]


def test_ambiguous_names_give_candidates_never_a_guess(gaz):
    with pytest.raises(gz.AmbiguousName) as info:
        gaz.resolve("Political Security Branch")
    assert [e.id for e in info.value.candidates] == ["psb-damascus", "psb-daraa"]
    # a single word that is also a town is only a candidate
    found = gaz.match("Harasta")
    assert found.status == "ambiguous" and found.entry is None
    assert [e.id for e in found.candidates] == ["afi-harasta"]
    assert gaz.match("Branch").status == "ambiguous"
    assert gaz.resolve("Branch 999") is None


@pytest.mark.parametrize("name", [
    "Military Intelligence Branch in Hama",  # the branch at Hama's airport is Air Force's
    "Military Intelligence Branch in Mezzeh",
    "فرع المخابرات العسكرية في حماة",
])
def test_a_name_that_says_one_agency_never_resolves_to_another(gaz, name):
    found = gaz.match(name)
    assert found.entry is None and "afi-hama-airport" not in [c.id for c in found.candidates]
    assert gaz.resolve(name) is None


@pytest.mark.parametrize("name, candidate", [("Damascus Branch", "psb-damascus"),
                                             ("Hama Branch", "afi-hama-airport"),
                                             ("Branch in Daraa", "psb-daraa")])
def test_a_governorate_and_a_generic_word_name_no_one_place(gaz, name, candidate):
    with pytest.raises(gz.AmbiguousName) as info:
        gaz.resolve(name)
    assert candidate in [e.id for e in info.value.candidates]


def test_the_agency_a_name_spells_out_still_finds_its_own_places(gaz):
    assert gaz.resolve("Air Force Intelligence Branch in Hama").id == "afi-hama-airport"
    assert gaz.resolve("Political Security Branch in Daraa").id == "psb-daraa"
    assert gaz.resolve("Raid Branch").id == "mi-branch-215"


def test_suggestions_for_unresolved_names(gaz):
    assert gaz.resolve("Sednaya Military Prision") is None
    assert gaz.suggest("Sednaya Military Prision")[0].id == "sednaya"
    assert gaz.suggest("Tishrin hospital")[0].id == "tishreen-military-hospital"
    assert len(gaz.suggest("Branch 2155", n=2)) == 2


# -- user files and validation ---------------------------------------------------------------

HEADER = """format: custodygraph/gazetteer@1
sources:
  - id: my-report
    title: Our documentation
    reference: internal file 12
entries:
"""


def user_file(tmp_path, body: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def problems(paths, **kw) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        gz.load(paths, **kw)
    return [str(p) for p in info.value.problems]


def test_user_file_adds_entries_and_extends_shipped_ones(tmp_path):
    path = user_file(tmp_path, """  - id: checkpoint-x
    name: Checkpoint at the northern entrance of Town X
    name_ar: حاجز المدخل الشمالي
    type: checkpoint
    parent: fourth-division
    governorate: daraa
    sources: [my-report]
  - extends: sednaya
    aliases: [Sidnaya jail]
    sources: [my-report]
""")
    gaz = gz.load([path])
    assert gaz.resolve("حاجز المدخل الشمالي").id == "checkpoint-x"
    assert gaz.resolve("Sidnaya jail").id == "sednaya"
    assert [s.id for s in gaz.get("sednaya").sources][-1] == "my-report"
    assert gaz.files == (SHIPPED, str(path))


def test_unknown_type(tmp_path):
    path = user_file(tmp_path, """  - id: x
    name: Some place
    type: prisn
    sources: [my-report]
""")
    assert problems([path], shipped=False) == [
        f"{path}:9:11: 'type': unknown value 'prisn'; did you mean 'prison'? valid values: "
        "security_branch, prison, military_police, military_hospital, court, checkpoint, "
        "unit_headquarters, other, intelligence_agency, military_unit, armed_group, "
        "ministry, police"]


def test_dangling_parent(tmp_path):
    path = user_file(tmp_path, """  - id: x
    name: Some branch
    type: security_branch
    parent: military-inteligence
    sources: [my-report]
""")
    assert problems([path]) == [
        f"{path}:10:13: 'parent' refers to 'military-inteligence', which is not a gazetteer "
        "id (did you mean 'military-intelligence'?)"]


def test_duplicate_id(tmp_path):
    path = user_file(tmp_path, """  - id: sednaya
    name: Another prison
    type: prison
    sources: [my-report]
""")
    assert problems([path]) == [
        f"{path}:7:9: id 'sednaya' is already used at "
        f"{SHIPPED}:{shipped_line('  - id: sednaya')}:9 (give this entry its "
        "own id, or write 'extends: sednaya' to add names or sources to that entry)"]


def test_alias_claimed_by_two_entries(tmp_path):
    path = user_file(tmp_path, """  - id: other-branch
    name: Some other branch
    aliases: [Another name, branch 215]
    type: security_branch
    sources: [my-report]
""")
    assert problems([path]) == [
        f"{path}:9:29: the name 'branch 215' is already a name of 'mi-branch-215' "
        f"({SHIPPED}:{shipped_line('      - Branch 215')}:9) (a name may belong to one "
        "entry only: remove it from one of "
        "them, or make it more specific)"]


def test_alias_claimed_twice_within_one_file(tmp_path):
    path = user_file(tmp_path, """  - id: a
    name: Place A
    aliases: [The Depot]
    type: other
    sources: [my-report]
  - id: b
    name: Place B
    aliases: [the depot]
    type: other
    sources: [my-report]
""")
    assert problems([path], shipped=False) == [
        f"{path}:14:15: the name 'the depot' is already a name of 'a' ({path}:9:15) (a name "
        "may belong to one entry only: remove it from one of them, or make it more "
        "specific)"]


def test_sources_are_required_and_checked(tmp_path):
    path = user_file(tmp_path, """  - id: a
    name: Place A
    type: other
  - id: b
    name: Place B
    type: other
    sources: [my-reprot]
""")
    assert problems([path], shipped=False) == [
        f"{path}:7:5: entry 'a' cites no sources (list at least one public source: "
        "sources: [source-id])",
        f"{path}:13:15: 'sources' refers to 'my-reprot', which no sources list declares "
        "(did you mean 'my-report'?)"]


def test_unknown_field_governorate_and_extension(tmp_path):
    path = user_file(tmp_path, """  - id: a
    name: Place A
    alias: [A]
    type: other
    governorate: daraaa
    sources: [my-report]
  - extends: sednayya
    aliases: [S]
""")
    assert problems([path]) == [
        f"{path}:9:5: unknown field 'alias' in an entry (did you mean 'aliases'?)",
        f"{path}:11:18: 'governorate': unknown value 'daraaa' (did you mean 'daraa'? valid "
        "values: damascus, rif-dimashq, aleppo, homs, hama, latakia, tartus, idlib, daraa, "
        "quneitra, as-suwayda, deir-ez-zor, raqqa, al-hasakah)",
        f"{path}:13:14: 'extends' refers to 'sednayya', which is not an id of an entry read "
        "before it (did you mean 'sednaya'?)"]


def test_parent_cycle_and_parent_kind(tmp_path):
    path = user_file(tmp_path, """  - id: a
    name: Unit A
    type: military_unit
    parent: b
    sources: [my-report]
  - id: b
    name: Unit B
    type: military_unit
    parent: a
    sources: [my-report]
  - id: c
    name: Office C
    type: security_branch
    parent: sednaya
    sources: [my-report]
""")
    assert problems([path]) == [
        f"{path}:20:13: 'parent' of 'c' is 'sednaya', a prison; a parent must be an "
        "organisation or a security branch",
        f"{path}:7:5: 'parent' makes a cycle: a -> b -> a (an entry cannot be its own "
        "ancestor)",
        f"{path}:12:5: 'parent' makes a cycle: b -> a -> b (an entry cannot be its own "
        "ancestor)"]


def test_wrong_format_header(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("format: custodygraph/cases@1\nentries: []\n", encoding="utf-8")
    assert problems([path], shipped=False) == [
        f"{path}:1:9: 'format' must be 'custodygraph/gazetteer@1', not "
        "'custodygraph/cases@1' (start the file with format: custodygraph/gazetteer@1)"]


# -- the example's person with two spellings ----------------------------------------------

def test_al_samadi_and_al_smadi_are_proposed_as_one_person_to_review():
    assert names.match_score("Moath Ata al-Smadi", "Moath al-Samadi") >= \
        names.DEFAULT_THRESHOLD
    assert names.match_score("al-Samadi", "al-Smadi") >= names.SINGLE_NAME_CAP * 0.9
    pairs = names.candidate_pairs([
        {"uid": "person:SD-2021-02-09-05", "name": "Moath Ata al-Smadi", "hometown": "samad"},
        {"uid": "person:other-record", "name": "Moath al-Samadi", "hometown": "samad",
         "aliases": ["معاذ الصمادي"]},
    ])
    assert len(pairs) == 1
    uid_a, uid_b, score, evidence = pairs[0]
    assert (uid_a, uid_b) == ("person:SD-2021-02-09-05", "person:other-record")
    assert score >= names.DEFAULT_THRESHOLD
    assert evidence["hometown"] == "agree" and evidence["birth_year"] == "unknown"
