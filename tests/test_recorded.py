"""The real library and CLI driven through traffic recorded from the embedded model.

Cassettes live in cassettes/test_recorded/; re-record with
``python -m pytest --record-mode=rewrite``.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from summarizer import (
    AsyncSummarizer,
    Backend,
    Sampling,
    StoryBuilder,
    Summarizer,
    load_file,
    summarize_folder,
    summarize_story,
)
from summarizer.cache import ResultCache
from summarizer.cli import app
from summarizer.config import Mode
from summarizer.local import MODEL_ALIAS
from summarizer.models import Article, ArticleSummary, StorySummary
from tests.conftest import ROOT, SEEDS
from tests.test_story import ARTICLE_A, ARTICLE_B
from tests.test_story import SUMMARIES as STORY_SUMMARIES

SEED_FILES = sorted(SEEDS.glob("*.txt"))
# Two short reports of one invented event, written for these tests: small enough for the
# embedded model to ground items in, so the story's alignment requests are real traffic. They
# disagree on purpose (14 or 12 ferries cancelled).
STORY_FOLDER = ROOT / "tests" / "data" / "story"
STORY_FILES = sorted(STORY_FOLDER.glob("*.txt"))
OUTPUT_SCHEMA = json.loads((ROOT / "schemas" / "article_summary.schema.json").read_text())


def _backend(base_url: str) -> Backend:
    return Backend("openai-compatible", MODEL_ALIAS, base_url, Mode.TOOLS)


def _assert_grounded(summary: ArticleSummary) -> None:
    """Every kept item cites sentences that exist, with offsets that index the article."""
    article = load_file(summary.metadata.source_path)
    for section in ("who", "what", "where", "when", "key_figures", "disputed_points"):
        for item in getattr(summary, section):
            assert item.evidence_spans, f"{section} item without located evidence"
            for span in item.evidence_spans:
                assert article.text[span.start : span.end] == span.text
    grounding = summary.metadata.grounding
    assert grounding.proposed == grounding.verified + grounding.rejected
    assert grounding.rejected == len([r for r in summary.rejected if r.section != "headline"])


@pytest.mark.vcr
def test_reask_after_a_failed_answer_is_recorded_and_replayed(
    llm_endpoint: str, vcr: object
) -> None:
    article = load_file(SEEDS / "004_434d8e9a3390da3a.txt")
    with Summarizer(_backend(llm_endpoint), sampling=Sampling(seed=0)) as summarizer:
        summary = summarizer.summarize(article)

    # The first answer failed validation, so the model was asked again with the error.
    assert summary.metadata.attempts > 1
    assert summary.metadata.attempts == len(vcr.requests)  # type: ignore[attr-defined]
    assert summary.metadata.usage.total_tokens > 0
    assert summary.metadata.usage.prompt_tokens > summary.metadata.usage.completion_tokens
    _assert_grounded(summary)
    # Every rejected item is one the model proposed in a recorded answer, with its reasons.
    answers = " ".join(
        json.dumps(json.loads(response["body"]["string"]))
        for response in vcr.responses  # type: ignore[attr-defined]
    )
    for rejected in summary.rejected:
        assert rejected.reasons
        first_field = next(iter(rejected.item.values()))
        assert json.dumps(first_field)[1:-1] in answers


@pytest.mark.vcr
def test_reask_message_names_the_failed_items(llm_endpoint: str, vcr: object) -> None:
    article = load_file(SEEDS / "004_434d8e9a3390da3a.txt")
    with Summarizer(_backend(llm_endpoint), sampling=Sampling(seed=0)) as summarizer:
        summarizer.summarize(article)

    requests = [json.loads(request.body) for request in vcr.requests]  # type: ignore[attr-defined]
    assert len(requests) >= 2
    first, second = requests[0]["messages"], requests[1]["messages"]
    assert len(second) > len(first)  # the failed answer and the error were sent back
    assert second[len(first)]["role"] == "assistant"  # its answer, then the note on it
    note = second[len(first) + 1]["content"]
    # The note names each failed item and says what is wrong, in our words, not pydantic's.
    assert re.search(r"^- (headline|who|what|where|when|key_figures|disputed_points)", note, re.M)
    assert "errors.pydantic.dev" not in note


@pytest.mark.vcr
def test_folder_of_seeds_through_the_library(llm_endpoint: str) -> None:
    result = summarize_folder(SEEDS, base_url=llm_endpoint, model=MODEL_ALIAS, seed=0)
    assert result.ok, result.failures
    assert [Path(s.metadata.source_path).name for s in result.summaries] == [
        p.name for p in SEED_FILES
    ]
    for summary in result.summaries:
        jsonschema.validate(json.loads(summary.model_dump_json()), OUTPUT_SCHEMA)
        _assert_grounded(summary)
        assert summary.headline
        assert summary.metadata.model == MODEL_ALIAS
        assert summary.metadata.prompt_version.startswith("article_summary@")
    assert result.usage.total_tokens == sum(s.metadata.usage.total_tokens for s in result.summaries)


@pytest.mark.vcr
def test_cli_writes_valid_files_and_reports_bad_inputs(llm_endpoint: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\t\n")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    missing = tmp_path / "missing.txt"
    out = tmp_path / "out"

    result = CliRunner().invoke(
        app,
        [
            str(SEEDS / "004_434d8e9a3390da3a.txt"), str(empty), str(binary), str(missing),
            "--out", str(out), "--base-url", llm_endpoint, "--model", MODEL_ALIAS, "--seed", "0",
        ],
    )  # fmt: skip

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"'{empty}': file holds only whitespace" in result.output
    assert f"'{binary}': binary file" in result.output
    assert f"'{missing}': no such file or folder" in result.output
    written = sorted(out.glob("[!.]*"))  # beside the list of outputs (hidden)
    assert [p.name for p in written] == ["004_434d8e9a3390da3a.json"]
    data = json.loads(written[0].read_text())
    jsonschema.validate(data, OUTPUT_SCHEMA)
    assert data["metadata"]["source_path"].endswith("004_434d8e9a3390da3a.txt")


# --------------------------------------------------------------------------------------------
# One story, many sources
# --------------------------------------------------------------------------------------------

STORY_SCHEMA = json.loads((ROOT / "schemas" / "story_summary.schema.json").read_text())


def _assert_story_cites_real_sentences(story: StorySummary, articles: dict[str, Article]) -> None:
    """Every citation names a source of the story and sentences its article has."""
    by_label = {source.label: articles[source.article_id] for source in story.sources}
    citations = [
        *(c for actor in story.who for c in actor.roles),
        *(c for event in story.what for c in event.reported_by),
        *(c for place in story.where for c in place.roles),
        *(c for time in story.when for c in time.reported_by),
        *(side.citation for dispute in story.disputed_points for side in dispute.sides),
        *(c for coverage in story.coverage for c in coverage.only_here),
    ]
    for citation in citations:
        article = by_label[citation.source]
        assert citation.path == article.path
        assert all(article.sentence(s) is not None for s in citation.sentences), citation
    for figure in story.key_figures:
        assert figure.status == "single_source" or len({v.source for v in figure.values}) > 1


@pytest.mark.vcr
def test_story_of_two_reports_through_the_library(llm_endpoint: str, vcr: object) -> None:
    first = summarize_story(STORY_FOLDER, base_url=llm_endpoint, model=MODEL_ALIAS, seed=0)
    assert first.articles.ok, first.articles.failures
    story = first.story
    assert story is not None
    jsonschema.validate(json.loads(story.model_dump_json()), STORY_SCHEMA)
    assert [Path(source.path).name for source in story.sources] == [p.name for p in STORY_FILES]
    articles = {article.id: article for article in map(load_file, STORY_FILES)}
    _assert_story_cites_real_sentences(story, articles)
    # Every alignment request the story counts is one the model answered in this recording
    # (the embedded model verifies few items, so it may have had nothing to align; the
    # hand-built story below always makes it align).
    report = story.metadata.alignment
    bodies = [
        request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        for request in vcr.requests  # type: ignore[attr-defined]
    ]
    alignment_requests = [body for body in bodies if '"StoryAlignment"' in body]
    assert len(alignment_requests) >= report.calls
    assert story.metadata.attempts >= report.calls
    assert report.verified <= report.proposed
    assert story.metadata.prompt_version.startswith("story_alignment@")
    # Every item of every summary is in the story once: merged, or listed as a source's own.
    items = sum(
        len(getattr(summary, section))
        for summary in first.articles.summaries
        for section in ("who", "what", "where", "when", "key_figures", "disputed_points")
    )
    assert items > 0
    shared = sum(coverage.shared_items for coverage in story.coverage)
    only = sum(len(coverage.only_here) for coverage in story.coverage)
    assert shared + only == items

    # A second run is served from the cache: no request is made (the cassette holds none).
    second = summarize_story(STORY_FOLDER, base_url=llm_endpoint, model=MODEL_ALIAS, seed=0)
    assert second.story is not None
    assert second.story.metadata.cache_hit
    assert second.story.model_dump(exclude={"metadata"}) == story.model_dump(exclude={"metadata"})


@pytest.mark.vcr
def test_story_alignment_in_levels_checks_every_model_link(
    llm_endpoint: str, tmp_path: Path, vcr: object
) -> None:
    """Hand-built summaries with more items than one prompt holds: aligned in several requests
    and levels; whatever the small model proposes, only links code confirms are merged."""

    async def build() -> StorySummary:
        with ResultCache(tmp_path) as cache:
            async with AsyncSummarizer(
                _backend(llm_endpoint), sampling=Sampling(seed=0), cache=cache
            ) as summarizer:
                builder = StoryBuilder(summarizer, max_items_per_prompt=3)
                return await builder.build(STORY_SUMMARIES, [ARTICLE_A, ARTICLE_B])

    story = asyncio.run(build())
    report = story.metadata.alignment
    assert report.calls >= 2
    assert report.levels >= 2
    # Each request was answered (re-asks add requests, never remove them).
    assert len(vcr.requests) >= report.calls  # type: ignore[attr-defined]
    assert story.metadata.attempts >= report.calls
    assert story.metadata.usage.total_tokens > 0
    assert report.verified <= report.proposed
    assert len(story.rejected) <= report.proposed
    _assert_story_cites_real_sentences(story, {ARTICLE_A.id: ARTICLE_A, ARTICLE_B.id: ARTICLE_B})
    # Links code makes alone hold whatever the model said.
    minister = next(actor for actor in story.who if "Mukhtar" in actor.name)
    assert {c.source for c in minister.roles} == {"A", "B"}
    for rejected in story.rejected:
        assert rejected.reasons


@pytest.mark.vcr
def test_cli_story_writes_the_ledger(llm_endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            str(STORY_FOLDER), "--story", "--format", "md", "--out", str(out),
            "--base-url", llm_endpoint, "--model", MODEL_ALIAS, "--seed", "0",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "story of 2 sources" in result.output
    story = json.loads((out / "story.json").read_text())
    jsonschema.validate(story, STORY_SCHEMA)
    markdown = (out / "story.md").read_text()
    assert markdown.startswith("# Story: 2 sources")
    assert "## What only one source reports" in markdown
    assert sorted(p.name for p in out.glob("[!.]*")) == ["report.md", "story.json", "story.md"]
