"""Where sources reporting the same thing disagree: the story's ledger of discrepancies.

Merged items keep each source's own wording; this module compares those wordings. Code finds
on its own what it can tell for certain: days that resolve to different dates (weekdays and
dates read against each article's publication date), numbers inside descriptions that differ.
The model may propose more (a place, who did it, an attribute such as "redacted"); each
proposal is kept only when code confirms it: the items exist, come from different sources and
are about the same thing, each side's words are in that item or the sentences it cites, and
the sides do not say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from summarizer.dates import DayMention, day_mentions
from summarizer.models import (
    Citation,
    Discrepancy,
    DiscrepancySide,
    ProposedDifference,
    StorySource,
)
from summarizer.numbers import compare_figures, find_numbers, parse_figure
from summarizer.text import content_words, fold

# Share of a proposed side's content words that must be in its item or cited sentences.
SAYS_FOUND = 0.75
# Sections whose merged items are compared for days and numbers.
_COMPARED_SECTIONS = ("what", "disputed_points", "who", "where")


class SourcedItem(Protocol):
    """One source's item (``summarizer.alignment.StoryItem``)."""

    @property
    def ref(self) -> str: ...
    @property
    def source(self) -> StorySource: ...
    @property
    def section(self) -> str: ...
    @property
    def item(self) -> Any: ...
    @property
    def text(self) -> str: ...
    def citation(self) -> Citation: ...


Item = TypeVar("Item", bound=SourcedItem)


def _cited_text(item: SourcedItem) -> str:
    return " ".join(span.text for span in getattr(item.item, "evidence_spans", []))


def _side(item: SourcedItem, says: str) -> DiscrepancySide:
    return DiscrepancySide(
        source=item.source.label, outlet=item.source.outlet, says=says, citation=item.citation()
    )


def _name(item: SourcedItem) -> str:
    return item.source.outlet or f"source {item.source.label}"


@dataclass
class Discrepancies:
    """The ledger as it is found (by code) and proposed (by the model, checked by code)."""

    found: list[Discrepancy] = field(default_factory=list)
    _refs: list[frozenset[str]] = field(default_factory=list)

    def add(self, discrepancy: Discrepancy, refs: Sequence[str]) -> bool:
        """Add one discrepancy unless one of its kind already covers these items. A figure
        conflict code finds in a whole group replaces the model's report of part of it."""
        items = frozenset(refs)
        for found, covered in zip(self.found, self._refs, strict=True):
            if _same_kind(found.kind, discrepancy.kind) and items <= covered:
                return False
        if discrepancy.kind == "figure":
            kept = [
                (found, covered)
                for found, covered in zip(self.found, self._refs, strict=True)
                if not (_same_kind(found.kind, "figure") and covered <= items)
            ]
            self.found = [found for found, _ in kept]
            self._refs = [covered for _, covered in kept]
        self.found.append(discrepancy)
        self._refs.append(items)
        return True

    # ----------------------------------------------------------------------------------------
    # Found by code
    # ----------------------------------------------------------------------------------------

    def compare_group(self, group: Sequence[SourcedItem]) -> None:
        """Compare every pair of items from different sources in one merged group."""
        if not group or group[0].section not in _COMPARED_SECTIONS:
            return
        for position, first in enumerate(group):
            for second in group[position + 1 :]:
                if first.source.label == second.source.label:
                    continue
                for found in (_day_difference(first, second), _number_difference(first, second)):
                    if found is not None:
                        self.add(found, (first.ref, second.ref))

    # ----------------------------------------------------------------------------------------
    # Proposed by the model
    # ----------------------------------------------------------------------------------------

    def check_proposal(
        self,
        proposal: ProposedDifference,
        by_ref: dict[str, Item],
        listed: set[str] | None,
        same_thing: Callable[[Item, Item], bool],
    ) -> list[str]:
        """Add a proposed difference when code confirms it; the reasons it cannot be, else."""
        reasons: list[str] = []
        members: list[tuple[Item, str]] = []
        for side in proposal.sides:
            item = by_ref.get(side.item)
            if item is None or (listed is not None and side.item not in listed):
                reasons.append(f"{side.item} is not a listed item")
                continue
            if not _says_found(side.says, item):
                reasons.append(
                    f"{side.item} does not say {side.says!r} (not in the item or its sentences)"
                )
                continue
            members.append((item, side.says))
        if reasons:
            return reasons
        if len({item.source.label for item, _ in members}) < 2:
            return ["all its sides come from one source"]
        if len({fold(says) for _, says in members}) < 2:
            return ["its sides say the same thing"]
        first = members[0][0]
        about_everywhere = all(_about_found(proposal.about, item) for item, _ in members)
        for item, _ in members[1:]:
            if not (same_thing(first, item) or about_everywhere):
                return [
                    f"{first.ref} and {item.ref} are not about the same thing (not linked, and "
                    f"{proposal.about!r} is not in both)"
                ]
        if proposal.kind in ("date", "weekday"):
            days = [_resolved_days(says, item) for item, says in members]
            known = [d for d in days if d]
            if len(known) == len(days) and _one_day_in_common(known):
                return ["the days named resolve to the same date"]
        if proposal.kind == "number" or proposal.kind == "figure":
            numbers = [set(find_numbers(says)) for _, says in members]
            if all(numbers) and set.intersection(*numbers):
                return ["the sides state the same number"]
            # Figures conflict when code says so, never because the model does: "roughly
            # 520,000" and "about 500,000" can both hold.
            values = [parse_figure(_figure_text(item, says)) for item, says in members]
            if all(value is not None for value in values):
                labelled = [
                    (item.source.label, value)
                    for (item, _), value in zip(members, values, strict=True)
                    if value is not None
                ]
                if compare_figures(labelled)[0] == "agree":
                    return [f"the values are compatible: {compare_figures(labelled)[1]}"]
        sides = [_side(item, says) for item, says in members]
        explanation = "; ".join(f"{_name(item)} says {says!r}" for item, says in members)
        self.add(
            Discrepancy(
                kind=proposal.kind,
                about=proposal.about,
                explanation=f"{explanation}: they cannot both hold",
                found_by="model, checked by code",
                sides=sides,
            ),
            [item.ref for item, _ in members],
        )
        return []


# What a difference is about ("when Hunter repaid the $60,000") must name at least this many
# content words, and each side's item with its sentences must hold this share of them: two days
# in two outlets' time items are about one event only when both sentences tell of it.
ABOUT_MIN_WORDS = 2
ABOUT_FOUND = 0.4


def _about_found(about: str, item: SourcedItem) -> bool:
    words = list(dict.fromkeys(content_words(_email(about))))
    if len(words) < ABOUT_MIN_WORDS:
        return False
    present = set(content_words(_email(f"{item.text} {_cited_text(item)}")))
    return sum(word in present for word in words) / len(words) >= ABOUT_FOUND


def _email(text: str) -> str:
    # "e-mail" and "email" are one word.
    return re.sub(r"\be-mail", "email", text, flags=re.IGNORECASE)


def _same_kind(first: str, second: str) -> bool:
    numeric = {"figure", "number"}
    return first == second or (first in numeric and second in numeric)


def _figure_text(item: SourcedItem, says: str) -> str:
    """A figure as its source writes it, with its hedge ("roughly 520,000"), when the item is
    a figure; otherwise the words the model quoted."""
    return str(getattr(item.item, "value_text", None) or says)


def _says_found(says: str, item: SourcedItem) -> bool:
    where = f"{item.text} {_cited_text(item)}"
    if fold(says) and fold(says) in fold(where):
        return True
    words = content_words(says)
    if not words:
        return False
    present = set(content_words(where))
    return sum(word in present for word in words) / len(words) >= SAYS_FOUND


def _resolved_days(text: str, item: SourcedItem) -> set[Any]:
    return {m.day for m in day_mentions(text, item.source.published) if m.day is not None}


def _one_day_in_common(days: list[set[Any]]) -> bool:
    return bool(set.intersection(*days))


def _item_words(item: SourcedItem) -> str:
    """The item's own wording, without a time item's resolved date in brackets."""
    return str(item.text)


def _day_difference(first: SourcedItem, second: SourcedItem) -> Discrepancy | None:
    days_a = day_mentions(_item_words(first), first.source.published)
    days_b = day_mentions(_item_words(second), second.source.published)
    if len(days_a) != 1 or len(days_b) != 1:
        # An item naming several days tells of several moments ("released on Wednesday the
        # e-mails of Sept. 14"); which day answers which is not for code to guess.
        return None
    resolved_a = {m.day for m in days_a if m.day is not None}
    resolved_b = {m.day for m in days_b if m.day is not None}
    if resolved_a and resolved_b:
        if resolved_a & resolved_b:
            return None
    else:
        # Without publication dates only weekdays can be compared, name for name.
        weekdays_a = {m.weekday for m in days_a if m.weekday}
        weekdays_b = {m.weekday for m in days_b if m.weekday}
        if not (weekdays_a and weekdays_b) or weekdays_a & weekdays_b:
            return None
    kind = "weekday" if any(m.weekday for m in (*days_a, *days_b)) else "date"
    return Discrepancy(
        kind=kind,
        about=_about(first),
        explanation=(
            f"{_name(first)} says {_days(days_a)}, {_name(second)} says {_days(days_b)}: "
            "one event, two different days"
        ),
        found_by="code",
        sides=[_side(first, _written(days_a)), _side(second, _written(days_b))],
    )


def _days(mentions: list[DayMention]) -> str:
    return ", ".join(
        f"{m.written} ({m.day.strftime('%A %d %B %Y')})" if m.day else m.written for m in mentions
    )


def _written(mentions: list[DayMention]) -> str:
    return ", ".join(m.written for m in mentions)


# Numbers that are parts of days ("March 8"), not figures.
_DAY_NUMBER = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*",
    re.IGNORECASE,
)


# A number and the word it counts: "48-page indictment", "$3.5 billion for", "1976 law".
_COUNTED = re.compile(
    r"(?P<number>\$?\d[\d,]*(?:\.\d+)?(?:\s*(?:million|billion|trillion|percent|%))?)"
    r"(?:-|\s+)(?P<word>[A-Za-z]{3,})"
)


def _counted_numbers(text: str) -> dict[str, set[float]]:
    """The numbers of a text by the word each counts ("page": {48.0})."""
    counted: dict[str, set[float]] = {}
    for match in _COUNTED.finditer(_DAY_NUMBER.sub(" ", text)):
        word = fold(match.group("word"))
        if word in _NOT_COUNTED:
            continue
        values = find_numbers(match.group("number"))
        if values:
            counted.setdefault(word.rstrip("s"), set()).add(values[0])
    return counted


# Words after a number that say nothing of what it counts.
_NOT_COUNTED = frozenset(
    {"and", "or", "to", "the", "a", "an", "of", "in", "on", "at", "by", "for", "from", "with"}
    | {"that", "which", "who", "as", "than", "was", "were", "is", "are", "when", "after"}
    | {"before", "hundred", "thousand", "million", "billion", "trillion", "percent"}
)


def _number_difference(first: SourcedItem, second: SourcedItem) -> Discrepancy | None:
    """One event, the same thing counted, different numbers: "48-page indictment" against
    "47-page indictment". Numbers that count different words are not compared."""
    if first.section != "what":
        return None
    counted_a = _counted_numbers(_item_words(first))
    counted_b = _counted_numbers(_item_words(second))
    for word in sorted(set(counted_a) & set(counted_b)):
        if counted_a[word] & counted_b[word]:
            continue
        say_a = " or ".join(_number_text(v) for v in sorted(counted_a[word])) + f" {word}"
        say_b = " or ".join(_number_text(v) for v in sorted(counted_b[word])) + f" {word}"
        return Discrepancy(
            kind="number",
            about=_about(first),
            explanation=(
                f"{_name(first)} gives {say_a}, {_name(second)} gives {say_b} for the same event"
            ),
            found_by="code",
            sides=[_side(first, say_a), _side(second, say_b)],
        )
    return None


def _number_text(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.6g}"


def _about(item: SourcedItem) -> str:
    return str(item.text)[:120]
