"""Summarising articles: one, or a folder of them.

For each article: render the prompt, ask the model for an ``ArticleExtraction`` while every
item is checked against the sentences it cites (re-asking on failure), then build the
``ArticleSummary``: verified items located in the text, figures and dates normalised by code,
unverifiable items moved to ``rejected``. A failure in one article never stops the others.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from summarizer.cache import ResultCache, cache_key, default_cache_dir
from summarizer.errors import (
    ConfigError,
    LocalServerError,
    ModelError,
    SourceError,
    SummarizerError,
)
from summarizer.grounding import (
    GROUNDING_VERSION,
    HEADLINE,
    GroundedExtraction,
    ItemCheck,
    check_extraction,
    grounding_against,
)
from summarizer.llm import (
    Backend,
    CallLedger,
    ModelClient,
    RateLimiter,
    Sampling,
    TransportPolicy,
    ValidationExhausted,
    resolve_backend,
)
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
    LocatedTimeMention,
    RejectedItem,
    SummaryMetadata,
    TokenUsage,
)
from summarizer.numbers import parse_figure
from summarizer.prompts import PromptPair, load_prompt
from summarizer.sources import DEFAULT_MAX_BYTES, iter_sources, load_file

ARTICLE_TASK = "article_summary"
T = TypeVar("T")

_LOCATED: dict[str, type[BaseModel]] = {
    "who": LocatedActor,
    "what": LocatedEvent,
    "where": LocatedPlace,
    "when": LocatedTimeMention,
    "key_figures": LocatedKeyFigure,
    "disputed_points": LocatedDisputedPoint,
}


@dataclass(frozen=True)
class ArticleFailure:
    """An input that produced no summary, and why."""

    path: str
    reason: str
    kind: str  # "source" (the file) or "model" (the answer)
    attempts: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage)


@dataclass
class FolderResult:
    """Everything a run produced: summaries, failures, and files passed over on purpose.

    With ``keep_summaries=False`` (a run that streams results to disk) ``summaries`` stays
    empty, and the counts below still cover every article."""

    summaries: list[ArticleSummary] = field(default_factory=list)
    failures: list[ArticleFailure] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    summarised: int = 0
    """Articles summarised, kept or not."""
    usage: TokenUsage = field(default_factory=TokenUsage)
    """Tokens this run spent (cache hits cost nothing)."""
    cache_hits: int = 0
    tokens_saved: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def count(self, outcome: ArticleSummary | ArticleFailure) -> None:
        """Add one outcome to the counts (not to the lists)."""
        if isinstance(outcome, ArticleFailure):
            self.usage = self.usage + outcome.usage
            return
        self.summarised += 1
        if outcome.metadata.cache_hit:
            self.cache_hits += 1
            self.tokens_saved += outcome.metadata.usage.total_tokens
        else:
            self.usage = self.usage + outcome.metadata.usage


class AsyncSummarizer:
    """A connected summariser for async code:
    ``async with AsyncSummarizer(backend) as s: await s.summarize(article)``.

    Safe to share between concurrent tasks (``summarize_folder`` runs many at once)."""

    def __init__(
        self,
        backend: Backend,
        *,
        sampling: Sampling | None = None,
        strict: bool = False,
        api_key: str | None = None,
        cache: ResultCache | None = None,
        refresh: bool = False,
        transport: TransportPolicy | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.backend = backend
        self.sampling = sampling or _default_sampling(backend)
        self.strict = strict
        self.cache = cache
        self.refresh = refresh
        self.prompt: PromptPair = load_prompt(ARTICLE_TASK)
        self._client = ModelClient(backend, api_key=api_key, transport=transport, limiter=limiter)

    async def __aenter__(self) -> AsyncSummarizer:
        await self._client.__aenter__()
        return self

    @property
    def client(self) -> ModelClient:
        """The connected model client, for other tasks on the same backend (a story)."""
        return self._client

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.__aexit__(*exc_info)

    def messages(self, article: Article) -> list[dict[str, str]]:
        return self.prompt.messages(
            title=article.title,
            published=article.published.isoformat() if article.published else None,
            sentences=article.sentences,
        )

    def cache_key(self, messages: list[dict[str, str]]) -> str:
        """Everything that shapes the answer: backend, model, mode, messages (so template and
        article text), response schema, sampling, strictness, grounding rules. Not the key,
        and not the embedded server's port, which changes every run."""
        return cache_key({"conditions": self._conditions, "messages": messages})

    @functools.cached_property
    def _conditions(self) -> str:
        # The same for every article of a run: hashed once (the schema alone is 9 kB of JSON).
        return cache_key(
            {
                "backend": self.backend.kind,
                "base_url": self.backend.base_url,
                "model": self._client.model_name,
                "mode": self.backend.mode,
                "response_schema": _extraction_schema(),
                "sampling": dataclasses.asdict(self.sampling),
                "strict": self.strict,
                "grounding": GROUNDING_VERSION,
            }
        )

    async def summarize(self, article: Article) -> ArticleSummary:
        """Summarise one article; raises ``ModelError`` when no usable answer came back.

        With a cache, an article already summarised under identical conditions costs nothing.
        """
        messages = self.messages(article)
        key = self.cache_key(messages) if self.cache is not None else None
        if key is not None and self.cache is not None and not self.refresh:
            cached = self.cache.get(key)
            if cached is not None:
                return _as_cache_hit(cached, article)
        summary = await self._summarize(article, messages)
        if key is not None and self.cache is not None:
            self.cache.put(key, summary)
        return summary

    async def _summarize(self, article: Article, messages: list[dict[str, str]]) -> ArticleSummary:
        try:
            with grounding_against(article):
                completion = await self._client.complete(
                    messages, GroundedExtraction, self.sampling
                )
            ledger = completion.ledger
            final: ArticleExtraction | None = completion.value
        except ValidationExhausted as error:
            if self.strict:
                raise ModelError(
                    f"{error} (--strict: unverified items fail the article)",
                    attempts=error.attempts,
                    usage=error.usage,
                ) from error
            ledger, final = error.ledger, None
        if self.strict:
            assert final is not None
            extraction, checks = final, _checks_of(final, article)
        else:
            extraction, checks = _most_verified(ledger, final, article)
        attempts, retries, usage = ledger.attempts, ledger.transport_retries, ledger.usage
        return build_summary(
            extraction,
            checks,
            article,
            SummaryMetadata(
                source_path=article.path,
                article_id=article.id,
                title=article.title,
                published=article.published,
                sentence_count=len(article.sentences),
                model=self._client.model_name,
                backend=self.backend.kind,
                mode=self.backend.mode,
                prompt_version=self.prompt.version,
                usage=usage,
                attempts=attempts,
                transport_retries=retries,
                grounding=GroundingReport(proposed=0, verified=0, rejected=0, score=1.0),
            ),
        )


class Summarizer:
    """A connected summariser for plain (sync) code:
    ``with Summarizer(backend) as s: s.summarize(article)``. Takes ``AsyncSummarizer``'s
    arguments; runs it on a private event loop."""

    def __init__(self, backend: Backend, **options: Any) -> None:
        self._async = AsyncSummarizer(backend, **options)
        self._runner: asyncio.Runner | None = None

    @property
    def backend(self) -> Backend:
        return self._async.backend

    def __enter__(self) -> Summarizer:
        self._runner = asyncio.Runner()
        self._runner.run(self._async.__aenter__())
        return self

    def __exit__(self, *exc_info: object) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            try:
                runner.run(self._async.__aexit__(*exc_info))
            finally:
                runner.close()

    def summarize(self, article: Article) -> ArticleSummary:
        if self._runner is None:
            raise RuntimeError("use Summarizer as a context manager: with Summarizer(...) as s")
        return _run_handing_over(self._runner.run, self._async.summarize(article))


@functools.cache
def _extraction_schema() -> dict[str, Any]:
    # Built once per process: pydantic takes about 10 ms to build it.
    return GroundedExtraction.model_json_schema()


def _as_cache_hit(summary: ArticleSummary, article: Article) -> ArticleSummary:
    # The same text under another name hits the same entry; report the file read this time.
    metadata = summary.metadata.model_copy(
        update={"cache_hit": True, "source_path": article.path, "title": article.title}
    )
    return summary.model_copy(update={"metadata": metadata})


def _default_sampling(backend: Backend) -> Sampling:
    # A fixed seed makes the embedded model's answers (and so recordings) reproducible.
    return Sampling(seed=0) if backend.kind == "local" else Sampling()


def _most_verified(
    ledger: CallLedger, final: ArticleExtraction | None, article: Article
) -> tuple[ArticleExtraction, list[ItemCheck]]:
    """Of all answers of the right shape, the one with the most verified items (the later one
    on a tie). Re-asks teach a weak model that proposing nothing passes, so the last answer is
    often emptier than an earlier one whose checked items are worth keeping."""
    if final is not None and len(ledger.answers) <= 1:
        return final, _checks_of(final, article)  # the first answer passed: nothing to weigh
    candidates: list[ArticleExtraction] = []
    last_problem = "no answer"
    for answer in ledger.answers:
        try:
            candidates.append(ArticleExtraction.model_validate_json(answer))
        except ValidationError as invalid:
            first = invalid.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "answer"
            last_problem = f"at {where}: {first['msg']}"
    if final is not None and not candidates:
        candidates.append(final)
    if not candidates:
        raise ModelError(
            f"no answer matched the schema after {ledger.attempts} attempt(s) "
            f"(last problem {last_problem})",
            attempts=ledger.attempts,
            transport_retries=ledger.transport_retries,
            usage=ledger.usage,
        )
    best: tuple[int, int, ArticleExtraction, list[ItemCheck]] | None = None
    for position, candidate in enumerate(candidates):
        checks = check_extraction(candidate, article)
        verified = sum(check.ok for check in checks)
        if best is None or (verified, position) >= (best[0], best[1]):
            best = (verified, position, candidate, checks)
    assert best is not None
    return best[2], best[3]


def _checks_of(extraction: ArticleExtraction, article: Article) -> list[ItemCheck]:
    if isinstance(extraction, GroundedExtraction):
        return extraction.checks_against(article)
    return check_extraction(extraction, article)


# --------------------------------------------------------------------------------------------
# From checked extraction to summary
# --------------------------------------------------------------------------------------------


def build_summary(
    extraction: ArticleExtraction,
    checks: list[ItemCheck],
    article: Article,
    metadata: SummaryMetadata,
) -> ArticleSummary:
    """Keep verified items (located and normalised); list the others under ``rejected``."""
    sections: dict[str, list[Any]] = {section: [] for section in SECTIONS}
    rejected: list[RejectedItem] = []
    headline = _clean_headline(extraction.headline)
    for check in checks:
        if check.section == HEADLINE:
            if not check.ok:
                # An unsupported headline is not shown as fact: the article's own title (or
                # its first sentence) stands in, and the model's version is listed as rejected.
                rejected.append(
                    RejectedItem(
                        section=HEADLINE, item={"headline": headline}, reasons=list(check.problems)
                    )
                )
                headline = article.title or article.sentences[0].text
            continue
        if check.ok:
            sections[check.section].append(_locate(check.section, check.item, article))
        else:
            rejected.append(
                RejectedItem(
                    section=check.section,
                    item=check.item.model_dump(mode="json"),
                    reasons=list(check.problems),
                )
            )
    item_checks = [check for check in checks if check.section != HEADLINE]
    proposed = len(item_checks)
    verified = sum(check.ok for check in item_checks)
    metadata = metadata.model_copy(
        update={
            "grounding": GroundingReport(
                proposed=proposed,
                verified=verified,
                rejected=proposed - verified,
                score=round(verified / proposed, 4) if proposed else 1.0,
            )
        }
    )
    return ArticleSummary(
        headline=headline,
        rejected=rejected,
        metadata=metadata,
        **sections,
    )


def _locate(section: str, item: BaseModel, article: Article) -> BaseModel:
    data = item.model_dump()
    data["evidence"] = list(dict.fromkeys(data["evidence"]))  # same id cited twice: once
    spans = []
    for sentence_id in data["evidence"]:
        sentence = article.sentence(sentence_id)
        if sentence is not None:
            spans.append(
                EvidenceSpan(
                    sentence=sentence.id, start=sentence.start, end=sentence.end, text=sentence.text
                )
            )
    data["evidence_spans"] = spans
    if section == "key_figures":
        data["value"] = parse_figure(data["value_text"])
    elif section == "when":
        data["date"] = resolve_date(data["text"], article.published)
    return _LOCATED[section].model_validate(data)


def _clean_headline(headline: str) -> str:
    # Small models echo the citation marker they were shown: "[S1] ..." or "S1. ...".
    return re.sub(r"^\[?S\d+\]?[.:]?\s*", "", headline).strip().rstrip('",').strip()


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_RELATIVE_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0}


def resolve_date(text: str, published: date | None) -> str | None:
    """An ISO date for a time expression when the text and publication date make it certain.

    "yesterday" resolves against the publication date; "February 2" takes its year from it;
    "2 February 2020" needs nothing. Anything vaguer ("last year", "in August") stays None.
    """
    lowered = text.lower()
    for word, offset in _RELATIVE_DAYS.items():
        if re.search(rf"\b{word}\b", lowered):
            return (published + timedelta(days=offset)).isoformat() if published else None
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3])).isoformat()
        except ValueError:
            return None
    day_month = re.search(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\b(?:\s+(\d{{4}}))?", lowered
    )
    month_day = re.search(
        rf"\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", lowered
    )
    if not (day_month or month_day):
        return None
    from dateutil import parser as date_parser

    match = day_month or month_day
    assert match is not None
    year_written = match.group(3)
    if not year_written and published is None:
        return None
    default = datetime(published.year if published else 2000, 1, 1)
    try:
        parsed = date_parser.parse(match.group(0), default=default)
    except (ValueError, OverflowError):
        return None
    return parsed.date().isoformat()


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------

ResultCallback = Callable[[Article | None, ArticleSummary | ArticleFailure], None]


@asynccontextmanager
async def open_summarizer(
    *,
    model: str | None = None,
    base_url: str | None = None,
    mode: Any = None,
    sampling: Sampling | None = None,
    strict: bool = False,
    api_key: str | None = None,
    cache: bool = True,
    cache_dir: Path | str | None = None,
    refresh: bool = False,
    transport: TransportPolicy | None = None,
    rpm: float | None = None,
    tpm: float | None = None,
) -> AsyncIterator[AsyncSummarizer]:
    """A connected ``AsyncSummarizer`` for the backend these options choose.

    ``cache=False`` bypasses the result cache; ``refresh=True`` ignores stored results and
    overwrites them; ``cache_dir`` moves it (default: ``SUMMARIZER_CACHE_DIR`` or the user cache
    folder). ``rpm`` / ``tpm`` cap requests and tokens per minute.
    """
    backend = resolve_backend(model=model, base_url=base_url, mode=mode)
    limiter = RateLimiter(rpm=rpm, tpm=tpm)
    with ExitStack() as stack:
        result_cache = None
        if cache:
            folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
            result_cache = stack.enter_context(ResultCache(folder))
        try:
            async with AsyncSummarizer(
                backend,
                sampling=sampling,
                strict=strict,
                api_key=api_key,
                cache=result_cache,
                refresh=refresh,
                transport=transport,
                limiter=limiter,
            ) as summarizer:
                yield summarizer
        finally:
            if result_cache is not None:
                result_cache.record_run()


def summarize_article(article: Article | Path | str, **options: Any) -> ArticleSummary:
    """Summarise one article (an ``Article`` or a file path). Options as ``open_summarizer``."""
    if not isinstance(article, Article):
        article = load_file(article, max_bytes=options.pop("max_bytes", DEFAULT_MAX_BYTES))
    loaded = article

    async def run() -> ArticleSummary:
        async with open_summarizer(**options) as summarizer:
            return await summarizer.summarize(loaded)

    return run_sync(run())


def default_concurrency(backend_kind: str) -> int:
    """The embedded server answers one request at a time; hosted APIs take many."""
    return 1 if backend_kind == "local" else 8


def summarize_folder(paths: Path | str | Iterable[Path | str], **options: Any) -> FolderResult:
    """Summarise every article under ``paths`` (files or folders, recursively).

    Takes ``asummarize_folder``'s options. Per-file problems become ``ArticleFailure``s; the
    other articles are still summarised."""
    return run_sync(asummarize_folder(paths, **options))


async def asummarize_folder(
    paths: Path | str | Iterable[Path | str],
    *,
    on_result: ResultCallback | None = None,
    on_loaded: Callable[[list[Article]], None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    concurrency: int | None = None,
    keep_summaries: bool = True,
    summarizer: AsyncSummarizer | None = None,
    **options: Any,
) -> FolderResult:
    """Summarise every article under ``paths``, ``concurrency`` at a time (default: 1 for the
    embedded model, 8 for hosted APIs); other options as ``open_summarizer``, or pass an open
    ``summarizer`` to share its connection (and embedded server) with other work.

    Files are read as slots free up, so a run holds only the articles in flight. ``on_loaded``
    is called with each article as it is read, in input order; ``on_result`` as each article
    finishes (a summary or a failure), so callers can write results out as they come.
    ``FolderResult`` lists summaries in input order, whatever the concurrency; with
    ``keep_summaries=False`` it only counts them, and memory stays flat however many there
    are."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if concurrency is not None and concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    result = FolderResult()
    sources = iter_sources(paths, max_bytes=max_bytes, skipped=result.skipped)
    first = _next_article(sources, result, on_result)
    if first is None:
        return result
    kept: dict[int, ArticleSummary | ArticleFailure] = {}
    async with _use_or_open(summarizer, options) as active:
        slots = asyncio.Semaphore(concurrency or default_concurrency(active.backend.kind))

        async def one(position: int, article: Article) -> None:
            outcome: ArticleSummary | ArticleFailure
            try:
                outcome = await active.summarize(article)
            except (ConfigError, LocalServerError):
                raise  # no article can succeed: stop the run and say how to fix it
            except SummarizerError as error:
                outcome = _model_failure(article, error)
            finally:
                slots.release()
            result.count(outcome)
            if keep_summaries or isinstance(outcome, ArticleFailure):
                kept[position] = outcome
            if on_result:
                on_result(article, outcome)

        try:
            async with asyncio.TaskGroup() as group:
                article: Article | None = first
                position = 0
                while article is not None:
                    if on_loaded:
                        on_loaded([article])
                    await slots.acquire()
                    group.create_task(one(position, article))
                    position += 1
                    article = _next_article(sources, result, on_result)
        except BaseExceptionGroup as group_error:
            # Re-raise the first real cause (a ConfigError, say), not the group around it.
            raise group_error.exceptions[0] from None
    for position in sorted(kept):
        outcome = kept[position]
        if isinstance(outcome, ArticleSummary):
            result.summaries.append(outcome)
        else:
            result.failures.append(outcome)
    return result


def _next_article(
    sources: Iterator[Article | SourceError],
    result: FolderResult,
    on_result: ResultCallback | None,
) -> Article | None:
    """The next article that reads; files that don't are failures, reported at once."""
    for loaded in sources:
        if isinstance(loaded, Article):
            return loaded
        failure = _source_failure(loaded)
        result.failures.append(failure)
        if on_result:
            on_result(None, failure)
    return None


@asynccontextmanager
async def _use_or_open(
    summarizer: AsyncSummarizer | None, options: dict[str, Any]
) -> AsyncIterator[AsyncSummarizer]:
    if summarizer is not None:
        yield summarizer
    else:
        async with open_summarizer(**options) as opened:
            yield opened


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, also where an event loop is already running (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_handing_over(asyncio.run, coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_run_handing_over, asyncio.run, coroutine).result()


def _run_handing_over(
    run: Callable[[Coroutine[Any, Any, None]], None], coroutine: Coroutine[Any, Any, T]
) -> T:
    """``run(coroutine)``, with the result handed over outside the task: when it ends,
    asyncio.Runner restores the SIGINT handler and in doing so formats its main task's repr,
    which includes the task's result -- for a FolderResult, every summary (1.4 ms each)."""
    outcome: list[T] = []

    async def main() -> None:
        outcome.append(await coroutine)

    run(main())
    return outcome[0]


def _source_failure(error: SourceError) -> ArticleFailure:
    return ArticleFailure(path=error.path, reason=error.problem, kind="source")


def _model_failure(article: Article, error: SummarizerError) -> ArticleFailure:
    attempts = getattr(error, "attempts", 0)
    usage = getattr(error, "usage", None)
    return ArticleFailure(
        path=article.path,
        reason=str(error),
        kind="model",
        attempts=attempts,
        usage=usage if isinstance(usage, TokenUsage) else TokenUsage(),
    )
