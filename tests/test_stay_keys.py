"""The key that places HELD_AT stays in the index (queries.codetention.stay_key): every stay
that can overlap a period lies in one of the key ranges read for it, whatever its length
and open ends, so ranking through the index can miss no co-detainee; and it lies in the
ranges of its person's slice only, so the slices ranked apart never count a person twice."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from custodygraph.queries.codetention import (CHUNK_BITS, DAYS, OPEN_BOTH, SLICES, UNKEYED,
                                              Stay, _by_class, _key, _reach_from, chunk_of,
                                              chunks_among, chunks_meeting, key_ranges,
                                              slice_of, stay_days, stay_key)

ZERO = date(1900, 1, 1)
FACILITY = "facility:qadmus-transit-prison"
PERSON = "person:aw-1"


def iso(day: int | None) -> str | None:
    return None if day is None else (ZERO + timedelta(days=day)).isoformat()


def day_of(text: str | None) -> int:
    return -1 if text is None else (date.fromisoformat(text) - ZERO).days


days = st.integers(0, DAYS - 1)
maybe = st.one_of(st.none(), days)


@st.composite
def stays(draw):
    """A dated stay, possibly open at either end, possibly with a certain part within."""
    lo, hi = draw(maybe), draw(maybe)
    if lo is not None and hi is not None and hi < lo:
        lo, hi = hi, lo
    if lo is None and hi is None:
        lo = draw(days)
    certain = None
    if lo is not None and hi is not None and draw(st.booleans()):
        a = draw(st.integers(lo, hi))
        certain = [iso(a), iso(draw(st.integers(a, hi)))]
    return Stay({"uid": FACILITY}, iso(lo), iso(hi), certain, ["event:x"])


def meets(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> bool:
    """Whether two spans of days meet; -1 is an open end."""
    return not (a_hi >= 0 and b_lo >= 0 and b_lo > a_hi) and \
        not (b_hi >= 0 and a_lo >= 0 and a_lo > b_hi)


@given(theirs=st.lists(stays(), min_size=1, max_size=3), person=st.text(min_size=1),
       data=st.data())
def test_a_stay_that_may_overlap_a_period_is_in_its_key_ranges(theirs, person, data):
    # the period is drawn anywhere, or around the ends of their stays, where a miss would be
    ends = [day_of(d) for s in theirs for d in (s.earliest, s.latest) if d is not None]
    near = st.sampled_from(ends).flatmap(
        lambda d: st.integers(max(0, d - 3), min(DAYS - 1, d + 3)))
    lo = data.draw(st.one_of(maybe, near))
    hi = data.draw(st.one_of(maybe, near))
    if lo is not None and hi is not None and hi < lo:
        lo, hi = hi, lo
    mine = (-1 if lo is None else lo, -1 if hi is None else hi)
    key = stay_key(FACILITY, theirs, person)
    ranges = key_ranges(FACILITY, *mine)
    inside = any(a <= key <= b for a, b in ranges)
    for stay in theirs:
        if meets(*mine, day_of(_reach_from(stay)), day_of(stay.latest)):
            assert inside, (key, ranges)
    # and in a part of the stay tables read for the period (codetention.chunks_meeting)
    if inside:
        assert chunk_of(key) in chunks_meeting(FACILITY, *mine), (key, mine)
    # the parts a ranking reads among those there are: exactly those chunks_meeting names
    there = {chunk_of(key)} | {chunk_of(data.draw(st.sampled_from(ranges))[0])}
    there |= {f"{k}:{b}" for k, b in data.draw(st.lists(
        st.tuples(st.integers(0, 31), st.integers(0, DAYS >> CHUNK_BITS)), max_size=20))}
    assert chunks_among(_by_class(there), FACILITY, *mine) == \
        there & chunks_meeting(FACILITY, *mine)
    # the key is in the ranges of its person's slice, never in those of another slice
    for part in range(SLICES):
        if any(a <= key <= b for a, b in key_ranges(FACILITY, *mine, [part])):
            assert part == slice_of(person)
    # the ranges stay within the facility's keys, and leave out the unkeyed ones
    whole = SLICES * 32 * DAYS
    assert all(a // whole == b // whole == key // whole for a, b in ranges)
    assert not any(a <= _key(FACILITY, UNKEYED, 0) <= b for a, b in ranges)


@given(stay=stays())
def test_stay_days_are_the_bounds_in_whole_days(stay):
    lo, hi, clo, chi = stay_days([stay])
    assert (lo, hi) == (day_of(stay.earliest), day_of(stay.latest))
    assert (clo, chi) == ((day_of(stay.certain[0]), day_of(stay.certain[1]))
                          if stay.certain else (-1, -1))


def test_stays_outside_the_days_of_the_key_are_unkeyed():
    old = Stay({"uid": FACILITY}, "1899-12-31", "1900-02-01", None, ["event:x"])
    late = Stay({"uid": FACILITY}, "2260-01-01", None, None, ["event:x"])
    for stay in (old, late):
        assert stay_key(FACILITY, [stay], PERSON) == _key(FACILITY, UNKEYED, 0)
    assert stay_key(FACILITY, None, PERSON) == _key(FACILITY, UNKEYED, 0)
    undated = Stay({"uid": FACILITY}, None, None, None, ["event:x"])
    assert stay_key(FACILITY, [undated], PERSON) is None
    opened = Stay({"uid": FACILITY}, None, "2000-01-01", None, ["event:x"])
    closed = Stay({"uid": FACILITY}, "2001-01-01", None, None, ["event:x"])
    assert stay_key(FACILITY, [opened, closed], PERSON) == \
        _key(FACILITY, OPEN_BOTH, 0, slice_of(PERSON))


def test_the_longest_stay_of_each_length_class_is_found_on_its_last_day():
    for klass in range(18):
        start = 1000
        end = min(start + 2 ** klass - 1, DAYS - 1)
        theirs = [Stay({"uid": FACILITY}, iso(start), iso(end), None, ["event:x"])]
        key = stay_key(FACILITY, theirs, PERSON)
        for mine in ((end, end), (end, -1), (-1, start), (start, start)):
            assert any(a <= key <= b for a, b in key_ranges(FACILITY, *mine)), (klass, mine)
            assert any(a <= key <= b for a, b in
                       key_ranges(FACILITY, *mine, [slice_of(PERSON)])), (klass, mine)
