"""Flat records: one row per event about one person, from CSV, XLSX or JSON Lines.

Spreadsheets are how most documentation offices keep their cases. A flat file has one row for
each event about one person, with the person, place, organisation and source repeated on
every row; docs/flat-format.md documents the columns. This module reads such files row by
row and never holds a whole file: ``iter_rows`` streams ``Row`` objects (the cells keyed by
the documented column names, with their place in the file), and ``parse_row`` turns one row
into a typed ``FlatRecord`` or the problems that stop it, each pointing at its cell.

>>> COLUMNS[:3]
('record_id', 'person', 'person_id')
>>> parse_boolean("نعم")
True
"""

from __future__ import annotations

import calendar
import codecs
import csv
import itertools
import json
import re
import struct
import sys
import unicodedata
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache, partial
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from custodygraph.errors import InvalidInput, Problem
from custodygraph.ingest.records import SURROGATE
from custodygraph.graph import schema
from custodygraph.ingest import vocabulary as vocab
from custodygraph.ingest.dates import OPEN_ENDS, DateError, DateReading, _qualifier, parse_date
from custodygraph.ingest.keys import event_uid, make_uid
from custodygraph.ingest.records import Where

#: the documented columns, in order (docs/flat-format.md)
COLUMNS: tuple[str, ...] = (
    "record_id", "person", "person_id", "person_name_ar", "person_aliases", "gender",
    "birth_year", "hometown", "event", "date", "end_date", "date_text", "sequence", "facility",
    "facility_type", "organization", "organization_type", "location", "source", "source_type",
    "source_date", "confidence", "confidential", "notes", "protected",
)
#: a file must have these columns, and every row a value in each
REQUIRED: tuple[str, ...] = ("person_id", "person", "event", "source", "confidence")
#: the columns whose cell may list several values, separated by SEPARATOR
LIST_COLUMNS = frozenset({"person_aliases", "source", "source_type", "source_date",
                          "confidential"})
SEPARATOR = "|"
#: a cell longer than this is refused (an over-long cell is usually a broken file)
MAX_TEXT = 10_000
#: how much of a text file is read to tell its encoding
SAMPLE_BYTES = 1 << 16
#: a physical line longer than this is refused before it is decoded
MAX_LINE_BYTES = 1 << 20
#: a mapping file larger than this is refused
MAX_MAPPING_BYTES = 1 << 20
#: the encodings tried, in order, when none is given
DETECTED = ("utf-8", "cp1256")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "نعم"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "لا"})
SUFFIXES = (".csv", ".xlsx", ".jsonl")
#: the name of a column that a mapping file leaves out on purpose (header mapped to ~)
LEFT_OUT = ""

_TOKENS = {vocab.normalise_token(name): name for name in COLUMNS}
_ENCODING_HINT = ("save it as 'CSV UTF-8', or give the file's encoding, e.g. "
                  "--encoding cp1256 for an Arabic Windows spreadsheet")


# --- places ----------------------------------------------------------------------------------
def column_letter(number: int) -> str:
    """The spreadsheet letters of a 1-based column number.

    >>> column_letter(1), column_letter(26), column_letter(28)
    ('A', 'Z', 'AB')
    """
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_ref(sheet: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a file's rows are: the file name, and the sheet for a workbook."""

    file: str
    sheet: str | None = None

    def problem(self, line: int | None, column: int | None, message: str,
                hint: str = "") -> Problem:
        if self.sheet is None:
            return Problem(self.file, line, column if line is not None else None, message, hint)
        ref = _sheet_ref(self.sheet) + "!"
        if line is None:
            ref = ref[:-1]
        elif column:
            ref += f"{column_letter(column)}{line}"
        else:
            ref += f"{line}:{line}"
        return Problem(f"{self.file}:{ref}", None, None, message, hint)

    def row_name(self, line: int) -> str:
        return f"row {line}" if self.sheet is not None else f"line {line}"


# --- rows ------------------------------------------------------------------------------------
@dataclass(slots=True)
class Row:
    """One row of a flat file: its cells under the documented column names, and its place.

    ``line`` is the line where the row starts (CSV, JSON Lines) or its row number in the
    sheet (XLSX). ``problems`` holds what went wrong while reading the row itself (bytes that
    are not text, an over-long cell, a formula); ``parse_row`` reports them and goes no
    further with such a row.
    """

    file: str
    line: int
    cells: dict[str, str]
    sheet: str | None = None
    problems: list[Problem] = field(default_factory=list)
    #: documented column -> 1-based column number in this file (CSV, XLSX)
    _columns: Mapping[str, int] | None = None
    #: JSON Lines: the line as written and the key each column was written as
    _raw: str | None = None
    _keys: Mapping[str, str] | None = None

    @property
    def layout(self) -> _Layout:
        return _Layout(self.file, self.sheet)

    def get(self, name: str) -> str:
        """The cell of a documented column, stripped; "" when absent or empty."""
        return (self.cells.get(name) or "").strip()

    def column(self, name: str) -> int | None:
        """The 1-based column of ``name``: its field number in CSV or XLSX, and in JSON Lines
        the character where its value starts on the line; None when the row lacks it."""
        if self._columns is not None:
            return self._columns.get(name)
        if self._raw is None or self._keys is None or name not in self._keys:
            return None
        return _json_value_column(self._raw, self._keys[name])

    def ref(self, name: str | None = None) -> str:
        """The cell's address as a person would look it up: ``C12`` in a sheet, ``12:3`` in
        a text file, or the row alone when ``name`` is None or absent."""
        column = self.column(name) if name else None
        if self.sheet is not None:
            return f"{column_letter(column)}{self.line}" if column else str(self.line)
        return f"{self.line}:{column}" if column else str(self.line)

    def problem(self, name: str | None, message: str, hint: str = "") -> Problem:
        """A Problem at this row's cell of column ``name`` (or at the row)."""
        column = self.column(name) if name else None
        return self.layout.problem(self.line, column, message, hint)

    def where(self) -> Where:
        if self.sheet is not None:
            return Where(f"{self.file}:{_sheet_ref(self.sheet)}", self.line)
        return Where(self.file, self.line)


class _JsonObject(dict):
    """A JSON object that remembers the keys it was given more than once (``json.loads``
    would keep the last value silently)."""

    def __init__(self, pairs: list[tuple[str, Any]]):
        super().__init__(pairs)
        self.repeated = [] if len(self) == len(pairs) else list(dict.fromkeys(
            k for i, (k, _) in enumerate(pairs) if any(k == j for j, _ in pairs[:i])))


_read_json = json.JSONDecoder(object_pairs_hook=_JsonObject).decode


def _escaped(text: str) -> str:
    """The first lone surrogate of ``text`` as a JSON escape."""
    return "\\u%04x" % ord(SURROGATE.search(text).group())


def _json_value_column(raw: str, key: str) -> int | None:
    """The 1-based column where the value of ``key`` starts on a JSON line."""
    for spelled in dict.fromkeys((json.dumps(key, ensure_ascii=False), json.dumps(key))):
        found = re.search(re.escape(spelled) + r"\s*:\s*", raw)
        if found:
            return found.end() + 1
    return None


# --- the mapping file ------------------------------------------------------------------------
def _header_key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _target(text: str) -> str | None:
    return _TOKENS.get(vocab.normalise_token(unicodedata.normalize("NFC", text)))


def load_mapping(path: str | Path) -> dict[str, str | None]:
    """Read a YAML mapping file: headers as written in the data file -> documented columns.

    A header mapped to null (``~``) is left out on purpose. Returns the mapping keyed by the
    normalised header; raises InvalidInput with the place of every problem.
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InvalidInput([Problem(file, None, None, "the mapping file does not exist",
                                    "check the path given to --mapping")])
    if not path.is_file():
        raise InvalidInput([Problem(file, None, None, "the mapping file is not a regular file",
                                    "give the path of a YAML file")])
    if path.stat().st_size > MAX_MAPPING_BYTES:
        raise InvalidInput([Problem(file, None, None, "the mapping file is larger than 1 MB",
                                    "a mapping lists one line per header")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem(file, raw[: exc.start].count(b"\n") + 1, None,
                                    "the mapping file is not UTF-8 text",
                                    "save it as UTF-8")]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InvalidInput([Problem(
            file, mark.line + 1 if mark else None, mark.column + 1 if mark else None,
            f"not valid YAML: {exc.problem or exc.context}",
            "write one 'header as in the file: column' per line")]) from None
    if root is None:
        raise InvalidInput([Problem(file, 1, 1, "the mapping file is empty",
                                    "write one 'header as in the file: column' per line")])
    if not isinstance(root, yaml.MappingNode):
        mark = root.start_mark
        raise InvalidInput([Problem(file, mark.line + 1, mark.column + 1,
                                    "a mapping file must be a YAML mapping",
                                    "write one 'header as in the file: column' per line")])
    problems: list[Problem] = []
    mapping: dict[str, str | None] = {}
    for key_node, value_node in root.value:
        kmark, vmark = key_node.start_mark, value_node.start_mark
        if not isinstance(key_node, yaml.ScalarNode) or not key_node.value.strip():
            problems.append(Problem(file, kmark.line + 1, kmark.column + 1,
                                    "each header must be a piece of text",
                                    "quote the header as it is written in the file"))
            continue
        header = key_node.value
        if not isinstance(value_node, yaml.ScalarNode):
            problems.append(Problem(file, vmark.line + 1, vmark.column + 1,
                                    f"header {header!r} must map to one column name",
                                    f"use one of: {', '.join(COLUMNS)}"))
            continue
        value = value_node.value.strip()
        if value in ("", "~", "null", "Null", "NULL") and value_node.style is None:
            target = None
        else:
            target = _target(value)
            if target is None:
                near = vocab.closest(value, COLUMNS)
                hint = f"did you mean {near!r}? " if near else ""
                problems.append(Problem(file, vmark.line + 1, vmark.column + 1,
                                        f"header {header!r} maps to {value!r}, which is not a "
                                        "documented column",
                                        f"{hint}columns: {', '.join(COLUMNS)}; or ~ to leave "
                                        "the header out"))
                continue
        key = _header_key(header)
        if key in mapping:
            problems.append(Problem(file, kmark.line + 1, kmark.column + 1,
                                    f"header {header!r} is mapped twice",
                                    "keep one line per header"))
            continue
        mapping[key] = target
    if problems:
        raise InvalidInput(problems)
    return mapping


def _resolve_header(headers: list[str], mapping: Mapping[str, str | None], layout: _Layout,
                    line: int, *, check_required: bool = True) -> list[str | None]:
    """The documented column of each header, or InvalidInput listing every header problem.

    A header mapped to ~ gives LEFT_OUT; an empty header gives None.
    """
    problems: list[Problem] = []
    names: list[str | None] = []
    seen: dict[str, tuple[int, str]] = {}
    for index, header in enumerate(headers, start=1):
        text = "" if header is None else str(header)
        if not text.strip():
            names.append(None)
            continue
        key = _header_key(text)
        if key in mapping:
            name = mapping[key]
            if name is None:
                names.append(LEFT_OUT)
                continue
        else:
            name = _target(text)
            if name is None:
                near = vocab.closest(text, COLUMNS)
                hint = (f"did you mean {near!r}? rename the header, or map it in a mapping "
                        "file (--mapping)" if near else
                        f"map it to a documented column in a mapping file (--mapping), e.g. "
                        f"'{text.strip()}: notes', or to ~ to leave it out on purpose")
                problems.append(layout.problem(line, index, f"unknown column {text.strip()!r}",
                                               hint))
                names.append(None)
                continue
        if name in seen:
            first, first_text = seen[name]
            where = (column_letter(first) if layout.sheet is not None else f"column {first}")
            problems.append(layout.problem(
                line, index, f"column {text.strip()!r} is a second {name!r} column (the first "
                f"is {first_text!r}, {where})", "keep one column per name; rename or map the "
                "other"))
            names.append(None)
            continue
        seen[name] = (index, text.strip())
        names.append(name)
    missing = [name for name in REQUIRED if name not in seen]
    if check_required and missing:
        problems.append(layout.problem(
            line, None, f"missing required column(s): {', '.join(missing)}",
            "add them to the header row, or map your headers to them with --mapping"))
    if problems:
        raise InvalidInput(problems)
    return names


# --- encodings -------------------------------------------------------------------------------
def _arabic_letter(ch: str) -> bool:
    return ("\u0621" <= ch <= "\u064a" or "\u0671" <= ch <= "\u06d3"
            or ch in "\u067e\u0686\u0698\u06af")


def _plausible_arabic(text: str) -> bool:
    """Does text decoded as Windows-1256 read as Arabic (not as bytes of some other code)?"""
    others = [ch for ch in text if ord(ch) > 127]
    if not others:
        return False
    arabic = sum(1 for ch in others if _arabic_letter(ch))
    words = re.findall("[\u0621-\u064a]{2,}", text)
    return bool(words) and arabic >= 0.6 * len(others)


def detect_encoding(sample: bytes) -> str | None:
    """The encoding of a file's first bytes: utf-8-sig, utf-8 or cp1256; None if neither.

    >>> detect_encoding("الاسم".encode("cp1256"))
    'cp1256'
    >>> detect_encoding(b"name,event")
    'utf-8'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _plausible_arabic(sample.decode("cp1256", errors="replace")):
        return "cp1256"
    return None


def _bad_byte(raw: bytes, start: int, encoding: str) -> str:
    return f"byte 0x{raw[start]:02X} at byte {start + 1} of the line is not {encoding} text"


def _open_text(path: Path, file: str, encoding: str | None):
    """Open a text file; return the binary handle, past any byte-order mark, and the
    encoding given or told from the first bytes. Raise InvalidInput for an empty file or one
    whose encoding cannot be told."""
    fh = open(path, "rb")
    try:
        sample = fh.read(SAMPLE_BYTES)
        if not sample.lstrip(codecs.BOM_UTF8).strip():
            raise InvalidInput([Problem(file, 1, None, "the file is empty",
                                        "see docs/flat-format.md for a complete example")])
        if encoding is None:
            if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise InvalidInput([Problem(file, 1, None, "the file is UTF-16 text",
                                            "save it as 'CSV UTF-8', or pass --encoding "
                                            "utf-16")])
            encoding = detect_encoding(sample)
            if encoding is None:
                try:
                    sample.decode("utf-8")
                except UnicodeDecodeError as exc:
                    line = sample[: exc.start].count(b"\n") + 1
                    start = exc.start - (sample.rfind(b"\n", 0, exc.start) + 1)
                    raw = sample[exc.start - start:]
                    raise InvalidInput([Problem(
                        file, line, None, "the file is neither UTF-8 nor Windows-1256 (Arabic): "
                        + _bad_byte(raw, start, "UTF-8"), _ENCODING_HINT)]) from None
            if b"\n" not in sample and b"\r" in sample:
                raise InvalidInput([Problem(file, 1, None, "the lines end with a bare carriage "
                                            "return (an old Mac format)",
                                            "save the file again as 'CSV UTF-8'")])
        else:
            try:
                encoding = codecs.lookup(encoding).name
            except LookupError:
                raise InvalidInput([Problem(file, None, None, f"unknown encoding {encoding!r}",
                                            "use a Python codec name such as utf-8, cp1256 "
                                            "or latin-1")]) from None
        if encoding == "utf-8-sig" or (encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8)):
            fh.seek(len(codecs.BOM_UTF8))
            encoding = "utf-8"
        else:
            fh.seek(0)
        return fh, encoding
    except BaseException:
        fh.close()
        raise


def _ascii_compatible(encoding: str) -> bool:
    try:
        return "a,\n".encode(encoding) == b"a,\n"
    except (UnicodeError, LookupError):
        return False


def _lines(fh, encoding: str, layout: _Layout, sink: list[Problem]) -> Iterator[str]:
    """Decoded lines of a binary handle; a line that does not decode is read with U+FFFD for
    its bad bytes, and a Problem with its line number goes to ``sink``."""
    if not _ascii_compatible(encoding):
        import io

        text = io.TextIOWrapper(fh, encoding=encoding, newline="")
        number = 0
        while True:
            try:
                line = text.readline(MAX_LINE_BYTES)
            except UnicodeDecodeError as exc:
                raise InvalidInput([layout.problem(number + 1, None, f"the text is not "
                                                   f"{encoding}: {exc.reason}",
                                                   _ENCODING_HINT)]) from None
            if not line:
                return
            number += 1
            if "\x00" in line:
                sink.append(_nul_problem(layout, number, f"character {line.index(chr(0)) + 1}"))
            yield line
    name = {"utf-8": "UTF-8", "cp1256": "Windows-1256"}.get(encoding, encoding)
    number = 0
    for raw in iter(partial(fh.readline, MAX_LINE_BYTES), b""):
        number += 1
        if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise InvalidInput([layout.problem(number, None, "the line is longer than 1 MB",
                                               "is this a CSV file? check its line endings")])
        if b"\x00" in raw:
            sink.append(_nul_problem(layout, number, f"byte {raw.index(0) + 1}"))
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError as exc:
            hint = ("the start of the file reads as UTF-8 but this line does not; save the "
                    "whole file as 'CSV UTF-8', or pass --encoding with the file's encoding "
                    "(e.g. --encoding cp1256)" if encoding == "utf-8" else _ENCODING_HINT)
            sink.append(layout.problem(number, None, _bad_byte(raw, exc.start, name), hint))
            yield raw.decode(encoding, errors="replace")


def _nul_problem(layout: _Layout, line: int, at: str) -> Problem:
    # the graph engines take a NUL for the end of a statement: refused here, before writing
    return layout.problem(line, None, f"a NUL character (0x00) at {at} of the line; a cell "
                          "cannot hold one",
                          "is this a text file? remove the NUL characters, or save the sheet "
                          "again as 'CSV UTF-8'")


# --- readers ---------------------------------------------------------------------------------
def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _long_cells(cells: dict[str, str], columns: Mapping[str, int], layout: _Layout,
                line: int) -> list[Problem]:
    return [layout.problem(line, columns.get(name), f"{name!r} is {len(value)} characters "
                           f"long; the limit is {MAX_TEXT}",
                           "split the text or move it to a source document")
            for name, value in cells.items() if len(value) > MAX_TEXT]


def _csv_rows(path: Path, file: str, encoding: str | None,
              mapping: Mapping[str, str | None]) -> Iterator[Row]:
    layout = _Layout(file)
    fh, encoding = _open_text(path, file, encoding)
    with fh:
        pending: list[Problem] = []
        lines = _lines(fh, encoding, layout, pending)
        # the header is the first line that is not blank
        skipped = 0
        for first in lines:
            if first.strip():
                break
            skipped += 1
        else:
            raise InvalidInput([Problem(file, 1, None, "the file is empty",
                                        "see docs/flat-format.md for a complete example")])
        reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
        try:
            header = next(reader)
            header_line = skipped + 1
            if pending:
                raise InvalidInput(pending)
            names = _resolve_header(header, mapping, layout, header_line)
            ignored = {i for i, n in enumerate(names, start=1) if not n}
            columns = {name: i for i, name in enumerate(names, start=1) if name}
            width = len(names)
            start = skipped + reader.line_num + 1
            count = 0
            for record in reader:
                line, start = start, skipped + reader.line_num + 1
                if not record or not any(record):
                    continue
                count += 1
                problems = pending[:] if pending else []
                pending.clear()
                if len(record) == width and not ignored:
                    cells = dict(zip(names, record))
                else:
                    cells = {name: value for name, value in zip(names, record) if name}
                    for index in range(1, len(record) + 1):
                        if (index > width or names[index - 1] is None) and \
                                record[index - 1].strip():
                            problems.append(layout.problem(
                                line, index, "a value in a column with no header",
                                "give the column a header, or clear the cell"))
                if max(map(len, record)) > MAX_TEXT:
                    problems += _long_cells(cells, columns, layout, line)
                yield Row(file, line, cells, None, problems, columns)
            if pending:  # bad bytes on a last line that held no row
                yield Row(file, pending[0].line or start, {}, None, pending[:], columns)
        except csv.Error as exc:
            line = skipped + reader.line_num
            text = str(exc)
            if "field larger than field limit" in text:
                message = f"a cell is longer than {csv.field_size_limit()} characters " \
                          f"(the limit is {MAX_TEXT})"
                hint = "check for a quote that is opened and never closed"
            else:
                message, hint = f"not valid CSV: {text}", "check the quoting on this line"
            raise InvalidInput([layout.problem(line, None, message, hint)]) from None
    if count == 0:
        raise InvalidInput([layout.problem(header_line, None, "the file has a header but no "
                                           "rows", "add one row per event")])


def _json_text(value: Any) -> str | None:
    """A JSON value as cell text; None for values that cannot be a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list) and all(
            v is None or isinstance(v, (str, int, float, bool)) for v in value):
        parts = [_json_text(v) for v in value]
        if any(SEPARATOR in p for p in parts):
            return None
        return SEPARATOR.join(parts)
    return None


def _jsonl_rows(path: Path, file: str, encoding: str | None,
                mapping: Mapping[str, str | None]) -> Iterator[Row]:
    layout = _Layout(file)
    fh, encoding = _open_text(path, file, encoding)
    known: dict[str, str | None] = {}  # key as written -> documented column or None
    reported: set[str] = set()
    count = 0
    with fh:
        pending: list[Problem] = []
        for number, text in enumerate(_lines(fh, encoding, layout, pending), start=1):
            if not text.strip() and not pending:
                continue
            count += 1
            problems = pending[:]
            pending.clear()
            if problems:
                yield Row(file, number, {}, None, problems, None, text, {})
                continue
            text = text.rstrip("\r\n")
            try:
                obj = _read_json(text)
            except json.JSONDecodeError as exc:
                yield Row(file, number, {}, None, [layout.problem(
                    number, exc.colno, f"not valid JSON: {exc.msg}",
                    "write one JSON object per line")], None, text, {})
                continue
            if not isinstance(obj, dict):
                yield Row(file, number, {}, None, [layout.problem(
                    number, 1, "each line must be a JSON object of columns",
                    'e.g. {"person_id": "...", "person": "...", "event": "arrest", ...}')],
                    None, text, {})
                continue
            cells: dict[str, str] = {}
            keys: dict[str, str] = {}
            row = Row(file, number, cells, None, problems, None, text, keys)
            for key in obj.repeated:
                problems.append(Problem(file, number, _json_value_column(text, key),
                                        f"key {key!r} is given more than once on this line; "
                                        "JSON would keep the last value without a word",
                                        "keep one value per key"))
            for key, value in obj.items():
                if SURROGATE.search(key):
                    problems.append(Problem(file, number, None, f"a key holds a lone surrogate "
                                            f"escape ({_escaped(key)}), which is not a "
                                            "character", "correct the escape in the key"))
                    continue
                if key not in known:
                    hkey = _header_key(key)
                    if hkey in mapping:
                        known[key] = mapping[hkey] or LEFT_OUT
                    else:
                        known[key] = _target(key)
                name = known[key]
                if name is None:
                    if key not in reported:
                        reported.add(key)
                        near = vocab.closest(key, COLUMNS)
                        problems.append(Problem(
                            file, number, _json_value_column(text, key),
                            f"unknown key {key!r} (first seen on this line)",
                            f"did you mean {near!r}? rename the key, or map it with --mapping"
                            if near else "map it to a documented column with --mapping, or "
                            "to ~ to leave it out on purpose"))
                    continue
                if name == LEFT_OUT:
                    continue
                if name in cells:
                    problems.append(Problem(file, number, None, f"key {key!r} gives {name!r} a "
                                            "second time", "keep one key per column"))
                    continue
                keys[name] = key
                cell = None if isinstance(value, list) and name not in LIST_COLUMNS \
                    else _json_text(value)
                if cell is None:
                    problems.append(row.problem(name, f"{name!r} must be text, a number, true "
                                                "or false" + (", or a list of text"
                                                              if name in LIST_COLUMNS else ""),
                                                "see docs/flat-format.md"))
                    continue
                cells[name] = cell
                if SURROGATE.search(cell):
                    problems.append(row.problem(name, f"{name!r} holds a lone surrogate escape "
                                                f"({_escaped(cell)}), which is not a "
                                                "character", "write the character itself, or "
                                                "both halves of its escape pair"))
                if "\x00" in cell:
                    problems.append(row.problem(name, f"{name!r} holds a NUL character "
                                                "(\\u0000); a cell cannot hold one",
                                                "remove it from the value"))
                if len(cell) > MAX_TEXT:
                    problems.append(row.problem(name, f"{name!r} is {len(cell)} characters "
                                                f"long; the limit is {MAX_TEXT}",
                                                "split the text or move it to a source "
                                                "document"))
            yield row
    if count == 0:
        raise InvalidInput([Problem(file, 1, None, "the file is empty",
                                    "see docs/flat-format.md for a complete example")])


_FORMULA_HINT = "replace it with its value (copy, then Paste Special > Values)"


def _xlsx_text(cell) -> tuple[str, tuple[str, str] | None]:
    """(text, (problem, hint) or None) for one workbook cell; formulas and errors are
    problems."""
    value = cell.value
    kind = getattr(cell, "data_type", None)
    if value is None:
        return "", None
    if kind == "f":
        return str(value), (f"the cell holds a formula ({str(value)[:40]}); custodygraph never "
                            "computes formulas", _FORMULA_HINT)
    if kind == "e":
        return str(value), (f"the cell holds a spreadsheet error ({value})",
                            "correct the cell or clear it")
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), None
    if isinstance(value, datetime):
        return (value.date().isoformat() if value.time() == time() else value.isoformat()), None
    if isinstance(value, (date, time)):
        return value.isoformat(), None
    return str(value), None


def _xlsx_rows(path: Path, file: str, mapping: Mapping[str, str | None]) -> Iterator[Row]:
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise InvalidInput([Problem(file, None, None, "reading .xlsx files needs openpyxl",
                                    "pip install openpyxl, or save the sheet as CSV UTF-8")]
                           ) from None
    import zipfile

    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise InvalidInput([Problem(file, None, None, f"not a readable .xlsx workbook ({exc})",
                                    "open it in a spreadsheet and save it as .xlsx again")]
                           ) from None
    try:
        if not book.worksheets:
            raise InvalidInput([Problem(file, None, None, "the workbook has no sheet",
                                        "put the rows on the first sheet")])
        sheet = book.worksheets[0]
        layout = _Layout(file, sheet.title)
        rows = sheet.iter_rows(min_row=1)
        number = 0
        names = None
        header_line = 0
        columns: dict[str, int] = {}
        count = 0
        for cells_in_row in rows:
            number += 1
            for cell in cells_in_row:
                if getattr(cell, "row", None):
                    number = cell.row
                    break
            texts = [_xlsx_text(cell) for cell in cells_in_row]
            if not any(text.strip() for text, _ in texts):
                continue
            if names is None:
                header_line = number
                names = _resolve_header([t for t, _ in texts], mapping, layout, number)
                columns = {name: i for i, name in enumerate(names, start=1) if name}
                continue
            count += 1
            cells: dict[str, str] = {}
            problems: list[Problem] = []
            for index, (text, trouble) in enumerate(texts, start=1):
                name = names[index - 1] if index <= len(names) else None
                if name == LEFT_OUT:
                    continue
                if trouble:
                    problems.append(layout.problem(number, index, *trouble))
                if name is None:
                    if text.strip():
                        problems.append(layout.problem(number, index, "a value in a column "
                                                       "with no header", "give the column a "
                                                       "header, or clear the cell"))
                    continue
                cells[name] = text
                if len(text) > MAX_TEXT:
                    problems.append(layout.problem(number, index, f"{name!r} is {len(text)} "
                                                   f"characters long; the limit is {MAX_TEXT}",
                                                   "split the text or move it to a source "
                                                   "document"))
            yield Row(file, number, cells, sheet.title, problems, columns)
        if names is None:
            raise InvalidInput([layout.problem(None, None, "the sheet is empty",
                                               "put a header row and one row per event on "
                                               "the first sheet")])
        if count == 0:
            raise InvalidInput([layout.problem(header_line, None, "the sheet has a header but "
                                               "no rows", "add one row per event")])
    finally:
        book.close()


def iter_rows(path: str | Path, *, encoding: str | None = None,
              mapping: str | Path | Mapping[str, str | None] | None = None) -> Iterator[Row]:
    """Stream the rows of a flat file (.csv, .xlsx or .jsonl), one ``Row`` at a time.

    ``encoding`` (CSV and JSON Lines) is any Python codec name; without it the encoding is
    told from the first 64 KiB: UTF-8 (with or without a byte-order mark) or Windows-1256.
    ``mapping`` is the path of a YAML mapping file (or an already loaded mapping) that
    renames the file's headers to the documented columns.

    Problems with the whole file (encoding, header, emptiness) raise InvalidInput; problems
    with one row are on ``Row.problems``, so one pass finds them all.
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InvalidInput([Problem(file, None, None, "no such file", "check the path")])
    if not path.is_file():
        raise InvalidInput([Problem(file, None, None, "not a regular file",
                                    "give the path of a .csv, .xlsx or .jsonl file")])
    if mapping is None:
        table: Mapping[str, str | None] = {}
    elif isinstance(mapping, Mapping):
        wrong = [v for v in mapping.values() if v is not None and v not in COLUMNS]
        if wrong:
            raise ValueError(f"mapping targets that are not documented columns: {wrong}")
        table = {_header_key(k): v for k, v in mapping.items()}
    else:
        table = load_mapping(mapping)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path, file, encoding, table)
    if suffix == ".jsonl":
        return _jsonl_rows(path, file, encoding, table)
    if suffix == ".xlsx":
        return _xlsx_rows(path, file, table)
    raise InvalidInput([Problem(file, None, None,
                                f"cannot read {suffix or 'files without an extension'} as flat "
                                "records", f"use one of: {', '.join(SUFFIXES)}")])


# --- typed records ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SourceRef:
    """One source named by a row, with what the row (or an earlier row) says about it."""

    name: str
    type: str | None = None
    date: str | None = None
    confidential: bool | None = None
    #: the uid of the source node (set once checked against earlier rows)
    uid: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class FlatRecord:
    """One checked row: one event about one person, with typed values.

    Empty cells are None (or an empty tuple). ``earliest`` and ``latest`` are the ISO bounds of
    ``date`` and ``end_date`` together, and ``date_edtf`` their EDTF reading; ``undated`` is
    true when the row keeps the source's wording in ``date_text`` but gives no EDTF date, so
    the event has no bounds until someone dates it.
    """

    where: Where
    person_id: str
    person: str
    event: str
    sources: tuple[SourceRef, ...]
    confidence: str
    record_id: str | None = None
    person_name_ar: str | None = None
    person_aliases: tuple[str, ...] = ()
    gender: str | None = None
    birth_year: int | None = None
    hometown: str | None = None
    protected: bool | None = None
    date: str | None = None
    end_date: str | None = None
    earliest: str | None = None
    latest: str | None = None
    date_edtf: str | None = None
    date_qualifier: str | None = None
    date_text: str | None = None
    undated: bool = False
    sequence: int | None = None
    facility: str | None = None
    facility_type: str | None = None
    organization: str | None = None
    organization_type: str | None = None
    location: str | None = None
    notes: str | None = None
    #: the uid of the event the row records (``record_uid``)
    uid: str = ""


def record_uid(record_id: str | None, person_id: str, event: str, date_edtf: str | None,
               date_text: str | None, place: str | None, sequence: int | None) -> str:
    """The uid of the event a row records: from its record_id, or else from its person,
    event type, date, place (the facility, else the location) and sequence, so that the same
    row read again is the same event.

    >>> record_uid("SD-1", "P", "arrest", None, None, None, None)
    'event:sd-1'
    >>> record_uid(None, "P", "arrest", "2018", None, "X", 1) == make_uid(
    ...     "event", "P", "arrest", "2018", "X", "1")
    True
    """
    if record_id:
        return event_uid(record_id)
    return make_uid("event", person_id, event, date_edtf or date_text or "", place or "",
                    str(sequence))


def uid_of(record: FlatRecord) -> str:
    """The uid of the event ``record`` records (``record_uid``; parse_row stores it)."""
    return record.uid or record_uid(
        record.record_id, record.person_id, record.event, record.date_edtf, record.date_text,
        record.facility or record.location, record.sequence)


def parse_boolean(text: str) -> bool | None:
    """true/false, yes/no, 1/0 and نعم/لا, in any case; None for anything else."""
    token = text.strip().casefold()
    if token in TRUE_WORDS:
        return True
    if token in FALSE_WORDS:
        return False
    return None


_PLAIN_DATE = re.compile(r"(\d{4})(?:-(\d{2}|XX)(?:-(\d{2}|XX))?)?([~?%]?)")


def _plain_bounds(text: str) -> tuple[str, str] | None:
    """Bounds of a plain EDTF date (year, month or day, maybe qualified), or None."""
    found = _PLAIN_DATE.fullmatch(text)
    if not found:
        return None
    year, month, day = found.group(1), found.group(2), found.group(3)
    if month == "XX" and day not in (None, "XX"):
        return None
    if month in (None, "XX"):
        return f"{year}-01-01", f"{year}-12-31"
    if not 1 <= int(month) <= 12:
        return None
    last = calendar.monthrange(int(year), int(month))[1]
    if day in (None, "XX"):
        return f"{year}-{month}-01", f"{year}-{month}-{last:02d}"
    if not 1 <= int(day) <= last:
        return None
    return f"{year}-{month}-{day}", f"{year}-{month}-{day}"


@lru_cache(maxsize=1 << 14)
def read_date(text: str) -> DateReading:
    """``ingest.dates.parse_date`` with a fast path and a cache.

    The EDTF parser takes milliseconds a call, far too slow for a million rows; plain dates
    and intervals of them (the great majority) are read here with the same result, and
    anything else goes to the EDTF parser, once per distinct text.

    >>> read_date("2018-12~") == parse_date("2018-12~")
    True
    """
    text = text.strip()
    if "/" in text:
        start, _, end = text.partition("/")
        lo = None if start in OPEN_ENDS else _plain_bounds(start)
        hi = None if end in OPEN_ENDS else _plain_bounds(end)
        if (lo is None and start not in OPEN_ENDS) or (hi is None and end not in OPEN_ENDS) \
                or (lo is None and hi is None):
            return parse_date(text)
        low, high = lo[0] if lo else None, hi[1] if hi else None
        if low and high and high < low:
            return parse_date(text)  # raises with the parser's own message
        return DateReading(low, high, text, _qualifier(text))
    bounds = _plain_bounds(text)
    if bounds is None:
        return parse_date(text)
    return DateReading(bounds[0], bounds[1], text, _qualifier(text))


#: the controlled columns: (valid values, synonyms)
_TERMS: dict[str, tuple[Any, dict[str, str] | None]] = {
    "event": (vocab.EVENT_TYPES, vocab.EVENT_SYNONYMS),
    "confidence": (vocab.CONFIDENCE, None),
    "facility_type": (schema.FACILITY_KINDS, None),
    "organization_type": (schema.ORGANIZATION_KINDS, None),
    "source_type": (vocab.SOURCE_KINDS, None),
}


@lru_cache(maxsize=4096)
def _choose(value: str, column: str) -> str:
    """``vocabulary.choose`` for a controlled column, remembered (errors are not)."""
    valid, synonyms = _TERMS[column]
    return vocab.choose(value, valid, synonyms)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(SEPARATOR)]


class _Parse:
    """The checks of one row; each problem points at its cell."""

    def __init__(self, row: Row):
        self.row = row
        self.problems: list[Problem] = []
        #: every non-empty cell, stripped
        self.values = {k: v.strip() for k, v in row.cells.items() if v and not v.isspace()}

    def bad(self, name: str | None, message: str, hint: str = "") -> None:
        self.problems.append(self.row.problem(name, message, hint))

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.values.get(name)
        if not value:
            if required:
                self.bad(name if name in self.row.cells else None,
                         f"{name!r} is empty" if name in self.row.cells else f"missing {name!r}",
                         f"every row needs a {name}")
            return None
        return value

    def term(self, name: str, required: bool = False) -> str | None:
        value = self.text(name, required)
        if value is None:
            return None
        try:
            return _choose(value, name)
        except ValueError as exc:
            self.bad(name, f"{name!r}: {exc}")
            return None

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            self.bad(name, f"{name!r} must be a whole number, not {value!r}")
            return None
        if not low <= number <= high:
            self.bad(name, f"{name!r} is {number}; expected {low} to {high}")
            return None
        return number

    def flag(self, name: str, value: str | None = None) -> bool | None:
        value = self.text(name) if value is None else value
        if not value:
            return None
        found = parse_boolean(value)
        if found is None:
            self.bad(name, f"{name!r} must be true or false, not {value!r}",
                     "write true/false, yes/no, 1/0 or نعم/لا")
        return found

    def date(self, name: str) -> DateReading | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return read_date(value)
        except DateError as exc:
            self.bad(name, f"{name!r}: {exc}", "keep the original wording in date_text")
            return None

    def dates(self) -> dict[str, Any]:
        start, end = self.date("date"), self.date("end_date")
        out: dict[str, Any] = {"date": self.values.get("date"),
                               "end_date": self.values.get("end_date")}
        if start is not None:
            out.update(earliest=start.earliest, latest=start.latest, date_edtf=start.edtf,
                       date_qualifier=start.qualifier)
        if end is not None:
            for name, reading in (("date", start), ("end_date", end)):
                if reading is not None and "/" in (reading.edtf or ""):
                    self.bad(name, f"{name!r} {reading.edtf!r} is a range, and end_date is "
                             "given", "give a range either as date start/end or with end_date")
                    return out
            if start is not None and start.earliest and end.latest and \
                    end.latest < start.earliest:
                self.bad("end_date", f"end_date {end.edtf!r} falls before date {start.edtf!r}",
                         "check the order of the two dates")
                return out
            edtf = f"{start.edtf if start else '..'}/{end.edtf}"
            out.update(latest=end.latest, date_edtf=edtf,
                       date_qualifier=next((q for q in (start and start.qualifier,
                                                        end.qualifier) if q), None))
        return out

    def sources(self) -> tuple[SourceRef, ...]:
        names = self.text("source", required=True)
        if names is None:
            return ()
        listed = _split(names)
        if not all(listed):
            self.bad("source", f"'source' {names!r} has an empty entry",
                     f"separate sources with a single {SEPARATOR}")
            return ()
        count = len(listed)
        values = self.values
        if "source_type" not in values and "source_date" not in values and \
                "confidential" not in values:  # later rows of a source: names only
            return tuple([SourceRef(name) for name in listed])
        types, dates, flags = (self._spread(name, count) for name in (
            "source_type", "source_date", "confidential"))
        refs = []
        for name, kind, when, secret in zip(listed, types, dates, flags):
            if kind:
                try:
                    kind = _choose(kind, "source_type")
                except ValueError as exc:
                    self.bad("source_type", f"'source_type': {exc}")
                    kind = ""
            if when:
                try:
                    read_date(when)
                except DateError as exc:
                    self.bad("source_date", f"'source_date': {exc}")
                    when = ""
            refs.append(SourceRef(name, kind or None, when or None,
                                  self.flag("confidential", secret) if secret else None))
        return tuple(refs)

    def _spread(self, name: str, count: int) -> list[str]:
        """The values of a source column, one per source (see ``sources``)."""
        value = self.values.get(name)
        if value is None:
            return [""] * count
        parts = _split(value)
        if len(parts) == 1:
            return parts * count
        if len(parts) != count:
            self.bad(name, f"{name!r} lists {len(parts)} values for {count} sources",
                     f"give one value for all, or one per source in the same order, "
                     f"separated by {SEPARATOR}")
            return [""] * count
        return parts

    def place(self, name: str, kind_column: str) -> tuple[str | None, str | None]:
        value = self.text(name)
        kind = self.term(kind_column)
        kinds = _TERMS[kind_column][0]
        if value and not kind and not self.values.get(kind_column):
            self.bad(kind_column if kind_column in self.row.cells else name,
                     f"{kind_column!r} is empty, and {name!r} is given",
                     f"use one of: {', '.join(kinds)}")
        if kind and not value:
            self.bad(kind_column, f"{kind_column!r} is given without a {name!r}",
                     f"name the {name} or clear {kind_column}")
        return value, kind


def parse_row(row: Row, context: FlatContext | None = None
              ) -> tuple[FlatRecord | None, list[Problem]]:
    """Check one row and type its values; returns (record, []) or (None, problems).

    With a ``context`` (one per file, rows in order) the row is also checked against the rows
    before it: a source needs its source_type the first time it is named, and a source,
    facility, organisation or person may not change its type or details from one row to
    another. Later rows may leave a source's type, date and confidentiality empty; the record
    then carries what the first row said.
    """
    if row.problems:
        return None, list(row.problems)
    p = _Parse(row)
    person_id = p.text("person_id", required=True)
    person = p.text("person", required=True)
    event = p.term("event", required=True)
    confidence = p.term("confidence", required=True)
    sources = p.sources()
    facility, facility_type = p.place("facility", "facility_type")
    organization, organization_type = p.place("organization", "organization_type")
    text = p.values.get  # an optional cell: its stripped text, or None when empty
    aliases = text("person_aliases")
    dates = p.dates()
    date_text = text("date_text")
    fields = dict(
        record_id=text("record_id"),
        person_name_ar=text("person_name_ar"),
        person_aliases=tuple(a for a in _split(aliases) if a) if aliases else (),
        gender=text("gender"),
        birth_year=p.integer("birth_year", 1850, 2100),
        hometown=text("hometown"),
        protected=p.flag("protected"),
        date_text=date_text,
        undated=bool(date_text) and not dates.get("date") and not dates.get("end_date"),
        sequence=p.integer("sequence", 0, 1_000_000),
        location=text("location"),
        notes=text("notes"),
        **dates,
    )
    if p.problems or not (person_id and person and event and confidence and sources):
        return None, p.problems
    if context is not None:
        sources = context.sources_of(row, sources, p)
    uid = record_uid(fields["record_id"], person_id, event, fields.get("date_edtf"), date_text,
                     facility or fields["location"], fields["sequence"])
    record = FlatRecord(
        row.where(), person_id, person, event, sources, confidence, facility=facility,
        facility_type=facility_type, organization=organization,
        organization_type=organization_type, uid=uid, **fields)
    if context is not None:
        context.check(row, record, p)
    if p.problems:
        return None, p.problems
    return record, []


#: the person columns that must agree on every row of one person
def _shown(value) -> str:
    return repr("|".join(value)) if isinstance(value, tuple) else repr(value)


PERSON_FIELDS = ("person", "person_name_ar", "person_aliases", "gender", "birth_year",
                 "hometown", "protected")
_person_values = attrgetter(*PERSON_FIELDS)


class _RowName:
    """``row.layout.row_name``, made only when a message needs it."""

    __slots__ = ("row",)

    def __init__(self, row: Row):
        self.row = row

    def __call__(self, line: int) -> str:
        return self.row.layout.row_name(line)
_PACK = struct.Struct(f"{len(PERSON_FIELDS)}iq")


class FlatContext:
    """What earlier rows of one file said, to check each row against them.

    Memory grows with what must be remembered, never with the text of the rows: about 200
    bytes for each distinct person and each distinct source (its type, date, confidentiality
    and first line), and 24 bytes for each row (hashes of its event uid and record_id, and its
    line). Two rows that record one event (the same uid: ``record_uid``) are reported by
    ``finish()`` once the last row is read: written, the second would meet the first's node.
    """

    #: event uid hashes are kept in this many buckets, so that finish() sorts small lists
    BUCKETS = 256

    def __init__(self, names=None) -> None:
        #: resolves facility and organisation names against the gazetteer (NameResolver)
        self.names = names
        #: source uid -> (type, date, confidential, first line, first name)
        self.sources: dict[str, tuple[str, str | None, bool, int, str]] = {}
        self._source_uids: dict[str, str] = {}
        self.kinds: dict[tuple[str, str], tuple[str, str, int]] = {}
        self.persons: dict[str, bytes] = {}
        #: person uid -> (the person_id that first had it, its line)
        self.person_uids: dict[str, tuple[str, int]] = {}
        self._ids = [array("q") for _ in range(self.BUCKETS)]
        self._id_lines = [array("q") for _ in range(self.BUCKETS)]
        #: hash of each row's record_id, 0 for none: what finish() says of a repeat
        self._id_given = [array("q") for _ in range(self.BUCKETS)]
        self._id_row: Row | None = None

    def sources_of(self, row: Row, sources: tuple[SourceRef, ...], p: _Parse
                   ) -> tuple[SourceRef, ...]:
        """The row's sources as first described: a type the first time a source is named,
        and the same type, date and confidentiality on every later row that gives them.

        Sources are told apart by their uid: two names that differ in more than case but
        would make one source node (say "Witness A" and "witness-a") are refused, so that
        one never takes on the other's description, its confidentiality included.
        """
        refs = []
        for ref in sources:
            key = self.source_uid(ref.name)
            known = self.sources.get(key)
            if known is None:
                if ref.type is None:
                    p.bad("source_type" if "source_type" in row.cells else "source",
                          f"source {ref.name!r} is named for the first time, without its "
                          "source_type", f"give its type: {', '.join(vocab.SOURCE_KINDS)}")
                    continue
                date = sys.intern(ref.date) if ref.date else None
                ref = SourceRef(ref.name, ref.type, date, bool(ref.confidential), key)
                self.sources[key] = (ref.type, date, ref.confidential, row.line, ref.name)
                refs.append(ref)
                continue
            if ref.name != known[4] and ref.name.casefold() != known[4].casefold():
                p.bad("source", f"source {ref.name!r} and {known[4]!r} (first on "
                      f"{row.layout.row_name(known[3])}) would be one source: names are "
                      "compared without case and punctuation", "write a source's name the same "
                      "way on every row, and give different sources names that differ in "
                      "letters or digits")
                continue
            first = SourceRef(ref.name, *known[:3], key)
            if ref.type is None and ref.date is None and ref.confidential is None:
                refs.append(first)  # named again without details: nothing to compare
                continue
            for attr, column in (("type", "source_type"), ("date", "source_date"),
                                 ("confidential", "confidential")):
                given = getattr(ref, attr)
                if given is not None and given != getattr(first, attr):
                    p.bad(column, f"{column!r} of source {ref.name!r} is {given!r} here but "
                          f"{getattr(first, attr)!r} on {row.layout.row_name(known[3])}",
                          "describe a source the same way on every row, or only on the first")
            refs.append(first)
        return tuple(refs)

    def source_uid(self, name: str) -> str:
        """``make_uid("source", name)``, remembered for the sources of the last rows (a
        source is mostly named by neighbouring rows)."""
        uid = self._source_uids.get(name)
        if uid is None:
            if len(self._source_uids) > 4096:
                self._source_uids.clear()
            uid = self._source_uids[name] = make_uid("source", name)
        return uid

    def check(self, row: Row, record: FlatRecord, p: _Parse) -> None:
        """Check the row's places, organisations, person and record_id against earlier rows."""
        where = _RowName(row)
        # facilities and organisations keep one type
        for role, name, kind in (("facility", record.facility, record.facility_type),
                                 ("organization", record.organization,
                                  record.organization_type)):
            if not name:
                continue
            column = f"{role}_type"
            key = (column, name.casefold())
            uid = None
            if self.names is not None:
                found = self.names.use(role, name, kind, row.file, row.line)
                if found.problem and self.kinds.get(key) is None:  # once, at its first row
                    p.bad(role, *found.problem)
                uid = found.uid
            # by the node the name makes: "Al-Mazraa Prison" and "Almazraa prison" are one
            known_kind = self.kinds.get(key) or (uid and self.kinds.get((column, uid)))
            if known_kind is None:
                self.kinds[key] = (kind, name, row.line)
                if uid:
                    self.kinds[(column, uid)] = (kind, name, row.line)
            elif known_kind[0] != kind:
                same = "" if known_kind[1].casefold() == name.casefold() else (
                    f" ({known_kind[1]!r} there, which is the same {role} by its id)")
                p.bad(column, f"{name!r} is a {kind!r} here but a {known_kind[0]!r} on "
                      f"{where(known_kind[2])}{same}", "give a place or organisation one type")
        # persons keep their details
        digest = [(hash(str(value)) & 0x7FFFFFFF) | 1 if value is not None and value != ()
                  else 0 for value in _person_values(record)]
        known_person = self.persons.get(record.person_id)
        if known_person is None:
            self.persons[record.person_id] = _PACK.pack(*digest, row.line)
            # two ids that differ only in case or punctuation would share one uid: one node
            uid = make_uid("person", record.person_id)
            other = self.person_uids.setdefault(uid, (record.person_id, row.line))
            if other[0] != record.person_id:
                p.bad("person_id", f"person id {record.person_id!r} and {other[0]!r} (first on "
                      f"{where(other[1])}) would be one person: ids are compared without case "
                      "and punctuation", "write one person's id the same way on every row, "
                      "and give different persons ids that differ in letters or digits")
        else:
            *before, line = _PACK.unpack(known_person)
            merged = list(before)
            for index, attr in enumerate(PERSON_FIELDS):
                if digest[index] == before[index]:
                    continue
                if digest[index] and before[index] and digest[index] != before[index]:
                    p.bad(attr, f"{attr!r} {_shown(getattr(record, attr))} differs from an "
                          f"earlier row of person id {record.person_id!r} (first on "
                          f"{where(line)})", "give a person's details the same on every row, "
                          "or only on the first")
                elif digest[index] and not before[index]:
                    # the person is written from their first row: a detail that only a later
                    # row gives would be lost, so it is refused instead
                    p.bad(attr, f"{attr!r} of person id {record.person_id!r} is given here "
                          f"but not on their first row ({where(line)})",
                          "give a person's details on their first row; later rows may repeat "
                          "them or leave them empty")
                merged[index] = merged[index] or digest[index]
            if merged != before:
                self.persons[record.person_id] = _PACK.pack(*merged, line)
        if self._id_row is None:
            self._id_row = row
        digest = hash(uid_of(record))
        bucket = digest % self.BUCKETS
        self._ids[bucket].append(digest)
        self._id_lines[bucket].append(row.line)
        self._id_given[bucket].append(hash(record.record_id) if record.record_id else 0)

    def finish(self) -> list[Problem]:
        """Problems that only the whole file shows: two rows that record one event."""
        template = self._id_row
        if template is None:
            return []
        repeats = []
        for ids, lines, given in zip(self._ids, self._id_lines, self._id_given):
            order = sorted(range(len(ids)), key=lambda i: (ids[i], lines[i]))
            first = None  # each repeat is compared with the first row of its event
            for a, b in zip(order, order[1:]):
                if ids[a] != ids[b]:
                    first = None
                    continue
                first = a if first is None else first
                repeats.append((lines[b], lines[first], given[b], given[first]))
        problems = []
        for again, first, id_here, id_there in sorted(repeats):
            probe = Row(template.file, again, template.cells, template.sheet, [],
                        template._columns)
            there = template.layout.row_name(first)
            if id_here and id_here == id_there:
                message = f"the record_id of this row is already used on {there}"
                hint = "every event needs its own record_id"
            elif id_here and id_there:
                message = (f"the record_id of this row and that of {there} would be one event: "
                           "ids are compared without case and punctuation")
                hint = "give every event a record_id that differs in letters or digits"
            elif not id_here and not id_there:
                message = (f"this row repeats {there}: the same person_id, event, date, place "
                           "and sequence, and neither has a record_id")
                hint = ("remove the repeated row, or give both rows a record_id if they are "
                        "two events")
            else:
                message = f"this row and {there} would be one event"
                hint = "give both rows a record_id of their own"
            problems.append(probe.problem("record_id", message, hint))
        return problems


def iter_records(path: str | Path, problems: list[Problem], *, encoding: str | None = None,
                 mapping: str | Path | Mapping[str, str | None] | None = None,
                 names=None) -> Iterator[FlatRecord]:
    """Stream the checked records of a flat file; every problem is appended to ``problems``.

    A file is good when the iteration ends with ``problems`` still empty. Problems with the
    whole file raise InvalidInput. ``names`` (a gazetteer NameResolver) checks facility and
    organisation names; without it they are not resolved.
    """
    context = FlatContext(names)
    for row in iter_rows(path, encoding=encoding, mapping=mapping):
        record, found = parse_row(row, context)
        if found:
            problems.extend(found)
        elif record is not None:
            yield record
    problems.extend(context.finish())
