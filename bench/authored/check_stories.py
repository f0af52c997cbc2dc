"""Check the authored story expectations in bench/authored/stories/ against the devset articles.

Usage: python bench/authored/check_stories.py [DEVSET] [--answers DIR ...]
(DEVSET defaults to ../shared/devset beside the repo, answers to bench/authored/articles)

Every expectation must be well formed (format: bench/authored/README.md), every evidence string
must occur verbatim in its outlet's article, and every side must be recognisable by at least one
of its own alternatives inside its evidence, so that the scorer's terms are the articles' wording.
Every alignment item must be an item of the named per-article answer, in that section, with
exactly that text, and every difference's `says` must be in the item or its cited sentences.
Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
STORIES_DIR = Path(__file__).resolve().parent / "stories"
DEFAULT_DEVSET = REPO_ROOT.parent / "shared" / "devset"
DEFAULT_ANSWERS = Path(__file__).resolve().parent / "articles"

# The field that names an item in each section of a per-article answer.
SECTION_TEXT = {
    "who": "name",
    "what": "description",
    "where": "name",
    "when": "text",
    "key_figures": "value_text",
    "disputed_points": "claim",
}
# A rough sentence split, only to find the sentence an evidence string was cut from; an
# abbreviation ("Mr.") may split a sentence early, which can only make the check stricter.
SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’]?\s+(?=[“\"A-Z])")

KINDS = {
    "figure_conflict",
    "date_conflict",
    "weekday_conflict",
    "place_difference",
    "actor_difference",
    "attribute_difference",
    "single_source",
}
# Shorter evidence than this is ambiguous once the server maps it to a sentence id.
MIN_EVIDENCE_CHARS = 25


def _fold(text: str) -> str:
    """Case and typography fold used only to compare alternatives with evidence."""
    table = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
    return " ".join(text.translate(table).lower().split())


def _check_side(side: Any, where: str, articles: dict[str, str], errors: list[str]) -> str | None:
    if not isinstance(side, dict):
        errors.append(f"{where}: a side must be an object")
        return None
    unknown = set(side) - {"source", "evidence", "any"}
    if unknown:
        errors.append(f"{where}: unknown keys {sorted(unknown)}")
    source = str(side.get("source"))
    if source not in articles:
        errors.append(f"{where}: source {source!r} is not an article of this cluster")
        return None
    evidence = side.get("evidence")
    if not isinstance(evidence, str) or not evidence.strip():
        errors.append(f"{where}: evidence must be a non-empty string")
        return source
    if "\n" in evidence:
        errors.append(f"{where}: evidence spans a paragraph break")
    if len(evidence) < MIN_EVIDENCE_CHARS:
        errors.append(f"{where}: evidence shorter than {MIN_EVIDENCE_CHARS} characters")
    if evidence not in articles[source]:
        errors.append(f"{where}: evidence not verbatim in {source}: {evidence[:70]!r}")
    alternatives = side.get("any")
    if (
        not isinstance(alternatives, list)
        or not alternatives
        or not all(isinstance(term, str) and term.strip() for term in alternatives)
    ):
        errors.append(f"{where}: `any` must be a non-empty list of non-empty strings")
    elif not any(_fold(term) in _fold(evidence) for term in alternatives):
        errors.append(f"{where}: none of {alternatives} occurs in its evidence")
    return source


def _check_entry(
    entry: Any,
    where: str,
    articles: dict[str, str],
    errors: list[str],
    text_key: str,
) -> None:
    if not isinstance(entry, dict):
        errors.append(f"{where}: must be an object")
        return
    expected = {"id", "kind", "sources", text_key, "sides"}
    missing, unknown = expected - set(entry), set(entry) - expected
    if missing or unknown:
        errors.append(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    kind = entry.get("kind")
    if kind not in KINDS:
        errors.append(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
    text = entry.get(text_key)
    if not isinstance(text, str) or len(text.split()) < 4:
        errors.append(f"{where}: {text_key} must be a sentence")
    sides = entry.get("sides")
    if not isinstance(sides, list) or not sides:
        errors.append(f"{where}: sides must be a non-empty list")
        return
    side_sources = [
        _check_side(side, f"{where} side {n}", articles, errors) for n, side in enumerate(sides)
    ]
    if entry.get("sources") != side_sources:
        errors.append(
            f"{where}: sources {entry.get('sources')} differ from the sides' {side_sources}"
        )
    if text_key == "description":
        if len(sides) < 2:
            errors.append(f"{where}: a spurious pattern sets two sides against each other")
        return
    if kind == "single_source" and len(sides) != 1:
        errors.append(f"{where}: a single_source fact has exactly one side")
    if kind != "single_source" and (len(sides) < 2 or len(set(side_sources)) < len(sides)):
        errors.append(f"{where}: a discrepancy sets 2+ different outlets against each other")


def _containing_sentences(evidence: str, article: str) -> list[str]:
    """The article's sentences (roughly split) that contain or overlap the evidence."""
    found = []
    for paragraph in article.split("\n"):
        if evidence not in paragraph:
            continue
        start = paragraph.index(evidence)
        end = start + len(evidence)
        offset = 0
        for sentence in SENTENCE_END.split(paragraph):
            begin = paragraph.index(sentence, offset)
            offset = begin + len(sentence)
            if begin < end and offset > start:
                found.append(sentence)
    return found


def _item_strings(item: dict[str, Any], article: str) -> list[str]:
    """Everything an item states: its own fields, its evidence and the sentences cited."""
    strings: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
            strings.extend(_containing_sentences(value, article))
        elif isinstance(value, list):
            for element in value:
                collect(element)
        elif isinstance(value, dict):
            for element in value.values():
                collect(element)

    collect(item)
    return strings


# Returned for every item of an answer file that does not exist: reported once per file.
MISSING = "missing answer file"


class Answers:
    """Per-article answers of one cluster, looked up by outlet, section and exact text."""

    def __init__(self, cluster: str, answer_dirs: list[Path]) -> None:
        self.cluster = cluster
        self.answer_dirs = answer_dirs
        self.loaded: dict[str, dict[str, Any] | None] = {}

    def answer(self, source: str) -> dict[str, Any] | None:
        if source not in self.loaded:
            self.loaded[source] = None
            for folder in self.answer_dirs:
                path = folder / self.cluster / f"{source}.json"
                if path.is_file():
                    self.loaded[source] = json.loads(path.read_text(encoding="utf-8"))
                    break
        return self.loaded[source]

    def item(self, source: str, section: str, text: Any) -> dict[str, Any] | str:
        """The item, or why it cannot be found."""
        answer = self.answer(source)
        if answer is None:
            return MISSING
        if section not in SECTION_TEXT:
            return f"unknown section {section!r}"
        for item in answer.get(section, []):
            if item.get(SECTION_TEXT[section]) == text:
                return dict(item)
        return f"{source} has no {section} item whose {SECTION_TEXT[section]} is {text!r}"


def _check_alignment(
    alignment: Any,
    where: str,
    answers: Answers,
    articles: dict[str, str],
    discrepancies: dict[str, dict[str, Any]],
    errors: list[str],
) -> int:
    """Check the alignment answers; return how many groups and differences were checked."""
    if not isinstance(alignment, dict):
        errors.append(f"{where}: alignment must be an object")
        return 0
    unknown = set(alignment) - set(SECTION_TEXT) - {"differences"}
    if unknown:
        errors.append(f"{where}: unknown alignment keys {sorted(unknown)}")
    checked = 0
    missing: set[str] = set()
    for section in SECTION_TEXT:
        grouped: set[tuple[str, str]] = set()
        for number, group in enumerate(alignment.get(section, [])):
            here = f"{where} {section}[{number}]"
            checked += 1
            items = group.get("items") if isinstance(group, dict) else None
            if not isinstance(group, dict) or not isinstance(group.get("label"), str):
                errors.append(f"{here}: a group is {{label, items}}")
            if not isinstance(items, list) or len(items) < 2:
                errors.append(f"{here}: a group links 2+ items")
                continue
            if len({item.get("source") for item in items}) < 2:
                errors.append(f"{here}: a group links items of 2+ sources")
            for item in items:
                key = (str(item.get("source")), str(item.get("text")))
                if key in grouped:
                    errors.append(f"{here}: {key} is already in another {section} group")
                grouped.add(key)
                found = answers.item(key[0], section, item.get("text"))
                if found == MISSING:
                    missing.add(key[0])
                elif isinstance(found, str):
                    errors.append(f"{here}: {found}")
    for number, difference in enumerate(alignment.get("differences", [])):
        here = f"{where} differences[{number}]"
        checked += 1
        if not isinstance(difference, dict):
            errors.append(f"{here}: must be an object")
            continue
        if difference.get("kind") not in KINDS - {"single_source"}:
            errors.append(f"{here}: kind {difference.get('kind')!r} is not a difference kind")
        sides = difference.get("sides")
        if not isinstance(sides, list) or len({side.get("source") for side in sides}) < 2:
            errors.append(f"{here}: a difference sets 2+ outlets against each other")
            continue
        expected = discrepancies.get(str(difference.get("discrepancy")))
        if expected is None:
            errors.append(f"{here}: discrepancy {difference.get('discrepancy')!r} is unknown")
        elif expected.get("kind") != difference.get("kind") or set(expected.get("sources", [])) != {
            side.get("source") for side in sides
        }:
            errors.append(f"{here}: kind or outlets differ from {expected.get('id')}'s")
        said: list[str] = []
        for side in sides:
            source, says = str(side.get("source")), side.get("says")
            found = answers.item(source, str(side.get("section")), side.get("text"))
            if found == MISSING:
                missing.add(source)
                continue
            if isinstance(found, str):
                errors.append(f"{here}: {found}")
                continue
            if not isinstance(says, str) or not says.strip():
                errors.append(f"{here}: {source} side has no `says`")
                continue
            said.append(_fold(says))
            stated = _item_strings(found, articles.get(source, ""))
            if not any(_fold(says) in _fold(text) for text in stated):
                errors.append(f"{here}: {source} item does not say {says!r}")
        if len(said) == len(sides) and len(set(said)) < len(said):
            errors.append(f"{here}: the sides say the same thing")
    errors.extend(
        f"{where}: no answer file {answers.cluster}/{source}.json in {answers.answer_dirs}"
        for source in sorted(missing)
    )
    return checked


def check_story(
    path: Path, devset: Path, answer_dirs: list[Path]
) -> tuple[list[str], Counter[str]]:
    """Return the errors found in one stories/<cluster>.json and its discrepancy kinds."""
    errors: list[str] = []
    kinds: Counter[str] = Counter()
    try:
        story = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return [f"{path.name}: not JSON: {exc}"], kinds
    if story.get("authored") is not True:
        errors.append(f'{path.name}: must be labelled "authored": true')
    cluster = story.get("cluster")
    if cluster != path.stem:
        errors.append(f"{path.name}: cluster {cluster!r} differs from the file name")
    cluster_dir = devset / path.stem
    if not cluster_dir.is_dir():
        return [*errors, f"{path.name}: no devset folder {cluster_dir}"], kinds
    articles = {
        article.stem: json.loads(article.read_text(encoding="utf-8"))["text"]
        for article in sorted(cluster_dir.glob("*.json"))
    }
    seen_ids: set[str] = set()
    for list_key, text_key in (("discrepancies", "summary"), ("spurious", "description")):
        entries = story.get(list_key)
        if not isinstance(entries, list):
            errors.append(f"{path.name}: {list_key} must be a list")
            continue
        for number, entry in enumerate(entries):
            entry_id = entry.get("id") if isinstance(entry, dict) else None
            where = f"{path.name} {list_key}[{number}] {entry_id}"
            if not isinstance(entry_id, str) or entry_id in seen_ids:
                errors.append(f"{where}: id missing or repeated")
            else:
                seen_ids.add(entry_id)
            _check_entry(entry, where, articles, errors, text_key)
            if list_key == "discrepancies" and isinstance(entry, dict):
                kinds[str(entry.get("kind"))] += 1
    if "alignment" in story:
        discrepancies = {
            str(entry.get("id")): entry
            for entry in story.get("discrepancies", [])
            if isinstance(entry, dict)
        }
        kinds["alignment entries"] = _check_alignment(
            story["alignment"],
            f"{path.name} alignment",
            Answers(path.stem, answer_dirs),
            articles,
            discrepancies,
            errors,
        )
    return errors, kinds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("devset", nargs="?", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument(
        "--answers",
        type=Path,
        action="append",
        help="folder of per-article answers (<cluster>/<outlet>.json); repeatable",
    )
    args = parser.parse_args(argv[1:])
    answer_dirs: list[Path] = args.answers or [DEFAULT_ANSWERS]
    if not args.devset.is_dir():
        print(f"devset folder not found: {args.devset}", file=sys.stderr)
        return 2
    all_errors: list[str] = []
    total: Counter[str] = Counter()
    for path in sorted(STORIES_DIR.glob("*.json")):
        errors, kinds = check_story(path, args.devset, answer_dirs)
        all_errors += errors
        total += kinds
        aligned = kinds.pop("alignment entries", 0)
        try:
            spurious = len(json.loads(path.read_text(encoding="utf-8")).get("spurious", []))
        except (json.JSONDecodeError, AttributeError):
            spurious = 0
        print(
            f"{path.stem}: {sum(kinds.values())} discrepancies {dict(kinds)}, "
            f"{spurious} spurious, {aligned} alignment entries"
        )
    aligned = total.pop("alignment entries", 0)
    print(f"total: {sum(total.values())} discrepancies {dict(sorted(total.items()))}")
    print(f"alignment entries checked: {aligned}")
    for error in all_errors:
        print(f"ERROR {error}", file=sys.stderr)
    print(f"{len(all_errors)} errors")
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
