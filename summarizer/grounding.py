"""Checking in code that every item the model proposes is supported by the sentences it cites.

Names and places must appear in the article and in at least one cited sentence (tolerant of
case, accents, possessives, honorifics and transliteration variants); figures must be stated
in the cited sentences (digits or words, scales, bounds, ranges); free-text items must share
most of their content words with the cited sentences. A failed check becomes a precise
re-ask message; after the re-ask budget, failed items are moved to ``rejected``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from summarizer.attribution import attribute
from summarizer.claims import (
    cites_instruction,
    collective_head,
    contest_not_in_text,
    deed_of_another,
    denial_not_in_text,
    denial_said_by,
    figure_counts_another,
    magnitude_stated,
    names_match,
    names_not_cited,
    numbers_not_cited,
    party_not_holding,
    polarity_changed,
    quote_not_in_text,
    role_not_attached,
    side_spoken_by_another,
    speaker_not_attributed,
    unsupported_clause,
)
from summarizer.models import (
    SECTIONS,
    Actor,
    Article,
    ArticleExtraction,
    DisputedPoint,
    Event,
    Headline,
    KeyFigure,
    Place,
    Quote,
    TimeMention,
)
from summarizer.numbers import figure_values, find_numbers, parse_figure
from summarizer.text import (
    STOPWORDS,
)
from summarizer.text import content_words as _content_words
from summarizer.text import fold as fold  # alignment compares names with it
from summarizer.text import found_in as _found
from summarizer.text import name_words as _name_tokens
from summarizer.text import tokens as _tokens

# Part of the cache key: bump it when a change to the checks changes which items pass.
GROUNDING_VERSION = "7"
# Share of a free-text item's content words that must appear in its cited sentences. At 0.5
# the embedded model's invented "new round of talks with China" passed on three shared words.
MIN_CONTENT_OVERLAP = 0.7


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


def check_extraction(extraction: ArticleExtraction, article: Article) -> list[ItemCheck]:
    """Check the headline, then every item of every section; one ``ItemCheck`` each, in order."""
    index = _ArticleIndex(article)
    checks = [
        ItemCheck(HEADLINE, 0, extraction.headline, tuple(_check_item(extraction.headline, index)))
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


# "Mr Pompeo", "Ms. Ardern": a courtesy title before a name says the name is a person's.
_COURTESY = r"\b(?:Mr|Mrs|Ms|Mx|Dr|Miss)\.?\s+"


def place_is_a_person(name: str, article_text: str) -> list[str]:
    """A place must not be a person: the article writes its last word after "Mr", "Mrs",
    "Ms" or "Dr" (the embedded model listed "Mike Pompeo" under where)."""
    words = name.split()
    if not words:
        return []
    surname = words[-1].strip(".,'’")
    if len(surname) < 2 or not surname[:1].isupper():
        return []
    found = re.search(_COURTESY + re.escape(surname) + r"\b", article_text)
    if found is None:
        return []
    return [f"{name!r} is a person (the article writes {found.group(0)!r}), not a place"]


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
    for check in failures:
        lines.append(f"- {check.label}: {'; '.join(check.problems)}")
        for sentence_id in list(dict.fromkeys(_evidence_of(check.item)))[:2]:
            sentence = article.sentence(sentence_id)
            if sentence is not None:
                lines.append(f"  {sentence_id} says: {_clip(sentence.text, REASK_SENTENCE_CHARS)}")
    return "\n".join(lines)


# Each cited sentence is quoted in the note up to this length: enough to show what it says,
# bounded however long the article's sentences are.
REASK_SENTENCE_CHARS = 200


def _evidence_of(item: BaseModel) -> list[str]:
    evidence = getattr(item, "evidence", [])
    return [e for e in evidence if isinstance(e, str)]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------


class _ArticleIndex:
    def __init__(self, article: Article) -> None:
        self.article = article
        self.article_tokens = set(_tokens(article.text))

        self.texts = [sentence.text for sentence in article.sentences]

    def cited(self, evidence: list[str]) -> tuple[str, list[str]]:
        """The text of the cited sentences that exist, and a problem per id that doesn't."""
        texts = [self.texts[i] for i in self.positions(evidence)]
        last = len(self.article.sentences)
        problems = [
            f"cites {sentence_id}, but the article has only S1-S{last}"
            for sentence_id in evidence
            if self.article.sentence(sentence_id) is None
        ]
        return " ".join(texts), problems

    def positions(self, evidence: list[str]) -> list[int]:
        """Indexes into ``texts`` of the cited sentences that exist, in citation order."""
        found = []
        for sentence_id in evidence:
            sentence = self.article.sentence(sentence_id)
            if sentence is not None:
                found.append(int(sentence.id[1:]) - 1)
        return list(dict.fromkeys(found))

    def in_article(self, token: str) -> bool:
        return _found(token, self.article_tokens)


def _contains_name(name: str, text_tokens: set[str]) -> bool:
    words = _name_tokens(name)
    # "European Union" where the sentence writes "the EU".
    initials = "".join(w[0] for w in words if w not in STOPWORDS)
    return any(_found(t, text_tokens) for t in words) or (
        len(initials) >= 2 and initials in text_tokens
    )


def _check_name(
    label: str, name: str, cited: str, index: _ArticleIndex, *, person: bool = False
) -> list[str]:
    tokens = _name_tokens(name)
    missing = [t for t in tokens if not index.in_article(t)]
    # A person's full name where the article writes only the surname ("Barack Obama" for
    # "President Obama") names the same person: the given names may be missing, not the rest.
    # A place or an organisation has no given names: "San Ysidro port of entry" is not in an
    # article that writes only "port of entry".
    given_names_only = person and len(tokens) > 1 and all(t in tokens[:-1] for t in missing)
    if missing and not given_names_only:
        return [f"{label} {name!r} does not appear in the article"]
    if not _contains_name(name, set(_tokens(cited))):
        return [f"{label} {name!r} is not in the cited sentences"]
    return []


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


def _check_figure(
    figure: KeyFigure, cited: str, sentences: list[str], article_text: str
) -> list[str]:
    words = len(figure.value_text.split())
    if words > MAX_FIGURE_WORDS:
        return [f"value_text should be the figure as written, a few words, not {words}"]
    value = parse_figure(figure.value_text)
    if value is None:
        if magnitude_stated(figure.value_text, cited):
            return []  # "hundreds of billions of dollars", as the article says it
        return [f"value_text {figure.value_text!r} states no number"]
    stated = find_numbers(cited)
    missing = [v for v in figure_values(value) if not any(_same_number(v, s) for s in stated)]
    if missing:
        shown = ", ".join(f"{v:,.10g}" for v in missing)
        return [f"the figure {figure.value_text!r} ({shown}) is not stated in the cited sentences"]
    # Every part of a tally ("348-77": also the 77), and numbers in what it counts. What a
    # figure counts may name another of the article's figures ("part of the $8 billion"):
    # those are checked against the article.
    tally = " ".join(_TALLY.findall(figure.value_text))
    return (
        numbers_not_cited("value_text", tally, cited)
        + numbers_not_cited("counts", figure.counts, article_text)
        + figure_counts_another(figure.value_text, figure.counts, sentences)
    )


# A vote or a score: two numbers, neither scaled ("348-77", "97 to 1"; not "1-2 million").
_TALLY = re.compile(
    r"\b\d[\d,]*\s*(?:-|–|to)\s*\d[\d,]*\b(?!\s*(?:thousand|million|billion|trillion|percent|%))"
)


def _same_number(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


def _check_time(mention: TimeMention, cited: str) -> list[str]:
    problems = []
    if mention.date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", mention.date):
        problems.append(f"date {mention.date!r} is not YYYY-MM-DD")
    tokens = [t for t in _tokens(mention.text) if t not in STOPWORDS]
    cited_tokens = set(_tokens(cited))
    if tokens and not all(_found(t, cited_tokens) for t in tokens):
        problems.append(f"the time {mention.text!r} is not written in the cited sentences")
    return problems


# A party is a name ("Beijing", "human rights groups"), not a sentence about it.
MAX_PARTY_WORDS = 8


def _check_party(label: str, party: str, index: _ArticleIndex) -> list[str]:
    # "Trump administration" where the article writes "the administration" or "Mr. Trump".
    party = collective_head(party) or party
    words = [t for t in _name_tokens(party) if t not in STOPWORDS]
    if len(words) > MAX_PARTY_WORDS:
        return [f"{label} should name a party in a few words, not {len(words)}"]
    missing = [t for t in words if not index.in_article(t)]
    # Given names the article leaves out ("Donald Trump" for "President Trump") are allowed.
    if not words or (missing and not all(t in words[:-1] for t in missing)):
        return [f"{label} {party!r} does not appear in the article"]
    return []


def _check_item(item: Any, index: _ArticleIndex) -> Iterator[str]:
    if isinstance(item, DisputedPoint):
        yield from _check_dispute(item, index)
        return
    cited, problems = index.cited(item.evidence)
    yield from problems
    if not cited:
        return
    yield from cites_instruction(cited)
    sentences = [index.texts[i] for i in index.positions(item.evidence)]
    if isinstance(item, Actor):
        yield from _check_name("name", item.name, cited, index, person=item.kind == "person")
        yield from numbers_not_cited("role", item.role, cited, index.article.text)
        yield from role_not_attached(item.name, item.role, sentences, index.texts)
        # What the role says they did: "who has family in the U.S." for "has no family".
        deed = re.search(r"\b(?:who|whose)\b(.*)$", item.role)
        if deed:
            yield from polarity_changed("role", deed.group(1), cited, added=False)
    elif isinstance(item, Place):
        yield from _check_name("place", item.name, cited, index)
        yield from place_is_a_person(item.name, index.article.text)
        yield from numbers_not_cited("role", item.role, cited)
    elif isinstance(item, (Event, Headline)):
        label, text = (
            ("description", item.description)
            if isinstance(item, Event)
            else ("headline", item.text)
        )
        yield from _check_statement(label, text, cited, sentences, index.article.text)
    elif isinstance(item, TimeMention):
        time_problems = _check_time(item, cited)
        yield from time_problems
        if not time_problems:
            yield from numbers_not_cited("the time", item.text, cited)
    elif isinstance(item, KeyFigure):
        yield from _check_figure(item, cited, sentences, index.article.text)
    elif isinstance(item, Quote):
        yield from _check_quote(item, index)


# A headline sums up its cited sentences in fewer words than it takes them; a smaller share
# of its words must be theirs.
MIN_HEADLINE_OVERLAP = 0.6


def _check_statement(
    label: str, text: str, cited: str, sentences: list[str], article_text: str
) -> Iterator[str]:
    """A sentence-like claim: its words, numbers, polarity, no clause added to them and none
    taken from a sentence about someone else."""
    overlap_problems = _check_overlap(label, text, cited)
    if label == "headline" and _overlap_share(text, cited) >= MIN_HEADLINE_OVERLAP:
        overlap_problems = []
    if label == "headline":
        yield from names_not_cited(label, text, cited)
    yield from overlap_problems
    yield from numbers_not_cited(label, text, cited, article_text)
    yield from polarity_changed(label, text, cited)
    if not overlap_problems:
        yield from unsupported_clause(label, text, cited)
    yield from deed_of_another(label, text, sentences)


def _check_quote(quote: Quote, index: _ArticleIndex) -> Iterator[str]:
    cited, _ = index.cited(quote.evidence)
    problems = quote_not_in_text(quote.quote, cited)
    yield from problems
    if problems:
        return
    positions = index.positions(quote.evidence)
    yield from _check_party("speaker", quote.speaker, index)
    yield from speaker_not_attributed(quote.speaker, quote.quote, index.texts, positions)
    if quote.role:
        # The role may stand where the speaker was introduced, a few sentences before.
        nearby = index.texts[max(0, min(positions) - 3) : max(positions) + 1]
        yield from numbers_not_cited("role", quote.role, " ".join(nearby))
        yield from role_not_attached(quote.speaker, quote.role, nearby, index.texts)


# Share of a side's position words its cited sentences must hold: positions are paraphrased
# more than events are ("calls the suit political grandstanding").
MIN_POSITION_OVERLAP = 0.5
# A contested claim is phrased over both sides' words, more loosely still.
MIN_CLAIM_OVERLAP = 0.4


def _check_dispute(point: DisputedPoint, index: _ArticleIndex) -> Iterator[str]:
    every_cited, problems = index.cited(point.evidence)
    yield from problems
    if not every_cited:
        return
    yield from cites_instruction(every_cited)
    claim_problems = _check_overlap("claim", point.claim, every_cited)
    if claim_problems and _overlap_share(point.claim, every_cited) >= MIN_CLAIM_OVERLAP:
        claim_problems = []  # a contested claim is phrased over both sides' words
    yield from claim_problems
    yield from numbers_not_cited("claim", point.claim, every_cited, index.article.text)
    yield from numbers_not_cited(
        "how_contested", point.how_contested, every_cited, index.article.text
    )
    for number, side in enumerate(point.sides, start=1):
        label = f"side {number} ({side.party})"
        cited, side_problems = index.cited(side.evidence)
        yield from side_problems
        yield from _check_party(f"{label} party", side.party, index)
        if not cited:
            continue
        positions = index.positions(side.evidence)
        # The party may be named just before a sentence that says "he" or "the senator".
        before = index.texts[max(0, min(positions) - 2) : min(positions)]
        speakers = [found.speaker for p in positions if (found := attribute(index.texts, p))]
        yield from party_not_holding(side.party, [cited], " ".join([*before, cited]), speakers)
        yield from side_spoken_by_another(side.party, index.texts, positions)
        position_problems = _check_overlap(f"{label} position", side.position, cited)
        if position_problems and _overlap_share(side.position, cited) >= MIN_POSITION_OVERLAP:
            position_problems = []
        yield from position_problems
        yield from numbers_not_cited(f"{label} position", side.position, cited, index.article.text)
        yield from polarity_changed(f"{label} position", side.position, cited)
        if number > 1:
            said = f"{side.position} {denial_said_by(side.party, point.how_contested)}"
            yield from denial_not_in_text(f"{label} is said to", said, cited)
    first = point.sides[0].party
    if all(names_match(first, side.party) for side in point.sides[1:]):
        yield "the sides name the same party: a dispute needs two"
    if contest_not_in_text(every_cited):
        yield (
            "the sentences cited for the sides show no one denying, rejecting or disputing anything"
        )


def _overlap_share(text: str, cited: str) -> float:
    words = _content_words(text)
    if not words:
        return 1.0
    cited_tokens = set(_tokens(cited))
    return sum(_found(word, cited_tokens) for word in words) / len(words)
