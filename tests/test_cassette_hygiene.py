"""Recorded traffic holds no secrets, and every cassette belongs to a test."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.conftest import CASSETTES, SECRET_REQUEST_HEADERS, SECRET_RESPONSE_HEADERS

SECRET_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_-]{20,}"),
    re.compile(r"org-[A-Za-z0-9]{20,}"),
    re.compile(r"proj_[A-Za-z0-9]{20,}"),
    re.compile(r"bearer\s+\S+", re.IGNORECASE),
    re.compile(r"__cf_bm|_cfuvid"),
]


def _cassettes() -> list[Path]:
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert files, "no cassettes found"
    return files


def test_no_key_like_string_or_cookie_in_any_cassette() -> None:
    for path in _cassettes():
        text = path.read_text()
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"{path.name} holds {pattern.pattern!r}"


def test_no_secret_header_in_any_recorded_request_or_response() -> None:
    forbidden = {h.lower() for h in SECRET_REQUEST_HEADERS} | SECRET_RESPONSE_HEADERS
    for path in _cassettes():
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            for side in ("request", "response"):
                headers = {h.lower() for h in interaction[side].get("headers", {})}
                assert not headers & forbidden, f"{path.name} {side} has {headers & forbidden}"


def test_every_cassette_belongs_to_a_test() -> None:
    tests_dir = CASSETTES.parent / "tests"
    for path in _cassettes():
        module = tests_dir / f"{path.parent.name}.py"
        assert module.exists(), f"{path} has no test module"
        assert f"def {path.stem}(" in module.read_text(), f"{path} has no test; delete it"
