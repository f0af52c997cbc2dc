"""Time and server faults have bounds the user can count on: one deadline per request, body
included; a total for all attempts; a server that is not there or not an OpenAI API stops the
run at once; what a server says in error reaches the user as one clean line."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarizer import Backend, ConfigError, ModelError, Summarizer, load_file, summarize_folder
from summarizer.config import Mode
from summarizer.llm import RateLimiter, TransportPolicy
from tests.conftest import ROOT, SEEDS
from tests.fake_server import FakeModelServer

ARTICLE = load_file(SEEDS / "004_434d8e9a3390da3a.txt")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _summarize(server: FakeModelServer, policy: TransportPolicy):  # type: ignore[no-untyped-def]
    backend = Backend("openai-compatible", "fake-model", server.base_url, Mode.TOOLS)
    with Summarizer(backend, transport=policy) as summarizer:
        return summarizer.summarize(ARTICLE)


def test_a_dripping_body_is_cut_at_the_requests_deadline() -> None:
    # Each of 20 pieces comes within the read timeout; the whole answer would take 10 s.
    policy = TransportPolicy(attempts=5, max_total_seconds=3.0, initial_wait=0.01,
                             max_wait=0.02, timeout=1.0)  # fmt: skip
    with FakeModelServer(["drip"] * 10, drip_seconds=0.5) as server:
        started = time.monotonic()
        with pytest.raises(ModelError, match="no complete answer within"):
            _summarize(server, policy)
        elapsed = time.monotonic() - started
    assert elapsed < 6  # 3 s of attempts, and the client's start-up


def test_all_attempts_together_stay_within_the_total_bound() -> None:
    # A hanging request would hold its connection for the whole per-request timeout (5 s).
    policy = TransportPolicy(attempts=5, max_total_seconds=2.0, initial_wait=0.01,
                             max_wait=0.02, timeout=5.0)  # fmt: skip
    with FakeModelServer(["hang"] * 5, hang_seconds=10) as server:
        started = time.monotonic()
        with pytest.raises(ModelError):
            _summarize(server, policy)
        elapsed = time.monotonic() - started
    assert elapsed < 3.5


def test_the_documented_bounds_are_the_default_policy() -> None:
    readme = (ROOT / "README.md").read_text()
    policy = TransportPolicy()
    assert policy.timeout <= policy.max_total_seconds
    assert f"up to {policy.attempts} attempts and {policy.max_total_seconds:g} s" in readme
    assert f"each request at most {policy.timeout:g} s" in readme


def _articles(folder: Path, count: int) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"story{number}.txt").write_text(
            f"Story {number}: the council met on Monday. It approved budget line {number}."
        )
    return folder


def _cli(folder: Path, out: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summarizer", str(folder), "--out", str(out), "--base-url",
         base_url, "--model", "m", "--no-cache"],
        env=ENV, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_server_that_is_not_an_openai_api_stops_the_run_at_once(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "in", 16)
    with FakeModelServer(["501-html"] * 100) as server:
        result = _cli(folder, tmp_path / "out", server.base_url)
        requests = len(server.requests)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert server.base_url in errors[0]
    assert "501 Not Implemented" in errors[0]
    assert "<" not in errors[0]
    assert requests <= 8  # the requests already in flight; none retried, none after


def test_an_unreachable_server_stops_the_run_at_once_with_its_url(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "in", 16)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    started = time.monotonic()
    result = _cli(folder, tmp_path / "out", url)
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert url in errors[0]
    assert "cannot be reached" in errors[0]
    assert elapsed < 40  # one transport policy, not one per article


def test_after_answers_a_server_gone_bad_stops_the_run_after_a_few_in_a_row(
    tmp_path: Path,
) -> None:
    folder = _articles(tmp_path / "in", 8)
    with FakeModelServer(["ok", "501-html", "501-html", "501-html"]) as server:
        with pytest.raises(ConfigError, match="3 requests in a row"):
            summarize_folder([folder], base_url=server.base_url, model="m", cache=False,
                             concurrency=1)  # fmt: skip
        assert len(server.requests) == 4


def test_a_context_overflow_is_one_clean_line(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "in", 1)
    with FakeModelServer(["context-overflow"]) as server:
        result = _cli(folder, tmp_path / "out", server.base_url)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: '{folder}/story0.txt': the model server answered 400: This model's maximum "
        "context length is 8192 tokens. However, your messages resulted in 12873 tokens. "
        "Please reduce the length of the messages."
    ]


def test_negative_token_counts_from_a_server_are_not_added(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "in", 2)
    with FakeModelServer(usage_sign=-1) as server:
        result = summarize_folder([folder], base_url=server.base_url, model="m", cache=False)
    assert result.summarised == 2
    assert result.usage.total_tokens == 0
    assert all(s.metadata.usage.prompt_tokens == 0 for s in result.summaries)


def test_rpm_lets_at_most_that_many_requests_start_in_any_window() -> None:
    """A fake clock: 20 rpm, 200 requests arriving at random, none ever in flight long."""
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(rpm=20, clock=lambda: now[0], sleep=sleep)
    starts: list[float] = []
    rng = random.Random(7)

    async def run() -> None:
        for _ in range(200):
            now[0] += rng.choice([0.0, 0.0, 0.5, 3.0, 20.0])
            await limiter.acquire(100)
            starts.append(now[0])

    asyncio.run(run())
    window = RateLimiter.WINDOW_SECONDS
    for first in starts:
        inside = [start for start in starts if first <= start <= first + window]
        assert len(inside) <= 20

    # And it holds back only what it must: 20 at once start at once, the 21st a window later.
    now[0], starts[:] = 10_000.0, []
    limiter = RateLimiter(rpm=20, clock=lambda: now[0], sleep=sleep)

    async def burst() -> None:
        for _ in range(21):
            await limiter.acquire(100)
            starts.append(now[0])

    asyncio.run(burst())
    assert starts[:20] == [10_000.0] * 20
    assert window < starts[20] - 10_000.0 < window + 0.1
