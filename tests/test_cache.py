"""The result cache: what hits, what misses, damaged files, and two processes at once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer import Backend, Summarizer, load_file, summarize_folder
from summarizer.cache import FILE_NAME, AnswerConditions, CacheWarning, ResultCache
from summarizer.cli import app
from summarizer.config import Mode
from tests.conftest import ROOT, SEEDS
from tests.fake_server import FakeModelServer

SEED = SEEDS / "004_434d8e9a3390da3a.txt"


def _run(server: FakeModelServer, cache_dir: Path, **options: Any) -> Any:
    defaults: dict[str, Any] = {
        "base_url": server.base_url,
        "model": "fake-model",
        "cache_dir": cache_dir,
    }
    return summarize_folder([SEED], **{**defaults, **options})


def test_a_rerun_over_unchanged_articles_costs_no_tokens(tmp_path: Path) -> None:
    with FakeModelServer() as server:
        first = _run(server, tmp_path)
        second = _run(server, tmp_path)
    assert len(server.requests) == 1
    assert first.summaries[0].metadata.cache_hit is False
    assert second.summaries[0].metadata.cache_hit is True
    assert second.usage.total_tokens == 0
    assert second.tokens_saved == first.usage.total_tokens > 0
    assert second.summaries[0].model_dump(exclude={"metadata"}) == first.summaries[0].model_dump(
        exclude={"metadata"}
    )


@pytest.mark.parametrize(
    "change",
    [
        {"model": "other-model"},
        {"temperature": 0.7},
        {"seed": 7},
        {"max_tokens": 999},
        {"max_retries": 0},
        {"mode": "json_schema"},
        {"strict": True},
    ],
)
def test_changing_what_shapes_the_answer_misses(tmp_path: Path, change: dict[str, object]) -> None:
    with FakeModelServer() as server:
        _run(server, tmp_path)
        changed = _run(server, tmp_path, **change)
    assert len(server.requests) == 2
    assert not changed.summaries[0].metadata.cache_hit


def test_another_server_misses(tmp_path: Path) -> None:
    with FakeModelServer() as first, FakeModelServer() as second:
        _run(first, tmp_path)
        _run(second, tmp_path)
    assert (len(first.requests), len(second.requests)) == (1, 1)


def test_edited_article_or_prompt_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer import prompts

    article = tmp_path / "a.txt"
    article.write_text("Pompeo met Tleuberdi in Nur-Sultan. They discussed trade.")
    cache_dir = tmp_path / "cache"
    with FakeModelServer() as server:
        summarize_folder(
            [article], base_url=server.base_url, model="fake-model", cache_dir=cache_dir
        )
        article.write_text("Pompeo met Tleuberdi in Nur-Sultan. They discussed oil.")
        summarize_folder(
            [article], base_url=server.base_url, model="fake-model", cache_dir=cache_dir
        )

        templates = tmp_path / "prompts"
        templates.mkdir()
        for template in prompts.prompt_dir().glob("*.j2"):
            (templates / template.name).write_text(template.read_text() + "\nBe brief.\n")
        monkeypatch.setattr(prompts, "prompt_dir", lambda: templates)
        prompts.load_template.cache_clear()
        try:
            summarize_folder(
                [article], base_url=server.base_url, model="fake-model", cache_dir=cache_dir
            )
        finally:
            prompts.load_template.cache_clear()
    assert len(server.requests) == 3


def test_same_text_under_another_name_or_key_hits(tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SEED.read_bytes())
    cache_dir = tmp_path / "cache"
    with FakeModelServer() as server:
        summarize_folder([SEED], base_url=server.base_url, model="fake-model", cache_dir=cache_dir)
        again = summarize_folder(
            [copy], base_url=server.base_url, model="fake-model", cache_dir=cache_dir,
            api_key="another-key",
        )  # fmt: skip
    assert len(server.requests) == 1
    assert again.summaries[0].metadata.cache_hit
    assert again.summaries[0].metadata.source_path == str(copy)


def test_no_cache_and_refresh(tmp_path: Path) -> None:
    with FakeModelServer() as server:
        _run(server, tmp_path)
        _run(server, tmp_path, cache=False)
        refreshed = _run(server, tmp_path, refresh=True)
        after = _run(server, tmp_path)
    assert len(server.requests) == 3
    assert not refreshed.summaries[0].metadata.cache_hit
    assert after.summaries[0].metadata.cache_hit


def test_no_cache_writes_no_cache_file(tmp_path: Path) -> None:
    with FakeModelServer() as server:
        _run(server, tmp_path, cache=False)
    assert not (tmp_path / FILE_NAME).exists()


def test_corrupt_cache_file_is_set_aside_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    with pytest.warns(CacheWarning, match="unusable"):
        cache = ResultCache(tmp_path)
    with cache:
        assert "unusable" in cache.notices[0]
        assert cache.stats().entries == 0
    aside = list(tmp_path.glob(f"{FILE_NAME}.unusable-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not a database")


def test_another_programs_database_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    with sqlite3.connect(path) as foreign:
        foreign.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.warns(CacheWarning, match="another program"):
        cache = ResultCache(tmp_path)
    with cache:
        assert "another program" in cache.notices[0]
    aside = next(tmp_path.glob(f"{FILE_NAME}.unusable-*"))
    with sqlite3.connect(aside) as foreign:
        tables = [row[0] for row in foreign.execute("SELECT name FROM sqlite_master")]
    assert tables == ["invoices"]


def test_an_entry_that_no_longer_validates_is_a_miss(tmp_path: Path) -> None:
    with FakeModelServer() as server:
        _run(server, tmp_path)
        with sqlite3.connect(tmp_path / FILE_NAME) as db:
            db.execute("UPDATE results SET summary = '{\"headline\": 3}'")
        with pytest.warns(CacheWarning, match="no longer validates"):
            rerun = _run(server, tmp_path)
    assert len(server.requests) == 2
    assert not rerun.summaries[0].metadata.cache_hit


def test_cache_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    with FakeModelServer() as server:
        _run(server, tmp_path)
        _run(server, tmp_path)
    stats = runner.invoke(app, ["cache", "stats", "--cache-dir", str(tmp_path)])
    assert stats.exit_code == 0, stats.output
    assert "entries: 1" in stats.output
    assert "last run: 1 hits, 0 misses" in stats.output
    path = runner.invoke(app, ["cache", "path", "--cache-dir", str(tmp_path)])
    assert path.output.strip() == str(tmp_path / FILE_NAME)
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(tmp_path)])
    assert "removed 1 cached result(s)" in cleared.output
    with ResultCache(tmp_path) as cache:
        assert cache.stats().entries == 0


def test_two_processes_share_one_cache_without_corrupting_it(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for number in range(12):
        (folder / f"{number:02}.txt").write_text(
            f"Story {number}: the council met on Monday. It approved budget line {number}."
        )
    cache_dir = tmp_path / "cache"
    # Answers slow enough that both processes want the same articles at the same time.
    with FakeModelServer(latency=0.2) as server:
        command = [
            sys.executable, "-m", "summarizer", str(folder), "--base-url", server.base_url,
            "--model", "fake-model", "--cache-dir", str(cache_dir),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        runs = [
            subprocess.Popen(
                [*command, "--out", str(tmp_path / f"out{n}")],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for n in range(2)
        ]
        outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    for n in range(2):
        assert len(list((tmp_path / f"out{n}").glob("*.json"))) == 12
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (12,)
    # Each article cost one call: the process that claimed it asked, the other waited.
    assert len(server.requests) == 12
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        assert db.execute("SELECT COUNT(*) FROM claims").fetchone() == (0,)


def test_summarizer_without_a_cache_never_touches_one(tmp_path: Path) -> None:
    article = load_file(SEED)
    with FakeModelServer() as server:
        backend = Backend("openai-compatible", "fake-model", server.base_url, Mode.TOOLS)
        with Summarizer(backend) as summarizer:
            summarizer.summarize(article)
            summarizer.summarize(article)
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("module", "constant"),
    [
        ("summarizer.pipeline", "GROUNDING_VERSION"),
        ("summarizer.cache", "SCHEMA_VERSION"),
    ],
)
def test_each_version_of_the_rules_is_part_of_the_article_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, constant: str
) -> None:
    import importlib

    with FakeModelServer() as server:
        _run(server, tmp_path)
        monkeypatch.setattr(importlib.import_module(module), constant, "changed")
        changed = _run(server, tmp_path)
    assert len(server.requests) == 2
    assert not changed.summaries[0].metadata.cache_hit


def _conditions(**change: object) -> AnswerConditions:
    fields: dict[str, Any] = {
        "task": "article_summary",
        "backend": "openai-compatible",
        "base_url": "http://127.0.0.1:1/v1",
        "model": "m",
        "mode": "tools",
        "sampling": {"temperature": 0.0},
        "strict": False,
        "prompt_version": "p@1",
        "response_schema": {"type": "object"},
        "versions": {"grounding": "1", "alignment": "1"},
    }
    return AnswerConditions(**{**fields, **change})


@pytest.mark.parametrize(
    "change",
    [
        {"task": "story_alignment"},
        {"backend": "openai"},
        {"base_url": "http://127.0.0.1:2/v1"},
        {"model": "m2"},
        {"mode": "json"},
        {"sampling": {"temperature": 0.5}},
        {"strict": True},
        {"prompt_version": "p@2"},
        {"response_schema": {"type": "array"}},
        {"versions": {"grounding": "2", "alignment": "1"}},
        {"versions": {"grounding": "1", "alignment": "2"}},
    ],
)
def test_every_condition_of_an_answer_changes_its_key(change: dict[str, object]) -> None:
    same = _conditions()
    assert same.key(["content"]) == _conditions().key(["content"])
    assert _conditions(**change).key(["content"]) != same.key(["content"])
    assert same.key(["content"]) != same.key(["other content"])


def test_a_cache_moved_aside_during_a_run_is_said_on_the_terminal(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    with FakeModelServer() as server:
        result = CliRunner().invoke(
            app,
            [str(SEED), "--base-url", server.base_url, "--model", "fake-model", "--cache-dir",
             str(tmp_path), "--out", str(tmp_path / "out")],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output
    assert "unusable" in result.output
