"""One story from several sources: aligning their summaries, in code, and checking the model's
proposed alignment.

Every item of every source's ``ArticleSummary`` gets an id (``A-W1``: source A, who item 1).
Items are merged into story items by a union-find over two kinds of links:

* links code finds on its own: names that are one name spelled two ways, events and claims
  that share most of their content words, figures that count the same thing, equal dates;
* links the model proposed (``StoryAlignment``), each kept only when code can confirm it: the
  ids exist and belong to the right section, names match, texts share enough words, figures
  have compatible units. A proposal that fails is reported in ``rejected``, never merged.

Figures are then compared in code (``summarizer.numbers.compare_figures``), never by the model.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from summarizer.discrepancies import Discrepancies
from summarizer.models import (
    AlignedGroup,
    ArticleSummary,
    Citation,
    CitedSentence,
    RejectedAlignment,
    StoryAlignment,
    StorySource,
)
from summarizer.names import person_words, qualified_apart, same_person
from summarizer.quantities import scope_problem, shared_counted_words
from summarizer.text import content_words, fold, name_words, overlap, spelled_alike

# Part of the story cache key: bump it when a change here changes which items merge.
ALIGNMENT_VERSION = "3"

SECTION_LETTERS = {
    "who": "W",
    "what": "E",
    "where": "P",
    "when": "T",
    "key_figures": "F",
    "disputed_points": "D",
}
GROUP_SECTIONS = {
    "same_actor": "who",
    "same_place": "where",
    "same_event": "what",
    "same_figure": "key_figures",
    "same_dispute": "disputed_points",
}
# Sections the model is shown. Time items are never grouped (dates are equal or not, which code
# tells alone), but the model may say where two outlets give one event different days ("on
# Friday" / "earlier this week").
MODEL_ALIGNED_SECTIONS = (*GROUP_SECTIONS.values(), "when")

# Share of content words two texts must share for code alone to call them one event, claim or
# counted thing. Paraphrases fall below it; the model may link those, but must still show...
CODE_OVERLAP = 0.6
# ...this much shared wording, or the link is unverifiable and rejected.
PROPOSAL_OVERLAP = 0.34
# Outlets paraphrase one event in few shared words ("The House passed ..." / "The House of
# Representatives approved ..."): a proposed link also holds when the items together with the
# sentences they cite share this much, in at least CITED_SHARED_WORDS words (a name alone, as
# "Pompeo" in every item of a story, is not enough). Measured on five devset clusters: 46 of the
# 53 event pairs a capable model links pass, and 196 of the 779 pairs it does not link.
CITED_OVERLAP = 0.2
CITED_SHARED_WORDS = 3

# Words that say what kind of place a name is, not which: "Xinjiang region" is "Xinjiang".
_PLACE_WORDS = frozenset(
    {"region", "province", "city", "capital", "state", "country", "county", "district", "area"}
    | {"town", "village", "the"}
)
_ACRONYM_SKIP = frozenset({"of", "the", "and", "for"})


def source_label(position: int) -> str:
    """A, B, ..., Z, AA, AB, ...: short enough to cite inline."""
    letters = string.ascii_uppercase
    if position < len(letters):
        return letters[position]
    return letters[position // len(letters) - 1] + letters[position % len(letters)]


@dataclass(frozen=True)
class StoryItem:
    """One item of one source's summary, with the id the alignment prompt shows."""

    ref: str
    source: StorySource
    section: str
    item: Any

    @property
    def text(self) -> str:
        return item_text(self.section, self.item)

    def citation(self) -> Citation:
        return Citation(
            source=self.source.label,
            path=self.source.path,
            sentences=list(self.item.evidence),
            text=self.text,
            cited=cited_sentences(self.item),
        )


def cited_sentences(item: Any) -> list[CitedSentence]:
    """The text of each sentence an item cites, beside its id."""
    return [
        CitedSentence(id=span.sentence, text=span.text)
        for span in getattr(item, "evidence_spans", [])
    ]


def item_text(section: str, item: Any) -> str:
    """An item in one line, as the alignment prompt and the reports show it."""
    if section == "who":
        return f"{item.name} ({item.kind}): {item.role}"
    if section == "where":
        return f"{item.name}: {item.role}"
    if section == "what":
        return str(item.description)
    if section == "when":
        return f"{item.text} ({item.date})" if item.date else str(item.text)
    if section == "key_figures":
        unit = f" {item.unit}" if item.unit else ""
        by = f", according to {item.stated_by}" if item.stated_by else ""
        return f"{item.value_text}{unit}: {item.counts}{by}"
    return (
        f"{item.claim} (asserted by {item.asserted_by}; contested by {item.contested_by}: "
        f"{item.how_contested})"
    )


def story_sources(summaries: Sequence[ArticleSummary]) -> list[StorySource]:
    return [
        StorySource(
            label=source_label(position),
            path=summary.metadata.source_path,
            article_id=summary.metadata.article_id,
            outlet=summary.metadata.outlet,
            title=summary.metadata.title,
            published=summary.metadata.published,
        )
        for position, summary in enumerate(summaries)
    ]


def list_items(
    sources: Sequence[StorySource], summaries: Sequence[ArticleSummary]
) -> list[StoryItem]:
    """Every verified item of every summary, in source order then section order."""
    items = []
    for source, summary in zip(sources, summaries, strict=True):
        for section, letter in SECTION_LETTERS.items():
            for number, item in enumerate(getattr(summary, section), start=1):
                items.append(StoryItem(f"{source.label}-{letter}{number}", source, section, item))
    return items


# --------------------------------------------------------------------------------------------
# When two items are about the same thing
# --------------------------------------------------------------------------------------------


def _acronym_of(short: str, long: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", short)
    if not (2 <= len(letters) <= 6) or letters.upper() != letters:
        return False
    words = [w for w in re.findall(r"[A-Za-z]+", long) if w.lower() not in _ACRONYM_SKIP]
    return len(words) >= 2 and "".join(w[0] for w in words).upper() == letters


def _same_place_words(first: str, second: str) -> bool:
    """Two place names with the same words, in any order ("Italy and Hawaii" / "Hawaii and
    Italy"), after what follows a comma, which says where the place lies: "Benghazi, Libya" is
    Benghazi, but "Colorado" is not "Pueblo, Colorado" (a place is not the place it lies in)."""
    words_a = [w for w in name_words(first.split(",")[0]) if w not in _PLACE_WORDS]
    words_b = [w for w in name_words(second.split(",")[0]) if w not in _PLACE_WORDS]
    if not words_a or len(words_a) != len(words_b):
        return False
    unmatched = list(words_b)
    for word in words_a:
        match = next((other for other in unmatched if spelled_alike(word, other)), None)
        if match is None:
            return False
        unmatched.remove(match)
    return True


def _person_words(name: str) -> list[str]:
    """A person's name as words without honorifics or suffixes, initials kept."""
    kept = set(name_words(name))
    return [
        word
        for word in person_words(name)
        if len(word) == 1 or word in kept or (word[:-1] in kept and word.endswith("s"))
    ]


def same_name(first: str, second: str, *, person: bool = False, place: bool = False) -> bool:
    """Whether two names name one actor or place: spellings and transliterations
    ("Tileuberdi" / "Tleuberdi"), honorifics ("Mr Pompeo" / "Mike Pompeo"), acronyms ("US" /
    "United States"), kind words ("Xinjiang region" / "Xinjiang").

    A one-word person name must be the other's surname: "Mike" is not "Mike Pompeo". Persons'
    first names may be nicknames or initials of each other ("Chuck" / "Charles E."); a place is
    never the place a word qualifies ("Inner Mongolia" / "Mongolia") or one inside it."""
    if _acronym_of(first, second) or _acronym_of(second, first):
        return True
    if person:
        return same_person(_person_words(first), _person_words(second))
    if qualified_apart(first, second):
        return False
    words_a = [w for w in name_words(first) if person or w not in _PLACE_WORDS]
    words_b = [w for w in name_words(second) if person or w not in _PLACE_WORDS]
    if not words_a or not words_b:
        return False
    if place:
        return _same_place_words(first, second)
    shorter, longer = sorted((words_a, words_b), key=len)
    # Every word of the shorter name, in order, among the longer name's words.
    position = 0
    for word in shorter:
        while position < len(longer) and not spelled_alike(word, longer[position]):
            position += 1
        if position == len(longer):
            return False
        position += 1
    return True


def link_problem(first: StoryItem, second: StoryItem, *, threshold: float) -> str | None:
    """Why ``first`` and ``second`` cannot be one story item, or None when they can."""
    if first.section != second.section:
        return f"{first.ref} and {second.ref} are from different sections"
    section, a, b = first.section, first.item, second.item
    if section in ("who", "where"):
        person = section == "who" and "person" in (a.kind, b.kind)
        if not same_name(a.name, b.name, person=person, place=section == "where"):
            return f"{a.name!r} ({first.ref}) and {b.name!r} ({second.ref}) are different names"
        return None
    if section == "when":
        if a.date and b.date:
            return None if a.date == b.date else f"{first.ref} and {second.ref} differ in date"
        return None if fold(a.text) == fold(b.text) else f"{first.ref} and {second.ref} differ"
    if section == "key_figures":
        if first.source.label == second.source.label:
            return f"{first.ref} and {second.ref} are figures of one source"
        problem = scope_problem((a.unit, a.counts), (b.unit, b.counts))
        if problem is not None:
            return f"{first.ref} and {second.ref} count different things: {problem}"
        shared = shared_counted_words((a.unit, a.counts), (b.unit, b.counts))
        if shared < threshold:
            return f"{first.ref} and {second.ref} share {shared:.0%} of what they count"
        return None
    texts = (a.description, b.description) if section == "what" else (a.claim, b.claim)
    shared = overlap(*texts)
    if shared >= threshold:
        return None
    if threshold < CODE_OVERLAP:
        richer_a, richer_b = f"{texts[0]} {_cited_text(a)}", f"{texts[1]} {_cited_text(b)}"
        shared_words = set(content_words(richer_a)) & set(content_words(richer_b))
        if overlap(richer_a, richer_b) >= CITED_OVERLAP and len(shared_words) >= CITED_SHARED_WORDS:
            return None
    return f"{first.ref} and {second.ref} share {shared:.0%} of their words"


def _cited_text(item: Any) -> str:
    return " ".join(span.text for span in getattr(item, "evidence_spans", []))


# --------------------------------------------------------------------------------------------
# Merging
# --------------------------------------------------------------------------------------------


class _UnionFind:
    def __init__(self, refs: Iterable[str]) -> None:
        self.parent = {ref: ref for ref in refs}

    def find(self, ref: str) -> str:
        while self.parent[ref] != ref:
            self.parent[ref] = self.parent[self.parent[ref]]
            ref = self.parent[ref]
        return ref

    def union(self, first: str, second: str) -> None:
        root_a, root_b = self.find(first), self.find(second)
        if root_a != root_b:
            # The earlier item leads, so output order follows the sources' order.
            keep, drop = sorted((root_a, root_b), key=self._order)
            self.parent[drop] = keep

    def _order(self, ref: str) -> int:
        return list(self.parent).index(ref)


@dataclass
class Alignment:
    """Items and the links between them, as they are found and checked."""

    items: list[StoryItem]
    by_ref: dict[str, StoryItem] = field(init=False)
    links: _UnionFind = field(init=False)
    rejected: list[RejectedAlignment] = field(default_factory=list)
    proposed: int = 0
    verified: int = 0
    discrepancies: Discrepancies = field(default_factory=Discrepancies)
    _seen: set[tuple[str, frozenset[str]]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.by_ref = {item.ref: item for item in self.items}
        self.links = _UnionFind(self.by_ref)

    def link_by_code(self) -> None:
        """Link every pair code alone can tell is one thing (pairs within a section)."""
        by_section: dict[str, list[StoryItem]] = {}
        for item in self.items:
            by_section.setdefault(item.section, []).append(item)
        for section_items in by_section.values():
            for position, first in enumerate(section_items):
                for second in section_items[position + 1 :]:
                    if link_problem(first, second, threshold=CODE_OVERLAP) is None:
                        self._join(first, second)

    def add_proposals(self, alignment: StoryAlignment, listed: set[str] | None = None) -> None:
        """Check each group the model proposed; link what code confirms, report the rest.

        ``listed``: the ids the prompt showed; the model may cite no other. A proposal made
        again (the same ids, at another level) is counted once. Differences are checked after
        the groups, so they can rest on the links just made."""
        for kind, section in GROUP_SECTIONS.items():
            for group in getattr(alignment, kind):
                if self._first_time(kind, group.items):
                    self._add_group(kind, section, group, listed)
        for difference in alignment.differences:
            refs = [side.item for side in difference.sides]
            if not self._first_time(f"difference: {difference.kind}", refs):
                continue
            reasons = self.discrepancies.check_proposal(
                difference, self.by_ref, listed, self._same_thing
            )
            self._count(f"difference: {difference.kind}", refs, reasons)

    def _first_time(self, kind: str, refs: list[str]) -> bool:
        key = (kind, frozenset(refs))
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _count(self, kind: str, refs: list[str], reasons: list[str]) -> None:
        """One proposal: verified when code confirmed all of it, else rejected (listed once,
        with its reasons), so verified + rejected == proposed."""
        self.proposed += 1
        if reasons:
            self.rejected.append(RejectedAlignment(kind=kind, items=list(refs), reasons=reasons))
        else:
            self.verified += 1

    def _join(self, first: StoryItem, second: StoryItem) -> str | None:
        """Merge the groups of two items; None when merged, else why not. A figure group holds
        one figure per source: joining groups that both hold one of a source's figures would
        set a source against itself ("41" years of age and "nearly 30" years in office)."""
        root_a, root_b = self.links.find(first.ref), self.links.find(second.ref)
        if root_a == root_b:
            return None
        if first.section == "key_figures":
            sources_a = {i.source.label for i in self.items if self.links.find(i.ref) == root_a}
            sources_b = {i.source.label for i in self.items if self.links.find(i.ref) == root_b}
            both = sources_a & sources_b
            if both:
                return (
                    f"{first.ref} and {second.ref} would put two figures of source "
                    f"{', '.join(sorted(both))} in one group"
                )
        self.links.union(first.ref, second.ref)
        return None

    def _same_thing(self, first: StoryItem, second: StoryItem) -> bool:
        """Two items merged into one story item, or close enough to be about one thing."""
        if self.links.find(first.ref) == self.links.find(second.ref):
            return True
        return link_problem(first, second, threshold=PROPOSAL_OVERLAP) is None

    def _add_group(
        self, kind: str, section: str, group: AlignedGroup, listed: set[str] | None
    ) -> None:
        reasons: list[str] = []
        members: list[StoryItem] = []
        for ref in dict.fromkeys(group.items):
            item = self.by_ref.get(ref)
            if item is None or (listed is not None and ref not in listed):
                reasons.append(f"{ref} is not a listed item")
            elif item.section != section:
                reasons.append(f"{ref} is not a {section} item")
            else:
                members.append(item)
        linked: set[str] = set()
        first_problem: dict[str, str] = {}
        for position, first in enumerate(members):
            for second in members[position + 1 :]:
                problem = link_problem(first, second, threshold=PROPOSAL_OVERLAP)
                if problem is None:
                    problem = self._join(first, second)
                if problem is None:
                    linked.update((first.ref, second.ref))
                else:
                    first_problem.setdefault(first.ref, problem)
                    first_problem.setdefault(second.ref, problem)
        unlinked = [item.ref for item in members if item.ref not in linked]
        # One reason per failed pair, not one per item: "A-W1 and B-W2 are different names".
        reasons += dict.fromkeys(first_problem[ref] for ref in unlinked if ref in first_problem)
        if reasons and linked:
            reasons.append(f"{', '.join(sorted(linked))} were linked")
        self._count(kind, list(group.items), reasons)

    def groups(self, section: str) -> list[list[StoryItem]]:
        """The merged items of a section, each group in source order, groups in order of their
        first item."""
        grouped: dict[str, list[StoryItem]] = {}
        for item in self.items:
            if item.section == section:
                grouped.setdefault(self.links.find(item.ref), []).append(item)
        return list(grouped.values())


# --------------------------------------------------------------------------------------------
# The story
# --------------------------------------------------------------------------------------------
