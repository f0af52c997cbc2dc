"""Shared test setup: one strict cassette configuration for every recorded test.

Recorded tests replay HTTP traffic captured from the embedded llama.cpp server. To record
again (after any prompt or schema change):

    python -m pytest --record-mode=rewrite

which starts the embedded server (needs the [local] extra) and rewrites every cassette.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cassette_format import NAME as CASSETTE_FORMAT
from tests.cassette_format import ReadableJsonSerializer

RERECORD = "python -m pytest --record-mode=rewrite"

# instructor's re-ask messages quote pydantic errors; without this they carry a URL with the
# pydantic version, and an upgrade would change request bodies and break replay.
os.environ["PYDANTIC_ERRORS_INCLUDE_URL"] = "false"

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CASSETTES = ROOT / "cassettes"

# Replayed requests never connect; this address only has to look like a server.
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"

SECRET_REQUEST_HEADERS = [
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
]
SECRET_RESPONSE_HEADERS = {
    "set-cookie",
    "openai-organization",
    "openai-project",
    "x-request-id",
    "cf-ray",
    "authorization",
}


def _scrub_request(request: Any) -> Any:
    # Client fingerprint headers vary by machine and SDK version; nothing matches on them.
    for name in list(request.headers):
        if name.lower().startswith("x-stainless") or name.lower() in SECRET_REQUEST_HEADERS:
            del request.headers[name]
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_RESPONSE_HEADERS:
            del headers[name]
    return response


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_serializer(CASSETTE_FORMAT, ReadableJsonSerializer)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Kept on the item so fixtures can tell, at teardown, whether the test itself failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return {
        "serializer": CASSETTE_FORMAT,
        "filter_headers": SECRET_REQUEST_HEADERS,
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        # The server's port is random when recording; the body is what must match.
        "match_on": ("method", "path", "body"),
        "decode_compressed_response": True,
    }


@pytest.fixture
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / Path(str(request.node.fspath)).stem)


@pytest.fixture(autouse=True)
def _fail_at_once_without_a_recording(
    vcr: Any, record_mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replayed request that no recording matches fails the test at once, saying so, instead
    of being retried by the transport policy as a connection fault for many seconds."""
    if vcr is None or record_mode != "none":
        return
    from vcr.errors import CannotOverwriteExistingCassetteException

    import summarizer.llm

    transient = summarizer.llm.is_transient

    def is_transient(error: BaseException) -> bool:
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, CannotOverwriteExistingCassetteException):
                pytest.fail(
                    "no recorded interaction matches this request (a prompt, schema or request "
                    f"parameter changed?); re-record the cassettes with `{RERECORD}`",
                    pytrace=False,
                )
            cause = cause.__cause__ or cause.__context__
        return transient(error)

    monkeypatch.setattr(summarizer.llm, "is_transient", is_transient)


@pytest.fixture(autouse=True)
def _fail_on_unplayed_interactions(
    vcr: Any, record_mode: str, request: pytest.FixtureRequest
) -> Iterator[None]:
    """A replayed test that leaves recorded interactions unplayed is stale: fail it. A test
    that already failed is not reported twice."""
    yield
    call = getattr(request.node, "report_call", None)
    if call is not None and not call.passed:
        return
    if vcr is not None and record_mode == "none" and not vcr.all_played:
        unplayed = len(vcr) - len([c for c in vcr.play_counts.values() if c])
        pytest.fail(
            f"{unplayed} of {len(vcr)} recorded interaction(s) were not replayed: the code no "
            f"longer makes the requests this cassette holds; re-record with `{RERECORD}`"
        )


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's key or endpoint, so none can reach a cassette."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets an empty result cache of its own, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def llm_endpoint(record_mode: str) -> Iterator[str]:
    """Base URL of the model server: the real embedded server when recording, a placeholder
    when replaying (the cassette answers)."""
    if record_mode == "none":
        yield REPLAY_BASE_URL
        return
    import functools

    import summarizer.llm
    from summarizer.local import LocalServer

    with LocalServer() as server, pytest.MonkeyPatch.context() as patch:
        # The tests reach the embedded server as an OpenAI-compatible one, whose requests have
        # a hosted API's deadline; a long answer from the small model on two cores outlasts it
        # and would be missing from the recording. Recording waits as the embedded model does.
        patch.setattr(
            summarizer.llm,
            "TransportPolicy",
            functools.partial(
                summarizer.llm.TransportPolicy,
                timeout=summarizer.llm.LOCAL_REQUEST_TIMEOUT,
                max_total_seconds=2 * summarizer.llm.LOCAL_REQUEST_TIMEOUT,
            ),
        )
        yield server.base_url
