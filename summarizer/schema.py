"""Generate ``schemas/*.schema.json`` from the models: ``python -m summarizer.schema [DIR]``.

A test fails when the committed files drift from the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from summarizer.models import ArticleExtraction, ArticleSummary, StoryAlignment, StorySummary

SCHEMAS: dict[str, type[BaseModel]] = {
    # What users get back.
    "article_summary": ArticleSummary,
    "story_summary": StorySummary,
    # What the model is asked to fill in.
    "article_extraction": ArticleExtraction,
    "story_alignment": StoryAlignment,
}


def schema_texts() -> dict[str, str]:
    """File name -> JSON Schema text, for every published model."""
    texts = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema(mode="serialization")
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
        texts[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return texts


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "schemas"
    )
    for path in write_schemas(target):
        print(path)
