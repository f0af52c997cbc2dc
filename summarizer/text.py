"""Word tools shared by the checks: folding, tokens, name similarity, content words."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

# Similarity at which two spellings count as one name ("Tileuberdi" ~ "Tleuberdi").
NAME_SIMILARITY = 0.8

HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "lord",
        "lady",
        "mister",
        "madam",
        "the",
        "president",
        "secretary",
        "minister",
        "general",
        "gen",
        "senator",
        "sen",
        "rep",
        "representative",
        "governor",
        "gov",
        "king",
        "queen",
        "prince",
        "princess",
        "chancellor",
        "premier",
        "ambassador",
        "judge",
        "justice",
        "rev",
        "father",
        "sheikh",
    ]
)
STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "their",
        "his",
        "her",
        "they",
        "he",
        "she",
        "we",
        "you",
        "who",
        "whom",
        "which",
        "what",
        "when",
        "where",
        "why",
        "how",
        "not",
        "no",
        "than",
        "then",
        "there",
        "here",
        "also",
        "into",
        "over",
        "about",
        "after",
        "before",
        "said",
        "says",
        "will",
        "would",
        "could",
        "should",
        "may",
        "might",
        "can",
        "did",
        "does",
        "do",
        "just",
        "only",
        "more",
        "most",
        "some",
        "such",
        "whether",
    ]
)


# Memo sizes bound memory, not only time: keys include whole article texts, so a cache of
# thousands held every article of a long run (about 60 KiB each). A few hundred cover the
# articles in flight at any concurrency.
_TEXT_MEMO = 512

# Texts up to this long (sentences, clauses, item fields) are memoised in a larger cache:
# the claim checks read each sentence and clause of an article many times.
SHORT_TEXT = 2_000
_SHORT_MEMO = 16_384  # at most about 30 MiB of short keys and their tokens


# Combining marks (accents once NFKD has split them off): a regex drops them faster than a
# test of each character.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case, no accents, no possessive 's, punctuation as spaces."""
    if len(text) <= SHORT_TEXT:
        return _short_fold(text)
    return _long_fold(text)


@lru_cache(maxsize=_SHORT_MEMO)
def _short_fold(text: str) -> str:
    return _fold_uncached(text)


@lru_cache(maxsize=_TEXT_MEMO)
def _long_fold(text: str) -> str:
    return _fold_uncached(text)


def _fold_uncached(text: str) -> str:
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    text = text.casefold()
    text = re.sub(r"['’]s\b", "", text)
    return re.sub(r"[^\w]+", " ", text).strip()


def stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def tokens(text: str) -> list[str]:
    if len(text) <= SHORT_TEXT:
        return list(_short_tokens(text))
    return list(_cached_tokens(text))


def _tokenise(text: str) -> tuple[str, ...]:
    return tuple(stem(t) for t in _fold_uncached(text).split())


@lru_cache(maxsize=_TEXT_MEMO)
def _cached_tokens(text: str) -> tuple[str, ...]:
    # Memoised: each check tokenises the whole article, and a run checks each answer a few
    # times (re-ask validation, then choosing the best answer).
    return _tokenise(text)


@lru_cache(maxsize=_SHORT_MEMO)
def _short_tokens(text: str) -> tuple[str, ...]:
    return _tokenise(text)


def name_words(name: str) -> list[str]:
    """A name's folded words without honorifics: "Mr Pompeo" -> ["pompeo"]."""
    words = [t for t in tokens(name) if t not in HONORIFICS and len(t) > 1]
    return words or tokens(name)


@lru_cache(maxsize=65_536)  # word pairs: at most a few MiB
def similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) < 3 or len(b) < 3 or a.isdigit() or b.isdigit():
        return False
    shorter, longer = sorted((len(a), len(b)))
    prefix = len(_common_prefix(a, b))
    # "china" ~ "chinese", "kazakh" ~ "kazakhstan": a shared stem of most of the shorter word.
    if shorter >= 4 and prefix >= max(4, shorter - 1):
        return True
    # The similarity ratio is at most 2 * shorter / (shorter + longer): skip hopeless pairs
    # before paying for the comparison (this check runs for every word against the article).
    if 2 * shorter / (shorter + longer) < NAME_SIMILARITY:
        return False
    matcher = SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= NAME_SIMILARITY and matcher.ratio() >= NAME_SIMILARITY


def found_in(word: str, words: set[str]) -> bool:
    """``word`` or a spelling of it is among ``words``."""
    return word in words or any(similar(word, other) for other in words)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry meaning (folded, stemmed, no stopwords or numbers)."""
    return [t for t in tokens(text) if len(t) > 3 and t not in STOPWORDS and not t.isdigit()]


def spelled_alike(a: str, b: str) -> bool:
    """Two folded words that are one word spelled two ways ("tileuberdi", "tleuberdi").

    Stricter than ``similar``: a shared stem is not enough, so "china" and "chinese" stay
    apart."""
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4 or a.isdigit() or b.isdigit():
        return False
    return SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's content words found in the other (0.0 with no words)."""
    words_a, words_b = content_words(a), content_words(b)
    if not words_a or not words_b:
        return 0.0
    shorter, longer = sorted((words_a, words_b), key=len)
    other = set(longer)
    return sum(found_in(word, other) for word in shorter) / len(shorter)
