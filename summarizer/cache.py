"""The SQLite result cache: never pay twice for the same answer.

One database file (WAL mode, busy timeout) in the user's cache folder. The key is a hash of
everything that shapes an answer (see ``cache_key``); the value is a validated
``ArticleSummary`` or ``StorySummary``, re-validated on read.

Nothing about the cache ever stops a run or loses work silently; every notice is also given
as a ``CacheWarning``:

* a file that is not a database, another program's database, or one damaged inside (found by
  ``PRAGMA quick_check`` on open, or by an error later) is renamed aside and a new cache begun;
* a database that stays busy (another process holding its write lock past the busy timeout),
  a read-only or full disk, or a cache folder that cannot be made: the run goes on without
  the cache (or without storing into it), and the healthy file is left where it is;
* several processes may share one cache, and they do not pay twice for one article: before
  asking the model, a process claims the key; another that wants it waits for the result.
  A claim by a process that died, or older than ``CLAIM_SECONDS``, is taken over.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import sqlite3
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from summarizer.errors import ConfigError
from summarizer.models import SCHEMA_VERSION, ArticleSummary, StorySummary

APPLICATION_ID = "summarizer-result-cache"
FORMAT_VERSION = "1"
FILE_NAME = "results.sqlite3"
BUSY_TIMEOUT_SECONDS = 30.0
# How long a claim on an article holds without its result: longer than one article takes
# against a hosted API (the transport bound times the re-asks), after which another process
# asks the model itself.
CLAIM_SECONDS = 900.0
# quick_check reads every page: on open only while that is cheap (a fraction of a second).
QUICK_CHECK_MAX_BYTES = 256_000_000
# SQLite result codes meaning the file itself is damaged or not a database.
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}


Stored = TypeVar("Stored", ArticleSummary, StorySummary)


def default_cache_dir() -> Path:
    """``SUMMARIZER_CACHE_DIR``, else the platform's user cache folder."""
    configured = os.environ.get("SUMMARIZER_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("summarizer", appauthor=False))


def cache_key(parts: dict[str, Any]) -> str:
    """A stable hash of ``parts`` (JSON with sorted keys) and the output schema's version."""
    canonical = json.dumps(
        {"schema_version": SCHEMA_VERSION, **parts}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AnswerConditions:
    """Everything besides the request's own content that shapes a cached answer: for articles
    and stories alike. The API key and the embedded server's port are not part of it."""

    task: str
    backend: str
    base_url: str | None
    model: str
    mode: str
    sampling: dict[str, Any]
    strict: bool
    prompt_version: str
    response_schema: dict[str, Any]
    versions: dict[str, str]
    """Versions of the rules applied to answers (grounding, alignment), by name."""

    def digest(self) -> str:
        return cache_key(dataclasses.asdict(self))

    def key(self, content: Any, digest: str | None = None) -> str:
        """The cache key of an answer to ``content`` (the messages, or a story's summaries)
        under these conditions; pass ``digest()`` when it is at hand to hash it once a run."""
        return cache_key({"conditions": digest or self.digest(), "content": content})


@dataclass
class CacheStats:
    path: str
    entries: int
    size_bytes: int
    tokens_stored: int
    last_run: dict[str, int] = field(default_factory=dict)


class CacheWarning(UserWarning):
    """Something happened to the result cache that the user should hear about (it was moved
    aside, is busy, could not be written); the run goes on."""


class ResultCache:
    """``get``/``put`` validated summaries by key; counts this process's hits and misses."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / FILE_NAME
        self.notices: list[str] = []
        self.hits = 0
        self.misses = 0
        self.tokens_saved = 0
        self.available = False
        """False when this run goes without the cache (busy, read-only, cannot be made)."""
        self._storing = True
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._connection: sqlite3.Connection | None = None
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"cache_dir {str(folder)!r} is a file, not a folder")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._notice(
                f"cannot make the cache folder {str(folder)!r} ({error.strerror}); "
                "this run goes on without the cache"
            )
            return
        self._connection = self._open()
        self.available = self._connection is not None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()

    def _notice(self, text: str) -> None:
        # Kept for `summarize cache ...`, and warned so a run's user hears it as it happens.
        self.notices.append(text)
        warnings.warn(text, CacheWarning, stacklevel=3)

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection | None:
        try:
            return self._connect_waiting()
        except sqlite3.DatabaseError as error:
            if not _is_damage(error):
                self._unavailable(error)
                return None
            self._set_aside(f"was unusable ({error})")
        try:
            return self._connect_waiting()
        except sqlite3.DatabaseError as error:
            self._unavailable(error)
            return None

    def _connect_waiting(self) -> sqlite3.Connection:
        """``_connect_and_check``, trying again while the file is busy, up to the busy timeout.

        SQLite answers "busy" at once, without its busy handler, when waiting could deadlock
        (two processes creating the cache together, one switching it to WAL): that is a
        moment's contention, not a reason to run without the cache."""
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                return self._connect_and_check()
            except sqlite3.OperationalError as error:
                if _code(error) not in _BUSY or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def _unavailable(self, error: sqlite3.Error) -> None:
        if _code(error) in _BUSY:
            why = (
                f"is busy: another process held it for over {BUSY_TIMEOUT_SECONDS:g} s; "
                "it is left as it is"
            )
        else:
            why = f"cannot be used ({error})"
        self._notice(f"cache {str(self.path)!r} {why}; this run goes on without the cache")

    def _set_aside(self, why: str) -> None:
        aside = self.path.with_name(f"{self.path.name}.unusable-{int(time.time())}")
        self._notice(
            f"cache file {str(self.path)!r} {why}; moved it to {aside.name} and started a new cache"
        )
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.replace(Path(f"{aside}{suffix}"))

    def _connect_and_check(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            # Look before writing: another program's database must not gain our tables.
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if tables and "meta" not in tables:
                raise sqlite3.DatabaseError(
                    f"a database of another program (tables {sorted(tables)})"
                )
            if tables and self.path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
                problems = [row[0] for row in connection.execute("PRAGMA quick_check(3)")]
                if problems != ["ok"]:
                    raise sqlite3.DatabaseError(f"damaged inside: {'; '.join(problems)[:200]}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            with self._write(connection):
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS results ("
                    " key TEXT PRIMARY KEY, created REAL NOT NULL, tokens INTEGER NOT NULL,"
                    " summary TEXT NOT NULL)"
                )
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS claims ("
                    " key TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL,"
                    " pid INTEGER NOT NULL, expires REAL NOT NULL)"
                )
                connection.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('application', ?), ('format', ?)",
                    (APPLICATION_ID, FORMAT_VERSION),
                )
                rows = dict(connection.execute("SELECT name, value FROM meta").fetchall())
            if rows.get("application") != APPLICATION_ID or rows.get("format") != FORMAT_VERSION:
                raise sqlite3.DatabaseError(
                    f"not a summarizer cache of format {FORMAT_VERSION} "
                    f"(application={rows.get('application')!r}, format={rows.get('format')!r})"
                )
            columns = {row[1] for row in connection.execute("PRAGMA table_info(results)")}
            if columns != {"key", "created", "tokens", "summary"}:
                raise sqlite3.DatabaseError(f"unexpected results table columns {sorted(columns)}")
        except BaseException:
            connection.close()
            raise
        return connection

    def _failed(self, doing: str, error: sqlite3.Error) -> None:
        """An error from a cache that was working: damage sets it aside and starts a new one;
        anything else (a full or read-only disk, a lock held too long) stops storing."""
        if _is_damage(error):
            if self._connection is not None:
                self._connection.close()
            self._set_aside(f"is damaged ({doing} failed: {error})")
            self._connection = self._open()
            self.available = self._connection is not None
        elif self._storing:
            self._storing = False
            self._notice(
                f"cache {doing} failed ({error}); results of this run are not cached from now "
                "on (they are in the outputs)"
            )

    @staticmethod
    @contextmanager
    def _write(connection: sqlite3.Connection) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so two processes wait on the busy timeout
        # instead of failing half-way through a transaction.
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk): then there is
            # nothing to undo, and trying would hide the error that matters.
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    # ----------------------------------------------------------------------------------------

    def get(self, key: str) -> ArticleSummary | None:
        """The stored summary, re-validated; None (and the entry dropped) if it no longer
        validates."""
        summary = self._get(key, ArticleSummary)
        if summary is not None:
            self.tokens_saved += summary.metadata.usage.total_tokens
        return summary

    def put(self, key: str, summary: ArticleSummary) -> None:
        self._put(key, summary.metadata.usage.total_tokens, summary)

    def get_story(self, key: str) -> StorySummary | None:
        """A stored story synthesis, re-validated, as ``get``."""
        story = self._get(key, StorySummary)
        if story is not None:
            self.tokens_saved += story.metadata.usage.total_tokens
        return story

    def put_story(self, key: str, story: StorySummary) -> None:
        self._put(key, story.metadata.usage.total_tokens, story)

    def _get(self, key: str, kind: type[Stored], *, count: bool = True) -> Stored | None:
        row = None
        if self._connection is not None:
            try:
                row = self._connection.execute(
                    "SELECT summary FROM results WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.DatabaseError as error:
                self._failed("a read", error)
        if row is None:
            self.misses += count
            return None
        try:
            value = kind.model_validate_json(row[0])
        except ValidationError:
            self._notice(f"dropped a cache entry that no longer validates ({key[:12]})")
            self._execute("DELETE FROM results WHERE key = ?", (key,))
            self.misses += count
            return None
        self.hits += count
        return value

    def _put(self, key: str, tokens: int, value: BaseModel) -> None:
        if not self._storing or self._connection is None:
            return
        if not self.path.exists():
            self._storing = False
            self._notice(
                f"the cache file {str(self.path)!r} was removed during the run; results of "
                "this run are not cached from now on (they are in the outputs)"
            )
            return
        self._execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
            (key, time.time(), tokens, value.model_dump_json()),
            "DELETE FROM claims WHERE key = ? AND owner = ?",
            (key, self._owner),
            doing="a write",
        )

    def _execute(self, *statements: Any, doing: str = "a write") -> bool:
        """Run (sql, parameters) pairs in one write transaction; False when it failed."""
        if self._connection is None:
            return False
        try:
            with self._write(self._connection):
                for sql, parameters in zip(statements[::2], statements[1::2], strict=True):
                    self._connection.execute(sql, parameters)
        except sqlite3.DatabaseError as error:
            self._failed(doing, error)
            return False
        return True

    # ----------------------------------------------------------------------------------------
    # Claims: one process asks the model about an article, others wait for its answer

    def claim(self, key: str) -> bool:
        """Claim ``key`` before asking the model about it: True when this caller may go ahead
        (no live claim, or no working cache), False while a live process (this one included)
        holds it -- then wait for its result (``peek``) and claim again."""
        if self._connection is None or not self._storing:
            return True
        now = time.time()
        try:
            with self._write(self._connection):
                row = self._connection.execute(
                    "SELECT owner, host, pid, expires FROM claims WHERE key = ?", (key,)
                ).fetchone()
                # Held by another process, or by another task of this one asking about the
                # same text under another file name: wait for that answer.
                if row is not None and not _stale(row, now):
                    return False
                self._connection.execute(
                    "INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?)",
                    (key, self._owner, socket.gethostname(), os.getpid(), now + CLAIM_SECONDS),
                )
        except sqlite3.DatabaseError as error:
            self._failed("a claim", error)
        return True

    def release(self, key: str) -> None:
        """Give up a claim without a result (the article failed): another may try."""
        if self._connection is not None and self._storing:
            self._execute(
                "DELETE FROM claims WHERE key = ? AND owner = ?",
                (key, self._owner),
                doing="a write",
            )

    def peek(self, key: str) -> ArticleSummary | None:
        """``get`` without counting a miss: for polling while another process works on it."""
        summary = self._get(key, ArticleSummary, count=False)
        if summary is not None:
            self.hits += 1
            self.misses = max(0, self.misses - 1)
            self.tokens_saved += summary.metadata.usage.total_tokens
        return summary

    def stats(self) -> CacheStats:
        if self._connection is None:
            raise ConfigError(f"the cache {str(self.path)!r} cannot be opened: {self.notices[-1]}")
        entries, tokens = self._connection.execute(
            "SELECT COUNT(*), COALESCE(SUM(tokens), 0) FROM results"
        ).fetchone()
        size = sum(
            Path(f"{self.path}{suffix}").stat().st_size
            for suffix in ("", "-wal", "-shm")
            if Path(f"{self.path}{suffix}").exists()
        )
        last = dict(self._connection.execute("SELECT name, value FROM meta").fetchall())
        last_run = {
            name.removeprefix("last_run_"): int(value)
            for name, value in last.items()
            if name.startswith("last_run_")
        }
        return CacheStats(str(self.path), int(entries), size, int(tokens), last_run)

    def record_run(self) -> None:
        """Remember this run's hits, misses and tokens saved, for ``summarize cache stats``."""
        values = {"hits": self.hits, "misses": self.misses, "tokens_saved": self.tokens_saved}
        if not self._storing:
            return
        statements: list[Any] = []
        for name, value in values.items():
            statements += [
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (f"last_run_{name}", str(value)),
            ]
        self._execute(*statements, doing="recording the run")

    def clear(self) -> int:
        if self._connection is None:
            raise ConfigError(f"the cache {str(self.path)!r} cannot be opened: {self.notices[-1]}")
        with self._write(self._connection):
            removed = self._connection.execute("DELETE FROM results").rowcount
        with closing(self._connection.cursor()) as cursor:
            cursor.execute("VACUUM")
        return int(removed)


def _code(error: sqlite3.Error) -> str | None:
    return getattr(error, "sqlite_errorname", None)


def _is_damage(error: sqlite3.Error) -> bool:
    """A damaged or foreign file (our own checks raise plain DatabaseErrors, without a code)."""
    code = _code(error)
    return code in _DAMAGED or (code is None and type(error) is sqlite3.DatabaseError)


def _stale(claim: tuple[str, str, int, float], now: float) -> bool:
    """A claim nobody will honour: expired, or held by a process of this machine that died."""
    _owner, host, pid, expires = claim
    if expires <= now:
        return True
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
