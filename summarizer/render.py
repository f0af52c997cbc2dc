"""Rendering summaries and stories as JSON, Markdown and self-contained HTML: pure functions
from models to text. Writing them to disk is ``summarizer.output``'s job."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sized
from pathlib import Path

import jinja2
from markupsafe import Markup

from summarizer.models import (
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


def render_json(summary: ArticleSummary) -> str:
    return summary.model_dump_json(indent=2) + "\n"


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
        render_html_article(article, summary, anchor=f"a{number}")
        for number, (article, summary) in enumerate(entries, start=1)
    ]
    head, tail = html_page(title or "Summaries", len(parts))
    return head + "".join(parts) + tail


_BODY_MARK = "\x00body\x00"


def html_page(title: str, count: int) -> tuple[str, str]:
    """The report page around its articles: what comes before them, and after."""
    page = _HTML.get_template("report.html.j2").render(
        title=title, count=count, body=Markup(_BODY_MARK)
    )
    head, _, tail = page.partition(_BODY_MARK)
    return head, tail


def render_html_article(article: Article, summary: ArticleSummary, *, anchor: str) -> str:
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
        if coverage.details_only_here:
            out.append("  - details of shared items that only this source gives:")
            for c in coverage.details_only_here:
                out.append(f"    - {_md(c.text)} ({'/'.join(c.sentences)})")
                out += _quoted(c, "      ")
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
