"""The real library and CLI driven through traffic recorded from the embedded model.

Cassettes live in cassettes/test_recorded/; re-record with
``python -m pytest --record-mode=rewrite``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from summarizer import Backend, Sampling, Summarizer, load_file, summarize_folder
from summarizer.cli import app
from summarizer.grounding import check_extraction
from summarizer.local import MODEL_ALIAS
from summarizer.models import ArticleExtraction, ArticleSummary
from tests.conftest import ROOT, SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
OUTPUT_SCHEMA = json.loads((ROOT / "schemas" / "article_summary.schema.json").read_text())


def _backend(base_url: str) -> Backend:
    return Backend("openai-compatible", MODEL_ALIAS, base_url, "tools")


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
def test_reask_after_a_failed_answer_is_recorded_and_replayed(llm_endpoint: str) -> None:
    article = load_file(SEEDS / "004_434d8e9a3390da3a.txt")
    with Summarizer(_backend(llm_endpoint), sampling=Sampling(seed=0)) as summarizer:
        summary = summarizer.summarize(article)

    # The first answer failed validation, so the model was asked again with the error.
    assert summary.metadata.attempts > 1
    assert summary.metadata.usage.total_tokens > 0
    assert summary.metadata.usage.prompt_tokens > summary.metadata.usage.completion_tokens
    _assert_grounded(summary)
    # Nothing the final answer kept fails the checker.
    kept = ArticleExtraction.model_validate(summary.model_dump(exclude={"rejected", "metadata"}))
    assert all(check.ok for check in check_extraction(kept, article))


@pytest.mark.vcr
def test_reask_message_names_the_failed_items(llm_endpoint: str, vcr: object) -> None:
    article = load_file(SEEDS / "004_434d8e9a3390da3a.txt")
    with Summarizer(_backend(llm_endpoint), sampling=Sampling(seed=0)) as summarizer:
        summarizer.summarize(article)

    requests = [json.loads(request.body) for request in vcr.requests]  # type: ignore[attr-defined]
    assert len(requests) >= 2
    first, second = requests[0]["messages"], requests[1]["messages"]
    assert len(second) > len(first)  # the failed answer and the error were sent back
    feedback = json.dumps(second[len(first) :])
    assert "validation error" in feedback.lower()


@pytest.mark.vcr
def test_folder_of_seeds_through_the_library(llm_endpoint: str) -> None:
    result = summarize_folder(
        SEEDS, base_url=llm_endpoint, model=MODEL_ALIAS, sampling=Sampling(seed=0)
    )
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
    assert f"{empty}: file holds only whitespace" in result.output
    assert f"{binary}: binary file" in result.output
    assert f"{missing}: no such file or folder" in result.output
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["004_434d8e9a3390da3a.json"]
    data = json.loads(written[0].read_text())
    jsonschema.validate(data, OUTPUT_SCHEMA)
    assert data["metadata"]["source_path"].endswith("004_434d8e9a3390da3a.txt")
