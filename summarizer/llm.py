"""The model client: one code path (openai client + instructor) for every backend.

Two retry policies, both bounded and both counted:

* transport faults (429 honouring Retry-After, 408/409/5xx, timeouts, resets, truncated
  bodies) repeat the same HTTP request after a backoff, inside each attempt; the SDK's own
  retries are off so there is one policy;
* validation and grounding failures re-ask at once with the error fed back (instructor), up to
  ``max_retries`` times.

Only this module and ``local.py`` know about HTTP endpoints and processes.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel

from summarizer.errors import ConfigError, ModelError
from summarizer.models import TokenUsage

if TYPE_CHECKING:
    import openai
    from tenacity import RetryCallState

BackendKind = Literal["openai", "openai-compatible", "local"]
ModeName = Literal["tools", "json_schema", "json", "md_json"]
T = TypeVar("T", bound=BaseModel)

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
LOCAL_MODEL_NAME = "local"


@dataclass(frozen=True)
class Backend:
    """Where requests go and how structured output is asked for. Holds no secret."""

    kind: BackendKind
    model: str
    base_url: str | None
    mode: ModeName

    def describe(self) -> str:
        where = f" at {self.base_url}" if self.base_url else ""
        return f"{self.model} ({self.kind}{where}, mode {self.mode})"


@dataclass(frozen=True)
class Sampling:
    """Everything besides the messages that shapes an answer."""

    temperature: float = 0.0
    seed: int | None = None
    max_tokens: int = 2048
    max_retries: int = 2  # validation re-asks after the first answer


# Seconds one request to the embedded model may take (hosted APIs: TransportPolicy.timeout).
LOCAL_REQUEST_TIMEOUT = 1800.0


@dataclass(frozen=True)
class TransportPolicy:
    """Bounds of the transport retry policy."""

    attempts: int = 5
    max_total_seconds: float = 120.0
    initial_wait: float = 1.0
    max_wait: float = 30.0
    timeout: float = 300.0


def resolve_backend(
    *,
    model: str | None = None,
    base_url: str | None = None,
    mode: ModeName | None = None,
    environ: Mapping[str, str] | None = None,
) -> Backend:
    """Choose the backend from options and environment.

    ``model == "local"`` or no API key and no base URL: the embedded server. A base URL
    (option or ``OPENAI_BASE_URL``): an OpenAI-compatible server. Otherwise OpenAI itself.
    """
    env = os.environ if environ is None else environ
    base_url = base_url or env.get("OPENAI_BASE_URL") or None
    if model == LOCAL_MODEL_NAME or (
        model is None and not base_url and not env.get("OPENAI_API_KEY")
    ):
        # llama-cpp-python's server accepts json_object only, so a forced tool call
        # (grammar-constrained) is the mode that works there.
        return Backend("local", LOCAL_MODEL_NAME, None, mode or "tools")
    if base_url:
        if not model:
            raise ConfigError(
                "--base-url needs --model: name the model the server serves (e.g. --model llama3.1)"
            )
        return Backend("openai-compatible", model, base_url.rstrip("/"), mode or "tools")
    return Backend("openai", model or DEFAULT_OPENAI_MODEL, None, mode or "tools")


# --------------------------------------------------------------------------------------------
# Accounting
# --------------------------------------------------------------------------------------------


@dataclass
class CallLedger:
    """What one structured call cost: answers received, transport repeats, tokens."""

    attempts: int = 0
    transport_retries: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage)
    last_response: Any = None
    answers: list[str] = field(default_factory=list)
    """The raw JSON of every answer, in order, so a caller can weigh them all."""

    def record(self, response: Any) -> None:
        self.attempts += 1
        self.last_response = response
        answer = _answer_text(response)
        if answer is not None:
            self.answers.append(answer)
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.usage = self.usage + TokenUsage(
                prompt_tokens=usage.prompt_tokens or 0,
                completion_tokens=usage.completion_tokens or 0,
                total_tokens=usage.total_tokens or 0,
            )


@dataclass
class Completion(Generic[T]):
    """A validated answer and what it cost."""

    value: T
    ledger: CallLedger


class ValidationExhausted(ModelError):
    """Every attempt failed validation. ``ledger.answers`` holds each raw answer, so a caller
    can still keep the parts that verify."""

    def __init__(self, message: str, *, ledger: CallLedger) -> None:
        super().__init__(
            message,
            attempts=ledger.attempts,
            transport_retries=ledger.transport_retries,
            usage=ledger.usage,
        )
        self.ledger = ledger


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


class RateLimiter:
    """Keeps request starts under requests-per-minute and tokens-per-minute limits, so a run
    stays under a provider's rate limits instead of bouncing off 429s (a sliding window of the
    last minute's requests; waiting callers are served in order)."""

    WINDOW_SECONDS = 60.0

    def __init__(self, rpm: float | None = None, tpm: float | None = None) -> None:
        if (rpm is not None and rpm <= 0) or (tpm is not None and tpm <= 0):
            raise ConfigError("--rpm and --tpm must be positive")
        self.rpm, self.tpm = rpm, tpm
        self._sent: deque[tuple[float, int]] = deque()
        self._lock = asyncio.Lock()

    @property
    def active(self) -> bool:
        return self.rpm is not None or self.tpm is not None

    async def acquire(self, tokens: int) -> None:
        if not self.active:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0][0] >= self.WINDOW_SECONDS:
                    self._sent.popleft()
                used = sum(spent for _, spent in self._sent)
                fits_requests = self.rpm is None or len(self._sent) < self.rpm
                fits_tokens = self.tpm is None or not self._sent or used + tokens <= self.tpm
                if fits_requests and fits_tokens:
                    self._sent.append((now, tokens))
                    return
                await asyncio.sleep(self._sent[0][0] + self.WINDOW_SECONDS - now)


def estimated_tokens(request: Mapping[str, Any]) -> int:
    """What a provider counts against a tokens-per-minute limit before answering: the prompt
    (about four characters a token) plus the most the answer may use."""
    characters = sum(len(str(message.get("content") or "")) for message in request["messages"])
    return characters // 4 + int(request.get("max_tokens") or 0)


class ModelClient:
    """An async structured-output client for one backend: ``async with ModelClient(b) as c``.

    It connects on the first request (a run served wholly from the cache starts no server);
    for the local backend it then starts the embedded server, and stops it on exit (also on
    Ctrl-C). Safe to share between concurrent tasks."""

    def __init__(
        self,
        backend: Backend,
        *,
        api_key: str | None = None,
        transport: TransportPolicy | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.backend = backend
        if transport is None:
            # The embedded server shares this machine's CPU: a long answer on a slow or busy
            # machine takes minutes, which is work in progress, not a hung connection.
            transport = (
                TransportPolicy(timeout=LOCAL_REQUEST_TIMEOUT)
                if backend.kind == "local"
                else TransportPolicy()
            )
        self.transport = transport
        self.limiter = limiter or RateLimiter()
        self._api_key = api_key
        self._stack = ExitStack()
        self._openai: openai.AsyncOpenAI | None = None
        self._connect_lock = asyncio.Lock()

    def __repr__(self) -> str:  # never show the key
        return f"ModelClient({self.backend.describe()})"

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        client, self._openai = self._openai, None
        try:
            if client is not None:
                await client.close()
        finally:
            self._stack.close()

    async def _connected(self) -> openai.AsyncOpenAI:
        async with self._connect_lock:  # concurrent first requests start one server
            if self._openai is None:
                try:
                    self._openai = await asyncio.to_thread(self._connect)
                except BaseException:
                    self._stack.close()
                    raise
            return self._openai

    def _connect(self) -> openai.AsyncOpenAI:
        import openai

        base_url = self.backend.base_url
        api_key = self._api_key
        if self.backend.kind == "local":
            from summarizer.local import LocalServer

            server = self._stack.enter_context(LocalServer())
            base_url = server.base_url
            api_key = "local-server-needs-no-key"
        elif self.backend.kind == "openai-compatible":
            api_key = api_key or os.environ.get("OPENAI_API_KEY") or "no-key-needed"
        else:
            api_key = api_key or os.environ.get("OPENAI_API_KEY")
            if not api_key:
                raise ConfigError(
                    "no OpenAI API key: set OPENAI_API_KEY, pass --base-url for another "
                    "server, or use --model local for the embedded model"
                )
        return openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,  # one retry policy: ours
            timeout=self.transport.timeout,
        )

    @property
    def model_name(self) -> str:
        if self.backend.kind == "local":
            from summarizer.local import MODEL_ALIAS

            return MODEL_ALIAS
        return self.backend.model

    async def complete(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        sampling: Sampling,
    ) -> Completion[T]:
        """Ask for ``response_model``; re-ask on validation errors; repeat on transport faults.

        Raises ``ValidationExhausted`` when no answer validated within the re-ask budget, and
        ``ModelError`` for transport faults that outlast their policy.
        """
        from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
        from instructor.v2.core.retry import retry_async_v2

        client = await self._connected()
        ledger = CallLedger()
        mode = _instructor_mode(self.backend.mode)
        request: dict[str, Any] = {
            "model": self.model_name,
            "messages": list(messages),  # re-asks append to this list, not the caller's
            "temperature": sampling.temperature,
            "max_tokens": sampling.max_tokens,
        }
        if sampling.seed is not None:
            request["seed"] = sampling.seed
        prepared_model, request = _structured_request(response_model, mode, request)
        try:
            # instructor's re-ask loop, entered below its per-call request preparation (see
            # _structured_request): the same requests and re-asks, without the repeated work.
            value: T = await retry_async_v2(
                func=self._transport_retrying_create(client, ledger),
                response_model=prepared_model,
                provider=_provider(),
                mode=mode,
                context=None,
                max_retries=sampling.max_retries,
                args=(),
                kwargs=request,
                strict=True,
            )
        except IncompleteOutputException as error:
            raise ModelError(
                f"the model's answer was cut off at max_tokens={sampling.max_tokens}; "
                "raise --max-tokens or use a model with a larger context",
                attempts=ledger.attempts,
                transport_retries=ledger.transport_retries,
                usage=ledger.usage,
            ) from error
        except InstructorRetryException as error:
            cause = error.__cause__
            if cause is not None and _is_api_error(cause):
                raise _transport_error(cause, ledger) from error
            raise ValidationExhausted(
                f"no valid answer after {ledger.attempts} attempt(s): "
                f"{_first_line(str(cause or error))}",
                ledger=ledger,
            ) from error
        except Exception as error:
            if _is_api_error(error):
                raise _transport_error(error, ledger) from error
            raise
        return Completion(value=value, ledger=ledger)

    def _transport_retrying_create(
        self, client: openai.AsyncOpenAI, ledger: CallLedger
    ) -> Callable[..., Awaitable[Any]]:
        from tenacity import (
            AsyncRetrying,
            retry_if_exception,
            stop_after_attempt,
            stop_after_delay,
        )

        raw_create = client.chat.completions.create
        policy, limiter = self.transport, self.limiter

        def count_retry(_state: RetryCallState) -> None:
            ledger.transport_retries += 1

        async def create(**kwargs: Any) -> Any:
            if "tools" in kwargs:
                # The SDK walks every parameter through its typed transforms; the tool schema
                # is plain JSON that needs none, and walking it cost 1.4 ms a request. As
                # extra_body it is sent as it is, in the same JSON body.
                kwargs["extra_body"] = {"tools": kwargs.pop("tools")}
            retrying = AsyncRetrying(
                retry=retry_if_exception(is_transient),
                stop=stop_after_attempt(policy.attempts)
                | stop_after_delay(policy.max_total_seconds),
                wait=_backoff(policy),
                before_sleep=count_retry,
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    await limiter.acquire(estimated_tokens(kwargs))
                    response = await raw_create(**kwargs)
            ledger.record(response)
            return response

        return create


def _provider() -> Any:
    from instructor import Provider

    return Provider.OPENAI


def _structured_request(
    response_model: type[T], mode: Any, request: dict[str, Any]
) -> tuple[type[T], dict[str, Any]]:
    """The response model as instructor validates it, and ``request`` with what instructor adds
    for it (tools and tool_choice, or response_format) -- the request ``instructor.patch``
    would send.

    Done through instructor, but once per model and mode where the additions do not depend on
    the messages: per call, instructor wraps the model in a new class (so its cached tool
    schema never hits and the JSON Schema is built again) and walks the model tree several
    times; that was 10 ms of the 13 ms the tool spent per article. Modes that write the
    schema into the messages (json, md_json) are prepared per call."""
    prepared_model, additions = _request_additions(response_model, mode)
    if additions is not None:
        return prepared_model, {**request, **additions}
    from instructor.v2.core.response import handle_response_model

    prepared, new_request = handle_response_model(
        prepared_model, mode=mode, provider=_provider(), **request
    )
    return cast(type[T], prepared), new_request


_PROBE_MESSAGES = ({"role": "user", "content": "probe"},)


@functools.cache
def _request_additions(response_model: type[T], mode: Any) -> tuple[type[T], dict[str, Any] | None]:
    from instructor.v2.core.response import handle_response_model

    probe = {"model": "probe", "messages": [dict(m) for m in _PROBE_MESSAGES]}
    prepared, prepared_request = handle_response_model(
        response_model, mode=mode, provider=_provider(), **probe
    )
    if prepared_request.get("messages") != list(_PROBE_MESSAGES):
        return cast(type[T], prepared), None
    additions = {k: v for k, v in prepared_request.items() if k not in probe}
    return cast(type[T], prepared), additions


def _instructor_mode(mode: ModeName) -> Any:
    import instructor

    return {
        "tools": instructor.Mode.TOOLS,
        "json_schema": instructor.Mode.JSON_SCHEMA,
        "json": instructor.Mode.JSON,
        "md_json": instructor.Mode.MD_JSON,
    }[mode]


# --------------------------------------------------------------------------------------------
# Transport policy details
# --------------------------------------------------------------------------------------------


def is_transient(error: BaseException) -> bool:
    """Faults worth repeating the same request for."""
    import openai

    if isinstance(error, openai.APIConnectionError):  # includes timeouts and resets
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in {408, 409, 429} or error.status_code >= 500
    # A 200 whose body was cut off mid-JSON.
    return isinstance(error, (openai.APIResponseValidationError, json.JSONDecodeError))


def _retry_after_seconds(error: BaseException | None) -> float | None:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    seconds = headers.get("retry-after")
    if seconds:
        try:
            return float(seconds)
        except ValueError:
            from datetime import datetime
            from email.utils import parsedate_to_datetime

            try:
                when = parsedate_to_datetime(seconds)
            except (TypeError, ValueError):
                return None
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


def _backoff(policy: TransportPolicy) -> Callable[[RetryCallState], float]:
    from tenacity import wait_random_exponential

    exponential = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hinted = _retry_after_seconds(error)
        if hinted is not None:
            return min(hinted, policy.max_total_seconds)
        return float(exponential(state))

    return wait


def _is_api_error(error: BaseException | None) -> bool:
    import openai

    return isinstance(error, (openai.APIError, json.JSONDecodeError))


def _transport_error(error: BaseException, ledger: CallLedger) -> ModelError:
    import openai

    detail = _first_line(str(error))
    if isinstance(error, openai.AuthenticationError):
        message = "the server refused the API key (401): check OPENAI_API_KEY"
    elif isinstance(error, openai.NotFoundError):
        message = f"the server does not know the model or endpoint (404): {detail}"
    elif isinstance(error, openai.APIConnectionError):
        message = f"cannot reach the model server ({detail}); check --base-url and the network"
    elif isinstance(error, openai.APIStatusError):
        message = f"the model server answered {error.status_code}: {detail}"
    else:
        message = f"the model server's answer was unreadable: {detail}"
    if ledger.transport_retries:
        message += f" (after {ledger.transport_retries} retries)"
    return ModelError(
        message,
        attempts=ledger.attempts,
        transport_retries=ledger.transport_retries,
        usage=ledger.usage,
    )


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:limit]


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _answer_text(response: Any) -> str | None:
    """The JSON the model answered with: the tool call's arguments, or the message content."""
    try:
        message = response.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    if getattr(message, "tool_calls", None):
        return str(message.tool_calls[0].function.arguments)
    content = getattr(message, "content", None)
    if not content:
        return None
    fenced = _FENCE.match(content.strip())
    return fenced.group(1) if fenced else str(content)
