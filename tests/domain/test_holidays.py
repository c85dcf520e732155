"""National holidays and a facility's 休館日 as the calendar marks them and the event form
warns of them (domain/holidays.py): pure, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kyodo_desk.domain.holidays import ClosedDays, day_warnings, holiday_name, holidays_between


@pytest.mark.parametrize(("day", "name"), [
    (date(2026, 1, 1), "元日"),
    (date(2026, 1, 12), "成人の日"),
    (date(2026, 5, 6), "振替休日"),  # 憲法記念日 (Sunday 5/3) moved past みどりの日・こどもの日
    (date(2026, 5, 7), None),
    (date(2026, 9, 22), "国民の休日"),  # between 敬老の日 and 秋分の日
    (date(2026, 12, 29), None),  # 年末年始 is no national holiday
    (date(2027, 1, 11), "成人の日"),
])
def test_a_day_is_named_as_the_calendar_names_it(day: date, name: str | None) -> None:
    assert holiday_name(day) == name


def test_holidays_between_takes_both_ends_and_crosses_the_year() -> None:
    found = holidays_between(date(2026, 12, 23), date(2027, 1, 11))
    assert found == {date(2027, 1, 1): "元日", date(2027, 1, 11): "成人の日"}
    assert holidays_between(date(2026, 5, 6), date(2026, 5, 6)) == {date(2026, 5, 6): "振替休日"}


def closed_in(rules: ClosedDays, first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if rules.closes_on(first + timedelta(days=n))]


def test_the_new_year_span_and_holidays_as_most_facilities_write_them() -> None:
    rules = ClosedDays.of("", "年末年始、祝日")
    assert closed_in(rules, date(2026, 12, 27), date(2027, 1, 5)) == [
        date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1),
        date(2027, 1, 2), date(2027, 1, 3)]
    assert rules.closes_on(date(2026, 5, 6))  # a 振替休日 is a holiday
    assert not rules.closes_on(date(2026, 5, 7))


def test_a_span_of_its_own_replaces_the_usual_new_year() -> None:
    rules = ClosedDays.of("", "年末年始（１２月２８日～１月４日）")
    assert closed_in(rules, date(2026, 12, 26), date(2027, 1, 6)) == [
        date(2026, 12, 28) + timedelta(days=n) for n in range(8)]
    assert ClosedDays.of("", "8月15日").closes_on(date(2026, 8, 15))


def test_a_monday_closing_moves_past_the_holidays_it_falls_on() -> None:
    rules = ClosedDays.of("", "月曜日（祝日の場合は翌日）")
    assert not rules.closes_on(date(2026, 1, 12))  # 成人の日: open
    assert rules.closes_on(date(2026, 1, 13))
    assert rules.closes_on(date(2026, 1, 19))
    assert not rules.closes_on(date(2026, 1, 20))
    # みどりの日 (Mon 5/4), こどもの日, 振替休日: closed on the first working day after them.
    assert closed_in(rules, date(2026, 5, 3), date(2026, 5, 9)) == [date(2026, 5, 7)]


def test_the_day_after_a_holiday() -> None:
    rules = ClosedDays.of("", "祝日の翌日")
    assert closed_in(rules, date(2026, 5, 1), date(2026, 5, 10)) == [date(2026, 5, 7)]
    assert rules.closes_on(date(2026, 1, 13)) and not rules.closes_on(date(2026, 1, 12))


def test_weekdays_numbered_weekdays_and_the_days_not_open() -> None:
    assert closed_in(ClosedDays.of("", "毎月第3水曜日"), date(2026, 1, 1), date(2026, 1, 31)) == [
        date(2026, 1, 21)]
    assert closed_in(ClosedDays.of("", "第2・第4月曜"), date(2026, 6, 1), date(2026, 6, 30)) == [
        date(2026, 6, 8), date(2026, 6, 22)]
    weekend = ClosedDays.of("", "土日祝")
    assert closed_in(weekend, date(2026, 1, 9), date(2026, 1, 13)) == [
        date(2026, 1, 10), date(2026, 1, 11), date(2026, 1, 12)]
    # 「月曜日・祝日」: Mondays and holidays, not Sundays (the 日 of 曜日).
    mondays = ClosedDays.of("", "月曜日・祝日")
    assert closed_in(mondays, date(2026, 2, 8), date(2026, 2, 11)) == [
        date(2026, 2, 9), date(2026, 2, 11)]
    weekdays_only = ClosedDays.of("月火水木金", "")
    assert closed_in(weekdays_only, date(2026, 11, 20), date(2026, 11, 23)) == [
        date(2026, 11, 21), date(2026, 11, 22)]


def test_what_is_not_read_is_not_guessed() -> None:
    assert not ClosedDays.of("", "")
    assert not ClosedDays.of("", "不定休（ホームページでお知らせします）")
    assert not ClosedDays.of("月火水木金土日", "")


def test_warnings_say_the_day_and_why_in_date_order() -> None:
    new_year = ClosedDays.of("", "年末年始")
    assert day_warnings([date(2026, 12, 29), date(2026, 1, 12), date(2026, 11, 24)],
                        new_year) == ["1月12日（月）は成人の日です", "12月29日（火）は休館日です"]
    assert day_warnings([date(2026, 1, 12)], ClosedDays.of("", "祝日")) == [
        "1月12日（月）は休館日です（成人の日）"]
    assert day_warnings([date(2026, 5, 6), date(2026, 5, 6)]) == ["5月6日（水）は振替休日です"]
    assert day_warnings([date(2026, 5, 7)]) == []
