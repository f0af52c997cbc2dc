"""Check the authored story expectations in bench/authored/stories/ against the devset articles.

Usage: python bench/authored/check_stories.py [DEVSET]   (default: ../shared/devset beside the repo)

Every expectation must be well formed (format: bench/authored/README.md), every evidence string
must occur verbatim in its outlet's article, and every side must be recognisable by at least one
of its own alternatives inside its evidence, so that the scorer's terms are the articles' wording.
Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
STORIES_DIR = Path(__file__).resolve().parent / "stories"
DEFAULT_DEVSET = REPO_ROOT.parent / "shared" / "devset"

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


def check_story(path: Path, devset: Path) -> tuple[list[str], Counter[str]]:
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
    return errors, kinds


def main(argv: list[str]) -> int:
    devset = Path(argv[1]) if len(argv) > 1 else DEFAULT_DEVSET
    if not devset.is_dir():
        print(f"devset folder not found: {devset}", file=sys.stderr)
        return 2
    all_errors: list[str] = []
    total: Counter[str] = Counter()
    for path in sorted(STORIES_DIR.glob("*.json")):
        errors, kinds = check_story(path, devset)
        all_errors += errors
        total += kinds
        story = json.loads(path.read_text(encoding="utf-8")) if not errors else {}
        spurious = len(story.get("spurious", []))
        print(
            f"{path.stem}: {sum(kinds.values())} discrepancies {dict(kinds)}, {spurious} spurious"
        )
    print(f"total: {sum(total.values())} discrepancies {dict(sorted(total.items()))}")
    for error in all_errors:
        print(f"ERROR {error}", file=sys.stderr)
    print(f"{len(all_errors)} errors")
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
