"""How many planted errors the checks catch, and how many correct items they reject.

    python bench/trust.py [DEVSET] [--authored bench/authored ...] [--verify]

Serves the authored answers of ``bench/authored/`` (written by hand as a capable model would
answer; see its README) through ``bench/authored_model.py``, a local OpenAI-compatible server,
to the real ``summarize`` pipeline: once as written (every item correct), once with the
planted errors substituted. The server repeats its answer on every re-ask, so what ends up
rejected is exactly what the checks catch. Prints planted errors caught per kind, every
correct item rejected with its reasons, and tokens per article (with ``--verify`` also with
the model check on).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The summarizer measured is the one on PYTHONPATH (another checkout's, for a before/after
# table), else this checkout's.
sys.path[:0] = [str(ROOT / "bench")]
sys.path.append(str(ROOT))

from authored_model import AuthoredModelServer, Hook, ModelRequest, normalise  # noqa: E402

from summarizer import summarize_folder  # noqa: E402
from summarizer.models import ArticleSummary  # noqa: E402
from summarizer.verification import SHOWN_FIELDS  # noqa: E402

TRUST_SECTION = "## Trust: planted errors caught"
# The field(s) that tell one item from another within a section.
_IDENTITY = {
    "who": ("name", "role"),
    "where": ("name", "role"),
    "what": ("description",),
    "when": ("text",),
    "key_figures": ("value_text", "counts"),
    "quotes": ("speaker", "quote"),
    "disputed_points": ("claim",),
    "headline": ("text",),
}


def identity(section: str, item: dict[str, Any]) -> str:
    fields = _IDENTITY.get(section, ())
    return " | ".join(normalise(str(item.get(name) or "")) for name in fields)


def outcome_of(
    section: str, item: dict[str, Any], summary: ArticleSummary, *, planted: bool = False
) -> tuple[str, list[str]]:
    """("accepted" | "rejected" | "absent", reasons) for one served item in the summary.

    A correct item is accepted when its fact is shown; a ``planted`` one only when it is
    shown citing its own sentences."""
    wanted = identity(section, item)
    if section == "headline":
        for rejected in summary.rejected:
            if rejected.section == "headline":
                text = rejected.item.get("headline") or rejected.item.get("text") or ""
                if identity("headline", {"text": text}) == wanted:
                    return "rejected", rejected.reasons
        if identity("headline", {"text": summary.headline}) == wanted:
            return "accepted", []
        return "absent", []
    # Accepted first: an item served twice (a repeat) is in the output once, and the repeat
    # rejected; the fact is shown. The same words citing none of the same sentences are another
    # item ("on Monday" cited to the sentence that says "on Tuesday", beside a true "on Monday").
    served_ids = set(item.get("evidence") or []) if planted else set()
    for kept in getattr(summary, section, []):
        if identity(section, kept.model_dump()) == wanted:
            kept_ids = {span.sentence for span in kept.evidence_spans}
            if served_ids and kept_ids and not served_ids & kept_ids:
                continue
            return "accepted", []
    for rejected in summary.rejected:
        if rejected.section == section and identity(section, rejected.item) == wanted:
            return "rejected", rejected.reasons
    return "absent", []


_ITEM_LINE = re.compile(r"^- ([a-z_]+\[\d+\]|headline): (.*)$")
_CITES_LINE = re.compile(r"^\s+cites: (.*)$")
_SHOWN_SENTENCE = re.compile(r"^\[(S\d+)\] (.*)$", re.MULTILINE)


def judged_items(prompt: str) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """(label, section, shown fields, cited sentence texts) of each item in a verification
    prompt: the sentences are listed once, each item names those it cites."""
    shown = dict(_SHOWN_SENTENCE.findall(prompt))
    items: list[tuple[str, str, dict[str, Any], list[str]]] = []
    for line in prompt.splitlines():
        item = _ITEM_LINE.match(line)
        if item:
            label, text = item.groups()
            section = label.split("[")[0]
            fields: dict[str, Any] = {}
            if section == "headline":
                fields["text"] = text
            else:
                for part in text.split(" | "):
                    name, _, value = part.partition(": ")
                    if name in SHOWN_FIELDS.get(section, ()):
                        fields[name] = value
            items.append((label, section, fields, []))
            continue
        cites = _CITES_LINE.match(line)
        if cites and items:
            for sentence_id in re.findall(r"S\d+", cites.group(1)):
                if sentence_id in shown:
                    items[-1][3].append(normalise(shown[sentence_id]))
    return items


def _evidence_of(item: dict[str, Any]) -> list[str]:
    sides = [text for side in item.get("sides") or [] for text in side.get("evidence", [])]
    return [normalise(text) for text in [*item.get("evidence", []), *sides]]


class AuthoredJudge:
    """Answers a verification request with the verdicts authored for its article
    (``verdicts/`` beside ``articles/``: written blind by people playing a capable judge, see
    bench/authored/README.md). An item is matched by its identity and, among items that differ
    only in evidence, by its cited sentences; an item with no authored verdict is judged
    supported and listed in ``unjudged``."""

    def __init__(self, roots: list[Path]) -> None:
        self.verdicts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for root in roots:
            for path in sorted((root / "verdicts").glob("*/*.json")):
                data = json.loads(path.read_text(encoding="utf-8"))
                self.verdicts[data["article"]].extend(data["verdicts"])
        self.unjudged: list[str] = []

    def __call__(self, request: ModelRequest) -> dict[str, Any] | None:
        properties = (request.schema or {}).get("properties", {})
        if "verdicts" not in properties:
            return None
        key = request.article.key if request.article else ""
        answers = []
        for label, section, fields, sentences in judged_items(_last_user(request)):
            row = self.verdict_for(key, section, fields, sentences)
            if row is None:
                self.unjudged.append(f"{key} {label}: {fields}")
            supported = True if row is None else bool(row["supported"])
            reason = "" if row is None else str(row.get("reason") or "")
            answers.append({"item": label, "supported": supported, "reason": reason})
        return {"verdicts": answers}

    def verdict_for(
        self, key: str, section: str, fields: dict[str, Any], sentences: list[str]
    ) -> dict[str, Any] | None:
        wanted = identity(section, fields)
        rows = [
            row
            for row in self.verdicts.get(key, [])
            if row["section"] == section and identity(section, row["item"]) == wanted
        ]
        for row in rows:
            evidence = _evidence_of(row["item"])
            if evidence and all(any(text in s for s in sentences) for text in evidence):
                return row
        return rows[0] if rows else None


def _last_user(request: ModelRequest) -> str:
    users = [m for m in request.messages if m.get("role") == "user"]
    return str(users[-1].get("content") or "") if users else ""


def run(
    devset: Path, roots: list[Path], variant: str, verify: bool, hooks: list[Hook]
) -> tuple[AuthoredModelServer, dict[str, ArticleSummary], list[str]]:
    server = AuthoredModelServer(devset, roots, variant=variant, hooks=hooks)  # type: ignore[arg-type]
    paths = [devset / key for key in sorted(server.articles)]
    options: dict[str, Any] = {
        "base_url": server.base_url,
        "model": "authored",
        "cache": False,
        "concurrency": 4,
    }
    if verify:
        options["verify"] = True  # an older summarizer says "unknown option 'verify'"
    with server:
        result = summarize_folder(paths, **options)
    summaries = {}
    for summary in result.summaries:
        key = str(Path(summary.metadata.source_path).resolve().relative_to(devset.resolve()))
        summaries[key] = summary
    failures = [f"{failure.path}: {failure.reason}" for failure in result.failures]
    return server, summaries, failures


@dataclass
class Measured:
    """What one configuration (code checks alone, or with ``--verify``) did to the answers."""

    correct_items: int = 0
    false_rejections: list[tuple[str, str, dict[str, Any], str, list[str]]] = field(
        default_factory=list
    )
    caught: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    passed: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    caught_why: list[str] = field(default_factory=list)
    tokens: dict[str, int] = field(default_factory=dict)
    check_tokens: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def overall(self) -> tuple[int, int]:
        return sum(self.caught.values()), sum(self.total.values())

    @property
    def share_rejected(self) -> float:
        return len(self.false_rejections) / self.correct_items if self.correct_items else 0.0


def measure(devset: Path, roots: list[Path], verify: bool, hooks: list[Hook]) -> Measured:
    measured = Measured()
    # Correct answers: every rejection is a false one.
    server, summaries, failures = run(devset, roots, "correct", verify, hooks)
    measured.failures += failures
    for key, served in sorted(server.served.items()):
        summary = summaries.get(key)
        if summary is None:
            continue
        measured.tokens[key] = summary.metadata.usage.total_tokens
        if summary.metadata.verify_usage:
            measured.check_tokens[key] = summary.metadata.verify_usage.total_tokens
        for record in served.items:
            measured.correct_items += 1
            outcome, reasons = outcome_of(record["section"], record["item"], summary)
            if outcome != "accepted":
                measured.false_rejections.append(
                    (key, record["section"], record["item"], outcome, reasons)
                )
    # Planted answers: each planted item should end up rejected.
    server, summaries, failures = run(devset, roots, "planted", verify, hooks)
    measured.failures += failures
    for key, served in sorted(server.served.items()):
        summary = summaries.get(key)
        for record in served.items:
            kind = record["planted"]
            if kind is None:
                continue
            measured.total[kind] += 1
            outcome, reasons = (
                outcome_of(record["section"], record["item"], summary, planted=True)
                if summary
                else ("failed", [])
            )
            if outcome != "accepted":
                measured.caught[kind] += 1
                measured.caught_why.append(
                    f"  caught ({kind}) {key} {record['section']}: {'; '.join(reasons)[:300]}"
                )
            else:
                shown = json.dumps({k: v for k, v in record["item"].items() if k != "evidence"})
                measured.passed[kind].append(f"{key} {record['section']}: {shown[:200]}")
    return measured


def _print_rejections(measured: Measured) -> None:
    print(
        f"correct items falsely rejected: {len(measured.false_rejections)} of "
        f"{measured.correct_items} ({measured.share_rejected:.1%})"
    )
    for key, section, item, outcome, reasons in measured.false_rejections:
        shown = json.dumps({k: v for k, v in item.items() if k != "evidence"})[:160]
        print(f"  {key} {section} {outcome}: {shown}\n      {'; '.join(reasons)[:300]}")


def _mean(values: dict[str, int]) -> float:
    return sum(values.values()) / len(values) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("devset", nargs="?", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--authored", type=Path, action="append", default=None)
    parser.add_argument(
        "--verify",
        action="store_true",
        help="also measure with --verify, the judge answering with the authored verdicts",
    )
    parser.add_argument("--json", type=Path, help="write the numbers to this file too")
    parser.add_argument(
        "--before",
        type=Path,
        help="numbers of an earlier run (its --json) to show beside these in --benchmarks",
    )
    parser.add_argument(
        "--benchmarks",
        type=Path,
        help="write the table into this BENCHMARKS.md (its trust section, replaced)",
    )
    parser.add_argument(
        "--section",
        default=TRUST_SECTION,
        help="the BENCHMARKS.md heading to write under (a held-out set has its own)",
    )
    parser.add_argument("--note", default="", help="a paragraph to add under the section's table")
    parser.add_argument("-v", "--verbose", action="store_true", help="show why each was caught")
    args = parser.parse_args()
    roots = args.authored or [ROOT / "bench" / "authored"]

    code = measure(args.devset, roots, False, [])
    print(f"articles: {len(code.tokens)} ({len(code.failures)} failed)")
    for failure in code.failures:
        print(f"  FAILED {failure}")
    print("\n# code checks")
    _print_rejections(code)
    if args.verbose:
        print("\n".join(code.caught_why))
    checked: Measured | None = None
    judge = AuthoredJudge(roots)
    if args.verify:
        checked = measure(args.devset, roots, True, [judge])
        print("\n# code checks, then --verify (authored judge verdicts)")
        _print_rejections(checked)
        if judge.unjudged:
            print(f"  items with no authored verdict (judged supported): {len(judge.unjudged)}")
            for shown in judge.unjudged[:20]:
                print(f"    {shown[:200]}")

    header = "| kind of planted error | code checks |" + (" with --verify |" if checked else "")
    table = [header, "|---|---|" + ("---|" if checked else "")]
    for kind in sorted(code.total):
        row = f"| {kind} | {code.caught[kind]}/{code.total[kind]} |"
        if checked:
            row += f" {checked.caught[kind]}/{checked.total[kind]} |"
        table.append(row)
    overall = code.overall
    row = f"| **overall** | **{overall[0]}/{overall[1]}** |"
    if checked:
        row += f" **{checked.overall[0]}/{checked.overall[1]}** |"
    table.append(row)
    row = f"| correct items falsely rejected | {len(code.false_rejections)}/{code.correct_items} |"
    if checked:
        row += f" {len(checked.false_rejections)}/{checked.correct_items} |"
    table.append(row)
    print("\n" + "\n".join(table))
    for label, measured in (("code checks", code), ("with --verify", checked)):
        if measured is None:
            continue
        for kind, items in sorted(measured.passed.items()):
            for shown in items:
                print(f"  passed {label} ({kind}) {shown}")

    report: dict[str, Any] = {
        "correct": {"items": code.correct_items, "falsely_rejected": len(code.false_rejections)},
        "planted": {kind: [code.caught[kind], code.total[kind]] for kind in sorted(code.total)},
        "tokens_per_article": round(_mean(code.tokens)),
    }
    print("\ntokens per article (correct answers):")
    print(
        f"  without --verify: {_mean(code.tokens):,.0f} on average over {len(code.tokens)} articles"
    )
    if checked:
        with_verify = _mean(checked.tokens) + _mean(checked.check_tokens)
        check = _mean(checked.check_tokens)
        print(
            f"  with --verify:    {with_verify:,.0f} on average ({check:,.0f} of them the "
            f"model check, judged on {len(checked.check_tokens)} articles)"
        )
        report["tokens_per_article_verify"] = round(with_verify)
        report["verify_check_tokens_per_article"] = round(_mean(checked.check_tokens))
        report["verify"] = {
            "correct": {
                "items": checked.correct_items,
                "falsely_rejected": len(checked.false_rejections),
            },
            "planted": {
                kind: [checked.caught[kind], checked.total[kind]] for kind in sorted(checked.total)
            },
            "unjudged": len(judge.unjudged),
        }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.benchmarks:
        write_benchmarks(args, roots, code, checked, report, table)


def write_benchmarks(
    args: argparse.Namespace,
    roots: list[Path],
    code: Measured,
    checked: Measured | None,
    report: dict[str, Any],
    table: list[str],
) -> None:
    if args.before:
        before = json.loads(args.before.read_text())
        was = {kind: before["planted"].get(kind, [0, 0]) for kind in sorted(code.total)}
        lines = table[:2]
        lines[0] = lines[0].replace("| code checks |", "| before | code checks |")
        lines[1] += "---|"
        for line, kind in zip(table[2:], sorted(code.total), strict=False):
            lines.append(
                line.replace(f"| {kind} |", f"| {kind} | {was[kind][0]}/{was[kind][1]} |", 1)
            )
        was_total = [sum(v[0] for v in before["planted"].values()),
                     sum(v[1] for v in before["planted"].values())]  # fmt: skip
        overall_before = f"| **overall** | **{was_total[0]}/{was_total[1]}** |"
        lines.append(table[-2].replace("| **overall** |", overall_before))
        correct_before = before["correct"]
        lines.append(table[-1].replace(
            "| correct items falsely rejected |",
            f"| correct items falsely rejected | {correct_before['falsely_rejected']}/"
            f"{correct_before['items']} |"))  # fmt: skip
        table = lines
    roots_shown = ", ".join(f"`{root.relative_to(ROOT) if root.is_relative_to(ROOT) else root}/`"
                            for root in roots)  # fmt: skip
    section = [
        args.section,
        "",
        f"Run with `python bench/trust.py{' --verify' if checked else ''}` on "
        f"{date.today().isoformat()}: the authored answers of {roots_shown} for "
        f"{len(code.tokens)} devset articles (written by hand as a capable model would answer, "
        "not recorded), served by `bench/authored_model.py`, which repeats its answer on every "
        "re-ask. Tokens are the server's estimate (characters / 4)."
        + (
            " 'With --verify': the judge's answers are the authored verdicts of `verdicts/`, "
            "written blind (the judges did not know which items were planted) by people "
            "playing a capable model shown what the model check shows."
            if checked
            else ""
        )
        + (" 'Before' is an earlier run's numbers (its `--json`)." if args.before else ""),
        "",
        *table,
        "",
        *([args.note, ""] if args.note else []),
        f"Correct items falsely rejected by the code checks: {len(code.false_rejections)} of "
        f"{code.correct_items} ({code.share_rejected:.1%}).",
        "",
        *[f"- {key} {section}: {'; '.join(reasons)[:200]}"
          for key, section, _, _, reasons in code.false_rejections],
        "",
    ]  # fmt: skip
    if checked:
        added = [r for r in checked.false_rejections if r[:2] not in
                 {(k, s) for k, s, *_ in code.false_rejections}]  # fmt: skip
        section += [
            f"With `--verify`: {len(checked.false_rejections)} of {checked.correct_items} "
            f"({checked.share_rejected:.1%}) falsely rejected; the judge's own rejections:",
            "",
            *[f"- {key} {sec}: {'; '.join(reasons)[:200]}" for key, sec, _, _, reasons in added
              if any(reason.startswith("model check") for reason in reasons)],
            "",
        ]  # fmt: skip
    section.append(
        f"Tokens per article: {report['tokens_per_article']:,} without `--verify`"
        + (
            f", {report['tokens_per_article_verify']:,} with it "
            f"({report['verify_check_tokens_per_article']:,} for the model check)"
            if "tokens_per_article_verify" in report
            else ""
        )
        + "."
    )
    # This section replaced in place; the file's other sections kept.
    previous = args.benchmarks.read_text() if args.benchmarks.exists() else "# Benchmarks\n"
    before_part, _, rest = previous.partition(args.section)
    after_part = rest[rest.find("\n## ") + 1 :] if rest and "\n## " in rest else ""
    text = before_part.rstrip() + "\n\n" + "\n".join(section) + "\n"
    args.benchmarks.write_text(text + ("\n" + after_part if after_part else ""))


if __name__ == "__main__":
    main()
