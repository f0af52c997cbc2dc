"""The checker for hand-authored fixtures (bench/authored/check_authored.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKER_PATH = REPO_ROOT / "bench" / "authored" / "check_authored.py"


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_authored", CHECKER_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_authored"] = module
    spec.loader.exec_module(module)
    return module


def write_fixture(root: Path, answer: dict[str, object], planted: Sequence[object]) -> Path:
    devset = root / "devset" / "cluster"
    devset.mkdir(parents=True)
    text = (
        "Alice Smith said the plan was sound on Monday. Bob Jones called it \u201creckless.\u201d"
    )
    (devset / "fox.json").write_text(json.dumps({"text": text}), encoding="utf-8")
    for section, content in (("articles", answer), ("planted", planted)):
        folder = root / "authored" / section / "cluster"
        folder.mkdir(parents=True)
        if section == "planted":
            content = {"authored": True, "article": "cluster/fox.json", "planted": content}
        (folder / "fox.json").write_text(json.dumps(content), encoding="utf-8")
    return root


def answer_with(
    quote_evidence: list[str], who_evidence: list[str] | None = None
) -> dict[str, object]:
    quote = {
        "speaker": "Bob Jones",
        "role": "critic",
        "quote": "reckless.",
        "evidence": quote_evidence,
    }
    who = [{"name": "Bob Jones", "kind": "person", "role": "critic", "evidence": who_evidence}]
    return {
        "authored": True,
        "article": "cluster/fox.json",
        "headline": {"text": "Plan divides", "evidence": ["Alice Smith said the plan was sound"]},
        "who": who if who_evidence else [],
        "what": [],
        "where": [],
        "when": [],
        "key_figures": [],
        "quotes": [quote],
        "disputed_points": [],
    }


def test_a_clean_fixture_has_no_problems(checker: ModuleType, tmp_path: Path) -> None:
    answer = answer_with(["Bob Jones called it \u201creckless.\u201d"])
    root = write_fixture(tmp_path, answer, [])
    problems, _, _ = checker.check_all(root / "authored", root / "devset")
    assert problems == []


def test_evidence_crossing_a_sentence_end_and_short_spans_are_reported(
    checker: ModuleType, tmp_path: Path
) -> None:
    answer = answer_with(["sound on Monday. Bob Jones called it"], who_evidence=["Bob Jones"])
    root = write_fixture(tmp_path, answer, [])
    problems, _, _ = checker.check_all(root / "authored", root / "devset")
    assert any("not verbatim inside one sentence" in p for p in problems)
    assert any("shorter than 25 chars: 'Bob Jones'" in p for p in problems)


def test_planted_entries_are_checked_against_the_answer(
    checker: ModuleType, tmp_path: Path
) -> None:
    answer = answer_with(["Bob Jones called it \u201creckless.\u201d"])
    quote = answer["quotes"][0]  # type: ignore[index]
    planted = [
        {"kind": "misattributed_quote", "section": "quotes", "replaces": 0, "item": quote,
         "why_wrong": "unchanged"},
        {"kind": "made_up", "section": "what", "replaces": 3,
         "item": {"description": "x", "evidence": ["Alice Smith said the plan was sound"]},
         "why_wrong": "x"},
    ]  # fmt: skip
    root = write_fixture(tmp_path, answer, planted)
    problems, counts, _ = checker.check_all(root / "authored", root / "devset")
    assert any("identical to the one it replaces" in p for p in problems)
    assert any("must change one of ['speaker']" in p for p in problems)
    assert any("unknown kind 'made_up'" in p for p in problems)
    assert any("replaces 3 outside" in p for p in problems)
    assert counts == {"misattributed_quote": 1, "made_up": 1}


def test_every_served_item_has_one_judge_verdict(checker: ModuleType, tmp_path: Path) -> None:
    answer = answer_with(["Bob Jones called it \u201creckless.\u201d"])
    root = write_fixture(tmp_path, answer, [])
    verdicts = root / "authored" / "verdicts" / "cluster"
    verdicts.mkdir(parents=True)
    rows = [
        {"section": "headline", "item": answer["headline"], "supported": True, "reason": ""},
        {"section": "quotes", "item": answer["quotes"][0], "supported": False, "reason": "x"},  # type: ignore[index]
    ]
    (verdicts / "fox.json").write_text(json.dumps({"authored": True, "verdicts": rows}))
    problems, _, _ = checker.check_all(root / "authored", root / "devset")
    assert problems == []
    stray = {"description": "not served", "evidence": ["Alice Smith said the plan was sound"]}
    rows = [rows[0], {"section": "what", "item": stray, "supported": "yes", "reason": ""}]
    (verdicts / "fox.json").write_text(json.dumps({"authored": True, "verdicts": rows}))
    problems, _, _ = checker.check_all(root / "authored", root / "devset")
    assert any("no verdict for" in p and "reckless" in p for p in problems)
    assert any("a verdict for an item not served" in p for p in problems)
    assert any("'supported' must be true or false" in p for p in problems)
