"""Records: what every input format is turned into before anything is written.

A Dataset holds the entities a file defines (persons, places, organisations, sources) and
its events. Every entity carries the place in the file where it was defined, so a problem
found later can still point at a line and column.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from functools import cache
from operator import attrgetter
from typing import Any


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in _NOT_WRITTEN)


#: fields that say where a record comes from, not what it holds: neither written as
#: properties nor part of the digest
_NOT_WRITTEN = ("where", "given")


@cache
def _getter(names: tuple[str, ...]):
    """A function returning the values of these attributes as a tuple (one C call)."""
    get = attrgetter(*names)
    return get if len(names) > 1 else (lambda record: (get(record),))


#: a UTF-16 surrogate on its own: JSON and YAML escapes (\ud800) can write one, but it is
#: not a character and cannot be stored; the readers refuse it where they find it
SURROGATE = re.compile("[\ud800-\udfff]")

#: the digest's JSON, as json.dumps(..., ensure_ascii=False, default=str) writes it
_digest_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    line: int | None = None
    column: int | None = None


@dataclass(slots=True)
class Entity:
    uid: str
    where: Where

    def props(self) -> dict[str, Any]:
        """The properties written to the graph (links are written separately)."""
        return dict(zip(self.prop_names(), self.prop_values()))

    def prop_names(self) -> tuple[str, ...]:
        """The names of ``props()``, in order: every field but uid, where and the links."""
        return _prop_names(type(self), self.links())

    def prop_values(self) -> tuple[Any, ...]:
        """The values of ``props()``, in the order of ``prop_names()``."""
        return _getter(self.prop_names())(self)

    def links(self) -> tuple[str, ...]:
        return ()

    def digest(self) -> str:
        """A hash of everything this record writes, links included, to tell changed rows."""
        names = _field_names(type(self))
        blob = _digest_json([names, list(_getter(names)(self))])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


@cache
def _prop_names(cls: type, links: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in _field_names(cls) if name != "uid" and name not in links)


@dataclass(slots=True)
class Named(Entity):
    name: str = ""
    name_ar: str | None = None
    aliases: list[str] = field(default_factory=list)
    name_keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Person(Named):
    gender: str | None = None
    birth_year: int | None = None
    hometown: str | None = None  # uid of a Location
    protected: bool = False
    group_size: str | None = None
    notes: str | None = None
    #: the person's id as the file gives it (the uid is made from it without case and
    #: punctuation): kept on the node as ``given_id``, so that another id that makes the
    #: same uid is refused instead of merging two persons (ingest.writer.given_id_problems)
    given: str | None = None

    def links(self):
        return ("hometown",)


@dataclass(slots=True)
class Location(Named):
    level: str | None = None
    parent: str | None = None  # uid of a Location

    def links(self):
        return ("parent",)


@dataclass(slots=True)
class Facility(Named):
    kind: str = "other"
    location: str | None = None  # uid of a Location
    gazetteer: str | None = None  # id of the gazetteer entry the name resolved to

    def links(self):
        return ("location",)


@dataclass(slots=True)
class Organization(Named):
    kind: str = "military_unit"
    parent: str | None = None  # uid of an Organization
    gazetteer: str | None = None  # id of the gazetteer entry the name resolved to

    def links(self):
        return ("parent",)


@dataclass(slots=True)
class Source(Entity):
    title: str = ""
    kind: str = "report"
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    confidential: bool = False


@dataclass(slots=True)
class Event(Entity):
    person: str = ""  # uid of a Person
    type: str = ""
    earliest: str | None = None
    latest: str | None = None
    date_text: str | None = None
    date_edtf: str | None = None
    date_qualifier: str | None = None
    sequence: int | None = None
    confidence: str = "medium"
    notes: str | None = None
    record_id: str | None = None
    facility: str | None = None  # uid of a Facility
    location: str | None = None  # uid of a Location
    organization: str | None = None  # uid of an Organization
    sources: list[str] = field(default_factory=list)  # uids of Sources

    def links(self):
        return ("person", "facility", "location", "organization", "sources")


@dataclass
class Dataset:
    """Everything one input file says, checked and ready to write."""

    file: str
    persons: dict[str, Person] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    facilities: dict[str, Facility] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
