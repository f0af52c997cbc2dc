"""Every code block of the README runs as written.

The embedded model is stood in for by the fake OpenAI-compatible server (the real one is slow
and exercised by the recorded tests), and the example server URL is pointed at it; otherwise
the Python blocks run unchanged and each `summarize` line of the shell blocks runs through the
CLI, in a folder laid out as the examples expect (seeds/, news/, a.txt, b.md).
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from tests.conftest import ROOT, SEEDS
from tests.fake_server import FakeModelServer

README = (ROOT / "README.md").read_text()
EXAMPLE_SERVER = "http://localhost:11434/v1"
# Lines that need what a test has not: a hosted API key, the embedded model's own server
# (re-recording), or a benchmark run of minutes.
NOT_RUN = ("OPENAI_API_KEY", "--model gpt-", "--record-mode", "bench/")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)


def _summarize_lines() -> list[str]:
    lines = []
    for block in _blocks("sh")[2:]:  # the first two are the install and test commands
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("summarize") and not any(s in line for s in NOT_RUN):
                lines.append(command)
    return lines


class _StandIn:
    """In place of the embedded llama.cpp server: the fake server, started the same way."""

    server: FakeModelServer

    def __init__(self, **_options: Any) -> None:
        self._fake = FakeModelServer(grounded=True)

    @property
    def base_url(self) -> str:
        return self._fake.base_url

    def __enter__(self) -> _StandIn:
        self._fake.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._fake.__exit__(*exc_info)


@pytest.fixture
def example_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A folder laid out as the examples expect, and the URL standing in for their server."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copytree(ROOT / "tests" / "data" / "story", tmp_path / "news" / "pompeo-visit")
    (tmp_path / "a.txt").write_text("date 2020-02-03\nPompeo met Tleuberdi in Nur-Sultan.\n")
    (tmp_path / "b.md").write_text("---\ntitle: Talks\n---\nThe talks ended on Monday.\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("summarizer.local.LocalServer", _StandIn)
    with FakeModelServer(grounded=True) as server:
        yield server.base_url


def test_the_readme_has_the_blocks_this_test_runs() -> None:
    assert len(_blocks("python")) >= 1
    assert len(_summarize_lines()) >= 5


@pytest.mark.parametrize("block", _blocks("python"), ids=lambda b: b.splitlines()[0][:40])
def test_python_blocks_run_as_written(block: str, example_server: str) -> None:
    code = block.replace(EXAMPLE_SERVER, example_server)
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})


@pytest.mark.parametrize("line", _summarize_lines())
def test_shell_lines_run_as_written(line: str, example_server: str) -> None:
    arguments = shlex.split(line.replace(EXAMPLE_SERVER, example_server))[1:]
    result = CliRunner().invoke(app, arguments, prog_name="summarize")
    assert result.exit_code == 0, f"{line}\n{result.output}"
    assert "Traceback" not in result.output
