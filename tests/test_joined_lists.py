"""Long lists read back as one joined string (queries.lists) give exactly the plain lists.

On FalkorDB, recurrence and the case lists ask for their long lists of uids and names as one
string each. A string holding the separator would split into too many pieces: then the
plain lists are read instead. Here both paths must agree, and a name holding the separator
must come back whole.
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLE
from custodygraph.ingest.run import ingest_file
from custodygraph.queries import filters
from custodygraph.queries.filters import case_list
from custodygraph.queries.lists import SEPARATOR, strings
from custodygraph.queries.recurrence import recurring


class Plain:
    """The store's dialect with ``joined`` left out: every list comes back as a list."""

    def __init__(self, inner):
        self.inner = inner

    def joined(self, expression):
        return expression

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def example(store):
    ingest_file(store, EXAMPLE)
    return store


def test_recurrence_is_the_same_joined_and_plain(example, monkeypatch):
    joined = [r.as_dict() for r in recurring(example)]
    monkeypatch.setattr(example, "dialect", Plain(example.dialect))
    plain = [r.as_dict() for r in recurring(example)]
    assert joined == plain
    assert any(r["cases"] >= 2 for r in joined)  # lists of several persons were joined


def test_a_name_holding_the_separator_comes_back_whole(example, monkeypatch):
    name = f"Line one{SEPARATOR}line two"
    example.write("CREATE (:Person {uid: 'person:two-lines', name: $name})", {"name": name})
    monkeypatch.setattr(filters, "SCAN_ABOVE", 0)  # read every person, as for big lists
    wanted = {"person:two-lines", "person:sd-2021-02-09-05"}
    found = case_list(example, wanted)
    assert found["person:two-lines"] == {"uid": "person:two-lines", "name": name}
    assert set(found) == wanted
    monkeypatch.setattr(example, "dialect", Plain(example.dialect))
    assert case_list(example, wanted) == found


@pytest.mark.parametrize("pieces", [[], [""], ["a"], ["a", ""], ["", "b", "c"],
                                    ["person:x", "person:y"]])
def test_strings_gives_back_what_was_joined(pieces):
    assert strings(SEPARATOR.join(pieces), len(pieces)) == pieces


@pytest.mark.parametrize("pieces", [[f"a{SEPARATOR}b"], ["a", f"{SEPARATOR}"],
                                    [SEPARATOR, SEPARATOR]])
def test_strings_refuses_pieces_holding_the_separator(pieces):
    assert strings(SEPARATOR.join(pieces), len(pieces)) is None
