"""Prompt templates: found, validated and rendered from ``prompts/*.j2``.

Templates are data. A template's source text is part of the prompt version (and so of the
cache key), so editing a prompt invalidates exactly the results it shaped. Rendering with a
variable missing is an error that names the variable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from summarizer.errors import PromptError


def prompt_dir() -> Path:
    """The folder holding the templates: inside the package when installed from a wheel,
    the repository's top-level ``prompts/`` in a source checkout or editable install."""
    packaged = Path(__file__).parent / "prompts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class Template:
    name: str
    source: str
    variables: frozenset[str]
    _compiled: jinja2.Template

    def render(self, **values: Any) -> str:
        missing = sorted(self.variables - values.keys())
        if missing:
            raise PromptError(
                f"prompt template {self.name!r} needs variable(s) {', '.join(missing)}"
            )
        try:
            return self._compiled.render(**values)
        except jinja2.UndefinedError as error:
            raise PromptError(f"prompt template {self.name!r}: {error.message}") from error


_ENVIRONMENT = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # prompts are plain text for a model, not HTML
    keep_trailing_newline=True,
)


@cache
def load_template(name: str) -> Template:
    """Load and validate ``prompts/<name>.j2``."""
    path = prompt_dir() / f"{name}.j2"
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise PromptError(f"prompt template {name!r} not found at {path}") from error
    try:
        parsed = _ENVIRONMENT.parse(source)
        compiled = _ENVIRONMENT.from_string(source)
    except jinja2.TemplateSyntaxError as error:
        raise PromptError(f"prompt template {path} line {error.lineno}: {error.message}") from error
    variables = frozenset(jinja2.meta.find_undeclared_variables(parsed))
    return Template(name=name, source=source, variables=variables, _compiled=compiled)


@dataclass(frozen=True)
class PromptPair:
    """A system and a user template used together for one task."""

    task: str
    system: Template
    user: Template

    @property
    def version(self) -> str:
        """``task@hash`` of both templates' text: changes whenever either template does."""
        digest = hashlib.sha256((self.system.source + "\0" + self.user.source).encode())
        return f"{self.task}@{digest.hexdigest()[:12]}"

    def messages(self, **values: Any) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system.render(**values)},
            {"role": "user", "content": self.user.render(**values)},
        ]


def load_prompt(task: str) -> PromptPair:
    """The ``<task>.system.j2`` / ``<task>.user.j2`` pair."""
    return PromptPair(
        task=task,
        system=load_template(f"{task}.system"),
        user=load_template(f"{task}.user"),
    )
