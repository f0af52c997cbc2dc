"""Figures as written, read by code."""

from __future__ import annotations

import pytest

from summarizer.numbers import find_numbers, parse_figure


@pytest.mark.parametrize(
    ("text", "low", "high", "kind"),
    [
        ("14,000", 14_000, 14_000, "exact"),
        ("1 million", 1_000_000, 1_000_000, "exact"),
        ("one million", 1_000_000, 1_000_000, "exact"),
        ("18.7 million people", 18_700_000, 18_700_000, "exact"),
        ("more than 300", 300, None, "at_least"),
        ("more than 1 million", 1_000_000, None, "at_least"),
        ("fewer than 40", None, 40, "at_most"),
        ("nearly 30 years", 30, 30, "approximate"),
        ("an estimated 1 million", 1_000_000, 1_000_000, "approximate"),
        ("between one million and two million", 1_000_000, 2_000_000, "range"),
        ("1 to 2 million", 1_000_000, 2_000_000, "range"),
        ("twenty-five", 25, 25, "exact"),
        ("a million", 1_000_000, 1_000_000, "exact"),
    ],
)
def test_parse_figure(text: str, low: float | None, high: float | None, kind: str) -> None:
    value = parse_figure(text)
    assert value is not None
    assert (value.low, value.high, value.kind) == (low, high, kind)


def test_text_without_a_number_parses_to_none() -> None:
    assert parse_figure("many people") is None


def test_find_numbers_reads_digits_words_and_scales() -> None:
    sentence = (
        "The virus has killed more than 300 people and infected more than 14,000; "
        "between one million and two million are held, a country of 18.7 million."
    )
    assert find_numbers(sentence) == [300, 14_000, 1_000_000, 2_000_000, 18_700_000]


def test_articles_are_not_read_as_one() -> None:
    assert find_numbers("a visit to an ally") == []
