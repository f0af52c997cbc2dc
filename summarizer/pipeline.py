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
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from summarizer.cache import AnswerConditions, ResultCache, default_cache_dir
from summarizer.config import Options, Sampling
from summarizer.errors import (
    ConfigError,
    LocalServerError,
    SourceError,
    SummarizerError,
)
from summarizer.grounding import GROUNDING_VERSION
from summarizer.llm import (
    Backend,
    ModelClient,
    RateLimiter,
    TransportPolicy,
    resolve_backend,
)
from summarizer.models import (
    Article,
    ArticleExtraction,
    ArticleSummary,
    GroundingReport,
    SummaryMetadata,
    TokenUsage,
)
from summarizer.prompts import PromptPair, load_prompt
from summarizer.sources import iter_sources, load_file
from summarizer.summary import assemble_summary, gather_answers
from summarizer.verification import verify_prompt, verify_summary

ARTICLE_TASK = "article_summary"
# How often a process waiting for another's answer to the same article looks for it.
CLAIM_POLL_SECONDS = 0.25
T = TypeVar("T")


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
    verify_usage: TokenUsage = field(default_factory=TokenUsage)
    """Tokens the --verify model check spent, apart from ``usage``."""

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
            if outcome.metadata.verify_usage is not None:
                self.verify_usage = self.verify_usage + outcome.metadata.verify_usage


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
        verify: bool = False,
        verify_model: str | None = None,
    ) -> None:
        self.backend = backend
        self.sampling = sampling or Options().sampling(local=backend.kind == "local")
        self.strict = strict
        self.cache = cache
        self.refresh = refresh
        self.prompt: PromptPair = load_prompt(ARTICLE_TASK)
        self._client = ModelClient(backend, api_key=api_key, transport=transport, limiter=limiter)
        # --verify: one more request per article, to this model or a cheaper one named apart.
        self.verify = verify or bool(verify_model)
        self._verifier = self._client
        if verify_model and verify_model != backend.model:
            judge = dataclasses.replace(backend, model=verify_model)
            self._verifier = ModelClient(
                judge, api_key=api_key, transport=transport, limiter=limiter
            )
        self._verify_prompt = verify_prompt() if self.verify else None

    async def __aenter__(self) -> AsyncSummarizer:
        await self._client.__aenter__()
        return self

    @property
    def client(self) -> ModelClient:
        """The connected model client, for other tasks on the same backend (a story)."""
        return self._client

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if self._verifier is not self._client:
                await self._verifier.__aexit__(*exc_info)
        finally:
            await self._client.__aexit__(*exc_info)

    def messages(self, article: Article) -> list[dict[str, str]]:
        return self.prompt.messages(
            title=article.title,
            published=article.published.isoformat() if article.published else None,
            sentences=article.sentences,
        )

    def conditions(
        self,
        task: str,
        prompt_version: str,
        response_schema: dict[str, Any],
        versions: dict[str, str],
    ) -> AnswerConditions:
        """What shapes an answer of this summariser's backend besides the request content:
        for articles here, and for stories (``StoryBuilder``)."""
        return AnswerConditions(
            task=task,
            backend=self.backend.kind,
            base_url=self.backend.base_url,
            model=self._client.model_name,
            mode=str(self.backend.mode),
            sampling=dataclasses.asdict(self.sampling),
            strict=self.strict,
            prompt_version=prompt_version,
            response_schema=response_schema,
            versions=versions,
        )

    def cache_key(self, messages: list[dict[str, str]]) -> str:
        """Everything that shapes the answer: backend, model, mode, messages (so template and
        article text), response schema, sampling, strictness, grounding rules. Not the key,
        and not the embedded server's port, which changes every run."""
        return self._article_conditions.key(messages, self._article_digest)

    @functools.cached_property
    def _article_conditions(self) -> AnswerConditions:
        return self.conditions(
            ARTICLE_TASK,
            self.prompt.version,
            _extraction_schema(),
            {
                "grounding": GROUNDING_VERSION,
                "verify": self._verifier.model_name if self.verify else "",
                "verify_prompt": self._verify_prompt.version if self._verify_prompt else "",
            },
        )

    @functools.cached_property
    def _article_digest(self) -> str:
        # The same for every article of a run: hashed once (the schema alone is 9 kB of JSON).
        return self._article_conditions.digest()

    async def summarize(self, article: Article) -> ArticleSummary:
        """Summarise one article; raises ``ModelError`` when no usable answer came back.

        With a cache, an article already summarised under identical conditions costs nothing.
        """
        messages = self.messages(article)
        cache = self.cache
        if cache is None:
            return await self._summarize(article, messages)
        key = self.cache_key(messages)
        if not self.refresh:
            cached = cache.get(key)
            if cached is not None:
                return _as_cache_hit(cached, article)
        # Another process sharing the cache may be asking about this very article: wait for
        # its answer rather than pay for it twice.
        while not cache.claim(key):
            await asyncio.sleep(CLAIM_POLL_SECONDS)
            if not self.refresh:
                cached = cache.peek(key)
                if cached is not None:
                    return _as_cache_hit(cached, article)
        if not self.refresh:
            # Another process may have stored it and let go between the lookup and the claim.
            cached = cache.peek(key)
            if cached is not None:
                cache.release(key)
                return _as_cache_hit(cached, article)
        try:
            summary = await self._summarize(article, messages)
        except BaseException:
            cache.release(key)
            raise
        cache.put(key, summary)
        return summary

    async def _summarize(self, article: Article, messages: list[dict[str, str]]) -> ArticleSummary:
        answers = await gather_answers(self._client, messages, article, self.sampling)
        summary = assemble_summary(
            answers,
            article,
            SummaryMetadata(
                source_path=article.path,
                article_id=article.id,
                title=article.title,
                outlet=article.source,
                published=article.published,
                sentence_count=len(article.sentences),
                model=self._client.model_name,
                backend=self.backend.kind,
                mode=str(self.backend.mode),
                prompt_version=self.prompt.version,
                usage=TokenUsage(),
                attempts=0,
                grounding=GroundingReport(proposed=0, verified=0, rejected=0, score=None),
                embedded_model=self.backend.kind == "local",
                verified_by=["code"],
            ),
            strict=self.strict,
        )
        if self.verify and self._verify_prompt is not None:
            judging = dataclasses.replace(self.sampling, max_retries=0)
            summary = await verify_summary(
                self._verifier, summary, article, judging, self._verify_prompt
            )
        return summary


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
    return ArticleExtraction.model_json_schema()


def _as_cache_hit(summary: ArticleSummary, article: Article) -> ArticleSummary:
    # The same text under another name hits the same entry; report the file read this time.
    metadata = summary.metadata.model_copy(
        update={
            "cache_hit": True,
            "source_path": article.path,
            "title": article.title,
            "outlet": article.source,
        }
    )
    return summary.model_copy(update={"metadata": metadata})


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------

ResultCallback = Callable[[Article | None, ArticleSummary | ArticleFailure], None]


@asynccontextmanager
async def open_summarizer(
    options: Options | None = None,
    *,
    transport: TransportPolicy | None = None,
    **keywords: Any,
) -> AsyncIterator[AsyncSummarizer]:
    """A connected ``AsyncSummarizer`` for the backend these options choose.

    ``options`` is an ``Options``; keywords of the same names override it (``model=``,
    ``cache=False``, ...). ``cache=False`` bypasses the result cache; ``refresh=True`` ignores
    stored results and overwrites them; ``cache_dir`` moves it (default:
    ``SUMMARIZER_CACHE_DIR`` or the user cache folder). ``rpm`` / ``tpm`` cap requests and
    tokens per minute.
    """
    chosen = Options.from_keywords(options, keywords)
    backend = resolve_backend(chosen)
    limiter = RateLimiter(rpm=chosen.rpm, tpm=chosen.tpm)
    with ExitStack() as stack:
        result_cache = None
        if chosen.cache:
            folder = chosen.cache_dir if chosen.cache_dir is not None else default_cache_dir()
            result_cache = stack.enter_context(ResultCache(folder))
        try:
            async with AsyncSummarizer(
                backend,
                sampling=chosen.sampling(local=backend.kind == "local"),
                strict=chosen.strict,
                api_key=chosen.api_key,
                cache=result_cache,
                refresh=chosen.refresh,
                transport=transport,
                limiter=limiter,
                verify=chosen.verify,
                verify_model=chosen.verify_model,
            ) as summarizer:
                yield summarizer
        finally:
            if result_cache is not None:
                result_cache.record_run()


def summarize_article(
    article: Article | Path | str, options: Options | None = None, **keywords: Any
) -> ArticleSummary:
    """Summarise one article (an ``Article`` or a file path). Options as ``open_summarizer``."""
    chosen = Options.from_keywords(options, keywords)
    loaded = (
        article if isinstance(article, Article) else load_file(article, max_bytes=chosen.max_bytes)
    )

    async def run() -> ArticleSummary:
        async with open_summarizer(chosen) as summarizer:
            return await summarizer.summarize(loaded)

    return run_sync(run())


def summarize_folder(
    paths: Path | str | Iterable[Path | str], options: Options | None = None, **keywords: Any
) -> FolderResult:
    """Summarise every article under ``paths`` (files or folders, recursively).

    Takes ``asummarize_folder``'s options. Per-file problems become ``ArticleFailure``s; the
    other articles are still summarised."""
    return run_sync(asummarize_folder(paths, options, **keywords))


async def asummarize_folder(
    paths: Path | str | Iterable[Path | str],
    options: Options | None = None,
    *,
    on_result: ResultCallback | None = None,
    on_loaded: Callable[[list[Article]], None] | None = None,
    keep_summaries: bool = True,
    summarizer: AsyncSummarizer | None = None,
    **keywords: Any,
) -> FolderResult:
    """Summarise every article under ``paths``, ``options.concurrency`` at a time (default: 1
    for the embedded model, 8 for hosted APIs); ``options`` (or keywords of the same names) as
    ``open_summarizer``, or pass an open ``summarizer`` to share its connection (and embedded
    server) with other work.

    Files are read as slots free up, so a run holds only the articles in flight. ``on_loaded``
    is called with each article as it is read, in input order; ``on_result`` as each article
    finishes (a summary or a failure), so callers can write results out as they come.
    ``FolderResult`` lists summaries in input order, whatever the concurrency; with
    ``keep_summaries=False`` it only counts them, and memory stays flat however many there
    are."""
    chosen = Options.from_keywords(options, keywords)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    result = FolderResult()
    sources = iter_sources(paths, max_bytes=chosen.max_bytes, skipped=result.skipped)
    first = await _next_article(sources, result, on_result)
    if first is None:
        return result
    kept: dict[int, ArticleSummary | ArticleFailure] = {}
    async with _use_or_open(summarizer, chosen) as active:
        slots = asyncio.Semaphore(chosen.concurrency_for(local=active.backend.kind == "local"))

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
                    article = await _next_article(sources, result, on_result)
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


async def _next_article(
    sources: Iterator[Article | SourceError],
    result: FolderResult,
    on_result: ResultCallback | None,
) -> Article | None:
    """The next article that reads; files that don't are failures, reported at once.

    Files are read in a worker thread: a slow disk or a large file never stalls the requests
    in flight, and a stop is served while a file is being read."""
    while True:
        loaded = await asyncio.to_thread(next, sources, None)
        if loaded is None:
            return None
        if isinstance(loaded, Article):
            return loaded
        failure = _source_failure(loaded)
        result.failures.append(failure)
        if on_result:
            on_result(None, failure)


@asynccontextmanager
async def _use_or_open(
    summarizer: AsyncSummarizer | None, options: Options
) -> AsyncIterator[AsyncSummarizer]:
    if summarizer is not None:
        yield summarizer
    else:
        async with open_summarizer(options) as opened:
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
