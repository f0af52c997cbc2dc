"""The ``summarize`` command. Thin: parses options, calls the library, shows progress.

Exit codes: 0 every article summarised; 1 some article failed; 2 usage or configuration error.
Library errors become one-line messages; no traceback for user errors.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

# The library (pydantic models, openai, instructor) is imported inside the commands, so
# `summarize --help` starts fast.
from summarizer.config import (
    DEFAULT_LOCAL_MAX_RETRIES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_TOKENS,
    Mode,
    Options,
    OutputFormat,
)

if TYPE_CHECKING:
    from summarizer.models import StorySummary
    from summarizer.output import OutputWriter
    from summarizer.pipeline import FolderResult


class _SummarizeByDefault(typer.core.TyperGroup):
    """``summarize PATHS`` runs the summariser; ``summarize cache ...`` manages the cache.

    Anything that is not a subcommand name is handed to the ``run`` command, so the common case
    needs no subcommand (and ``summarize --help`` shows its options)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["run", *args]
        return list(super().parse_args(ctx, args))


class _TypedAsRoot(typer.Context):
    """The default command is typed without its name (``summarize PATHS``), so usage lines and
    "Try ... -h" hints name the command as typed, not ``summarize run``."""

    @property
    def command_path(self) -> str:
        return str(self.find_root().info_name or "summarize")


class _RunCommand(typer.core.TyperCommand):
    context_class = _TypedAsRoot


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version(DISTRIBUTION)
        except PackageNotFoundError:
            installed = "unknown (not installed)"
        stdout.print(f"summarize {installed}", highlight=False)
        raise typer.Exit()


app = typer.Typer(
    cls=_SummarizeByDefault,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
cache_app = typer.Typer(help="Inspect or clear the result cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
# Messages name files; a wrapped line would split a path, so error output never wraps.
stderr = Console(stderr=True, soft_wrap=True)
stdout = Console(soft_wrap=True)

# The distribution's name on PyPI (the import package is ``summarizer``).
DISTRIBUTION = "evidence-summarizer"
EXIT_FAILED_ARTICLES = 1
EXIT_USAGE = 2


@app.command(
    "run",
    cls=_RunCommand,
    help=(
        "Summarise news articles into evidence-backed structured summaries.\n\n"
        "PATHS are files (.txt, .md, .html, .json, .jsonl) or folders (searched recursively). "
        "Each article gets "
        "who / what / where / when, key figures and disputed points, every item citing the "
        "sentences that state it; items the article does not support are listed apart as "
        "rejected.\n\n"
        "Backend: OpenAI when OPENAI_API_KEY is set; any OpenAI-compatible server with "
        "--base-url (Ollama, vLLM, llama.cpp); otherwise the embedded local model."
    ),
    epilog=(
        "Examples:\n\n"
        "  summarize seeds/                       # embedded model, JSON in summaries/\n\n"
        "  summarize news/ -f md -o reports/      # one Markdown report\n\n"
        "  summarize news/ -f html                # one page, evidence highlighted\n\n"
        "  summarize news/ --base-url http://localhost:11434/v1 --model llama3.1\n\n"
        "Results are cached: a re-run over unchanged articles costs no tokens, and a run that "
        "was interrupted resumes where it stopped.\n\n"
        "Other commands:\n\n"
        "  summarize cache stats                  # entries, size, last run's hits\n\n"
        "  summarize cache path | clear           # where the cache is; empty it\n\n"
        "  summarize --version"
    ),
)
def summarize(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Article files or folders.", show_default=False, metavar="PATHS..."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the output files.")] = Path(
        "summaries"
    ),
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="json (a file per article); jsonl, md or html (one file for the run).",
            case_sensitive=False,
        ),
    ] = OutputFormat.JSON,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help='Model name, or "local" for the embedded model.',
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="OPENAI_BASE_URL",
            help="An OpenAI-compatible server, e.g. http://localhost:11434/v1.",
            show_default=False,
        ),
    ] = None,
    mode: Annotated[
        Mode | None,
        typer.Option(
            help="How structured output is requested (default: tools).",
            show_default=False,
            case_sensitive=False,
        ),
    ] = None,
    temperature: Annotated[float, typer.Option(help="Sampling temperature.")] = 0.0,
    seed: Annotated[
        int | None, typer.Option(help="Sampling seed (default: 0 for the local model).")
    ] = None,
    max_retries: Annotated[
        int | None,
        typer.Option(
            help="Re-asks after an answer fails validation or grounding "
            f"(default: {DEFAULT_MAX_RETRIES}; {DEFAULT_LOCAL_MAX_RETRIES} for the embedded "
            "model).",
            show_default=False,
        ),
    ] = None,
    max_tokens: Annotated[
        int, typer.Option(help="Longest answer the model may give.")
    ] = DEFAULT_MAX_TOKENS,
    max_bytes: Annotated[
        int, typer.Option(help="Skip input files larger than this many bytes.")
    ] = DEFAULT_MAX_BYTES,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail an article rather than reject its items.")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Also ask the model to judge each verified item against its sentences "
            "(one more request per article; its tokens are counted apart).",
        ),
    ] = False,
    verify_model: Annotated[
        str | None,
        typer.Option(
            help="Model that judges the items for --verify (default: --model); implies --verify.",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            help="Articles in flight at once (default: 8; 1 for the embedded model).",
            show_default=False,
        ),
    ] = None,
    rpm: Annotated[
        float | None,
        typer.Option(help="Stay under this many requests per minute.", show_default=False),
    ] = None,
    tpm: Annotated[
        float | None,
        typer.Option(help="Stay under this many tokens per minute.", show_default=False),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="SUMMARIZER_CACHE_DIR",
            help="Where the result cache lives (default: the user cache folder).",
            show_default=False,
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the result cache.")
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask the model again and overwrite cached results.")
    ] = False,
    story: Annotated[
        bool,
        typer.Option(
            "--story",
            help="Also synthesise all the articles given as one story: merged who/what/where/"
            "when, figures compared across sources, disputes, what each source alone reports "
            "(story.json, and story.md or story.html with -f md or html).",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also list files passed over.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and exit.",
            callback=_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    from summarizer.errors import ConfigError, SummarizerError
    from summarizer.llm import resolve_backend
    from summarizer.output import OutputWriter
    from summarizer.pipeline import FolderResult, summarize_folder

    try:
        options = Options(
            model=model,
            base_url=base_url,
            mode=mode,
            temperature=temperature,
            seed=seed,
            max_tokens=max_tokens,
            max_retries=max_retries,
            strict=strict,
            verify=verify,
            verify_model=verify_model,
            cache=not no_cache,
            cache_dir=cache_dir,
            refresh=refresh,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            max_bytes=max_bytes,
        )
        backend = resolve_backend(options)
    except ConfigError as error:
        _usage_error(str(error))
    _quiet_library_loggers(verbose)
    _check_output_folder(out)
    if backend.kind == "local":
        stderr.print(
            "[yellow]Using the embedded local model (SmolLM2-135M): it runs without an API key "
            "but writes poor summaries. Set OPENAI_API_KEY, or pass --base-url and --model, "
            "for a better one.[/yellow]"
        )
    writer = OutputWriter(out, output_format)
    progress = _Progress(enabled=stderr.is_terminal)
    rows = _Rows()
    _stop_on_sigint_and_sigterm()
    run: Callable[..., Any] = functools.partial(summarize_folder, keep_summaries=False)
    if story:
        from summarizer.story import summarize_story

        run = summarize_story  # the story is built from all the summaries: they are kept
    try:
        with progress, writer, _notices_shown():
            outcome = run(
                paths,
                options,
                on_loaded=lambda articles: _loaded(articles, writer, progress),
                on_result=lambda article, outcome: _record(
                    article, outcome, writer, progress, rows
                ),
            )
    except SummarizerError as error:
        stderr.print(f"[red]error:[/red] {_plain(error)}", highlight=False)
        _report_unwritten(writer, cached=not no_cache)
        raise typer.Exit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        stderr.print("[red]interrupted[/red]: finished outputs are kept; run again to resume.")
        _report_unwritten(writer, cached=not no_cache)
        raise typer.Exit(130) from None
    except OSError as error:
        # The machine, not the input: a full disk, a folder that went read-only, ...
        stderr.print(f"[red]error:[/red] {_os_problem(error)}", highlight=False)
        _report_unwritten(writer, cached=not no_cache)
        raise typer.Exit(EXIT_USAGE) from None

    story_summary = None
    if isinstance(outcome, FolderResult):
        result = outcome
    else:
        result, story_summary = outcome.articles, outcome.story
    if verbose:
        for path, why in result.skipped:
            stderr.print(f"skipped {_quoted(path)}: {_plain(why)}", highlight=False)
    _print_table(result, rows, writer)
    if _report_unwritten(writer, cached=not no_cache):
        raise typer.Exit(EXIT_FAILED_ARTICLES)
    if story_summary is not None:
        _write_story(story_summary, out, output_format)
        _print_story(story_summary, out)
    if not result.ok:
        raise typer.Exit(EXIT_FAILED_ARTICLES)


def _write_story(story: StorySummary, out: Path, output_format: str) -> None:
    from summarizer.output import STORY_FILES, write_atomic
    from summarizer.render import render_story_html, render_story_json, render_story_markdown

    files = [(out / STORY_FILES["json"], render_story_json)]
    if output_format == "md":
        files.append((out / STORY_FILES["md"], render_story_markdown))
    elif output_format == "html":
        files.append((out / STORY_FILES["html"], render_story_html))
    for path, render in files:
        try:
            write_atomic(path, render(story))
        except OSError as error:
            stderr.print(
                f"[red]error:[/red] not written: {_quoted(path)}: {_plain(error.strerror)}",
                highlight=False,
            )


def _print_story(story: StorySummary, out: Path) -> None:
    """The ledger: figures given by several sources, where the sources disagree, the disputes,
    then what it cost (single-source figures are in story.json and story.md)."""
    from rich.table import Table

    compared = [figure for figure in story.key_figures if figure.status != "single_source"]
    if compared:
        table = Table(title="figures across sources", show_edge=False, header_style="bold")
        for column in ("counts", "status", "values", "why"):
            table.add_column(column, overflow="fold")
        colours = {"agree": "green", "conflict": "red"}
        for figure in compared:
            values = "; ".join(f"{v.source}: {v.value_text}" for v in figure.values)
            table.add_row(
                _plain(figure.counts[:60]),
                f"[{colours[figure.status]}]{figure.status}[/]",
                _plain(values),
                _plain(figure.explanation[:100]),
            )
        stdout.print(table)
    names = {source.label: source.outlet or source.label for source in story.sources}
    for found in story.discrepancies:
        sides = "; ".join(
            f"{names[side.source]} ({side.source} {'/'.join(side.citation.sentences)}): "
            f"{side.says[:60]}"
            for side in found.sides
        )
        stdout.print(
            f"sources disagree ({found.kind}): {_plain(found.about[:70])} | {_plain(sides)}",
            highlight=False,
        )
    for dispute in story.disputed_points:
        if dispute.kind == "between_sources":
            continue  # shown above, as a discrepancy of kind "figure"
        sides = "; ".join(
            f"{side.held_by} ({side.citation.source} {'/'.join(side.citation.sentences)})"
            for side in dispute.sides
        )
        stdout.print(
            f"disputed between parties: {_plain(dispute.claim[:80])} | {_plain(sides)}",
            highlight=False,
        )
    meta = story.metadata
    shared = sum(1 for group in (*story.who, *story.what) if _sources_in(group) > 1)
    cached = " (from cache)" if meta.cache_hit else ""
    stdout.print(
        f"story of {len(story.sources)} sources: {len(story.who)} actors, {len(story.what)} "
        f"events ({shared} reported by several sources), {len(story.key_figures)} figures ("
        f"{len(story.key_figures) - len(compared)} of them from one source only), "
        f"{len(story.disputed_points)} disputed points, {len(story.discrepancies)} "
        f"discrepancies between sources; alignment {meta.alignment.verified} of "
        f"{meta.alignment.proposed} proposals confirmed, {meta.alignment.rejected} rejected, "
        f"{meta.alignment.tokens:,} alignment tokens{cached} in {out}/story.json",
        highlight=False,
    )
    for note in meta.notes:
        stderr.print(f"[yellow]story:[/yellow] {_plain(note)}", highlight=False)


def _sources_in(group: Any) -> int:
    citations = getattr(group, "roles", None) or getattr(group, "reported_by", [])
    return len({citation.source for citation in citations})


@contextmanager
def _notices_shown() -> Iterator[None]:
    """What the library says by ``warnings.warn`` during a run (a cache moved aside, an
    optional feature missing) is shown as it happens, one line each, not lost."""
    shown: set[str] = set()

    def show(message: Any, category: Any, *_args: Any, **_kwargs: Any) -> None:
        text = str(message)
        if text not in shown:
            shown.add(text)
            stderr.print(f"[yellow]warning:[/yellow] {_plain(text)}", highlight=False)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield


def _quiet_library_loggers(verbose: bool) -> None:
    """instructor logs each exhausted re-ask at ERROR; the CLI already reports the outcome in
    one line, so those logs are only shown with --verbose."""
    import logging

    for name in ("instructor", "httpx", "httpx2", "openai", "asyncio"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL)


def _usage_error(message: str) -> None:
    stderr.print(f"[red]error:[/red] {_plain(message)}", highlight=False)
    raise typer.Exit(EXIT_USAGE)


def _stop_on_sigint_and_sigterm() -> None:
    """SIGINT and SIGTERM stop the run however it was started: in-flight requests are
    cancelled, finished outputs kept, temporary files and the embedded server cleaned up.

    SIGINT's handler is installed explicitly: a shell starts a background job (``cmd &`` in a
    script) with SIGINT ignored, and asyncio then neither installs its own handler nor
    cancels anything. SIGTERM is passed on as SIGINT rather than raised here: inside the event
    loop, asyncio turns SIGINT into cancelling the run, while an exception raised in a signal
    handler would land in whichever task happened to be running."""

    def handler(_signum: int, _frame: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    if sys.platform != "win32":
        signal.signal(signal.SIGTERM, handler)


# Terminal control: CSI and OSC escape sequences whole, then any other control character
# (C0, DEL, C1) and the invisible bidirectional overrides that reorder what is shown.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clear screen
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: titles, links
    r"|\x1b[@-_]?"  # any other escape
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _plain(text: object) -> str:
    """Text from files, articles or a server, safe to print: no escape sequence can clear the
    screen, retitle the window or fake a line, and no rich markup is interpreted."""
    value = _ESCAPE_SEQUENCE.sub("", str(text))
    value = _CONTROL.sub(lambda match: " " if match.group() in "\t\n\r" else "", value)
    return escape(value)


def _name(path: object) -> str:
    """A file name as shown in messages: quoted, with any control character written as an
    escape (a newline in a name cannot split the line)."""
    shown = _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), str(path))
    return f"'{shown}'"


def _quoted(path: object) -> str:
    """``_name`` for rich: no markup in the name is interpreted."""
    return escape(_name(path))


def _os_problem(error: OSError) -> str:
    where = f" {_quoted(error.filename)}" if error.filename else ""
    return (
        f"{_plain(error.strerror or error)}:{where}" if where else _plain(error.strerror or error)
    )


def _check_output_folder(out: Path) -> None:
    """Refuse at once, with one line and exit 2, an output folder that cannot be written:
    after an hour of summarising would be too late to say so."""
    try:
        if out.exists() and not out.is_dir():
            _usage_error(f"--out {_name(out)} is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out, prefix=".summarizer-probe-"):
            pass
    except OSError as error:
        _usage_error(f"cannot write to the output folder {_name(out)}: {error.strerror}")


def _report_unwritten(writer: OutputWriter, *, cached: bool) -> bool:
    """Say which outputs could not be written (a full disk, a folder gone read-only)."""
    again = "the results are in the cache: run again" if cached else "run again"
    for path, problem in writer.unwritten:
        stderr.print(
            f"[red]error:[/red] not written: {_quoted(path)}: {_plain(problem)} "
            f"({again} once fixed)",
            highlight=False,
        )
    return bool(writer.unwritten)


def _loaded(articles: list[Any], writer: OutputWriter, progress: _Progress) -> None:
    writer.expect(article.path for article in articles)
    progress.grow(len(articles))


def _record(
    article: Any, outcome: Any, writer: OutputWriter, progress: _Progress, rows: _Rows
) -> None:
    from summarizer.pipeline import ArticleFailure

    if isinstance(outcome, ArticleFailure):
        stderr.print(
            f"[red]error:[/red] {_quoted(outcome.path)}: {_plain(outcome.reason)}",
            highlight=False,
        )
    else:
        writer.add(outcome, article)
    rows.add(outcome)
    if article is not None:  # a file that never loaded was not counted, and has its line
        progress.advance(outcome)


class _Rows:
    """The closing table's rows: a few short strings per article, not the summaries, so a run
    of any size holds little; the table shows the first ``SHOWN`` in input order."""

    SHOWN = 30

    def __init__(self) -> None:
        self._rows: list[tuple[str, int, tuple[str, ...]]] = []

    def add(self, outcome: Any) -> None:
        from summarizer.pipeline import ArticleFailure

        if isinstance(outcome, ArticleFailure):
            path = outcome.path
            cells = (
                _plain(outcome.path),
                "-",
                "-",
                str(outcome.attempts or "-"),
                f"{outcome.usage.total_tokens:,}",
                f"[red]failed: {_plain(outcome.reason[:80])}[/red]",
            )
        else:
            meta = outcome.metadata
            path = meta.source_path
            cells = (
                _plain(meta.source_path),
                f"{meta.grounding.verified}/{meta.grounding.proposed}",
                str(meta.grounding.rejected),
                str(meta.attempts),
                f"{meta.usage.total_tokens:,}",
                _plain(outcome.headline[:80]),
            )
        self._rows.append((path, len(self._rows), cells))

    def ordered(self, order: dict[str, int]) -> list[tuple[str, ...]]:
        """Input order (``order``: path -> position); files that never loaded first."""
        ranked = sorted(self._rows, key=lambda row: (order.get(row[0], -1), row[1]))
        return [cells for _, _, cells in ranked]


class _Progress:
    """A rich progress bar on a terminal; when output is redirected (a log, CI), a line per
    finished article, so a slow model's first run shows it is working."""

    def __init__(self, *, enabled: bool) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._progress = (
            Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=stderr,
                transient=True,
            )
            if enabled
            else None
        )
        self._task: Any = None
        self._total = 0
        self._done = 0
        self._started = time.monotonic()

    def __enter__(self) -> _Progress:
        if self._progress:
            self._progress.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress:
            self._progress.__exit__(None, None, None)

    def grow(self, count: int) -> None:
        """More articles were read (they are read as the run goes)."""
        self._total += count
        if not self._progress:
            return
        if self._task is None:
            self._task = self._progress.add_task("Summarising", total=self._total)
        else:
            self._progress.update(self._task, total=self._total)

    def advance(self, outcome: Any) -> None:
        self._done += 1
        if self._progress:
            if self._task is not None:
                self._progress.advance(self._task)
            return
        failed = hasattr(outcome, "reason")
        path = outcome.path if failed else outcome.metadata.source_path
        elapsed = time.monotonic() - self._started
        stderr.print(
            f"[{self._done}/{self._total}] {_quoted(path)} {'failed' if failed else 'done'} "
            f"after {elapsed:,.0f} s",
            highlight=False,
        )


def _print_table(result: FolderResult, rows: _Rows, writer: OutputWriter) -> None:
    from rich.table import Table

    table = Table(title=None, show_edge=False, header_style="bold")
    for column in ("article", "verified", "rejected", "attempts", "tokens", "headline"):
        table.add_column(column, overflow="fold")
    ordered = rows.ordered(writer.order)
    for cells in ordered[: _Rows.SHOWN]:
        table.add_row(*cells)
    if ordered:
        stdout.print(table)
    if len(ordered) > _Rows.SHOWN:
        stdout.print(f"... and {len(ordered) - _Rows.SHOWN:,} more", highlight=False)
    usage = result.usage
    where = f" in {_plain(writer.folder)}/" if writer.written else ""
    cached = (
        f", {result.cache_hits} from cache ({result.tokens_saved:,} tokens saved)"
        if result.cache_hits
        else ""
    )
    stdout.print(
        f"{result.summarised} summarised{cached}, {len(result.failures)} failed, "
        f"{usage.total_tokens:,} new tokens ({usage.prompt_tokens:,} prompt + "
        f"{usage.completion_tokens:,} completion){where}",
        highlight=False,
    )
    if result.verify_usage.total_tokens:
        stdout.print(
            f"--verify model check: {result.verify_usage.total_tokens:,} tokens more "
            f"({result.verify_usage.prompt_tokens:,} prompt + "
            f"{result.verify_usage.completion_tokens:,} completion)",
            highlight=False,
        )


CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir", envvar="SUMMARIZER_CACHE_DIR", help="The cache folder.", show_default=False
    ),
]


def _open_cache(cache_dir: Path | None) -> Any:
    from summarizer.cache import ResultCache, default_cache_dir
    from summarizer.errors import ConfigError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the notices are printed below, once
            cache = ResultCache(cache_dir or default_cache_dir())
    except ConfigError as error:
        _usage_error(str(error))
    *earlier, last = cache.notices or [""]
    for notice in earlier if not cache.available else cache.notices:
        stderr.print(f"[yellow]warning:[/yellow] {_plain(notice)}", highlight=False)
    if not cache.available:  # the commands need the cache itself
        _usage_error(last)
    return cache


@cache_app.command("stats", help="Entries, size, and the last run's hits, misses, tokens saved.")
def cache_stats(cache_dir: CacheDirOption = None) -> None:
    with _open_cache(cache_dir) as cache:
        stats = cache.stats()
    run = stats.last_run
    stdout.print(
        f"cache: {_plain(stats.path)}\n"
        f"entries: {stats.entries:,}\n"
        f"size: {stats.size_bytes / 1_000_000:,.2f} MB\n"
        f"tokens stored: {stats.tokens_stored:,}\n"
        f"last run: {run.get('hits', 0):,} hits, {run.get('misses', 0):,} misses, "
        f"{run.get('tokens_saved', 0):,} tokens saved",
        highlight=False,
    )


@cache_app.command("clear", help="Delete every cached result.")
def cache_clear(cache_dir: CacheDirOption = None) -> None:
    with _open_cache(cache_dir) as cache:
        removed = cache.clear()
    stdout.print(f"removed {removed:,} cached result(s) from {_plain(cache.path)}", highlight=False)


@cache_app.command("path", help="Print the cache file's path.")
def cache_path(cache_dir: CacheDirOption = None) -> None:
    from summarizer.cache import FILE_NAME, default_cache_dir

    stdout.print(str((cache_dir or default_cache_dir()) / FILE_NAME), highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
