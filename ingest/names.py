"""Person names across scripts: keys, a similarity score, and candidate pairs for review.

Arabic names reach a documentation office in many spellings: ``Osama``, ``Usama`` and
``Oussama``; ``Muhammad``, ``Mohammed`` and ``Mhd``; ``al-Smadi`` and ``al-Samadi``; and in
Arabic script, ``أسامة``. This module compares such names. It never merges anyone: two
records with similar names are two persons until a human decides otherwise
(docs/names.md). What it offers:

- ``person_key(name)``: a phonetic key that is the same for the common spellings of a name
  in Latin and Arabic script (used for blocking and look-ups);
- ``match_score(a, b)``: a similarity in [0, 1] that weighs the given name, the father's
  name and the family name separately, so that brothers, cousins and a father and son do
  not look alike;
- ``candidate_pairs(persons, threshold)``: the pairs of persons a reviewer should look at,
  with the names that matched and whether hometown and birth year agree. Blocking on the
  phonetic keys keeps this near-linear (``benchmarks/names_bench.py``).

How a name is read (see docs/names.md for the reasons):

1. Ranks and honorifics in front are dropped (``Captain``, ``Dr``, ``Sheikh``, ``النقيب``).
2. The article is dropped (``al-``, ``el-``, ``as-Sayyed``, ``Al Hariri``, ``ال``), and
   ``bin``/``ibn`` too.
3. Compounds become one token: ``Abd al-Rahman`` = ``Abdulrahman`` = ``عبد الرحمن``;
   ``Nour al-Din`` = ``Nureddin``; ``Abu Zeid`` = ``Abazeid``.
4. A family name written first (``al-Hariri, Ahmad`` or ``al-Hariri Ahmad``) is moved last.
5. Each token is read as consonants in classes both scripts share, and around them the
   vowels that were written: all vowels in Latin, the long vowels in Arabic (short vowels
   are not written there, so they cannot count across scripts). Two spellings with the
   same consonants are compared vowel slot by vowel slot, so ``Mohammed``/``Muhammad``
   agree while ``Hassan``/``Hussein`` and ``محمد``/``محمود`` do not.

>>> person_key("Muhammad al-Ahmad") == person_key("محمد الأحمد")
True
>>> match_score("Moath Ata al-Smadi", "Moath al-Samadi") >= DEFAULT_THRESHOLD
True
>>> match_score("Ahmad Muhammad al-Hariri", "Omar Muhammad al-Hariri") < DEFAULT_THRESHOLD
True
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

from custodygraph.queries.plain import collector_paused

#: a pair of names at or above this score is proposed for review (measured on
#: tests/data/name_pairs.csv; see docs/names.md)
DEFAULT_THRESHOLD = 0.85

# -- Latin text -------------------------------------------------------------------------------

#: ranks and honorifics dropped from the front of a Latin name (lower case, no dots)
LATIN_TITLES = frozenset("""
    captain capt cpt lieutenant lt first second colonel col brigadier general gen brig
    major maj sergeant sgt corporal cpl private pvt warrant officer staff chief
    dr doctor prof professor sheikh shaykh sheik shaikh haj hajj hajji haji mr mrs ms
    eng engineer imam ustaz ustadh judge lawyer
""".split())
#: ranks and honorifics dropped from the front of an Arabic name
ARABIC_TITLES = frozenset("""
    النقيب نقيب الملازم ملازم أول اول ثاني العقيد عقيد المقدم مقدم الرائد رائد العميد عميد
    اللواء لواء العماد عماد الرقيب رقيب المساعد مساعد العريف عريف المجند مجند الدكتور دكتور د
    الشيخ شيخ الحاج حاج الحاجة المهندس مهندس الأستاذ الاستاذ أستاذ استاذ السيد السيدة
    المحامي القاضي الشهيد
""".split())
#: Arabic titles that are also names (عماد Imad, رائد Raed, السيد al-Sayed): dropped only
#: when three more words follow them
AMBIGUOUS_ARABIC_TITLES = frozenset({"عماد", "رائد", "مساعد", "د", "السيد", "السيدة"})
#: words that link to a father's name; dropped (the father's name itself is kept)
LINK_WORDS = frozenset({"bin", "ben", "ibn", "bint", "bent", "bnt", "بن", "ابن", "بنت"})
#: Latin articles written as separate tokens or before a hyphen
ARTICLES = frozenset({"al", "el", "il", "ul", "ال"})
#: names that start with "al"/"el" without being an article (kept whole)
AL_NAMES = frozenset({"alaa", "alaaeddin", "alawi", "alawy", "alwan", "allam", "alam",
                      "alia", "aliaa", "alyaa", "elias", "elian", "allaham", "allouch",
                      "alloush", "albert"})
#: common abbreviations in Syrian documents
ABBREVIATIONS = {"mhd": "muhammad", "mohd": "muhammad", "muhd": "muhammad", "mohd.": "muhammad",
                 "abd.": "abd"}
#: Latin tokens that start an "Abd al-X" compound when written apart ("Abdul Rahman")
ABD_WORDS = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdil", "abdur", "abdus",
                       "abdar", "abder", "abdes", "abdoul"})
ABU_WORDS = frozenset({"abu", "abou", "abo", "aboo"})
#: "al-Din" written as its own token ("Nour Eddine")
DIN_WORDS = frozenset({"din", "deen", "dine", "eddin", "eddine", "eddeen", "uddin",
                       "uddeen", "addin", "ideen", "iddin"})
DIN_SUFFIX = re.compile(r"^(.{2,}?)(?:eddine|eddin|eddeen|uddin|uddeen|addin|aldin|eldin|"
                        r"ul-din|al-din|el-din|iddin)$")

_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_APOSTROPHES = str.maketrans({"'": None, "`": None, "\u2019": None, "\u2018": None,
                              "\u02bf": None, "\u02be": None, "\u02bc": None})
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")

# Latin consonant spellings, applied in order; vowels are kept as written (they fill slots)
_LATIN_CONSONANT_DIGRAPHS = (
    ("dj", "j"), ("kh", "x"), ("gh", "g"), ("sh", "c"), ("ch", "c"), ("th", "z"),
    ("dh", "z"), ("ph", "f"), ("ck", "k"), ("q", "k"), ("v", "f"), ("p", "b"),
)
# consonant classes of Latin letters after the digraphs above; vowels and w/y are slots
_LATIN_CONSONANT = {
    "b": "b", "c": "c", "d": "d", "f": "f", "g": "g", "h": "h", "j": "j", "k": "k",
    "l": "l", "m": "m", "n": "n", "r": "r", "s": "s", "t": "t", "x": "x", "z": "s",
}
_LATIN_VOWELS = frozenset("aeiouwy")
# consonant classes of Arabic letters, in the same letters as the Latin ones
_ARABIC_CONSONANT = {
    "ب": "b", "پ": "b", "ت": "t", "ث": "s", "ج": "j", "ژ": "j", "ح": "h", "خ": "x", "د": "d",
    "ذ": "s", "ر": "r", "ز": "s", "س": "s", "ش": "c", "چ": "c", "ص": "s", "ض": "d", "ط": "t",
    "ظ": "s", "غ": "g", "گ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m",
    "ن": "n", "ه": "h",
}
# Arabic letters that write a long vowel (or, for hamza and ayn, a break between vowels)
_ARABIC_SLOT = {"ا": "a", "ى": "y", "و": "u", "ي": "i", "ع": "?", "ء": "?", "ئ": "?",
                "ؤ": "?", "أ": "a", "إ": "a", "آ": "a", "ٱ": "a", "ة": "?"}
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ی": "ي", "ک": "ك"})

# how a Latin vowel slot is read: diphthongs, long vowels, single vowels
_SLOT_AY = frozenset({"ai", "ay", "ei", "ey", "aye", "eye", "ayy", "eyy", "aii"})
_SLOT_AW = frozenset({"aw", "au", "ow", "aou", "awu"})
_SLOT_LONG = {"aa": "A", "ee": "I", "ii": "I", "ie": "I", "iy": "I", "ea": "I", "iyy": "I",
              "ou": "U", "oo": "U", "uu": "U", "ouu": "U", "oue": "U"}
_SLOT_SHORT = {"a": "a", "e": "e", "i": "i", "o": "u", "u": "u", "y": "i", "w": "u"}


@dataclass(frozen=True, eq=False)
class Token:
    """One part of a name, read for comparison.

    ``consonants`` and ``slots`` are what two spellings are compared on: the consonants in
    order (in classes both scripts share) and, around them, what vowels were written.
    ``slots[0]`` is the vowel before the first consonant, ``slots[i]`` the vowels after
    consonant ``i - 1``. Latin slots hold a vowel class (``a e i u`` short, ``A I U`` long,
    ``Y`` for ay/ei, ``W`` for aw, ``S:..`` for other runs); Arabic slots hold the long
    vowels Arabic writes (``a i u``) and ``?`` for ayn, hamza or ta marbuta.
    """

    text: str
    script: str  # "latin" or "arabic"
    consonants: str
    slots: tuple[str, ...]
    article: bool = False
    #: a Latin spelling whose final h may be a silent ta marbuta ("Hamzah"), read without it
    alternative: "Token | None" = None

    # two tokens are equal when they are the same spelling in the same script; the hash is
    # kept, since similarities are cached by token and computed millions of times
    def __post_init__(self):
        object.__setattr__(self, "_hash", hash((self.script, self.text)))
        head = "a" if self.slots[0] else ""
        object.__setattr__(self, "_skeleton", _collapse(head + self.consonants))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return (isinstance(other, Token) and self.script == other.script
                and self.text == other.text)

    @property
    def skeleton(self) -> str:
        """The consonants with a leading 'a' for a leading vowel, doubled letters dropped."""
        return self._skeleton

    @property
    def vowels(self) -> str | None:
        return latin_vowels(self.text) if self.script == "latin" else None


@dataclass(frozen=True)
class ParsedName:
    """A name read into given name, father's name(s) and family name."""

    written: str
    tokens: tuple[Token, ...]

    @property
    def given(self) -> Token | None:
        return self.tokens[0] if self.tokens else None

    @property
    def family(self) -> Token | None:
        return self.tokens[-1] if len(self.tokens) >= 2 else None

    @property
    def father(self) -> Token | None:
        return self.tokens[1] if len(self.tokens) >= 3 else None

    @property
    def key(self) -> str:
        return " ".join(t.skeleton for t in self.tokens)


# -- token forms ---------------------------------------------------------------------------------

def _ascii_fold(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _collapse(text: str) -> str:
    """Drop doubled letters: 'muhammad' -> 'muhamad'."""
    out = []
    for ch in text:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _latin_slot(raw: str) -> str:
    if not raw:
        return ""
    if raw in _SLOT_AY:
        return "Y"
    if raw in _SLOT_AW:
        return "W"
    if raw in _SLOT_LONG:
        return _SLOT_LONG[raw]
    if len(raw) == 1:
        return _SLOT_SHORT[raw]
    run = _collapse(raw.replace("o", "u").replace("w", "u").replace("y", "i")
                    .replace("e", "i"))
    if run == "ai":
        return "Y"
    if run == "au":
        return "W"
    if len(run) == 1:
        return run.upper() if run in "aiu" else run
    return "S:" + run


def _french(text: str) -> str:
    """French-style spellings: 'Oualid' -> 'walid', 'Youcef' -> 'yousef'."""
    if text.startswith("ou") and len(text) > 3 and text[2] in "aei":
        text = "w" + text[2:]
    if "c" in text:
        text = _SOFT_C.sub("s", text)
        text = _HARD_C.sub("k", text)
    return text


_SOFT_C = re.compile(r"c(?=[eiy])")
_HARD_C = re.compile(r"c(?![hk])")


@lru_cache(maxsize=200_000)
def _latin_segments(text: str) -> tuple[str, tuple[str, ...]]:
    text = _french(text)
    for old, new in _LATIN_CONSONANT_DIGRAPHS:
        if old in text:
            text = text.replace(old, new)
    consonants: list[str] = []
    slots: list[str] = [""]
    for i, ch in enumerate(text):
        if i == 0 and ch in "wy" and len(text) > 1 and text[1] in "aeiou":
            consonants.append(ch)
            slots.append("")
        elif ch in _LATIN_VOWELS:
            slots[-1] += ch
        elif ch in _LATIN_CONSONANT:
            cls = _LATIN_CONSONANT[ch]
            if consonants and consonants[-1] == cls and not slots[-1]:
                continue  # doubled letter
            consonants.append(cls)
            slots.append("")
    return "".join(consonants), tuple(_latin_slot(s) for s in slots)


@lru_cache(maxsize=200_000)
def _arabic_segments(text: str) -> tuple[str, tuple[str, ...]]:
    consonants: list[str] = []
    slots: list[str] = [""]
    last = len(text) - 1
    for i, ch in enumerate(text):
        if i == 0 and ch in ("و", "ي"):
            consonants.append("w" if ch == "و" else "y")
            slots.append("")
            continue
        if i == 0 and ch in _ARABIC_SLOT:
            slots[-1] += "?" if ch in ("ع", "ء") else "?"
            continue
        if ch == "ه" and i == last and i >= 3 and consonants and not slots[-1] \
                and text[i - 1] != "ل":
            slots[-1] += "?"  # a ta marbuta written as ha: "فاطمه"
            continue
        if ch in _ARABIC_SLOT:
            slots[-1] += _ARABIC_SLOT[ch]
            continue
        cls = _ARABIC_CONSONANT.get(ch)
        if cls is None:
            continue
        if consonants and consonants[-1] == cls and not slots[-1]:
            continue
        consonants.append(cls)
        slots.append("")
    return "".join(consonants), tuple(_collapse(s) for s in slots)


@lru_cache(maxsize=200_000)
def latin_vowels(text: str) -> str:
    """A Latin token with its vowels normalised: 'Mohammed' and 'Muhammad' -> 'muhamad'.

    >>> latin_vowels("mohammed"), latin_vowels("oussama"), latin_vowels("hussein")
    ('muhamad', 'usama', 'husayn')
    """
    text = _french(text)
    for old, new in _LATIN_CONSONANT_DIGRAPHS:
        if old in text:
            text = text.replace(old, new)
    for old, new in (("ou", "u"), ("oo", "u"), ("ee", "i"), ("ei", "ay"), ("ai", "ay"),
                     ("ey", "ay"), ("aa", "a"), ("o", "u")):
        text = text.replace(old, new)
    if text.startswith("e"):
        text = "i" + text[1:]
    text = text[:1] + text[1:].replace("e", "a")
    if len(text) > 4 and text.endswith("ah") and not text.endswith("lah"):
        text = text[:-1]
    if len(text) > 2 and text.endswith("y") and text[-2] not in "aeiou":
        text = text[:-1] + "i"
    return _collapse(text)


@lru_cache(maxsize=200_000)
def _latin_token(text: str, article: bool = False) -> Token:
    consonants, slots = _latin_segments(text)
    alternative = None
    if len(text) >= 5 and text.endswith("h") and text[-2] in "ae" and consonants.endswith("h"):
        alt_consonants, alt_slots = _latin_segments(text[:-1])
        alternative = Token(text[:-1], "latin", alt_consonants, alt_slots, article)
    return Token(text, "latin", consonants, slots, article, alternative)


@lru_cache(maxsize=200_000)
def _arabic_token(text: str, article: bool = False) -> Token:
    consonants, slots = _arabic_segments(text)
    return Token(text, "arabic", consonants, slots, article)


def latin_skeleton(text: str) -> str:
    """The consonant skeleton of a Latin token; a leading vowel is written 'a'.

    >>> latin_skeleton("mohammed"), latin_skeleton("usama"), latin_skeleton("youssef")
    ('mhmd', 'asm', 'ysf')
    """
    return _latin_token(text).skeleton


def arabic_skeleton(text: str) -> str:
    """The consonant skeleton of an Arabic-script token, in the Latin skeleton's letters.

    >>> arabic_skeleton("محمد"), arabic_skeleton("أسامة"), arabic_skeleton("يوسف")
    ('mhmd', 'asm', 'ysf')
    """
    return _arabic_token(text.translate(_ARABIC_FOLD)).skeleton


def _abd_rest(rest: str) -> str:
    """What follows 'Abd' in a Latin compound, without the article: 'ul-latif' -> 'latif'."""
    if rest[:1] in ("a", "e", "i", "o", "u"):
        rest = rest[1:]
    if rest.startswith("l"):
        rest = rest[1:]
    elif len(rest) > 1 and rest[0] == rest[1]:
        rest = rest[1:]  # assimilated article: "urrahman" -> "rahman"
    return rest


# -- reading a name ------------------------------------------------------------------------------

def _latin_words(name: str) -> list[tuple[str, bool]]:
    """Split a Latin name into (word, had_article) pairs."""
    text = _ascii_fold(name).casefold().translate(_APOSTROPHES)
    raw = [w for w in re.split(r"[^a-z0-9-]+", text) if w]
    words: list[tuple[str, bool]] = []
    for chunk in raw:
        parts = [p for p in chunk.split("-") if p]
        article = False
        for i, part in enumerate(parts):
            nxt = parts[i + 1] if i + 1 < len(parts) else None
            if part in ARTICLES or (nxt and 2 <= len(part) <= 3 and part[0] in "aeiu"
                                    and nxt.startswith(part[1:])):
                article = True  # "al-Hariri", "as-Sayyed", "ash-Shami"
                continue
            words.append((part, article))
            article = False
    out: list[tuple[str, bool]] = []
    pending = False
    for i, (word, art) in enumerate(words):
        nxt = words[i + 1][0] if i + 1 < len(words) else None
        if nxt and (word in ARTICLES or (len(word) in (2, 3) and word[0] in "aeiu"
                                         and word[1:] in ("s", "sh", "d", "r", "z", "t", "n")
                                         and nxt.startswith(word[1:]))):
            pending = True  # "Al Hariri", "as Sayyed"
            continue
        out.append((word, art or pending))
        pending = False
    return out


def _strip_titles(words: list, titles: frozenset, ambiguous: frozenset = frozenset()) -> list:
    i = 0
    while i < len(words) - 1 and words[i][0] in titles:
        if words[i][0] in ambiguous and len(words) - i - 1 < 3:
            break
        i += 1
    return words[i:]


def _latin_tokens(name: str) -> list[Token]:
    words = _latin_words(name)
    words = [(ABBREVIATIONS.get(w, w), a) for w, a in words if w not in LINK_WORDS
             and not w.isdigit()]
    words = _strip_titles(words, LATIN_TITLES)
    tokens: list[Token] = []
    i = 0
    while i < len(words):
        word, art = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if word in ABD_WORDS and nxt:
            tokens.append(_latin_token("abdal" + _abd_rest(nxt[0])))
            i += 2
            continue
        if word in ABU_WORDS and nxt:
            tokens.append(_latin_token("abu" + nxt[0]))
            i += 2
            continue
        if word in DIN_WORDS and tokens:
            prev = tokens.pop()
            tokens.append(_latin_token(prev.text + "din", prev.article))
            i += 1
            continue
        if word.startswith("abd") and len(word) >= 6 and word not in ABD_WORDS:
            word = "abdal" + _abd_rest(word[3:])
        else:
            m = DIN_SUFFIX.match(word)
            if m:
                word = m.group(1) + "din"
            elif not art and word[:2] in ("al", "el") and len(word) >= 6 \
                    and word not in AL_NAMES and not word.startswith(("alaa", "allah")) \
                    and (word[2] not in "aeiou" or len(word) >= 7):
                word, art = word[2:], True  # "Alhariri", "Elkhatib"
        tokens.append(_latin_token(word, art))
        i += 1
    return tokens


def _arabic_tokens(name: str) -> list[Token]:
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", name)).translate(_ARABIC_FOLD)
    words = [w for w in re.split(r"[^\w]+", text) if w and not w.isdigit()]
    words = [(w, False) for w in words if w not in LINK_WORDS]
    words = _strip_titles(words, ARABIC_TITLES, AMBIGUOUS_ARABIC_TITLES)
    tokens: list[Token] = []
    i = 0
    while i < len(words):
        word = words[i][0]
        art = False
        if word in ("عبد", "ابو") and i + 1 < len(words):
            nxt = words[i + 1][0]
            if nxt.startswith("ال") and len(nxt) > 3:
                nxt = nxt[2:]
            prefix = "عبدال" if word == "عبد" else "ابو"
            tokens.append(_arabic_token(prefix + nxt))
            i += 2
            continue
        if word.startswith("ال") and len(word) > 3:
            word, art = word[2:], True
        if word == "دين" and tokens:
            prev = tokens.pop()
            tokens.append(_arabic_token(prev.text + word, prev.article))
            i += 1
            continue
        if word.endswith("الدين") and len(word) > 6:
            word = word[:-5] + "دين"
        tokens.append(_arabic_token(word, art))
        i += 1
    return tokens


@lru_cache(maxsize=500_000)
def parse(name: str) -> ParsedName:
    """Read a name into tokens, given name first and family name last.

    >>> [t.text for t in parse("Capt. Moath Ata al-Smadi").tokens]
    ['moath', 'ata', 'smadi']
    >>> [t.text for t in parse("al-Hariri, Ahmad Muhammad").tokens]
    ['ahmad', 'muhammad', 'hariri']
    >>> [t.text for t in parse("Abd al-Rahman Khaled").tokens]
    ['abdalrahman', 'khaled']
    """
    name = _PARENS.sub(" ", name or "").strip()
    family_first = False
    if "," in name:
        head, _, tail = name.partition(",")
        if head.strip() and tail.strip():
            family_first = True
            name = f"{tail} {head}"
    if _ARABIC_LETTER.search(name):
        tokens = _arabic_tokens(name)
    else:
        tokens = _latin_tokens(name)
    tokens = [t for t in tokens if t.consonants]
    if not family_first and len(tokens) >= 2 and tokens[0].article \
            and not tokens[-1].article:
        tokens = tokens[1:] + tokens[:1]  # "al-Hariri Ahmad Muhammad"
    return ParsedName(name, tuple(tokens))


def person_key(name: str) -> str:
    """A phonetic key of a name, shared by its common spellings in Latin and Arabic script.

    The key is the consonant skeleton of each part, given name first and family name last,
    with ranks, honorifics and articles dropped. It is meant for look-ups and blocking, not
    for display, and it never decides that two persons are one.

    >>> person_key("Mohammed al-Ahmad"), person_key("محمد الأحمد")
    ('mhmd ahmd', 'mhmd ahmd')
    >>> person_key("Osama") == person_key("Usama") == person_key("Oussama") == person_key("أسامة")
    True
    """
    return parse(name).key


# -- similarity ---------------------------------------------------------------------------------

def _levenshtein(a: str, b: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.normalized_similarity(a, b)


_SHORT = frozenset("aeiu")


def _run(slot: str) -> str:
    """The vowel letters a Latin slot class stands for, to compare runs: 'Y' -> 'ai'."""
    if slot.startswith("S:"):
        return slot[2:]
    return {"Y": "ai", "W": "au"}.get(slot, slot.lower())


def _latin_slot_score(x: str, y: str, first: bool) -> float:
    """How well two Latin vowel slots agree: 1 the same, about 0.3 a different vowel."""
    if x == y:
        return 1.0
    if not x or not y:
        other = x or y
        if first:
            return 0.3  # a leading vowel written in one spelling only: "Ahmad"/"Hamad"
        return 0.8 if other in _SHORT else 0.4  # "Smadi"/"Samadi"
    pair = {x, y}
    if x.lower() == y.lower():
        return 0.95  # short and long: "u"/"ou"
    if "e" in pair:
        other = (pair - {"e"}).pop()
        if other in _SHORT:
            return 0.85
        if other == "Y":
            return 0.8
        return 0.7 if other in ("A", "I", "U") else 0.4
    if pair in ({"Y", "i"}, {"Y", "I"}, {"W", "u"}, {"W", "U"}):
        return 0.8
    if x.startswith("S:") or y.startswith("S:"):
        run_x, run_y = _run(x), _run(y)
        if run_x in run_y or run_y in run_x:
            return 0.75
        return 0.4
    return 0.3


def _cross_slot_score(arabic: str, latin: str, first: bool) -> float:
    """How well a Latin vowel slot fits the long vowels an Arabic spelling writes."""
    if "?" in arabic:
        return 0.3 if (first and not latin) else 1.0
    if not arabic:
        if first and latin:
            return 0.3
        if not latin or latin in _SHORT:
            return 1.0
        return 0.6 if latin.startswith("S:") else 0.5
    if arabic == "y":  # alef maqsura: read as a final a or a final i
        return 1.0 if latin in ("a", "A", "i", "I", "Y", "e") else 0.4
    if len(arabic) > 1:
        run = _run(latin)
        if run == arabic or _arabic_slots_agree(arabic, run):
            return 1.0
        return 0.75 if run and run in arabic else 0.4
    if not latin:
        return 0.4
    fits = {"a": ("a", "A"), "i": ("i", "I", "Y"), "u": ("u", "U", "W")}[arabic]
    if latin in fits:
        return 1.0
    if latin == "e":
        return {"a": 0.45, "i": 0.6, "u": 0.5}[arabic]
    if latin.startswith("S:") and arabic in latin:
        return 0.8
    return 0.3


def _arabic_slots_agree(x: str, y: str) -> bool:
    """Arabic slots agree letter by letter; an alef maqsura ('y') stands for a or i."""
    if x == y:
        return True
    if len(x) != len(y):
        return False
    return all(p == q or ("y" in (p, q) and {p, q} <= {"a", "i", "y"}) for p, q in zip(x, y))


def _slot_similarity(a: Token, b: Token) -> float:
    if a.script == "arabic" and b.script == "arabic":
        scores = [1.0 if _arabic_slots_agree(x, y) else 0.3 for x, y in zip(a.slots, b.slots)]
    elif a.script == "arabic" or b.script == "arabic":
        arabic, latin = (a, b) if a.script == "arabic" else (b, a)
        scores = [_cross_slot_score(x, y, i == 0)
                  for i, (x, y) in enumerate(zip(arabic.slots, latin.slots))]
    else:
        scores = [_latin_slot_score(x, y, i == 0)
                  for i, (x, y) in enumerate(zip(a.slots, b.slots))]
    low = min(scores)
    mean = sum(scores) / len(scores)
    return 0.4 + 0.6 * (0.7 * low + 0.3 * mean)


def _token_similarity(a: Token, b: Token) -> float:
    if a.script == b.script and a.text == b.text:
        return 1.0
    if a.consonants == b.consonants:
        return _slot_similarity(a, b)
    if a.script == "latin" and b.script == "latin":
        return 0.5 * _levenshtein(a.skeleton, b.skeleton) + 0.5 * _levenshtein(
            a.vowels, b.vowels)
    if a.script == "arabic" and b.script == "arabic":
        return 0.9 * _levenshtein(a.text, b.text)
    return 0.9 * _levenshtein(a.skeleton, b.skeleton)


@lru_cache(maxsize=1_000_000)
def token_similarity(a: Token, b: Token) -> float:
    """How alike two name parts are, in [0, 1].

    Spellings with the same consonants are compared vowel slot by vowel slot: a different
    vowel (Hassan/Hussein, Muhammad/Mahmoud) counts heavily, a variant spelling of the same
    vowel (o/u, e/a, ou/u) lightly. Across scripts, only the long vowels Arabic writes can
    be checked. Spellings with different consonants are compared by edit distance.
    """
    best = _token_similarity(a, b)
    for x, y in ((a.alternative, b), (a, b.alternative)):
        if x is not None and y is not None:
            best = max(best, 0.97 * _token_similarity(x, y))
    return round(best, 4)


@dataclass(frozen=True)
class NameMatch:
    """The score of two names and how each part compared."""

    score: float
    given: float | None
    father: float | None
    family: float | None


#: a name of one word is never enough to propose a pair: its score is capped here
SINGLE_NAME_CAP = 0.75
#: two fathers' names this alike count as the same father when pairs are proposed
FATHER_AGREES = 0.8


def compare(a: ParsedName, b: ParsedName) -> NameMatch:
    """Compare two parsed names part by part.

    The score is ``0.6 * min(parts) + 0.4 * mean(parts)`` over the given name, the family
    name and, when both names carry one, the father's name. Taking the minimum means one
    clearly different part (a brother's given name, a cousin's father) keeps the pair apart
    however alike the rest is.
    """
    if not a.tokens or not b.tokens:
        return NameMatch(0.0, None, None, None)
    given = token_similarity(a.tokens[0], b.tokens[0])
    if len(a.tokens) == 1 or len(b.tokens) == 1:
        cap = SINGLE_NAME_CAP if len(a.tokens) == len(b.tokens) else SINGLE_NAME_CAP * 0.9
        return NameMatch(round(min(given, cap), 4), given, None, None)
    family = token_similarity(a.tokens[-1], b.tokens[-1])
    parts = [given, family]
    father = None
    if a.father is not None and b.father is not None:
        father = token_similarity(a.father, b.father)
        parts.append(father)
    score = 0.6 * min(parts) + 0.4 * sum(parts) / len(parts)
    return NameMatch(round(score, 4), given, father, family)


def match_score(a: str, b: str) -> float:
    """The similarity of two names in [0, 1]; at or above ``DEFAULT_THRESHOLD`` means "review".

    >>> match_score("Osama Khaled al-Hamwi", "أسامة خالد الحموي") >= DEFAULT_THRESHOLD
    True
    >>> match_score("Ahmad Muhammad al-Hariri", "Muhammad Ahmad al-Hariri") < DEFAULT_THRESHOLD
    True
    """
    return compare(parse(a), parse(b)).score


# -- candidate pairs ---------------------------------------------------------------------------

def _field(person: Any, name: str, default=None):
    if isinstance(person, dict) or isinstance(person, Mapping):
        return person.get(name, default)
    return getattr(person, name, default)


def _names_of(person: Any) -> list[str]:
    names = [_field(person, "name"), _field(person, "name_ar")]
    names += list(_field(person, "aliases") or ())
    seen: dict[str, None] = {}
    for n in names:
        if n and str(n).strip():
            seen.setdefault(str(n).strip(), None)
    return list(seen)


def _agreement(a, b, same) -> str:
    if a is None or b is None or a == "" or b == "":
        return "unknown"
    return "agree" if same(a, b) else "conflict"


def _block_key(token: Token) -> str:
    """A coarse skeleton for blocking: a final h (often a silent ة or a dropped ح) is ignored."""
    skeleton = token.skeleton
    if len(skeleton) > 1 and skeleton.endswith("h"):
        skeleton = skeleton[:-1]
    return skeleton


@collector_paused  # some 700,000 proposals and their evidence for 150,000 persons
def candidate_pairs(persons: Iterable[Any], threshold: float = DEFAULT_THRESHOLD,
                    ) -> list[tuple[str, str, float, dict]]:
    """Pairs of persons whose names are alike enough for a human to review.

    ``persons`` are mappings or objects with ``uid``, ``name`` and optionally ``name_ar``,
    ``aliases``, ``hometown`` and ``birth_year``. Every name of a person (name, Arabic name
    and aliases) is compared with every name of the other, and the best pair counts.

    Returns ``(uid_a, uid_b, score, evidence)`` tuples, ``uid_a < uid_b``, best score first.
    ``evidence`` holds the two names that matched, the similarity of each part, and whether
    hometown and birth year (within one year) ``agree``, ``conflict`` or are ``unknown``.
    Nothing is merged: these are proposals.

    Blocking: names are grouped by the skeletons of their given and family names, and
    within a group by the father's name, so a pair is only scored when it could reach the
    threshold; names of a single word are not proposed. A name written without the
    father's name ("Ahmad al-Hariri") is not enough to pair two persons whose records both
    name a father, if no father of one agrees with a father of the other (see
    docs/names.md).

    Measured: 150,000 generated persons (317,719 names) in about 25 s on one core
    (``benchmarks/names_bench.py``, docs/names.md).

    >>> rows = candidate_pairs([
    ...     {"uid": "a", "name": "Moath Ata al-Smadi", "hometown": "samad"},
    ...     {"uid": "b", "name": "Muath al-Samadi", "hometown": "samad"},
    ...     {"uid": "c", "name": "Muhammad Ata al-Smadi"}])
    >>> [(a, b, row["hometown"]) for a, b, _, row in rows]
    [('a', 'b', 'agree')]
    """
    index = _Index(list(persons))
    rows = _score_blocks(index, list(index.blocks.values()), threshold)
    return index.report(rows)


class _Index:
    """The distinct parsed names of a set of persons, grouped into blocks."""

    def __init__(self, people: list):
        self.people = people
        form_index: dict[tuple, int] = {}
        self.forms: list[ParsedName] = []
        self.holders: list[dict[int, str]] = []  # form -> {person index: spelling}
        for idx, person in enumerate(people):
            for written in _names_of(person):
                parsed = parse(written)
                if len(parsed.tokens) < 2:
                    continue
                fid = form_index.get(parsed.tokens)
                if fid is None:
                    fid = form_index[parsed.tokens] = len(self.forms)
                    self.forms.append(parsed)
                    self.holders.append({})
                self.holders[fid].setdefault(idx, written)
        self.blocks: dict[tuple[str, str], dict[str | None, list[int]]] = defaultdict(
            lambda: defaultdict(list))
        collected: dict[int, set[Token]] = defaultdict(set)
        for fid, parsed in enumerate(self.forms):
            father = parsed.father
            self.blocks[(_block_key(parsed.tokens[0]), _block_key(parsed.tokens[-1]))][
                _block_key(father) if father is not None else None].append(fid)
            if father is not None:
                for idx in self.holders[fid]:
                    collected[idx].add(father)
        # the fathers' names each person is recorded with, in any of their names
        self.fathers = {idx: frozenset(tokens) for idx, tokens in collected.items()}

    def report(self, rows) -> list[tuple[str, str, float, dict]]:
        holders = self.holders
        facts = [(str(_field(p, "uid")), _field(p, "hometown"), _field(p, "birth_year"))
                 for p in self.people]
        out = []
        for pa, pb, score, fa, fb, given, father, family in rows:
            (ua, town_a, year_a), (ub, town_b, year_b) = facts[pa], facts[pb]
            names = [holders[fa][pa], holders[fb][pb]]
            if ua > ub:
                ua, ub = ub, ua
                names.reverse()
            out.append((ua, ub, score, {
                "names": names,
                "given": given,
                "father": father,
                "family": family,
                "hometown": _agreement(town_a, town_b, _same_place),
                "birth_year": _agreement(year_a, year_b, _same_year),
            }))
        out.sort(key=lambda row: (-row[2], row[0], row[1]))
        return out


def _same_place(x, y) -> bool:
    return str(x).casefold() == str(y).casefold()


def _same_year(x, y) -> bool:
    return abs(int(x) - int(y)) <= 1


def _score_blocks(index: _Index, blocks: list, threshold: float) -> list[tuple]:
    """Score the name pairs of some blocks; rows are (pa, pb, score, fa, fb, given, father,
    family) with pa < pb and fa the name of pa, the best row for each pair of persons."""
    forms, holders, fathers = index.forms, index.holders, index.fathers
    differ_cache: dict[tuple[frozenset, frozenset], bool] = {}
    best: dict[tuple[int, int], tuple] = {}

    def fathers_differ(pa: int, pb: int) -> bool:
        """Both persons name a father somewhere, and no father of one fits one of the other."""
        fa_set, fb_set = fathers.get(pa), fathers.get(pb)
        if fa_set is None or fb_set is None or fa_set is fb_set:
            return False
        key = (fa_set, fb_set)
        found = differ_cache.get(key)
        if found is None:
            found = differ_cache[key] = all(token_similarity(x, y) < FATHER_AGREES
                                            for x in fa_set for y in fb_set)
        return found

    def consider(fa: int, fb: int) -> None:
        if fa == fb:
            match = NameMatch(1.0, 1.0, 1.0 if forms[fa].father is not None else None, 1.0)
        else:
            match = compare(forms[fa], forms[fb])
            if match.score < threshold:
                return
        score = match.score
        short = forms[fa].father is None or forms[fb].father is None
        for pa in holders[fa]:
            for pb in holders[fb]:
                if pa == pb or (short and fathers_differ(pa, pb)):
                    continue
                if pa < pb:
                    pair, row_forms = (pa, pb), (fa, fb)
                else:
                    pair, row_forms = (pb, pa), (fb, fa)
                seen = best.get(pair)
                if seen is None or score > seen[2] or (score == seen[2] and sorted((
                        holders[row_forms[0]][pair[0]], holders[row_forms[1]][pair[1]]))
                        < sorted((holders[seen[3]][pair[0]], holders[seen[4]][pair[1]]))):
                    # the best score wins; on a tie, the names first in code-point order,
                    # so that the result does not depend on the order of the input
                    best[pair] = (*pair, score, *row_forms, match.given, match.father,
                                  match.family)

    for groups in blocks:
        no_father = groups.get(None, [])
        with_father = [fids for key, fids in groups.items() if key is not None]
        for fids in with_father:
            for i, fa in enumerate(fids):
                for fb in fids[i:]:
                    consider(fa, fb)
        all_with = [fid for fids in with_father for fid in fids]
        for i, fa in enumerate(no_father):
            for fb in no_father[i:]:
                consider(fa, fb)
            for fb in all_with:
                consider(fa, fb)
    return list(best.values())


# -- measured quality --------------------------------------------------------------------------

@dataclass(frozen=True)
class Evaluation:
    """Precision and recall of ``match_score`` at a threshold over labelled pairs."""

    threshold: float
    pairs: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    errors: tuple[tuple[str, str, int, float, str], ...]

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def evaluate(path, threshold: float = DEFAULT_THRESHOLD) -> Evaluation:
    """Score every pair of a CSV file with columns ``a,b,same,note`` at ``threshold``."""
    import csv

    tp = fp = fn = tn = 0
    errors = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            same = row["same"].strip() == "1"
            score = match_score(row["a"], row["b"])
            found = score >= threshold
            if found and same:
                tp += 1
            elif found:
                fp += 1
                errors.append((row["a"], row["b"], 0, score, row.get("note", "")))
            elif same:
                fn += 1
                errors.append((row["a"], row["b"], 1, score, row.get("note", "")))
            else:
                tn += 1
    return Evaluation(threshold, tp + fp + fn + tn, tp, fp, fn, tn, tuple(errors))


def main(argv: list[str] | None = None) -> int:
    """``python -m custodygraph.ingest.names --evaluate FILE [--threshold T] [--errors]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m custodygraph.ingest.names",
                                     description="Measure name matching on labelled pairs.")
    parser.add_argument("--evaluate", metavar="CSV", required=True,
                        help="a CSV file with columns a,b,same,note")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--errors", action="store_true", help="list the misjudged pairs")
    args = parser.parse_args(argv)
    result = evaluate(args.evaluate, args.threshold)
    print(f"pairs: {result.pairs}  threshold: {result.threshold}")
    print(f"precision: {result.precision:.3f}  recall: {result.recall:.3f}")
    print(f"true positives: {result.true_positives}  false positives: "
          f"{result.false_positives}  false negatives: {result.false_negatives}  "
          f"true negatives: {result.true_negatives}")
    if args.errors:
        for a, b, same, score, note in result.errors:
            kind = "missed" if same else "false match"
            print(f"{kind}\t{score:.3f}\t{a}\t{b}\t{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
