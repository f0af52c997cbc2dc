"""Reading figures as written ("more than 300", "between one million and two million").

Numbers are compared in code, never by the model. ``parse_figure`` turns a figure's text into
a ``NumberValue`` (exact, approximate, bound or range); ``find_numbers`` lists every number a
sentence states, in digits or in words, so a cited sentence can be checked for a figure.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from summarizer.models import NumberValue

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "a": 1, "an": 1, "a single": 1,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000, "k": 1_000, "m": 1_000_000, "bn": 1_000_000_000,
    "dozen": 12,
}  # fmt: skip
_WORD_NUMBER = (
    r"(?:(?:"
    + "|".join(sorted(_TENS, key=len, reverse=True))
    + r")(?:[- ](?:"
    + "|".join(k for k in _UNITS if " " not in k and len(k) > 2)
    + r"))?"
    + r"|"
    + "|".join(k for k in sorted(_UNITS, key=len, reverse=True) if len(k) > 2)
    + r")"
)
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:hundred|thousand|million|billion|trillion|dozen|bn|k|m)\b"
# One number: digits or number words, optionally followed by scale words.
_NUMBER = re.compile(
    rf"(?<![\w.])(?:(?P<digits>{_DIGITS})|(?P<words>\b{_WORD_NUMBER}\b|\ba\b|\ban\b))"
    rf"(?P<scales>(?:[\s-]*{_SCALE})*)",
    re.IGNORECASE,
)

_AT_LEAST = re.compile(
    r"\b(more than|over|at least|upwards of|in excess of|above|exceeding)\s*$", re.I
)
_AT_MOST = re.compile(r"\b(less than|fewer than|under|at most|up to|below|no more than)\s*$", re.I)
_APPROX = re.compile(
    r"\b(about|around|nearly|almost|roughly|approximately|some|an estimated|"
    r"estimated|close to|nigh on)\s*$",
    re.I,
)


def _words_value(words: str) -> float | None:
    words = words.lower().replace("-", " ").strip()
    if words in _UNITS:
        return float(_UNITS[words])
    parts = words.split()
    total = 0
    for part in parts:
        if part in _TENS:
            total += _TENS[part]
        elif part in _UNITS:
            total += _UNITS[part]
        else:
            return None
    return float(total)


def _match_value(match: re.Match[str]) -> float | None:
    if match.group("digits"):
        value = float(match.group("digits").replace(",", ""))
    else:
        word_value = _words_value(match.group("words"))
        if word_value is None:
            return None
        value = word_value
    for scale in re.findall(_SCALE, match.group("scales") or "", re.IGNORECASE):
        value *= _SCALES[scale.lower()]
    return value


# "two-thirds", "a quarter", "half", "3/4": a share, not a count.
_FRACTION_WORDS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
    "fourths": 4, "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10,
}  # fmt: skip
_FRACTION = re.compile(
    r"(?<![\w/])(?:(?P<count>a|one|two|three|four|five|six|seven|eight|nine)[\s-]+)?"
    r"(?P<part>halves|half|thirds?|quarters?|fourths?|fifths?|tenths?)\b"
    r"|(?<![\w/.])(?P<num>\d{1,2})/(?P<den>\d{1,2})(?![\w/])",
    re.IGNORECASE,
)
# "hundreds of billions", "tens of thousands", "dozens": an order of magnitude, not a number.
_MAGNITUDE_WORDS = {
    "dozens": 12, "scores": 20, "tens": 10, "hundreds": 100, "thousands": 1_000,
    "millions": 1_000_000, "billions": 1_000_000_000, "trillions": 1_000_000_000_000,
}  # fmt: skip
_MAGNITUDE = re.compile(
    r"\b(?P<many>dozens|scores|tens|hundreds|thousands|millions|billions|trillions)"
    r"(?:\s+of\s+(?P<of>thousands|millions|billions|trillions))?\b",
    re.IGNORECASE,
)
# "97-1", "348-77", "a vote of 234 to 193": a larger count first, then a smaller one, is a
# tally; the other way round it is a range ("10-12").
_TALLY = re.compile(
    r"(?<![\w.,/–-])(?P<first>\d{1,3}(?:,\d{3})*|\d+)\s*(?:-|–|—|to)\s*"
    r"(?P<second>\d{1,3}(?:,\d{3})*|\d+)(?![\w/]|[.,]\d|\s*[-–]\s*\d)",
    re.IGNORECASE,
)


def _fraction_value(match: re.Match[str]) -> float | None:
    if match.group("num"):
        numerator, denominator = int(match.group("num")), int(match.group("den"))
        return numerator / denominator if 0 < numerator < denominator else None
    part = match.group("part").lower()
    count = (match.group("count") or "").lower()
    if not count:
        # A bare "third" or "quarter" is more often an ordinal or a period ("third quarter").
        if part != "half":
            return None
        numerator = 1
    else:
        numerator = 1 if count in {"a", "one"} else int(_UNITS[count])
    value = numerator / _FRACTION_WORDS[part]
    return value if value < 1 else None


def _magnitude_range(match: re.Match[str]) -> tuple[float, float]:
    many = _MAGNITUDE_WORDS[match.group("many").lower()]
    scale = _MAGNITUDE_WORDS[match.group("of").lower()] if match.group("of") else 1
    # "hundreds" is at least two hundred and fewer than a thousand.
    upper = {12: 12 * 12, 20: 20 * 10}.get(many, many * 10)
    return 2 * many * scale, (upper - 1) * scale


def _tally_parts(match: re.Match[str]) -> list[float] | None:
    first = float(match.group("first").replace(",", ""))
    second = float(match.group("second").replace(",", ""))
    return [first, second] if first >= second else None


def special_figures(text: str) -> list[NumberValue]:
    """Tallies, fractions and orders of magnitude stated in ``text``, as parsed figures."""
    found = []
    for match in _TALLY.finditer(text):
        parts = _tally_parts(match)
        if parts is not None:
            found.append(NumberValue(low=parts[0], high=parts[0], kind="tally", parts=parts))
    for match in _FRACTION.finditer(text):
        fraction = _fraction_value(match)
        if fraction is not None:
            found.append(NumberValue(low=fraction, high=fraction, kind="exact"))
    for match in _MAGNITUDE.finditer(text):
        low, high = _magnitude_range(match)
        found.append(NumberValue(low=low, high=high, kind="range"))
    return found


def find_numbers(text: str) -> list[float]:
    """Every number stated in ``text``, in digits or words, with scales applied; also each
    count of a tally ("97-1"), fractions ("two-thirds") and both ends of an order of
    magnitude ("hundreds of billions").

    Bare "a"/"an" count only when a scale follows ("a million"), so ordinary articles do
    not read as the number one.
    """
    values = [v for figure in special_figures(text) for v in figure_values(figure)]
    for match in _NUMBER.finditer(text):
        words = (match.group("words") or "").lower()
        if words in {"a", "an"} and not match.group("scales").strip():
            continue
        value = _match_value(match)
        if value is not None:
            values.append(value)
    return values


_RANGE = re.compile(
    r"\b(?:between|from)\s+(?P<low>.+?)\s+(?:and|to)\s+(?P<high>.+)$|^(?P<low2>.+?)\s*(?:-|–|to)\s*(?P<high2>.+)$",
    re.I,
)


def parse_figure(text: str) -> NumberValue | None:
    """Read a figure as written into a value, bound, range or tally; None when it states no
    number. "97-1" is a tally, "two-thirds" 0.667, "hundreds of billions" 2e11-9.99e11."""
    text = text.strip()
    special = _special_figure(text)
    if special is not None:
        return special
    range_match = _RANGE.search(text)
    if range_match:
        low_text = range_match.group("low") or range_match.group("low2")
        high_text = range_match.group("high") or range_match.group("high2")
        highs = find_numbers(high_text)
        lows = find_numbers(low_text)
        if lows and highs:
            low, high = lows[0], highs[0]
            # "1 to 2 million": the scale written once applies to both ends.
            high_scale = _trailing_scale(high_text)
            if high_scale and not _trailing_scale(low_text) and low < high_scale:
                low *= high_scale
            if low <= high:
                return NumberValue(low=low, high=high, kind="range")
    match = next(
        (
            m
            for m in _NUMBER.finditer(text)
            if not (
                (m.group("words") or "").lower() in {"a", "an"} and not m.group("scales").strip()
            )
        ),
        None,
    )
    if match is None:
        return None
    value = _match_value(match)
    if value is None:
        return None
    return _bounded(text[: match.start()], value)


def _special_figure(text: str) -> NumberValue | None:
    tally = _TALLY.search(text)
    if tally is not None and (parts := _tally_parts(tally)) is not None:
        return NumberValue(low=parts[0], high=parts[0], kind="tally", parts=parts)
    fraction_match = _FRACTION.search(text)
    if fraction_match is not None and (fraction := _fraction_value(fraction_match)) is not None:
        return _bounded(text[: fraction_match.start()], fraction)
    magnitude = _MAGNITUDE.search(text)
    # "hundreds of billions"; not "2 billions" nor "thousands" inside "tens of thousands".
    if magnitude is not None and not re.search(r"\d\s*$", text[: magnitude.start()]):
        low, high = _magnitude_range(magnitude)
        return NumberValue(low=low, high=high, kind="range")
    return None


def _bounded(before: str, value: float) -> NumberValue:
    if _AT_LEAST.search(before):
        return NumberValue(low=value, high=None, kind="at_least")
    if _AT_MOST.search(before):
        return NumberValue(low=None, high=value, kind="at_most")
    if _APPROX.search(before):
        return NumberValue(low=value, high=value, kind="approximate")
    return NumberValue(low=value, high=value, kind="exact")


def _trailing_scale(text: str) -> float | None:
    match = re.search(rf"({_SCALE})\s*\S*$", text.strip(), re.IGNORECASE)
    return float(_SCALES[match.group(1).lower()]) if match else None


def figure_values(value: NumberValue) -> list[float]:
    """The numbers a figure's text states (both ends of a range, the bound of a bound, every
    count of a tally)."""
    if value.parts:
        return list(value.parts)
    return [v for v in (value.low, value.high) if v is not None]


# --------------------------------------------------------------------------------------------
# Comparing figures across sources
# --------------------------------------------------------------------------------------------

# Reporters round: "1.2 million" and "1,195,000" are the same figure. Beyond 1% an exact
# figure is a different figure ("300" against "30", or "300" against "310").
EXACT_TOLERANCE = 0.01
# "about 300", "nearly 300", "some 300": a writer hedging allows this much either way.
APPROXIMATE_TOLERANCE = 0.10


def interval(value: NumberValue) -> tuple[float, float]:
    """The values a figure allows, widened by the rounding its wording implies."""
    low = -math.inf if value.low is None else value.low
    high = math.inf if value.high is None else value.high
    tolerance = APPROXIMATE_TOLERANCE if value.kind == "approximate" else EXACT_TOLERANCE
    return low - abs(low) * tolerance, high + abs(high) * tolerance


def describe_value(value: NumberValue) -> str:
    """A figure's meaning in plain numbers: "at least 1,000,000", "1,000,000–2,000,000"."""
    if value.kind == "at_least":
        return f"at least {format_number(value.low)}"
    if value.kind == "at_most":
        return f"at most {format_number(value.high)}"
    if value.kind == "range":
        return f"{format_number(value.low)}–{format_number(value.high)}"
    if value.kind == "tally" and value.parts:
        return "-".join(format_number(part) for part in value.parts)
    prefix = "about " if value.kind == "approximate" else ""
    return prefix + format_number(value.low)


def format_number(number: float | None) -> str:
    if number is None:
        return "unbounded"
    return f"{int(number):,}" if float(number).is_integer() else f"{number:,.6g}"


def values_agree(first: NumberValue, second: NumberValue) -> bool:
    """Whether two figures can both be true: their allowed values overlap (a lower bound
    against a range that reaches it, an exact value within rounding of another)."""
    if first.parts and second.parts:
        # Two tallies agree only count for count: "348-77" is not "348-71".
        return len(first.parts) == len(second.parts) and all(
            abs(a - b) <= abs(a) * EXACT_TOLERANCE
            for a, b in zip(first.parts, second.parts, strict=True)
        )
    low_a, high_a = interval(first)
    low_b, high_b = interval(second)
    return max(low_a, low_b) <= min(high_a, high_b)


def compare_figures(
    values: list[tuple[str, NumberValue]],
) -> tuple[Literal["agree", "conflict"], str]:
    """Compare labelled figures pairwise; ``conflict`` when any two cannot both be true.
    Figures with one label (one source) are never compared with each other.

    The explanation names the values in numbers, e.g. "A: at least 1,000,000 and B:
    1,000,000–2,000,000 overlap"."""
    conflicts = []
    for position, (label_a, value_a) in enumerate(values):
        for label_b, value_b in values[position + 1 :]:
            if label_a != label_b and not values_agree(value_a, value_b):
                conflicts.append(
                    f"{label_a}: {describe_value(value_a)} cannot be {label_b}: "
                    f"{describe_value(value_b)}"
                )
    if conflicts:
        return "conflict", "; ".join(conflicts)
    described = " and ".join(f"{label}: {describe_value(value)}" for label, value in values)
    return "agree", f"{described} are compatible"
