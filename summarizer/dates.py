"""Time expressions resolved to dates by code, against the article's publication date.

News copy names days by weekday ("on Thursday": the last Thursday up to the day it was
published), by month and day ("November 16", "Nov. 16": in the publication's year), or
relatively ("yesterday"). Two outlets reporting one event on different days disagree only when
the days resolve to different dates: "Friday" in an article of Saturday 9 March and
"yesterday" in one of the same day are one day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_RELATIVE_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0}


def resolve_date(text: str, published: date | None) -> str | None:
    """An ISO date for a time expression when the text and publication date make it certain.

    "yesterday" resolves against the publication date; "February 2" takes its year from it;
    "2 February 2020" needs nothing. Anything vaguer ("last year", "in August") stays None.
    """
    lowered = text.lower()
    for word, offset in _RELATIVE_DAYS.items():
        if re.search(rf"\b{word}\b", lowered):
            return (published + timedelta(days=offset)).isoformat() if published else None
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3])).isoformat()
        except ValueError:
            return None
    day_month = re.search(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\b(?:\s+(\d{{4}}))?", lowered
    )
    month_day = re.search(
        rf"\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", lowered
    )
    if not (day_month or month_day):
        return None
    from dateutil import parser as date_parser

    match = day_month or month_day
    assert match is not None
    year_written = match.group(3)
    if not year_written and published is None:
        return None
    default = datetime(published.year if published else 2000, 1, 1)
    try:
        parsed = date_parser.parse(match.group(0), default=default)
    except (ValueError, OverflowError):
        return None
    return parsed.date().isoformat()


# --------------------------------------------------------------------------------------------
# Every day a text names
# --------------------------------------------------------------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NUMBERS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1,
    "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}  # fmt: skip
_RELATIVE = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_MONTH_NAMES = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
_DAY = re.compile(
    rf"\b(?P<weekday>{'|'.join(WEEKDAYS)})\b"
    rf"|\b(?P<month>{_MONTH_NAMES})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"(?:,?\s+(?P<year>\d{{4}}))?"
    rf"|\b(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{_MONTH_NAMES})\b"
    rf"(?:,?\s+(?P<year2>\d{{4}}))?"
    rf"|\b(?P<relative>today|tonight|yesterday|tomorrow)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DayMention:
    written: str
    """The words as written: "on Thursday" is "Thursday", "Nov. 16" is "Nov. 16"."""
    day: date | None
    """The date it names, when the publication date makes it certain."""
    weekday: str | None
    """The weekday named, when a weekday is written."""


def day_mentions(text: str, published: date | None) -> list[DayMention]:
    """Every day ``text`` names, in order."""
    found = []
    for match in _DAY.finditer(text):
        written = match.group(0)
        if match.group("weekday"):
            weekday = match.group("weekday").lower()
            found.append(DayMention(written, _last_weekday(weekday, published), weekday))
        elif match.group("relative"):
            offset = _RELATIVE[match.group("relative").lower()]
            day = published + timedelta(days=offset) if published else None
            found.append(DayMention(written, day, None))
        else:
            month = _MONTH_NUMBERS[(match.group("month") or match.group("month2")).lower()]
            number = int(match.group("day") or match.group("day2"))
            year_text = match.group("year") or match.group("year2")
            year = int(year_text) if year_text else (published.year if published else None)
            day = _safe_date(year, month, number)
            if day and published and not year_text and day > published + timedelta(days=31):
                # "Sept. 14" in an article of May 2013 is last September's.
                day = _safe_date(published.year - 1, month, number)
            found.append(DayMention(written, day, None))
    return found


def _last_weekday(weekday: str, published: date | None) -> date | None:
    """The last such weekday up to the publication day: news says "on Thursday" of this week's
    Thursday, or of the day itself."""
    if published is None:
        return None
    back = (published.weekday() - WEEKDAYS.index(weekday)) % 7
    return published - timedelta(days=back)


def _safe_date(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
