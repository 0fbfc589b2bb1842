"""Answers that come from a table ingest keeps, checked against the same answers with the
table left unread: co-detention's first co-detainees (StayTables, else the store's ranking)
and recurrence (the CaseTable, else the persons' lists)."""

from __future__ import annotations

from unittest import mock

from custodygraph.queries import codetention, recurrence


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


def recurring_both(store, **kwargs) -> tuple[list, list[bool]]:
    """``recurrence.recurring`` asked with ``kwargs``, and again with the CaseTable left
    unread; the two answers must be equal. Where the table was read, it must have come out
    whole. Returns the answer, and for each read of the table whether it came out whole
    (none when it was marked, missing or not asked for)."""
    answered: list[bool] = []
    real = recurrence.read_table

    def spy(row):
        out = real(row)
        answered.append(out is not None)
        return out

    with mock.patch.object(recurrence, "read_table", spy):
        by_table = recurrence.recurring(store, **kwargs)
    assert all(answered), "the CaseTable did not come out whole"
    with mock.patch.object(recurrence, "read_table", lambda row: None):
        by_lists = recurrence.recurring(store, **kwargs)
    assert [r.as_dict() for r in by_table] == [r.as_dict() for r in by_lists], kwargs
    return by_table, answered
