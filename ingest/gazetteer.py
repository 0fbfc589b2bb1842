"""A gazetteer of facilities, branches, agencies and units, to resolve the names case files use.

Documentation names the same place many ways: ``Sednaya Military Prison``, ``Saydnaya``,
``سجن صيدنايا``; ``Raid Branch 215``, ``Branch 215``, ``فرع المداهمة 215``. The gazetteer
holds one entry per place or organisation with its English and Arabic names, aliases, type,
parent agency, governorate and public sources. custodygraph ships one for Syria
(``gazetteer/syria.yaml`` beside this module); users add their own files, read after it
(docs/gazetteer.md).

>>> gaz = load()
>>> gaz.resolve("Saydnaya").id == gaz.resolve("سجن صيدنايا").id == "sednaya"
True
>>> gaz.resolve("فرع المداهمة 215").name
'Raid Branch 215'
>>> [e.id for e in gaz.match("Military Hospital").candidates]
['military-hospital-601', 'tishreen-military-hospital']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from custodygraph.errors import CustodyGraphError, InvalidInput, Problem
from custodygraph.graph import schema
from custodygraph.ingest import vocabulary as vocab

FORMAT = "custodygraph/gazetteer@1"
#: the gazetteer shipped with custodygraph
SHIPPED = Path(__file__).resolve().parent / "gazetteer" / "syria.yaml"

#: Syria's fourteen governorates: id -> (English name, Arabic name)
GOVERNORATES: dict[str, tuple[str, str]] = {
    "damascus": ("Damascus", "دمشق"),
    "rif-dimashq": ("Rif Dimashq", "ريف دمشق"),
    "aleppo": ("Aleppo", "حلب"),
    "homs": ("Homs", "حمص"),
    "hama": ("Hama", "حماة"),
    "latakia": ("Latakia", "اللاذقية"),
    "tartus": ("Tartus", "طرطوس"),
    "idlib": ("Idlib", "إدلب"),
    "daraa": ("Daraa", "درعا"),
    "quneitra": ("Quneitra", "القنيطرة"),
    "as-suwayda": ("As-Suwayda", "السويداء"),
    "deir-ez-zor": ("Deir ez-Zor", "دير الزور"),
    "raqqa": ("Raqqa", "الرقة"),
    "al-hasakah": ("Al-Hasakah", "الحسكة"),
}

#: every type an entry may have: the facility types, then the other organisation types
TYPES: tuple[str, ...] = tuple(dict.fromkeys([*schema.FACILITY_KINDS,
                                              *schema.ORGANIZATION_KINDS]))

ENTRY_KEYS = ("id", "name", "name_ar", "aliases", "type", "parent", "governorate", "sources",
              "notes")
EXTEND_KEYS = ("extends", "aliases", "sources", "notes")
SOURCE_KEYS = ("id", "publisher", "title", "date", "url", "reference")
TOP_KEYS = ("format", "version", "sources", "entries")

# words that say what kind of place a name is, not which one: a name made only of these
# (and numbers absent) never resolves by itself
GENERIC_WORDS = frozenset("""
    branch branches prison military hospital security intelligence police building
    directorate department court office central division force air general political
    state field investigation investigations ministry unit the of in at and for
    فرع سجن مشفى مستشفى عسكري عسكريه امن مخابرات شرطه مبنى مكتب محكمه ميدانيه شعبه اداره
    جويه سياسي عامه دوله في
""".split())
_CONNECTORS = frozenset({"the", "of", "in", "at", "al", "el", "a", "an", "في"})
#: the security agencies as names spell them (after ``place_key``): a name that says which
#: agency holds a place matches by its words only an entry of no other agency
AGENCIES = {
    "military intelligence": "military", "military security": "military",
    "مخابرات عسكريه": "military", "امن عسكري": "military",
    "air force intelligence": "air force", "air intelligence": "air force",
    "air force security": "air force", "مخابرات جويه": "air force",
    "political security": "political", "امن سياسي": "political",
    "general intelligence": "general", "state security": "general",
    "مخابرات عامه": "general", "امن دوله": "general",
}
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                              "ی": "ي", "ک": "ك"})
_WORD = re.compile(r"[^\W_]+")


class AmbiguousName(CustodyGraphError):
    """A name fits several gazetteer entries; the caller must choose one by id."""

    def __init__(self, name: str, candidates: list["Entry"]):
        self.name = name
        self.candidates = candidates
        listed = ", ".join(f"{e.id} ({e.name})" for e in candidates)
        super().__init__(f"{name!r} fits {len(candidates)} gazetteer entries: {listed}; "
                         "name one of them by its id or full name")


@dataclass(frozen=True)
class Source:
    """A public source cited by gazetteer entries."""

    id: str
    title: str
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Entry:
    """One facility, branch, agency or unit."""

    id: str
    name: str
    type: str
    name_ar: str | None = None
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    governorate: str | None = None
    sources: tuple[Source, ...] = ()
    notes: str | None = None
    file: str = ""
    line: int | None = None
    column: int | None = None

    @property
    def kind(self) -> str:
        """``facility`` or ``organization``; a security branch is a facility that also acts
        as an organisation (docs/format.md)."""
        return "facility" if self.type in schema.FACILITY_KINDS else "organization"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the entry: English, Arabic, then aliases."""
        return tuple(n for n in (self.name, self.name_ar, *self.aliases) if n)


@dataclass(frozen=True)
class Match:
    """What a name resolves to: one entry, several candidates, or nothing."""

    query: str
    entry: Entry | None = None
    candidates: tuple[Entry, ...] = ()
    #: how the entry was found: "exact" (a name's key) or "words" (the words of one entry)
    method: str | None = None

    @property
    def status(self) -> str:
        if self.entry is not None:
            return "resolved"
        return "ambiguous" if self.candidates else "unknown"


def place_key(text: str) -> str:
    """Normalise a place or organisation name for look-ups, in either script.

    Case, accents, Arabic diacritics and letter variants, Arabic-Indic digits, punctuation,
    articles (al-, el-, ال) and connecting words (of, in, the, في) are ignored.

    >>> place_key("Raid Branch (215)") == place_key("raid branch 215")
    True
    >>> place_key("Political Security Branch in Daraa")
    'political security branch daraa'
    >>> place_key("الفرع ٢١٥") == place_key("فرع 215")
    True
    """
    return " ".join(_words(text))


@lru_cache(maxsize=20_000)
def _words(text: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", text or "").translate(_DIGITS)
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch) or "\u0600" <= ch <= "\u06ff")
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("'", "").replace("\u2019", "").replace("`", "")
    out = []
    for word in _WORD.findall(text):
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        if word in _CONNECTORS:
            continue
        out.append(word)
    return tuple(out)


def agencies_named(name: str) -> frozenset[str]:
    """The security agencies a name spells out (AGENCIES).

    >>> sorted(agencies_named("Military Intelligence Branch in Hama"))
    ['military']
    >>> agencies_named("Raid Branch 215"), sorted(agencies_named("فرع الأمن السياسي"))
    (frozenset(), ['political'])
    """
    key = f" {place_key(name)} "
    return frozenset(agency for phrase, agency in AGENCIES.items() if f" {phrase} " in key)


class Gazetteer:
    """Entries by id, with look-ups by any of their names."""

    def __init__(self, entries: dict[str, Entry], files: tuple[str, ...] = ()):
        self.entries = entries
        self.files = files
        self._by_key: dict[str, Entry] = {}
        self._vocabulary: dict[str, frozenset[str]] = {}
        self._agencies: dict[str, frozenset[str]] = {}
        places = {w for names in GOVERNORATES.values() for name in names for w in _words(name)}
        for entry in entries.values():
            words: set[str] = set()
            for name in entry.names:
                self._by_key.setdefault(place_key(name), entry)
                words.update(_words(name))
            self._vocabulary[entry.id] = frozenset(words)
            self._agencies[entry.id] = frozenset(
                a for name in entry.names for a in agencies_named(name))
        #: words that name a governorate or its capital: they say where, not which place
        self._places = frozenset(places)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self.entries

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def children(self, entry_id: str) -> list[Entry]:
        """The entries whose parent is ``entry_id``, by id."""
        return sorted((e for e in self if e.parent == entry_id), key=lambda e: e.id)

    def match(self, name: str) -> Match:
        """Find the entry a name means, without guessing.

        1. ``exact``: the name's key (``place_key``) is the key of one entry's name, Arabic
           name, alias or id.
        2. ``words``: every word of the name belongs to the names of exactly one entry, and
           the name has a number, or two words or more of which one is distinctive (not a
           generic word like "branch" or "prison"): "Saydnaya Military Prison", "235",
           "Raid Branch". A single word that is no name of its own ("Adra", "Harasta",
           also towns) is only a candidate.

        Otherwise the entries that fit the words are candidates (``ambiguous``), or there
        are none (``unknown``; see ``suggest``).
        """
        if name in self.entries:
            return Match(name, self.entries[name], (), "exact")
        key = place_key(name)
        if not key:
            return Match(name)
        exact = self._by_key.get(key)
        if exact is not None:
            return Match(name, exact, (), "exact")
        words = set(key.split())
        agencies = agencies_named(name)
        fits = sorted((self.entries[i] for i, vocabulary in self._vocabulary.items()
                       if words <= vocabulary
                       and not (agencies and self._agencies[i] - agencies)),
                      key=lambda e: e.id)
        # a number, or a word that is neither generic nor a governorate's name: "Hama
        # Branch" says where a branch is, not which of the branches there it is
        distinctive = any(w.isdigit() for w in words) or (
            len(words) >= 2 and any(w not in GENERIC_WORDS and w not in self._places
                                    for w in words))
        if len(fits) == 1 and distinctive:
            return Match(name, fits[0], (), "words")
        return Match(name, None, tuple(fits))

    def resolve(self, name: str) -> Entry | None:
        """The entry ``name`` means, or None when no entry fits.

        Raises ``AmbiguousName`` (with ``.candidates``) when several entries fit: the
        gazetteer never picks one for you.
        """
        found = self.match(name)
        if found.status == "ambiguous":
            raise AmbiguousName(name, list(found.candidates))
        return found.entry

    def suggest(self, name: str, n: int = 3) -> list[Entry]:
        """Up to ``n`` entries whose names are closest to ``name``, for "did you mean"."""
        from rapidfuzz import fuzz, process

        key = place_key(name)
        if not key:
            return []
        found = self.match(name)
        out: list[Entry] = [found.entry] if found.entry else list(found.candidates)
        choices = list(self._by_key)
        for choice, score, _ in process.extract(key, choices, scorer=fuzz.WRatio,
                                                limit=max(n * 4, 12)):
            if score < 60:
                break
            entry = self._by_key[choice]
            if entry not in out:
                out.append(entry)
        return out[:n]


# -- loading and validation -------------------------------------------------------------------

@dataclass
class _Reader:
    problems: list[Problem] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    # where each id, source id and name key was first declared, for messages
    id_where: dict[str, str] = field(default_factory=dict)
    source_where: dict[str, str] = field(default_factory=dict)
    key_owner: dict[str, tuple[str, str]] = field(default_factory=dict)
    # (entry id, parent id, file, line, column) checked once every file is read
    parents: list[tuple[str, str, str, int | None, int | None]] = field(default_factory=list)

    def problem(self, file: str, mark, message: str, hint: str = "") -> None:
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        self.problems.append(Problem(file, line, column, message, hint))

    @staticmethod
    def at(file: str, mark) -> str:
        return f"{file}:{mark.line + 1}:{mark.column + 1}" if mark is not None else file

    # -- one file -------------------------------------------------------------------------
    def read(self, path: Path) -> None:
        from custodygraph.ingest.casefile import Node, Seq, _load

        file = str(path)
        root = _load(path)
        if not isinstance(root, Node):
            self.problems.append(Problem(file, 1, 1, "a gazetteer file must be a mapping with "
                                         "format, sources and entries",
                                         "see docs/gazetteer.md"))
            return
        for key in root:
            if key not in TOP_KEYS:
                self.unknown_key(file, root, key, TOP_KEYS, "the gazetteer file")
        fmt = root.get("format")
        if fmt != FORMAT:
            self.problem(file, root.marks.get("format", root.mark),
                         f"'format' must be {FORMAT!r}, not {fmt!r}" if fmt is not None
                         else "missing 'format'", f"start the file with format: {FORMAT}")
        sources = root.get("sources")
        if sources is None:
            sources = []
        elif not isinstance(sources, Seq):
            self.problem(file, root.marks.get("sources"), "'sources' must be a list")
            sources = []
        for node in sources:
            self.read_source(file, node, Node)
        entries = root.get("entries")
        if not isinstance(entries, Seq):
            self.problem(file, root.marks.get("entries", root.mark),
                         "'entries' must be a list of entries", "see docs/gazetteer.md")
            return
        for node in entries:
            if not isinstance(node, Node):
                self.problem(file, getattr(node, "mark", None),
                             "each entry must be a mapping of fields")
            elif "extends" in node:
                self.read_extension(file, node, Seq)
            else:
                self.read_entry(file, node, Seq)

    def unknown_key(self, file, node, key, allowed, what) -> None:
        near = vocab.closest(key, allowed)
        hint = f"did you mean {near!r}?" if near else f"allowed: {', '.join(allowed)}"
        self.problem(file, node.key_marks.get(key), f"unknown field {key!r} in {what}", hint)

    def text(self, file, node, key, required=False) -> str | None:
        value = node.get(key)
        if value is None or value == "":
            if required:
                self.problem(file, node.mark, f"missing {key!r}", f"add a {key}: line")
            return None
        if isinstance(value, (dict, list)):
            self.problem(file, node.marks.get(key), f"{key!r} must be text, not a list or "
                         "mapping")
            return None
        return str(value).strip()

    def texts(self, file, node, key, seq_type) -> list[tuple[str, object]]:
        """A list of text values with the place of each."""
        value = node.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [(value.strip(), node.marks.get(key))]
        if not isinstance(value, seq_type):
            self.problem(file, node.marks.get(key), f"{key!r} must be a list of text")
            return []
        out = []
        for item, mark in zip(value, value.marks):
            if isinstance(item, (dict, list)) or item is None:
                self.problem(file, mark, f"{key!r} must be a list of text")
                continue
            if str(item).strip():
                out.append((str(item).strip(), mark))
        return out

    def read_source(self, file: str, node, node_type) -> None:
        if not isinstance(node, node_type):
            self.problem(file, getattr(node, "mark", None), "each source must be a mapping")
            return
        for key in node:
            if key not in SOURCE_KEYS:
                self.unknown_key(file, node, key, SOURCE_KEYS, "a source")
        sid = self.text(file, node, "id", required=True)
        title = self.text(file, node, "title", required=True)
        if not sid or not title:
            return
        if not (node.get("url") or node.get("reference")):
            self.problem(file, node.mark, f"source {sid!r} has neither 'url' nor 'reference'",
                         "give a URL or a document reference so that others can find it")
        if sid in self.sources:
            self.problem(file, node.marks.get("id"), f"source id {sid!r} is already used at "
                         f"{self.source_where[sid]}", "give this source its own id")
            return
        self.sources[sid] = Source(sid, title, self.text(file, node, "publisher"),
                                   self.text(file, node, "date"), self.text(file, node, "url"),
                                   self.text(file, node, "reference"))
        self.source_where[sid] = self.at(file, node.marks.get("id"))

    def cited(self, file, node, seq_type) -> list[Source]:
        out = []
        for sid, mark in self.texts(file, node, "sources", seq_type):
            source = self.sources.get(sid)
            if source is None:
                near = vocab.closest(sid, list(self.sources))
                self.problem(file, mark, f"'sources' refers to {sid!r}, which no sources list "
                             "declares", f"did you mean {near!r}?" if near
                             else "declare it under sources:")
            else:
                out.append(source)
        return out

    def claim(self, file: str, entry_id: str, name: str, mark) -> None:
        """Record that ``name`` belongs to ``entry_id``; a name may belong to one entry."""
        key = place_key(name)
        if not key:
            self.problem(file, mark, f"the name {name!r} has no letters or digits")
            return
        owner = self.key_owner.get(key)
        if owner is not None and owner[0] != entry_id:
            self.problem(file, mark, f"the name {name!r} is already a name of {owner[0]!r} "
                         f"({owner[1]})", "a name may belong to one entry only: remove it "
                         "from one of them, or make it more specific")
            return
        if owner is None:
            self.key_owner[key] = (entry_id, self.at(file, mark))

    def read_entry(self, file: str, node, seq_type) -> None:
        for key in node:
            if key not in ENTRY_KEYS:
                self.unknown_key(file, node, key, ENTRY_KEYS, "an entry")
        entry_id = self.text(file, node, "id", required=True)
        name = self.text(file, node, "name", required=True)
        kind = None
        raw_type = node.get("type")
        if raw_type is None:
            self.problem(file, node.mark, "missing 'type'", f"use one of: {', '.join(TYPES)}")
        else:
            try:
                kind = vocab.choose(str(raw_type), TYPES)
            except ValueError as exc:
                self.problem(file, node.marks.get("type"), f"'type': {exc}")
        governorate = self.text(file, node, "governorate")
        if governorate is not None and governorate not in GOVERNORATES:
            near = vocab.closest(governorate, GOVERNORATES)
            hint = f"did you mean {near!r}? " if near else ""
            self.problem(file, node.marks.get("governorate"),
                         f"'governorate': unknown value {governorate!r}",
                         f"{hint}valid values: {', '.join(GOVERNORATES)}")
            governorate = None
        sources = self.cited(file, node, seq_type)
        if not node.get("sources"):
            self.problem(file, node.mark, f"entry {entry_id or name!r} cites no sources",
                         "list at least one public source: sources: [source-id]")
        if not entry_id or not name:
            return
        if entry_id in self.entries:
            self.problem(file, node.marks.get("id"), f"id {entry_id!r} is already used at "
                         f"{self.id_where[entry_id]}", "give this entry its own id, or write "
                         f"'extends: {entry_id}' to add names or sources to that entry")
            return
        self.id_where[entry_id] = self.at(file, node.marks.get("id"))
        name_ar = self.text(file, node, "name_ar")
        aliases = self.texts(file, node, "aliases", seq_type)
        self.claim(file, entry_id, name, node.marks.get("name"))
        if name_ar:
            self.claim(file, entry_id, name_ar, node.marks.get("name_ar"))
        for alias, mark in aliases:
            self.claim(file, entry_id, alias, mark)
        parent = self.text(file, node, "parent")
        if parent:
            mark = node.marks.get("parent")
            self.parents.append((entry_id, parent, file, mark.line + 1, mark.column + 1))
        if kind is None:
            return
        self.entries[entry_id] = Entry(
            entry_id, name, kind, name_ar, tuple(dict.fromkeys(a for a, _ in aliases)),
            parent, governorate, tuple(sources), self.text(file, node, "notes"), file,
            node.mark.line + 1, node.mark.column + 1)

    def read_extension(self, file: str, node, seq_type) -> None:
        for key in node:
            if key not in EXTEND_KEYS:
                self.unknown_key(file, node, key, EXTEND_KEYS, "an extension")
        target = self.text(file, node, "extends", required=True)
        if not target:
            return
        entry = self.entries.get(target)
        if entry is None:
            near = vocab.closest(target, list(self.entries))
            self.problem(file, node.marks.get("extends"), f"'extends' refers to {target!r}, "
                         "which is not an id of an entry read before it",
                         f"did you mean {near!r}?" if near else
                         "extend only entries of the shipped gazetteer or of earlier files")
            return
        aliases = self.texts(file, node, "aliases", seq_type)
        for alias, mark in aliases:
            self.claim(file, target, alias, mark)
        sources = self.cited(file, node, seq_type)
        self.entries[target] = Entry(
            entry.id, entry.name, entry.type, entry.name_ar,
            tuple(dict.fromkeys([*entry.aliases, *(a for a, _ in aliases)])), entry.parent,
            entry.governorate, tuple(dict.fromkeys([*entry.sources, *sources])), entry.notes,
            entry.file, entry.line, entry.column)

    # -- across files ---------------------------------------------------------------------
    def check_parents(self) -> None:
        for entry_id, parent, file, line, column in self.parents:
            target = self.entries.get(parent)
            if target is None:
                near = vocab.closest(parent, list(self.entries))
                self.problems.append(Problem(
                    file, line, column, f"'parent' refers to {parent!r}, which is not a "
                    "gazetteer id", f"did you mean {near!r}?" if near
                    else "name the parent by its id"))
            elif target.type in schema.FACILITY_KINDS and target.type != "security_branch":
                self.problems.append(Problem(
                    file, line, column, f"'parent' of {entry_id!r} is {parent!r}, a "
                    f"{target.type}; a parent must be an organisation or a security branch"))
        for entry_id in self.entries:
            seen = [entry_id]
            current = self.entries[entry_id].parent
            while current in self.entries:
                if current in seen:
                    if current == entry_id:
                        entry = self.entries[entry_id]
                        self.problems.append(Problem(
                            entry.file, entry.line, entry.column,
                            f"'parent' makes a cycle: {' -> '.join(seen + [current])}",
                            "an entry cannot be its own ancestor"))
                    break
                seen.append(current)
                current = self.entries[current].parent


def load(paths: Iterable[str | Path] = (), *, shipped: bool = True) -> Gazetteer:
    """Read the shipped gazetteer, then each user file in order, and check them together.

    Entry ids and names must be unique across all files; a user file adds names or
    sources to an existing entry with ``extends: ID`` (docs/gazetteer.md). Any problem in
    any file raises ``InvalidInput`` listing each one with file, line and column.
    """
    files = ([SHIPPED] if shipped else []) + [Path(p) for p in paths]
    reader = _Reader()
    for path in files:
        reader.read(path)
    reader.check_parents()
    if reader.problems:
        raise InvalidInput(reader.problems)
    return Gazetteer(reader.entries, tuple(str(p) for p in files))


@lru_cache(maxsize=1)
def shipped() -> Gazetteer:
    """The shipped gazetteer alone, read once per process."""
    return load()



# -- resolving the names an input uses --------------------------------------------------------

#: the column or section a name stands in -> the types an entry may have there
ROLES = {"facility": schema.FACILITY_KINDS, "organization": schema.ORGANIZATION_KINDS}


def entry_uid(entry: Entry) -> str:
    """The uid of the node of a gazetteer entry: one node per entry, whatever name is used.

    The ``gazetteer:`` prefix keeps these apart from the uids of names created as written
    (``facility:``, ``branch:``, ``org:``), so a new name can never land on an entry's node.

    >>> entry_uid(shipped().resolve("Saydnaya"))
    'gazetteer:sednaya'
    """
    return f"gazetteer:{entry.id}"


def _a(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _new_uid(role: str, kind: str, name: str) -> str:
    from custodygraph.ingest.keys import facility_uid, organization_uid

    return (facility_uid if role == "facility" else organization_uid)(kind, name)


@dataclass(frozen=True)
class Resolution:
    """What one facility or organisation name of an input stands for."""

    uid: str | None
    #: the gazetteer entry, or None for a name created as written
    entry: Entry | None = None
    #: (what is wrong, how to fix it) when the name cannot be used
    problem: tuple[str, str] | None = None
    #: no gazetteer entry has the name (the problem ``allow_new`` would lift)
    unknown: bool = False


@dataclass
class NewName:
    """A name that no gazetteer entry has, created as written (``allow_new``)."""

    role: str
    name: str
    type: str
    uid: str
    first: str  # file:line of its first use
    uses: int = 0


class NameResolver:
    """Resolve the facility and organisation names of one input against a gazetteer.

    A name resolves when the gazetteer has exactly one entry for it, of a type that fits
    the column (a facility type for facilities, an organisation type for organisations)
    and agrees with the type the input gives. Anything else is a problem to report: an
    unknown name, a name several entries share, a type that contradicts the entry. With
    ``allow_new`` an unknown name is created as written instead, and listed in ``new``.
    Each distinct name is looked up once.

    >>> names = NameResolver(shipped())
    >>> names.resolve("facility", "سجن صيدنايا", "prison").uid
    'gazetteer:sednaya'
    >>> names.resolve("facility", "Branch 215", "prison").problem[0]
    "'Branch 215' is the gazetteer's Raid Branch 215 (mi-branch-215), a security_branch, not a prison"
    """

    def __init__(self, gazetteer: Gazetteer | None = None, *, allow_new: bool = False):
        self.gazetteer = gazetteer if gazetteer is not None else shipped()
        self.allow_new = allow_new
        self.new: dict[tuple[str, str], NewName] = {}
        self._cache: dict[tuple[str, str, str | None], Resolution] = {}

    def resolve(self, role: str, name: str, kind: str | None) -> Resolution:
        """The node ``name`` stands for in the ``role`` column ("facility" or
        "organization"), given the type the input wrote (or None)."""
        key = (role, name, kind)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(role, name, kind)
        return found

    def use(self, role: str, name: str, kind: str | None, file: str, line: int | None
            ) -> Resolution:
        """``resolve``, also counting a use of a name taken as written (with its first)."""
        found = self.resolve(role, name, kind)
        if found.uid is not None and found.entry is None:
            self._count_new(role, name, kind or "", found.uid, file, line)
        return found

    def _count_new(self, role: str, name: str, kind: str, uid: str, file: str,
                   line: int | None) -> None:
        new = self.new.get((role, name))
        if new is None:
            first = f"{file}:{line}" if line is not None else file
            new = self.new[(role, name)] = NewName(role, name, kind, uid, first)
        new.uses += 1

    def unlisted(self, role: str, name: str, kind: str, file: str, line: int | None
                 ) -> Resolution:
        """A name the input declares outside the gazetteer on purpose: created as written,
        and listed in ``new`` like any name created as written."""
        found = Resolution(_new_uid(role, kind, name))
        self._count_new(role, name, kind, found.uid, file, line)
        return found

    def pinned(self, role: str, entry_id: str, kind: str | None) -> Resolution:
        """The entry the input names by its gazetteer id."""
        entry = self.gazetteer.get(entry_id)
        if entry is None:
            near = [e.id for e in self.gazetteer.suggest(entry_id)]
            return Resolution(None, None, (
                f"{entry_id!r} is not a gazetteer id",
                f"did you mean {' or '.join(map(repr, near))}?" if near else
                "see docs/gazetteer.md for the ids of the shipped gazetteer"))
        return self._check(role, entry.id, entry, kind)

    def _check(self, role: str, name: str, entry: Entry, kind: str | None) -> Resolution:
        fits = ROLES[role]
        if (kind is not None and kind != entry.type) or entry.type not in fits:
            wanted = f"{_a(kind)} {kind}" if kind else f"a {role} type"
            return Resolution(None, entry, (
                f"{name!r} is the gazetteer's {entry.name} ({entry.id}), "
                f"{_a(entry.type)} {entry.type}, not {wanted}",
                f"give it the type {entry.type}" if entry.type in fits else
                f"name it as an {'organization' if role == 'facility' else 'facility'}"
                f" instead, or name the {role} meant"))
        return Resolution(entry_uid(entry), entry)

    def _resolve(self, role: str, name: str, kind: str | None) -> Resolution:
        fits = ROLES[role]
        match = self.gazetteer.match(name)
        if match.entry is not None:
            return self._check(role, name, match.entry, kind)
        if match.candidates:
            listed = ", ".join(f"{e.name} ({e.id})" for e in match.candidates[:6])
            return Resolution(None, None, (
                f"{role} {name!r} could be any of several gazetteer entries: {listed}",
                "write the full name, or the gazetteer id of the one meant"))
        if self.allow_new:
            if kind is None:
                return Resolution(None, None, (f"{role} {name!r} has no type",
                                               f"give it one of: {', '.join(fits)}"))
            return Resolution(_new_uid(role, kind, name))
        near = [e for e in self.gazetteer.suggest(name) if e.type in fits]
        hint = (f"did you mean {' or '.join(repr(e.name) for e in near)}? If not, " if near
                else "")
        return Resolution(None, None, (
            f"{role} {name!r} is not in the gazetteer",
            hint + "add it to a gazetteer file of your own (--gazetteer FILE), or pass "
            "--allow-new to take it as written (docs/gazetteer.md)"), unknown=True)

    def record(self, role: str, resolution: Resolution, where, name: str,
               kind: str | None, name_ar=None, aliases=()):
        """The Facility or Organization record of a resolved name.

        An entry's node carries the gazetteer's names (so that every input writes the same
        node the same way); a name created as written carries the input's names.
        """
        from custodygraph.ingest import records as rec
        from custodygraph.ingest.keys import name_keys

        cls = rec.Facility if role == "facility" else rec.Organization
        entry = resolution.entry
        if entry is None:
            aliases = list(aliases)
            return cls(resolution.uid, where, name, name_ar, aliases,
                       name_keys(name, name_ar, *aliases), kind=kind)
        return cls(resolution.uid, where, entry.name, entry.name_ar, list(entry.aliases),
                   name_keys(*entry.names), kind=entry.type, gazetteer=entry.id)

    def listed_new(self) -> list[dict]:
        """The names created as written, for the ingest summary."""
        return [{"role": n.role, "name": n.name, "type": n.type, "uid": n.uid,
                 "first": n.first, "rows": n.uses}
                for n in sorted(self.new.values(), key=lambda n: (n.role, n.name))]

__all__ = ["AmbiguousName", "Entry", "FORMAT", "GOVERNORATES", "Gazetteer", "Match", "NameResolver",
           "NewName", "Resolution", "SHIPPED", "Source", "TYPES", "entry_uid", "load", "place_key",
           "shipped"]
