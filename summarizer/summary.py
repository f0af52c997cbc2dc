"""From the model's answers to an ``ArticleSummary``: the one place answers are judged.

``gather_answers`` asks, checks each answer once against the article (``grounding``), and
re-asks about the items that failed, with an editor's note saying what is wrong where, up to
the re-ask budget. ``assemble_summary`` then keeps every item that verified in any answer
(once), lists every item that never verified under ``rejected`` with its reasons, locates
evidence in the text and normalises figures and dates by code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from summarizer.config import Sampling
from summarizer.dates import resolve_date
from summarizer.errors import ModelError
from summarizer.grounding import HEADLINE, ItemCheck, check_extraction, reask_message
from summarizer.llm import Attempt, ModelClient, reask_messages, sum_usage
from summarizer.models import (
    SECTIONS,
    Article,
    ArticleExtraction,
    ArticleSummary,
    EvidenceSpan,
    GroundingReport,
    LocatedActor,
    LocatedDisputedPoint,
    LocatedEvent,
    LocatedKeyFigure,
    LocatedPlace,
    LocatedQuote,
    LocatedTimeMention,
    RejectedItem,
    SummaryMetadata,
    TokenUsage,
)
from summarizer.numbers import parse_figure

_LOCATED: dict[str, type[BaseModel]] = {
    "who": LocatedActor,
    "what": LocatedEvent,
    "where": LocatedPlace,
    "when": LocatedTimeMention,
    "key_figures": LocatedKeyFigure,
    "quotes": LocatedQuote,
    "disputed_points": LocatedDisputedPoint,
}


@dataclass(frozen=True)
class CheckedAnswer:
    """One answer and the verdict on each of its items (none when it did not parse)."""

    attempt: Attempt[ArticleExtraction]
    checks: tuple[ItemCheck, ...]

    @property
    def failures(self) -> list[ItemCheck]:
        return [check for check in self.checks if not check.ok]


async def gather_answers(
    client: ModelClient,
    messages: list[dict[str, str]],
    article: Article,
    sampling: Sampling,
) -> list[CheckedAnswer]:
    """Ask, check, and re-ask about what failed, at most ``sampling.max_retries`` times.

    A transport failure during a re-ask keeps the answers so far (the article is summarised
    from them); during the first request it is raised."""
    answers: list[CheckedAnswer] = []
    conversation = messages
    for _ in range(sampling.max_retries + 1):
        try:
            attempt = await client.ask(conversation, ArticleExtraction, sampling)
        except ModelError as error:
            if any(answer.attempt.parsed for answer in answers):
                break
            _add_spent(error, answers)
            raise
        checks = (
            tuple(check_extraction(attempt.value, article)) if attempt.value is not None else ()
        )
        answer = CheckedAnswer(attempt, checks)
        answers.append(answer)
        if attempt.value is not None and not answer.failures:
            break
        if attempt.value is None:
            feedback = (
                f"Your answer did not match the schema: {attempt.error}. Answer again with "
                "the same structure."
            )
        else:
            feedback = reask_message(answer.failures, article)
        conversation = reask_messages(messages, attempt, feedback)
    return answers


def _add_spent(error: ModelError, answers: list[CheckedAnswer]) -> None:
    # The error of the failing request counts only itself; the run reports the whole cost.
    spent = sum_usage([answer.attempt for answer in answers])
    error.attempts += len(answers)
    error.usage = spent + error.usage if isinstance(error.usage, TokenUsage) else spent


def _fingerprint(item: BaseModel) -> str:
    return item.model_dump_json(exclude={"evidence"}).casefold()


def assemble_summary(
    answers: list[CheckedAnswer],
    article: Article,
    metadata: SummaryMetadata,
    *,
    strict: bool = False,
) -> ArticleSummary:
    """Every item verified in any answer, once; every item never verified under ``rejected``.

    Raises ``ModelError`` when no answer parsed, and with ``strict`` when any item failed."""
    attempts = [answer.attempt for answer in answers]
    metadata = metadata.model_copy(
        update={
            "attempts": len(attempts),
            "transport_retries": sum(a.transport_retries for a in attempts),
            "usage": sum_usage(attempts),
        }
    )
    parsed = [answer for answer in answers if answer.attempt.value is not None]
    if not parsed:
        raise ModelError(
            f"no answer matched the schema after {len(attempts)} attempt(s) "
            f"(last problem: {attempts[-1].error if attempts else 'no answer'})",
            attempts=len(attempts),
            transport_retries=metadata.transport_retries,
            usage=metadata.usage,
        )
    verified: dict[str, dict[str, ItemCheck]] = {section: {} for section in SECTIONS}
    failed: dict[str, dict[str, ItemCheck]] = {section: {} for section in (HEADLINE, *SECTIONS)}
    headline: str | None = None
    headline_evidence: list[EvidenceSpan] = []
    for answer in parsed:
        for check in answer.checks:
            if check.section == HEADLINE:
                if check.ok and headline is None:
                    headline = _clean_headline(str(getattr(check.item, "text", "")))
                    headline_evidence = _spans(getattr(check.item, "evidence", []), article)
                elif not check.ok:
                    failed[HEADLINE].setdefault(_fingerprint(check.item), check)
                continue
            key = _fingerprint(check.item)
            if check.ok:
                verified[check.section].setdefault(key, check)
            else:
                failed[check.section].setdefault(key, check)
    rejected = [
        RejectedItem(
            section=section,
            item=check.item.model_dump(mode="json"),
            reasons=list(check.problems),
        )
        for section, checks in failed.items()
        for key, check in checks.items()
        if section == HEADLINE or key not in verified[section]
    ]
    if headline is not None:
        rejected = [item for item in rejected if item.section != HEADLINE]
    if strict and rejected:
        reasons = "; ".join(f"{item.section}: {item.reasons[0]}" for item in rejected[:3])
        raise ModelError(
            f"{len(rejected)} item(s) not supported by the article (--strict fails the "
            f"article): {reasons}",
            attempts=metadata.attempts,
            transport_retries=metadata.transport_retries,
            usage=metadata.usage,
        )
    headline_source = "model"
    if headline is None:
        # An unsupported headline is not shown as fact: the article's own title (or its first
        # sentence) stands in, labelled as the article's, and the model's version is listed
        # as rejected.
        if article.title:
            headline, headline_source = article.title, "article_title"
        else:
            headline, headline_source = article.sentences[0].text, "article_first_sentence"
            headline_evidence = _spans(["S1"], article)
    sections = {
        section: [_locate(section, check.item, article) for check in checks.values()]
        for section, checks in verified.items()
    }
    proposed_verified = sum(len(checks) for checks in verified.values())
    proposed_rejected = sum(1 for item in rejected if item.section != HEADLINE)
    proposed = proposed_verified + proposed_rejected
    metadata = metadata.model_copy(
        update={
            "grounding": GroundingReport(
                proposed=proposed,
                verified=proposed_verified,
                rejected=proposed_rejected,
                score=round(proposed_verified / proposed, 4) if proposed else None,
            )
        }
    )
    return ArticleSummary(
        headline=headline,
        headline_source=headline_source,
        headline_evidence=headline_evidence,
        rejected=rejected,
        metadata=metadata,
        **sections,
    )


def build_summary(
    extraction: ArticleExtraction,
    article: Article,
    metadata: SummaryMetadata,
    *,
    strict: bool = False,
) -> ArticleSummary:
    """The summary of one answer already at hand (an extraction made elsewhere): checked
    here, once, and assembled as ``assemble_summary`` does."""
    attempt: Attempt[ArticleExtraction] = Attempt(
        raw=None, value=extraction, error=None, usage=metadata.usage
    )
    checks = tuple(check_extraction(extraction, article))
    return assemble_summary([CheckedAnswer(attempt, checks)], article, metadata, strict=strict)


def _spans(evidence: list[str], article: Article) -> list[EvidenceSpan]:
    spans = []
    for sentence_id in dict.fromkeys(evidence):  # same id cited twice: once
        sentence = article.sentence(sentence_id)
        if sentence is not None:
            spans.append(
                EvidenceSpan(
                    sentence=sentence.id, start=sentence.start, end=sentence.end, text=sentence.text
                )
            )
    return spans


def _locate(section: str, item: BaseModel, article: Article) -> BaseModel:
    data: dict[str, Any] = item.model_dump()
    if "evidence" in data:
        data["evidence"] = list(dict.fromkeys(data["evidence"]))
    # A dispute cites through its sides; its spans are every sentence they cite.
    data["evidence_spans"] = _spans(list(getattr(item, "evidence", [])), article)
    if section == "key_figures":
        data["value"] = parse_figure(data["value_text"])
    elif section == "when":
        data["date"] = resolve_date(data["text"], article.published)
    return _LOCATED[section].model_validate(data)


def _clean_headline(headline: str) -> str:
    # Small models echo the citation marker they were shown: "[S1] ..." or "S1. ...".
    return re.sub(r"^\[?S\d+\]?[.:]?\s*", "", headline).strip().rstrip('",').strip()
