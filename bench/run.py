"""Benchmarks: what the tool costs on top of the model. ``python bench/run.py`` writes
BENCHMARKS.md (about ten minutes on two cores; ``--quick`` for a smoke run).

The model's latency is the cost the tool cannot remove; everything else is the tool's. So an
OpenAI-compatible server that answers after a fixed latency runs in its own process on
127.0.0.1 (tests/fake_server.py, ``--grounded``: every answer holds about 17 items copied from
the article, so they all pass grounding and the tool does its full per-item work). The
physical limit of a run is what a bare HTTP client (``http.client``, one keep-alive connection
per request in flight) takes to send the same requests to the same server; the tool's
overhead is its wall time beyond that. Figures 5 and 6 run the embedded llama.cpp model
(need the [local] extra; left out without it).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import importlib.util
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import summarize_folder  # noqa: E402
from summarizer.config import Mode, Sampling  # noqa: E402
from summarizer.llm import Backend, prepared_request  # noqa: E402
from summarizer.models import ArticleExtraction  # noqa: E402
from summarizer.pipeline import AsyncSummarizer  # noqa: E402
from summarizer.sources import load_paths  # noqa: E402

SEEDS = ROOT / "seeds"
LATENCY = 0.2
Row = dict[str, Any]


@contextmanager
def bench_server(latency: float) -> Iterator[str]:
    """The fake model server in its own process (its CPU is not the tool's)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_server", "--grounded", "--latency", str(latency)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_articles(folder: Path, count: int) -> Path:
    """``count`` distinct articles (the seed texts, each with a line of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [path.read_text() for path in sorted(SEEDS.glob("*.txt"))]
    for number in range(count):
        body = texts[number % len(texts)]
        (folder / f"a{number:05}.txt").write_text(f"{body}\nCopy number {number} of the story.\n")
    return folder


def spread(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def triple(values: list[float], fmt: str = "{:.1f}") -> str:
    return " / ".join(fmt.format(v) for v in spread(values))


def timed_folder(folder: Path, base_url: str, concurrency: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``summarize_folder`` (library, cache off, results not kept)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = summarize_folder(
        folder,
        base_url=base_url,
        model="fake-model",
        cache=False,
        concurrency=concurrency,
        keep_summaries=False,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not result.ok or not result.summarised:
        raise RuntimeError(f"benchmark run failed: {result.failures[:3]}")
    return wall, cpu


def request_bodies(folder: Path) -> list[bytes]:
    """The chat-completion bodies the tool sends for these articles (first attempt)."""
    backend = Backend("openai-compatible", "fake-model", "http://127.0.0.1/v1", "tools")
    summarizer = AsyncSummarizer(backend)
    bodies = []
    for article in load_paths([folder]).articles:
        request: dict[str, Any] = {
            "model": "fake-model",
            "messages": summarizer.messages(article),
            "temperature": 0.0,
            "max_tokens": Sampling().max_tokens,
        }
        request = prepared_request(ArticleExtraction, Mode.TOOLS, request)
        bodies.append(json.dumps(request).encode())
    return bodies


def bare_client(base_url: str, bodies: list[bytes], concurrency: int) -> float:
    """Wall seconds for a minimal client to post ``bodies``, ``concurrency`` at a time."""
    parts = urlsplit(base_url)
    queue = list(reversed(bodies))
    lock = threading.Lock()

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            connection.request(
                "POST", f"{parts.path}/chat/completions", body,
                {"Content-Type": "application/json"},
            )  # fmt: skip
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"bench server answered {response.status}")
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


# --------------------------------------------------------------------------------------------
# The figures
# --------------------------------------------------------------------------------------------


def overhead_per_article(work: Path, runs: int, small: int, large: int) -> list[Row]:
    """The tool's wall time beyond a bare client's, split into a cost per article (the slope
    between a small and a large run) and a cost per run (opening the client, the first
    connection, the schema: paid once, whatever the number of articles)."""
    extra: dict[int, list[float]] = {}
    cpu: dict[int, list[float]] = {}
    server_ms = 0.0
    with bench_server(LATENCY) as url:
        for count in (small, large):
            folder = make_articles(work / f"overhead{count}", count)
            bodies = request_bodies(folder)
            timed_folder(folder, url, 1)  # warm up imports and connections
            bare = statistics.median(bare_client(url, bodies, 1) for _ in range(runs))
            measured = [timed_folder(folder, url, 1) for _ in range(runs)]
            extra[count] = sorted(wall - bare for wall, _ in measured)
            cpu[count] = sorted(cpu_seconds for _, cpu_seconds in measured)
            server_ms = (bare / count - LATENCY) * 1000
    span = large - small
    per_article = [(b - a) / span * 1000 for a, b in zip(extra[small], extra[large], strict=True)]
    cpu_per_article = [(b - a) / span * 1000 for a, b in zip(cpu[small], cpu[large], strict=True)]
    median = statistics.median(per_article)
    per_run = statistics.median(extra[small]) * 1000 - small * median
    share = median / (LATENCY * 1000) * 100
    return [
        {
            "figure": f"1. Overhead per article: tool wall time beyond a bare client's, "
            f"concurrency 1, {LATENCY * 1000:.0f} ms latency (slope between runs of {small} "
            f"and {large} articles)",
            "value": f"{triple(per_article)} ms per article ({share:.1f}% of the latency, "
            f"median), of which CPU {triple(cpu_per_article)} ms; plus {per_run:.0f} ms once "
            f"per run. The bench server's own work, {server_ms:.1f} ms per request, is in "
            "neither",
            "target": "< 5 ms and < 2% of 200 ms",
            "met": median < 5 and share < 2,
        }
    ]


def concurrency_efficiency(work: Path, runs: int, count: int) -> list[Row]:
    folder = make_articles(work / "concurrency", count)
    bodies = request_bodies(folder)
    rows = []
    with bench_server(LATENCY) as url:
        timed_folder(folder, url, 8)  # warm up
        for concurrency in (1, 8, 32, 64):
            limit = count * LATENCY / concurrency
            repeats = runs if concurrency > 1 else max(1, runs - 1)
            measured = [timed_folder(folder, url, concurrency) for _ in range(repeats)]
            bare = bare_client(url, bodies, concurrency)
            efficiencies = [limit / wall * 100 for wall, _ in measured]
            cpu_per_article = statistics.median(cpu for _, cpu in measured) / count * 1000
            rows.append(
                {
                    "figure": f"2. {count} articles, {LATENCY * 1000:.0f} ms latency, "
                    f"concurrency {concurrency} (limit N x L / C = {limit:.2f} s)",
                    "value": f"{triple(efficiencies)} % of the limit "
                    f"({triple([w for w, _ in measured], '{:.2f}')} s); a bare client: "
                    f"{limit / bare * 100:.1f}%; the tool's CPU {cpu_per_article:.1f} ms "
                    "per article",
                    "target": ">= 90% of N x L / C",
                    "met": min(efficiencies) >= 90,
                }
            )
    return rows


# Processes started here cache their bytecode as an installed tool does; a sandbox that sets
# PYTHONDONTWRITEBYTECODE would otherwise have every run compile the package anew.
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def cli(arguments: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one ``summarize`` process."""
    started = time.perf_counter()
    completed = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "summarizer", *arguments],
        cwd=ROOT, capture_output=True, text=True, env=CHILD_ENV,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(completed.stdout + completed.stderr)
    return elapsed, int(completed.stderr.strip().splitlines()[-1])


def cached_rerun_and_memory(work: Path, runs: int, counts: tuple[int, ...]) -> list[Row]:
    """Cold runs at several sizes (peak RSS), then cached re-runs of the largest-but-one."""
    peaks: dict[int, dict[str, int]] = {}
    rerun_rows: list[Row] = []
    with bench_server(0.0) as url:
        for count in counts:
            folder = make_articles(work / f"cached{count}", count)
            cache = work / f"cache{count}"
            common = ["--model", "fake-model", "--base-url", url, "--cache-dir", str(cache),
                      "--concurrency", "64"]  # fmt: skip
            peaks[count] = {}
            for output_format in ("json", "html"):
                cold_cache = ["--no-cache"] if output_format == "html" else []
                _, peaks[count][output_format] = cli(
                    [str(folder), "--out", str(work / f"cold{count}{output_format}"),
                     "-f", output_format, *common, *cold_cache]
                )  # fmt: skip
            if count != 1000:
                continue
            rates, walls, line_rates = [], [], []
            for run in range(runs):
                elapsed, _ = cli([str(folder), "--out", str(work / f"rerun{run}"), *common])
                rates.append(count / elapsed)
                walls.append(elapsed)
                elapsed, _ = cli([str(folder), "--out", str(work / f"rerun-jsonl{run}"),
                                  "-f", "jsonl", *common])  # fmt: skip
                line_rates.append(count / elapsed)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import summarizer.cli"], env=CHILD_ENV,
                           cwd=ROOT, check=True)  # fmt: skip
            startup = time.perf_counter() - started
            files = file_floor(work / "floor", count)
            rerun_rows.append(
                {
                    "figure": "3. Cached re-run of 1,000 articles: a whole `summarize` "
                    "process (start-up, reading, cache look-ups, a JSON file per article)",
                    "value": f"{triple(rates, '{:,.0f}')} articles/s "
                    f"({triple(walls, '{:.2f}')} s); one JSONL file instead: "
                    f"{triple(line_rates, '{:,.0f}')} articles/s. Of which fixed: start-up "
                    f"and imports {startup:.2f} s; creating 1,000 files atomically on this "
                    f"file system costs {files:.2f} s by itself",
                    "target": ">= 1,000 articles/s",
                    "met": min(rates) >= 1000,
                }
            )
    sizes = sorted(peaks)
    detail = "; ".join(
        f"{n:,} articles: {peaks[n]['json'] / 1024:.0f} MiB (-f json), "
        f"{peaks[n]['html'] / 1024:.0f} MiB (-f html)"
        for n in sizes
    )
    # Bounded memos and pools fill over the first few hundred articles; flat means that past
    # them, more articles add (almost) nothing.
    middle, largest = sizes[-2], sizes[-1]
    growth = max(
        (peaks[largest][f] - peaks[middle][f]) / (largest - middle) for f in ("json", "html")
    )
    memory = {
        "figure": "Memory: peak RSS of a cold `summarize` run (concurrency 64, no latency)",
        "value": f"{detail}; from {middle:,} to {largest:,} articles at most {growth:.1f} KiB "
        "more per article",
        "target": "flat in the number of articles",
        "met": growth < 4,
    }
    return [*rerun_rows, memory]


def file_floor(folder: Path, count: int) -> float:
    """Seconds to create ``count`` small files atomically (temporary file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = b"x" * 6000
    started = time.perf_counter()
    for number in range(count):
        temporary = folder / f".{number}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(descriptor, payload)
        os.close(descriptor)
        os.replace(temporary, folder / f"{number}.json")
    return time.perf_counter() - started


def help_time(runs: int) -> Row:
    def once() -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "summarizer", "--help"], cwd=ROOT,
                       capture_output=True, check=True, env=CHILD_ENV)  # fmt: skip
        return (time.perf_counter() - started) * 1000

    once()
    times = [once() for _ in range(max(runs, 5))]
    bare = []
    for _ in range(max(runs, 5)):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=CHILD_ENV)
        bare.append((time.perf_counter() - started) * 1000)
    return {
        "figure": "4. `summarize --help` wall time",
        "value": f"{triple(times, '{:.0f}')} ms (Python itself starts in "
        f"{statistics.median(bare):.0f} ms)",
        "target": "< 300 ms",
        "met": statistics.median(times) < 300,
    }


def local_model(work: Path) -> list[Row]:
    if importlib.util.find_spec("llama_cpp") is None:
        return [{"figure": "5-6. Embedded model", "value": "left out: no [local] extra",
                 "target": "", "met": None}]  # fmt: skip
    from summarizer.local import MODEL_ALIAS, LocalServer

    rows: list[Row] = []
    articles = load_paths([SEEDS]).articles
    backend = Backend("openai-compatible", MODEL_ALIAS, "http://127.0.0.1/v1", "tools")
    with LocalServer() as server:
        root = server.base_url.removesuffix("/v1")

        def post(path: str, payload: dict[str, Any], timeout: float = 60) -> Any:
            request = urllib.request.Request(
                root + path, data=json.dumps(payload).encode(), method="POST",
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.load(response)

        def tokens(text: str) -> int:
            return int(post("/extras/tokenize/count", {"input": text})["count"])

        # 5. What a request costs in prompt tokens beyond the article's own.
        summarizer = AsyncSummarizer(backend, sampling=Sampling(seed=0))
        sample = prepared_request(ArticleExtraction, Mode.TOOLS, {"messages": []})
        schema_tokens = tokens(json.dumps(sample["tools"]))
        parts = []
        for article in articles:
            own = tokens(" ".join(sentence.text for sentence in article.sentences))
            messages = summarizer.messages(article)
            # What the server counts: the chat template around the messages, and the tool.
            reply = post(
                "/v1/chat/completions",
                {**sample, "model": MODEL_ALIAS, "messages": messages, "max_tokens": 1},
                timeout=600,
            )
            prompt = int(reply["usage"]["prompt_tokens"])
            template = tokens("\n".join(m["content"] for m in messages)) - own
            parts.append(
                f"{article.path.rsplit('/', 1)[-1]}: article {own:,} tokens, prompt "
                f"{prompt:,} (+{prompt - own:,}: instructions and numbering {template:,}, "
                f"tool schema and chat template the rest)"
            )
        rows.append(
            {
                "figure": "5. Prompt tokens per article against the article's own tokens",
                "value": "; ".join(parts) + f"; the tool schema alone is {schema_tokens:,} "
                "tokens as JSON",
                "target": "report; cut waste",
                "met": None,
            }
        )

        # 6. Summaries per minute on seeds/, and the server's own generation speed.
        async def summarize_all() -> tuple[float, int, int]:
            async with AsyncSummarizer(
                Backend("openai-compatible", MODEL_ALIAS, server.base_url, "tools"),
                sampling=Sampling(seed=0),
            ) as client:
                started = time.perf_counter()
                completion = attempts = 0
                for article in articles:
                    summary = await client.summarize(article)
                    completion += summary.metadata.usage.completion_tokens
                    attempts += summary.metadata.attempts
                return time.perf_counter() - started, completion, attempts

        elapsed, completion_tokens, attempts = asyncio.run(summarize_all())
        started = time.perf_counter()
        generated = post(
            "/v1/completions",
            {"prompt": "The news today is", "max_tokens": 128, "temperature": 0, "seed": 0},
            timeout=600,
        )["usage"]["completion_tokens"]
        speed = generated / (time.perf_counter() - started)
    rows.append(
        {
            "figure": "6. Embedded SmolLM2-135M on seeds/ (one run, cache off, one request "
            "at a time)",
            "value": f"{len(articles) / elapsed * 60:.2f} summaries/min ({elapsed:.0f} s for "
            f"{len(articles)} articles, {attempts} requests with re-asks, "
            f"{completion_tokens:,} completion tokens: {completion_tokens / elapsed:.0f} "
            f"tokens/s through the tool); the server alone generates {speed:.0f} tokens/s",
            "target": "report",
            "met": None,
        }
    )
    return rows


def write_report(rows: list[Row], path: Path, seconds: float, note: str) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Run with `python bench/run.py` on {date.today().isoformat()}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
        f"{seconds:.0f} s in all{note}. Figures are min / median / max over repeated runs "
        "unless said otherwise. The bench server (tests/fake_server.py --grounded) runs in "
        "its own process on 127.0.0.1 and answers, after a fixed latency, a summary of about "
        "17 items that all pass grounding.",
        "",
        "| figure | measured | target | met |",
        "|---|---|---|---|",
    ]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        lines.append(f"| {row['figure']} | {row['value']} | {row['target']} | {met} |")
    # Other benchmarks (bench/story.py, bench/trust.py) write their own "## " sections below
    # these figures: kept as they are.
    previous = path.read_text() if path.exists() else ""
    start = previous.find("\n## ")
    kept = previous[start + 1 :] if start != -1 else ""
    path.write_text("\n".join(lines) + "\n" + ("\n" + kept if kept else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="repeats per figure")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--skip-local", action="store_true", help="leave out figures 5 and 6")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    arguments = parser.parse_args()
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    quick = arguments.quick
    started = time.perf_counter()
    rows: list[Row] = []
    steps: list[Callable[[Path], list[Row]]] = [
        lambda work: overhead_per_article(work, arguments.runs, *((5, 15) if quick else (20, 80))),
        lambda work: concurrency_efficiency(work, arguments.runs, 40 if quick else 200),
        lambda work: cached_rerun_and_memory(
            work, arguments.runs, (100, 1000) if quick else (200, 1000, 3000)
        ),
        lambda work: [help_time(arguments.runs)],
        lambda work: [] if arguments.skip_local else local_model(work),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        os.environ["SUMMARIZER_CACHE_DIR"] = str(work / "default-cache")
        for step in steps:
            for row in step(work):
                print(f"{row['figure']}: {row['value']}", flush=True)
                rows.append(row)
    note = " (--quick: small sizes)" if quick else ""
    write_report(rows, arguments.out, time.perf_counter() - started, note)
    print(f"wrote {arguments.out}")


if __name__ == "__main__":
    main()
