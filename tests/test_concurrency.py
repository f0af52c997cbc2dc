"""A run's results do not depend on its concurrency, and a run reads articles only as slots
free up (memory holds the articles in flight, not the folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.config import OutputFormat
from summarizer.models import Article, ArticleSummary
from summarizer.output import OutputWriter
from summarizer.pipeline import ArticleFailure, summarize_folder
from tests.fake_server import FakeModelServer

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _folder(tmp_path: Path, count: int) -> Path:
    texts = [path.read_text() for path in sorted(SEEDS.glob("*.txt"))]
    folder = tmp_path / "news"
    folder.mkdir()
    for number in range(count):
        body = texts[number % len(texts)]
        (folder / f"{number:03}.txt").write_text(f"{body}\nCopy {number} of the story.\n")
    return folder


def _run(folder: Path, server: FakeModelServer, out: Path, concurrency: int) -> list[str]:
    with OutputWriter(out, OutputFormat.JSONL) as writer:

        def record(article: Article | None, outcome: ArticleSummary | ArticleFailure) -> None:
            assert isinstance(outcome, ArticleSummary), outcome
            writer.add(outcome, article)

        result = summarize_folder(
            folder,
            base_url=server.base_url,
            model="fake-model",
            cache=False,
            concurrency=concurrency,
            on_loaded=lambda articles: writer.expect(a.path for a in articles),
            on_result=record,
        )
    assert result.ok
    return [summary.model_dump_json() for summary in result.summaries]


def test_summaries_and_run_files_are_the_same_at_any_concurrency(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 12)
    # Random extra latency makes answers finish in another order than they were asked.
    with FakeModelServer(grounded=True, jitter=0.05) as server:
        one_at_a_time = _run(folder, server, tmp_path / "c1", 1)
        many = _run(folder, server, tmp_path / "c8", 8)
    assert len(one_at_a_time) == 12
    assert many == one_at_a_time
    assert json.loads(one_at_a_time[0])["who"]  # the answers held items, checked and kept
    first, second = (tmp_path / name / "summaries.jsonl" for name in ("c1", "c8"))
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("concurrency", [1, 3])
def test_articles_are_read_only_as_slots_free_up(tmp_path: Path, concurrency: int) -> None:
    folder = _folder(tmp_path, 10)
    loaded, finished, most_held = 0, 0, 0

    def on_loaded(articles: list[Article]) -> None:
        nonlocal loaded, most_held
        loaded += len(articles)
        most_held = max(most_held, loaded - finished)

    def on_result(_article: Article | None, _outcome: object) -> None:
        nonlocal finished
        finished += 1

    with FakeModelServer(latency=0.02) as server:
        result = summarize_folder(
            folder,
            base_url=server.base_url,
            model="fake-model",
            cache=False,
            concurrency=concurrency,
            keep_summaries=False,
            on_loaded=on_loaded,
            on_result=on_result,
        )
    assert (result.summarised, finished, loaded) == (10, 10, 10)
    assert result.summaries == []  # counted, not kept
    assert result.usage.total_tokens > 0
    # In flight, plus the one read while waiting for a slot.
    assert most_held <= concurrency + 1
