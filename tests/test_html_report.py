"""The HTML report in a real headless browser: highlights, click-to-evidence, rejected apart."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.config import OutputFormat
from summarizer.models import ArticleExtraction, GroundingReport, SummaryMetadata, TokenUsage
from summarizer.output import OutputWriter
from summarizer.sources import load_file
from summarizer.summary import build_summary
from tests.conftest import SEEDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium and chromium-driver (.ci/run)")
    pytest.skip("needs Debian's chromium and chromium-driver", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

ARTICLE = load_file(SEEDS / "000_2962b489ae55ff7b.txt")
LATE = next(s for s in ARTICLE.sentences if "32 million" in s.text)
EARLY = next(s for s in ARTICLE.sentences if "Pompeo has urged Kazakhstan" in s.text)


def _report(tmp_path: Path) -> Path:
    extraction = ArticleExtraction.model_validate(
        {
            "headline": {
                "text": "Pompeo urges Kazakhstan to press China over Xinjiang.",
                "evidence": ["S1"],
            },
            "who": [
                {"name": "Mike Pompeo", "kind": "person", "role": "urges", "evidence": [EARLY.id]},
                {
                    "name": "John Kerry",
                    "kind": "person",
                    "role": "invented",
                    "evidence": [EARLY.id],
                },
            ],
            "key_figures": [
                {"value_text": "32 million", "counts": "population", "evidence": [LATE.id]}
            ],
        }
    )
    metadata = SummaryMetadata(
        source_path=ARTICLE.path, article_id=ARTICLE.id, sentence_count=len(ARTICLE.sentences),
        model="m", backend="local", mode="tools", prompt_version="p@1", usage=TokenUsage(),
        attempts=1, grounding=GroundingReport(proposed=0, verified=0, rejected=0, score=1.0),
    )  # fmt: skip
    summary = build_summary(extraction, ARTICLE, metadata)
    with OutputWriter(tmp_path, OutputFormat.HTML) as writer:
        return writer.add(summary, ARTICLE)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,900",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _visible_in_source_pane(driver: webdriver.Chrome, element_id: str) -> bool:
    return bool(
        driver.execute_script(
            "const s = document.getElementById(arguments[0]).getBoundingClientRect();"
            "const p = document.querySelector('.source').getBoundingClientRect();"
            "return s.top >= p.top && s.bottom <= p.bottom;",
            element_id,
        )
    )


def test_clicking_an_item_scrolls_to_and_marks_its_evidence(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    report = _report(tmp_path)
    html = report.read_text()
    assert "http://" not in html
    assert "https://" not in html
    browser.get(report.as_uri())

    late_id = f"a1-{LATE.id}"
    sentence = browser.find_element(By.ID, late_id)
    assert "evidence" in _classes(sentence)
    assert "marked" not in _classes(sentence)
    assert not _visible_in_source_pane(browser, late_id)

    figure_row = browser.find_element(By.CSS_SELECTOR, "table.figures tr.item")
    figure_row.click()

    assert "marked" in _classes(sentence)
    assert "active" in _classes(figure_row)
    assert _visible_in_source_pane(browser, late_id)
    assert sentence.text.endswith(LATE.text)

    # Clicking another item moves the mark.
    browser.find_element(By.CSS_SELECTOR, "li.item").click()
    assert "marked" not in _classes(sentence)
    assert "marked" in _classes(browser.find_element(By.ID, f"a1-{EARLY.id}"))

    screenshot = tmp_path / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_rejected_items_are_shown_apart_from_verified_ones(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    browser.get(_report(tmp_path).as_uri())
    findings = browser.find_element(By.CSS_SELECTOR, ".findings")
    rejected = browser.find_element(By.CSS_SELECTOR, "section.rejected")
    assert rejected.is_displayed()
    assert "John Kerry" in rejected.text
    assert "does not appear in the article" in rejected.text
    verified_items = [li.text for li in findings.find_elements(By.CSS_SELECTOR, "li.item")]
    assert any("Mike Pompeo" in text for text in verified_items)
    assert not any("John Kerry" in text for text in verified_items)
    # Rejected items point at no evidence: there is nothing to highlight for them.
    assert not rejected.find_elements(By.CSS_SELECTOR, "[data-evidence]")
    border = rejected.value_of_css_property("border-top-style")
    assert border == "dashed"


def _classes(element: Any) -> str:
    return str(element.get_attribute("class") or "")
