"""Loading files into articles: decoding, boilerplate, sentences, and every bad input."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from summarizer import sources
from summarizer.errors import SourceError
from summarizer.sources import load_file, load_paths, make_article, split_sentences
from tests.conftest import SEEDS

SEED_000 = SEEDS / "000_2962b489ae55ff7b.txt"
SEED_004 = SEEDS / "004_434d8e9a3390da3a.txt"


def test_sentence_offsets_index_the_article_text_exactly() -> None:
    article = load_file(SEED_000)
    assert len(article.sentences) > 30
    for number, sentence in enumerate(article.sentences, start=1):
        assert sentence.id == f"S{number}"
        assert article.text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()


def test_abbreviations_and_initials_do_not_end_sentences() -> None:
    text = "U.S. Secretary of State Mike Pompeo met Mr. Tleuberdi. Dr. J. Smith said no."
    assert [s.text for s in split_sentences(text)] == [
        "U.S. Secretary of State Mike Pompeo met Mr. Tleuberdi.",
        "Dr. J. Smith said no.",
    ]


def test_sentence_ends_before_a_quote_or_number() -> None:
    texts = [s.text for s in split_sentences('He left. "We won," she said. 300 people died.')]
    assert texts == ["He left.", '"We won," she said.', "300 people died."]


def test_export_boilerplate_and_repeated_caption_do_not_reach_the_model() -> None:
    raw = SEED_000.read_text(encoding="utf-8")
    article = load_file(SEED_000)
    assert raw.startswith("Accessibility links")
    assert "Accessibility links" not in article.text
    assert "Breaking News" not in article.text
    caption = "Mike Pompeo arrived in the Kazakhstan's capital Nur-Sultan on February 1."
    assert raw.count(caption) == 2
    assert article.text.count(caption) == 1


def test_date_header_becomes_the_publication_date() -> None:
    article = load_file(SEED_004)
    assert article.published == date(2020, 2, 3)
    assert not article.text.lower().startswith("date")
    assert article.text.startswith("NUR-SULTAN")


def test_markdown_front_matter_gives_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text('---\ntitle: "Talks in Tashkent"\ndate: 2020-02-03\n---\nPompeo met Kamilov.\n')
    article = load_file(path)
    assert article.title == "Talks in Tashkent"
    assert article.published == date(2020, 2, 3)
    assert article.text == "Pompeo met Kamilov."


def test_id_is_a_content_hash_stable_across_paths(tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SEED_004.read_bytes())
    assert load_file(copy).id == load_file(SEED_004).id
    assert make_article("Other text.", path="x").id != load_file(SEED_004).id


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("cp1252", b""), ("latin-1", b""), ("utf-16", b""), ("utf-8", b"\xef\xbb\xbf")],
)
def test_legacy_encodings_are_decoded_not_rejected(
    tmp_path: Path, encoding: str, prefix: bytes
) -> None:
    text = "Café owners in Zürich said “we’re closed” on Monday. Prices rose 5%."
    if encoding == "latin-1":
        text = text.replace("“", '"').replace("”", '"').replace("’", "'")
    path = tmp_path / "article.txt"
    path.write_bytes(prefix + text.encode(encoding))
    assert load_file(path).text == text


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b"  \n\t \n", "file holds only whitespace"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "binary file"),
        ("menu.txt", b"Accessibility links\nBreaking News\n", "no article text"),
    ],
)
def test_bad_files_get_an_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError) as raised:
        load_file(path)
    assert raised.value.path == str(path)
    assert problem in str(raised.value)
    assert str(raised.value).startswith(str(path))


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("A sentence. " * 100)
    with pytest.raises(SourceError, match="over the 100-byte limit"):
        load_file(path, max_bytes=100)


def test_broken_symlink_is_reported(tmp_path: Path) -> None:
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "nowhere.txt")
    with pytest.raises(SourceError, match="broken symbolic link"):
        load_file(link)


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("Text.")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file; make the read fail as it would for a user

        def refuse(path: Path, max_bytes: int) -> bytes:
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(sources, "_read_regular_file", refuse)
    with pytest.raises(SourceError, match="permission denied") as raised:
        load_file(path)
    assert raised.value.path == str(path)


def test_a_folder_loads_every_article_and_keeps_going_past_bad_files(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Second story. It is short.")
    (tmp_path / "a.md").write_text("First story.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / ".hidden.txt").write_text("Hidden.")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    nested = tmp_path / "more"
    nested.mkdir()
    (nested / "c.txt").write_text("Third story.")

    result = load_paths([tmp_path, tmp_path / "missing"])

    assert [Path(a.path).name for a in result.articles] == ["a.md", "b.txt", "c.txt"]
    assert sorted((Path(e.path).name, e.problem) for e in result.errors) == [
        ("empty.txt", "file is empty"),
        ("missing", "no such file or folder"),
    ]
    assert sorted(Path(path).name for path, _ in result.skipped) == [".hidden.txt", "notes.pdf"]


def test_empty_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    result = load_paths([tmp_path])
    assert not result.articles
    assert [(e.path, e.problem) for e in result.errors] == [
        (str(tmp_path), "folder holds no article files")
    ]


def test_same_file_named_twice_loads_once() -> None:
    result = load_paths([SEED_004, SEEDS])
    assert len(result.articles) == 2


def test_cyrillic_legacy_encoding_is_detected_not_read_as_western(tmp_path: Path) -> None:
    text = "Москва заявила, что переговоры продолжатся в среду. Кремль не комментирует."
    path = tmp_path / "ru.txt"
    path.write_bytes(text.encode("cp1251"))
    assert load_file(path).text == text


HTML_PAGE = """<html><head><title>Talks in Tashkent | World News</title>
<meta property="article:published_time" content="2020-02-03T10:00:00Z">
<meta name="author" content="Jane Doe"></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> | Subscribe</nav>
<article><h1>Pompeo in Tashkent</h1>
<p>U.S. Secretary of State Mike Pompeo met President Mirziyoev on Monday in Tashkent.
They discussed trade and security at length.</p>
<p>The talks lasted two hours, officials said, and ended with a joint statement.</p></article>
<footer>Copyright 2020. All rights reserved. Cookie settings.</footer></body></html>"""


def test_html_page_gives_main_text_title_date_and_author(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML_PAGE)
    article = load_file(path)
    assert article.title == "Pompeo in Tashkent"
    assert article.published == date(2020, 2, 3)
    assert article.author == "Jane Doe"
    assert article.text.startswith("U.S. Secretary of State Mike Pompeo met President")
    for chrome in ("Subscribe", "Cookie settings", "Home"):
        assert chrome not in article.text


def test_html_page_without_article_text_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.htm"
    path.write_text("<html><body><nav>Home</nav></body></html>")
    with pytest.raises(SourceError, match="no article text found in the HTML page"):
        load_file(path)


def test_json_record_fields_are_read_by_their_documented_names(tmp_path: Path) -> None:
    path = tmp_path / "story.json"
    path.write_text(
        '{"headline": "Talks", "body": "Pompeo met Kamilov. They agreed.", '
        '"published_at": "2020-02-03T08:00:00", "authors": ["A. B.", "C. D."], "outlet": "AFP"}'
    )
    article = load_file(path)
    assert (article.title, article.published, article.author, article.source) == (
        "Talks", date(2020, 2, 3), "A. B., C. D.", "AFP",
    )  # fmt: skip
    assert [s.text for s in article.sentences] == ["Pompeo met Kamilov.", "They agreed."]


def test_jsonl_records_load_one_by_one_and_bad_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"title": "One", "text": "First story."}\n'
        '{"title": "Two", "text": "Second story."\n'
        "\n"
        '{"title": "Three"}\n'
        '["not", "an", "object"]\n'
        '{"text": "Fifth story."}\n'
    )
    result = load_paths([path])
    assert [(a.path, a.title) for a in result.articles] == [
        (f"{path}#L1", "One"),
        (f"{path}#L6", None),
    ]
    assert [(e.path, e.problem.split(" (")[0].split(" at ")[0]) for e in result.errors] == [
        (f"{path}:2", "malformed JSON"),
        (f"{path}:4", "record has no text field"),
        (f"{path}:5", "record is not a JSON object"),
    ]


def test_malformed_json_file_is_reported_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"text": "A story.",\n  "title": }')
    with pytest.raises(SourceError, match=r"malformed JSON at line 2 column 12"):
        load_file(path)


def test_symlink_loop_is_reported(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.symlink_to(second)
    second.symlink_to(first)
    result = load_paths([tmp_path])
    assert sorted((Path(e.path).name, e.problem) for e in result.errors) == [
        ("a.txt", "symbolic link loop"),
        ("b.txt", "symbolic link loop"),
    ]
