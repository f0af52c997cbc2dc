"""Writing outputs: one JSON file per article, or one JSONL, Markdown or HTML file per run.

Every file is written atomically (temporary file in the same folder, then rename), so an
interrupted run never leaves a partial or corrupt output behind. Run files are spooled and
assembled at spaced checkpoints; what they contain is ``summarizer.render``'s job.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from summarizer.config import OutputFormat
from summarizer.models import (
    OUTPUTS_LIST,
    Article,
    ArticleSummary,
)
from summarizer.render import html_page, render_html_article, render_json, render_markdown

STORY_FILES = {"json": "story.json", "md": "story.md", "html": "story.html"}

# Formats that hold the whole run in one file, and that file's name.
RUN_FILES = {"jsonl": "summaries.jsonl", "md": "report.md", "html": "report.html"}


# Read once, at import, because os.umask can only be read by setting it.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    with _atomic_output(path) as stream:
        stream.write(text.encode("utf-8"))


@contextmanager
def _atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A stream whose content replaces ``path`` whole when the block ends without error.

    Renaming a finished temporary file means no reader, and no killed run, ever leaves a
    partial file. There is no fsync: results are durable in the cache, and a crash of the
    machine itself loses at most outputs a re-run rewrites from it at once. The temporary
    file's name carries this process's id, so the next run removes what a killed one left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _prepare_output_folder(path.parent, path.name)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp"
    )
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)  # as an ordinary new file, not mkstemp's 0600
        with os.fdopen(handle, "wb") as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_LEFTOVER = re.compile(r"^\..+\.(\d+)-[^.]+\.tmp$")
_listed: dict[Path, set[str]] = {}
_listing_lock = threading.Lock()


def _prepare_output_folder(folder: Path, name: str) -> None:
    """The first time this process writes into ``folder``: remove temporary files of killed
    runs. Every time: list ``name`` among the files summarize wrote there (before the file
    exists), so a later run over a folder holding its outputs never reads them as articles."""
    with _listing_lock:
        listed = _listed.get(folder)
        if listed is None:
            _remove_leftovers(folder)
            listed = _listed[folder] = _read_listing(folder)
        if name in listed:
            return
        with open(folder / OUTPUTS_LIST, "a", encoding="utf-8") as listing:
            listing.write(name + "\n")
        listed.add(name)


def _read_listing(folder: Path) -> set[str]:
    try:
        return set((folder / OUTPUTS_LIST).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return set()


def _remove_leftovers(folder: Path) -> None:
    for entry in os.scandir(folder):
        match = _LEFTOVER.match(entry.name)
        if match and not _process_alive(int(match.group(1))):
            Path(entry.path).unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def output_stem(summary: ArticleSummary, taken: set[str]) -> str:
    """The source file's name without extension; a source whose name is taken gets a short
    hash of its path (and content) appended, so no output overwrites another."""
    return _stem_for(summary.metadata.source_path, taken, summary.metadata.article_id)


def _stem_for(
    source_path: str,
    taken: set[str],
    salt: str = "",
    occupied: Callable[[str], bool] = lambda _stem: False,
) -> str:
    source, _, record = source_path.partition("#")
    stem = Path(source).stem or hashlib.sha256(source_path.encode()).hexdigest()[:8]
    if record:  # one record of a JSON/JSONL file: "news#L3" -> "news-L3"
        stem = f"{stem}-{record}"
    candidate, seed = stem, f"{source_path}\n{salt}"
    while candidate in taken or occupied(candidate):
        seed = hashlib.sha256(seed.encode("utf-8", "surrogateescape")).hexdigest()
        candidate = f"{stem}-{seed[:8]}"
    taken.add(candidate)
    return candidate


class OutputWriter:
    """Writes each summary as it arrives, in the chosen format, under ``folder``.

    ``json`` writes a file per article at once. ``jsonl``, ``md`` and ``html`` write one file
    for the run, listing articles in input order however they finish: each result is rendered
    once, on arrival, into a spool file (memory holds only where each part lies), and the run
    file is put together from it atomically -- at checkpoints while the run goes on, spaced so
    that rewriting costs at most a twentieth of the run's time, and on ``close()``. Use it as a
    context manager, so the run file is complete however the run ends."""

    def __init__(self, folder: Path, output_format: OutputFormat) -> None:
        self.folder = folder
        self.format = output_format
        self.written: list[Path] = []
        self.unwritten: list[tuple[Path, str]] = []
        """Outputs that could not be written (a full disk, a folder gone read-only), and why:
        the run goes on, and the caller says which."""
        self._taken: set[str] = set()
        self._stems: dict[str, str] = {}  # source path -> output name, chosen in input order
        self._outputs_before: set[str] | None = None
        self._order: dict[str, int] = {}
        self._spool: IO[bytes] | None = None
        self._parts: list[tuple[tuple[int, int], int, int]] = []  # (order, offset, length)
        self._unwritten = False
        self._next_checkpoint = 0.0
        self._writes: ThreadPoolExecutor | None = None
        self._pending: deque[tuple[Path, Future[None]]] = deque()

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def expect(self, source_paths: Iterable[str]) -> None:
        """Articles of the run, in input order (called as they are read): run files list
        articles in this order, however they finish."""
        for path in source_paths:
            self._order.setdefault(path, len(self._order))
            # Named in input order, not arrival order: the same inputs get the same names.
            if path not in self._stems:
                self._stems[path] = _stem_for(path, self._taken, occupied=self._occupied)

    def add(self, summary: ArticleSummary, article: Article | None = None) -> Path:
        """Write ``summary`` out; the HTML report also needs its ``article``'s text."""
        if self.format == "json":
            stem = self._stems.get(summary.metadata.source_path) or _stem_for(
                summary.metadata.source_path,
                self._taken,
                summary.metadata.article_id,
                occupied=self._occupied,
            )
            path = self.folder / f"{stem}.json"
            self._write_in_background(path, render_json(summary))
            self.written.append(path)
            return path
        arrival = len(self._parts)
        position = self._order.get(summary.metadata.source_path, len(self._order) + arrival)
        if self.format == "jsonl":
            part = summary.model_dump_json() + "\n"
        elif self.format == "md":
            part = render_markdown([summary]) + "\n"
        else:
            if article is None:
                raise ValueError("the HTML report needs each summary's article")
            part = render_html_article(article, summary, anchor=f"a{position + 1}")
        if self._spool is None:
            self._spool = tempfile.TemporaryFile(prefix="summarizer-run-")  # noqa: SIM115
        data = part.encode("utf-8")
        offset = self._spool.seek(0, os.SEEK_END)
        self._spool.write(data)
        self._parts.append(((position, arrival), offset, len(data)))
        self._unwritten = True
        if time.monotonic() >= self._next_checkpoint:
            self._assemble()
        return self.run_file

    def _occupied(self, stem: str) -> bool:
        """A file of that name is there and summarize did not write it (an input, when the
        output folder is the input folder): it is never overwritten."""
        name = f"{stem}.json"
        if self._outputs_before is None:
            self._outputs_before = _read_listing(self.folder)
        return (self.folder / name).exists() and name not in self._outputs_before

    @property
    def order(self) -> dict[str, int]:
        """Source path -> position in the run's input order."""
        return self._order

    @property
    def run_file(self) -> Path:
        return self.folder / RUN_FILES[self.format]

    def close(self) -> None:
        """Finish every write: the run file with every result added, each article's file."""
        try:
            if self._unwritten:
                self._assemble()
        finally:
            if self._spool is not None:
                self._spool.close()
                self._spool = None
            if self._writes is not None:
                self._writes.shutdown(wait=True)
                self._writes = None
            self._drain(keep=0)

    # Creating and renaming a file costs the kernel far more than rendering it (about 0.8 ms
    # against 0.1 ms here), and the calls release the GIL: a writer thread does them while
    # the run goes on. Few writes wait, so memory stays bounded.
    _MAX_PENDING_WRITES = 64

    def _write_in_background(self, path: Path, text: str) -> None:
        if self._writes is None:
            self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer-out")
        self._pending.append((path, self._writes.submit(write_atomic, path, text)))
        self._drain(keep=self._MAX_PENDING_WRITES)

    def _drain(self, *, keep: int) -> None:
        """Wait until at most ``keep`` writes are pending; note those that failed."""
        while self._pending and (len(self._pending) > keep or self._pending[0][1].done()):
            path, write = self._pending.popleft()
            try:
                write.result()
            except OSError as error:
                self._failed(path, error)

    def _failed(self, path: Path, error: OSError) -> None:
        problem = error.strerror or str(error)
        self.unwritten = [entry for entry in self.unwritten if entry[0] != path]
        self.unwritten.append((path, problem))

    def _assemble(self) -> None:
        started = time.monotonic()
        assert self._spool is not None
        self._spool.flush()
        self._parts.sort()
        try:
            with _atomic_output(self.run_file) as stream:
                if self.format == "html":
                    head, tail = html_page("Summaries", len(self._parts))
                    stream.write(head.encode("utf-8"))
                for _, offset, length in self._parts:
                    stream.write(os.pread(self._spool.fileno(), length, offset))
                if self.format == "html":
                    stream.write(tail.encode("utf-8"))
        except OSError as error:
            # Tried again at the next checkpoint and at the end; the run goes on meanwhile.
            self._failed(self.run_file, error)
            self._next_checkpoint = time.monotonic() + 5.0
            return
        self.unwritten = [entry for entry in self.unwritten if entry[0] != self.run_file]
        self._unwritten = False
        if self.run_file not in self.written:
            self.written.append(self.run_file)
        elapsed = time.monotonic() - started
        # Rewriting the whole file is O(results): wait twenty times as long as it took, so
        # checkpoints stay a small share of the run however long it grows.
        self._next_checkpoint = time.monotonic() + max(1.0, 20 * elapsed)
