"""Benchmarks: what the tool costs on top of the model. ``python bench/run.py`` writes
BENCHMARKS.md.

An OpenAI-compatible server that answers valid summaries after a fixed latency runs in its own
process on 127.0.0.1 (tests/fake_server.py), so the tool's own time is what is left of the wall
time once the server's is taken away. Figure 6 runs the embedded llama.cpp model (needs the
[local] extra; skipped without it).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import summarize_folder  # noqa: E402
from summarizer.sources import load_file  # noqa: E402

SEEDS = ROOT / "seeds"
LATENCY = 0.2


@contextmanager
def fake_server(latency: float) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_server", "--latency", str(latency)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_articles(folder: Path, count: int) -> Path:
    """``count`` distinct articles (seed texts, each with a line of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [path.read_text() for path in sorted(SEEDS.glob("*.txt"))]
    for number in range(count):
        body = texts[number % len(texts)]
        (folder / f"a{number:04}.txt").write_text(f"{body}\nCopy number {number} of the story.\n")
    return folder


def spread(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def repeat(runs: int, measure: Callable[[], float]) -> tuple[float, float, float]:
    return spread([measure() for _ in range(runs)])


def timed_folder(folder: Path, base_url: str, concurrency: int) -> float:
    started = time.perf_counter()
    result = summarize_folder(
        folder, base_url=base_url, model="fake-model", cache=False, concurrency=concurrency
    )
    elapsed = time.perf_counter() - started
    if not result.ok or not result.summaries:
        raise RuntimeError(f"benchmark run failed: {result.failures[:3]}")
    return elapsed


# --------------------------------------------------------------------------------------------


def overhead_per_article(work: Path, runs: int) -> dict[str, object]:
    count = 30
    folder = make_articles(work / "overhead", count)
    with fake_server(LATENCY) as url:
        timed_folder(folder, url, 1)  # warm up imports and connections
        per_article_ms = [
            (timed_folder(folder, url, 1) - count * LATENCY) / count * 1000 for _ in range(runs)
        ]
    low, median, high = spread(per_article_ms)
    share = median / (LATENCY * 1000) * 100
    return {
        "figure": "1. Overhead per article (concurrency 1, 200 ms latency, 30 articles)",
        "value": f"{low:.1f} / {median:.1f} / {high:.1f} ms ({share:.1f}% of latency, median)",
        "target": "< 5 ms and < 2% of 200 ms",
        "met": high < 5 and share < 2,
    }


def concurrency_efficiency(work: Path, runs: int) -> list[dict[str, object]]:
    count = 200
    folder = make_articles(work / "concurrency", count)
    rows = []
    with fake_server(LATENCY) as url:
        timed_folder(folder, url, 8)  # warm up
        for concurrency in (1, 8, 32, 64):
            limit = count * LATENCY / concurrency
            efficiencies = [
                limit / timed_folder(folder, url, concurrency) * 100
                for _ in range(runs if concurrency > 1 else max(1, runs - 1))
            ]
            low, median, high = spread(efficiencies)
            rows.append(
                {
                    "figure": f"2. 200 articles, 200 ms, concurrency {concurrency} "
                    f"(limit {limit:.2f} s)",
                    "value": f"{low:.1f} / {median:.1f} / {high:.1f} % of the limit",
                    "target": ">= 90% of N x L / C",
                    "met": low >= 90,
                }
            )
    return rows


def cli(arguments: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one ``summarize`` process."""
    started = time.perf_counter()
    completed = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "summarizer", *arguments],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(completed.stdout + completed.stderr)
    return elapsed, int(completed.stderr.strip().splitlines()[-1])


def cached_rerun(work: Path, runs: int) -> list[dict[str, object]]:
    rows = []
    peaks = {}
    for count in (200, 1000):
        folder = make_articles(work / f"cached{count}", count)
        cache = work / f"cache{count}"
        common = ["--model", "fake-model", "--cache-dir", str(cache), "--concurrency", "64"]
        with fake_server(0.0) as url:
            _, peaks[count] = cli([str(folder), "--out", str(work / f"prime{count}"),
                                   "--base-url", url, *common])  # fmt: skip
            if count == 1000:
                rates = []
                for run in range(runs):
                    elapsed, _ = cli([str(folder), "--out", str(work / f"rerun{run}"),
                                      "--base-url", url, *common])  # fmt: skip
                    rates.append(count / elapsed)
                low, median, high = spread(rates)
                rows.append(
                    {
                        "figure": "3. Cached re-run of 1,000 articles (whole `summarize` "
                        "process, JSON written)",
                        "value": f"{low:,.0f} / {median:,.0f} / {high:,.0f} articles/s",
                        "target": ">= 1,000 articles/s",
                        "met": low >= 1000,
                    }
                )
    rows.append(
        {
            "figure": "Memory: peak RSS of a cold run (fake server, concurrency 64)",
            "value": f"200 articles: {peaks[200] / 1024:.0f} MiB; "
            f"1,000 articles: {peaks[1000] / 1024:.0f} MiB",
            "target": "flat in the number of articles",
            "met": peaks[1000] < peaks[200] * 1.5,
        }
    )
    return rows


def help_time(runs: int) -> dict[str, object]:
    def once() -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "summarizer", "--help"], cwd=ROOT,
                       capture_output=True, check=True)  # fmt: skip
        return (time.perf_counter() - started) * 1000

    once()
    low, median, high = repeat(max(runs, 5), once)
    return {
        "figure": "4. `summarize --help` wall time",
        "value": f"{low:.0f} / {median:.0f} / {high:.0f} ms",
        "target": "< 300 ms",
        "met": median < 300,
    }


def local_model(work: Path) -> list[dict[str, object]]:
    if importlib.util.find_spec("llama_cpp") is None:
        return [{"figure": "5-6. Embedded model", "value": "skipped: no [local] extra",
                 "target": "", "met": None}]  # fmt: skip
    from summarizer.llm import Backend
    from summarizer.local import MODEL_ALIAS, LocalServer
    from summarizer.pipeline import AsyncSummarizer

    rows: list[dict[str, object]] = []
    articles = [load_file(path) for path in sorted(SEEDS.glob("*.txt"))]
    with LocalServer() as server:
        # 5. Prompt tokens against the article's own tokens.
        def count_tokens(text: str) -> int:
            request = urllib.request.Request(
                server.base_url.removesuffix("/v1") + "/extras/tokenize/count",
                data=json.dumps({"input": text}).encode(), method="POST",
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(json.load(response)["count"])

        backend = Backend("openai-compatible", MODEL_ALIAS, server.base_url, "tools")
        summarizer = AsyncSummarizer(backend)
        from instructor import generate_openai_schema

        from summarizer.grounding import GroundedExtraction

        schema_tokens = count_tokens(json.dumps(generate_openai_schema(GroundedExtraction)))
        parts = []
        for article in articles:
            own = count_tokens(article.text)
            messages = summarizer.messages(article)
            prompt = count_tokens("\n".join(m["content"] for m in messages))
            parts.append(f"{Path(article.path).name}: article {own:,}, prompt {prompt:,} "
                         f"(+{prompt - own:,})")  # fmt: skip
        rows.append(
            {
                "figure": "5. Prompt tokens per article against the article's own tokens",
                "value": "; ".join(parts)
                + f"; the tool schema sent alongside is {schema_tokens:,} tokens",
                "target": "report; cut waste",
                "met": None,
            }
        )

        # 6. Summaries per minute on seeds/, and the server's own generation speed.
        async def summarize_all() -> tuple[float, int]:
            async with AsyncSummarizer(backend) as client:
                started = time.perf_counter()
                completion = 0
                for article in articles:
                    summary = await client.summarize(article)
                    completion += summary.metadata.usage.completion_tokens
                return time.perf_counter() - started, completion

        elapsed, completion_tokens = asyncio.run(summarize_all())
        request = urllib.request.Request(
            server.base_url + "/completions",
            data=json.dumps({"prompt": "The news today is", "max_tokens": 128,
                             "temperature": 0, "seed": 0}).encode(),
            method="POST", headers={"Content-Type": "application/json"},
        )  # fmt: skip
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as response:
            generated = json.load(response)["usage"]["completion_tokens"]
        speed = generated / (time.perf_counter() - started)
    rows.append(
        {
            "figure": "6. Embedded SmolLM2-135M on seeds/ (one run; cache off)",
            "value": f"{len(articles) / elapsed * 60:.2f} summaries/min ({elapsed:.0f} s for "
            f"{len(articles)}, {completion_tokens:,} completion tokens incl. re-asks); "
            f"server generation {speed:.0f} tokens/s",
            "target": "report",
            "met": None,
        }
    )
    return rows


def write_report(rows: list[dict[str, object]], path: Path, seconds: float) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Run with `python bench/run.py` on {date.today().isoformat()}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
        f"{seconds:.0f} s in all. Figures are min / median / max over repeated runs unless "
        "said otherwise. The fake server (tests/fake_server.py) runs in its own process on "
        "127.0.0.1 and answers a valid summary after a fixed latency.",
        "",
        "| figure | measured | target | met |",
        "|---|---|---|---|",
    ]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "-"}[row["met"]]  # type: ignore[index]
        lines.append(f"| {row['figure']} | {row['value']} | {row['target']} | {met} |")
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="repeats per figure")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--skip-local", action="store_true", help="leave out figures 5 and 6")
    arguments = parser.parse_args()
    started = time.perf_counter()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        os.environ["SUMMARIZER_CACHE_DIR"] = str(work / "default-cache")
        for step in (
            lambda: [overhead_per_article(work, arguments.runs)],
            lambda: concurrency_efficiency(work, arguments.runs),
            lambda: cached_rerun(work, arguments.runs),
            lambda: [help_time(arguments.runs)],
            lambda: [] if arguments.skip_local else local_model(work),
        ):
            new = step()
            for row in new:
                print(f"{row['figure']}: {row['value']}", flush=True)
            rows += new
    write_report(rows, arguments.out, time.perf_counter() - started)
    print(f"wrote {arguments.out}")


if __name__ == "__main__":
    main()
