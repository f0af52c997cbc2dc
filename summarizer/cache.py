"""The SQLite result cache: never pay twice for the same answer.

One database file (WAL mode, busy timeout) in the user's cache folder. The key is a hash of
everything that shapes an answer (see ``cache_key``); the value is a validated
``ArticleSummary`` or ``StorySummary``, re-validated on read. A corrupt or foreign file is
renamed aside and a new one started: it is reported, never fatal. Several processes may share
one cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import time
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from summarizer.models import SCHEMA_VERSION, ArticleSummary, StorySummary

APPLICATION_ID = "summarizer-result-cache"
FORMAT_VERSION = "1"
FILE_NAME = "results.sqlite3"
BUSY_TIMEOUT_SECONDS = 30.0

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
    """The cache could not be used as it was (moved aside, a read or write failed)."""


class ResultCache:
    """``get``/``put`` validated summaries by key; counts this process's hits and misses."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / FILE_NAME
        self.notices: list[str] = []
        self.hits = 0
        self.misses = 0
        self.tokens_saved = 0
        self.folder.mkdir(parents=True, exist_ok=True)
        self._connection = self._open()

    def close(self) -> None:
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

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect_and_check()
        except sqlite3.DatabaseError as error:
            aside = self.path.with_name(f"{self.path.name}.unusable-{int(time.time())}")
            self._notice(
                f"cache file {self.path} was unusable ({error}); moved it to {aside.name} "
                "and started a new cache"
            )
            for suffix in ("", "-wal", "-shm"):
                source = Path(f"{self.path}{suffix}")
                if source.exists():
                    source.replace(Path(f"{aside}{suffix}"))
            return self._connect_and_check()

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

    @staticmethod
    @contextmanager
    def _write(connection: sqlite3.Connection) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so two processes wait on the busy timeout
        # instead of failing half-way through a transaction.
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
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

    def _get(self, key: str, kind: type[Stored]) -> Stored | None:
        try:
            row = self._connection.execute(
                "SELECT summary FROM results WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.DatabaseError as error:
            self._notice(f"cache read failed ({error}); continuing without it")
            row = None
        if row is None:
            self.misses += 1
            return None
        try:
            value = kind.model_validate_json(row[0])
        except ValidationError:
            self._notice(f"dropped a cache entry that no longer validates ({key[:12]})")
            with self._write(self._connection):
                self._connection.execute("DELETE FROM results WHERE key = ?", (key,))
            self.misses += 1
            return None
        self.hits += 1
        return value

    def _put(self, key: str, tokens: int, value: BaseModel) -> None:
        try:
            with self._write(self._connection):
                self._connection.execute(
                    "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
                    (key, time.time(), tokens, value.model_dump_json()),
                )
        except sqlite3.DatabaseError as error:
            self._notice(f"cache write failed ({error}); the result is kept in output")

    def stats(self) -> CacheStats:
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
        with self._write(self._connection):
            self._connection.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(f"last_run_{name}", str(value)) for name, value in values.items()],
            )

    def clear(self) -> int:
        with self._write(self._connection):
            removed = self._connection.execute("DELETE FROM results").rowcount
        with closing(self._connection.cursor()) as cursor:
            cursor.execute("VACUUM")
        return int(removed)
