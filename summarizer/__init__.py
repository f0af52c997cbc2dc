"""summarizer: folders of news articles into evidence-backed structured summaries.

    from summarizer import summarize_folder
    result = summarize_folder("seeds/", model="local")
    for summary in result.summaries:
        print(summary.headline, summary.metadata.grounding.score)

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
    "Sampling": "summarizer.llm",
    "resolve_backend": "summarizer.llm",
    "Article": "summarizer.models",
    "ArticleExtraction": "summarizer.models",
    "ArticleSummary": "summarizer.models",
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
    "ModelError",
    "PromptError",
    "Sampling",
    "SourceError",
    "Summarizer",
    "SummarizerError",
    "asummarize_folder",
    "load_file",
    "load_paths",
    "make_article",
    "open_summarizer",
    "read_articles",
    "render_html",
    "render_markdown",
    "resolve_backend",
    "summarize_article",
    "summarize_folder",
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
    from summarizer.errors import (
        ConfigError,
        LocalServerError,
        ModelError,
        PromptError,
        SourceError,
        SummarizerError,
    )
    from summarizer.llm import Backend, Sampling, resolve_backend
    from summarizer.models import Article, ArticleExtraction, ArticleSummary
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
    from summarizer.render import render_html, render_markdown
    from summarizer.sources import load_file, load_paths, make_article, read_articles
