"""Checking in code that every item the model proposes is supported by the sentences it cites.

Names and places must appear in the article and in at least one cited sentence (tolerant of
case, accents, possessives, honorifics and transliteration variants); figures must be stated
in the cited sentences (digits or words, scales, bounds, ranges); free-text items must share
most of their content words with the cited sentences. A failed check becomes a precise
re-ask message; after the re-ask budget, failed items are moved to ``rejected``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from summarizer.models import (
    SECTIONS,
    Actor,
    Article,
    ArticleExtraction,
    DisputedPoint,
    Event,
    KeyFigure,
    Place,
    TimeMention,
)
from summarizer.numbers import figure_values, find_numbers, parse_figure

# Part of the cache key: bump it when a change to the checks changes which items pass.
GROUNDING_VERSION = "3"
# Share of a free-text item's content words that must appear in its cited sentences. At 0.5
# the embedded model's invented "new round of talks with China" passed on three shared words.
MIN_CONTENT_OVERLAP = 0.7
# Similarity at which two spellings count as one name ("Tileuberdi" ~ "Tleuberdi").
NAME_SIMILARITY = 0.8

_HONORIFICS = frozenset(
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
_STOPWORDS = frozenset(
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
    ]
)


@dataclass(frozen=True)
class ItemCheck:
    """The verdict on one proposed item."""

    section: str
    index: int
    item: BaseModel
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        return HEADLINE if self.section == HEADLINE else f"{self.section}[{self.index}]"


HEADLINE = "headline"


class _Headline(BaseModel):
    headline: str


def check_extraction(extraction: ArticleExtraction, article: Article) -> list[ItemCheck]:
    """Check the headline, then every item of every section; one ``ItemCheck`` each, in order.

    The headline cites no sentence, so it is checked against the whole article."""
    index = _ArticleIndex(article)
    checks = [
        ItemCheck(
            HEADLINE,
            0,
            _Headline(headline=extraction.headline),
            tuple(_check_overlap("headline", extraction.headline, article.text)),
        )
    ]
    for section in SECTIONS:
        seen: dict[str, int] = {}
        for position, item in enumerate(getattr(extraction, section)):
            problems = list(_check_item(item, index))
            fingerprint = item.model_dump_json(exclude={"evidence"}).casefold()
            if fingerprint in seen:
                problems.append(f"repeats {section}[{seen[fingerprint]}]")
            else:
                seen[fingerprint] = position
            checks.append(ItemCheck(section, position, item, tuple(problems)))
    return checks


def reask_message(failures: list[ItemCheck], article: Article) -> str:
    """An editor's note on the items that failed: which item, what is wrong, where. The
    model is asked to answer again with only those items, corrected or left out; the items
    that verified are kept from its previous answer."""
    lines = [
        "Some items of your answer are not supported by the sentences they cite. Answer "
        "again with the same structure, containing only corrected versions of the items "
        "below (cite the sentence ids that state each one and use the article's words) and "
        "leave out any the article does not support. Your other items were verified and are "
        "kept. Keep or correct the headline."
    ]
    lines += [f"- {check.label}: {'; '.join(check.problems)}" for check in failures]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------


# Memo sizes bound memory, not only time: keys include whole article texts, so a cache of
# thousands held every article of a long run (about 60 KiB each). A few hundred cover the
# articles in flight at any concurrency.
_TEXT_MEMO = 512


@lru_cache(maxsize=_TEXT_MEMO)
def fold(text: str) -> str:
    """Lower case, no accents, no possessive 's, punctuation as spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    text = re.sub(r"['’]s\b", "", text)
    return re.sub(r"[^\w]+", " ", text).strip()


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _tokens(text: str) -> list[str]:
    return list(_cached_tokens(text))


@lru_cache(maxsize=_TEXT_MEMO)
def _cached_tokens(text: str) -> tuple[str, ...]:
    # Memoised: each check tokenises the whole article, and a run checks each answer a few
    # times (re-ask validation, then choosing the best answer).
    return tuple(_stem(t) for t in fold(text).split())


def _name_tokens(name: str) -> list[str]:
    tokens = [t for t in _tokens(name) if t not in _HONORIFICS and len(t) > 1]
    return tokens or _tokens(name)


@lru_cache(maxsize=65_536)  # word pairs: at most a few MiB
def _similar(a: str, b: str) -> bool:
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


def _found(word: str, tokens: set[str]) -> bool:
    return word in tokens or any(_similar(word, other) for other in tokens)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


class _ArticleIndex:
    def __init__(self, article: Article) -> None:
        self.article = article
        self.article_tokens = set(_tokens(article.text))

    def cited(self, evidence: list[str]) -> tuple[str, list[str]]:
        """The text of the cited sentences that exist, and a problem per id that doesn't."""
        texts, problems = [], []
        last = len(self.article.sentences)
        for sentence_id in evidence:
            sentence = self.article.sentence(sentence_id)
            if sentence is None:
                problems.append(f"cites {sentence_id}, but the article has only S1-S{last}")
            else:
                texts.append(sentence.text)
        return " ".join(texts), problems

    def in_article(self, token: str) -> bool:
        return _found(token, self.article_tokens)


def _contains_name(name: str, text_tokens: set[str]) -> bool:
    return any(_found(t, text_tokens) for t in _name_tokens(name))


def _check_name(label: str, name: str, cited: str, index: _ArticleIndex) -> list[str]:
    tokens = _name_tokens(name)
    missing = [t for t in tokens if not index.in_article(t)]
    if missing:
        return [f"{label} {name!r} does not appear in the article"]
    if not _contains_name(name, set(_tokens(cited))):
        return [f"{label} {name!r} is not in the cited sentences"]
    return []


def _content_words(text: str) -> list[str]:
    return [t for t in _tokens(text) if len(t) > 3 and t not in _STOPWORDS and not t.isdigit()]


def _check_overlap(label: str, text: str, cited: str) -> list[str]:
    words = _content_words(text)
    if not words:
        return []
    cited_tokens = set(_tokens(cited))
    found = [w for w in words if _found(w, cited_tokens)]
    if len(found) / len(words) < MIN_CONTENT_OVERLAP:
        missing = [w for w in words if w not in found][:6]
        return [f"{label} words {', '.join(missing)} are not in the cited sentences"]
    return []


# A figure as written is a few words ("between one million and two million people"); a
# paragraph that happens to contain "one" is not a figure.
MAX_FIGURE_WORDS = 10


def _check_figure(figure: KeyFigure, cited: str) -> list[str]:
    words = len(figure.value_text.split())
    if words > MAX_FIGURE_WORDS:
        return [f"value_text should be the figure as written, a few words, not {words}"]
    value = parse_figure(figure.value_text)
    if value is None:
        return [f"value_text {figure.value_text!r} states no number"]
    stated = find_numbers(cited)
    missing = [v for v in figure_values(value) if not any(_same_number(v, s) for s in stated)]
    if missing:
        shown = ", ".join(f"{v:,.10g}" for v in missing)
        return [f"the figure {figure.value_text!r} ({shown}) is not stated in the cited sentences"]
    return []


def _same_number(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


def _check_time(mention: TimeMention, cited: str) -> list[str]:
    problems = []
    if mention.date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", mention.date):
        problems.append(f"date {mention.date!r} is not YYYY-MM-DD")
    tokens = [t for t in _tokens(mention.text) if t not in _STOPWORDS]
    cited_tokens = set(_tokens(cited))
    if tokens and not all(_found(t, cited_tokens) for t in tokens):
        problems.append(f"the time {mention.text!r} is not written in the cited sentences")
    return problems


# A party is a name ("Beijing", "human rights groups"), not a sentence about it.
MAX_PARTY_WORDS = 8


def _check_party(label: str, party: str, index: _ArticleIndex) -> list[str]:
    words = [t for t in _name_tokens(party) if t not in _STOPWORDS]
    if len(words) > MAX_PARTY_WORDS:
        return [f"{label} should name a party in a few words, not {len(words)}"]
    missing = [t for t in words if not index.in_article(t)]
    if not words or missing:
        return [f"{label} {party!r} does not appear in the article"]
    return []


def _check_item(item: Any, index: _ArticleIndex) -> Iterator[str]:
    cited, problems = index.cited(item.evidence)
    yield from problems
    if not cited:
        return
    if isinstance(item, Actor):
        yield from _check_name("name", item.name, cited, index)
    elif isinstance(item, Place):
        yield from _check_name("place", item.name, cited, index)
    elif isinstance(item, Event):
        yield from _check_overlap("description", item.description, cited)
    elif isinstance(item, TimeMention):
        yield from _check_time(item, cited)
    elif isinstance(item, KeyFigure):
        yield from _check_figure(item, cited)
    elif isinstance(item, DisputedPoint):
        yield from _check_overlap("claim", item.claim, cited)
        for label, party in (
            ("asserted_by", item.asserted_by),
            ("contested_by", item.contested_by),
        ):
            yield from _check_party(label, party, index)


# --------------------------------------------------------------------------------------------
# The same word tools, for comparing items across articles (summarizer.alignment)
# --------------------------------------------------------------------------------------------


def name_tokens(name: str) -> list[str]:
    """A name's folded words without honorifics: "Mr Pompeo" -> ["pompeo"]."""
    return _name_tokens(name)


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry meaning (folded, stemmed, no stopwords or numbers)."""
    return _content_words(text)


def spelled_alike(a: str, b: str) -> bool:
    """Two folded words that are one word spelled two ways ("tileuberdi", "tleuberdi").

    Stricter than the grounding check's ``_similar``: a shared stem is not enough, so "china"
    and "chinese" stay apart."""
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
    return sum(_found(word, other) for word in shorter) / len(shorter)
