"""One error tree for the whole library.

Library code raises these (wrapping SDK and tenacity errors with ``raise ... from``); only the
CLI turns them into messages and exit codes. Every message says what to do about it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class SummarizerError(Exception):
    """Base of every error the library raises on purpose."""


class ConfigError(SummarizerError):
    """A setting is missing or wrong (no backend, bad option, missing extra)."""


class SourceError(SummarizerError):
    """One input file cannot be read as an article. Names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class PromptError(SummarizerError):
    """A prompt template is missing, invalid, or rendered without a variable it needs."""


class ModelError(SummarizerError):
    """The model could not produce a valid summary.

    ``attempts`` counts the model calls made, ``usage`` the tokens they cost, so a caller can
    account for what a failure spent.
    """

    def __init__(
        self,
        message: str,
        *,
        attempts: int = 0,
        transport_retries: int = 0,
        usage: Any = None,
    ) -> None:
        self.attempts = attempts
        self.transport_retries = transport_retries
        self.usage = usage
        super().__init__(message)


class LocalServerError(ModelError):
    """The embedded llama.cpp server could not be started or answered badly."""
