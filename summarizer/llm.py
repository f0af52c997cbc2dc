"""The model client: one code path (openai client + instructor) for every backend.

Two retry policies, both bounded and both counted:

* transport faults (429 honouring Retry-After, 408/409/5xx, timeouts, resets, truncated
  bodies) repeat the same HTTP request after a backoff, inside each attempt; the SDK's own
  retries are off so there is one policy. Each request has one deadline that covers reading
  its body (a server dripping bytes cannot stretch it), and all repeats of a request fit in
  ``max_total_seconds``. A server that cannot be reached or does not speak the OpenAI API
  stops the run (``ConfigError``) rather than failing every article in turn;
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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel

from summarizer.config import Mode, Options, Sampling
from summarizer.errors import ConfigError, ModelError
from summarizer.models import TokenUsage

if TYPE_CHECKING:
    import openai
    from tenacity import RetryCallState

BackendKind = Literal["openai", "openai-compatible", "local"]
T = TypeVar("T", bound=BaseModel)

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
LOCAL_MODEL_NAME = "local"


@dataclass(frozen=True)
class Backend:
    """Where requests go and how structured output is asked for. Holds no secret."""

    kind: BackendKind
    model: str
    base_url: str | None
    mode: Mode

    def describe(self) -> str:
        where = f" at {self.base_url}" if self.base_url else ""
        return f"{self.model} ({self.kind}{where}, mode {self.mode})"


# Seconds one request to the embedded model may take (hosted APIs: TransportPolicy.timeout).
LOCAL_REQUEST_TIMEOUT = 1800.0


@dataclass(frozen=True)
class TransportPolicy:
    """Bounds of the transport retry policy: ``timeout`` for one request from sending it to
    the last byte of its answer; ``max_total_seconds`` for all attempts at it and the waits
    between them, requests in flight included."""

    attempts: int = 5
    max_total_seconds: float = 120.0
    initial_wait: float = 1.0
    max_wait: float = 30.0
    timeout: float = 90.0


# Requests in a row that found the server unreachable or not OpenAI-compatible (each after
# its whole transport policy) before the run stops; one while the server has never answered.
UNUSABLE_SERVER_LIMIT = 3


class RequestDeadline(Exception):
    """A request outlived its deadline (``TransportPolicy.timeout``), body included."""


def resolve_backend(
    options: Options | None = None,
    *,
    model: str | None = None,
    base_url: str | None = None,
    mode: Mode | str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Backend:
    """Choose the backend from options (an ``Options`` or the keywords) and environment.

    ``model == "local"`` or no API key and no base URL: the embedded server. A base URL
    (option or ``OPENAI_BASE_URL``): an OpenAI-compatible server. Otherwise OpenAI itself.
    """
    if options is None:
        options = Options(model=model, base_url=base_url, mode=cast(Mode | None, mode))
    env = os.environ if environ is None else environ
    model, chosen_mode = options.model, options.mode or Mode.TOOLS
    base_url = options.base_url or env.get("OPENAI_BASE_URL") or None
    if model == LOCAL_MODEL_NAME or (
        model is None and not base_url and not env.get("OPENAI_API_KEY")
    ):
        # llama-cpp-python's server accepts json_object only, so a forced tool call
        # (grammar-constrained) is the mode that works there.
        return Backend("local", LOCAL_MODEL_NAME, None, chosen_mode)
    if base_url:
        _check_base_url(base_url, "--base-url" if options.base_url else "OPENAI_BASE_URL")
        if not model:
            raise ConfigError(
                "--base-url needs --model: name the model the server serves (e.g. --model llama3.1)"
            )
        return Backend("openai-compatible", model, base_url.rstrip("/"), chosen_mode)
    return Backend("openai", model or DEFAULT_OPENAI_MODEL, None, chosen_mode)


def _check_base_url(url: str, option: str) -> None:
    """A URL the client can connect to: http(s), a host, a valid port."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in range
    except ValueError as error:
        raise ConfigError(f"{option} {url!r} is not a valid URL ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise ConfigError(
            f"{option} {url!r} is not a server URL: it needs http:// or https:// and a host, "
            "e.g. http://localhost:11434/v1"
        )


# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """One answer from the model: its raw text, the parsed value or why it did not parse, and
    what it cost. Grounding is judged elsewhere (``summary.py``), once per answer."""

    raw: str | None
    value: T | None
    error: str | None
    usage: TokenUsage
    transport_retries: int = 0

    @property
    def parsed(self) -> bool:
        return self.value is not None


@dataclass
class Completion(Generic[T]):
    """A value of the requested shape and every attempt it took."""

    value: T
    attempts: list[Attempt[T]]

    @property
    def usage(self) -> TokenUsage:
        return sum_usage(self.attempts)


def sum_usage(attempts: Sequence[Attempt[Any]]) -> TokenUsage:
    total = TokenUsage()
    for attempt in attempts:
        total = total + attempt.usage
    return total


class ValidationExhausted(ModelError):
    """No answer had the requested shape within the re-ask budget; ``answers`` holds every
    attempt, so a caller can still see what came back."""

    def __init__(self, message: str, *, answers: Sequence[Attempt[Any]]) -> None:
        super().__init__(
            message,
            attempts=len(answers),
            transport_retries=sum(a.transport_retries for a in answers),
            usage=sum_usage(answers),
        )
        self.answers = list(answers)


# Most characters of a previous answer echoed back in a re-ask: a runaway answer must not
# double the next request (a re-ask of a 10 MB answer would send 20 MB).
MAX_ECHOED_ANSWER = 12_000


def reask_messages(
    messages: Sequence[Mapping[str, str]], attempt: Attempt[Any], feedback: str
) -> list[dict[str, str]]:
    """``messages`` followed by the model's answer (capped) and the feedback on it."""
    raw = attempt.raw or ""
    if len(raw) > MAX_ECHOED_ANSWER:
        raw = raw[:MAX_ECHOED_ANSWER] + " [... answer cut here: it was too long]"
    return [
        *(dict(message) for message in messages),
        {"role": "assistant", "content": raw or "(no answer)"},
        {"role": "user", "content": feedback},
    ]


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


class RateLimiter:
    """Keeps request starts under requests-per-minute and tokens-per-minute limits, so a run
    stays under a provider's rate limits instead of bouncing off 429s (a sliding window of the
    last minute's requests; waiting callers are served in order)."""

    WINDOW_SECONDS = 60.0

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if (rpm is not None and rpm <= 0) or (tpm is not None and tpm <= 0):
            raise ConfigError("--rpm and --tpm must be positive")
        self.rpm, self.tpm = rpm, tpm
        self._clock, self._sleep = clock, sleep
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
                now = self._clock()
                # A start older than the window no longer counts; one exactly a window ago
                # still does, so no window of WINDOW_SECONDS ever holds more than the limit.
                while self._sent and now - self._sent[0][0] > self.WINDOW_SECONDS:
                    self._sent.popleft()
                used = sum(spent for _, spent in self._sent)
                fits_requests = self.rpm is None or len(self._sent) < int(self.rpm)
                fits_tokens = self.tpm is None or not self._sent or used + tokens <= self.tpm
                if fits_requests and fits_tokens:
                    self._sent.append((now, tokens))
                    return
                # Sleep until the oldest start leaves the window (a clock's tick past it).
                await self._sleep(max(self._sent[0][0] + self.WINDOW_SECONDS - now, 0) + 1e-3)


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
                TransportPolicy(
                    timeout=LOCAL_REQUEST_TIMEOUT, max_total_seconds=2 * LOCAL_REQUEST_TIMEOUT
                )
                if backend.kind == "local"
                else TransportPolicy()
            )
        self.transport = transport
        self.limiter = limiter or RateLimiter()
        self._answered = False  # has the server ever answered this client?
        self._unusable_in_a_row = 0
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

    async def ask(
        self,
        messages: Sequence[Mapping[str, str]],
        response_model: type[T],
        sampling: Sampling,
    ) -> Attempt[T]:
        """Send one request for ``response_model`` and return the answer, parsed or not.

        Transport faults are repeated inside (and counted); an answer of the wrong shape is
        returned with its ``error``, for the caller to re-ask. Raises ``ModelError`` for
        transport faults that outlast their policy and for answers cut off at max_tokens.
        """
        from instructor.core import IncompleteOutputException, InstructorRetryException

        client = await self._connected()
        exchange = _Exchange()
        request: dict[str, Any] = {
            "model": self.model_name,
            "messages": [dict(message) for message in messages],
            "temperature": sampling.temperature,
            "max_tokens": sampling.max_tokens,
        }
        if sampling.seed is not None:
            request["seed"] = sampling.seed
        create = self._structured_create(client, exchange)
        value: T | None = None
        problem: str | None = None
        try:
            # One answer per call: re-asks are the caller's, with feedback it writes itself.
            value = await create(response_model=_wrapped(response_model), max_retries=0, **request)
        except IncompleteOutputException as error:
            raise ModelError(
                f"the model's answer was cut off at max_tokens={sampling.max_tokens}; "
                "raise --max-tokens or use a model with a larger context",
                attempts=exchange.answers,
                transport_retries=exchange.transport_retries,
                usage=exchange.usage,
            ) from error
        except InstructorRetryException as error:
            cause = error.__cause__
            failed = getattr(error, "failed_attempts", None) or []
            if failed:
                cause = failed[-1].exception
            if cause is not None and _is_api_error(cause):
                raise self._failed_request(cause, exchange) from error
            problem = describe_invalid_answer(cause or error)
        except Exception as error:
            if _is_api_error(error):
                raise self._failed_request(error, exchange) from error
            raise
        return Attempt(
            raw=exchange.raw,
            value=value,
            error=problem,
            usage=exchange.usage,
            transport_retries=exchange.transport_retries,
        )

    async def complete(
        self,
        messages: Sequence[Mapping[str, str]],
        response_model: type[T],
        sampling: Sampling,
    ) -> Completion[T]:
        """Ask until an answer has the shape of ``response_model``, re-asking with what was
        wrong, at most ``sampling.max_retries`` times; raises ``ValidationExhausted``."""
        attempts: list[Attempt[T]] = []
        conversation = [dict(message) for message in messages]
        for _ in range(sampling.max_retries + 1):
            attempt = await self.ask(conversation, response_model, sampling)
            attempts.append(attempt)
            if attempt.value is not None:
                return Completion(value=attempt.value, attempts=attempts)
            conversation = reask_messages(
                messages, attempt, f"Your answer did not match the schema: {attempt.error}"
            )
        raise ValidationExhausted(
            f"no answer of the right shape after {len(attempts)} attempt(s): {attempts[-1].error}",
            answers=attempts,
        )

    def _failed_request(self, error: BaseException, exchange: _Exchange) -> Exception:
        """The error for a request whose transport policy ran out: a ``ModelError`` for the
        article, or, when the server is unreachable or not OpenAI-compatible request after
        request, a ``ConfigError`` that stops the run (no point paying the policy per article)."""
        failure = _transport_error(error, exchange)
        if not _server_unusable(error):
            self._unusable_in_a_row = 0
            return failure
        self._unusable_in_a_row += 1
        if self._unusable_in_a_row < (UNUSABLE_SERVER_LIMIT if self._answered else 1):
            return failure
        where = self._server_url()
        repeated = f" for {self._unusable_in_a_row} requests in a row" if self._answered else ""
        return ConfigError(
            f"stopping: the model server at {where} {_unusable_reason(error)}{repeated} "
            f"({server_says(error)}); check --base-url and --model"
        )

    def _server_url(self) -> str:
        if self._openai is not None:
            return str(self._openai.base_url).rstrip("/")
        return self.backend.base_url or "https://api.openai.com/v1"

    def _structured_create(
        self, client: openai.AsyncOpenAI, exchange: _Exchange
    ) -> Callable[..., Awaitable[Any]]:
        """The SDK's create with our transport policy around it, patched by instructor for
        the backend's mode (instructor's public ``patch``)."""
        import instructor
        from tenacity import (
            AsyncRetrying,
            retry_if_exception,
            stop_after_attempt,
            stop_after_delay,
        )

        raw_create = client.chat.completions.create
        policy, limiter = self.transport, self.limiter
        client_state = self

        def count_retry(_state: RetryCallState) -> None:
            exchange.transport_retries += 1

        async def create_within_deadline(started: float, **kwargs: Any) -> Any:
            # One deadline for the whole request, body included: the SDK's timeout applies to
            # each read, so a server sending a byte a second would never trip it.
            remaining = policy.max_total_seconds - (time.monotonic() - started)
            deadline = max(0.0, min(policy.timeout, remaining))
            try:
                async with asyncio.timeout(deadline):
                    return await raw_create(**kwargs)
            except TimeoutError as error:
                raise RequestDeadline(f"no complete answer within {deadline:g} s") from error

        async def create(**kwargs: Any) -> Any:
            if "tools" in kwargs:
                # The SDK walks every parameter through its typed transforms; the tool schema
                # is plain JSON that needs none, and walking it cost 1.4 ms a request. As
                # extra_body it is sent as it is, in the same JSON body.
                kwargs["extra_body"] = {"tools": kwargs.pop("tools")}
            retrying = AsyncRetrying(
                retry=retry_if_exception(is_transient),
                # The waits and the requests together stay within max_total_seconds.
                stop=stop_after_attempt(policy.attempts)
                | stop_after_delay(policy.max_total_seconds),
                wait=_backoff(policy),
                before_sleep=count_retry,
                reraise=True,
            )
            started = time.monotonic()
            async for attempt in retrying:
                with attempt:
                    await limiter.acquire(estimated_tokens(kwargs))
                    response = await create_within_deadline(started, **kwargs)
            exchange.record(response)
            client_state._answered = True
            client_state._unusable_in_a_row = 0
            return response

        return cast(
            Callable[..., Awaitable[Any]],
            instructor.patch(create=create, mode=_instructor_mode(self.backend.mode)),
        )


@dataclass
class _Exchange:
    """What one request brought back: the answer's text, tokens, transport repeats."""

    raw: str | None = None
    answers: int = 0
    transport_retries: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage)

    def record(self, response: Any) -> None:
        self.answers += 1
        self.raw = _answer_text(response)
        usage = getattr(response, "usage", None)
        if usage is not None:
            # A server's counts are not trusted to be sane: a negative one would lower totals.
            self.usage = self.usage + TokenUsage(
                prompt_tokens=_count(usage.prompt_tokens),
                completion_tokens=_count(usage.completion_tokens),
                total_tokens=_count(usage.total_tokens),
            )


def _count(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def prepared_request(
    response_model: type[BaseModel], mode: Mode, request: Mapping[str, Any]
) -> dict[str, Any]:
    """``request`` as instructor sends it for ``response_model`` in ``mode`` (tools and
    tool_choice, or response_format, or the schema in the messages): for benchmarks and
    tools that send requests themselves."""
    import instructor
    from instructor.core import InstructorRetryException

    captured: list[dict[str, Any]] = []

    class _Captured(Exception):
        pass

    def capture(**kwargs: Any) -> Any:
        captured.append(kwargs)
        raise _Captured

    patched = instructor.patch(create=capture, mode=_instructor_mode(mode))
    with suppress(InstructorRetryException, _Captured):
        patched(response_model=_wrapped(response_model), max_retries=0, **dict(request))
    return captured[0]


@functools.cache
def _wrapped(response_model: type[T]) -> type[T]:
    # instructor wraps a plain model in a new class on every call (so its cached tool schema
    # never hits and the JSON Schema is rebuilt); a model wrapped once is used as it is.
    import instructor

    return cast(type[T], instructor.openai_schema(response_model))


def describe_invalid_answer(error: BaseException) -> str:
    """Why an answer was not of the requested shape, in a line per problem, without
    pydantic's boilerplate (the input echoed back, documentation links)."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError):
        problems = []
        for detail in error.errors(include_url=False, include_input=False)[:10]:
            where = ".".join(str(part) for part in detail["loc"]) or "the answer"
            problems.append(f"{where}: {detail['msg']}")
        more = error.error_count() - len(problems)
        if more > 0:
            problems.append(f"and {more} more")
        return "; ".join(problems)
    return _first_line(str(error)) or type(error).__name__


def _instructor_mode(mode: Mode) -> Any:
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

    if isinstance(error, (openai.APIConnectionError, RequestDeadline)):  # timeouts, resets
        return True
    if isinstance(error, openai.APIStatusError):
        # 501 Not Implemented and 505: the server does not do this at all; asking again
        # cannot help.
        if error.status_code in {501, 505}:
            return False
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
        chosen = hinted if hinted is not None else float(exponential(state))
        # Never wait past the total bound: the last attempt gets what time is left.
        left = policy.max_total_seconds - (state.seconds_since_start or 0.0)
        return max(0.0, min(chosen, left))

    return wait


def _is_api_error(error: BaseException | None) -> bool:
    import openai

    return isinstance(error, (openai.APIError, json.JSONDecodeError, RequestDeadline))


def _server_unusable(error: BaseException) -> bool:
    """Faults that say the server, not this request, is the problem: no connection, no such
    endpoint, not implemented, or answers that are not the OpenAI API's JSON."""
    import openai

    if isinstance(error, openai.APITimeoutError):
        return False  # a slow answer is not a wrong server
    if isinstance(error, openai.APIConnectionError):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in {404, 405, 501, 505} or _looks_like_html(error)
    return isinstance(error, openai.APIResponseValidationError)


def _unusable_reason(error: BaseException) -> str:
    import openai

    if isinstance(error, openai.APIConnectionError):
        return "cannot be reached"
    if isinstance(error, openai.NotFoundError) and not _looks_like_html(error):
        return "does not know the model or the endpoint (404)"
    return "does not answer as an OpenAI-compatible API"


def _looks_like_html(error: BaseException) -> bool:
    response = getattr(error, "response", None)
    content_type = str(getattr(response, "headers", {}).get("content-type", ""))
    return "html" in content_type.lower()


_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def server_says(error: BaseException, limit: int = 160) -> str:
    """What a server's error answer says, as one short clean line: the ``message`` of an
    OpenAI-style JSON error, the title or text of an HTML page, else the first line; cut at a
    word boundary."""
    body = getattr(error, "body", None)
    text: str | None = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        text = str(message) if message else None
    elif isinstance(body, str) and body.strip():
        text = body
    if text is None:
        text = str(getattr(error, "message", None) or error)
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        text = title.group(1) if title else _TAG.sub(" ", text)
    text = " ".join(text.split())  # one line, whatever the server sent
    text = re.sub(r"^Error code: \d+ - ", "", text)
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " ..."
    return text


def _transport_error(error: BaseException, exchange: _Exchange) -> ModelError:
    import openai

    detail = server_says(error)
    if isinstance(error, openai.AuthenticationError):
        message = "the server refused the API key (401): check OPENAI_API_KEY"
    elif isinstance(error, openai.NotFoundError):
        message = f"the server does not know the model or endpoint (404): {detail}"
    elif isinstance(error, openai.APIConnectionError):
        message = f"cannot reach the model server ({detail}); check --base-url and the network"
    elif isinstance(error, openai.APIStatusError):
        message = f"the model server answered {error.status_code}: {detail}"
    elif isinstance(error, RequestDeadline):
        message = f"the model server gave {detail}"
    else:
        message = f"the model server's answer was unreadable: {detail}"
    if exchange.transport_retries:
        message += f" (after {exchange.transport_retries} retries)"
    return ModelError(
        message,
        attempts=exchange.answers,
        transport_retries=exchange.transport_retries,
        usage=exchange.usage,
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
