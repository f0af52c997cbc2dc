"""What the tool writes cannot be turned against its reader: hostile article text and model
answers stay inert in the Markdown report, and killed runs leave nothing behind for long."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from summarizer.config import OutputFormat
from summarizer.models import (
    OUTPUTS_LIST,
    ArticleExtraction,
    GroundingReport,
    SummaryMetadata,
    TokenUsage,
)
from summarizer.output import OutputWriter, write_atomic
from summarizer.render import render_markdown
from summarizer.sources import make_article
from summarizer.summary import build_summary

HOSTILE = make_article(
    "Mike Pompeo met officials in Nur-Sultan.\n"
    "# Breaking: <script>alert(1)</script> [click here](javascript:alert(2)) said Mike Pompeo.",
    path="news/<img src=x onerror=alert(3)>.txt",
)


def _hostile_summary() -> object:
    extraction = ArticleExtraction.model_validate(
        {
            "headline": {
                "text": "# Breaking: <script>alert(1)</script> [click here](javascript:alert(2)) "
                "said Mike Pompeo.",
                "evidence": ["S2"],
            },
            "who": [
                {
                    "name": "Mike Pompeo",
                    "kind": "person",
                    "role": "**bold** `code` <b>visitor</b>\n# injected heading",
                    "evidence": ["S1", "S2"],
                }
            ],
        }
    )
    metadata = SummaryMetadata(
        source_path=HOSTILE.path, article_id=HOSTILE.id, sentence_count=len(HOSTILE.sentences),
        model="m", backend="local", mode="tools", prompt_version="p@1", usage=TokenUsage(),
        attempts=1, grounding=GroundingReport(proposed=0, verified=0, rejected=0, score=1.0),
    )  # fmt: skip
    return build_summary(extraction, HOSTILE, metadata)


def test_markdown_report_escapes_html_and_markdown_from_articles_and_answers() -> None:
    report = render_markdown([_hostile_summary()])  # type: ignore[list-item]
    assert "<" not in report
    # The only ">" left opens the report's own trust banner (a blockquote).
    assert [line for line in report.splitlines() if ">" in line and not line.startswith("> ")] == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "here](javascript:" not in report  # the link is shown as text, not made a link
    assert "\\[click here\\]" in report
    headings = [line for line in report.splitlines() if line.startswith("#")]
    assert headings == [headings[0]] + [h for h in headings[1:] if h.startswith("## ")]
    assert headings[0].startswith("# \\# Breaking: &lt;script&gt;")  # one heading, ours
    assert "\\*\\*bold\\*\\*" in report
    assert "\\`code\\`" in report
    assert "\\# injected heading" in report


def test_a_killed_runs_temporary_files_are_removed_by_the_next_run(tmp_path: Path) -> None:
    # A process that dies between creating its temporary file and renaming it (SIGKILL).
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from summarizer.output import _atomic_output\n"
        "with _atomic_output(Path(sys.argv[1])):\n"
        "    os._exit(9)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.json")], env=env, check=False)
    leftovers = list(tmp_path.glob(".a.json.*.tmp"))
    assert len(leftovers) == 1
    assert leftovers[0].stat().st_size == 0

    with OutputWriter(tmp_path, OutputFormat.JSON) as writer:
        writer.add(_hostile_summary())  # type: ignore[arg-type]
    assert not list(tmp_path.glob(".*.tmp"))


def test_every_file_written_is_listed_as_an_output(tmp_path: Path) -> None:
    with OutputWriter(tmp_path, OutputFormat.MD) as writer:
        writer.add(_hostile_summary())  # type: ignore[arg-type]
    write_atomic(tmp_path / "story.json", "{}")
    listed = (tmp_path / OUTPUTS_LIST).read_text().splitlines()
    assert sorted(listed) == ["report.md", "story.json"]


def test_an_input_in_the_output_folder_is_never_overwritten(tmp_path: Path) -> None:
    article = tmp_path / "a.json"
    article.write_text('{"text": "The council met on Monday. It approved the budget."}')
    summary = _hostile_summary()
    moved = summary.model_copy(  # type: ignore[attr-defined]
        update={"metadata": summary.metadata.model_copy(update={"source_path": str(article)})}  # type: ignore[attr-defined]
    )
    with OutputWriter(tmp_path, OutputFormat.JSON) as writer:  # -o the input folder itself
        writer.expect([str(article)])
        written = writer.add(moved)
    assert written != article
    assert written.name.startswith("a-")
    assert article.read_text().startswith('{"text": "The council met')
