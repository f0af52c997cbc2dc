"""Inputs a hostile user or a messy disk hands the reader: each is one file's one-line failure
(or a file passed over on purpose), never the end of the run."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from summarizer import sources
from summarizer.errors import SourceError
from summarizer.models import OUTPUTS_LIST
from summarizer.sources import load_paths, read_articles

STORY = "The council met on Monday. It approved the budget."


def _problems(result: sources.LoadResult) -> dict[str, str]:
    return {Path(error.path).name: error.problem for error in result.errors}


def test_a_fifo_is_reported_and_never_opened_for_a_blocking_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "m.txt")  # nobody ever writes to it: a blocking open would hang
    (tmp_path / "a.txt").write_text(STORY)
    started = time.monotonic()
    result = load_paths([tmp_path])
    assert time.monotonic() - started < 5
    assert [Path(a.path).name for a in result.articles] == ["a.txt"]
    assert "named pipe" in _problems(result)["m.txt"]


def test_a_socket_is_reported(tmp_path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "s.txt"))
    try:
        (loaded,) = read_articles(tmp_path / "s.txt")
    finally:
        server.close()
    assert isinstance(loaded, SourceError)
    assert "socket" in loaded.problem


def test_a_device_named_explicitly_is_not_read_past_the_size_limit(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")  # stat says 0 bytes; reading it never ends
    (loaded,) = read_articles(link, max_bytes=1000)
    assert isinstance(loaded, SourceError)
    assert "device" in loaded.problem


def test_reads_stop_one_byte_past_the_limit_whatever_stat_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "grows.txt"
    path.write_text("A sentence. " * 1000)
    read_sizes: list[int] = []
    real_read = os.read

    def counting_read(descriptor: int, size: int) -> bytes:
        data = real_read(descriptor, size)
        read_sizes.append(len(data))
        return data

    monkeypatch.setattr("summarizer.sources.os.read", counting_read)
    (loaded,) = read_articles(path, max_bytes=100)
    assert isinstance(loaded, SourceError)
    assert "over the 100-byte limit" in loaded.problem
    assert sum(read_sizes) == 101


def test_json_nested_a_thousand_levels_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 1000 + "]" * 1000)
    (tmp_path / "good.txt").write_text(STORY)
    result = load_paths([tmp_path])
    assert [Path(a.path).name for a in result.articles] == ["good.txt"]
    assert "nested too deeply" in _problems(result)["deep.json"]


def test_any_error_in_a_reader_is_that_files_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_extractor(html: str, path: Path) -> object:
        raise ImportError("cannot import name 'clean' from 'lxml.html'")

    monkeypatch.setattr(sources, "_from_html", broken_extractor)
    (tmp_path / "page.html").write_text("<html><body><p>Text.</p></body></html>")
    (tmp_path / "good.txt").write_text(STORY)
    result = load_paths([tmp_path])
    assert [Path(a.path).name for a in result.articles] == ["good.txt"]
    assert _problems(result)["page.html"] == (
        "could not be read (ImportError: cannot import name 'clean' from 'lxml.html')"
    )


def test_an_unreadable_folder_is_a_failure_not_silence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text(STORY)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text(STORY)
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads any folder; fail the listing as it would for a user
        real_scandir = os.scandir

        def refuse(path: object = ".") -> object:
            if Path(str(path)) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(str(path))

        monkeypatch.setattr(os, "scandir", refuse)
    try:
        result = load_paths([tmp_path])
    finally:
        locked.chmod(0o755)
    assert [Path(a.path).name for a in result.articles] == ["a.txt"]
    assert _problems(result) == {"locked": "folder not read: permission denied"}


def test_symlinks_inside_a_folder_are_followed_only_within_the_inputs(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("Someone else's notes. Not an article.")
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text(STORY)
    (news / "alias.txt").symlink_to(news / "a.txt")
    (news / "leak.txt").symlink_to(outside / "private.txt")
    (news / "elsewhere").symlink_to(outside, target_is_directory=True)

    walked = load_paths([news])
    assert [Path(a.path).name for a in walked.articles] == ["a.txt"]  # alias: same file
    skipped = {Path(path).name: why for path, why in walked.skipped}
    assert skipped["leak.txt"] == "symbolic link to a file outside the inputs"
    assert skipped["elsewhere"] == "symbolic link to a folder, not followed"

    named = load_paths([news / "leak.txt"])  # named explicitly: the user asked for it
    assert [Path(a.path).name for a in named.articles] == ["leak.txt"]


def test_files_summarize_wrote_are_never_read_back_as_articles(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(STORY)
    out = tmp_path / "summaries"
    out.mkdir()
    (out / "a.json").write_text(json.dumps({"text": "A summary, not an article."}))
    (out / "report.md").write_text("# A report. Not an article.")
    (out / OUTPUTS_LIST).write_text("a.json\nreport.md\n")
    (out / "note.md").write_text("A note the user put here. It is an article.")
    result = load_paths([tmp_path])
    assert sorted(Path(a.path).name for a in result.articles) == ["a.txt", "note.md"]
    assert not result.errors


def test_a_str_path_is_one_path_not_its_characters(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(STORY)
    result = load_paths(str(tmp_path))
    assert [Path(a.path).name for a in result.articles] == ["a.txt"]
    assert not result.errors


def test_one_stray_byte_in_utf8_text_is_replaced_not_the_whole_file_cp1252(
    tmp_path: Path,
) -> None:
    text = "Zürich: the café reopened on Monday. Ministers met in Genève."
    path = tmp_path / "stray.txt"
    path.write_bytes(text.encode("utf-8") + b" One stray byte \xff here.")
    (article,) = load_paths([path]).articles
    assert "Zürich" in article.text
    assert "Genève" in article.text
    assert "One stray byte \ufffd here." in article.text


def test_a_legacy_file_with_one_accent_is_still_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("The café reopened on Monday.".encode("cp1252"))
    (article,) = load_paths([path]).articles
    assert "café" in article.text


def test_sentence_ids_past_s9999_are_valid_citations_and_stay_bounded() -> None:
    from pydantic import ValidationError

    from summarizer.models import ArticleExtraction

    actor = {"name": "Ann Lee", "kind": "person", "role": "mayor"}
    headline = {"text": "A long record.", "evidence": ["S1"]}
    cited = ArticleExtraction.model_validate(
        {"headline": headline, "who": [{**actor, "evidence": ["S10001", "S999999"]}]}
    )
    assert cited.who[0].evidence == ["S10001", "S999999"]
    with pytest.raises(ValidationError):
        ArticleExtraction.model_validate(
            {"headline": headline, "who": [{**actor, "evidence": ["S1000000"]}]}
        )


def test_files_are_read_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from summarizer import summarize_folder
    from tests.fake_server import FakeModelServer

    for number in range(3):
        (tmp_path / f"s{number}.txt").write_text(STORY)
    readers: list[str] = []
    real_read = sources._read_regular_file

    def recording_read(path: Path, max_bytes: int) -> bytes:
        readers.append(threading.current_thread().name)
        return real_read(path, max_bytes)

    monkeypatch.setattr(sources, "_read_regular_file", recording_read)
    with FakeModelServer() as server:
        result = summarize_folder([tmp_path], base_url=server.base_url, model="m", cache=False)
    assert result.summarised == 3
    assert len(readers) == 3
    assert threading.main_thread().name not in readers


def test_an_unreadable_folder_named_on_the_command_line_is_one_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: object = ".") -> object:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", refuse)
    result = load_paths([tmp_path])
    assert [(e.path, e.problem) for e in result.errors] == [
        (str(tmp_path), "folder not read: permission denied")
    ]
