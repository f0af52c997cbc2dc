"""The schema: what the model is asked for, and what users get back.

Two layers of models:

* ``ArticleExtraction`` and its item types are what the model fills in. Their field
  descriptions are prompt text (instructor sends them with the schema), so they are written
  for the model to read, and kept short because every token of them is paid for on every call.
* ``ArticleSummary`` is what users get: the same items, each located in the source text
  (sentence ids plus character offsets), figures and dates normalised by code, items that
  failed verification moved to ``rejected``, and metadata saying what produced it.

``schemas/*.schema.json`` are generated from these models (``python -m summarizer.schema``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

SCHEMA_VERSION = "2"
# Every output folder holds this list of the files summarize wrote there (one name a line):
# render writes it, sources reads it, so a run over a folder that holds its own outputs never
# reads them as articles.
OUTPUTS_LIST = ".summarizer-outputs"

_SENTENCE_REF = re.compile(r"^\[?\s*S?\s*(\d+)\s*\]?$", re.IGNORECASE)


def normalise_sentence_ref(value: Any) -> Any:
    """Accept "S3", "[S3]", "s3", "3" or 3 for sentence 3; small models vary the form."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return f"S{value}"
    if isinstance(value, str):
        match = _SENTENCE_REF.match(value.strip())
        if match:
            return f"S{int(match.group(1))}"
    return value


# The bounds below are not only validation: grammar-constrained backends (llama.cpp) compile
# the schema into a grammar, and unbounded strings or lists let a small model run on until
# max_tokens. The StringConstraints must come before the BeforeValidator, or pydantic leaves
# the pattern out of the JSON schema.
SentenceId = Annotated[
    str,
    StringConstraints(pattern=r"^S[1-9][0-9]{0,5}$"),  # S1 to S999999: 5 MB of text fits
    BeforeValidator(normalise_sentence_ref),
]
Evidence = Annotated[
    list[SentenceId],
    Field(
        min_length=1,
        max_length=5,
        description='Ids of the article sentences that state this, e.g. ["S2", "S5"].',
    ),
]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=240)]
# Longest lists the model may return per section; more is repetition, not news.
MAX_ITEMS = 8


# --------------------------------------------------------------------------------------------
# What the model fills in
# --------------------------------------------------------------------------------------------


def _without_property_titles(schema: dict[str, Any]) -> None:
    # pydantic titles every property after its name ("value_text" -> "Value Text"): a
    # tenth of the tool schema a hosted API bills on every request, telling the model nothing.
    for field_schema in schema.get("properties", {}).values():
        field_schema.pop("title", None)


class _Item(BaseModel):
    """What the model fills in: its schema is prompt text, paid for on every request."""

    model_config = ConfigDict(
        extra="ignore", str_strip_whitespace=True, json_schema_extra=_without_property_titles
    )


class Actor(_Item):
    name: ShortText = Field(description="Name exactly as the article writes it.")
    kind: Literal["person", "organisation", "group", "country"] = Field(
        description="person, organisation, group or country."
    )
    role: ShortText = Field(
        description='Title or position the article gives them (e.g. "U.N. ambassador"), '
        "else what they do in the story."
    )
    evidence: Evidence


class Event(_Item):
    description: ShortText = Field(description="One sentence: an event or statement.")
    evidence: Evidence


class Place(_Item):
    name: ShortText = Field(description="Place name exactly as the article writes it.")
    role: ShortText = Field(description="Why this place matters in the story.")
    evidence: Evidence


class TimeMention(_Item):
    text: ShortText = Field(description='Time expression as written, e.g. "on February 2".')
    date: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] | None = Field(
        default=None,
        description="The date as YYYY-MM-DD if the article makes it certain, else null.",
    )
    evidence: Evidence


class KeyFigure(_Item):
    value_text: ShortText = Field(
        description='The number as written, with its qualifier, e.g. "more than 300".'
    )
    unit: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        default=None, description='Unit, e.g. "people", "USD", or null.'
    )
    counts: ShortText = Field(description="What the number counts.")
    stated_by: Annotated[str, StringConstraints(max_length=120)] | None = Field(
        default=None, description="Who gives the figure, or null if the article itself."
    )
    evidence: Evidence


class Quote(_Item):
    speaker: ShortText = Field(description="Who the article says spoke or wrote these words.")
    role: Annotated[str, StringConstraints(max_length=120)] | None = Field(
        default=None, description="The speaker's title as the article gives it, or null."
    )
    quote: ShortText = Field(description="The words inside the article's quote marks, exactly.")
    evidence: Evidence


class Side(_Item):
    party: ShortText = Field(description="Who holds this position, named as in the article.")
    position: ShortText = Field(description="What this party says.")
    evidence: Evidence


class DisputedPoint(_Item):
    claim: ShortText = Field(description="The contested claim.")

    @model_validator(mode="before")
    @classmethod
    def _sides_from_parties(cls, data: Any) -> Any:
        # Summaries made before disputes had sides name the parties apart (asserted_by,
        # contested_by) with one evidence list: the same facts, as two sides.
        if isinstance(data, dict) and "sides" not in data and "asserted_by" in data:
            evidence = data.get("evidence") or []
            data = {
                **data,
                "sides": [
                    {"party": data["asserted_by"], "position": data.get("claim"),
                     "evidence": evidence},
                    {"party": data.get("contested_by"), "position": data.get("how_contested"),
                     "evidence": evidence},
                ],
            }  # fmt: skip
        return data

    how_contested: ShortText = Field(
        description="How it is contested, in the article's words (denies, rejects, disputes...)."
    )
    sides: list[Side] = Field(
        min_length=2,
        max_length=4,
        description="The first side asserts the claim, the next contest it.",
    )

    @property
    def asserted_by(self) -> str:
        return self.sides[0].party

    @property
    def contested_by(self) -> str:
        return "; ".join(side.party for side in self.sides[1:])

    @property
    def evidence(self) -> list[str]:
        """Every sentence the sides cite, once each."""
        return list(dict.fromkeys(e for side in self.sides for e in side.evidence))


class Headline(_Item):
    text: ShortText = Field(
        description="One sentence saying what happened, in the article's words."
    )
    evidence: Evidence


def require_every_property(schema: dict[str, Any]) -> None:
    _without_property_titles(schema)
    schema["required"] = list(schema.get("properties", {}))


class ArticleExtraction(_Item):
    """Structured facts from one news article, each backed by sentence ids."""

    # The schema the model sees requires every section (an empty list is allowed), so
    # grammar-constrained backends walk the model through each one instead of letting it skip
    # to the last; in Python a missing section still defaults to empty.
    model_config = ConfigDict(json_schema_extra=require_every_property)

    headline: Headline = Field(description="What happened, in one sentence, with its evidence.")
    who: list[Actor] = Field(default_factory=list, max_length=MAX_ITEMS, description="Main actors.")
    what: list[Event] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Key events or statements."
    )
    where: list[Place] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Places in the story."
    )
    when: list[TimeMention] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Dates and times."
    )
    key_figures: list[KeyFigure] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Numbers."
    )
    quotes: list[Quote] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Words the article quotes."
    )
    disputed_points: list[DisputedPoint] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Claims one named party makes and another denies or contests.",
    )


class ItemVerdict(_Item):
    item: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description='The label of the item judged, e.g. "who[0]".'
    )
    supported: bool = Field(description="Whether the cited sentences state the item.")
    reason: Annotated[str, StringConstraints(max_length=240)] = Field(
        default="", description="What is wrong, when not supported."
    )


class ItemVerdicts(_Item):
    """A judgement of each summary item against the sentences it cites."""

    model_config = ConfigDict(json_schema_extra=require_every_property)

    verdicts: list[ItemVerdict] = Field(default_factory=list, max_length=80)


SECTIONS: tuple[str, ...] = (
    "who",
    "what",
    "where",
    "when",
    "key_figures",
    "quotes",
    "disputed_points",
)


# --------------------------------------------------------------------------------------------
# What users get
# --------------------------------------------------------------------------------------------


class Sentence(BaseModel):
    """A numbered sentence of an article; ``start``/``end`` index ``Article.text``."""

    id: str
    text: str
    start: int
    end: int


class Article(BaseModel):
    """One input article, normalised and split into numbered sentences."""

    id: str = Field(description="Content hash of the normalised text (stable across runs).")
    path: str
    title: str | None = None
    published: date | None = None
    author: str | None = None
    source: str | None = None
    text: str
    sentences: list[Sentence]

    def sentence(self, sentence_id: str) -> Sentence | None:
        """The sentence with this id ("S3"), or None when the article has no such sentence."""
        match = re.fullmatch(r"S([1-9]\d*)", sentence_id)
        if not match:
            return None
        index = int(match.group(1)) - 1
        return self.sentences[index] if index < len(self.sentences) else None


class EvidenceSpan(BaseModel):
    """Where an item's evidence stands in the article text (offsets into ``Article.text``)."""

    sentence: str
    start: int
    end: int
    text: str


class NumberValue(BaseModel):
    """A figure normalised by code: an exact value, a bound, or a range."""

    low: float | None = Field(description="Lowest value the text allows (None: unbounded).")
    high: float | None = Field(description="Highest value the text allows (None: unbounded).")
    kind: Literal["exact", "approximate", "at_least", "at_most", "range", "tally"]
    parts: list[float] | None = Field(
        default=None, description='Every count of a tally ("97-1": [97, 1]); None otherwise.'
    )


class _Located(BaseModel):
    evidence_spans: list[EvidenceSpan] = Field(default_factory=list)


class LocatedActor(Actor, _Located):
    pass


class LocatedEvent(Event, _Located):
    pass


class LocatedPlace(Place, _Located):
    pass


class LocatedTimeMention(TimeMention, _Located):
    pass


class LocatedKeyFigure(KeyFigure, _Located):
    value: NumberValue | None = Field(
        default=None, description="The figure parsed from value_text by code."
    )


class LocatedQuote(Quote, _Located):
    pass


class LocatedDisputedPoint(DisputedPoint, _Located):
    pass


class RejectedItem(BaseModel):
    """An item the model proposed that could not be verified against the article."""

    section: str
    item: dict[str, Any]
    reasons: list[str]


class TokenUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class GroundingReport(BaseModel):
    proposed: int = Field(description="Items the model's final answer proposed.")
    verified: int = Field(description="Items whose evidence was found in the cited sentences.")
    rejected: int
    score: float | None = Field(description="verified / proposed (null when nothing was proposed).")


class SummaryMetadata(BaseModel):
    schema_version: str = SCHEMA_VERSION
    source_path: str
    article_id: str
    title: str | None = None
    outlet: str | None = Field(default=None, description="The outlet, as the input names it.")
    published: date | None = None
    sentence_count: int
    model: str
    backend: str
    mode: str
    prompt_version: str
    usage: TokenUsage = Field(
        description="Tokens this summary cost when it was made, summed over every attempt."
    )
    cache_hit: bool = Field(
        default=False, description="Read from the result cache: this run spent no tokens on it."
    )
    attempts: int = Field(description="Model calls that returned an answer (1 = no re-ask).")
    transport_retries: int = Field(
        default=0, description="Requests repeated after a network or server fault."
    )
    grounding: GroundingReport
    embedded_model: bool = Field(
        default=False,
        description="Written by the embedded tiny model, whose summaries are poor: "
        "what is shown is verified, but much is missed.",
    )
    verified_by: list[str] = Field(
        default_factory=list,
        description="What checked the items: code checks, and the model check when --verify ran.",
    )
    verify_usage: TokenUsage | None = Field(
        default=None, description="Tokens the --verify model check cost (apart from usage)."
    )


class ArticleSummary(BaseModel):
    """A verified structured summary of one article."""

    headline: str
    headline_source: Literal["model", "article_title", "article_first_sentence"] = Field(
        default="model",
        description="model: the model's headline, verified; otherwise the article's own words "
        "stand in because the model's headline failed verification.",
    )
    headline_evidence: list[EvidenceSpan] = Field(default_factory=list)
    who: list[LocatedActor] = Field(default_factory=list)
    what: list[LocatedEvent] = Field(default_factory=list)
    where: list[LocatedPlace] = Field(default_factory=list)
    when: list[LocatedTimeMention] = Field(default_factory=list)
    key_figures: list[LocatedKeyFigure] = Field(default_factory=list)
    quotes: list[LocatedQuote] = Field(default_factory=list)
    disputed_points: list[LocatedDisputedPoint] = Field(default_factory=list)
    rejected: list[RejectedItem] = Field(
        default_factory=list,
        description="Proposed items that failed verification; never mixed with the rest.",
    )
    metadata: SummaryMetadata


# --------------------------------------------------------------------------------------------
# One story, many sources: what the model proposes
# --------------------------------------------------------------------------------------------

# An item of one source's summary, as listed in the alignment prompt: the source's letter, the
# section's letter (W who, E what, P where, T when, F key figure, D disputed point), a number.
ItemRef = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}-[WEPTFD][1-9][0-9]{0,2}$")]
# Longest group lists the model may return per kind: more is noise, not alignment.
MAX_GROUPS = 12


class AlignedGroup(_Item):
    label: ShortText = Field(description="What the items share: a name, an event, what is counted.")
    items: list[ItemRef] = Field(
        min_length=2,
        max_length=12,
        description='Ids of items that are about the same thing, e.g. ["A-W1", "B-W2"].',
    )


DIFFERENCE_KINDS = ("figure", "date", "weekday", "number", "place", "actor", "attribute")
DifferenceKind = Literal["figure", "date", "weekday", "number", "place", "actor", "attribute"]


class DifferenceSide(_Item):
    item: ItemRef = Field(description="Id of one source's item.")
    says: ShortText = Field(description="This item's words that the other side contradicts.")


class ProposedDifference(_Item):
    kind: DifferenceKind = Field(
        description="figure, date, weekday, number, place, actor (who did it) or attribute."
    )
    about: ShortText = Field(description="What the sources disagree about.")
    sides: list[DifferenceSide] = Field(
        min_length=2, max_length=6, description="Each source's item and its differing words."
    )


class StoryAlignment(_Item):
    """Items of different sources' summaries that are about the same thing."""

    model_config = ConfigDict(json_schema_extra=require_every_property)

    same_actor: list[AlignedGroup] = Field(
        default_factory=list, max_length=MAX_GROUPS, description="W items naming one actor."
    )
    same_place: list[AlignedGroup] = Field(
        default_factory=list, max_length=MAX_GROUPS, description="P items naming one place."
    )
    same_event: list[AlignedGroup] = Field(
        default_factory=list, max_length=MAX_GROUPS, description="E items reporting one event."
    )
    same_figure: list[AlignedGroup] = Field(
        default_factory=list,
        max_length=MAX_GROUPS,
        description="F items counting the same thing, even when their numbers differ.",
    )
    same_dispute: list[AlignedGroup] = Field(
        default_factory=list, max_length=MAX_GROUPS, description="D items about one claim."
    )
    differences: list[ProposedDifference] = Field(
        default_factory=list,
        max_length=MAX_GROUPS,
        description="Where items about the same thing disagree between sources.",
    )


# --------------------------------------------------------------------------------------------
# One story, many sources: what users get
# --------------------------------------------------------------------------------------------


class StorySource(BaseModel):
    """One article of the story, and the label its citations use."""

    label: str = Field(description='Short label used in citations: "A", "B", ...')
    path: str
    article_id: str
    outlet: str | None = Field(default=None, description="The outlet, as the input names it.")
    title: str | None = None
    published: date | None = None


class CitedSentence(BaseModel):
    id: str
    text: str


class Citation(BaseModel):
    """Where a story item stands in one source: the file, the sentence ids and their text."""

    source: str = Field(description="The source's label.")
    path: str
    sentences: list[str]
    text: str = Field(description="The item as that source's summary gives it.")
    cited: list[CitedSentence] = Field(
        default_factory=list, description="Each cited sentence's text beside its id."
    )


class NameVariant(BaseModel):
    """One spelling of an actor's or place's name, and the sources that write it so."""

    name: str
    sources: list[str]


class StoryActor(BaseModel):
    name: str = Field(description="The spelling most sources use.")
    kind: str
    variants: list[NameVariant] = Field(
        description="Every spelling found, in the summaries and in the article texts."
    )
    roles: list[Citation]


class StoryPlace(BaseModel):
    name: str
    variants: list[NameVariant]
    roles: list[Citation]


class StoryEvent(BaseModel):
    description: str
    reported_by: list[Citation]


class StoryTime(BaseModel):
    text: str
    date: str | None = None
    reported_by: list[Citation]


class SourcedFigure(BaseModel):
    """One source's version of a figure."""

    source: str
    path: str
    value_text: str
    value: NumberValue | None
    unit: str | None = None
    stated_by: str | None = None
    sentences: list[str]
    cited: list[CitedSentence] = Field(default_factory=list)


class FigureComparison(BaseModel):
    """One quantity as each source gives it, compared by code."""

    counts: str
    status: Literal["agree", "conflict", "single_source"]
    explanation: str = Field(description="Why the values agree or conflict, in numbers.")
    values: list[SourcedFigure]


class DisputeSide(BaseModel):
    position: str
    held_by: str
    citation: Citation


class StoryDispute(BaseModel):
    """A contested point: between parties in the story, or between the sources themselves."""

    kind: Literal["between_parties", "between_sources"]
    claim: str
    sides: list[DisputeSide]


class DiscrepancySide(BaseModel):
    source: str = Field(description="The source's label.")
    outlet: str | None = None
    says: str = Field(description="This source's own wording of what differs.")
    citation: Citation


class Discrepancy(BaseModel):
    """Where sources reporting the same actor, event, place, time or figure disagree."""

    kind: DifferenceKind
    about: str
    explanation: str = Field(description="Why the sides cannot both hold.")
    found_by: Literal["code", "model, checked by code"]
    sides: list[DiscrepancySide]


class SourceCoverage(BaseModel):
    """What one source reports that no other source does."""

    source: str
    path: str
    shared_items: int = Field(description="Items this source shares with at least one other.")
    only_here: list[Citation]
    details_only_here: list[Citation] = Field(
        default_factory=list,
        description="Items other sources also report, where this source adds details: words "
        "that neither the other sources' items about it nor the sentences they cite contain.",
    )


class RejectedAlignment(BaseModel):
    """A grouping the model proposed that code could not confirm."""

    kind: str
    items: list[str]
    reasons: list[str]


class AlignmentReport(BaseModel):
    proposed: int = Field(description="Groups and differences the model proposed.")
    verified: int = Field(description="Proposals code confirmed whole.")
    rejected: int = Field(description="Proposals code could not confirm (in part or whole).")
    calls: int = Field(description="Alignment requests made (several when merged in levels).")
    levels: int = Field(description="Levels of hierarchical merging (1: one prompt held all).")
    tokens: int = Field(default=0, description="Tokens the alignment requests cost.")


class StoryMetadata(BaseModel):
    schema_version: str = SCHEMA_VERSION
    article_ids: list[str]
    model: str
    embedded_model: bool = Field(
        default=False, description="Aligned by the embedded tiny model, whose answers are poor."
    )
    backend: str
    prompt_version: str
    usage: TokenUsage = Field(description="Tokens the alignment cost (article summaries apart).")
    attempts: int = Field(description="Model calls that returned an answer, over all requests.")
    cache_hit: bool = False
    alignment: AlignmentReport
    notes: list[str] = Field(
        default_factory=list,
        description="What limited this synthesis, e.g. an alignment request that failed.",
    )


class StorySummary(BaseModel):
    """A synthesis of several sources' reports of one story, every item cited."""

    sources: list[StorySource]
    who: list[StoryActor] = Field(default_factory=list)
    what: list[StoryEvent] = Field(default_factory=list)
    where: list[StoryPlace] = Field(default_factory=list)
    when: list[StoryTime] = Field(default_factory=list)
    key_figures: list[FigureComparison] = Field(default_factory=list)
    disputed_points: list[StoryDispute] = Field(default_factory=list)
    discrepancies: list[Discrepancy] = Field(
        default_factory=list,
        description="Where sources disagree about one thing: figures, dates, places, who, what.",
    )
    coverage: list[SourceCoverage] = Field(default_factory=list)
    rejected: list[RejectedAlignment] = Field(
        default_factory=list, description="Model groupings that failed verification."
    )
    metadata: StoryMetadata
