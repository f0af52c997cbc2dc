"""One story, many outlets: a ``StorySummary`` of a set of articles.

Each article is summarised as usual (cached, grounded). The model is then shown the verified
items of every summary, not the full texts, so a story of dozens of articles fits a prompt,
and asked which items are about the same actor, place, event, figure or disputed claim. Code
links what it can tell alone (spellings, shared wording, equal dates), checks every link the
model proposes (``summarizer.alignment``), compares figures, and builds the synthesis
(``summarizer.synthesis``).

More items than one prompt holds are aligned in levels: each section's items are split into
batches; at the next level each group found is represented by one item, so groups from
different batches meet, until a section fits one prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.alignment import (
    ALIGNMENT_VERSION,
    MODEL_ALIGNED_SECTIONS,
    Alignment,
    StoryItem,
    list_items,
    story_sources,
)
from summarizer.config import Options
from summarizer.errors import LocalServerError, ModelError
from summarizer.grounding import GROUNDING_VERSION
from summarizer.llm import ValidationExhausted
from summarizer.models import (
    Article,
    ArticleSummary,
    StoryAlignment,
    StoryMetadata,
    StorySource,
    StorySummary,
    TokenUsage,
)
from summarizer.pipeline import (
    ArticleFailure,
    AsyncSummarizer,
    FolderResult,
    ResultCallback,
    asummarize_folder,
    open_summarizer,
    run_sync,
)
from summarizer.prompts import PromptPair, load_prompt
from summarizer.synthesis import (
    alignment_report,
    build_story,
)

STORY_TASK = "story_alignment"
# Items per alignment prompt: about 30 tokens each, so a batch stays near 2,000 prompt tokens,
# within the embedded model's context next to the answer.
DEFAULT_MAX_ITEMS_PER_PROMPT = 60
# Levels of hierarchical merging before giving up on aligning the rest by model.
MAX_LEVELS = 4


@dataclass
class StoryResult:
    """The articles' own results and the story built from their summaries."""

    articles: FolderResult
    story: StorySummary | None = None
    """None when no article could be summarised."""


@dataclass
class _Spend:
    usage: TokenUsage = field(default_factory=TokenUsage)
    attempts: int = 0
    calls: int = 0
    notes: list[str] = field(default_factory=list)


class StoryBuilder:
    """Builds ``StorySummary``s on an open ``AsyncSummarizer``'s backend and cache."""

    def __init__(
        self,
        summarizer: AsyncSummarizer,
        *,
        max_items_per_prompt: int = DEFAULT_MAX_ITEMS_PER_PROMPT,
    ) -> None:
        if max_items_per_prompt < 2:
            raise ValueError("max_items_per_prompt must be at least 2")
        self.summarizer = summarizer
        self.max_items_per_prompt = max_items_per_prompt
        self.prompt: PromptPair = load_prompt(STORY_TASK)
        self._response_schema = StoryAlignment.model_json_schema()

    def cache_key(self, summaries: Sequence[ArticleSummary]) -> str:
        """The member summaries' content (not their run metadata) and everything that shapes
        the alignment answer."""
        conditions = self.summarizer.conditions(
            STORY_TASK,
            self.prompt.version,
            self._response_schema,
            {
                "alignment": ALIGNMENT_VERSION,
                "grounding": GROUNDING_VERSION,
                "max_items_per_prompt": str(self.max_items_per_prompt),
            },
        )
        return conditions.key(
            [
                {
                    "article_id": summary.metadata.article_id,
                    "path": summary.metadata.source_path,
                    "content": summary.model_dump(mode="json", exclude={"metadata"}),
                }
                for summary in summaries
            ]
        )

    async def build(
        self, summaries: Sequence[ArticleSummary], articles: Iterable[Article] = ()
    ) -> StorySummary:
        """The story of these summaries, in this order (their sources are labelled A, B, ...).

        ``articles`` are the summaries' articles, when at hand: name variants are then also
        looked for in the texts."""
        cache = self.summarizer.cache
        key = self.cache_key(summaries) if cache is not None else None
        if cache is not None and key is not None and not self.summarizer.refresh:
            cached = cache.get_story(key)
            if cached is not None:
                cached.metadata.cache_hit = True
                return cached
        sources = story_sources(summaries)
        alignment = Alignment(list_items(sources, summaries))
        alignment.link_by_code()
        spend = _Spend()
        levels = await self._align(alignment, sources, spend)
        story = build_story(
            alignment,
            sources,
            articles={article.id: article for article in articles},
            metadata=StoryMetadata(
                article_ids=[summary.metadata.article_id for summary in summaries],
                model=self.summarizer.client.model_name,
                embedded_model=self.summarizer.backend.kind == "local",
                backend=self.summarizer.backend.kind,
                prompt_version=self.prompt.version,
                usage=spend.usage,
                attempts=spend.attempts,
                alignment=alignment_report(
                    alignment,
                    calls=spend.calls,
                    levels=levels,
                    tokens=spend.usage.total_tokens,
                ),
                notes=spend.notes,
            ),
        )
        if cache is not None and key is not None:
            cache.put_story(key, story)
        return story

    async def _align(self, alignment: Alignment, sources: list[StorySource], spend: _Spend) -> int:
        """Ask the model for links, level by level; the number of levels used.

        Only sections split across batches go on to the next level: a section that fitted one
        prompt has met all its items already, and asking again would resend the same request."""
        candidates = [item for item in alignment.items if item.section in MODEL_ALIGNED_SECTIONS]
        level = 0
        while candidates and level < MAX_LEVELS:
            level += 1
            batches = _batches(candidates, self.max_items_per_prompt, rotation=level - 1)
            for batch in batches:
                if len({item.source.label for item in batch}) > 1:
                    await self._propose(alignment, batch, sources, spend)
            split = _split_sections(batches)
            # One item per group found so far: groups from different batches meet next level.
            leaders: dict[str, StoryItem] = {}
            for item in candidates:
                if item.section in split:
                    leaders.setdefault(alignment.links.find(item.ref), item)
            candidates = list(leaders.values())
            if not candidates:
                return level
        if candidates:
            spend.notes.append(
                f"after {MAX_LEVELS} levels some items were still split across prompts; "
                "those were linked by code only"
            )
        return level

    async def _propose(
        self,
        alignment: Alignment,
        batch: list[StoryItem],
        sources: list[StorySource],
        spend: _Spend,
    ) -> None:
        listed = {item.ref for item in batch}
        messages = self.prompt.messages(
            sources=[
                {
                    "label": source.label,
                    "outlet": source.outlet,
                    "title": source.title,
                    "path": Path(source.path).name,
                    "published": source.published.isoformat() if source.published else None,
                    "items": [
                        {"ref": item.ref, "text": item.text}
                        for item in batch
                        if item.source.label == source.label
                    ],
                }
                for source in sources
                if any(item.source.label == source.label for item in batch)
            ]
        )
        spend.calls += 1
        try:
            completion = await self.summarizer.client.complete(
                messages, StoryAlignment, self.summarizer.sampling
            )
        except ValidationExhausted as error:
            spend.usage = spend.usage + error.usage
            spend.attempts += error.attempts
            spend.notes.append(
                f"an alignment answer did not validate after {error.attempts} "
                f"attempt(s); its {len(batch)} items were linked by code only"
            )
            return
        except LocalServerError:
            raise
        except ModelError as error:
            spend.attempts += error.attempts
            if isinstance(error.usage, TokenUsage):
                spend.usage = spend.usage + error.usage
            spend.notes.append(
                f"an alignment request failed ({error}); its {len(batch)} items were linked "
                "by code only"
            )
            return
        spend.usage = spend.usage + completion.usage
        spend.attempts += len(completion.attempts)
        alignment.add_proposals(completion.value, listed)


def _split_sections(batches: list[list[StoryItem]]) -> set[str]:
    """Sections whose items were dealt into more than one batch."""
    spread: dict[str, set[int]] = {}
    for number, batch in enumerate(batches):
        for item in batch:
            spread.setdefault(item.section, set()).add(number)
    return {section for section, numbers in spread.items() if len(numbers) > 1}


def _batches(items: list[StoryItem], size: int, *, rotation: int) -> list[list[StoryItem]]:
    """Items packed into prompts of at most ``size``, a section's items together when they
    fit. A larger section is dealt round-robin across sources, so each batch mixes sources;
    ``rotation`` shifts the deal at each level so other items meet."""
    batches: list[list[StoryItem]] = []
    current: list[StoryItem] = []
    for section in MODEL_ALIGNED_SECTIONS:
        section_items = [item for item in items if item.section == section]
        if not section_items:
            continue
        if len(section_items) > size:
            dealt = _round_robin(section_items, rotation)
            # Even batches: 61 items at 60 a prompt make two of 30 and 31, not 60 and 1.
            count = -(-len(dealt) // size)
            total = len(dealt)
            batches.extend(
                dealt[number * total // count : (number + 1) * total // count]
                for number in range(count)
            )
            continue
        if len(current) + len(section_items) > size:
            batches.append(current)
            current = []
        current.extend(section_items)
    if current:
        batches.append(current)
    return batches


def _round_robin(items: list[StoryItem], rotation: int) -> list[StoryItem]:
    by_source: dict[str, list[StoryItem]] = {}
    for item in items:
        by_source.setdefault(item.source.label, []).append(item)
    queues = list(by_source.values())
    if queues:
        shift = rotation % len(queues)
        queues = queues[shift:] + queues[:shift]
    dealt = []
    while any(queues):
        for queue in queues:
            if queue:
                dealt.append(queue.pop(0))
    return dealt


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


async def asummarize_story(
    paths: Path | str | Iterable[Path | str],
    options: Options | None = None,
    *,
    on_result: ResultCallback | None = None,
    on_loaded: Callable[[list[Article]], None] | None = None,
    max_items_per_prompt: int = DEFAULT_MAX_ITEMS_PER_PROMPT,
    **keywords: Any,
) -> StoryResult:
    """Summarise every article under ``paths``, then synthesise them as one story.

    All the articles given form one story; to make several, call once per folder. Options as
    ``asummarize_folder`` (``on_result`` sees each article as it finishes)."""
    chosen = Options.from_keywords(options, keywords)
    articles: dict[str, Article] = {}

    def record(article: Article | None, outcome: ArticleSummary | ArticleFailure) -> None:
        if article is not None:
            articles[article.id] = article
        if on_result is not None:
            on_result(article, outcome)

    async with open_summarizer(chosen) as summarizer:
        result = await asummarize_folder(
            paths, chosen, summarizer=summarizer, on_result=record, on_loaded=on_loaded
        )
        if not result.summaries:
            return StoryResult(articles=result)
        builder = StoryBuilder(summarizer, max_items_per_prompt=max_items_per_prompt)
        story = await builder.build(result.summaries, articles.values())
    return StoryResult(articles=result, story=story)


def summarize_story(
    paths: Path | str | Iterable[Path | str], options: Options | None = None, **keywords: Any
) -> StoryResult:
    """Sync ``asummarize_story``: ``summarize_story("news/pompeo-visit/").story``."""
    return run_sync(asummarize_story(paths, options, **keywords))
