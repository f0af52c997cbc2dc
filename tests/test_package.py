"""The public surface, and a light start-up."""

from __future__ import annotations

import subprocess
import sys

import summarizer
from summarizer.cli import app
from summarizer.config import DEFAULT_MAX_BYTES


def test_every_public_name_resolves() -> None:
    assert sorted(summarizer.__all__) == sorted(summarizer._EXPORTS)
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None


def test_help_does_not_load_the_llm_stack() -> None:
    # typer itself imports pydantic; what is ours to keep out is checked here.

    probe = (
        "import sys\n"
        "from summarizer.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('openai', 'instructor', 'jinja2', 'httpx2', 'summarizer.models') "
        "if m in sys.modules]\n"
        "print('LOADED', heavy)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert "LOADED []" in output
    assert "--max-bytes" in output


def test_the_cli_size_limit_default_is_the_librarys() -> None:
    import typer.main

    command = typer.main.get_command(app)
    run = command.commands["run"]  # type: ignore[attr-defined]
    [option] = [p for p in run.params if p.name == "max_bytes"]
    assert option.default == DEFAULT_MAX_BYTES


def test_version_and_help_show_what_a_user_types() -> None:
    from importlib.metadata import version

    from typer.testing import CliRunner

    runner = CliRunner()
    shown = runner.invoke(app, ["--version"], prog_name="summarize")
    assert shown.exit_code == 0
    assert shown.output.strip() == f"summarize {version('evidence-summarizer')}"
    helped = runner.invoke(app, ["--help"], prog_name="summarize", env={"COLUMNS": "200"})
    assert "Usage: summarize [OPTIONS]" in helped.output  # not "summarize run"
    assert "summarize run" not in helped.output
    assert "summarize cache stats" in helped.output  # the other commands are named
    assert "json|jsonl|md|html" in helped.output  # choices, not <str>
    assert "tools|json_schema|json|md_json" in helped.output
    wrong = runner.invoke(app, ["x", "--format", "pdf"], prog_name="summarize")
    assert wrong.exit_code == 2
    assert "summarize run" not in wrong.output


def test_a_misspelt_library_option_fails_at_the_call_naming_it() -> None:
    import pytest

    from summarizer import ConfigError, Options, summarize_folder

    with pytest.raises(ConfigError, match=r"unknown option 'concurency' .*'concurrency'"):
        summarize_folder("nowhere/", concurency=4)
    with pytest.raises(ConfigError, match="--mode must be one of tools"):
        Options(mode="xml")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="--cache-dir"):
        Options(cache_dir=3)  # type: ignore[arg-type]
    assert Options(mode="json").mode == "json"  # type: ignore[arg-type]
