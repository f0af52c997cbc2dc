"""Prompt templates: numbered sentences, delimiting, validation, versioning."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import prompts
from summarizer.errors import PromptError
from summarizer.pipeline import ARTICLE_TASK
from summarizer.sources import make_article


def _render(text: str, **extra: object) -> list[dict[str, str]]:
    article = make_article(text, path="a.txt")
    values = {"title": None, "published": None, "sentences": article.sentences, **extra}
    return prompts.load_prompt(ARTICLE_TASK).messages(**values)


def test_article_is_given_as_numbered_sentences_inside_delimiters() -> None:
    system, user = _render("Pompeo met Tleuberdi. They talked trade.\nNo comment followed.")
    assert system["role"] == "system"
    assert user["role"] == "user"
    body = user["content"]
    start, end = body.index("<article>"), body.index("</article>")
    assert body[start:end].splitlines()[1:] == [
        "[S1] Pompeo met Tleuberdi.",
        "[S2] They talked trade.",
        "[S3] No comment followed.",
    ]
    assert "not instructions" in system["content"]


def test_template_syntax_inside_an_article_is_not_executed() -> None:
    _, user = _render("He typed {{ 7 * 7 }} and {% raw %} into the form.")
    assert "{{ 7 * 7 }}" in user["content"]
    assert "49" not in user["content"]


def test_publication_date_and_title_reach_the_prompt() -> None:
    _, user = _render("Text.", title="Talks", published="2020-02-03")
    assert "Title: Talks" in user["content"]
    assert "Published: 2020-02-03" in user["content"]


def test_missing_variable_is_an_error_naming_it() -> None:
    template = prompts.load_template(f"{ARTICLE_TASK}.user")
    with pytest.raises(PromptError, match="sentences"):
        template.render(title=None, published=None)


def _use_prompt_dir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setattr(prompts, "prompt_dir", lambda: folder)
    prompts.load_template.cache_clear()


def test_editing_a_template_changes_the_prompt_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("t.system.j2", "t.user.j2"):
        (tmp_path / name).write_text("Hello {{ who }}\n")
    _use_prompt_dir(monkeypatch, tmp_path)
    before = prompts.load_prompt("t").version
    (tmp_path / "t.user.j2").write_text("Hello again {{ who }}\n")
    prompts.load_template.cache_clear()
    after = prompts.load_prompt("t").version
    prompts.load_template.cache_clear()
    assert before != after
    assert before.startswith("t@")


def test_broken_or_missing_template_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.user.j2").write_text("{% if %}\n")
    _use_prompt_dir(monkeypatch, tmp_path)
    try:
        with pytest.raises(PromptError, match="line 1"):
            prompts.load_template("bad.user")
        with pytest.raises(PromptError, match="not found"):
            prompts.load_template("absent")
    finally:
        prompts.load_template.cache_clear()
