"""Case files in YAML or JSON: sources, places and organisations, then cases of ordered events.

A case is one person and the events about them, in the order the source tells them. Events
refer to places, organisations and sources by the ``id`` declared in the file or by a name or
alias declared there; anything else is a problem. The format is documented in docs/format.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from custodygraph.errors import InvalidInput, Problem
from custodygraph.graph import schema
from custodygraph.ingest import records as rec
from custodygraph.ingest.records import SURROGATE
from custodygraph.ingest import vocabulary as vocab
from custodygraph.ingest.dates import DateError, parse_date
from custodygraph.ingest.keys import make_uid, name_key, name_keys

#: cells longer than this are refused (an over-long cell is usually a broken file)
MAX_TEXT = 10_000

TOP_KEYS = ("format", "sources", "locations", "facilities", "organizations", "cases")
SOURCE_KEYS = ("id", "title", "type", "publisher", "date", "url", "confidential")
LOCATION_KEYS = ("id", "name", "name_ar", "aliases", "level", "part_of")
FACILITY_KEYS = ("id", "name", "name_ar", "aliases", "type", "location", "gazetteer")
ORGANIZATION_KEYS = ("id", "name", "name_ar", "aliases", "type", "part_of", "gazetteer")
PERSON_KEYS = ("id", "name", "name_ar", "aliases", "gender", "birth_year", "hometown",
               "protected", "group_size", "notes")
EVENT_KEYS = ("record_id", "event", "date", "end_date", "date_text", "sequence", "facility",
              "location", "organization", "sources", "confidence", "notes")


class Node(dict):
    """A mapping that remembers where it, each of its keys and each value stood in the file."""

    def __init__(self, mark, items, marks, key_marks=None):
        super().__init__(items)
        self.mark = mark
        self.marks = marks
        self.key_marks = key_marks or {}


class Seq(list):
    def __init__(self, mark, items, marks):
        super().__init__(items)
        self.mark = mark
        self.marks = marks


def _load(path: Path) -> Any:
    """Parse YAML (JSON is a subset) keeping line and column of every value."""
    constructor = yaml.SafeLoader("")

    def build(node):
        if isinstance(node, yaml.MappingNode):
            items, marks, key_marks = {}, {}, {}
            for key_node, value_node in node.value:
                key = str(build(key_node))
                items[key] = build(value_node)
                marks[key] = value_node.start_mark
                key_marks[key] = key_node.start_mark
            return Node(node.start_mark, items, marks, key_marks)
        if isinstance(node, yaml.SequenceNode):
            values = [build(child) for child in node.value]
            return Seq(node.start_mark, values, [child.start_mark for child in node.value])
        if node.tag.endswith(":timestamp"):
            return node.value  # keep dates as written: they are EDTF text
        value = constructor.construct_object(node, deep=True)
        if isinstance(value, str) and SURROGATE.search(value):
            mark = node.start_mark
            raise InvalidInput([Problem(
                str(path), mark.line + 1, mark.column + 1,
                "the value holds a lone surrogate escape (\\u%04x), which is not a character"
                % ord(SURROGATE.search(value).group()),
                "write the character itself, or both halves of its escape pair")])
        return value

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InvalidInput([Problem(str(path), line, None, "the file is not UTF-8 text",
                                    "save it as UTF-8")]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise InvalidInput([Problem(
            str(path), line, column,
            f"the file holds a control character (code {exc.character:#04x}) that YAML and "
            "JSON do not allow", "remove it, or check that this is the right file")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InvalidInput([Problem(
            str(path), mark.line + 1 if mark else None, mark.column + 1 if mark else None,
            f"not valid YAML or JSON: {exc.problem or exc.context}",
            "check quoting and indentation around this place",
        )]) from None
    if root is None:
        raise InvalidInput([Problem(str(path), 1, 1, "the file is empty",
                                    "see docs/format.md for a complete example")])
    try:
        return build(root)
    except yaml.MarkedYAMLError as exc:  # a tag no safe loader knows, such as !!python/…
        mark = exc.problem_mark or exc.context_mark
        raise InvalidInput([Problem(
            str(path), mark.line + 1 if mark else None, mark.column + 1 if mark else None,
            f"a YAML tag that a case file cannot hold: {exc.problem or exc.context}",
            "remove the tag (the word after '!'): a case file holds plain values")]) from None


class CaseFileReader:
    def __init__(self, path: Path, names=None):
        from custodygraph.ingest.gazetteer import NameResolver

        self.path = path
        #: resolves facility and organisation names against the gazetteer
        self.names = names if names is not None else NameResolver()
        self.file = str(path)
        self.problems: list[Problem] = []
        self.data = rec.Dataset(file=self.file)
        # local id or name key -> uid, per kind
        self.refs: dict[str, dict[str, str]] = {
            "source": {}, "location": {}, "facility": {}, "organization": {}
        }
        # what the file wrote for each reference key, to name it in hints
        self.spelled: dict[str, dict[str, str]] = {k: {} for k in self.refs}
        # (kind, node, uid) of entries whose part_of or location is resolved after all
        self._parents: list[tuple[str, Node, str]] = []
        #: event uid -> the record_id that gave it (None: from the person and position)
        self._event_uids: dict[str, str | None] = {}

    # -- problems and places --------------------------------------------------------------
    def where(self, node, key=None) -> rec.Where:
        mark = None
        if isinstance(node, Seq) and isinstance(key, int):
            mark = node.marks[key]
        elif isinstance(node, Node) and key is not None:
            mark = node.marks.get(key)
        mark = mark or getattr(node, "mark", None)
        if mark is None:
            return rec.Where(self.file)
        return rec.Where(self.file, mark.line + 1, mark.column + 1)

    def problem(self, node, key, message: str, hint: str = "") -> None:
        w = self.where(node, key)
        self.problems.append(Problem(w.file, w.line, w.column, message, hint))

    def key_problem(self, node, key, message: str, hint: str = "") -> None:
        mark = node.key_marks.get(key)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        self.problems.append(Problem(self.file, line, column, message, hint))

    # -- typed getters --------------------------------------------------------------------
    def text(self, node, key, required=False) -> str | None:
        value = node.get(key)
        if value is None or value == "":
            if required:
                self.problem(node, None, f"missing {key!r}", f"add a {key}: line")
            return None
        if isinstance(value, (dict, list)):
            self.problem(node, key, f"{key!r} must be text, not a list or mapping")
            return None
        value = str(value).strip()
        if len(value) > MAX_TEXT:
            self.problem(node, key, f"{key!r} is {len(value)} characters long; the limit is "
                         f"{MAX_TEXT}", "split the text or move it to a source document")
            return None
        return value

    def texts(self, node, key) -> list[str]:
        value = node.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(node, key, f"{key!r} must be a list of text")
            return []
        out = []
        for item in value:
            if isinstance(item, (dict, list)):
                self.problem(node, key, f"{key!r} must be a list of text")
                continue
            out.append(str(item).strip())
        return [x for x in out if x]

    def flag(self, node, key) -> bool:
        value = node.get(key, False)
        if isinstance(value, bool):
            return value
        self.problem(node, key, f"{key!r} must be true or false, not {value!r}")
        return False

    def integer(self, node, key) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                return int(str(value).strip())
            except ValueError:
                self.problem(node, key, f"{key!r} must be a whole number, not {value!r}")
                return None
        return value

    def term(self, node, key, valid, synonyms=None, default=None) -> str | None:
        value = node.get(key)
        if value is None:
            if default is None:
                self.problem(node, None, f"missing {key!r}",
                             f"use one of: {', '.join(valid)}")
            return default
        try:
            return vocab.choose(str(value), valid, synonyms)
        except ValueError as exc:
            self.problem(node, key, f"{key!r}: {exc}")
            return None

    def known_keys(self, node, allowed, what) -> None:
        for key in node:
            if key not in allowed:
                near = vocab.closest(key, allowed)
                hint = f"did you mean {near!r}?" if near else f"allowed: {', '.join(allowed)}"
                self.key_problem(node, key, f"unknown field {key!r} in {what}", hint)

    def mapping(self, node, what) -> bool:
        if not isinstance(node, Node):
            w = getattr(node, "mark", None)
            self.problems.append(Problem(self.file, w.line + 1 if w else None,
                                         w.column + 1 if w else None,
                                         f"each {what} must be a mapping of fields"))
            return False
        return True

    def section(self, root, key) -> list:
        value = root.get(key)
        if value is None:
            return []
        if not isinstance(value, Seq):
            self.problem(root, key, f"{key!r} must be a list")
            return []
        return value

    # -- references -----------------------------------------------------------------------
    def declare(self, kind: str, node, local_id: str | None, uid: str, names: list[str]) -> None:
        table = self.refs[kind]
        written = ([local_id] if local_id else []) + [n for n in names if n]
        for text in written:
            ref = text if text == local_id else name_key(text)
            if ref in table and table[ref] != uid:
                self.problem(node, "id", f"{kind} {text!r} is declared twice for different "
                             "entries", "give each entry its own id and name")
            table[ref] = uid
            self.spelled[kind][ref] = text

    def declared_once(self, node, kind: str, key: str, text: str, uid: str, table) -> bool:
        """True for the first entry of ``table`` to make ``uid``; for a later one, a problem:
        written, it would be the same node, and one entry would take the other's details."""
        first = table.get(uid)
        if first is None:
            return True
        self.problem(node, key, f"{kind} {text!r} is declared again: it would be one {kind} with "
                     f"the one on line {first.where.line}, as {key}s are compared without case "
                     "and punctuation", f"declare each {kind} once, and give different ones "
                     f"{key}s that differ in letters or digits")
        return False

    def resolve(self, kind: str, node, key, kinds=None) -> str | None:
        """The uid that ``node[key]`` refers to, by declared id, name or alias."""
        ref = node.get(key)
        if ref is None or ref == "":
            return None
        return self.resolve_value(kind, str(ref).strip(), self.where(node, key), key, kinds)

    def resolve_value(self, kind, ref: str, where: rec.Where, key, kinds=None) -> str | None:
        tables = kinds or (kind,)
        for k in tables:
            for candidate in (ref, name_key(ref)):
                uid = self.refs[k].get(candidate)
                if uid is not None:
                    return uid
        spelled = {key: text for k in tables for key, text in self.spelled[k].items()}
        near_key = vocab.closest(name_key(ref), list(spelled))
        near = spelled.get(near_key) if near_key else None
        section = {"facility": "facilities", "organization": "organizations"}.get(kind, kind + "s")
        hint = f"did you mean {near!r}?" if near else f"declare it under {section}"
        self.problems.append(Problem(where.file, where.line, where.column,
                                     f"{key!r} refers to {ref!r}, which this file does not "
                                     "declare", hint))
        return None

    # -- sections -------------------------------------------------------------------------
    def read(self) -> rec.Dataset:
        root = _load(self.path)
        if not isinstance(root, Node):
            raise InvalidInput([Problem(self.file, 1, 1, "a case file must be a mapping with "
                                        "sources, facilities, organizations and cases",
                                        "see docs/format.md")])
        self.known_keys(root, TOP_KEYS, "the case file")
        for node in self.section(root, "sources"):
            self.read_source(node)
        for node in self.section(root, "locations"):
            self.read_location(node)
        for node in self.section(root, "organizations"):
            self.read_organization(node)
        for node in self.section(root, "facilities"):
            self.read_facility(node)
        self.link_parents(root)
        cases = self.section(root, "cases")
        if not cases and not self.problems:
            self.problem(root, None, "the file has no cases", "add a cases: list")
        for node in cases:
            self.read_case(node)
        if self.problems:
            raise InvalidInput(self.problems)
        return self.data

    def read_source(self, node) -> None:
        if not self.mapping(node, "source"):
            return
        self.known_keys(node, SOURCE_KEYS, "a source")
        local = self.text(node, "id", required=True)
        title = self.text(node, "title", required=True)
        if not local or not title:
            return
        uid = make_uid("source", local)
        if not self.declared_once(node, "source", "id", local, uid, self.data.sources):
            return
        date = self.text(node, "date")
        if date:
            try:
                parse_date(date)
            except DateError as exc:
                self.problem(node, "date", str(exc))
        self.data.sources[uid] = rec.Source(
            uid, self.where(node), title=title,
            kind=self.term(node, "type", vocab.SOURCE_KINDS) or "report",
            publisher=self.text(node, "publisher"), date=date, url=self.text(node, "url"),
            confidential=self.flag(node, "confidential"),
        )
        self.declare("source", node, local, uid, [])

    def named(self, node):
        name = self.text(node, "name", required=True)
        name_ar = self.text(node, "name_ar")
        aliases = self.texts(node, "aliases")
        return name, name_ar, aliases, name_keys(name, name_ar, *aliases)

    def read_location(self, node) -> None:
        if not self.mapping(node, "location"):
            return
        self.known_keys(node, LOCATION_KEYS, "a location")
        name, name_ar, aliases, keys = self.named(node)
        if not name:
            return
        uid = make_uid("location", name)
        if not self.declared_once(node, "location", "name", name, uid, self.data.locations):
            return
        level = node.get("level")
        if level is not None:
            level = self.term(node, "level", vocab.LOCATION_LEVELS)
        self.data.locations[uid] = rec.Location(uid, self.where(node), name, name_ar, aliases,
                                                keys, level=level)
        self._parents.append(("location", node, uid))
        self.declare("location", node, self.text(node, "id"), uid, [name, name_ar, *aliases])

    def read_organization(self, node) -> None:
        self.read_place_or_body(node, "organization", ORGANIZATION_KEYS,
                                schema.ORGANIZATION_KINDS, self.data.organizations)

    def read_facility(self, node) -> None:
        self.read_place_or_body(node, "facility", FACILITY_KEYS, schema.FACILITY_KINDS,
                                self.data.facilities)

    def read_place_or_body(self, node, role: str, keys, kinds, table: dict) -> None:
        """A declared facility or organisation, resolved against the gazetteer."""
        if not self.mapping(node, role):
            return
        self.known_keys(node, keys, f"an {role}" if role[0] in "aeiou" else f"a {role}")
        name, name_ar, aliases, _keys = self.named(node)
        kind = self.term(node, "type", kinds)
        if not name or not kind:
            return
        names = [name, name_ar, *aliases]
        found = self.in_gazetteer(node, role, name, kind)
        if found is None:  # reported; events that refer to it need no problem of their own
            self.declare(role, node, self.text(node, "id"), f"unresolved:{name}", names)
            return
        table[found.uid] = self.names.record(role, found, self.where(node), name, kind, name_ar,
                                             aliases)
        self._parents.append((role, node, found.uid))
        self.declare(role, node, self.text(node, "id"), found.uid, names)

    def in_gazetteer(self, node, role: str, name: str, kind: str):
        """Resolve a declared facility or organisation against the gazetteer.

        ``gazetteer: ID`` names the entry outright; ``gazetteer: false`` declares an entry
        the gazetteer does not list (an unnamed unit, say), created as written. Without the
        key the name must resolve. Returns the Resolution, or None after a problem.
        """
        where = self.where(node)
        if "gazetteer" not in node:
            found = self.names.use(role, name, kind, where.file, where.line)
        else:
            pinned = node.get("gazetteer")
            if pinned is False:
                found = self.names.unlisted(role, name, kind, where.file, where.line)
            elif isinstance(pinned, str) and pinned.strip():
                found = self.names.pinned(role, pinned.strip(), kind)
                if found.problem:
                    self.problem(node, "gazetteer", *found.problem)
                    return None
            else:
                self.problem(node, "gazetteer", "'gazetteer' must be an entry id or false",
                             "write the id of the gazetteer entry meant, or false for an "
                             "entry the gazetteer does not list")
                return None
        if found.problem:
            message, hint = found.problem
            if found.unknown:
                hint = hint.replace(", or pass", ", mark the entry gazetteer: false, or pass")
            self.problem(node, "name", message, hint)
            return None
        return found

    def link_parents(self, root) -> None:
        """Resolve part_of and location once every entry is declared, whatever the order."""
        for kind, node, uid in self._parents:
            if kind == "location":
                self.data.locations[uid].parent = self.resolve("location", node, "part_of")
            elif kind == "organization":
                self.data.organizations[uid].parent = self.resolve(
                    "organization", node, "part_of", ("organization", "facility"))
            else:
                self.data.facilities[uid].location = self.resolve("location", node, "location")

    def read_case(self, node) -> None:
        if not self.mapping(node, "case"):
            return
        self.known_keys(node, ("person", "events"), "a case")
        person_node = node.get("person")
        if not isinstance(person_node, Node):
            self.problem(node, "person" if "person" in node else None,
                         "a case needs a person: mapping with at least id and name")
            return
        self.known_keys(person_node, PERSON_KEYS, "a person")
        local = self.text(person_node, "id", required=True)
        name, name_ar, aliases, keys = self.named(person_node)
        if not local or not name:
            return
        uid = make_uid("person", local)
        if uid in self.data.persons:
            self.problem(person_node, "id", f"person id {local!r} is used by two cases",
                         "put all of one person's events in one case, or give each its own id")
            return
        self.data.persons[uid] = rec.Person(
            uid, self.where(person_node), name, name_ar, aliases, keys,
            gender=self.text(person_node, "gender"),
            birth_year=self.integer(person_node, "birth_year"),
            hometown=self.resolve("location", person_node, "hometown"),
            protected=self.flag(person_node, "protected"),
            group_size=self.text(person_node, "group_size"),
            notes=self.text(person_node, "notes"),
            given=local,
        )
        events = node.get("events")
        if not isinstance(events, Seq) or not events:
            self.problem(node, "events" if "events" in node else None,
                         f"the case of {name!r} has no events", "add an events: list")
            return
        for position, event_node in enumerate(events, start=1):
            self.read_event(event_node, uid, local, position)

    def read_event(self, node, person_uid: str, person_local: str, position: int) -> None:
        if not self.mapping(node, "event"):
            return
        self.known_keys(node, EVENT_KEYS, "an event")
        etype = self.term(node, "event", vocab.EVENT_TYPES, vocab.EVENT_SYNONYMS)
        confidence = self.term(node, "confidence", vocab.CONFIDENCE)
        record_id = self.text(node, "record_id")
        event_uid = make_uid("event", record_id) if record_id else make_uid(
            "event", person_local, str(position))
        if event_uid not in self._event_uids:
            self._event_uids[event_uid] = record_id
        else:  # written, the second event would meet the first's node
            first = self._event_uids[event_uid]
            if first == record_id:
                self.problem(node, "record_id", f"record_id {record_id!r} is used twice",
                             "every event needs its own record_id")
            else:
                self.problem(node, "record_id", f"record_id {record_id!r} and {first!r} would be "
                             "one event: ids are compared without case and punctuation",
                             "give every event a record_id that differs in letters or digits")
        earliest = latest = edtf = qualifier = None
        try:
            reading = parse_date(self.text(node, "date"))
            earliest, latest, edtf, qualifier = (reading.earliest, reading.latest, reading.edtf,
                                                 reading.qualifier)
            end = self.text(node, "end_date")
            if end:
                end_reading = parse_date(end)
                if earliest and end_reading.latest and end_reading.latest < earliest:
                    self.problem(node, "end_date", f"end_date {end!r} falls before date "
                                 f"{edtf!r}", "check the order of the two dates")
                latest = end_reading.latest
                edtf = f"{edtf or '..'}/{end_reading.edtf}"
        except DateError as exc:
            self.problem(node, "date" if "date" in node else "end_date", str(exc),
                         "keep the original wording in date_text")
        sources = []
        listed = node.get("sources")
        refs = self.texts(node, "sources")
        for index, ref in enumerate(refs):
            where = (self.where(listed, index) if isinstance(listed, Seq)
                     else self.where(node, "sources"))
            uid = self.resolve_value("source", ref, where, "sources")
            if uid:
                sources.append(uid)
        if not refs:
            self.problem(node, None, "an event needs at least one source",
                         "add sources: [id of a declared source]")
        sequence = self.integer(node, "sequence")
        event = rec.Event(
            event_uid,
            self.where(node),
            person=person_uid,
            type=etype or "",
            earliest=earliest, latest=latest,
            date_text=self.text(node, "date_text"), date_edtf=edtf, date_qualifier=qualifier,
            sequence=sequence if sequence is not None else position,
            confidence=confidence or "medium",
            notes=self.text(node, "notes"),
            record_id=record_id,
            facility=self.resolve("facility", node, "facility"),
            location=self.resolve("location", node, "location"),
            organization=self.resolve("organization", node, "organization",
                                      ("organization", "facility")),
            sources=sources,
        )
        if (event.organization and event.organization not in self.data.organizations
                and not event.organization.startswith("unresolved:")):
            # a facility named as the responsible organisation must be a security branch
            facility = self.data.facilities.get(event.organization)
            if facility is None or facility.kind != "security_branch":
                self.problem(node, "organization", "the organization refers to a facility that "
                             "is not a security branch", "declare it under organizations")
        self.data.events.append(event)


def read_case_file(path: Path, names=None) -> rec.Dataset:
    """Read and check a YAML or JSON case file; raise InvalidInput listing every problem.

    ``names`` (a gazetteer NameResolver) resolves facility and organisation names; by
    default the shipped gazetteer, with no new names allowed.
    """
    return CaseFileReader(Path(path), names).read()
