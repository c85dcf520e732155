"""A date box understands a day as a person types it, in either style: what the app writes
reads back as the same day (format → parse is the identity), and what is not a day is None."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk.domain.dates import (
    FIRST_SUPPORTED,
    DateStyle,
    date_with_weekday,
    era_of,
    full_date,
    parse_date,
)

LAST = date(2100, 12, 31)
DAYS = st.dates(min_value=FIRST_SUPPORTED, max_value=LAST)
STYLES = st.sampled_from(DateStyle)
_LETTER = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}


@given(DAYS, STYLES)
def test_what_the_app_writes_reads_back_as_the_same_day(day: date, style: DateStyle) -> None:
    assert parse_date(full_date(day, style)) == day
    assert parse_date(date_with_weekday(day, style)) == day


def test_every_day_from_the_first_supported_to_2100_reads_back_in_both_styles() -> None:
    day = FIRST_SUPPORTED
    while day <= LAST:
        for style in DateStyle:
            assert parse_date(date_with_weekday(day, style)) == day, (day, style)
        day += timedelta(days=1)


@given(DAYS)
def test_the_short_ways_of_typing_name_the_same_day(day: date) -> None:
    name, year = era_of(day)
    assert parse_date(f"{day.year}/{day.month}/{day.day}") == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%Y%m%d")) == day
    assert parse_date(f"{_LETTER[name]}{year}.{day.month}.{day.day}") == day
    assert parse_date(f"{_LETTER[name].lower()}{year}/{day.month:02d}/{day.day:02d}") == day


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026/11/24", date(2026, 11, 24)),
    ("R8.11.24", date(2026, 11, 24)),
    ("令和8年11月24日", date(2026, 11, 24)),
    ("令和8年11月24日（火）", date(2026, 11, 24)),
    ("令和8年11月24日（水）", date(2026, 11, 24)),  # the weekday is not checked
    ("令和元年5月1日", date(2019, 5, 1)),
    ("平成31年4月30日", date(2019, 4, 30)),
    ("２０２６／１１／２４", date(2026, 11, 24)),
    ("令和８年１１月２４日", date(2026, 11, 24)),
    ("㋿8年11月24日", date(2026, 11, 24)),
    (" 2026年11月24日 (火) ", date(2026, 11, 24)),
    ("2026-11-24", date(2026, 11, 24)),
    ("20261124", date(2026, 11, 24)),
])
def test_typed_dates_are_understood(typed: str, expected: date) -> None:
    assert parse_date(typed) == expected


@pytest.mark.parametrize("typed", [
    "", "2026", "2026/11", "令和8年11月", "2026/2/30", "2026/13/1", "平成32年1月1日",
    "令和元年4月30日", "令和0年5月1日", "明治5年1月1日", "X8.11.24", "2026/11/24/1", "火",
])
def test_what_is_not_a_day_is_none(typed: str) -> None:
    assert parse_date(typed) is None


@given(st.text(max_size=30))
def test_any_text_gets_an_answer_never_an_exception(text: str) -> None:
    found = parse_date(text)
    assert found is None or isinstance(found, date)
