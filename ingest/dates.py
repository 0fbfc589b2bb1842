"""Uncertain dates: EDTF in, ISO earliest and latest bounds out, the original text kept.

The bounds are the strict range the EDTF expression covers ("2018-12~" is 2018-12-01 to
2018-12-31, flagged approximate). Open interval ends ("2018-07/..") leave that bound empty.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from edtf import parse_edtf
from edtf.parser.edtf_exceptions import EDTFParseException

OPEN_ENDS = ("", "..")


class DateError(ValueError):
    """The text is not an EDTF date; the message says why and what would be accepted."""


@dataclass(frozen=True)
class DateReading:
    earliest: str | None
    latest: str | None
    edtf: str | None
    #: "approximate", "uncertain", "approximate+uncertain" or None
    qualifier: str | None = None


def _iso(value: time.struct_time) -> str:
    return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"


# Year, year-month or a full date, with an optional qualifier: by far the most common
# forms. They are read directly; every other form goes to the EDTF library. A test checks
# that both readings agree on these forms.
_PLAIN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%]?)")


def _plain_bounds(text: str) -> tuple[str, str] | None:
    match = _PLAIN.fullmatch(text)
    if not match:
        return None
    year, month, day = int(match[1]), match[2], match[3]
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    m = int(month)
    if not 1 <= m <= 12:
        return None  # seasons (21-41) and errors: the library decides
    last = calendar.monthrange(year, m)[1]
    if day is None:
        return f"{year:04d}-{m:02d}-01", f"{year:04d}-{m:02d}-{last:02d}"
    d = int(day)
    if not 1 <= d <= last:
        return None
    return f"{year:04d}-{m:02d}-{d:02d}", f"{year:04d}-{m:02d}-{d:02d}"


def _bounds(text: str) -> tuple[str, str]:
    plain = _plain_bounds(text)
    if plain is not None:
        return plain
    return _library_bounds(text)


def _library_bounds(text: str) -> tuple[str, str]:
    try:
        parsed = parse_edtf(text)
        return _iso(parsed.lower_strict()), _iso(parsed.upper_strict())
    except (EDTFParseException, TypeError, ValueError, OverflowError, AttributeError):
        raise DateError(
            f"{text!r} is not an EDTF date; write e.g. 2018-12 (a month), 2018-12~ "
            "(about), 2018-12? (uncertain), 2018/2019 (between), 2012-XX-XX (some day in 2012)"
        ) from None


def _qualifier(text: str) -> str | None:
    if "%" in text:
        return "approximate+uncertain"
    if "~" in text:
        return "approximate"
    if "?" in text:
        return "uncertain"
    return None


@lru_cache(maxsize=65536)
def parse_date(text: str | None) -> DateReading:
    """Read an EDTF date or interval.

    >>> parse_date("2018-12~")
    DateReading(earliest='2018-12-01', latest='2018-12-31', edtf='2018-12~', qualifier='approximate')
    >>> parse_date("2018-07/..").latest is None
    True
    """
    text = (text or "").strip()
    if not text:
        return DateReading(None, None, None)
    if "/" in text:
        start, _, end = text.partition("/")
        lo = None if start in OPEN_ENDS else _bounds(start)[0]
        hi = None if end in OPEN_ENDS else _bounds(end)[1]
        if lo is None and hi is None:
            raise DateError(f"{text!r} is open at both ends; give at least one bound")
        if lo and hi and hi < lo:
            raise DateError(f"{text!r} ends before it starts")
        return DateReading(lo, hi, text, _qualifier(text))
    lo, hi = _bounds(text)
    return DateReading(lo, hi, text, _qualifier(text))
