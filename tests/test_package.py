"""The public surface, and a light start-up."""

from __future__ import annotations

import subprocess
import sys

import summarizer
from summarizer.cli import app
from summarizer.sources import DEFAULT_MAX_BYTES


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
