"""The cache in a hostile world: locked by another process, damaged inside, on a full or
read-only disk, deleted mid-run. The run always goes on, and the user is always told."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from summarizer import cache as cache_module
from summarizer import summarize_folder
from summarizer.cache import FILE_NAME, CacheWarning, ResultCache
from summarizer.errors import ConfigError
from summarizer.pipeline import FolderResult
from tests.fake_server import FakeModelServer


def _articles(folder: Path, count: int) -> Path:
    folder.mkdir(exist_ok=True)
    for number in range(count):
        (folder / f"story{number}.txt").write_text(
            f"Story {number}: the council met on Monday. It approved budget line {number}."
        )
    return folder


def _run(server: FakeModelServer, folder: Path, cache_dir: Path, **options: Any) -> FolderResult:
    return summarize_folder(
        [folder], base_url=server.base_url, model="fake-model", cache_dir=cache_dir, **options
    )


def test_a_busy_cache_is_waited_for_then_left_alone_and_the_run_goes_on_uncached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache_dir = _articles(tmp_path / "in", 2), tmp_path / "cache"
    with FakeModelServer() as server:
        _run(server, folder, cache_dir)  # a healthy cache holding both articles
        monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_SECONDS", 0.3)
        holder = sqlite3.connect(cache_dir / FILE_NAME, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than we wait
        try:
            with pytest.warns(CacheWarning, match="is busy"):
                busy = _run(server, folder, cache_dir)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        again = _run(server, folder, cache_dir)
    assert busy.summarised == 2
    assert busy.cache_hits == 0  # ran without the cache
    assert not list(cache_dir.glob("*.unusable-*"))  # the healthy cache was not renamed
    assert again.cache_hits == 2  # and it still holds the first run's results


def _fill_and_damage(cache_dir: Path) -> None:
    db = sqlite3.connect(cache_dir / FILE_NAME)
    db.executemany(
        "INSERT INTO results VALUES (?, 0, 0, ?)", [(f"filler{n}", "x" * 3000) for n in range(200)]
    )
    db.commit()
    db.close()  # the last connection to close moves the write-ahead log into the file
    size = (cache_dir / FILE_NAME).stat().st_size
    assert size > 100_000
    with open(cache_dir / FILE_NAME, "r+b") as file:  # garbage over a page in the middle
        file.seek((size // 2) // 4096 * 4096)
        file.write(b"\xff" * 4096)


def test_damage_inside_a_database_is_found_on_open_and_set_aside(tmp_path: Path) -> None:
    folder, cache_dir = _articles(tmp_path / "in", 1), tmp_path / "cache"
    with FakeModelServer() as server:
        _run(server, folder, cache_dir)
        _fill_and_damage(cache_dir)
        with pytest.warns(CacheWarning, match="malformed|damaged"):
            rerun = _run(server, folder, cache_dir)
        after = _run(server, folder, cache_dir)
    assert rerun.summarised == 1
    assert len(list(cache_dir.glob(f"{FILE_NAME}.unusable-*"))) == 1
    assert after.cache_hits == 1  # the new cache works


def test_a_full_disk_is_said_once_and_the_run_goes_on_uncached(tmp_path: Path) -> None:
    folder, cache_dir = _articles(tmp_path / "in", 10), tmp_path / "cache"
    with ResultCache(cache_dir) as cache:  # make the file, then cap it where it stands
        assert cache.available
    real_connect = cache_module.ResultCache._connect_and_check

    def capped(self: ResultCache) -> sqlite3.Connection:
        connection = real_connect(self)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL on growth
        return connection

    with FakeModelServer() as server, pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache_module.ResultCache, "_connect_and_check", capped)
        with pytest.warns(CacheWarning, match="full") as caught:
            result = _run(server, folder, cache_dir)
    assert result.summarised == 10
    assert result.ok
    assert len([w for w in caught if issubclass(w.category, CacheWarning)]) == 1


def test_a_cache_folder_that_cannot_be_made_means_a_run_without_the_cache(
    tmp_path: Path,
) -> None:
    folder = _articles(tmp_path / "in", 1)
    unmakeable = Path("/proc/summarizer-cache")  # no one can make a folder in /proc
    with FakeModelServer() as server, pytest.warns(CacheWarning, match="cannot make"):
        result = _run(server, folder, unmakeable)
    assert result.summarised == 1


def test_a_cache_deleted_mid_run_is_said(tmp_path: Path) -> None:
    folder, cache_dir = _articles(tmp_path / "in", 3), tmp_path / "cache"

    def delete_cache(_article: object, _outcome: object) -> None:
        for file in cache_dir.glob(f"{FILE_NAME}*"):
            file.unlink()

    with FakeModelServer() as server, pytest.warns(CacheWarning, match="removed during the run"):
        result = _run(server, folder, cache_dir, concurrency=1, on_result=delete_cache)
    assert result.summarised == 3


def test_a_cache_dir_that_is_a_file_is_a_config_error_naming_the_option(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "in", 1)
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("")
    with pytest.raises(ConfigError, match="cache_dir"):
        summarize_folder([folder], model="fake-model", base_url="http://127.0.0.1:9/v1",
                         cache_dir=not_a_folder)  # fmt: skip


def test_a_bad_mode_in_a_library_call_is_a_config_error_naming_it(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "in", 1)
    with pytest.raises(ConfigError, match="mode"):
        summarize_folder([folder], model="m", base_url="http://127.0.0.1:9/v1", mode="bogus")


def test_a_claim_by_a_live_process_holds_and_a_dead_or_expired_one_is_taken_over(
    tmp_path: Path,
) -> None:
    import os
    import socket
    import subprocess
    import time

    finished = subprocess.Popen(["true"])
    finished.wait()  # its pid now names no process
    with ResultCache(tmp_path) as ours, ResultCache(tmp_path) as other:
        assert other.claim("live")  # another process's claim, alive (this pid)
        assert not ours.claim("live")
        assert not other.claim("live")  # its own other tasks wait for it too
        assert ours.peek("live") is None
        other.release("live")
        assert ours.claim("live")

        rows = [
            ("dead", "gone", socket.gethostname(), finished.pid, time.time() + 900),
            ("expired", "old", "another-host", os.getpid(), time.time() - 1),
            ("elsewhere", "far", "another-host", 1, time.time() + 900),
        ]
        db = sqlite3.connect(tmp_path / FILE_NAME)
        db.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?)", rows)
        db.commit()
        db.close()
        assert ours.claim("dead")
        assert ours.claim("expired")
        assert not ours.claim("elsewhere")  # a live claim on another machine is honoured


def test_the_same_text_under_two_names_in_one_run_is_paid_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "copy-of-a.txt"):
        (folder / name).write_text("The council met on Monday. It approved the budget.")
    with FakeModelServer(latency=0.3) as server:
        result = _run(server, folder, tmp_path / "cache", concurrency=2)
    assert result.summarised == 2
    assert len(server.requests) == 1
    assert result.cache_hits == 1


def test_two_openers_creating_one_cache_at_once_both_get_it(tmp_path: Path) -> None:
    """SQLite says "busy" at once, without waiting, when two connections race to create the
    file and switch it to WAL: a moment's contention, never a reason to run uncached."""
    import threading

    for attempt in range(40):
        folder = tmp_path / str(attempt)
        start = threading.Barrier(2)
        opened: list[ResultCache] = []

        def open_cache(folder: Path, start: threading.Barrier, opened: list[ResultCache]) -> None:
            start.wait()
            opened.append(ResultCache(folder))

        threads = [
            threading.Thread(target=open_cache, args=(folder, start, opened)) for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [cache.available for cache in opened] == [True, True], opened[0].notices
        for cache in opened:
            cache.close()
