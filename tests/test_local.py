"""The embedded llama.cpp server: starts on loopback, answers, and is gone afterwards."""

from __future__ import annotations

import importlib.util
import json
import urllib.request

import pytest

from summarizer.local import MODEL_ALIAS, LocalServer, model_path

pytestmark = [
    pytest.mark.local_server,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None, reason="needs the [local] extra"
    ),
]


def test_model_file_ships_in_the_package() -> None:
    path = model_path()
    assert path.suffix == ".gguf"
    assert path.stat().st_size > 50_000_000


def test_server_starts_on_loopback_answers_and_stops() -> None:
    with LocalServer() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.running
        assert server.healthy()
        with urllib.request.urlopen(f"{server.base_url}/models", timeout=5) as response:
            models = json.load(response)
        assert [m["id"] for m in models["data"]] == [MODEL_ALIAS]
    assert not server.running
    assert not server.healthy()


def test_server_is_stopped_when_the_block_raises() -> None:
    server = LocalServer()
    with pytest.raises(KeyboardInterrupt), server:
        raise KeyboardInterrupt
    assert not server.running
