"""How many real cross-outlet discrepancies the story ledger finds, and how many it invents.

    python bench/story.py [DEVSET] [--cluster NAME ...] [--ledgers DIR] [--json FILE]

For each devset cluster with an authored story file (``bench/authored/stories/<cluster>.json``:
discrepancies a reader finds by reading the articles, and patterns that count as spurious,
written by hand before looking at any ledger), runs ``summarize CLUSTER --story`` through the
library against ``bench/authored_model.py``, a local OpenAI-compatible server answering as a
capable model would (authored per-article answers, and authored alignment answers through
``bench/authored_story.py``). Then scores the ledger:

* **found**: an expected discrepancy for which one ledger entry has, for each side, a side of
  that outlet whose text (its wording and the item as that outlet gives it) holds one of the side's
  alternatives; a fact only one outlet reports is found in that outlet's ``only_here`` list;
* **spurious**: a ledger entry (a discrepancy, a figure conflict) matching a spurious pattern;
* **unexpected**: ledger entries matching neither, printed so a reader can judge them.

Ledger entries are read from ``discrepancies`` and, for stories made before that field existed,
from the between-sources disputed points (figure conflicts), so older code can be measured the
same way (``--code DIR`` imports ``summarizer`` from another checkout).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authored_story import KIND_NAMES  # the script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLUSTERS = (
    "basil_2013_benghazi_talking_points",
    "basil_2014_states_sue_colorado_marijuana",
    "basil_2018_hunter_indicted",
    "basil_2019_hr1_voting_rights_bill",
    "basil_2019_national_emergency_border_wall",
)

JsonObject = dict[str, Any]

# --------------------------------------------------------------------------------------------
# Matching text
# --------------------------------------------------------------------------------------------

_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_MARKS)
    # "23: states" (a figure as the ledger writes it) reads as "23 states".
    text = re.sub(r"[:;()]", " ", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def holds(text: str, alternatives: Iterable[str]) -> bool:
    """Whether ``text`` holds one alternative at word edges ("10" is not in "100")."""
    folded = normalise(text)
    for alternative in alternatives:
        wanted = normalise(alternative)
        if wanted and re.search(rf"(?<![\w]){re.escape(wanted)}(?![\w])", folded):
            return True
    return False


# --------------------------------------------------------------------------------------------
# The ledger, as entries with sides
# --------------------------------------------------------------------------------------------


@dataclass
class Side:
    outlet: str  # file stem: fox, nyt, hpo
    text: str  # its wording and the item as that outlet gives it


@dataclass
class Entry:
    kind: str
    about: str
    explanation: str
    sides: list[Side]


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)
    only_here: dict[str, list[str]] = field(default_factory=dict)


def _citation_text(citation: JsonObject, sentences: dict[str, dict[str, str]], outlet: str) -> str:
    """The item as the source gives it. Not its cited sentences: a sentence holds more than the
    item, and an entry about one thing (a $250,000 figure) would be credited with another its
    sentence also mentions (a "two-year investigation")."""
    return str(citation.get("text", ""))


def read_ledger(story: JsonObject, sentences: dict[str, dict[str, str]]) -> Ledger:
    outlet_of = {s["label"]: Path(s["path"]).stem for s in story["sources"]}
    ledger = Ledger()
    for found in story.get("discrepancies") or []:
        sides = []
        for side in found["sides"]:
            outlet = outlet_of[side["source"]]
            text = f"{side.get('says', '')} {_citation_text(side['citation'], sentences, outlet)}"
            sides.append(Side(outlet, text))
        ledger.entries.append(
            Entry(found["kind"], found.get("about", ""), found.get("explanation", ""), sides)
        )
    if "discrepancies" not in story:
        # Older stories: figure conflicts are the between-sources disputed points.
        for dispute in story.get("disputed_points", []):
            if dispute["kind"] != "between_sources":
                continue
            sides = []
            for side in dispute["sides"]:
                outlet = outlet_of[side["citation"]["source"]]
                text = f"{side['position']} {_citation_text(side['citation'], sentences, outlet)}"
                sides.append(Side(outlet, text))
            ledger.entries.append(Entry("figure", dispute["claim"], dispute["claim"], sides))
    for coverage in story.get("coverage", []):
        outlet = outlet_of[coverage["source"]]
        ledger.only_here[outlet] = [
            _citation_text(citation, sentences, outlet)
            for citation in (*coverage["only_here"], *coverage.get("details_only_here", []))
        ]
    return ledger


def matches(entry: Entry, expected: JsonObject) -> bool:
    """Each expected side matched by a distinct side of the entry of that outlet."""
    used: set[int] = set()
    for wanted in expected["sides"]:
        hit = next(
            (
                number
                for number, side in enumerate(entry.sides)
                if number not in used
                and side.outlet == wanted["source"]
                and holds(side.text, wanted["any"])
            ),
            None,
        )
        if hit is None:
            return False
        used.add(hit)
    return True


def is_found(expected: JsonObject, ledger: Ledger) -> bool:
    if any(matches(entry, expected) for entry in ledger.entries):
        return True
    if KIND_NAMES.get(expected["kind"], expected["kind"]) == "only_one_source":
        side = expected["sides"][0]
        return any(holds(text, side["any"]) for text in ledger.only_here.get(side["source"], []))
    return False


# --------------------------------------------------------------------------------------------
# Running a cluster
# --------------------------------------------------------------------------------------------


@dataclass
class ClusterScore:
    cluster: str
    expected: int
    found: list[str]
    missed: list[str]
    spurious: list[str]
    unexpected: list[str]
    alignment_tokens: int
    alignment_calls: int
    proposed: int
    verified: int
    rejected: int
    seconds: float
    story: JsonObject


def run_cluster(devset: Path, cluster: str, roots: list[Path], stories: Path) -> ClusterScore:
    from authored_model import AuthoredModelServer
    from authored_story import StoryAlignmentHook

    from summarizer.story import summarize_story

    expectations = json.loads((stories / f"{cluster}.json").read_text(encoding="utf-8"))
    hook = StoryAlignmentHook.from_folder(stories, [cluster], devset)
    server = AuthoredModelServer(devset, roots, hooks=[hook])
    started = time.perf_counter()
    with server:
        result = summarize_story(
            devset / cluster, base_url=server.base_url, model="authored", cache=False
        )
    seconds = time.perf_counter() - started
    if result.story is None:
        raise SystemExit(f"{cluster}: no story ({len(result.articles.failures)} failures)")
    for failure in result.articles.failures:
        print(f"  {cluster}: {failure.path}: {failure.reason}", file=sys.stderr)
    story = json.loads(result.story.model_dump_json())
    sentences = _sentences_by_outlet(devset / cluster)
    ledger = read_ledger(story, sentences)
    found, missed = [], []
    for expected in expectations["discrepancies"]:
        (found if is_found(expected, ledger) else missed).append(expected["id"])
    spurious, unexpected = [], []
    for entry in ledger.entries:
        label = f"{entry.kind}: {entry.explanation[:140]}"
        pattern = next(
            (
                p
                for p in expectations.get("spurious", [])
                if _same_kind(entry, p) and matches(entry, p)
            ),
            None,
        )
        if pattern is not None:
            spurious.append(f"{pattern['id']} ({label})")
        elif not any(matches(entry, e) for e in expectations["discrepancies"]):
            unexpected.append(label)
    report = story["metadata"]["alignment"]
    return ClusterScore(
        cluster=cluster,
        expected=len(expectations["discrepancies"]),
        found=found,
        missed=missed,
        spurious=spurious,
        unexpected=unexpected,
        alignment_tokens=story["metadata"]["usage"]["total_tokens"],
        alignment_calls=report["calls"],
        proposed=report["proposed"],
        verified=report["verified"],
        rejected=report["rejected"],
        seconds=seconds,
        story=story,
    )


def _same_kind(entry: Entry, pattern: JsonObject) -> bool:
    """A spurious pattern names the kind of claim that would be wrong ("these two figures
    conflict"); a ledger entry of another kind whose cited sentences happen to hold the same
    words is not that claim. A number inside a description counts as a figure."""
    kind = KIND_NAMES.get(pattern["kind"], pattern["kind"])
    return kind == {"number": "figure"}.get(entry.kind, entry.kind)


def _sentences_by_outlet(folder: Path) -> dict[str, dict[str, str]]:
    from summarizer.sources import load_paths

    return {
        Path(article.path).stem: {s.id: s.text for s in article.sentences}
        for article in load_paths([folder]).articles
    }


def table(scores: list[ClusterScore]) -> str:
    rows = [
        "| cluster | expected | found | missed | spurious | unexpected | alignment tokens "
        "| requests | proposed / verified / rejected |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in scores:
        rows.append(
            f"| {s.cluster} | {s.expected} | {len(s.found)} | {len(s.missed)} | "
            f"{len(s.spurious)} | {len(s.unexpected)} | {s.alignment_tokens:,} | "
            f"{s.alignment_calls} | {s.proposed} / {s.verified} / {s.rejected} |"
        )
    expected = sum(s.expected for s in scores)
    found = sum(len(s.found) for s in scores)
    rows.append(
        f"| **all** | {expected} | {found} ({found / max(expected, 1):.0%}) | "
        f"{sum(len(s.missed) for s in scores)} | {sum(len(s.spurious) for s in scores)} | "
        f"{sum(len(s.unexpected) for s in scores)} | "
        f"{sum(s.alignment_tokens for s in scores):,} | "
        f"{sum(s.alignment_calls for s in scores)} | |"
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("devset", nargs="?", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--cluster", action="append", help="one cluster (repeatable)")
    parser.add_argument("--authored", type=Path, default=ROOT / "bench" / "authored")
    parser.add_argument("--code", type=Path, help="import summarizer from this checkout")
    parser.add_argument("--ledgers", type=Path, help="write each story.json/story.md here")
    parser.add_argument("--json", type=Path, help="write the scores to this file too")
    parser.add_argument(
        "--benchmarks", type=Path, help="put the table in this Markdown file's story section"
    )
    parser.add_argument("--label", default="", help="what was measured (for --benchmarks)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed and unexpected")
    args = parser.parse_args()
    sys.path[:0] = [str(args.code or ROOT), str(ROOT / "bench")]
    stories = args.authored / "stories"
    clusters = args.cluster or [c for c in DEFAULT_CLUSTERS if (stories / f"{c}.json").exists()]
    if not clusters:
        raise SystemExit(f"no story expectations under {stories}")
    scores = []
    for cluster in clusters:
        score = run_cluster(args.devset, cluster, [args.authored], stories)
        scores.append(score)
        if args.ledgers:
            _write_ledger(args.ledgers, score)
        if args.verbose:
            for label, items in (
                ("missed", score.missed),
                ("spurious", score.spurious),
                ("unexpected", score.unexpected),
            ):
                for item in items:
                    print(f"  {cluster} {label}: {item}")
    print(table(scores))
    if args.benchmarks:
        write_section(args.benchmarks, args.label, table(scores))
    if args.json:
        args.json.write_text(
            json.dumps(
                [{k: v for k, v in vars(s).items() if k != "story"} for s in scores], indent=2
            )
            + "\n",
            encoding="utf-8",
        )


SECTION_START = "<!-- bench/story.py -->"
SECTION_END = "<!-- /bench/story.py -->"


def write_section(path: Path, label: str, body: str) -> None:
    """Put ``body`` under ``label`` in the story section of ``path``, replacing an earlier
    table with the same label and keeping the others (before and after)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    heading = f"### {label}" if label else "### story ledger"
    tables: dict[str, str] = {}
    if SECTION_START in text:
        before, _, rest = text.partition(SECTION_START)
        inner, _, after = rest.partition(SECTION_END)
        for chunk in re.split(r"(?m)^(?=### )", inner):
            if chunk.startswith("### "):
                title, _, content = chunk.partition("\n")
                tables[title] = content.strip()
    else:
        before, after = text.rstrip() + "\n\n", "\n"
    tables[heading] = body
    inner = "\n".join(f"{title}\n\n{content}\n" for title, content in tables.items())
    path.write_text(f"{before}{SECTION_START}\n{inner}{SECTION_END}{after}", encoding="utf-8")


def _write_ledger(folder: Path, score: ClusterScore) -> None:
    from summarizer.models import StorySummary
    from summarizer.render import render_story_markdown

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{score.cluster}.json").write_text(json.dumps(score.story, indent=2) + "\n")
    story = StorySummary.model_validate(score.story)
    (folder / f"{score.cluster}.md").write_text(render_story_markdown(story))


if __name__ == "__main__":
    main()
