"""Deterministic ids and normalised name keys.

Ids come from source keys, so a second ingest of the same record MERGEs onto the same node.
Name keys are what person and place look-ups compare; they never merge anything by themselves.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_NON_WORD = re.compile(r"[^\w]+")
_ARTICLE = re.compile(r"\b(?:al|el)\s+")


def slug(text: str) -> str:
    """A lower-case, hyphenated form of ``text`` for readable ids.

    >>> slug("Raid Branch 215")
    'raid-branch-215'
    """
    return name_key(text).replace(" ", "-")


@lru_cache(maxsize=50_000)
def name_key(text: str) -> str:
    """Normalise a name for comparison: case, accents, Arabic marks, punctuation, articles.

    >>> name_key("Muhannad Muhammad al-Ahmad")
    'muhannad muhammad alahmad'
    >>> name_key("Moath AL AHMAD") == name_key("moath al-Ahmad")
    True
    """
    text = unicodedata.normalize("NFKC", text)
    text = _ARABIC_MARKS.sub("", text)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = text.casefold().replace("'", "").replace("`", "").replace("\u2019", "")
    text = _NON_WORD.sub(" ", text).strip()
    # "al-Ahmad", "Al Ahmad" and "el-Ahmad" all become "alahmad"
    return _ARTICLE.sub("al", text + " ").strip()


def name_keys(*names: str | None) -> list[str]:
    """The distinct non-empty keys of several names, in order."""
    seen: dict[str, None] = {}
    for name in names:
        if name:
            key = name_key(name)
            if key:
                seen.setdefault(key, None)
    return list(seen)


def make_uid(prefix: str, *parts: str) -> str:
    """A readable, deterministic id: ``prefix:slug`` for one short part, else a hash.

    >>> make_uid("facility", "Sednaya Military Prison")
    'facility:sednaya-military-prison'
    >>> make_uid("event", "a", "b").startswith("event:")
    True
    """
    if len(parts) == 1:
        return _single_uid(prefix, parts[0])
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
    return f"{prefix}:{digest}"


@lru_cache(maxsize=20_000)
def _cached_uid(prefix: str, part: str) -> str:
    return _uid(prefix, part)


def _single_uid(prefix: str, part: str) -> str:
    # names of places, organisations and sources repeat on every row; event ids never do
    return _uid(prefix, part) if prefix == "event" else _cached_uid(prefix, part)


def _uid(prefix: str, part: str) -> str:
    key = slug(part)
    if key and len(key) <= 80 and key.isascii():
        return f"{prefix}:{key}"
    return f"{prefix}:{hashlib.sha256(part.encode('utf-8')).hexdigest()[:24]}"


_PLAIN_ID = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_ARTICLE_WORD = re.compile(r"(?:^|-)[ae]l(?:-|$)", re.IGNORECASE)


def event_uid(record_id: str) -> str:
    """``make_uid("event", record_id)``, quicker for the plain ids most files use.

    An id of ASCII letters and digits in hyphenated words, at most 80 characters and with no
    word "al" or "el" (articles, which the slug rewrites), is its own slug in lower case;
    every other id goes through make_uid (a test checks that both agree).

    >>> event_uid("SD-2021-02-09-05-b"), event_uid("X-al-5") == make_uid("event", "X-al-5")
    ('event:sd-2021-02-09-05-b', True)
    """
    if len(record_id) <= 80 and _PLAIN_ID.fullmatch(record_id) and \
            not _ARTICLE_WORD.search(record_id):
        return "event:" + record_id.lower()
    return make_uid("event", record_id)


def facility_uid(kind: str, name: str) -> str:
    """The uid of a facility: a security branch shares one node with the organisation.

    >>> facility_uid("security_branch", "Raid Branch 215") == organization_uid(
    ...     "security_branch", "Raid Branch 215")
    True
    """
    return make_uid("branch" if kind == "security_branch" else "facility", name)


def organization_uid(kind: str, name: str) -> str:
    """The uid of an organisation (see facility_uid for security branches)."""
    return make_uid("branch" if kind == "security_branch" else "org", name)


def file_sha256(path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
