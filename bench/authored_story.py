"""Answers a story's alignment requests as a capable model would, from authored fixtures.

``bench/authored/stories/<cluster>.json`` holds, under ``alignment``, the groups and the
differences a capable model gives for one devset cluster (written by hand, labelled authored;
see ``bench/authored/README.md``). Items there are named by outlet and text, never by id: ids
change with every summary. This hook reads the alignment prompt (its ``Source A: ... [fox.json]``
lines and ``A-W1: ...`` item lines), maps each authored item to the id of the listed item of that
outlet and section whose text holds it, and answers with the groups and differences whose
items are in this prompt (with several batches, each prompt gets its share).

Used with ``bench/authored_model.py``:
``AuthoredModelServer(devset, roots, hooks=[StoryAlignmentHook(stories)])``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authored_model import ModelRequest, normalise

JsonObject = dict[str, Any]

# The authored answers' section names, the alignment schema's group names and id letters.
GROUP_OF_SECTION = {
    "who": ("same_actor", "W"),
    "where": ("same_place", "P"),
    "what": ("same_event", "E"),
    "key_figures": ("same_figure", "F"),
    "disputed_points": ("same_dispute", "D"),
    # A schema without a quotes section gets quotes as events (bench/authored_model.py).
    "quotes": ("same_event", "E"),
}
LETTER_OF_SECTION = {
    "who": "W", "what": "E", "where": "P", "when": "T", "key_figures": "F", "disputed_points": "D",
    "quotes": "E",
}  # fmt: skip
# The expectation kinds the authors use, and the ledger's.
KIND_NAMES = {
    "figure_conflict": "figure",
    "date_conflict": "date",
    "weekday_conflict": "weekday",
    "place_difference": "place",
    "actor_difference": "actor",
    "attribute_difference": "attribute",
    "single_source": "only_one_source",
}

_SOURCE_LINE = re.compile(r"^Source ([A-Z]{1,2}): (.*)$", re.MULTILINE)
_FILE_NAME = re.compile(r"\[([^\]]+\.\w+)\]")
_ITEM_LINE = re.compile(r"^([A-Z]{1,2})-([WEPTFD])(\d+): (.*)$", re.MULTILINE)


@dataclass
class ListedItem:
    ref: str
    outlet: str
    letter: str
    text: str


def listed_items(prompt: str, titles: dict[str, str] | None = None) -> list[ListedItem]:
    """The items an alignment prompt lists, each with its outlet (the file stem, "fox"): from
    the file name the source line shows, else from the article title it shows (``titles``:
    title -> file stem; older prompts show only the title)."""
    outlets = {}
    for label, line in _SOURCE_LINE.findall(prompt):
        named = _FILE_NAME.search(line)
        if named:
            outlets[label] = Path(named.group(1)).stem
            continue
        for title, stem in (titles or {}).items():
            if normalise(title) in normalise(line):
                outlets[label] = stem
                break
        else:
            outlets[label] = Path(line.strip().split()[-1]).stem if line.strip() else ""
    return [
        ListedItem(f"{label}-{letter}{number}", outlets.get(label, ""), letter, normalise(text))
        for label, letter, number, text in _ITEM_LINE.findall(prompt)
    ]


def find_ref(listed: list[ListedItem], outlet: str, section: str, text: str) -> str | None:
    """The id of the listed item of this outlet and section that holds ``text``."""
    letter = LETTER_OF_SECTION.get(section)
    wanted = normalise(text)
    candidates = [i for i in listed if i.outlet == outlet and i.letter == letter]
    if not wanted:
        return None
    # An item's line starts with its name, description, value or claim; a name may also occur
    # inside another item's role, so a line that starts with the text wins.
    for item in candidates:
        if item.text.startswith(wanted):
            return item.ref
    for item in candidates:
        if wanted in item.text:
            return item.ref
    return None


class StoryAlignmentHook:
    """A hook for ``AuthoredModelServer``: answers alignment requests from ``stories``
    (cluster name -> the authored story file's content)."""

    def __init__(
        self, stories: dict[str, JsonObject], titles: dict[str, str] | None = None
    ) -> None:
        self.stories = stories
        self.titles = titles or {}
        self.requests = 0
        self.unmapped: list[str] = []

    @classmethod
    def from_folder(
        cls, folder: Path, clusters: Iterable[str] | None = None, devset: Path | None = None
    ) -> StoryAlignmentHook:
        """The stories under ``folder`` (only ``clusters`` when given); ``devset`` supplies the
        articles' titles, for prompts that name sources by title only."""
        wanted = set(clusters) if clusters is not None else None
        stories, titles = {}, {}
        for path in sorted(folder.glob("*.json")):
            if wanted is None or path.stem in wanted:
                stories[path.stem] = json.loads(path.read_text(encoding="utf-8"))
                for record in sorted((devset / path.stem).glob("*.json")) if devset else []:
                    title = json.loads(record.read_text(encoding="utf-8")).get("title")
                    if title:
                        titles[title] = record.stem
        return cls(stories, titles)

    def __call__(self, request: ModelRequest) -> JsonObject | None:
        properties = (request.schema or {}).get("properties", {})
        if "same_actor" not in properties:
            return None
        prompt = "\n".join(
            str(m.get("content") or "") for m in request.messages if m.get("role") == "user"
        )
        listed = listed_items(prompt, self.titles)
        alignment = self._alignment_for(listed)
        self.requests += 1
        answer: JsonObject = {name: [] for name in properties}
        for section, (group_name, _) in GROUP_OF_SECTION.items():
            for group in alignment.get(section, []):
                refs = []
                for member in group.get("items", []):
                    ref = find_ref(listed, member["source"], section, member["text"])
                    if ref is not None and ref not in refs:
                        refs.append(ref)
                if len(refs) >= 2 and group_name in answer:
                    answer[group_name].append({"label": group.get("label", ""), "items": refs})
        if "differences" in answer:
            for difference in alignment.get("differences", []):
                sides = []
                for side in difference.get("sides", []):
                    ref = find_ref(listed, side["source"], side["section"], side["text"])
                    if ref is None:
                        self.unmapped.append(f"{side['source']} {side['section']}: {side['text']}")
                    else:
                        sides.append({"item": ref, "says": side["says"]})
                kind = KIND_NAMES.get(difference["kind"], difference["kind"])
                if len(sides) >= 2 and kind != "only_one_source":
                    answer["differences"].append(
                        {"kind": kind, "about": difference.get("about", ""), "sides": sides}
                    )
        return answer

    def _alignment_for(self, listed: list[ListedItem]) -> JsonObject:
        """The authored alignment of the cluster whose items this prompt lists most of."""
        best: JsonObject = {}
        best_score = 0
        for story in self.stories.values():
            alignment = story.get("alignment") or {}
            score = 0
            for section in GROUP_OF_SECTION:
                for group in alignment.get(section, []):
                    for member in group.get("items", []):
                        if find_ref(listed, member["source"], section, member["text"]):
                            score += 1
            if score > best_score:
                best, best_score = alignment, score
        return best
