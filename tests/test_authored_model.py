"""The authored-answer server's pieces: evidence texts to current ids, answers to a schema."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from summarizer.models import ArticleExtraction

SERVER_PATH = Path(__file__).resolve().parent.parent / "bench" / "authored_model.py"


def _server_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("authored_model", SERVER_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["authored_model"] = module
    spec.loader.exec_module(module)
    return module


SENTENCES = [
    ("S1", "The House passed the bill on Friday."),
    ("S2", "“It is a power grab,” McCarthy said."),
    ("S3", "Pelosi said the bill puts people first."),
]
ANSWER: dict[str, Any] = {
    "headline": {"text": "The House passed the bill", "evidence": ["The House passed the bill"]},
    "quotes": [
        {"speaker": "McCarthy", "quote": "It is a power grab", "evidence": ['"It is a power grab']}
    ],
    "disputed_points": [
        {
            "claim": "The bill is a power grab",
            "how_contested": "Pelosi says it puts people first",
            "sides": [
                {"party": "McCarthy", "position": "a power grab", "evidence": ["power grab"]},
                {"party": "Pelosi", "position": "puts people first", "evidence": ["people first"]},
            ],
        }
    ],
}


def test_evidence_text_maps_to_the_current_sentence_ids_whatever_the_quote_marks() -> None:
    server = _server_module()
    assert server.evidence_ids(['"It is a power grab,"'], SENTENCES) == ["S2"]
    # A text the splitter now cuts in two maps to both sentences.
    spanning = "The House passed the bill on Friday. “It is a power grab,”"
    assert server.evidence_ids([spanning], SENTENCES) == ["S1", "S2"]


def test_an_answer_is_shaped_to_the_schema_the_request_asks_for() -> None:
    server = _server_module()
    schema = ArticleExtraction.model_json_schema()
    shaped, served = server.convert(ANSWER, schema, SENTENCES)
    extraction = ArticleExtraction.model_validate(shaped)
    assert extraction.headline.evidence == ["S1"]
    assert extraction.disputed_points[0].sides[1].evidence == ["S3"]
    assert [record["section"] for record in served] == ["headline", "quotes", "disputed_points"]


def test_an_older_schema_gets_quotes_as_events_and_sides_as_parties() -> None:
    server = _server_module()
    legacy = {
        "properties": {
            "headline": {"type": "string"},
            "what": {"type": "array", "items": {"$ref": "#/$defs/Event"}},
            "disputed_points": {"type": "array", "items": {"$ref": "#/$defs/Point"}},
        },
        "$defs": {
            "Event": {"properties": {"description": {"type": "string"}, "evidence": {}}},
            "Point": {
                "properties": {
                    "claim": {},
                    "asserted_by": {},
                    "contested_by": {},
                    "how_contested": {},
                    "evidence": {},
                }
            },
        },
    }
    shaped, _ = server.convert(ANSWER, legacy, SENTENCES)
    assert shaped["headline"] == "The House passed the bill"
    assert shaped["what"] == [
        {"description": 'McCarthy said "It is a power grab"', "evidence": ["S2"]}
    ]
    point = shaped["disputed_points"][0]
    assert (point["asserted_by"], point["contested_by"]) == ("McCarthy", "Pelosi")
    assert point["evidence"] == ["S2", "S3"]
