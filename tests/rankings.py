"""Co-detention's first co-detainees ranked both ways: from the StayTables and by the store."""

from __future__ import annotations

from unittest import mock

from custodygraph.queries import codetention


def ranked_both(store, uid: str, mine, limit: int, include_confidential: bool = True):
    """``codetention.ranked`` from the StayTables, which must answer, and again by the
    store's RANKED statements with the tables left unread; the two answers must be equal.
    Returns the answer."""
    answered = []
    real = codetention.table_ranking

    def spy(*args):
        out = real(*args)
        answered.append(out is not None)
        return out

    with mock.patch.object(codetention, "table_ranking", spy):
        by_tables = codetention.ranked(store, uid, mine, limit, include_confidential)
    assert answered == [True], (uid, "the tables did not answer")
    with mock.patch.object(codetention, "table_ranking", lambda *args: None):
        by_store = codetention.ranked(store, uid, mine, limit, include_confidential)
    assert by_tables == by_store, (uid, limit)
    return by_tables
