"""Cassettes stored as YAML with JSON bodies written out as structures, not escaped strings.

A recorded request or response body that is JSON is kept under ``json:`` as YAML, so a
re-recording shows in a diff as the prompt lines or answer fields that changed. Loading turns
it back into the compact JSON text; bodies are matched as parsed JSON, so nothing depends on
the exact spacing. Other bodies are stored as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

# Registered under the name of vcrpy's own YAML serializer, which it replaces: pytest-recording
# names cassette files after the serializer, and they stay *.yaml.
NAME = "yaml"


def _to_readable(body: Any) -> Any:
    if isinstance(body, str) and body[:1] in "{[":
        try:
            return {"json": json.loads(body)}
        except ValueError:
            return body
    return body


def _from_readable(body: Any) -> Any:
    if isinstance(body, dict) and set(body) == {"json"}:
        return json.dumps(body["json"], ensure_ascii=False, separators=(",", ":"))
    return body


class _Dumper(yaml.SafeDumper):
    """Text with line breaks (prompts, articles) as YAML block scalars, one line per line."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text)


def _map_bodies(cassette: dict[str, Any], change: Callable[[Any], Any]) -> dict[str, Any]:
    """``cassette`` with ``change`` applied to every request and response body, in place."""
    for interaction in cassette.get("interactions", []):
        request, response = interaction["request"], interaction["response"]
        request["body"] = change(request.get("body"))
        body = response.get("body", {})
        if isinstance(body, dict) and "string" in body:
            body["string"] = change(body["string"])
    return cassette


class ReadableJsonSerializer:
    """A vcrpy serializer (``serialize`` / ``deserialize``) for the format above."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        readable = _map_bodies(cassette, _to_readable)
        return str(
            yaml.dump(readable, Dumper=_Dumper, allow_unicode=True, width=100, sort_keys=False)
        )

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        cassette: dict[str, Any] = yaml.load(text, Loader=yaml.SafeLoader) or {}
        return _map_bodies(cassette, _from_readable)
