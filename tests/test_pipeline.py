"""Turning a checked extraction into a summary, without a model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from summarizer.grounding import check_extraction
from summarizer.models import (
    Article,
    ArticleExtraction,
    ArticleSummary,
    GroundingReport,
    SummaryMetadata,
    TokenUsage,
)
from summarizer.pipeline import build_summary, resolve_date
from summarizer.render import OutputFormat, OutputWriter, render_json, render_markdown
from summarizer.sources import make_article
from tests.test_grounding import ARTICLE


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("yesterday", date(2020, 2, 3), "2020-02-02"),
        ("yesterday", None, None),
        ("on February 2", date(2020, 2, 3), "2020-02-02"),
        ("2 February 2020", None, "2020-02-02"),
        ("on February 2", None, None),
        ("last year", date(2020, 2, 3), None),
        ("in August 2018", date(2020, 2, 3), None),
    ],
)
def test_resolve_date(text: str, published: date | None, expected: str | None) -> None:
    assert resolve_date(text, published) == expected


def _metadata() -> SummaryMetadata:
    return SummaryMetadata(
        source_path=ARTICLE.path, article_id=ARTICLE.id, sentence_count=len(ARTICLE.sentences),
        model="m", backend="local", mode="tools", prompt_version="p@1", usage=TokenUsage(),
        attempts=1, grounding=GroundingReport(proposed=0, verified=0, rejected=0, score=1.0),
    )  # fmt: skip


def _summary() -> object:
    extraction = ArticleExtraction.model_validate(
        {
            "headline": "[S1] Pompeo visits Nur-Sultan.",
            "who": [
                {
                    "name": "Mike Pompeo",
                    "kind": "person",
                    "role": "visitor",
                    "evidence": ["S1", "S1"],
                },
                {"name": "John Kerry", "kind": "person", "role": "invented", "evidence": ["S1"]},
            ],
            "key_figures": [
                {"value_text": "more than 300", "counts": "deaths", "evidence": ["S3"]}
            ],
            "when": [{"text": "on February 2", "date": "1999-01-01", "evidence": ["S1"]}],
        }
    )
    return build_summary(extraction, check_extraction(extraction, ARTICLE), ARTICLE, _metadata())


def test_unsupported_items_are_moved_to_rejected_and_counted() -> None:
    summary = _summary()
    assert [a.name for a in summary.who] == ["Mike Pompeo"]
    assert [r.item["name"] for r in summary.rejected] == ["John Kerry"]
    assert summary.metadata.grounding == GroundingReport(
        proposed=4, verified=3, rejected=1, score=0.75
    )


def test_items_are_located_and_normalised_by_code() -> None:
    summary = _summary()
    pompeo = summary.who[0]
    assert pompeo.evidence == ["S1"]  # the duplicate citation collapsed
    span = pompeo.evidence_spans[0]
    assert ARTICLE.text[span.start : span.end] == span.text == ARTICLE.sentences[0].text
    figure = summary.key_figures[0]
    assert figure.value is not None
    assert (figure.value.low, figure.value.high, figure.value.kind) == (300, None, "at_least")
    # Without a publication date, "February 2" has no year: the model's guess is not kept.
    assert summary.when[0].date is None
    assert summary.headline == "Pompeo visits Nur-Sultan."


def test_markdown_report_quotes_evidence_and_keeps_rejected_apart() -> None:
    report = render_markdown([_summary()])
    assert report.startswith("# Pompeo visits Nur-Sultan.")
    assert "[S1] “U.S. Secretary of State Mike Pompeo visited Nur-Sultan on February 2.”" in report
    verified, rejected = report.split("## Rejected")
    assert "John Kerry" not in verified
    assert "John Kerry" in rejected
    assert "| more than 300 | at_least: 300– |" in report


def test_outputs_with_the_same_name_do_not_overwrite_each_other(tmp_path) -> None:
    first = _summary()
    other = make_article("Another text.", path="elsewhere/hand-made.txt")
    second = first.model_copy(
        update={"metadata": first.metadata.model_copy(update={"article_id": other.id})}
    )
    with OutputWriter(tmp_path, "json") as writer:
        paths = [writer.add(first), writer.add(second)]
    assert [p.read_text() for p in paths] == [render_json(first), render_json(second)]
    assert [p.name for p in paths] == ["hand-made.json", f"hand-made-{other.id[:8]}.json"]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("output_format", ["jsonl", "md", "html"])
def test_run_files_list_articles_in_input_order_whatever_order_they_finish(
    tmp_path: Path, output_format: OutputFormat
) -> None:
    articles = [make_article(f"Story number {n} happened.", path=f"in/{n}.txt") for n in range(5)]
    summaries = {a.path: _summary_of(a) for a in articles}
    with OutputWriter(tmp_path, output_format) as writer:
        writer.expect(a.path for a in articles)
        for article in reversed(articles):  # the last input finishes first
            writer.add(summaries[article.path], article)
    text = writer.run_file.read_text()
    positions = [text.index(f"Story number {n}") for n in range(5)]
    assert positions == sorted(positions)
    assert writer.written == [writer.run_file]
    assert not list(tmp_path.glob(".*.tmp"))
    if output_format == "jsonl":
        assert [json.loads(line)["metadata"]["source_path"] for line in text.splitlines()] == [
            a.path for a in articles
        ]
    if output_format == "html":
        assert text.count('<article class="summary"') == 5
        assert "5 article(s)" in text


def test_a_run_file_on_disk_is_whole_at_every_checkpoint(tmp_path: Path) -> None:
    articles = [make_article(f"Story number {n} happened.", path=f"in/{n}.txt") for n in range(3)]
    with OutputWriter(tmp_path, "jsonl") as writer:
        writer.add(_summary_of(articles[0]), articles[0])  # the first result is written at once
        assert len(writer.run_file.read_text().splitlines()) == 1
        writer.add(_summary_of(articles[1]), articles[1])
        writer.add(_summary_of(articles[2]), articles[2])
        on_disk = writer.run_file.read_text().splitlines()
        assert all(json.loads(line) for line in on_disk)  # every line whole, whatever the count
    assert len(writer.run_file.read_text().splitlines()) == 3  # close() writes what was left


def _summary_of(article: Article) -> ArticleSummary:
    extraction = ArticleExtraction(headline=article.sentences[0].text)
    return build_summary(
        extraction,
        check_extraction(extraction, article),
        article,
        _metadata().model_copy(update={"source_path": article.path, "article_id": article.id}),
    )


def test_the_answer_with_most_verified_items_is_kept_not_merely_the_last() -> None:
    from summarizer.llm import CallLedger
    from summarizer.pipeline import _most_verified

    rich = {
        "headline": "Pompeo visits.",
        "who": [{"name": "Mike Pompeo", "kind": "person", "role": "visitor", "evidence": ["S1"]}],
        "where": [{"name": "Nur-Sultan", "role": "visited", "evidence": ["S1"]}],
    }
    invented = {**rich, "who": [{**rich["who"][0], "name": "John Kerry"}]}
    empty = {"headline": "Pompeo visits."}
    ledger = CallLedger(
        attempts=4,
        answers=[
            '{"headline": "cut off',
            json.dumps(rich),
            json.dumps(invented),
            json.dumps(empty),
        ],
    )

    extraction, checks = _most_verified(ledger, None, ARTICLE)

    assert extraction.who[0].name == "Mike Pompeo"
    assert [(c.label, c.ok) for c in checks] == [
        ("headline", True),
        ("who[0]", True),
        ("where[0]", True),
    ]


def test_no_answer_of_the_right_shape_is_a_model_error_with_its_cost() -> None:
    from summarizer.errors import ModelError
    from summarizer.llm import CallLedger
    from summarizer.pipeline import _most_verified

    ledger = CallLedger(attempts=2, answers=["{", '{"who": 3}'], usage=TokenUsage(total_tokens=9))
    with pytest.raises(ModelError, match="no answer matched the schema after 2") as raised:
        _most_verified(ledger, None, ARTICLE)
    assert raised.value.usage == TokenUsage(total_tokens=9)


def test_an_unsupported_headline_is_replaced_and_listed_as_rejected() -> None:
    extraction = ArticleExtraction.model_validate(
        {"headline": "Pompeo announces sanctions on Chinese banks in Geneva"}
    )
    summary = build_summary(extraction, check_extraction(extraction, ARTICLE), ARTICLE, _metadata())
    assert summary.headline == ARTICLE.sentences[0].text
    assert [(r.section, r.item) for r in summary.rejected] == [
        ("headline", {"headline": "Pompeo announces sanctions on Chinese banks in Geneva"})
    ]
    assert summary.metadata.grounding.rejected == 0  # items, not the headline
