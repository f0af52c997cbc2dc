"""Building the ``StorySummary`` from an alignment: merged actors, places, events and times
with every source's own wording and spellings, figures compared in code, disputes between
parties and between sources, the differences the ledger flags, and what each source alone
reports. Linking the items is ``summarizer.alignment``'s job; this module only reads its groups.
"""

from __future__ import annotations

import re
from collections import Counter

from summarizer.alignment import (
    SECTION_LETTERS,
    Alignment,
    StoryItem,
    cited_sentences,
)
from summarizer.models import (
    AlignmentReport,
    Article,
    Citation,
    Discrepancy,
    DiscrepancySide,
    DisputeSide,
    FigureComparison,
    NameVariant,
    SourceCoverage,
    SourcedFigure,
    StoryActor,
    StoryDispute,
    StoryEvent,
    StoryMetadata,
    StoryPlace,
    StorySource,
    StorySummary,
    StoryTime,
)
from summarizer.numbers import compare_figures, parse_figure
from summarizer.text import content_words, fold, name_words, spelled_alike


def build_story(
    alignment: Alignment,
    sources: list[StorySource],
    *,
    articles: dict[str, Article],
    metadata: StoryMetadata,
) -> StorySummary:
    """The ``StorySummary`` of aligned items. ``articles`` (by article id) let name variants be
    found in the texts, not only in the summaries."""
    figure_groups = alignment.groups("key_figures")
    key_figures = [_figure_comparison(group) for group in figure_groups]
    for comparison, group in zip(key_figures, figure_groups, strict=True):
        if comparison.status == "conflict":
            alignment.discrepancies.add(
                _figure_discrepancy(comparison, group), [item.ref for item in group]
            )
    for section in SECTION_LETTERS:
        for group in alignment.groups(section):
            alignment.discrepancies.compare_group(group)
    story = StorySummary(
        sources=sources,
        who=[_actor(group, articles) for group in alignment.groups("who")],
        what=[
            StoryEvent(description=group[0].item.description, reported_by=_citations(group))
            for group in alignment.groups("what")
        ],
        where=[_place(group, articles) for group in alignment.groups("where")],
        when=[
            StoryTime(
                text=group[0].item.text, date=group[0].item.date, reported_by=_citations(group)
            )
            for group in alignment.groups("when")
        ],
        key_figures=key_figures,
        disputed_points=[
            *(_party_dispute(group) for group in alignment.groups("disputed_points")),
            *_source_disputes(key_figures, alignment.groups("key_figures")),
        ],
        discrepancies=alignment.discrepancies.found,
        coverage=_coverage(alignment, sources),
        rejected=alignment.rejected,
        metadata=metadata,
    )
    return story


def _citations(group: list[StoryItem]) -> list[Citation]:
    return [item.citation() for item in group]


def _sources_of(group: list[StoryItem]) -> set[str]:
    return {item.source.label for item in group}


def _variants(
    group: list[StoryItem], articles: dict[str, Article], *, person: bool
) -> list[NameVariant]:
    """Every spelling found, each with the sources that write it: the names in the summaries,
    and each spelling of the name's key word (a person's surname) in the article texts, so an
    outlet that writes "Tileuberdi" in one paragraph and "Tleuberdi" in the next shows both."""
    found: dict[str, set[str]] = {}
    for item in group:
        found.setdefault(item.item.name, set()).add(item.source.label)
    # A person's surname may be spelled several ways ("Tileuberdi", "Tleuberdi"), and so may a
    # one-word place; one word of a longer name ("White" of "White House") is no spelling of it.
    key_words = {
        (words[-1] if person else words[0])
        for item in group
        if (words := name_words(item.item.name)) and (person or len(words) == 1)
    }
    names = list(found)
    for label, article in _group_articles(group, articles):
        folded_text = f" {fold(article.text)} "
        for name in names:
            if f" {fold(name)} " in folded_text:
                found[name].add(label)
        # Names are capitalised: "those" and "hours" are no spellings of "House".
        spellings = {
            re.sub(r"['’]s$", "", w) for w in re.findall(r"\b[A-Z][\w'’-]*\w", article.text)
        }
        for word in sorted(spellings):  # "Pompeo's" is a spelling of "Pompeo"
            folded = fold(word)
            if not content_words(word):  # "Those" opening a sentence
                continue
            if folded not in {fold(name) for name in names} and any(
                spelled_alike(folded, key) for key in key_words
            ):
                found.setdefault(word, set()).add(label)
    return [NameVariant(name=name, sources=sorted(labels)) for name, labels in found.items()]


def _group_articles(
    group: list[StoryItem], articles: dict[str, Article]
) -> list[tuple[str, Article]]:
    """The articles of the sources in ``group``, once each, in source order."""
    seen: dict[str, Article] = {}
    for item in group:
        article = articles.get(item.source.article_id)
        if article is not None:
            seen.setdefault(item.source.label, article)
    return list(seen.items())


def _most_common_name(group: list[StoryItem]) -> str:
    counts: Counter[str] = Counter(str(item.item.name) for item in group)
    return max(counts, key=lambda name: (counts[name], len(name)))


def _actor(group: list[StoryItem], articles: dict[str, Article]) -> StoryActor:
    kinds = Counter(item.item.kind for item in group)
    kind = kinds.most_common(1)[0][0]
    return StoryActor(
        name=_most_common_name(group),
        kind=kind,
        variants=_variants(group, articles, person=kind == "person"),
        roles=_citations(group),
    )


def _place(group: list[StoryItem], articles: dict[str, Article]) -> StoryPlace:
    return StoryPlace(
        name=_most_common_name(group),
        variants=_variants(group, articles, person=False),
        roles=_citations(group),
    )


def _figure_comparison(group: list[StoryItem]) -> FigureComparison:
    values = [
        SourcedFigure(
            source=item.source.label,
            path=item.source.path,
            value_text=item.item.value_text,
            # Read again: summaries cached before tallies and fractions were read hold "97-1"
            # as 97.
            value=parse_figure(item.item.value_text) or item.item.value,
            unit=item.item.unit,
            stated_by=item.item.stated_by,
            sentences=list(item.item.evidence),
            cited=cited_sentences(item.item),
        )
        for item in group
    ]
    counts = group[0].item.counts
    if len(_sources_of(group)) < 2:
        return FigureComparison(
            counts=counts,
            status="single_source",
            explanation=f"only source {group[0].source.label} gives this figure",
            values=values,
        )
    comparable = [(v.source, v.value) for v in values if v.value is not None]
    status, explanation = compare_figures(comparable)
    return FigureComparison(counts=counts, status=status, explanation=explanation, values=values)


def _figure_discrepancy(comparison: FigureComparison, group: list[StoryItem]) -> Discrepancy:
    return Discrepancy(
        kind="figure",
        about=comparison.counts,
        explanation=(
            f"{comparison.explanation}: both count {comparison.counts}, and beyond rounding (1% "
            "for exact figures, 10% for hedged ones) the values do not meet"
        ),
        found_by="code",
        sides=[
            DiscrepancySide(
                source=item.source.label,
                outlet=item.source.outlet,
                says=item.item.value_text,
                citation=item.citation(),
            )
            for item in group
        ],
    )


def _party_dispute(group: list[StoryItem]) -> StoryDispute:
    sides: list[DisputeSide] = []
    seen: set[tuple[str, str]] = set()
    for item in group:
        point, citation = item.item, item.citation()
        for held_by, position in (
            (point.asserted_by, point.claim),
            (point.contested_by, point.how_contested),
        ):
            key = (fold(held_by), fold(position))
            if key not in seen:
                seen.add(key)
                sides.append(DisputeSide(position=position, held_by=held_by, citation=citation))
    return StoryDispute(kind="between_parties", claim=group[0].item.claim, sides=sides)


def _source_disputes(
    comparisons: list[FigureComparison], groups: list[list[StoryItem]]
) -> list[StoryDispute]:
    """Sources that give figures for one quantity that cannot both be true."""
    disputes = []
    for comparison, group in zip(comparisons, groups, strict=True):
        if comparison.status != "conflict":
            continue
        sides = [
            DisputeSide(
                position=item.item.value_text,
                held_by=f"{item.source.outlet or 'source'} {item.source.label}"
                + (f" ({item.source.title})" if item.source.title else ""),
                citation=item.citation(),
            )
            for item in group
        ]
        disputes.append(
            StoryDispute(
                kind="between_sources",
                claim=f"{comparison.counts}: {comparison.explanation}",
                sides=sides,
            )
        )
    return disputes


# Sections whose shared items can carry details one source alone gives, and how many words no
# other source has make a detail worth listing (fewer is wording, not news).
DETAIL_SECTIONS = ("who", "what", "where")
MIN_DETAIL_WORDS = 3


def _coverage(alignment: Alignment, sources: list[StorySource]) -> list[SourceCoverage]:
    shared: Counter[str] = Counter()
    only_here: dict[str, list[Citation]] = {source.label: [] for source in sources}
    details: dict[str, list[Citation]] = {source.label: [] for source in sources}
    for section in SECTION_LETTERS:
        for group in alignment.groups(section):
            if len(_sources_of(group)) > 1:
                shared.update(item.source.label for item in group)
                if section in DETAIL_SECTIONS:
                    for item in _adding_details(group):
                        details[item.source.label].append(item.citation())
            else:
                only_here[group[0].source.label].extend(_citations(group))
    return [
        SourceCoverage(
            source=source.label,
            path=source.path,
            shared_items=shared[source.label],
            only_here=only_here[source.label],
            details_only_here=details[source.label],
        )
        for source in sources
    ]


def _adding_details(group: list[StoryItem]) -> list[StoryItem]:
    """The items of a shared group that say of it what no other source does: at least
    ``MIN_DETAIL_WORDS`` of their words are in no other source's item about it, nor in the
    sentences that item cites. (Not the other articles' whole text: that a word stands somewhere
    in an article does not make it said of this actor or event.)"""
    adding = []
    for item in group:
        elsewhere: set[str] = set()
        for other in group:
            if other.source.label == item.source.label:
                continue
            elsewhere.update(content_words(other.text))
            for sentence in cited_sentences(other.item):
                elsewhere.update(content_words(sentence.text))
        own = dict.fromkeys(content_words(_detail_text(item)))
        if sum(word not in elsewhere for word in own) >= MIN_DETAIL_WORDS:
            adding.append(item)
    return adding


def _detail_text(item: StoryItem) -> str:
    """What an item says beyond naming its actor or place: a name spelled another way is no
    detail."""
    if item.section in ("who", "where"):
        return str(item.item.role)
    return item.text


def alignment_report(
    alignment: Alignment, *, calls: int, levels: int, tokens: int = 0
) -> AlignmentReport:
    return AlignmentReport(
        proposed=alignment.proposed,
        verified=alignment.verified,
        rejected=len(alignment.rejected),
        calls=calls,
        levels=levels,
        tokens=tokens,
    )
