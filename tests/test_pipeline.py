"""Turning a checked extraction into a summary, without a model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from summarizer.config import OutputFormat
from summarizer.dates import resolve_date
from summarizer.grounding import check_extraction
from summarizer.llm import Attempt
from summarizer.models import (
    Article,
    ArticleExtraction,
    ArticleSummary,
    GroundingReport,
    Headline,
    SummaryMetadata,
    TokenUsage,
)
from summarizer.output import OutputWriter
from summarizer.render import render_json, render_markdown
from summarizer.sources import make_article
from summarizer.summary import CheckedAnswer, assemble_summary, build_summary
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


def _summary() -> ArticleSummary:
    extraction = ArticleExtraction.model_validate(
        {
            "headline": {"text": "[S1] Pompeo visits Nur-Sultan.", "evidence": ["S1"]},
            "who": [
                {
                    "name": "Mike Pompeo",
                    "kind": "person",
                    "role": "Secretary of State",
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
    return build_summary(extraction, ARTICLE, _metadata())


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


def test_outputs_with_the_same_name_do_not_overwrite_each_other(tmp_path: Path) -> None:
    first = _summary()
    other = make_article("Another text.", path="elsewhere/hand-made.txt")
    second = first.model_copy(
        update={"metadata": first.metadata.model_copy(update={"article_id": other.id})}
    )
    with OutputWriter(tmp_path, OutputFormat.JSON) as writer:
        paths = [writer.add(first), writer.add(second)]
    assert [p.read_text() for p in paths] == [render_json(first), render_json(second)]
    assert paths[0].name == "hand-made.json"
    assert paths[1].name.startswith("hand-made-")
    assert paths[1] != paths[0]
    assert not list(tmp_path.glob(".*.tmp"))


def test_same_named_inputs_get_distinct_names_that_do_not_depend_on_finishing_order(
    tmp_path: Path,
) -> None:
    base = _summary()
    # Four files called story.txt; two hold the same text (so the same article id).
    paths = [f"{folder}/story.txt" for folder in ("a", "b", "c", "d")]
    summaries = [
        base.model_copy(update={"metadata": base.metadata.model_copy(update={"source_path": path})})
        for path in paths
    ]
    names = []
    for arrival in ([0, 1, 2, 3], [3, 1, 0, 2]):
        out = tmp_path / "-".join(map(str, arrival))
        with OutputWriter(out, OutputFormat.JSON) as writer:
            writer.expect(paths)
            written = {
                arrival_index: writer.add(summaries[arrival_index]) for arrival_index in arrival
            }
        names.append([written[index].name for index in range(4)])
        for index in range(4):
            assert json.loads(written[index].read_text())["metadata"]["source_path"] == paths[index]
    assert names[0] == names[1]
    assert len(set(names[0])) == 4
    assert names[0][0] == "story.json"


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
    with OutputWriter(tmp_path, OutputFormat.JSONL) as writer:
        writer.add(_summary_of(articles[0]), articles[0])  # the first result is written at once
        assert len(writer.run_file.read_text().splitlines()) == 1
        writer.add(_summary_of(articles[1]), articles[1])
        writer.add(_summary_of(articles[2]), articles[2])
        on_disk = writer.run_file.read_text().splitlines()
        assert all(json.loads(line) for line in on_disk)  # every line whole, whatever the count
    assert len(writer.run_file.read_text().splitlines()) == 3  # close() writes what was left


def _summary_of(article: Article) -> ArticleSummary:
    extraction = ArticleExtraction(
        headline=Headline(text=article.sentences[0].text, evidence=["S1"])
    )
    return build_summary(
        extraction,
        article,
        _metadata().model_copy(update={"source_path": article.path, "article_id": article.id}),
    )


def _answers(*raw_answers: str, tokens: int = 0) -> list[CheckedAnswer]:
    answers = []
    for raw in raw_answers:
        try:
            value: ArticleExtraction | None = ArticleExtraction.model_validate_json(raw)
        except ValueError:
            value = None
        attempt = Attempt(
            raw=raw,
            value=value,
            error=None if value else "not of the schema",
            usage=TokenUsage(total_tokens=tokens),
        )
        checks = tuple(check_extraction(value, ARTICLE)) if value else ()
        answers.append(CheckedAnswer(attempt, checks))
    return answers


def test_items_verified_in_any_answer_are_kept_once_and_the_rest_rejected() -> None:
    rich: dict[str, Any] = {
        "headline": {"text": "Pompeo visits.", "evidence": ["S1"]},
        "who": [
            {
                "name": "Mike Pompeo",
                "kind": "person",
                "role": "Secretary of State",
                "evidence": ["S1"],
            }
        ],
        "where": [{"name": "Nur-Sultan", "role": "visited", "evidence": ["S1"]}],
    }
    invented = {**rich, "who": [{**rich["who"][0], "name": "John Kerry"}]}
    empty = {"headline": {"text": "Pompeo visits.", "evidence": ["S1"]}}
    answers = _answers(
        '{"headline": "cut off', json.dumps(rich), json.dumps(invented), json.dumps(empty),
        tokens=5,
    )  # fmt: skip

    summary = assemble_summary(answers, ARTICLE, _metadata())

    assert [actor.name for actor in summary.who] == ["Mike Pompeo"]
    assert [place.name for place in summary.where] == ["Nur-Sultan"]  # verified twice, kept once
    assert [(r.section, r.item["name"]) for r in summary.rejected] == [("who", "John Kerry")]
    assert "John Kerry" in summary.rejected[0].reasons[0]
    grounding = summary.metadata.grounding
    assert (grounding.proposed, grounding.verified, grounding.rejected) == (3, 2, 1)
    assert summary.metadata.attempts == 4
    assert summary.metadata.usage.total_tokens == 20


def test_strict_fails_the_article_when_any_item_never_verified() -> None:
    from summarizer.errors import ModelError

    invented = {
        "headline": {"text": "Pompeo visits.", "evidence": ["S1"]},
        "who": [
            {
                "name": "John Kerry",
                "kind": "person",
                "role": "Secretary of State",
                "evidence": ["S1"],
            }
        ],
    }
    with pytest.raises(ModelError, match="--strict"):
        assemble_summary(_answers(json.dumps(invented)), ARTICLE, _metadata(), strict=True)


def test_no_answer_of_the_right_shape_is_a_model_error_with_its_cost() -> None:
    from summarizer.errors import ModelError

    with pytest.raises(ModelError, match="no answer matched the schema after 2") as raised:
        assemble_summary(_answers("{", '{"who": 3}', tokens=4), ARTICLE, _metadata())
    assert raised.value.usage == TokenUsage(total_tokens=8)


def test_an_unsupported_headline_is_replaced_and_listed_as_rejected() -> None:
    extraction = ArticleExtraction.model_validate(
        {
            "headline": {
                "text": "Pompeo announces sanctions on Chinese banks in Geneva",
                "evidence": ["S1"],
            }
        }
    )
    summary = build_summary(extraction, ARTICLE, _metadata())
    assert summary.headline == ARTICLE.sentences[0].text
    assert [(r.section, r.item) for r in summary.rejected] == [
        (
            "headline",
            {"text": "Pompeo announces sanctions on Chinese banks in Geneva", "evidence": ["S1"]},
        )
    ]
    assert summary.metadata.grounding.rejected == 0  # items, not the headline
    assert summary.headline_source == "article_first_sentence"
    assert summary.metadata.grounding.score is None  # nothing proposed: no score
    assert "*Headline: the article's first sentence" in render_markdown([summary])


def test_outputs_name_the_model_and_flag_the_embedded_one() -> None:
    extraction = ArticleExtraction.model_validate(
        {"headline": {"text": "Pompeo visited Nur-Sultan on February 2.", "evidence": ["S1"]}}
    )
    hosted = build_summary(extraction, ARTICLE, _metadata())
    assert hosted.headline_source == "model"
    assert "tiny model" not in render_markdown([hosted])
    embedded = build_summary(
        extraction, ARTICLE, _metadata().model_copy(update={"embedded_model": True})
    )
    markdown = render_markdown([embedded])
    assert f"model {embedded.metadata.model}" in markdown
    assert "**Warning:** model" in markdown
    assert "embedded tiny model" in markdown


def test_a_grounding_reask_asks_only_about_failed_items_and_keeps_what_verified(
    tmp_path: Path,
) -> None:
    from summarizer.pipeline import summarize_article
    from tests.fake_server import FakeModelServer

    pompeo = {
        "name": "Mike Pompeo",
        "kind": "person",
        "role": "Secretary of State",
        "evidence": ["S1"],
    }
    kerry = {**pompeo, "name": "John Kerry"}
    first = {
        "headline": {"text": "Pompeo visits Nur-Sultan.", "evidence": ["S1"]},
        "who": [pompeo, kerry],
    }
    second = {
        "headline": {"text": "Pompeo visits.", "evidence": ["S1"]},
        "where": [{"name": "Nur-Sultan", "role": "visited", "evidence": ["S1"]}],
    }
    with FakeModelServer(answers=[json.dumps(first), json.dumps(second)]) as server:
        summary = summarize_article(
            ARTICLE, base_url=server.base_url, model="fake-model", cache=False, max_retries=1
        )
    feedback = server.requests[1]["messages"][-1]["content"]
    assert "who[1]" in feedback
    assert "John Kerry" in feedback
    assert "who[0]" not in feedback  # Pompeo verified: not asked about again
    assert [actor.name for actor in summary.who] == ["Mike Pompeo"]  # kept from answer 1
    assert [place.name for place in summary.where] == ["Nur-Sultan"]  # added by answer 2
    assert [(r.section, r.item["name"]) for r in summary.rejected] == [("who", "John Kerry")]
    assert summary.metadata.attempts == 2
    assert summary.headline == "Pompeo visits Nur-Sultan."


def test_a_transport_failure_during_a_reask_keeps_the_answers_so_far() -> None:
    from summarizer.llm import TransportPolicy, resolve_backend
    from summarizer.pipeline import AsyncSummarizer, run_sync
    from tests.fake_server import FakeModelServer

    kerry = {
        "name": "John Kerry",
        "kind": "person",
        "role": "Secretary of State",
        "evidence": ["S1"],
    }
    pompeo = {**kerry, "name": "Mike Pompeo"}
    first = {"headline": {"text": "Pompeo visits.", "evidence": ["S1"]}, "who": [pompeo, kerry]}
    with FakeModelServer(answers=[json.dumps(first)]) as server:
        backend = resolve_backend(base_url=server.base_url, model="fake-model")

        async def run() -> ArticleSummary:
            quick = TransportPolicy(attempts=1, max_total_seconds=1, timeout=2)
            async with AsyncSummarizer(backend, transport=quick) as summarizer:
                original = summarizer.client.ask
                calls = 0

                async def ask_then_fail(*args: Any, **kwargs: Any) -> Any:
                    nonlocal calls
                    calls += 1
                    if calls == 2:  # the re-ask meets a server error
                        server.faults.append("500")
                    return await original(*args, **kwargs)

                setattr(summarizer.client, "ask", ask_then_fail)  # noqa: B010
                return await summarizer.summarize(ARTICLE)

        summary = run_sync(run())
    assert [actor.name for actor in summary.who] == ["Mike Pompeo"]
    assert [r.item["name"] for r in summary.rejected] == ["John Kerry"]
    assert summary.metadata.attempts == 1
