"""The transport retry policy against a real misbehaving HTTP server on 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from summarizer import Backend, ModelError, Summarizer, load_file
from summarizer.config import Mode
from summarizer.llm import TransportPolicy
from tests.conftest import SEEDS
from tests.fake_server import FakeModelServer

ARTICLE = load_file(SEEDS / "004_434d8e9a3390da3a.txt")
FAST = TransportPolicy(
    attempts=5, max_total_seconds=20, initial_wait=0.01, max_wait=0.05, timeout=1.0
)


def _summarize(server: FakeModelServer, policy: TransportPolicy = FAST):  # type: ignore[no-untyped-def]
    backend = Backend("openai-compatible", "fake-model", server.base_url, Mode.TOOLS)
    with Summarizer(backend, transport=policy) as summarizer:
        return summarizer.summarize(ARTICLE)


@pytest.mark.parametrize(
    "faults",
    [
        ["500"],
        ["503", "500"],
        ["hang"],
        ["reset"],
        ["truncated"],
        ["429-ms", "503", "reset", "truncated"],
    ],
)
def test_transient_faults_are_retried_until_an_answer(faults: list[str]) -> None:
    with FakeModelServer(faults, hang_seconds=3.0) as server:
        summary = _summarize(server)
    assert summary.metadata.transport_retries == len(faults)
    assert summary.metadata.attempts == 1  # one answer; the faults were not answers
    assert len(server.requests) == len(faults) + 1
    assert server.requests[0] == server.requests[-1]  # the same request, repeated
    assert summary.headline.startswith("NUR-SULTAN")


def test_429_waits_as_long_as_retry_after_says() -> None:
    with FakeModelServer(["429"], retry_after="0.6") as server:
        started = time.monotonic()
        summary = _summarize(server)
        elapsed = time.monotonic() - started
    assert summary.metadata.transport_retries == 1
    assert elapsed >= 0.6


def test_persistent_fault_fails_the_article_after_the_policy_bound() -> None:
    policy = TransportPolicy(attempts=3, initial_wait=0.01, max_wait=0.02, timeout=1.0)
    with FakeModelServer(["503"] * 10) as server, pytest.raises(ModelError) as raised:
        _summarize(server, policy)
    assert len(server.requests) == 3
    assert "answered 503" in str(raised.value)
    assert "after 2 retries" in str(raised.value)
    assert raised.value.transport_retries == 2


def test_refused_key_is_not_retried() -> None:
    with FakeModelServer(["401"]) as server, pytest.raises(ModelError, match="API key"):
        _summarize(server)
    assert len(server.requests) == 1


def test_total_time_bounds_the_policy() -> None:
    policy = TransportPolicy(
        attempts=50, max_total_seconds=1.0, initial_wait=0.2, max_wait=0.2, timeout=1.0
    )
    with FakeModelServer(["500"] * 50) as server:
        started = time.monotonic()
        with pytest.raises(ModelError):
            _summarize(server, policy)
        assert time.monotonic() - started < 5
    assert 2 <= len(server.requests) < 50


def test_sdk_retries_are_off_so_one_policy_counts_every_request(tmp_path: Path) -> None:
    policy = TransportPolicy(attempts=1, timeout=1.0)
    with FakeModelServer(["500"]) as server, pytest.raises(ModelError):
        _summarize(server, policy)
    assert len(server.requests) == 1


def test_the_cli_reports_a_failed_article_in_one_line_without_library_logs(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from summarizer.cli import app

    with FakeModelServer(["401"]) as server:
        result = CliRunner().invoke(
            app,
            [str(ARTICLE.path), "--out", str(tmp_path), "--base-url", server.base_url,
             "--model", "fake-model", "--no-cache"],
        )  # fmt: skip
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: '{ARTICLE.path}': the server refused the API key (401): check OPENAI_API_KEY"
    ]
    assert "Max retries exceeded" not in result.output
    assert "Traceback" not in result.output
