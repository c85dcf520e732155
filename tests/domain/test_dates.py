import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk.domain.dates import (
    ERAS,
    FIRST_SUPPORTED,
    WEEKDAYS,
    DateStyle,
    clock,
    date_and_time,
    date_with_weekday,
    era_date,
    era_of,
    era_year_month,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_range,
    full_date,
    month_range,
    next_year_title,
    previous_month_range,
    print_style,
    same_day_next_year,
    screen_style,
    short_date,
    use_date_style,
    weekday,
    year_month,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 24), "令和8年11月"),
        (date(2018, 2, 1), "平成30年2月"),  # the summary edition's date
        (date(2019, 4, 30), "平成31年4月"),  # last day of 平成
        (date(2019, 5, 1), "令和元年5月"),  # first day of 令和
        (date(2019, 12, 31), "令和元年12月"),
        (date(2020, 1, 1), "令和2年1月"),
        (date(1989, 1, 7), "昭和64年1月"),  # last day of 昭和
        (date(1989, 1, 8), "平成元年1月"),
        (date(1989, 12, 31), "平成元年12月"),
        (date(1990, 1, 1), "平成2年1月"),
        (date(1926, 12, 24), "大正15年12月"),
        (date(1926, 12, 25), "昭和元年12月"),
        (date(1927, 1, 1), "昭和2年1月"),
        (date(1912, 7, 29), "明治45年7月"),
        (date(1912, 7, 30), "大正元年7月"),
        (date(1873, 1, 1), "明治6年1月"),
    ],
)
def test_era_year_month(day: date, expected: str) -> None:
    assert era_year_month(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 24), "令和8年11月24日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2024, 2, 29), "令和6年2月29日"),
    ],
)
def test_era_date(day: date, expected: str) -> None:
    assert era_date(day) == expected


def test_a_datetime_counts_by_its_day() -> None:
    assert era_date(datetime(2019, 4, 30, 23, 59, 59)) == "平成31年4月30日"
    assert era_date(datetime(2019, 5, 1, 0, 0)) == "令和元年5月1日"


def test_every_day_across_the_boundaries_counts_on_by_one() -> None:
    """Day by day over each era change: the era year moves only on 1 January or on the new
    era's first day, and then to 元 (1)."""
    starts = {start for start, _ in ERAS}
    for start, _ in ERAS[:-1]:
        day = start - timedelta(days=400)
        previous = era_of(day)
        while day < start + timedelta(days=400):
            day += timedelta(days=1)
            current = era_of(day)
            if day in starts:
                assert current[1] == 1 and current[0] != previous[0], day
            elif day.month == 1 and day.day == 1:
                assert current == (previous[0], previous[1] + 1), day
            else:
                assert current == previous, day
            previous = current


def test_the_year_number_is_written_as_in_print() -> None:
    assert "元年" in era_year_month(date(2019, 5, 1))
    assert "1年" not in era_year_month(date(2019, 5, 1))
    assert era_year_month(date(2029, 1, 1)) == "令和11年1月"


def test_days_before_the_gregorian_calendar_are_refused() -> None:
    with pytest.raises(ValueError):
        era_year_month(date(1872, 12, 31))
    with pytest.raises(ValueError):
        fiscal_year_label(1872)


def test_only_dates_are_accepted() -> None:
    with pytest.raises(TypeError):
        era_date("2026-11-24")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2026, "令和8年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),  # April 2019 was 平成, but 令和 covers 11 of its 12 months
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),  # ends in 平成 (January–March 1989), mostly 昭和
        (1990, "平成2年度"),
        (1926, "大正15年度"),  # 昭和 began on 25 December 1926
        (1927, "昭和2年度"),
        (1912, "大正元年度"),
    ],
)
def test_fiscal_year_label(year: int, expected: str) -> None:
    assert fiscal_year_label(year) == expected


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 4, 1), 2026),
        (date(2026, 3, 31), 2025),
        (date(2027, 3, 31), 2026),
        (date(2026, 11, 24), 2026),
        (date(2027, 1, 1), 2026),
    ],
)
def test_fiscal_year_of(day: date, year: int) -> None:
    assert fiscal_year_of(day) == year


def test_fiscal_year_labels_follow_one_another() -> None:
    labels = [fiscal_year_label(y) for y in range(1990, 2019)]
    assert labels[0] == "平成2年度" and labels[-1] == "平成30年度"
    assert [fiscal_year_label(y) for y in range(2020, 2031)] == [
        f"令和{n}年度" for n in range(2, 13)]


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 11, 25), (date(2026, 11, 1), date(2026, 11, 30))),
    (date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
    (date(2028, 2, 10), (date(2028, 2, 1), date(2028, 2, 29))),
])
def test_month_range(day: date, expected: tuple[date, date]) -> None:
    assert month_range(day) == expected


def test_previous_month_crosses_the_year() -> None:
    assert previous_month_range(date(2027, 1, 15)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_fiscal_year_range_runs_april_to_march() -> None:
    assert fiscal_year_range(2026) == (date(2026, 4, 1), date(2027, 3, 31))
    assert fiscal_year_of(date(2027, 3, 31)) == 2026
    assert fiscal_year_of(date(2026, 4, 1)) == 2026
    assert fiscal_year_of(date(2026, 3, 31)) == 2025


@pytest.mark.parametrize(("title", "expected"), [
    ("市民活動フェスタ2026", "市民活動フェスタ2027"),
    ("令和8年度 つむぎすと講座", "令和9年度 つむぎすと講座"),
    ("令和元年度の報告会", "令和2年度の報告会"),
    ("令和８年度 講座", "令和９年度 講座"),  # full width stays full width
    ("２０２６年度 講座", "２０２７年度 講座"),
    ("令和2026年の集い", "令和2027年の集い"),  # once: it was counted as a western and a 令和 year
    ("第120265回", "第120265回"),  # a longer number holds 2026 but is no year
    ("20٢٦", "20٢٦"),  # not a year in our digits
])
def test_next_years_title(title: str, expected: str) -> None:
    assert next_year_title(title) == expected


def test_a_title_of_a_million_digits_gets_an_answer() -> None:
    title = "令和" + "9" * 1_000_000 + "年"
    assert next_year_title(title) == title  # no era year has so many digits


def test_the_same_day_next_year() -> None:
    assert same_day_next_year(date(2026, 11, 24)) == date(2027, 11, 24)
    assert same_day_next_year(date(2024, 2, 29)) == date(2025, 2, 28)
    assert same_day_next_year(date(9999, 12, 31)) == date.max  # a typo gets an answer



# --- the one formatter ------------------------------------------------------------------------

STYLES = st.sampled_from(DateStyle)
SETTINGS = st.sampled_from([None, *DateStyle])
ANY_DAY = st.dates()
ERA_DAYS = st.dates(min_value=FIRST_SUPPORTED)  # the era table's reach
_ERA_START = {name: start.year for start, name in ERAS}
_WRITTEN = re.compile(r"(?:(?P<era>令和|平成|昭和|大正|明治)(?P<n>元|[1-9][0-9]*)|(?P<year>[1-9][0-9]*))"
                      r"年(?P<month>[1-9][0-9]?)月(?P<day>[1-9][0-9]?)日")


@pytest.fixture(autouse=True)
def _no_setting() -> Iterator[None]:
    """Each test starts without the app-wide setting, and leaves none behind."""
    use_date_style(None)
    yield
    use_date_style(None)


def read_back(text: str) -> date:
    """The day a full date names, as a person would read it (for the round trips below)."""
    found = _WRITTEN.fullmatch(text)
    assert found, text
    if found["era"]:
        number = 1 if found["n"] == "元" else int(found["n"])
        year = _ERA_START[found["era"]] + number - 1
    else:
        year = int(found["year"])
    return date(year, int(found["month"]), int(found["day"]))


@pytest.mark.parametrize(("style", "day", "expected"), [
    (DateStyle.WESTERN, date(2026, 11, 24), "2026年11月24日"),
    (DateStyle.ERA, date(2026, 11, 24), "令和8年11月24日"),
    (DateStyle.WESTERN, date(2019, 5, 1), "2019年5月1日"),
    (DateStyle.ERA, date(2019, 5, 1), "令和元年5月1日"),
    (DateStyle.ERA, date(1, 1, 1), "1年1月1日"),  # a typo, before the era table: still written
])
def test_a_full_date(style: DateStyle, day: date, expected: str) -> None:
    assert full_date(day, style) == expected


def test_the_forms_the_screens_and_prints_use() -> None:
    tuesday = date(2026, 11, 24)
    assert date_with_weekday(tuesday) == "2026年11月24日（火）"
    assert date_with_weekday(tuesday, DateStyle.ERA) == "令和8年11月24日（火）"
    assert short_date(tuesday) == "11/24（火）"
    assert short_date(date(2026, 5, 3), with_weekday=False) == "5/3"
    assert year_month(tuesday) == "2026年11月"
    assert year_month(tuesday, DateStyle.ERA) == "令和8年11月"
    assert clock(time(9, 5)) == "9:05" and clock(time(0, 0)) == "0:00"
    assert date_and_time(datetime(2026, 11, 24, 14, 3)) == "2026年11月24日 14:03"
    assert date_and_time(datetime(2026, 12, 5, 10, 0), DateStyle.ERA,
                         with_weekday=True) == "令和8年12月5日（土）10:00"


def test_without_the_setting_screens_write_western_years_and_prints_the_era() -> None:
    assert (screen_style(), print_style()) == (DateStyle.WESTERN, DateStyle.ERA)
    assert full_date(date(2026, 11, 24)) == "2026年11月24日"  # no style given: the screens'


@given(SETTINGS)
def test_the_setting_once_made_holds_for_screens_and_prints_alike(setting: DateStyle | None) -> None:
    use_date_style(setting)
    if setting is None:
        assert (screen_style(), print_style()) == (DateStyle.WESTERN, DateStyle.ERA)
    else:
        assert screen_style() is print_style() is setting
    use_date_style(None)


@given(ERA_DAYS, STYLES)
def test_a_full_date_reads_back_as_the_same_day(day: date, style: DateStyle) -> None:
    assert read_back(full_date(day, style)) == day


@given(ANY_DAY, SETTINGS, st.sampled_from([None, *DateStyle]))
def test_every_day_of_the_calendar_gets_a_date_never_an_exception(
        day: date, setting: DateStyle | None, style: DateStyle | None) -> None:
    use_date_style(setting)
    text = full_date(day, style)
    assert text.endswith(f"{day.month}月{day.day}日")
    if day < FIRST_SUPPORTED:  # before the era table: 西暦 in either style
        assert text == f"{day.year}年{day.month}月{day.day}日"
    use_date_style(None)


@given(ERA_DAYS)
def test_the_two_styles_differ_only_in_how_they_write_the_year(day: date) -> None:
    western, era = full_date(day, DateStyle.WESTERN), full_date(day, DateStyle.ERA)
    assert western.startswith(f"{day.year}年") and era.startswith(era_of(day)[0])
    assert western.split("年", 1)[1] == era.split("年", 1)[1] == f"{day.month}月{day.day}日"


@given(ERA_DAYS, STYLES)
def test_the_year_and_month_heads_the_full_date(day: date, style: DateStyle) -> None:
    assert full_date(day, style) == f"{year_month(day, style)}{day.day}日"


@given(ANY_DAY, STYLES)
def test_the_weekday_follows_the_date_and_the_calendar(day: date, style: DateStyle) -> None:
    written = date_with_weekday(day, style)
    assert written == f"{full_date(day, style)}（{weekday(day)}）"
    assert weekday(day) == WEEKDAYS[day.isoweekday() - 1]  # 月 is ISO day 1
    if day < date.max:
        following = day + timedelta(days=1)
        assert WEEKDAYS.index(weekday(following)) == (WEEKDAYS.index(weekday(day)) + 1) % 7


@given(ANY_DAY, SETTINGS)
def test_the_short_form_names_month_day_and_weekday_whatever_the_setting(
        day: date, setting: DateStyle | None) -> None:
    use_date_style(setting)
    found = re.fullmatch(r"([1-9][0-2]?)/([1-9][0-9]?)（(.)）", short_date(day))
    assert found and (int(found[1]), int(found[2])) == (day.month, day.day)
    assert found[3] == weekday(day)
    assert short_date(day, with_weekday=False) == f"{day.month}/{day.day}"
    use_date_style(None)


@given(st.datetimes(min_value=datetime(1873, 1, 1)), STYLES, st.booleans())
def test_a_date_and_time_is_the_full_date_then_the_clock(
        moment: datetime, style: DateStyle, with_weekday: bool) -> None:
    text = date_and_time(moment, style, with_weekday=with_weekday)
    day = date_with_weekday(moment, style) if with_weekday else f"{full_date(moment, style)} "
    assert text == f"{day}{clock(moment)}"
    hours, minutes = clock(moment).split(":")
    assert (int(hours), int(minutes)) == (moment.hour, moment.minute)
    assert hours == str(moment.hour) and len(minutes) == 2  # 9:05, never 09:05 or 9:5
