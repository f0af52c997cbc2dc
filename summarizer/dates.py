"""Time expressions resolved to dates by code, against the article's publication date."""

from __future__ import annotations

import re
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
