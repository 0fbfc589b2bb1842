"""Parameters reach the embedded server exactly as given, whatever their text.

The embedded backend writes parameters into FalkorDB's ``CYPHER name=value`` header itself
(JSON text where FalkorDB reads JSON the same way, piece by piece elsewhere). These
properties check every value against the real server: what comes back is what was sent.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodygraph.graph.falkor import literal

# every character but NUL, which FalkorDB's parser takes for the end of the query
# (the flat reader refuses a cell that holds one); the categories make sure control
# characters, quotes, backslashes, Arabic letters and characters beyond the BMP all come up
TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
               max_size=40)
PLAIN = st.one_of(
    TEXT,
    st.sampled_from(['"', "\\", "\\u0041", "\\n", "a{b}", "{", "}", "`", "'", "\n", "\r\n",
                     "\t", "\b", "\f", "\x01", "\x1f", "\x7f", "\u2028", "معاذ", "😀",
                     "\U0001F600\u200f", "\\\"", "CYPHER x=1", "$rows"]),
    st.none(), st.booleans(), st.integers(-2**62, 2**62),
)
VALUE = st.recursive(PLAIN, lambda inner: st.one_of(
    st.lists(inner, max_size=5),
    st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), inner,
                    max_size=4)), max_leaves=20)


def _same(got, sent):
    """FalkorDB returns lists for lists and tuples alike."""
    if isinstance(sent, (list, tuple)):
        return isinstance(got, list) and len(got) == len(sent) and all(
            _same(g, s) for g, s in zip(got, sent))
    if isinstance(sent, dict):
        return isinstance(got, dict) and got.keys() == sent.keys() and all(
            _same(got[k], sent[k]) for k in sent)
    return type(got) is type(sent) and got == sent


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=VALUE)
def test_any_value_comes_back_as_sent(store, value):
    got = store.read("RETURN $v AS v", {"v": value})[0]["v"]
    assert _same(got, value), (value, literal(value))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(PLAIN, min_size=3, max_size=3), min_size=1, max_size=30))
def test_rows_of_lists_are_stored_as_sent(store, rows):
    """Rows as lists, the way the writer sends them, stored as properties and read back."""
    store.clear()
    keyed = [[i, *row] for i, row in enumerate(rows)]
    store.write("UNWIND $rows AS r CREATE (:Probe {i: r[0], a: r[1], b: r[2], c: r[3]})",
                {"rows": keyed})
    back = store.read("MATCH (n:Probe) RETURN n.i AS i, n.a AS a, n.b AS b, n.c AS c "
                      "ORDER BY i")
    assert [[r["i"], r["a"], r["b"], r["c"]] for r in back] == keyed


def test_maps_keep_their_keys_and_text_falls_back_where_json_differs():
    assert literal({"uid": "a", "n": [1, None]}) == '{`uid`:"a",`n`:[1,null]}'
    # a control character JSON would write as \u0001 goes as the character itself
    assert literal(["x\x01"]) == '["x\x01"]'
    assert literal(["a\nb", 'q"', "b\\"]) == '["a\\nb","q\\"","b\\\\"]'
