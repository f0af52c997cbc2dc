"""The committed JSON Schemas match the models, and the models accept what they should."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from summarizer.models import ArticleExtraction, normalise_sentence_ref
from summarizer.schema import schema_texts
from tests.conftest import ROOT


def test_committed_schemas_match_the_models() -> None:
    for name, text in schema_texts().items():
        committed = ROOT / "schemas" / name
        assert committed.exists(), f"{committed} missing: run python -m summarizer.schema"
        assert committed.read_text() == text, (
            f"{committed} is stale: run python -m summarizer.schema"
        )


@pytest.mark.parametrize("name", ["article_extraction", "story_alignment"])
def test_every_model_field_the_model_fills_is_described(name: str) -> None:
    schema = json.loads(schema_texts()[f"{name}.schema.json"])
    for definition in [schema, *schema["$defs"].values()]:
        for name, field in definition["properties"].items():
            assert field.get("description"), f"{definition['title']}.{name} has no description"


@pytest.mark.parametrize("written", ["S3", "[S3]", "s3", "3", 3, " S3 "])
def test_sentence_references_are_normalised(written: object) -> None:
    assert normalise_sentence_ref(written) == "S3"


def test_items_without_evidence_or_with_bad_ids_are_invalid() -> None:
    base = {"headline": {"text": "Talks held.", "evidence": ["S1"]}}
    with pytest.raises(ValidationError, match="evidence"):
        ArticleExtraction.model_validate({**base, "what": [{"description": "x", "evidence": []}]})
    with pytest.raises(ValidationError, match="pattern"):
        ArticleExtraction.model_validate(
            {**base, "what": [{"description": "x", "evidence": ["sentence two"]}]}
        )
