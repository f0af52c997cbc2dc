"""The command in an unfriendly environment, as real processes: stopped from a script's
background job, pointed at folders it cannot write, given a malformed URL or hostile file
names. One line each, the documented exit code, never a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fake_server import FakeModelServer

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
NOBODY = 65534


def _articles(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"story{number}.txt").write_text(
            f"Story {number}: the council met on Monday. It approved budget line {number}."
        )
    return folder


def _summarize(*args: str) -> list[str]:
    return [sys.executable, "-m", "summarizer", *args]


def _run(*args: str, user: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _summarize(*args), env=ENV, capture_output=True, text=True, timeout=120, preexec_fn=user
    )


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder an unprivileged user can use (pytest's own is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="summarizer-test-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _as_nobody() -> Callable[[], None] | None:
    """Run the command as an ordinary user: root writes into read-only folders."""
    if os.geteuid() != 0:
        return None

    def drop() -> None:
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    return drop


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_background_job_of_a_script_stops_on_sigterm_and_sigint(
    tmp_path: Path, stop: signal.Signals
) -> None:
    folder, out = _articles(tmp_path / "in", 40), tmp_path / "out"
    pid_file = tmp_path / "pid"
    with FakeModelServer(latency=0.5) as server:
        command = " ".join(
            _summarize(str(folder), "--out", str(out), "--base-url", server.base_url,
                       "--model", "fake-model", "--no-cache", "--concurrency", "2")
        )  # fmt: skip
        # A non-interactive shell starts `&` jobs with SIGINT ignored.
        script = subprocess.Popen(
            ["bash", "-c", f"{command} 2>{tmp_path}/stderr & echo $! > {pid_file}; wait $!"],
            env=ENV,
        )
        deadline = time.monotonic() + 60
        while len(list(out.glob("*.json"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(int(pid_file.read_text()), stop)
        started = time.monotonic()
        script.wait(timeout=30)
        stopped_in = time.monotonic() - started
        requests = len(server.requests)
    stderr = (tmp_path / "stderr").read_text()
    assert stopped_in < 5
    assert script.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert requests < 20  # it stopped paying, not went on through all 40
    assert not list(out.glob(".*.tmp"))


def test_a_read_only_output_folder_is_exit_2_in_one_line(shared_tmp: Path) -> None:
    folder = _articles(shared_tmp / "in", 1)
    out = shared_tmp / "out"
    out.mkdir()
    out.chmod(0o555)
    result = _run(str(folder), "--out", str(out), "--base-url", "http://127.0.0.1:9/v1",
                  "--model", "m", "--no-cache", user=_as_nobody())  # fmt: skip
    assert result.returncode == 2
    assert _one_error_line(result) == (
        f"error: cannot write to the output folder '{out}': Permission denied"
    )


def test_an_output_path_that_is_a_file_is_exit_2_in_one_line(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "in", 1)
    (tmp_path / "out").write_text("")
    result = _run(str(folder), "--out", str(tmp_path / "out"), "--model", "m",
                  "--base-url", "http://127.0.0.1:9/v1", "--no-cache")  # fmt: skip
    assert result.returncode == 2
    assert "is a file, not a folder" in _one_error_line(result)


@pytest.mark.parametrize(
    "url", ["localhost:8080/v1", "http//localhost/v1", "ftp://host/v1", "http://"]
)
def test_a_malformed_base_url_is_exit_2_in_one_line(tmp_path: Path, url: str) -> None:
    folder = _articles(tmp_path / "in", 1)
    result = _run(str(folder), "--out", str(tmp_path / "out"), "--base-url", url,
                  "--model", "m", "--no-cache")  # fmt: skip
    assert result.returncode == 2
    line = _one_error_line(result)
    assert "--base-url" in line
    assert url in line


def test_a_cache_on_a_read_only_location_is_one_warning_and_the_run_goes_on(
    shared_tmp: Path,
) -> None:
    folder = _articles(shared_tmp / "in", 2)
    cache = shared_tmp / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    with FakeModelServer() as server:
        result = _run(str(folder), "--out", str(shared_tmp / "out"), "--base-url",
                      server.base_url, "--model", "m", "--cache-dir", str(cache / "sub"),
                      user=_as_nobody())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "without the cache" in warnings[0]
    assert len(list((shared_tmp / "out").glob("*.json"))) == 2


def test_outputs_that_cannot_be_written_are_named_and_the_run_ends_1(shared_tmp: Path) -> None:
    folder, out = _articles(shared_tmp / "in", 12), shared_tmp / "out"
    out.mkdir()
    out.chmod(0o777)
    with FakeModelServer(latency=0.3) as server:
        run = subprocess.Popen(
            _summarize(str(folder), "--out", str(out), "--base-url", server.base_url,
                       "--model", "m", "--no-cache", "--concurrency", "1", "-f", "md"),
            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_as_nobody(),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not (out / "report.md").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        out.chmod(0o555)  # the folder goes read-only (or the disk fills) mid-run
        stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert f"error: not written: '{out / 'report.md'}': Permission denied" in stderr
    assert "12 summarised" in stdout


def test_hostile_file_names_and_text_never_reach_the_terminal_raw(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    clear_screen, set_title = "\x1b[2J", "\x1b]0;pwned\x07"
    (folder / f"a{clear_screen}\nb.txt").write_text("")  # a failure: its name is shown
    (folder / "c.txt").write_text(
        f"{set_title}Ministers met on Monday{clear_screen}. They agreed a budget."
    )
    with FakeModelServer() as server:
        result = _run(str(folder), "--out", str(tmp_path / "out"), "--base-url",
                      server.base_url, "--model", "m", "--no-cache")  # fmt: skip
    shown = result.stdout + result.stderr
    assert "\x1b" not in shown
    assert "\x07" not in shown
    line = _one_error_line(result)
    assert line == f"error: '{folder}/a\\x1b[2J\\nb.txt': file is empty"
    assert "Ministers met on Monday" in shown
