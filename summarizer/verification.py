"""The optional model check (``--verify``): one request per article asking a model to judge
each item that passed the code checks against the sentences it cites.

Code checks names, numbers, dates, quotes and their speakers, roles, polarity and disputes;
what they cannot judge (a paraphrase that says more than its sentence, a headline that sums up
wrongly) is asked of a model. Items it judges unsupported move to ``rejected`` with its
reason; its tokens are counted apart (``metadata.verify_usage``), so a run can say what the
check cost.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from summarizer.config import Sampling
from summarizer.errors import ModelError
from summarizer.llm import ModelClient, sum_usage
from summarizer.models import (
    SECTIONS,
    Article,
    ArticleSummary,
    GroundingReport,
    ItemVerdicts,
    RejectedItem,
    Sentence,
)
from summarizer.prompts import PromptPair, load_prompt

VERIFY_TASK = "verify_items"
# The fields of an item the judge reads, per section (evidence goes as sentences).
SHOWN_FIELDS = {
    "who": ("name", "role"),
    "what": ("description",),
    "where": ("name", "role"),
    "when": ("text",),
    "key_figures": ("value_text", "unit", "counts", "stated_by"),
    "quotes": ("speaker", "role", "quote"),
    "disputed_points": ("claim", "how_contested", "sides"),
}


def verify_prompt() -> PromptPair:
    return load_prompt(VERIFY_TASK)


def _item_text(section: str, item: BaseModel) -> str:
    parts = []
    for name in SHOWN_FIELDS[section]:
        value: Any = getattr(item, name, None)
        if name == "sides" and value:
            value = "; ".join(f"{side.party}: {side.position}" for side in value)
        if value:
            parts.append(f"{name}: {value}")
    return " | ".join(parts)


# Sentences shown before each cited one, as context: who "he", "she" or "the senator" is,
# and a speaker's role, are often said a sentence or two earlier. The code checks read them
# there too; a judge shown the cited sentence alone rejects a correct quote.
CONTEXT_BEFORE = 2


def _judged(label: str, text: str, article: Article, ids: list[str]) -> dict[str, Any]:
    cited = [s for s in (article.sentence(i) for i in ids) if s is not None]
    return {"label": label, "text": text, "cites": [s.id for s in cited]}


def items_to_judge(summary: ArticleSummary, article: Article) -> list[dict[str, Any]]:
    """Every shown item with its label, its text and the ids of the sentences it cites."""
    items = []
    if summary.headline_source == "model":
        ids = [span.sentence for span in summary.headline_evidence]
        items.append(_judged("headline", summary.headline, article, ids))
    for section in SECTIONS:
        for position, item in enumerate(getattr(summary, section)):
            ids = [span.sentence for span in item.evidence_spans]
            items.append(_judged(f"{section}[{position}]", _item_text(section, item), article, ids))
    return items


def sentences_to_show(items: list[dict[str, Any]], article: Article) -> list[Sentence]:
    """The sentences the items cite and the ``CONTEXT_BEFORE`` before each, once each and in
    the article's order: an item's sentences are shown once however many items cite them."""
    positions: set[int] = set()
    for item in items:
        for sentence_id in item["cites"]:
            at = int(sentence_id[1:]) - 1  # "S3" is the third sentence
            positions.update(range(max(0, at - CONTEXT_BEFORE), at + 1))
    return [article.sentences[i] for i in sorted(positions) if i < len(article.sentences)]


async def verify_summary(
    client: ModelClient,
    summary: ArticleSummary,
    article: Article,
    sampling: Sampling,
    prompt: PromptPair,
) -> ArticleSummary:
    """``summary`` with the items the model judges unsupported moved to ``rejected``.

    One request, no re-ask: an answer that does not parse, or a transport failure, leaves the
    summary as the code checks made it, and says so in ``verified_by``."""
    items = items_to_judge(summary, article)
    meta = summary.metadata
    if not items:
        return summary
    sentences = sentences_to_show(items, article)
    messages = prompt.messages(title=article.title, items=items, sentences=sentences)
    try:
        attempt = await client.ask(messages, ItemVerdicts, sampling)
    except ModelError as error:
        return _checked_by_code_only(summary, error.usage, "model check failed")
    usage = sum_usage([attempt])
    verdicts = attempt.value.verdicts if attempt.value is not None else None
    if verdicts is None:
        return _checked_by_code_only(summary, usage, "model check unreadable")
    unsupported = {v.item.strip(): v.reason for v in verdicts if not v.supported}
    update: dict[str, Any] = {}
    rejected = list(summary.rejected)
    moved = 0
    for section in SECTIONS:
        kept = []
        for position, item in enumerate(getattr(summary, section)):
            label = f"{section}[{position}]"
            if label in unsupported:
                reason = unsupported[label] or "not supported by the cited sentences"
                rejected.append(
                    RejectedItem(
                        section=section,
                        item=item.model_dump(mode="json", exclude={"evidence_spans", "value"}),
                        reasons=[f"model check ({client.model_name}): {reason}"],
                    )
                )
                moved += 1
            else:
                kept.append(item)
        update[section] = kept
    headline_update: dict[str, Any] = {}
    if "headline" in unsupported and summary.headline_source == "model":
        rejected.append(
            RejectedItem(
                section="headline",
                item={"text": summary.headline},
                reasons=[f"model check ({client.model_name}): {unsupported['headline']}"],
            )
        )
        if article.title:
            headline_update = {"headline": article.title, "headline_source": "article_title"}
        else:
            headline_update = {
                "headline": article.sentences[0].text,
                "headline_source": "article_first_sentence",
            }
    report = meta.grounding
    verified = report.verified - moved
    grounding = GroundingReport(
        proposed=report.proposed,
        verified=verified,
        rejected=report.rejected + moved,
        score=round(verified / report.proposed, 4) if report.proposed else None,
    )
    metadata = meta.model_copy(
        update={
            "grounding": grounding,
            "verify_usage": usage,
            "verified_by": [*meta.verified_by, f"model:{client.model_name}"],
        }
    )
    return summary.model_copy(
        update={**update, **headline_update, "rejected": rejected, "metadata": metadata}
    )


def _checked_by_code_only(summary: ArticleSummary, usage: Any, why: str) -> ArticleSummary:
    """``summary`` as code checked it, saying why the model check did not count."""
    meta = summary.metadata
    verified_by = [*meta.verified_by, f"{why}: code only"]
    return summary.model_copy(
        update={
            "metadata": meta.model_copy(update={"verify_usage": usage, "verified_by": verified_by})
        }
    )
