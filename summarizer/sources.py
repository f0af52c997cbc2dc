"""Reading files and folders into ``Article``s.

Every problem with one file becomes a ``SourceError`` naming that file; it never stops the
other files from loading. Text is decoded tolerantly (BOMs, UTF-8, then detected legacy
encodings such as cp1252), normalised, stripped of export boilerplate, and split into numbered
sentences whose character offsets index ``Article.text`` exactly.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from summarizer.config import DEFAULT_MAX_BYTES
from summarizer.errors import SourceError
from summarizer.models import OUTPUTS_LIST, Article, Sentence

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"})
# Field names read from .json / .jsonl records, first match wins.
TEXT_FIELDS = ("text", "body", "content", "article", "maintext")
TITLE_FIELDS = ("title", "headline")
DATE_FIELDS = ("date", "published", "published_at", "publishedAt", "date_publish", "pubDate")
AUTHOR_FIELDS = ("author", "authors", "byline")
SOURCE_FIELDS = ("source", "outlet", "url")
MIN_HTML_TEXT_CHARS = 25


@dataclass
class LoadResult:
    """Articles that loaded, per-file errors, and files passed over on purpose."""

    articles: list[Article] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def load_paths(
    paths: Iterable[Path | str] | Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> LoadResult:
    """Load every supported file under ``paths`` (folders recursively, in sorted order)."""
    result = LoadResult()
    for loaded in iter_sources(paths, max_bytes=max_bytes, skipped=result.skipped):
        if isinstance(loaded, SourceError):
            result.errors.append(loaded)
        else:
            result.articles.append(loaded)
    return result


def iter_sources(
    paths: Iterable[Path | str] | Path | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    skipped: list[tuple[str, str]] | None = None,
) -> Iterator[Article | SourceError]:
    """``load_paths`` one file at a time: each article, or the error of a file that could not
    be read, in input order, read only when asked for -- a run holds only the articles in
    flight, however many the folder has. Files passed over on purpose go to ``skipped``."""
    # One path, not the characters of its name.
    given = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
    # Symbolic links met inside a folder are followed only to files within the inputs given;
    # a link to anything else (another user's files, /dev/zero) is read only when named.
    inside = [os.path.realpath(path) for path in given]
    seen: set[str] = set()
    passed_over = skipped if skipped is not None else []
    for path in given:
        if not path.exists() and not path.is_symlink():
            yield SourceError(path, "no such file or folder")
            continue
        if path.is_dir():
            files: list[Path] = []
            unreadable = False
            for found in _walk(path, passed_over, inside):
                if isinstance(found, SourceError):
                    unreadable = unreadable or found.path == str(path)
                    yield found
                else:
                    files.append(found)
            if not files and not unreadable:
                yield SourceError(path, "folder holds no article files")
            candidates = files
        else:
            candidates = [path]
        for file in candidates:
            key = os.path.realpath(file) if file.exists() else str(file)
            if key in seen:
                continue
            seen.add(key)
            yield from read_articles(file, max_bytes=max_bytes)


def _walk(
    folder: Path, skipped: list[tuple[str, str]], inside: list[str]
) -> Iterator[Path | SourceError]:
    unreadable: list[OSError] = []
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=unreadable.append):
        yield from (_unreadable_folder(error) for error in unreadable)
        unreadable.clear()
        for name in sorted(dirs):
            if not name.startswith(".") and os.path.islink(os.path.join(root, name)):
                skipped.append(
                    (os.path.join(root, name), "symbolic link to a folder, not followed")
                )
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        written = _outputs_written_in(root)
        for name in sorted(files):
            file = Path(root) / name
            if name.startswith("."):
                skipped.append((str(file), "hidden file"))
            elif file.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append((str(file), f"unsupported extension {file.suffix!r}"))
            elif name in written:
                skipped.append((str(file), "an output of summarize, not an article"))
            elif file.is_symlink() and not _within(os.path.realpath(file), inside):
                skipped.append((str(file), "symbolic link to a file outside the inputs"))
            else:
                yield file
    yield from (_unreadable_folder(error) for error in unreadable)


def _unreadable_folder(error: OSError) -> SourceError:
    problem = "permission denied" if isinstance(error, PermissionError) else error.strerror
    return SourceError(error.filename, f"folder not read: {problem or error}")


def _within(target: str, roots: list[str]) -> bool:
    return any(target == root or target.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _outputs_written_in(folder: str) -> frozenset[str]:
    try:
        with open(os.path.join(folder, OUTPUTS_LIST), encoding="utf-8") as listing:
            return frozenset(line.rstrip("\n") for line in listing)
    except (OSError, UnicodeDecodeError):
        return frozenset()


def load_file(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read a one-article file into an ``Article``; raise ``SourceError`` naming it when it
    can't be (or when it holds several records: use ``read_articles`` for those)."""
    loaded = read_articles(path, max_bytes=max_bytes)
    for item in loaded:
        if isinstance(item, SourceError):
            raise item
    if len(loaded) != 1:
        raise SourceError(path, f"holds {len(loaded)} articles; use read_articles or load_paths")
    article = loaded[0]
    assert isinstance(article, Article)
    return article


def read_articles(
    path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Article | SourceError]:
    """Every article in one file (JSON and JSONL files may hold many), and an error for each
    part that could not be read. Never raises ``SourceError``."""
    try:
        return list(_read(Path(path), max_bytes))
    except SourceError as error:
        return [error]
    except RecursionError:
        return [SourceError(path, "nested too deeply to read (over about 900 levels)")]
    except Exception as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return [SourceError(path, f"could not be read ({type(error).__name__}: {detail})")]


def _read(path: Path, max_bytes: int) -> Iterator[Article | SourceError]:
    text = _read_text(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        yield _from_html(text, path)
    elif suffix == ".json":
        yield from _from_json(text, path)
    elif suffix == ".jsonl":
        yield from _from_jsonl(text, path)
    else:
        title, published, body, outlet = _split_header(text, markdown=suffix != ".txt")
        yield make_article(body, path=str(path), title=title, published=published, source=outlet)


def _read_text(path: Path, max_bytes: int) -> str:
    if path.is_symlink() and not path.exists():
        try:
            os.stat(path)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise SourceError(path, "symbolic link loop") from error
        raise SourceError(path, "broken symbolic link")
    if path.is_dir():
        raise SourceError(path, "is a folder; pass it as a folder argument")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise SourceError(
            path,
            f"unsupported file type {path.suffix or '(none)'!r}; "
            f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}",
        )
    try:
        data = _read_regular_file(path, max_bytes)
    except PermissionError as error:
        raise SourceError(path, "permission denied") from error
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SourceError(path, "symbolic link loop") from error
        raise SourceError(path, f"cannot read: {error.strerror or error}") from error
    return decode_bytes(data, path)


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, if it is a regular file of at most ``max_bytes``.

    Opened without blocking (a FIFO would wait for a writer forever) and checked on the open
    descriptor, so a FIFO, device or socket is never read; read to one byte past the limit
    whatever its size claims (a device or /proc file reports 0)."""
    _require_regular(path, os.stat(path).st_mode)  # a socket cannot even be opened
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    try:
        _require_regular(path, os.fstat(descriptor).st_mode)  # it may have changed since
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(descriptor, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(descriptor)
    if size > max_bytes:
        raise SourceError(path, f"file is over the {max_bytes:,}-byte limit (--max-bytes)")
    return b"".join(chunks)


def _require_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = (
        "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a regular file"
    )  # fmt: skip
    raise SourceError(path, f"{kind}, not an article file: not read")


def make_article(
    text: str,
    *,
    path: str,
    title: str | None = None,
    published: date | None = None,
    author: str | None = None,
    source: str | None = None,
) -> Article:
    """Build an ``Article`` from text already read (library users can call this directly)."""
    body = normalise_text(text)
    if not body.strip():
        raise SourceError(path, "no article text (empty or only whitespace/boilerplate)")
    sentences = split_sentences(body)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    return Article(
        id=digest,
        path=path,
        title=title,
        published=published,
        author=author,
        source=source,
        text=body,
        sentences=sentences,
    )


# --------------------------------------------------------------------------------------------
# HTML pages and JSON records
# --------------------------------------------------------------------------------------------


def _from_html(html: str, path: Path) -> Article:
    try:
        import trafilatura

        document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except ImportError as error:
        # A broken or partial install (seen: lxml without its html_clean part) fails the HTML
        # files, in one line that says how to mend it, and the other files go on.
        raise SourceError(
            path,
            f"cannot read HTML: {error.name or error} is missing; reinstall with "
            "`pip install --upgrade evidence-summarizer`",
        ) from error
    text = getattr(document, "text", None) if document is not None else None
    # A page whose main text is a menu word or two ("Home") holds no article.
    if not text or len(text.strip()) < MIN_HTML_TEXT_CHARS:
        raise SourceError(path, "no article text found in the HTML page")
    title = getattr(document, "title", None) or None
    body = str(text)
    # trafilatura repeats the page title as the first line of the text.
    if title and body.startswith(title + "\n"):
        body = body[len(title) + 1 :]
    raw_date = getattr(document, "date", None)
    return make_article(
        body,
        path=str(path),
        title=title,
        published=_parse_iso_date(str(raw_date)[:10]) if raw_date else None,
        author=getattr(document, "author", None) or None,
        source=getattr(document, "sitename", None) or None,
    )


def _from_json(text: str, path: Path) -> Iterator[Article | SourceError]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(
            path, f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from error
    if isinstance(data, dict):
        yield _from_record(data, str(path))
    elif isinstance(data, list):
        if not data:
            raise SourceError(path, "JSON list holds no records")
        for number, record in enumerate(data, start=1):
            yield _record_or_error(record, f"{path}#{number}")
    else:
        raise SourceError(path, "JSON must be an object or a list of objects")


def _from_jsonl(text: str, path: Path) -> Iterator[Article | SourceError]:
    found = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        found = True
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield SourceError(where, f"malformed JSON at column {error.colno}: {error.msg}")
            continue
        yield _record_or_error(record, f"{path}#L{number}", where)
    if not found:
        raise SourceError(path, "JSONL file holds no records")


def _record_or_error(record: object, path: str, where: str | None = None) -> Article | SourceError:
    try:
        return _from_record(record, path, where)
    except SourceError as error:
        return error


def _first(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, "", []):
            return value
    return None


def _from_record(record: object, path: str, where: str | None = None) -> Article:
    where = where or path
    if not isinstance(record, dict):
        raise SourceError(where, "record is not a JSON object")
    text = _first(record, TEXT_FIELDS)
    if not isinstance(text, str):
        raise SourceError(where, f"record has no text field (one of: {', '.join(TEXT_FIELDS)})")
    raw_date = _first(record, DATE_FIELDS)
    author = _first(record, AUTHOR_FIELDS)
    if isinstance(author, list):
        author = ", ".join(str(a) for a in author)
    title, source = _first(record, TITLE_FIELDS), _first(record, SOURCE_FIELDS)
    try:
        return make_article(
            text,
            path=path,
            title=str(title) if title else None,
            published=_parse_iso_date(str(raw_date)[:10]) if raw_date else None,
            author=str(author) if author else None,
            source=str(source) if source else None,
        )
    except SourceError as error:
        raise SourceError(where, error.problem) from error


# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_bytes(data: bytes, path: Path | str) -> str:
    """Decode a file's bytes as text, or raise ``SourceError`` when it is not text."""
    if not data.strip():
        raise SourceError(path, "file is empty" if not data else "file holds only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise SourceError(path, f"invalid {encoding} text: {error.reason}") from error
    if b"\x00" in data:
        raise SourceError(path, "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mostly_utf8 = _as_utf8_with_stray_bytes(data)
    if mostly_utf8 is not None:
        return mostly_utf8
    western = _as_western_text(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise SourceError(path, "not text: no text encoding fits its bytes")
    return str(best)


def _as_utf8_with_stray_bytes(data: bytes) -> str | None:
    """UTF-8 text with a few invalid bytes (a truncated copy, one stray byte): decoded as
    UTF-8, each bad byte shown as U+FFFD, rather than the whole file read as cp1252 mojibake.
    Taken when the valid multi-byte characters outnumber the bad bytes; a file that is ASCII
    apart from its bad bytes is more likely a legacy encoding, and goes on to be detected."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return text if good > bad else None


def _as_western_text(data: bytes) -> str | None:
    """cp1252 (a superset of latin-1's printable range) when it reads as Western text.

    Detectors guess poorly on short Western-European texts (a latin-1 "Café" comes back as a
    Baltic code page), and cp1252 is what most legacy news exports use. Text in which accented
    letters are a small share of all letters is taken as cp1252; Cyrillic or Greek bytes read as
    cp1252 are nearly all accented letters, so they fall through to detection.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    accented = sum(1 for ch in letters if not ch.isascii())
    return text if accented / len(letters) < 0.3 else None


# --------------------------------------------------------------------------------------------
# Headers: markdown front matter, and the "date YYYY-MM-DD" line news exports start with
# --------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_DATE_HEADER = re.compile(r"\A\s*(?:date|published|dated)\s*:?\s*(\d{4}-\d{2}-\d{2})\b\s*", re.I)


# Front matter keys that name the outlet, first match wins.
_FRONT_MATTER_OUTLETS = ("outlet", "source", "publisher", "site")


def _split_header(text: str, *, markdown: bool) -> tuple[str | None, date | None, str, str | None]:
    """Title, date, the text after the header, and the outlet."""
    title: str | None = None
    published: date | None = None
    outlets: dict[str, str] = {}
    if markdown:
        match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
        if match:
            text = text.replace("\r\n", "\n")[match.end() :]
            for line in match.group(1).splitlines():
                key, _, value = line.partition(":")
                key, value = key.strip().lower(), value.strip().strip("\"'")
                if key == "title" and value:
                    title = value
                elif key in {"date", "published"} and value:
                    published = _parse_iso_date(value[:10])
                elif key in _FRONT_MATTER_OUTLETS and value:
                    outlets[key] = value
    header = _DATE_HEADER.match(text)
    if header:
        published = published or _parse_iso_date(header.group(1))
        text = text[header.end() :]
    if not markdown and title is None:
        title, text = _headline_line(text)
    outlet = next((outlets[key] for key in _FRONT_MATTER_OUTLETS if key in outlets), None)
    return title, published, text, outlet


# A headline: one short line standing alone as a paragraph, no sentence break inside it.
_MAX_HEADLINE_WORDS = 25
_MAX_HEADLINE_CHARS = 200


def _headline_line(text: str) -> tuple[str | None, str]:
    """A .txt file's first line, when it reads as a headline, and the text after it: the
    title is not the article's first sentence. A headline stands alone as a paragraph, or is
    a line with no closing punctuation ("Storm closes Port Elling ferry terminal") followed
    by the text. Export boilerplate before it is passed over."""
    body = normalise_text(text)
    first, separator, rest = body.partition("\n")
    first = first.strip()
    alone = rest.startswith("\n")
    if (
        not separator
        or not rest.strip()
        or len(first) > _MAX_HEADLINE_CHARS
        or len(first.split()) > _MAX_HEADLINE_WORDS
        or len(first.split()) < 3
        or not first[0].isupper()
        # A sentence ends inside it ("... said. Officials ..."), not an initial ("U.S. Border").
        or re.search(r"[a-z]{2}[.!?][\"'”’]?\s+\S", first)
        or first.endswith((":", ",", ";", "—", "-", "–"))
        or (not alone and first.endswith((".", "!", "?", '"', "”")))
    ):
        return None, text
    rest = rest.lstrip("\n")
    return first.rstrip(".").strip(), rest


def _parse_iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Normalisation and boilerplate
# --------------------------------------------------------------------------------------------

# Lines that web-page exports of news sites carry and that are not part of the story.
_BOILERPLATE_LINES = frozenset(
    {
        "accessibility links",
        "breaking news",
        "skip to main content",
        "skip to content",
        "advertisement",
        "share this article",
        "share",
        "menu",
    }
)


# A line pointing at another story ("More: Senate leader vows to block it"): a link the
# export kept, not a sentence of this article.
_LINK_LINE = re.compile(
    r"^(?:more|related|read more|see also|also read|watch|recommended|related coverage)\s*:",
    re.IGNORECASE,
)


def normalise_text(text: str) -> str:
    """NFC, unified newlines, no trailing spaces, no export boilerplate, no repeated captions."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    kept: list[str] = []
    previous = ""
    for raw_line in text.split("\n"):
        line = raw_line.rstrip()
        stripped = line.strip()
        if stripped.lower() in _BOILERPLATE_LINES or _LINK_LINE.match(stripped):
            continue
        # Exports repeat a photo caption on the next line; the second copy is noise.
        if stripped and stripped == previous:
            continue
        if stripped:
            previous = stripped
        kept.append(line.strip())
    body = "\n".join(kept)
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body.strip()


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------

# Words after which a full stop does not end a sentence. No maintained splitter on PyPI works
# offline with character offsets (nltk's punkt needs a data download), so the rule set is ours.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "gen",
        "sen",
        "sens",
        "rep",
        "reps",
        "gov",
        "govs",
        "messrs",
        "lt",
        "col",
        "capt",
        "sgt",
        "maj",
        "cmdr",
        "adm",
        "pres",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "etc",
        "no",
        "nos",
        "fig",
        "al",
        "approx",
        "est",
        "dept",
        "univ",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "ave",
        "rd",
        "blvd",
    ]
)
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[Sentence]:
    """Split into sentences numbered S1, S2, ...; each line break also ends a sentence."""
    spans: list[tuple[int, int]] = []
    for line_match in re.finditer(r"[^\n]+", text):
        start = line_match.start()
        line_end = line_match.end()
        for end_match in _SENTENCE_END.finditer(text, start, line_end):
            end = end_match.end()
            if _is_abbreviation(text, start, end_match.start()):
                continue
            if _inside_closing_quote(text, start, end, line_end):
                continue  # a quotation of several sentences is cited, and attributed, whole
            spans.append((start, end))
            start = end
            while start < line_end and text[start].isspace():
                start += 1
        if start < line_end:
            spans.append((start, line_end))
    trimmed = []
    for start, end in spans:
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:  # an empty span is dropped, and ids stay consecutive
            trimmed.append((start, end))
    return [
        Sentence(id=f"S{number}", text=text[start:end], start=start, end=end)
        for number, (start, end) in enumerate(trimmed, start=1)
    ]


# A quotation kept in one sentence may run this long; past it, its sentences are split.
MAX_QUOTED_SENTENCE = 600


def _inside_closing_quote(text: str, start: int, end: int, line_end: int) -> bool:
    """``end`` falls inside a quotation that closes later on the same line, not too far on."""
    before = text[start:end]
    curly_open = before.count("“") - before.count("”")
    straight_open = before.count('"') % 2 == 1
    if curly_open <= 0 and not straight_open:
        return False
    mark = "”" if curly_open > 0 else '"'
    closing = text.find(mark, end, line_end)
    return closing != -1 and closing - start <= MAX_QUOTED_SENTENCE


# Words that start a sentence and hardly follow "U.S." or "D.C." inside one.
_SENTENCE_OPENER = re.compile(
    r"\s+(?:And|But|The|He|She|It|They|We|I|In|On|At|This|That|These|Those|There|His|Her|"
    r"Their|Its|A|An|If|When|While|After|Before|Since|So|Yet|Still|Meanwhile|However)(?=[\s,])"
)


def _is_abbreviation(text: str, sentence_start: int, stop: int) -> bool:
    if text[stop] != ".":
        return False
    word_match = re.search(r"([A-Za-z][A-Za-z.]*)$", text[sentence_start:stop])
    if not word_match:
        return False
    word = word_match.group(1)
    if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
        return True
    if "." in word:  # "U.S", "e.g"; but "... to the U.S. And he has tweeted" ends one
        return not _SENTENCE_OPENER.match(text, stop + 1)
    return word.lower() in _ABBREVIATIONS
