"""Output formats: one JSON file per article, or one JSONL, Markdown or HTML file per run.

Every file is written atomically (temporary file in the same folder, then rename), so an
interrupted run never leaves a partial or corrupt output behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sized
from pathlib import Path
from typing import Literal

import jinja2

from summarizer.models import (
    Article,
    ArticleSummary,
    Citation,
    LocatedKeyFigure,
    RejectedItem,
    Sentence,
    StorySummary,
)

OutputFormat = Literal["json", "jsonl", "md", "html"]
# Formats that hold the whole run in one file, and that file's name.
RUN_FILES = {"jsonl": "summaries.jsonl", "md": "report.md", "html": "report.html"}


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def render_json(summary: ArticleSummary) -> str:
    return summary.model_dump_json(indent=2) + "\n"


def output_stem(summary: ArticleSummary, taken: set[str]) -> str:
    """The source file's name without extension; two sources with one name get the article id
    appended to the second, so no output overwrites another."""
    source, _, record = summary.metadata.source_path.partition("#")
    stem = Path(source).stem or summary.metadata.article_id
    if record:  # one record of a JSON/JSONL file: "news#L3" -> "news-L3"
        stem = f"{stem}-{record}"
    if stem in taken:
        stem = f"{stem}-{summary.metadata.article_id[:8]}"
    taken.add(stem)
    return stem


class OutputWriter:
    """Writes each summary as it arrives, in the chosen format, under ``folder``."""

    def __init__(self, folder: Path, output_format: OutputFormat) -> None:
        self.folder = folder
        self.format = output_format
        self.written: list[Path] = []
        self._taken: set[str] = set()
        self._done: list[tuple[Article | None, ArticleSummary]] = []
        self._order: dict[str, int] = {}

    def expect(self, source_paths: Iterable[str]) -> None:
        """The run's input order: run files list articles in it, however they finish."""
        self._order = {path: position for position, path in enumerate(source_paths)}

    def add(self, summary: ArticleSummary, article: Article | None = None) -> Path:
        """Write ``summary`` out; the HTML report also needs its ``article``'s text."""
        if self.format == "json":
            path = self.folder / f"{output_stem(summary, self._taken)}.json"
            write_atomic(path, render_json(summary))
            self.written.append(path)
            return path
        # A run file is rewritten whole on each result, so what is on disk is always complete.
        self._done.append((article, summary))
        self._done.sort(
            key=lambda done: self._order.get(done[1].metadata.source_path, len(self._order))
        )
        summaries = [s for _, s in self._done]
        path = self.folder / RUN_FILES[self.format]
        if self.format == "jsonl":
            text = "".join(s.model_dump_json() + "\n" for s in summaries)
        elif self.format == "md":
            text = render_markdown(summaries)
        else:
            if any(a is None for a, _ in self._done):
                raise ValueError("the HTML report needs each summary's article")
            text = render_html([(a, s) for a, s in self._done if a is not None])
        write_atomic(path, text)
        if path not in self.written:
            self.written.append(path)
        return path


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _quotes(spans: Iterable[object]) -> str:
    parts = []
    for span in spans:
        sentence = getattr(span, "sentence", "")
        text = getattr(span, "text", "")
        parts.append(f"[{sentence}] “{text}”")
    return " ".join(parts)


def render_markdown(summaries: Iterable[ArticleSummary]) -> str:
    """A readable report: per article, headline, who/what/where/when, figures, disputes, each
    item with its evidence quoted, and rejected items kept apart."""
    out: list[str] = []
    for summary in summaries:
        meta = summary.metadata
        out.append(f"# {summary.headline}\n")
        out.append(
            f"*Source:* `{meta.source_path}` · *published:* {meta.published or 'unknown'} · "
            f"*model:* {meta.model} · *verified:* {meta.grounding.verified}/"
            f"{meta.grounding.proposed} items · *attempts:* {meta.attempts}\n"
        )
        if summary.who:
            out.append("## Who\n")
            out += [
                f"- **{a.name}** ({a.kind}): {a.role}  \n  {_quotes(a.evidence_spans)}"
                for a in summary.who
            ]
            out.append("")
        if summary.what:
            out.append("## What\n")
            out += [f"- {e.description}  \n  {_quotes(e.evidence_spans)}" for e in summary.what]
            out.append("")
        if summary.where:
            out.append("## Where\n")
            out += [
                f"- **{p.name}**: {p.role}  \n  {_quotes(p.evidence_spans)}" for p in summary.where
            ]
            out.append("")
        if summary.when:
            out.append("## When\n")
            out += [
                f"- {t.text}{f' ({t.date})' if t.date else ''}  \n  {_quotes(t.evidence_spans)}"
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
                    f"| {_cell(f.value_text)} | {_cell(normalised)} | {_cell(f.unit or '')} | "
                    f"{_cell(f.counts)} | {_cell(f.stated_by or '')} | "
                    f"{_cell(_quotes(f.evidence_spans))} |"
                )
            out.append("")
        if summary.disputed_points:
            out.append("## Disputed points\n")
            out += [
                f"- **{d.claim}**: asserted by {d.asserted_by}; contested by {d.contested_by} "
                f"({d.how_contested})  \n  {_quotes(d.evidence_spans)}"
                for d in summary.disputed_points
            ]
            out.append("")
        if summary.rejected:
            out.append("## Rejected (not supported by the article; not facts)\n")
            for item in summary.rejected:
                out.append(f"- {item.section}: `{_cell(item.item)}`: {'; '.join(item.reasons)}")
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
        return (
            f"{get('claim')}: asserted by {get('asserted_by')}; contested by "
            f"{get('contested_by')} ({get('how_contested')})"
        )
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
    prepared = []
    for number, (article, summary) in enumerate(entries, start=1):
        sections = [
            (label, name, getattr(summary, name))
            for label, name in (
                ("Who", "who"),
                ("What", "what"),
                ("Where", "where"),
                ("When", "when"),
                ("Disputed points", "disputed_points"),
            )
        ]
        cited = {
            sentence_id
            for name in ("who", "what", "where", "when", "key_figures", "disputed_points")
            for item in getattr(summary, name)
            for sentence_id in item.evidence
        }
        prepared.append(
            {
                "anchor": f"a{number}",
                "summary": summary,
                "paragraphs": _paragraphs(article),
                "sections": sections,
                "cited": cited,
            }
        )
    return _HTML.get_template("report.html.j2").render(
        title=title or "Summaries",
        entries=prepared,
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


def render_story_markdown(story: StorySummary) -> str:
    """The story as Markdown: sources, figure ledger, disputes, merged items with their
    citations ("A S3" = source A, sentence 3), what each source alone reports."""
    meta = story.metadata
    out = [f"# Story: {len(story.sources)} sources\n", "## Sources\n"]
    out += [
        f"- **{s.label}**: {s.title or ''} `{s.path}` ({s.published or 'date unknown'})"
        for s in story.sources
    ]
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
    if story.disputed_points:
        out.append("## Disputed points\n")
        for dispute in story.disputed_points:
            kind = "between parties" if dispute.kind == "between_parties" else "between sources"
            out.append(f"- **{dispute.claim}** ({kind})")
            out += [
                f"  - {side.held_by}: {side.position} ({_cite([side.citation])})"
                for side in dispute.sides
            ]
        out.append("")
    if story.who:
        out.append("## Who\n")
        for actor in story.who:
            spellings = ", ".join(f"{v.name} ({', '.join(v.sources)})" for v in actor.variants)
            out.append(f"- **{actor.name}** ({actor.kind}); spellings: {spellings}")
            out += [f"  - {c.source} {'/'.join(c.sentences)}: {c.text}" for c in actor.roles]
        out.append("")
    for title, events in (("What", story.what),):
        if events:
            out.append(f"## {title}\n")
            out += [f"- {e.description} ({_cite(e.reported_by)})" for e in events]
            out.append("")
    if story.where:
        out.append("## Where\n")
        out += [f"- **{p.name}** ({_cite(p.roles)})" for p in story.where]
        out.append("")
    if story.when:
        out.append("## When\n")
        out += [
            f"- {t.text}{f' ({t.date})' if t.date else ''} ({_cite(t.reported_by)})"
            for t in story.when
        ]
        out.append("")
    out.append("## What only one source reports\n")
    for coverage in story.coverage:
        out.append(
            f"- **{coverage.source}** (`{coverage.path}`): {_count(coverage.only_here, 'item')}"
            f" of its own, {coverage.shared_items} shared"
        )
        out += [f"  - {c.text} ({'/'.join(c.sentences)})" for c in coverage.only_here]
    out.append("")
    if story.rejected:
        out.append("## Alignments rejected (the model linked items code could not confirm)\n")
        out += [f"- {r.kind} {', '.join(r.items)}: {'; '.join(r.reasons)}" for r in story.rejected]
        out.append("")
    report = meta.alignment
    out.append(
        f"*Model:* {meta.model} · *alignment:* {report.verified}/{report.proposed} proposed "
        f"groups confirmed, {report.calls} request(s), {report.levels} level(s) · "
        f"*tokens:* {meta.usage.total_tokens:,}" + (" (from cache)" if meta.cache_hit else "")
    )
    out += [f"\n*Note:* {note}" for note in meta.notes]
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
