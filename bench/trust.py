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
    section: str, item: dict[str, Any], summary: ArticleSummary
) -> tuple[str, list[str]]:
    """("accepted" | "rejected" | "absent", reasons) for one served item in the summary."""
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
    # rejected; the fact is shown.
    for kept in getattr(summary, section, []):
        if identity(section, kept.model_dump()) == wanted:
            return "accepted", []
    for rejected in summary.rejected:
        if rejected.section == section and identity(section, rejected.item) == wanted:
            return "rejected", rejected.reasons
    return "absent", []


def verify_hook(request: ModelRequest) -> dict[str, Any] | None:
    """Answers a verification request as a judge that finds every item supported: with it the
    table still measures the checks in code, and the tokens the request costs are counted."""
    schema = request.schema or {}
    properties = schema.get("properties", {})
    if "verdicts" not in properties:
        return None
    labels = re.findall(r"^- ([a-z_]+\[\d+\]|headline)\b", _last_user(request), re.MULTILINE)
    return {"verdicts": [{"item": label, "supported": True, "reason": ""} for label in labels]}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("devset", nargs="?", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--authored", type=Path, action="append", default=None)
    parser.add_argument("--verify", action="store_true", help="also measure with --verify")
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
    parser.add_argument("-v", "--verbose", action="store_true", help="show why each was caught")
    args = parser.parse_args()
    roots = args.authored or [ROOT / "bench" / "authored"]
    report: dict[str, Any] = {}

    # Correct answers: every rejection is a false one.
    server, summaries, failures = run(args.devset, roots, "correct", False, [])
    correct_total, false_rejections = 0, []
    tokens: dict[str, int] = {}
    for key, served in sorted(server.served.items()):
        summary = summaries.get(key)
        if summary is None:
            continue
        tokens[key] = summary.metadata.usage.total_tokens
        for record in served.items:
            correct_total += 1
            outcome, reasons = outcome_of(record["section"], record["item"], summary)
            if outcome != "accepted":
                false_rejections.append((key, record["section"], record["item"], outcome, reasons))
    print(f"articles: {len(summaries)} ({len(failures)} failed)")
    for failure in failures:
        print(f"  FAILED {failure}")
    share = len(false_rejections) / correct_total if correct_total else 0.0
    print(
        f"\ncorrect items falsely rejected: {len(false_rejections)} of {correct_total} "
        f"({share:.1%})"
    )
    for key, section, item, outcome, reasons in false_rejections:
        shown = json.dumps({k: v for k, v in item.items() if k != "evidence"})[:160]
        print(f"  {key} {section} {outcome}: {shown}\n      {'; '.join(reasons)[:300]}")
    report["correct"] = {"items": correct_total, "falsely_rejected": len(false_rejections)}

    # Planted answers: each planted item should end up rejected.
    server, summaries, failures = run(args.devset, roots, "planted", False, [])
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    passed: defaultdict[str, list[str]] = defaultdict(list)
    for key, served in sorted(server.served.items()):
        summary = summaries.get(key)
        for record in served.items:
            kind = record["planted"]
            if kind is None:
                continue
            total[kind] += 1
            outcome = (
                outcome_of(record["section"], record["item"], summary)[0] if summary else "failed"
            )
            if outcome != "accepted":
                caught[kind] += 1
                if args.verbose and summary is not None:
                    reasons = outcome_of(record["section"], record["item"], summary)[1]
                    print(
                        f"  caught ({kind}) {key} {record['section']}: {'; '.join(reasons)[:300]}"
                    )
            else:
                shown = json.dumps({k: v for k, v in record["item"].items() if k != "evidence"})
                passed[kind].append(f"{key} {record['section']}: {shown[:200]}")
    table = ["| kind of planted error | caught |", "|---|---|"]
    table += [f"| {kind} | {caught[kind]}/{total[kind]} |" for kind in sorted(total)]
    overall = sum(caught.values()), sum(total.values())
    table.append(f"| **overall** | **{overall[0]}/{overall[1]}** |")
    print("\n" + "\n".join(table))
    for kind, items in sorted(passed.items()):
        for shown in items:
            print(f"  passed ({kind}) {shown}")
    report["planted"] = {kind: [caught[kind], total[kind]] for kind in sorted(total)}

    print("\ntokens per article (correct answers):")
    mean = sum(tokens.values()) / len(tokens) if tokens else 0
    print(f"  without --verify: {mean:,.0f} on average over {len(tokens)} articles")
    report["tokens_per_article"] = round(mean)
    if args.verify:
        _, verified, _ = run(args.devset, roots, "correct", True, [verify_hook])
        judged = [s.metadata.verify_usage for s in verified.values() if s.metadata.verify_usage]
        check = sum(u.total_tokens for u in judged) / len(judged) if judged else 0
        with_verify = [
            s.metadata.usage.total_tokens
            + (s.metadata.verify_usage.total_tokens if s.metadata.verify_usage else 0)
            for s in verified.values()
        ]
        mean_verify = sum(with_verify) / len(with_verify) if with_verify else 0
        print(
            f"  with --verify:    {mean_verify:,.0f} on average ({check:,.0f} of them the "
            f"model check, judged on {len(judged)} articles)"
        )
        report["tokens_per_article_verify"] = round(mean_verify)
        report["verify_check_tokens_per_article"] = round(check)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.benchmarks and args.before:
        before = json.loads(args.before.read_text())
        table = ["| kind of planted error | caught before | caught now |", "|---|---|---|"]
        for kind in sorted(total):
            was = before["planted"].get(kind, [0, 0])
            table.append(f"| {kind} | {was[0]}/{was[1]} | {caught[kind]}/{total[kind]} |")
        was_total = [sum(v[0] for v in before["planted"].values()),
                     sum(v[1] for v in before["planted"].values())]  # fmt: skip
        table.append(
            f"| **overall** | **{was_total[0]}/{was_total[1]}** | **{overall[0]}/{overall[1]}** |"
        )
        correct_before = before["correct"]
        table.append(
            f"| correct items falsely rejected | {correct_before['falsely_rejected']}/"
            f"{correct_before['items']} | {len(false_rejections)}/{correct_total} |"
        )
    if args.benchmarks:
        section = [
            TRUST_SECTION,
            "",
            f"Run with `python bench/trust.py` on {date.today().isoformat()}: the authored "
            f"answers of `bench/authored/` for {len(tokens)} devset articles (written by hand as "
            "a capable model would answer, not recorded), served by `bench/authored_model.py`, "
            "which repeats its answer on every re-ask. Tokens are the server's estimate "
            "(characters / 4)."
            + (
                " 'Before' is an earlier run's numbers (its `--json`), for the same answers: "
                "here the checks before per-claim checking, whose schema had no quotes section "
                "(quotes were served to it as events) and disputes without sides."
                if args.before
                else ""
            ),
            "",
            *table,
            "",
            f"Correct items falsely rejected: {len(false_rejections)} of {correct_total} "
            f"({share:.1%}).",
            "",
            *[f"- {key} {section}: {'; '.join(reasons)[:200]}"
              for key, section, _, _, reasons in false_rejections],
            "",
            f"Tokens per article: {report['tokens_per_article']:,} without `--verify`"
            + (
                f", {report['tokens_per_article_verify']:,} with it "
                f"({report['verify_check_tokens_per_article']:,} for the model check)"
                if "tokens_per_article_verify" in report
                else ""
            )
            + ".",
        ]  # fmt: skip
        # This section replaced in place; the file's other sections kept.
        previous = args.benchmarks.read_text() if args.benchmarks.exists() else "# Benchmarks\n"
        before_part, _, rest = previous.partition(TRUST_SECTION)
        after_part = rest[rest.find("\n## ") + 1 :] if rest and "\n## " in rest else ""
        text = before_part.rstrip() + "\n\n" + "\n".join(section) + "\n"
        args.benchmarks.write_text(text + ("\n" + after_part if after_part else ""))


if __name__ == "__main__":
    main()
