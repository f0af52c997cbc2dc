"""Backend choice and the transport policy's classification, without a server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import openai
import pytest

from summarizer.config import Mode, Sampling
from summarizer.errors import ConfigError
from summarizer.llm import (
    LOCAL_REQUEST_TIMEOUT,
    MAX_ECHOED_ANSWER,
    Backend,
    ModelClient,
    TransportPolicy,
    ValidationExhausted,
    _retry_after_seconds,
    is_transient,
    resolve_backend,
)
from summarizer.models import ArticleExtraction
from tests.fake_server import FakeModelServer


def test_no_key_and_no_server_means_the_local_model() -> None:
    backend = resolve_backend(environ={})
    assert (backend.kind, backend.mode) == ("local", "tools")


def test_an_api_key_means_openai() -> None:
    backend = resolve_backend(environ={"OPENAI_API_KEY": "k"})
    assert (backend.kind, backend.model, backend.base_url) == ("openai", "gpt-4o-mini", None)


def test_a_base_url_means_a_compatible_server_with_the_chosen_mode() -> None:
    backend = resolve_backend(
        model="llama3.1",
        environ={"OPENAI_BASE_URL": "http://localhost:11434/v1/"},
        mode="json_schema",
    )
    assert (backend.kind, backend.base_url, backend.mode) == (
        "openai-compatible", "http://localhost:11434/v1", "json_schema",
    )  # fmt: skip


def test_a_base_url_without_a_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--model"):
        resolve_backend(base_url="http://localhost:8000/v1", environ={})


def test_openai_without_a_key_says_how_to_fix_it() -> None:
    backend = resolve_backend(model="gpt-4o-mini", environ={})
    assert backend.kind == "openai"

    async def ask() -> None:
        async with ModelClient(backend) as client:
            await client.complete([{"role": "user", "content": "x"}], ArticleExtraction, Sampling())

    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        asyncio.run(ask())


def test_the_key_never_shows_in_the_client_repr() -> None:
    backend = resolve_backend(environ={"OPENAI_API_KEY": "sk-test-secret-value"})
    client = ModelClient(backend, api_key="sk-test-secret-value")
    assert "sk-test" not in repr(client)


def _status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    return openai.APIStatusError("fault", response=response, body=None)


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (429, True),
        (500, True),
        (503, True),
        (408, True),
        (409, True),
        (400, False),
        (401, False),
        (404, False),
        (422, False),
    ],
)
def test_which_statuses_are_repeated(status: int, transient: bool) -> None:
    assert is_transient(_status_error(status)) is transient


def test_connection_faults_are_repeated() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    assert is_transient(openai.APIConnectionError(request=request))
    assert is_transient(openai.APITimeoutError(request=request))
    assert not is_transient(ValueError("a bug"))


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({}, None),
    ],
)
def test_retry_after_headers_are_honoured(headers: dict[str, str], seconds: float | None) -> None:
    assert _retry_after_seconds(_status_error(429, headers)) == seconds


def test_the_embedded_model_gets_time_to_answer_on_a_slow_machine() -> None:
    """A long local answer on a busy CPU is work, not a hung connection: it is not cut off at
    the hosted-API timeout (seen: a 2-core machine running two models at once needed > 300 s)."""
    local = ModelClient(Backend("local", "local", None, Mode.TOOLS))
    hosted = ModelClient(Backend("openai", "gpt-4o-mini", None, Mode.TOOLS))
    assert local.transport.timeout == LOCAL_REQUEST_TIMEOUT
    assert hosted.transport.timeout == TransportPolicy().timeout < LOCAL_REQUEST_TIMEOUT
    custom = TransportPolicy(timeout=5)
    assert (
        ModelClient(Backend("local", "local", None, Mode.TOOLS), transport=custom).transport
        is custom
    )


def _ask(server: FakeModelServer, mode: str = "tools", *, retries: int = 2) -> Any:
    backend = Backend("openai-compatible", "fake-model", server.base_url, Mode(mode))

    async def run() -> Any:
        async with ModelClient(backend) as client:
            return await client.complete(MESSAGES, ArticleExtraction, Sampling(max_retries=retries))

    return asyncio.run(run())


MESSAGES = [{"role": "system", "content": "Rules."}, {"role": "user", "content": "[S1] A."}]
VALID = json.dumps({"headline": {"text": "A.", "evidence": ["S1"]}})


@pytest.mark.parametrize("mode", ["tools", "json_schema", "json", "md_json"])
def test_requests_are_what_instructor_patch_would_send(mode: str) -> None:
    """What goes to the server is what a plain ``instructor.patch`` of the SDK sends."""
    import instructor
    from instructor.core import InstructorRetryException

    from summarizer.llm import _instructor_mode

    sent: list[dict[str, Any]] = []

    async def capture(**kwargs: Any) -> Any:
        sent.append(kwargs)
        raise RuntimeError("captured")  # the request is all this test needs

    request: dict[str, Any] = {
        "model": "fake-model", "messages": MESSAGES, "temperature": 0.0, "max_tokens": 2048,
    }  # fmt: skip
    patched: Any = instructor.patch(create=capture, mode=_instructor_mode(Mode(mode)))
    with pytest.raises(InstructorRetryException, match="captured"):
        asyncio.run(patched(response_model=ArticleExtraction, max_retries=1, **request))
    with FakeModelServer() as server:
        _ask(server, mode)
    received = server.requests[0]
    assert {key: received[key] for key in sent[0]} == json.loads(json.dumps(sent[0]))
    assert MESSAGES[0]["content"] == "Rules."  # the caller's messages are left alone


def test_prepared_request_is_what_the_client_sends() -> None:
    from summarizer.llm import prepared_request

    request = {"model": "fake-model", "messages": MESSAGES, "temperature": 0.0, "max_tokens": 2048}
    prepared = prepared_request(ArticleExtraction, Mode.TOOLS, request)
    with FakeModelServer() as server:
        _ask(server)
    assert server.requests[0]["tools"] == json.loads(json.dumps(prepared["tools"]))
    assert server.requests[0]["tool_choice"] == prepared["tool_choice"]


def test_an_answer_of_the_wrong_shape_is_reasked_with_what_was_wrong() -> None:
    with FakeModelServer(answers=['{"headline": 5, "who": "nobody"}', VALID]) as server:
        completion = _ask(server)
    assert completion.value.headline.text == "A."
    assert [attempt.parsed for attempt in completion.attempts] == [False, True]
    reask = server.requests[1]["messages"]
    assert reask[:2] == MESSAGES
    assert reask[2] == {"role": "assistant", "content": '{"headline": 5, "who": "nobody"}'}
    assert "headline" in reask[3]["content"]
    assert "who" in reask[3]["content"]
    assert "errors.pydantic.dev" not in reask[3]["content"]  # no boilerplate, no links
    assert completion.usage.total_tokens == sum(a.usage.total_tokens for a in completion.attempts)


def test_when_reasks_run_out_the_error_counts_every_attempt_and_says_why() -> None:
    bad = '{"headline": 5}'
    with (
        FakeModelServer(answers=[bad, bad, bad]) as server,
        pytest.raises(ValidationExhausted, match="after 2 attempt") as raised,
    ):
        _ask(server, retries=1)
    assert len(server.requests) == 2
    assert raised.value.attempts == 2
    assert raised.value.usage.total_tokens > 0
    assert "headline" in str(raised.value)


def test_a_runaway_answer_is_not_echoed_whole_in_the_reask() -> None:
    runaway = '{"headline": "' + "x" * 100_000 + '", "who": 1}'
    with FakeModelServer(answers=[runaway, VALID]) as server:
        _ask(server)
    echoed = server.requests[1]["messages"][2]["content"]
    assert len(echoed) < MAX_ECHOED_ANSWER + 100
