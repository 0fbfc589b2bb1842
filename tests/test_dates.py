"""EDTF dates: the direct reading of plain forms agrees with the EDTF library."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodygraph.ingest.dates import DateError, _library_bounds, _plain_bounds, parse_date


@settings(max_examples=300, deadline=None)
@given(year=st.integers(1900, 2099), month=st.one_of(st.none(), st.integers(1, 12)),
       day=st.integers(1, 31), qualifier=st.sampled_from(["", "~", "?", "%"]))
def test_plain_forms_agree_with_the_library(year, month, day, qualifier):
    text = f"{year:04d}" if month is None else f"{year:04d}-{month:02d}"
    if month is not None and day <= 28:
        text += f"-{day:02d}"
    text += qualifier
    assert _plain_bounds(text) == _library_bounds(text)


@pytest.mark.parametrize("text,earliest,latest,qualifier", [
    ("2018-12~", "2018-12-01", "2018-12-31", "approximate"),
    ("2020-02", "2020-02-01", "2020-02-29", None),
    ("2018/2019", "2018-01-01", "2019-12-31", None),
    ("2012-XX-XX", "2012-01-01", "2012-12-31", None),
    ("2018-12?", "2018-12-01", "2018-12-31", "uncertain"),
    ("2019-21", "2019-03-01", "2019-05-31", None),
    ("2020-11/..", "2020-11-01", None, None),
    ("../2020-11", None, "2020-11-30", None),
])
def test_readings(text, earliest, latest, qualifier):
    reading = parse_date(text)
    assert (reading.earliest, reading.latest, reading.edtf, reading.qualifier) == (
        earliest, latest, text, qualifier)


@pytest.mark.parametrize("text", ["end of 2018", "2019-02-30", "2019-13", "2020/2019", "../.."])
def test_errors(text):
    with pytest.raises(DateError):
        parse_date(text)
