"""The exceptions the API raises; the CLI turns each into a one-line message and exit code 1."""

from __future__ import annotations

from dataclasses import dataclass


class CustodyGraphError(Exception):
    """Base class of every error custodygraph reports to its user."""


class StoreError(CustodyGraphError):
    """The graph store could not be started, reached or queried."""


class GraphNotLoaded(StoreError):
    """The named graph was never written to: the embedded engine has no key for it yet."""


class StoreBusy(StoreError):
    """Another process holds the embedded store's lock for longer than we may wait."""


class PersonNotFound(CustodyGraphError):
    """No person matches the uid, name or alias asked for."""


class AmbiguousPerson(CustodyGraphError):
    """A name matches several persons; the caller must choose by uid."""

    def __init__(self, query: str, matches: list[dict]):
        self.query = query
        self.matches = matches
        lines = [f"{query!r} matches {len(matches)} persons; ask again with one uid:"]
        lines += [f"  {m['uid']}  {m['name']}" for m in matches]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, with its place and how to fix it."""

    file: str
    line: int | None
    column: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class InvalidInput(CustodyGraphError):
    """An input file has problems; nothing was written."""

    #: how many problems the message lists before it gives only a count
    shown = 20

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = [str(p) for p in problems[: self.shown]]
        more = len(problems) - len(head)
        tail = [f"... and {more} more problems"] if more else []
        summary = (f"{len(problems)} problem{'' if len(problems) == 1 else 's'} found; "
                   "nothing was written.")
        super().__init__("\n".join(head + tail + [summary]))


class EntityNotFound(CustodyGraphError):
    """No facility, organisation, place, source or person matches what was asked for."""


class AmbiguousEntity(CustodyGraphError):
    """A name matches several entities; the caller must choose by uid."""

    def __init__(self, query: str, matches: list[dict]):
        self.query = query
        self.matches = matches
        lines = [f"{query!r} matches {len(matches)} entries; ask again with one uid:"]
        lines += [f"  {m['uid']}  {m['name']}" for m in matches]
        super().__init__("\n".join(lines))


class InvalidFilter(CustodyGraphError):
    """A query option has a value the query cannot use (a bad date, an unknown type)."""


class NoPath(CustodyGraphError):
    """Two entities are not connected within the allowed number of steps."""


class CandidateNotFound(CustodyGraphError):
    """No candidate pair of persons (``custodygraph resolve``) has the id asked for."""


class DecisionConflict(CustodyGraphError):
    """A candidate pair already has a decision, or has none to undo."""
