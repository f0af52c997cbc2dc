"""Killing a run mid-folder loses nothing: no partial output, and the re-run only asks the
model about what was not finished. A real subprocess, really killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT
from tests.fake_server import FakeModelServer

ARTICLES = 8
SCHEMA = json.loads((ROOT / "schemas" / "article_summary.schema.json").read_text())


def _articles(folder: Path) -> Path:
    folder.mkdir()
    for number in range(ARTICLES):
        (folder / f"story{number}.txt").write_text(
            f"Story {number}: the council met on Monday. It approved budget line {number}."
        )
    return folder


def _command(folder: Path, out: Path, server: FakeModelServer, cache: Path) -> list[str]:
    return [
        sys.executable, "-m", "summarizer", str(folder), "--out", str(out),
        "--base-url", server.base_url, "--model", "fake-model", "--cache-dir", str(cache),
        "--concurrency", "1",
    ]  # fmt: skip


def _finished_outputs(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*.json")) if out.exists() else []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_killed_run_leaves_no_partial_output_and_resumes(
    tmp_path: Path, stop: signal.Signals
) -> None:
    folder, out, cache = _articles(tmp_path / "in"), tmp_path / "out", tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with FakeModelServer(latency=0.4) as server:
        run = subprocess.Popen(
            _command(folder, out, server, cache),
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(_finished_outputs(out)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        run.send_signal(stop)
        output = run.communicate(timeout=30)[0].decode()
        finished = _finished_outputs(out)
        time.sleep(1.0)  # let a request in flight at the kill finish on the server side
        calls_before = server.completions

        assert run.returncode != 0, output
        assert 2 <= len(finished) < ARTICLES
        # Every output file that exists is whole and valid; none is half-written.
        for path in finished:
            jsonschema.validate(json.loads(path.read_text()), SCHEMA)
        if stop != signal.SIGKILL:
            assert "interrupted" in output
            assert "Traceback" not in output
            assert not list(out.glob(".*.tmp"))

        rerun = subprocess.run(
            _command(folder, out, server, cache), env=env, capture_output=True, timeout=120
        )
        calls_after = server.completions

    assert rerun.returncode == 0, rerun.stdout.decode() + rerun.stderr.decode()
    assert len(_finished_outputs(out)) == ARTICLES
    # The re-run asked the model only about articles the first run had not finished.
    assert calls_after - calls_before <= ARTICLES - len(finished)
    # Over both runs, at most the one request in flight when the signal came was paid twice.
    assert ARTICLES <= calls_after <= ARTICLES + 1
