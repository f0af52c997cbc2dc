"""Output formats: one JSON file per article, or one JSONL, Markdown or HTML file per run.

Every file is written atomically (temporary file in the same folder, then rename), so an
interrupted run never leaves a partial or corrupt output behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import jinja2
from markupsafe import Markup

from summarizer.config import OutputFormat
from summarizer.models import (
    OUTPUTS_LIST,
    SECTIONS,
    Article,
    ArticleSummary,
    Citation,
    LocatedKeyFigure,
    RejectedItem,
    Sentence,
    StorySource,
    StorySummary,
    SummaryMetadata,
)

# Formats that hold the whole run in one file, and that file's name.
RUN_FILES = {"jsonl": "summaries.jsonl", "md": "report.md", "html": "report.html"}


# Read once, at import, because os.umask can only be read by setting it.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    with _atomic_output(path) as stream:
        stream.write(text.encode("utf-8"))


@contextmanager
def _atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A stream whose content replaces ``path`` whole when the block ends without error.

    Renaming a finished temporary file means no reader, and no killed run, ever leaves a
    partial file. There is no fsync: results are durable in the cache, and a crash of the
    machine itself loses at most outputs a re-run rewrites from it at once. The temporary
    file's name carries this process's id, so the next run removes what a killed one left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _prepare_output_folder(path.parent, path.name)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp"
    )
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)  # as an ordinary new file, not mkstemp's 0600
        with os.fdopen(handle, "wb") as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_LEFTOVER = re.compile(r"^\..+\.(\d+)-[^.]+\.tmp$")
_listed: dict[Path, set[str]] = {}
_listing_lock = threading.Lock()


def _prepare_output_folder(folder: Path, name: str) -> None:
    """The first time this process writes into ``folder``: remove temporary files of killed
    runs. Every time: list ``name`` among the files summarize wrote there (before the file
    exists), so a later run over a folder holding its outputs never reads them as articles."""
    with _listing_lock:
        listed = _listed.get(folder)
        if listed is None:
            _remove_leftovers(folder)
            listed = _listed[folder] = _read_listing(folder)
        if name in listed:
            return
        with open(folder / OUTPUTS_LIST, "a", encoding="utf-8") as listing:
            listing.write(name + "\n")
        listed.add(name)


def _read_listing(folder: Path) -> set[str]:
    try:
        return set((folder / OUTPUTS_LIST).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return set()


def _remove_leftovers(folder: Path) -> None:
    for entry in os.scandir(folder):
        match = _LEFTOVER.match(entry.name)
        if match and not _process_alive(int(match.group(1))):
            Path(entry.path).unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def render_json(summary: ArticleSummary) -> str:
    return summary.model_dump_json(indent=2) + "\n"


def output_stem(summary: ArticleSummary, taken: set[str]) -> str:
    """The source file's name without extension; a source whose name is taken gets a short
    hash of its path (and content) appended, so no output overwrites another."""
    return _stem_for(summary.metadata.source_path, taken, summary.metadata.article_id)


def _stem_for(
    source_path: str,
    taken: set[str],
    salt: str = "",
    occupied: Callable[[str], bool] = lambda _stem: False,
) -> str:
    source, _, record = source_path.partition("#")
    stem = Path(source).stem or hashlib.sha256(source_path.encode()).hexdigest()[:8]
    if record:  # one record of a JSON/JSONL file: "news#L3" -> "news-L3"
        stem = f"{stem}-{record}"
    candidate, seed = stem, f"{source_path}\n{salt}"
    while candidate in taken or occupied(candidate):
        seed = hashlib.sha256(seed.encode("utf-8", "surrogateescape")).hexdigest()
        candidate = f"{stem}-{seed[:8]}"
    taken.add(candidate)
    return candidate


class OutputWriter:
    """Writes each summary as it arrives, in the chosen format, under ``folder``.

    ``json`` writes a file per article at once. ``jsonl``, ``md`` and ``html`` write one file
    for the run, listing articles in input order however they finish: each result is rendered
    once, on arrival, into a spool file (memory holds only where each part lies), and the run
    file is put together from it atomically -- at checkpoints while the run goes on, spaced so
    that rewriting costs at most a twentieth of the run's time, and on ``close()``. Use it as a
    context manager, so the run file is complete however the run ends."""

    def __init__(self, folder: Path, output_format: OutputFormat) -> None:
        self.folder = folder
        self.format = output_format
        self.written: list[Path] = []
        self.unwritten: list[tuple[Path, str]] = []
        """Outputs that could not be written (a full disk, a folder gone read-only), and why:
        the run goes on, and the caller says which."""
        self._taken: set[str] = set()
        self._stems: dict[str, str] = {}  # source path -> output name, chosen in input order
        self._outputs_before: set[str] | None = None
        self._order: dict[str, int] = {}
        self._spool: IO[bytes] | None = None
        self._parts: list[tuple[tuple[int, int], int, int]] = []  # (order, offset, length)
        self._unwritten = False
        self._next_checkpoint = 0.0
        self._writes: ThreadPoolExecutor | None = None
        self._pending: deque[tuple[Path, Future[None]]] = deque()

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def expect(self, source_paths: Iterable[str]) -> None:
        """Articles of the run, in input order (called as they are read): run files list
        articles in this order, however they finish."""
        for path in source_paths:
            self._order.setdefault(path, len(self._order))
            # Named in input order, not arrival order: the same inputs get the same names.
            if path not in self._stems:
                self._stems[path] = _stem_for(path, self._taken, occupied=self._occupied)

    def add(self, summary: ArticleSummary, article: Article | None = None) -> Path:
        """Write ``summary`` out; the HTML report also needs its ``article``'s text."""
        if self.format == "json":
            stem = self._stems.get(summary.metadata.source_path) or _stem_for(
                summary.metadata.source_path,
                self._taken,
                summary.metadata.article_id,
                occupied=self._occupied,
            )
            path = self.folder / f"{stem}.json"
            self._write_in_background(path, render_json(summary))
            self.written.append(path)
            return path
        arrival = len(self._parts)
        position = self._order.get(summary.metadata.source_path, len(self._order) + arrival)
        if self.format == "jsonl":
            part = summary.model_dump_json() + "\n"
        elif self.format == "md":
            part = render_markdown([summary]) + "\n"
        else:
            if article is None:
                raise ValueError("the HTML report needs each summary's article")
            part = _render_html_article(article, summary, anchor=f"a{position + 1}")
        if self._spool is None:
            self._spool = tempfile.TemporaryFile(prefix="summarizer-run-")  # noqa: SIM115
        data = part.encode("utf-8")
        offset = self._spool.seek(0, os.SEEK_END)
        self._spool.write(data)
        self._parts.append(((position, arrival), offset, len(data)))
        self._unwritten = True
        if time.monotonic() >= self._next_checkpoint:
            self._assemble()
        return self.run_file

    def _occupied(self, stem: str) -> bool:
        """A file of that name is there and summarize did not write it (an input, when the
        output folder is the input folder): it is never overwritten."""
        name = f"{stem}.json"
        if self._outputs_before is None:
            self._outputs_before = _read_listing(self.folder)
        return (self.folder / name).exists() and name not in self._outputs_before

    @property
    def order(self) -> dict[str, int]:
        """Source path -> position in the run's input order."""
        return self._order

    @property
    def run_file(self) -> Path:
        return self.folder / RUN_FILES[self.format]

    def close(self) -> None:
        """Finish every write: the run file with every result added, each article's file."""
        try:
            if self._unwritten:
                self._assemble()
        finally:
            if self._spool is not None:
                self._spool.close()
                self._spool = None
            if self._writes is not None:
                self._writes.shutdown(wait=True)
                self._writes = None
            self._drain(keep=0)

    # Creating and renaming a file costs the kernel far more than rendering it (about 0.8 ms
    # against 0.1 ms here), and the calls release the GIL: a writer thread does them while
    # the run goes on. Few writes wait, so memory stays bounded.
    _MAX_PENDING_WRITES = 64

    def _write_in_background(self, path: Path, text: str) -> None:
        if self._writes is None:
            self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer-out")
        self._pending.append((path, self._writes.submit(write_atomic, path, text)))
        self._drain(keep=self._MAX_PENDING_WRITES)

    def _drain(self, *, keep: int) -> None:
        """Wait until at most ``keep`` writes are pending; note those that failed."""
        while self._pending and (len(self._pending) > keep or self._pending[0][1].done()):
            path, write = self._pending.popleft()
            try:
                write.result()
            except OSError as error:
                self._failed(path, error)

    def _failed(self, path: Path, error: OSError) -> None:
        problem = error.strerror or str(error)
        self.unwritten = [entry for entry in self.unwritten if entry[0] != path]
        self.unwritten.append((path, problem))

    def _assemble(self) -> None:
        started = time.monotonic()
        assert self._spool is not None
        self._spool.flush()
        self._parts.sort()
        try:
            with _atomic_output(self.run_file) as stream:
                if self.format == "html":
                    head, tail = _html_page("Summaries", len(self._parts))
                    stream.write(head.encode("utf-8"))
                for _, offset, length in self._parts:
                    stream.write(os.pread(self._spool.fileno(), length, offset))
                if self.format == "html":
                    stream.write(tail.encode("utf-8"))
        except OSError as error:
            # Tried again at the next checkpoint and at the end; the run goes on meanwhile.
            self._failed(self.run_file, error)
            self._next_checkpoint = time.monotonic() + 5.0
            return
        self.unwritten = [entry for entry in self.unwritten if entry[0] != self.run_file]
        self._unwritten = False
        if self.run_file not in self.written:
            self.written.append(self.run_file)
        elapsed = time.monotonic() - started
        # Rewriting the whole file is O(results): wait twenty times as long as it took, so
        # checkpoints stay a small share of the run however long it grows.
        self._next_checkpoint = time.monotonic() + max(1.0, 20 * elapsed)


_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]{}#|~!])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def _md(text: object) -> str:
    """Article text or a model's answer as inert Markdown text: HTML escaped, Markdown syntax
    (emphasis, links, images, headings, tables, code) backslash-escaped, line breaks joined,
    so it shows as written and cannot add structure, markup or scripts to the report."""
    value = _LINE_BREAKS.sub(" ", str(text))
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SYNTAX.sub(r"\\\1", value)


_cell = _md  # a table cell: a pipe or line break in it would end the cell or the table


def _quotes(spans: Iterable[object]) -> str:
    parts = []
    for span in spans:
        sentence = getattr(span, "sentence", "")
        text = getattr(span, "text", "")
        parts.append(f"[{_md(sentence)}] “{_md(text)}”")
    return " ".join(parts)


EMBEDDED_MODEL_WARNING = (
    "written by the embedded tiny model: its summaries are poor and miss much; what is shown "
    "was checked, but use a capable model for real work"
)
HEADLINE_SOURCES = {
    "article_title": "the article's own title: the model's headline was not supported",
    "article_first_sentence": (
        "the article's first sentence: the model's headline was not supported"
    ),
}


def trust_banner(meta: SummaryMetadata) -> str:
    """What produced a summary and what checked it, in one line for every output."""
    checked = "code checks" + (
        " and a model check" if any(v != "code" for v in meta.verified_by) else ""
    )
    line = f"model {meta.model}; every item shown passed {checked} against the sentences it cites"
    if meta.embedded_model:
        line += f"; {EMBEDDED_MODEL_WARNING}"
    return line


def headline_note(summary: ArticleSummary) -> str:
    """Why the headline shown is not the model's, or "" when it is."""
    return HEADLINE_SOURCES.get(summary.headline_source, "")


def render_markdown(summaries: Iterable[ArticleSummary]) -> str:
    """A readable report: per article, headline, who/what/where/when, figures, disputes, each
    item with its evidence quoted, and rejected items kept apart."""
    out: list[str] = []
    for summary in summaries:
        meta = summary.metadata
        out.append(f"# {_md(summary.headline)}\n")
        if headline_note(summary):
            out.append(f"*Headline: {_md(headline_note(summary))}.*\n")
        out.append(
            f"*Source:* {_md(meta.source_path)} · *published:* {meta.published or 'unknown'} · "
            f"*model:* {_md(meta.model)} · *verified:* {meta.grounding.verified}/"
            f"{meta.grounding.proposed} items · *attempts:* {meta.attempts}\n"
        )
        out.append(f"> {'**Warning:** ' if meta.embedded_model else ''}{trust_banner(meta)}.\n")
        if summary.who:
            out.append("## Who\n")
            out += [
                f"- **{_md(a.name)}** ({a.kind}): {_md(a.role)}  \n  {_quotes(a.evidence_spans)}"
                for a in summary.who
            ]
            out.append("")
        if summary.what:
            out.append("## What\n")
            out += [
                f"- {_md(e.description)}  \n  {_quotes(e.evidence_spans)}" for e in summary.what
            ]
            out.append("")
        if summary.where:
            out.append("## Where\n")
            out += [
                f"- **{_md(p.name)}**: {_md(p.role)}  \n  {_quotes(p.evidence_spans)}"
                for p in summary.where
            ]
            out.append("")
        if summary.when:
            out.append("## When\n")
            out += [
                f"- {_md(t.text)}{f' ({t.date})' if t.date else ''}  \n  "
                f"{_quotes(t.evidence_spans)}"
                for t in summary.when
            ]
            out.append("")
        if summary.key_figures:
            out.append("## Key figures\n")
            out.append("| As written | Normalised | Unit | Counts | Stated by | Evidence |")
            out.append("|---|---|---|---|---|---|")
            for f in summary.key_figures:
                value = f.value
                normalised = ""
                if value is not None:
                    low = "" if value.low is None else f"{value.low:,.10g}"
                    high = "" if value.high is None else f"{value.high:,.10g}"
                    normalised = low if value.kind == "exact" else f"{value.kind}: {low}–{high}"
                out.append(
                    f"| {_cell(f.value_text)} | {normalised} | {_cell(f.unit or '')} | "
                    f"{_cell(f.counts)} | {_cell(f.stated_by or '')} | "
                    f"{_cell(_quotes(f.evidence_spans))} |"
                )
            out.append("")
        if summary.quotes:
            out.append("## Quotes\n")
            out += [
                f"- **{_md(q.speaker)}**{f' ({_md(q.role)})' if q.role else ''}: "
                f"“{_md(q.quote)}”  \n"
                f"  {_quotes(q.evidence_spans)}"
                for q in summary.quotes
            ]
            out.append("")
        if summary.disputed_points:
            out.append("## Disputed points\n")
            for d in summary.disputed_points:
                out.append(f"- **{_md(d.claim)}** ({_md(d.how_contested)})")
                out += [f"  - {_md(side.party)}: {_md(side.position)}" for side in d.sides]
                out.append(f"  {_quotes(d.evidence_spans)}")
            out.append("")
        if summary.rejected:
            out.append("## Rejected (not supported by the article; not facts)\n")
            for item in summary.rejected:
                out.append(f"- {item.section}: {_md(item.item)}: {_md('; '.join(item.reasons))}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_HTML = jinja2.Environment(
    loader=jinja2.PackageLoader("summarizer", "templates"),
    autoescape=True,  # article text and model output are data, never markup
    undefined=jinja2.StrictUndefined,
)


def _paragraphs(article: Article) -> list[list[Sentence]]:
    paragraphs: list[list[Sentence]] = [[]]
    previous_end = 0
    for sentence in article.sentences:
        if "\n" in article.text[previous_end : sentence.start] and paragraphs[-1]:
            paragraphs.append([])
        paragraphs[-1].append(sentence)
        previous_end = sentence.end
    return paragraphs


def _item_text(section: str, item: object) -> str:
    def get(name: str) -> str:
        return str(getattr(item, name, "") or "")

    if section == "who":
        return f"{get('name')} ({get('kind')}): {get('role')}"
    if section == "where":
        return f"{get('name')}: {get('role')}"
    if section == "when":
        date = get("date")
        return f"{get('text')}" + (f" ({date})" if date else "")
    if section == "disputed_points":
        sides = "; ".join(f"{side.party}: {side.position}" for side in getattr(item, "sides", []))
        return f"{get('claim')} ({get('how_contested')}). {sides}"
    if section == "quotes":
        role = get("role")
        return f"{get('speaker')}{f' ({role})' if role else ''}: “{get('quote')}”"
    return str(get("description"))


def _figure_value(figure: LocatedKeyFigure) -> str:
    value = figure.value
    if value is None:
        return ""
    low = "" if value.low is None else f"{value.low:,.10g}"
    high = "" if value.high is None else f"{value.high:,.10g}"
    return low if value.kind == "exact" else f"{value.kind}: {low}–{high}"


def _rejected_text(rejected: RejectedItem) -> str:
    return "; ".join(f"{k}: {v}" for k, v in rejected.item.items() if k != "evidence")


def render_html(entries: Iterable[tuple[Article, ArticleSummary]], title: str = "") -> str:
    """One self-contained page (no network assets): each article's text with every item's
    evidence highlighted; clicking an item scrolls to and marks its evidence; rejected items
    are shown apart."""
    parts = [
        _render_html_article(article, summary, anchor=f"a{number}")
        for number, (article, summary) in enumerate(entries, start=1)
    ]
    head, tail = _html_page(title or "Summaries", len(parts))
    return head + "".join(parts) + tail


_BODY_MARK = "\x00body\x00"


def _html_page(title: str, count: int) -> tuple[str, str]:
    """The report page around its articles: what comes before them, and after."""
    page = _HTML.get_template("report.html.j2").render(
        title=title, count=count, body=Markup(_BODY_MARK)
    )
    head, _, tail = page.partition(_BODY_MARK)
    return head, tail


def _render_html_article(article: Article, summary: ArticleSummary, *, anchor: str) -> str:
    sections = [
        (label, name, getattr(summary, name))
        for label, name in (
            ("Who", "who"),
            ("What", "what"),
            ("Where", "where"),
            ("When", "when"),
            ("Quotes", "quotes"),
            ("Disputed points", "disputed_points"),
        )
    ]
    cited = {
        sentence_id
        for name in SECTIONS
        for item in getattr(summary, name)
        for sentence_id in item.evidence
    }
    entry = {
        "anchor": anchor,
        "summary": summary,
        "paragraphs": _paragraphs(article),
        "sections": sections,
        "cited": cited,
    }
    return _HTML.get_template("report_article.html.j2").render(
        entry=entry,
        banner=trust_banner(summary.metadata),
        headline_note=headline_note(summary),
        item_text=_item_text,
        figure_value=_figure_value,
        rejected_text=_rejected_text,
    )


# --------------------------------------------------------------------------------------------
# One story, many sources
# --------------------------------------------------------------------------------------------

STORY_FILES = {"json": "story.json", "md": "story.md", "html": "story.html"}
# Source colours for the HTML story: distinguishable, and legible behind black text.
SOURCE_COLOURS = (
    "#ffd166", "#8ecae6", "#b5e48c", "#f4a3c0", "#cdb4db", "#f7b267", "#90e0c9", "#d4d4aa",
)  # fmt: skip


def render_story_json(story: StorySummary) -> str:
    return story.model_dump_json(indent=2) + "\n"


def _cite(citations: Iterable[Citation]) -> str:
    return ", ".join(f"{c.source} {'/'.join(c.sentences)}" for c in citations)


def _quoted(citation: Citation, indent: str = "  ") -> list[str]:
    """Each cited sentence's text beside its id, one line each."""
    return [f"{indent}> {citation.source} {s.id}: {_md(s.text)}" for s in citation.cited]


def _source_name(source: StorySource) -> str:
    """ "Fox News: House approves ..." or the file name when the input names no outlet."""
    name = source.outlet or ""
    if source.title:
        name = f"{name}: {source.title}" if name else source.title
    return _md(name or Path(source.path).name)


def render_story_markdown(story: StorySummary) -> str:
    """The story as Markdown: sources by name, where they disagree, the figures compared,
    disputes, merged items with each source's wording and the sentences cited ("A S3" =
    source A, sentence 3, quoted), what each source alone reports."""
    meta = story.metadata
    out = [f"# Story: {len(story.sources)} sources\n", "## Sources\n"]
    out += [
        f"- **{s.label}** {_source_name(s)} ({s.published or 'date unknown'}) {_md(s.path)}"
        for s in story.sources
    ]
    out.append("")
    names = {s.label: _md(s.outlet or f"source {s.label}") for s in story.sources}
    if story.discrepancies:
        out.append("## Where the sources disagree\n")
        for found in story.discrepancies:
            out.append(f"- **{found.kind}**: {_md(found.about)}")
            out.append(f"  - why: {_md(found.explanation)} ({found.found_by})")
            for side in found.sides:
                out.append(
                    f"  - {side.source} ({names.get(side.source, side.source)}) says "
                    f"“{_md(side.says)}”: {_md(side.citation.text)}"
                )
                out += _quoted(side.citation, "    ")
        out.append("")
    if story.key_figures:
        out.append("## Figures compared across sources\n")
        out.append("| Counts | Status | Values (source: as written) | Why |")
        out.append("|---|---|---|---|")
        for figure in story.key_figures:
            values = "; ".join(
                f"{v.source} {'/'.join(v.sentences)}: {v.value_text}" for v in figure.values
            )
            out.append(
                f"| {_cell(figure.counts)} | **{figure.status.replace('_', ' ')}** | "
                f"{_cell(values)} | {_cell(figure.explanation)} |"
            )
        out.append("")
        compared = [f for f in story.key_figures if f.status != "single_source"]
        if compared:
            out.append("Sentences of the figures given by several sources:\n")
            for figure in compared:
                out.append(f"- {_md(figure.counts)}")
                out += [
                    f"  > {v.source} {s.id}: {_md(s.text)}" for v in figure.values for s in v.cited
                ]
            out.append("")
    if story.disputed_points:
        out.append("## Disputed points\n")
        for dispute in story.disputed_points:
            kind = "between parties" if dispute.kind == "between_parties" else "between sources"
            out.append(f"- **{_md(dispute.claim)}** ({kind})")
            quoted: set[tuple[str, tuple[str, ...]]] = set()
            for party in dispute.sides:
                out.append(
                    f"  - {_md(party.held_by)}: {_md(party.position)} ({_cite([party.citation])})"
                )
                key = (party.citation.source, tuple(party.citation.sentences))
                if key not in quoted:  # both sides of one source's item cite one set
                    quoted.add(key)
                    out += _quoted(party.citation, "    ")
        out.append("")
    if story.who:
        out.append("## Who\n")
        for actor in story.who:
            spellings = ", ".join(f"{_md(v.name)} ({', '.join(v.sources)})" for v in actor.variants)
            out.append(f"- **{_md(actor.name)}** ({actor.kind}); spellings: {spellings}")
            for c in actor.roles:
                out.append(f"  - {c.source} {'/'.join(c.sentences)}: {_md(c.text)}")
                out += _quoted(c, "    ")
        out.append("")
    for title, events in (("What", story.what),):
        if events:
            out.append(f"## {title}\n")
            for event in events:
                out.append(f"- {_md(event.description)}")
                for c in event.reported_by:
                    out.append(f"  - {c.source} {'/'.join(c.sentences)}: {_md(c.text)}")
                    out += _quoted(c, "    ")
            out.append("")
    if story.where:
        out.append("## Where\n")
        for place in story.where:
            out.append(f"- **{_md(place.name)}**")
            for c in place.roles:
                out.append(f"  - {c.source} {'/'.join(c.sentences)}: {_md(c.text)}")
                out += _quoted(c, "    ")
        out.append("")
    if story.when:
        out.append("## When\n")
        for t in story.when:
            out.append(f"- {_md(t.text)}{f' ({t.date})' if t.date else ''}")
            for c in t.reported_by:
                out.append(f"  - {c.source} {'/'.join(c.sentences)}: {_md(c.text)}")
                out += _quoted(c, "    ")
        out.append("")
    out.append("## What only one source reports\n")
    for coverage in story.coverage:
        out.append(
            f"- **{coverage.source}** ({names.get(coverage.source, coverage.source)}): "
            f"{_count(coverage.only_here, 'item')} of its own, {coverage.shared_items} shared"
        )
        for c in coverage.only_here:
            out.append(f"  - {_md(c.text)} ({'/'.join(c.sentences)})")
            out += _quoted(c, "    ")
    out.append("")
    if story.rejected:
        out.append("## Alignments rejected (the model linked items code could not confirm)\n")
        out += [
            f"- {r.kind} {', '.join(r.items)}: {_md('; '.join(r.reasons))}" for r in story.rejected
        ]
        out.append("")
    report = meta.alignment
    out.append(
        f"*Model:* {_md(meta.model)} · *alignment:* {report.verified} of {report.proposed} "
        f"proposals confirmed, {report.rejected} rejected, {report.calls} request(s), "
        f"{report.levels} level(s), {report.tokens:,} tokens"
        + (" (from cache)" if meta.cache_hit else "")
    )
    if meta.embedded_model:
        out.append(f"\n> **Warning:** {EMBEDDED_MODEL_WARNING}.")
    out += [f"\n*Note:* {_md(note)}" for note in meta.notes]
    return "\n".join(out).rstrip() + "\n"


def _count(items: Sized, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def render_story_html(story: StorySummary) -> str:
    """The story as one self-contained page, each source in its own colour."""
    colours = {
        source.label: SOURCE_COLOURS[position % len(SOURCE_COLOURS)]
        for position, source in enumerate(story.sources)
    }
    return _HTML.get_template("story.html.j2").render(story=story, colours=colours)
