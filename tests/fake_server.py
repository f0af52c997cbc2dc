"""A real OpenAI-compatible HTTP server on 127.0.0.1 that misbehaves on request.

It answers chat completions in tool-call form with a summary that passes validation (the
article's first sentence as headline; no items, or with ``grounded`` a few items per section
copied from the sentences they cite), after a configurable latency, and can first
play a script of faults: 429 with Retry-After, 500, 503, a hang past the client's timeout, a
connection cut mid-body, or a 200 whose JSON is truncated. Used by the transport and resume
tests (and by benchmarks), so the client under test is the real one, not a mock.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = (
    "429", "429-ms", "500", "503", "hang", "reset", "truncated", "401",
    "drip", "501-html", "context-overflow", "ok",
)  # fmt: skip
# What a web server that is not an OpenAI-compatible API answers to POST /v1/chat/completions.
NOT_IMPLEMENTED_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>501 Not Implemented</title></head>\n<body>\n"
    b"<h1>Not Implemented</h1>\n<p>POST to /v1/chat/completions not supported.</p>\n"
    b"<hr><address>Apache/2.4.41 Server at 127.0.0.1</address>\n</body></html>\n"
)
CONTEXT_OVERFLOW = (
    "This model's maximum context length is 8192 tokens. However, your messages resulted in "
    "12873 tokens. Please reduce the length of the messages."
)


class _Server(ThreadingHTTPServer):
    # The default listen backlog of 5 drops connections when dozens open at once, and a
    # dropped SYN is retried only after a second: that would be measured as the client's cost.
    request_queue_size = 256


class FakeModelServer:
    """``with FakeModelServer(faults=["429", "500"]) as server: server.base_url``."""

    def __init__(
        self,
        faults: Iterable[str] = (),
        *,
        latency: float = 0.0,
        hang_seconds: float = 3.0,
        drip_seconds: float = 0.5,
        usage_sign: int = 1,
        retry_after: str = "0.2",
        grounded: bool = False,
        jitter: float = 0.0,
        answers: Iterable[str] = (),
    ) -> None:
        self.faults = list(faults)
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {unknown}")
        self.latency = latency
        self.hang_seconds = hang_seconds
        self.drip_seconds = drip_seconds  # between the 20 pieces of a dripped answer
        self.usage_sign = usage_sign  # -1: a broken server reporting negative token counts
        self.retry_after = retry_after
        self.grounded = grounded
        self.jitter = jitter  # extra latency, uniform in [0, jitter): answers overtake others
        # Answers (the JSON a model would write) to give first, in order; then the default.
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []
        self.completions = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next_fault(self) -> str | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm on, each
            # response would wait ~40 ms for a delayed ACK and swamp what the client costs.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                self._send_json(200, {"object": "list", "data": [{"id": "fake-model"}]})

            def do_POST(self) -> None:
                # The client may be gone (killed, or timed out): then there is no one to answer.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(body)
                fault = server._next_fault()
                if fault == "429":
                    self._send_json(
                        429, _error("rate limited"), {"Retry-After": server.retry_after}
                    )
                elif fault == "429-ms":
                    self._send_json(429, _error("rate limited"), {"retry-after-ms": "150"})
                elif fault in ("500", "503", "401"):
                    self._send_json(int(fault), _error(f"fault {fault}"))
                elif fault == "drip":
                    # Every read gets a byte in time, so only a deadline on the whole
                    # request can end it.
                    payload = json.dumps(_completion(body, server.grounded)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    piece = len(payload) // 20 + 1
                    for start in range(0, len(payload), piece):
                        self.wfile.write(payload[start : start + piece])
                        self.wfile.flush()
                        time.sleep(server.drip_seconds)
                elif fault == "501-html":
                    self.send_response(501)
                    self.send_header("Content-Type", "text/html; charset=iso-8859-1")
                    self.send_header("Content-Length", str(len(NOT_IMPLEMENTED_PAGE)))
                    self.end_headers()
                    self.wfile.write(NOT_IMPLEMENTED_PAGE)
                elif fault == "context-overflow":
                    overflow = _error(CONTEXT_OVERFLOW)
                    overflow["error"].update(
                        type="invalid_request_error", code="context_length_exceeded"
                    )
                    self._send_json(400, overflow)
                elif fault == "hang":
                    time.sleep(server.hang_seconds)
                    self.close_connection = True
                elif fault == "reset":
                    payload = json.dumps(_completion(body, server.grounded)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 3])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.close()
                elif fault == "truncated":
                    payload = json.dumps(_completion(body, server.grounded)).encode()[:80]
                    self._send_raw(200, payload)
                else:
                    if server.latency or server.jitter:
                        time.sleep(server.latency + random.uniform(0, server.jitter))
                    with server._lock:
                        server.completions += 1
                        scripted = server.answers.pop(0) if server.answers else None
                    answer = _completion(body, server.grounded, scripted)
                    answer["usage"] = {k: v * server.usage_sign for k, v in answer["usage"].items()}
                    self._send_json(200, answer)

            def _send_json(
                self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                self._send_raw(status, json.dumps(data).encode(), headers)

            def _send_raw(
                self, status: int, payload: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "fake_fault", "code": None}}


def _message(request: dict[str, Any], arguments: str) -> dict[str, Any]:
    """A forced tool call when tools were sent, else the JSON as content (JSON modes)."""
    if not request.get("tools"):
        return {"role": "assistant", "content": arguments}
    name = request["tools"][0]["function"]["name"]
    call = {
        "id": "call_fake",
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _completion(
    request: dict[str, Any], grounded: bool = False, scripted: str | None = None
) -> dict[str, Any]:
    user = next((m["content"] for m in request.get("messages", []) if m["role"] == "user"), "")
    sentences = re.findall(r"^\[(S\d+)\] (.+)$", user, re.MULTILINE)
    headline = _clip(sentences[0][1] if sentences else "An article.", 200)
    answer: dict[str, Any] = {"headline": {"text": headline, "evidence": ["S1"]}}
    answer.update(_grounded_items(sentences) if grounded else {})
    for section in ("who", "what", "where", "when", "key_figures", "disputed_points"):
        answer.setdefault(section, [])
    arguments = scripted if scripted is not None else json.dumps(answer)
    prompt_tokens = sum(len(str(m.get("content", ""))) for m in request["messages"]) // 4
    completion_tokens = len(arguments) // 4
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls" if request.get("tools") else "stop",
                "message": _message(request, arguments),
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")
_PLACE = re.compile(r"(?<=[a-z,] )[A-Z][a-z]{3,}\b")
_TIME = re.compile(
    r"\b(?:yesterday|today|tomorrow|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)(?: \d{1,2})?|(?:19|20)\d\d)\b"
)
# Whole numbers standing alone ("300", "14,000", "1 million"); not parts of dates or decimals.
_FIGURE = re.compile(
    r"(?<![\w.,:/-])(?:\d{1,3}(?:,\d{3})+|\d+)(?: (?:thousand|million|billion)\b)?(?![\w.,:/-])"
)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def _grounded_items(sentences: list[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """What a capable model would answer: a few items per section, each copied from the
    sentence it cites, so every one passes grounding (the tool's full per-item work runs)."""
    items: dict[str, list[dict[str, Any]]] = {
        "who": [], "what": [], "where": [], "when": [], "key_figures": [], "disputed_points": []
    }  # fmt: skip
    seen: set[str] = set()

    def add(section: str, key: str, item: dict[str, Any], limit: int = 4) -> None:
        if len(items[section]) < limit and key not in seen:
            seen.add(key)
            items[section].append(item)

    for sentence_id, text in sentences:
        evidence = [sentence_id]
        for name in _NAME.findall(text):
            add("who", name, {"name": name, "kind": "person", "role": _deed(name, text),
                              "evidence": evidence})  # fmt: skip
        for place in _PLACE.findall(text):
            add("where", place, {"name": place, "role": "mentioned", "evidence": evidence})
        for when in _TIME.findall(text):
            add("when", when, {"text": when, "date": None, "evidence": evidence})
        for figure in _FIGURE.findall(text):
            add("key_figures", figure, {"value_text": figure, "unit": None, "counts": "a count",
                                        "stated_by": None, "evidence": evidence})  # fmt: skip
        if len(text.split()) >= 8:
            add("what", text, {"description": _clip(text, 240), "evidence": evidence}, limit=3)
    return items


def _deed(name: str, text: str) -> str:
    """What the sentence says the actor does: the words right after the name, as a capable
    model writes a role when the article gives no title ("urged Kazakhstan yesterday")."""
    before, after = text.split(name, 1)
    # Whole lowercase words only: not "tate" out of "State".
    lowercase = r"\b[a-z][a-z'-]*"
    words = re.findall(lowercase, after)[:3] or re.findall(lowercase, before)[-3:]
    return " ".join(words) or "named"


def main() -> None:
    """``python -m tests.fake_server --latency 0.2``: serve until killed; prints the base URL."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--grounded", action="store_true", help="answer with items that pass grounding"
    )
    arguments = parser.parse_args()
    with FakeModelServer(latency=arguments.latency, grounded=arguments.grounded) as server:
        print(server.base_url, flush=True)
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    sys.exit(0)


if __name__ == "__main__":
    import signal as _signal

    _signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGTERM, _signal.SIGINT})
    main()
