"""summarizer: folders of news articles into evidence-backed structured summaries.

    from summarizer import summarize_folder
    result = summarize_folder("seeds/", model="local")
    for summary in result.summaries:
        print(summary.headline, summary.metadata.grounding.score)

    from summarizer import summarize_story
    story = summarize_story("seeds/", model="local").story   # one story of all the articles

Names are imported on first use, so ``summarize --help`` does not load the LLM stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ConfigError": "summarizer.errors",
    "LocalServerError": "summarizer.errors",
    "ModelError": "summarizer.errors",
    "PromptError": "summarizer.errors",
    "SourceError": "summarizer.errors",
    "SummarizerError": "summarizer.errors",
    "Backend": "summarizer.llm",
    "Sampling": "summarizer.config",
    "Options": "summarizer.config",
    "OutputFormat": "summarizer.config",
    "Mode": "summarizer.config",
    "resolve_backend": "summarizer.llm",
    "Article": "summarizer.models",
    "ArticleExtraction": "summarizer.models",
    "ArticleSummary": "summarizer.models",
    "StorySummary": "summarizer.models",
    "ArticleFailure": "summarizer.pipeline",
    "AsyncSummarizer": "summarizer.pipeline",
    "FolderResult": "summarizer.pipeline",
    "Summarizer": "summarizer.pipeline",
    "asummarize_folder": "summarizer.pipeline",
    "open_summarizer": "summarizer.pipeline",
    "summarize_article": "summarizer.pipeline",
    "summarize_folder": "summarizer.pipeline",
    "render_markdown": "summarizer.render",
    "render_html": "summarizer.render",
    "render_story_markdown": "summarizer.render",
    "render_story_html": "summarizer.render",
    "StoryBuilder": "summarizer.story",
    "StoryResult": "summarizer.story",
    "asummarize_story": "summarizer.story",
    "summarize_story": "summarizer.story",
    "load_file": "summarizer.sources",
    "load_paths": "summarizer.sources",
    "make_article": "summarizer.sources",
    "read_articles": "summarizer.sources",
}

__all__ = [
    "Article",
    "ArticleExtraction",
    "ArticleFailure",
    "ArticleSummary",
    "AsyncSummarizer",
    "Backend",
    "ConfigError",
    "FolderResult",
    "LocalServerError",
    "Mode",
    "ModelError",
    "Options",
    "OutputFormat",
    "PromptError",
    "Sampling",
    "SourceError",
    "StoryBuilder",
    "StoryResult",
    "StorySummary",
    "Summarizer",
    "SummarizerError",
    "asummarize_folder",
    "asummarize_story",
    "load_file",
    "load_paths",
    "make_article",
    "open_summarizer",
    "read_articles",
    "render_html",
    "render_markdown",
    "render_story_html",
    "render_story_markdown",
    "resolve_backend",
    "summarize_article",
    "summarize_folder",
    "summarize_story",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from summarizer.config import Mode, Options, OutputFormat, Sampling
    from summarizer.errors import (
        ConfigError,
        LocalServerError,
        ModelError,
        PromptError,
        SourceError,
        SummarizerError,
    )
    from summarizer.llm import Backend, resolve_backend
    from summarizer.models import Article, ArticleExtraction, ArticleSummary, StorySummary
    from summarizer.pipeline import (
        ArticleFailure,
        AsyncSummarizer,
        FolderResult,
        Summarizer,
        asummarize_folder,
        open_summarizer,
        summarize_article,
        summarize_folder,
    )
    from summarizer.render import (
        render_html,
        render_markdown,
        render_story_html,
        render_story_markdown,
    )
    from summarizer.sources import load_file, load_paths, make_article, read_articles
    from summarizer.story import StoryBuilder, StoryResult, asummarize_story, summarize_story
