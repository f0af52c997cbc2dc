"""Whether two figures count the same thing.

Two outlets' figures can only conflict when they count one quantity: the same counted noun
("people", "deaths" and "victims" of one outbreak are one noun; "cases" are another) within the
same scope (a House tally is not a Senate tally, a national count not a provincial one, close
contacts in one city not those in another). Words differ between outlets, so the nouns are
normalised first; scopes are told apart by words that exclude each other.
"""

from __future__ import annotations

import re

from summarizer.text import content_words, fold

# Counted nouns, each normalised to one word: what reporters write for one thing.
_NOUNS: dict[str, str] = {}
for _canonical, _synonyms in {
    "death": "death deaths dead died killed kill fatalities fatality victims victim toll lives",
    "case": "case cases infected infection infections sick ill",
    "injury": "injured injuries wounded hurt",
    "person": "people persons individuals residents citizens",
    "vote": "vote votes voted ballots",
    "dollar": "dollar dollars usd $",
    "arrest": "arrest arrests apprehension apprehensions detention detentions",
    "page": "page pages",
    "draft": "draft drafts version versions",
    "state": "state states",
    "count": "count counts charge charges",
    "year": "year years",
}.items():
    for _word in _synonyms.split():
        _NOUNS[_word] = _canonical

# Words of one class exclude each other: a figure about one is not a figure about another.
_EXCLUSIVE_CLASSES: tuple[frozenset[str], ...] = (
    frozenset({"house", "senate", "assembly", "parliament", "congress"}),
    frozenset({"national", "nationwide", "federal", "provincial", "regional", "local", "county"}),
    frozenset({"death", "case", "injury"}),
    frozenset({"democrat", "democrats", "democratic", "republican", "republicans", "gop"}),
    frozenset({"for", "favor", "favour", "yes", "against", "no", "opposed", "oppose"}),
    frozenset({"confirmed", "suspected", "probable"}),
    frozenset({"daily", "weekly", "monthly", "annual", "yearly", "total"}),
    frozenset({"close", "casual", "secondary"}),
)
# Person-like units: a count of people, deaths or victims is a count of people.
_PERSON_UNITS = frozenset({"death", "person", "case", "injury"})


def counted_words(unit: str | None, counts: str) -> set[str]:
    """The normalised words of what a figure counts: its unit and its description."""
    words = set()
    for word in fold(f"{unit or ''} {counts}").split():
        words.add(_NOUNS.get(word, word))
    return words


def _units_compatible(first: str | None, second: str | None) -> bool:
    if not first or not second:
        return True
    a = {_NOUNS.get(w, w) for w in fold(first).split()}
    b = {_NOUNS.get(w, w) for w in fold(second).split()}
    if a & b:
        return True
    # "people" and "deaths": both count people.
    return bool(a & _PERSON_UNITS) and bool(b & _PERSON_UNITS)


# Words that end the noun phrase naming what is counted: "campaign funds | the couple misused",
# "airline ticket | for a pet rabbit", "states | that have enacted ...".
_PHRASE_END = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "for",
        "to",
        "from",
        "in",
        "on",
        "at",
        "by",
        "with",
        "that",
        "which",
        "who",
        "whose",
        "whom",
        "as",
        "than",
        "this",
        "these",
        "those",
        "their",
        "his",
        "her",
        "its",
        "they",
        "he",
        "she",
        "it",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "has",
        "have",
        "had",
        "would",
        "could",
        "will",
        "can",
        "may",
        "said",
        "says",
        "allegedly",
    ]
)


def counted_noun(counts: str) -> list[str]:
    """The words naming what a figure counts, normalised: "campaign funds the couple
    allegedly misused" -> ["campaign", "fund"]; "length of the indictment" -> ["length"]."""
    words = fold(counts).split()
    head: list[str] = []
    for word in words:
        if word in _PHRASE_END:
            break
        head.append(_NOUNS.get(word, word[:-1] if len(word) > 3 and word.endswith("s") else word))
    return head


def _heads_compatible(first: list[str], second: list[str]) -> bool:
    if set(first) & set(second):
        return True
    # "people" and "deaths" of one outbreak: both count people.
    return bool(set(first) & _PERSON_UNITS) and bool(set(second) & _PERSON_UNITS)


def _proper_nouns(text: str) -> set[str]:
    """The places and bodies a count is scoped to: "close contacts traced in Beijing" ->
    {"beijing"}, "money from the Treasury Department" -> {"treasury"}. Only names after "in",
    "from", "across"...: "under Colorado law" names a law, not a scope."""
    words = re.findall(
        r"\b(?:in|across|throughout|within|outside|inside|from)\s+(?:the\s+)?([A-Z][a-z]{2,})\b",
        text,
    )
    return {fold(word).rstrip("s") for word in words}


def scope_problem(first: tuple[str | None, str], second: tuple[str | None, str]) -> str | None:
    """Why two figures (unit, counts) cannot count one quantity, or None when they may."""
    (unit_a, counts_a), (unit_b, counts_b) = first, second
    if not _units_compatible(unit_a, unit_b):
        return f"one counts {unit_a!r}, the other {unit_b!r}"
    words_a, words_b = counted_words(unit_a, counts_a), counted_words(unit_b, counts_b)
    for exclusive in _EXCLUSIVE_CLASSES:
        only_a, only_b = (words_a & exclusive) - words_b, (words_b & exclusive) - words_a
        if only_a and only_b:
            return f"one counts {'/'.join(sorted(only_a))}, the other {'/'.join(sorted(only_b))}"
    # "from the plague": the description names no noun; the unit ("deaths") does.
    head_a = counted_noun(counts_a) or counted_noun(unit_a or "")
    head_b = counted_noun(counts_b) or counted_noun(unit_b or "")
    if head_a and head_b and not _heads_compatible(head_a, head_b):
        return f"one counts {' '.join(head_a)}, the other {' '.join(head_b)}"
    numbers_a = set(re.findall(r"\d+", counts_a))
    numbers_b = set(re.findall(r"\d+", counts_b))
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        return "their descriptions name different numbers (years, bills)"
    places_a, places_b = _proper_nouns(counts_a), _proper_nouns(counts_b)
    if places_a and places_b and not places_a & places_b:
        return (
            f"one is scoped to {', '.join(sorted(places_a))}, "
            f"the other to {', '.join(sorted(places_b))}"
        )
    return None


def shared_counted_words(first: tuple[str | None, str], second: tuple[str | None, str]) -> float:
    """Share of the shorter description's content words (nouns normalised) in the other. The
    units are left out: they are compared apart, and "years" shared by an age and a term of
    office says nothing about what is counted."""
    # Sets: "money ... fund" must not count "money" twice.
    a = list(dict.fromkeys(_NOUNS.get(word, word) for word in content_words(first[1])))
    b = list(dict.fromkeys(_NOUNS.get(word, word) for word in content_words(second[1])))
    if not a or not b:
        return 0.0
    shorter, longer = sorted((a, b), key=len)
    other = set(longer)
    return sum(word in other for word in shorter) / len(shorter)
