"""The graph schema, declared once, as node classes in neomodel's spelling.

The declarations are plain Python (graph.declare): the arguments are neomodel's, but
declaring them imports neither neomodel nor the neo4j driver, which the embedded engine does
not need. graph.ogm builds the real neomodel classes from them, for the Neo4j backend and for
anyone who wants neomodel's OGM (``Person.ogm()``).

Everything else is derived from these declarations: the constraints and indexes of both
engines (graph.falkor_dialect, graph.neo4j_dialect), the labels and relationship types that
queries may name (``LABELS``, ``REL_TYPES``), the node kinds that ingest accepts
(``FACILITY_KINDS``, ``ORGANIZATION_KINDS``) and the colours and shapes of the views.

Labels and relationship types reach Cypher only through ``label()`` and ``rel()``, which
refuse anything not declared here, so no input can choose one.

Facts are events: a Person is SUBJECT_OF an Event, which happened AT a Facility or Location,
was carried out BY an Organization and is SOURCED_FROM one or more Sources. The direct edges
HELD_AT, ARRESTED_BY and MEMBER_OF are derived from events, say so (``derived: true``) and carry
the events and sources they come from.
"""

from __future__ import annotations

from custodygraph.graph.declare import (
    ArrayProperty,
    BooleanProperty,
    FloatProperty,
    IntegerProperty,
    Node,
    Relationship,
    RelationshipTo,
    StringProperty,
)


class Entity(Node):
    """Shared by every node: the application key ``uid``, never the engine's internal id."""

    __abstract_node__ = True
    uid = StringProperty(unique_index=True, required=True)


class Named(Entity):
    """A node found by its names: a display name, an Arabic spelling and aliases."""

    __abstract_node__ = True
    name = StringProperty(required=True, index=True)
    name_ar = StringProperty()
    aliases = ArrayProperty(StringProperty())
    #: normalised forms of every name, computed in Python (see ingest.keys.name_key)
    name_keys = ArrayProperty(StringProperty(), index=True)


class Location(Named):
    """A place: neighbourhood → town → district → governorate → country."""

    STYLE = {"color": "#6a8caf", "shape": "triangle"}
    level = StringProperty(
        choices={k: k for k in ("neighbourhood", "town", "district", "governorate", "region", "country")}
    )
    part_of = RelationshipTo("Location", "PART_OF")


class Organization(Named):
    """Any organisation: branch, agency, unit, armed group, ministry, police force."""

    STYLE = {"color": "#c0392b", "shape": "box"}
    kind = StringProperty(required=True)
    #: the id of the gazetteer entry this organisation is (ingest/gazetteer.py), if any
    gazetteer = StringProperty()
    part_of = RelationshipTo("Organization", "PART_OF")


class Facility(Named):
    """A place where people are held, treated, tried or stopped."""

    STYLE = {"color": "#8e44ad", "shape": "diamond"}
    kind = StringProperty(required=True)
    #: the id of the gazetteer entry this facility is (ingest/gazetteer.py), if any
    gazetteer = StringProperty()
    #: set by every write of a HELD_AT edge to the facility, to a token of that write, and
    #: removed when its StayTable is built again: while it is set, the table is not read
    stays_changed = StringProperty()
    located_in = RelationshipTo("Location", "LOCATED_IN")


# --- facility kinds ------------------------------------------------------------------------
class Prison(Facility):
    STYLE = {"color": "#6c3483", "shape": "diamond"}


class MilitaryPolice(Facility):
    STYLE = {"color": "#7d3c98", "shape": "diamond"}


class MilitaryHospital(Facility):
    STYLE = {"color": "#a04000", "shape": "diamond"}


class Court(Facility):
    STYLE = {"color": "#5d6d7e", "shape": "diamond"}


class Checkpoint(Facility):
    STYLE = {"color": "#b7950b", "shape": "diamond"}


class UnitHeadquarters(Facility):
    STYLE = {"color": "#935116", "shape": "diamond"}


class OtherFacility(Facility):
    STYLE = {"color": "#808b96", "shape": "diamond"}


# --- organisation kinds --------------------------------------------------------------------
class SecurityBranch(Facility, Organization):
    """A branch both arrests people and holds them, so it is a Facility and an Organization."""

    STYLE = {"color": "#c0392b", "shape": "diamond"}


class IntelligenceAgency(Organization):
    STYLE = {"color": "#922b21", "shape": "box"}


class MilitaryUnit(Organization):
    STYLE = {"color": "#1e8449", "shape": "box"}


class ArmedGroup(Organization):
    STYLE = {"color": "#117864", "shape": "box"}


class Ministry(Organization):
    STYLE = {"color": "#2e4053", "shape": "box"}


class Police(Organization):
    STYLE = {"color": "#1f618d", "shape": "box"}


# --- people, facts and their provenance -----------------------------------------------------
class Source(Entity):
    """Where a statement comes from. A confidential source is redacted in every output."""

    STYLE = {"color": "#7f8c8d", "shape": "square"}
    title = StringProperty(required=True)
    kind = StringProperty(
        required=True, choices={k: k for k in ("report", "testimony", "document", "media")}
    )
    publisher = StringProperty()
    date = StringProperty()
    url = StringProperty()
    confidential = BooleanProperty(default=False)


class Event(Entity):
    """One fact about one or more persons, with its date bounds, confidence and sources."""

    STYLE = {"color": "#f39c12", "shape": "dot"}
    type = StringProperty(required=True, index=True)
    #: ISO date bounds (YYYY-MM-DD); strings sort the same on both engines. Not indexed:
    #: FalkorDB 4.16's range index on a string answers ``<=`` with rows that fail it
    earliest = StringProperty()
    latest = StringProperty()
    #: the date as the source gave it, and its EDTF reading
    date_text = StringProperty()
    date_edtf = StringProperty()
    date_qualifier = StringProperty()
    #: explicit order among one person's events, from the case file or a sequence column
    sequence = IntegerProperty()
    confidence = StringProperty(required=True, choices={k: k for k in ("high", "medium", "low")})
    notes = StringProperty()
    record_id = StringProperty()
    run = StringProperty()
    at_facility = RelationshipTo("Facility", "AT")
    at_location = RelationshipTo("Location", "AT")
    by = RelationshipTo("Organization", "BY")
    sourced_from = RelationshipTo("Source", "SOURCED_FROM")


class HeldAt(Relationship):
    """A person was held at a facility: derived from the person's events there.

    Besides the provenance every derived edge carries, it holds the person's stays at the
    facility for co-detention (queries.codetention): as text (``stays``, ``stays_from``),
    and as whole days with an indexed key (``stay_key``, ``stay_days``), so the stays that
    may overlap a given period are found through the index instead of a scan of every
    stay at the facility.
    """

    derived = BooleanProperty(default=True)
    earliest = StringProperty()
    latest = StringProperty()
    events = ArrayProperty(StringProperty())
    sources = ArrayProperty(StringProperty())
    confidence = StringProperty()
    stays = ArrayProperty(StringProperty())
    stays_from = StringProperty()
    #: the facility, the length of the stays and where they start (codetention.stay_key)
    stay_key = IntegerProperty(index=True)
    #: four whole days per dated stay (codetention.stay_days)
    stay_days = ArrayProperty(IntegerProperty())


class MatchReview(Relationship):
    """A reviewer's decision on a candidate pair of persons (queries.resolve), kept for audit.

    One edge per decision, from the person with the smaller uid to the other. An undo does
    not delete it: it sets ``active`` to false and records who undid it and when.
    """

    uid = StringProperty(required=True)
    #: the candidate id (queries.resolve.candidate_id of the two uids)
    candidate = StringProperty(required=True)
    decision = StringProperty(required=True, choices={k: k for k in ("same", "different",
                                                                     "unsure")})
    decided_by = StringProperty(required=True)
    #: UTC time, ISO 8601
    decided_at = StringProperty(required=True)
    #: the name score when the decision was taken
    score = FloatProperty()
    note = StringProperty()
    active = BooleanProperty(default=True)
    undone_by = StringProperty()
    undone_at = StringProperty()
    undo_note = StringProperty()


class SameAs(Relationship):
    """Two person records are one person, because a reviewer said so (never by name alone).

    A reversible merge: both Person nodes and their events stay as they are; queries treat
    the connected SAME_AS component as one person. Not derived: it carries the provenance
    of the decision (the MATCH_REVIEW edge with uid ``decision``).
    """

    derived = BooleanProperty(default=False)
    decision = StringProperty(required=True)
    decided_by = StringProperty(required=True)
    decided_at = StringProperty(required=True)
    score = FloatProperty()
    note = StringProperty()


class Person(Named):
    """A person. Two records are one person only through the same person id, never by name."""

    STYLE = {"color": "#2874a6", "shape": "ellipse"}
    gender = StringProperty()
    birth_year = IntegerProperty()
    #: a protected person is redacted in every output unless asked otherwise
    protected = BooleanProperty(default=False)
    #: a case that stands for a group of unnamed persons, as reports often give them
    group_size = StringProperty()
    notes = StringProperty()
    subject_of = RelationshipTo("Event", "SUBJECT_OF")
    from_place = RelationshipTo("Location", "FROM")
    held_at = RelationshipTo("Facility", "HELD_AT", model=HeldAt)
    arrested_by = RelationshipTo("Organization", "ARRESTED_BY")
    member_of = RelationshipTo("Organization", "MEMBER_OF")
    #: command of a unit or branch; the edge carries ``earliest`` and ``latest`` ISO bounds
    commanded = RelationshipTo("Organization", "COMMANDED")
    #: reviewed candidate pairs and the reversible merges they made (queries.resolve)
    match_review = RelationshipTo("Person", "MATCH_REVIEW", model=MatchReview)
    same_as = RelationshipTo("Person", "SAME_AS", model=SameAs)


class IngestRun(Entity):
    """One ingest of one file: every event records the run that last wrote it."""

    STYLE = {"color": "#bdc3c7", "shape": "square"}
    file = StringProperty(required=True)
    sha256 = StringProperty(required=True)
    rows = IntegerProperty()
    started = StringProperty()
    finished = StringProperty()
    version = StringProperty()
    #: the run writes HELD_AT.stay_key with this many slices of persons (runs of earlier
    #: versions wrote no key, or one without slices): co-detention is ranked by the store
    #: only where every run wrote the key the query reads
    stay_key_slices = IntegerProperty()


class StayTable(Entity):
    """The dated stays of the persons held at one facility, for co-detention
    (queries.codetention.stay_tables): derived from the HELD_AT edges, as an index is, and
    left out of views and exports. A facility's own table (uid ``stays:`` and its uid) lists
    its parts; each part (uid ``stays:klass:block:`` and the facility's uid) holds the edges
    whose key falls in it.
    """

    facility = StringProperty(required=True, index=True)
    #: the digest of the content of the facility's tables: a part is read only with the
    #: list of the same build
    build = StringProperty(required=True)
    #: the facility's own table: its parts (``klass:block``)
    chunks = ArrayProperty(StringProperty())
    #: the persons' uids, one per HELD_AT edge with a dated stay, joined by newlines
    persons = StringProperty()
    #: how many persons (edges) the table holds
    edges = IntegerProperty()
    #: per edge, its number of stays; per stay, its four whole days (HeldAt.stay_days, -1
    #: for none), as 32-bit little-endian numbers in hexadecimal
    counts = StringProperty()
    days = StringProperty()
    #: the facility's own table: edges there whose stays the key could not place (then the
    #: tables are not read)
    unkeyed = IntegerProperty()


class CaseTable(Entity):
    """The persons behind every facility and organisation that recurrence ranks when nothing
    narrows it (queries.recurrence.case_table): derived from the persons' ``custody_at`` and
    ``custody_by``, as an index is, and left out of views and exports. There is one, uid
    ``cases``.
    """

    #: set by every write of persons' custody lists, to a token of that write, and removed
    #: when the table is built again: while it is set, the table is not read
    changed = StringProperty()
    #: every person listed, their uids in order joined by newlines, and how many
    persons = StringProperty()
    size = IntegerProperty()
    #: per role, the entries (uids), how many persons each lists, and their persons as
    #: places in ``persons`` (ascending, as 32-bit little-endian numbers in hexadecimal),
    #: entry after entry: places (the facilities of the persons' custody events) ...
    places = ArrayProperty(StringProperty())
    place_sizes = ArrayProperty(IntegerProperty())
    place_members = StringProperty()
    #: ... and the organisations that carried them out
    responsible = ArrayProperty(StringProperty())
    responsible_sizes = ArrayProperty(IntegerProperty())
    responsible_members = StringProperty()


# --- what the rest of the code derives from the declarations ---------------------------------
#: every concrete node class, in declaration order
NODE_CLASSES: tuple[type[Node], ...] = (
    Location, Organization, Facility, Prison, MilitaryPolice, MilitaryHospital, Court,
    Checkpoint, UnitHeadquarters, OtherFacility, SecurityBranch, IntelligenceAgency,
    MilitaryUnit, ArmedGroup, Ministry, Police, Source, Event, Person, IngestRun, StayTable,
    CaseTable,
)
#: labels of derived lookup structures, not records, and the properties that keep them
#: current: views and exports leave them out
INDEX_LABELS: frozenset[str] = frozenset({StayTable.__label__, CaseTable.__label__})
INDEX_PROPERTIES: frozenset[str] = frozenset({"stays_changed"})

LABELS: frozenset[str] = frozenset(cls.__label__ for cls in NODE_CLASSES)

REL_TYPES: frozenset[str] = frozenset(
    rel.relation_type for cls in NODE_CLASSES for rel in cls.relationships().values()
)

#: the classes declaring the properties of relationships, in order of first use
REL_MODELS: tuple[type[Relationship], ...] = tuple(dict.fromkeys(
    rel.model for cls in NODE_CLASSES for rel in cls.relationships().values()
    if rel.model is not None
))

#: the model of each relationship type that has one
REL_MODEL_BY_TYPE: dict[str, type[Relationship]] = {
    rel.relation_type: rel.model
    for cls in NODE_CLASSES for rel in cls.relationships().values() if rel.model is not None
}

#: the facility kinds of the record format, and the label each one adds to Facility
FACILITY_KINDS: dict[str, str] = {
    "security_branch": "SecurityBranch",
    "prison": "Prison",
    "military_police": "MilitaryPolice",
    "military_hospital": "MilitaryHospital",
    "court": "Court",
    "checkpoint": "Checkpoint",
    "unit_headquarters": "UnitHeadquarters",
    "other": "OtherFacility",
}

#: the organisation kinds of the record format, and the label each one adds to Organization
ORGANIZATION_KINDS: dict[str, str] = {
    "security_branch": "SecurityBranch",
    "intelligence_agency": "IntelligenceAgency",
    "military_unit": "MilitaryUnit",
    "armed_group": "ArmedGroup",
    "ministry": "Ministry",
    "police": "Police",
}

#: node classes by label, for styles and validation
CLASS_BY_LABEL: dict[str, type[Node]] = {cls.__label__: cls for cls in NODE_CLASSES}


def label(name: str) -> str:
    """Return ``name`` if it is a declared label; refuse anything else.

    >>> label("Prison")
    'Prison'
    """
    if name not in LABELS:
        raise ValueError(f"not a label of the schema: {name!r}")
    return name


def rel(name: str) -> str:
    """Return ``name`` if it is a declared relationship type; refuse anything else.

    >>> rel("HELD_AT")
    'HELD_AT'
    """
    if name not in REL_TYPES:
        raise ValueError(f"not a relationship type of the schema: {name!r}")
    return name


def style(labels: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The colour and shape of a node with these labels: the most specific declared class wins."""
    best = None
    for name in labels:
        cls = CLASS_BY_LABEL.get(name)
        if cls is not None and (best is None or issubclass(cls, best)):
            best = cls
    return dict(best.STYLE) if best is not None else {"color": "#999999", "shape": "dot"}


def _properties(cls: type) -> dict:
    """The properties of a declared node or relationship class, or of a neomodel class (such
    as one of graph.ogm)."""
    if issubclass(cls, (Node, Relationship)):
        return cls.properties()
    return cls.defined_properties(aliases=False, rels=False)


def unique_keys(cls: type) -> list[str]:
    """Properties of ``cls`` declared unique.

    >>> unique_keys(Person)
    ['uid']
    """
    return [name for name, prop in _properties(cls).items() if prop.unique_index]


def indexed_keys(cls: type) -> list[str]:
    """Properties of ``cls`` declared with a plain (non-unique) index.

    >>> indexed_keys(Person)
    ['name', 'name_keys']
    """
    return [name for name, prop in _properties(cls).items()
            if prop.index and not prop.unique_index]
