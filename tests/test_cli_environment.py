"""The command in an unfriendly environment, as real processes: stopped from a script's
background job, pointed at a read-only folder or a full disk, given a malformed URL or hostile
file names. One line each, the documented exit code, never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fake_server import FakeModelServer

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _articles(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"story{number}.txt").write_text(
            f"Story {number}: the council met on Monday. It approved budget line {number}."
        )
    return folder


def _summarize(*args: str) -> list[str]:
    return [sys.executable, "-m", "summarizer", *args]


def _run(*args: str, mounts: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _in_namespace(mounts, _summarize(*args)), env=ENV, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def _in_namespace(mounts: tuple[str, ...], command: list[str]) -> list[str]:
    """``command`` in a mount namespace of its own where ``mounts`` were made: a read-only
    folder or a tiny disk for it alone (root writes through file permissions, so they cannot
    stand in)."""
    if not mounts:
        return command
    script = " && ".join([*mounts, 'exec "$@"'])
    return ["unshare", "--mount", "sh", "-c", script, "sh", *command]


def _read_only(folder: Path) -> str:
    return f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} {folder}"


def _tiny_disk(folder: Path, size: str) -> str:
    return f"mount -t tmpfs -o size={size} tmpfs {folder}"


@pytest.fixture
def mount_namespace() -> None:
    probe = (
        subprocess.run(
            ["unshare", "--mount", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True
        )
        if shutil.which("unshare")
        else None
    )
    if probe is None or probe.returncode != 0:
        pytest.skip(
            "needs mount namespaces (unshare --mount, as root) for a read-only or full disk"
        )


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


def test_a_read_only_output_folder_is_exit_2_in_one_line(
    tmp_path: Path, mount_namespace: None
) -> None:
    folder, out = _articles(tmp_path / "in", 1), tmp_path / "out"
    out.mkdir()
    result = _run(str(folder), "--out", str(out), "--base-url", "http://127.0.0.1:9/v1",
                  "--model", "m", "--no-cache", mounts=(_read_only(out),))  # fmt: skip
    assert result.returncode == 2
    assert _one_error_line(result) == (
        f"error: cannot write to the output folder '{out}': Read-only file system"
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


def _run_with_cache_mounted(
    tmp_path: Path, articles: int, mount: Callable[[Path], str]
) -> tuple[subprocess.CompletedProcess[str], list[str], Path]:
    """A run whose cache folder is ``mount``-ed; its result, its warning lines, its outputs."""
    folder, cache, out = _articles(tmp_path / "in", articles), tmp_path / "cache", tmp_path / "out"
    cache.mkdir()
    with FakeModelServer() as server:
        result = _run(str(folder), "--out", str(out), "--base-url", server.base_url,
                      "--model", "m", "--cache-dir", str(cache),
                      mounts=(mount(cache),))  # fmt: skip
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    return result, warnings, out


def test_a_cache_on_a_read_only_location_is_one_warning_and_the_run_goes_on(
    tmp_path: Path, mount_namespace: None
) -> None:
    result, warnings, out = _run_with_cache_mounted(tmp_path, 2, _read_only)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert len(warnings) == 1, result.stderr
    assert "without the cache" in warnings[0]
    assert len(list(out.glob("*.json"))) == 2


def test_a_full_disk_under_the_cache_is_one_warning_and_the_run_goes_on(
    tmp_path: Path, mount_namespace: None
) -> None:
    result, warnings, out = _run_with_cache_mounted(
        tmp_path, 40, lambda cache: _tiny_disk(cache, "48k")
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert len(warnings) == 1, result.stderr
    assert "full" in warnings[0]
    assert len(list(out.glob("*.json"))) == 40


def test_outputs_a_full_disk_refuses_are_named_and_the_run_ends_1(
    tmp_path: Path, mount_namespace: None
) -> None:
    folder, out = _articles(tmp_path / "in", 12), tmp_path / "out"
    out.mkdir()
    with FakeModelServer() as server:
        result = _run(str(folder), "--out", str(out), "--base-url", server.base_url,
                      "--model", "m", "--no-cache", mounts=(_tiny_disk(out, "16k"),))  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    unwritten = [line for line in result.stderr.splitlines() if "not written:" in line]
    assert unwritten, result.stderr
    assert all("No space left on device" in line for line in unwritten)
    assert "12 summarised" in result.stdout


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
    assert "Ministers" in shown  # the headline, shown without the sequences


def test_cache_commands_on_a_cache_that_cannot_be_opened_are_exit_2_in_one_line() -> None:
    result = subprocess.run(
        _summarize("cache", "stats", "--cache-dir", "/proc/no-such-cache"),
        env=ENV, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "cannot make the cache folder '/proc/no-such-cache'" in _one_error_line(result)


def test_a_redirected_run_says_when_each_article_is_done(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Pompeo met Tleuberdi in Nur-Sultan on Monday.\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with FakeModelServer() as server:
        result = subprocess.run(
            [sys.executable, "-m", "summarizer", str(good), str(empty), "--base-url",
             server.base_url, "--model", "fake-model", "--out", str(tmp_path / "out"),
             "--no-cache"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert re.search(r"^\[1/1\] '.*good\.txt' done after \d+ s$", result.stderr, re.M)
    assert "[2/" not in result.stderr  # the empty file is a failure line, not a counted article
    assert "'" + str(empty) + "'" in result.stderr
