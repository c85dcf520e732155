"""Dates as a person reads them — on screen, in a message, on paper — and the Japanese era
(和暦): 令和8年11月, 令和8年11月24日, and fiscal years (年度).

One formatter for the whole app: a day is written 2026年11月24日 (西暦) or 令和8年11月24日
(和暦) by the app-wide setting (`DateStyle`, see `use_date_style`), with its weekday
2026年11月24日（火）, in a dense list 11/24（火）, with a time 2026年11月24日 9:05. A fiscal year
is always 令和8年度, whatever the setting. ISO dates (2026-11-24) are for files a program
reads (drafts, the open-data layouts), never for a person.

The first year of an era is written 元年 (令和元年5月). Eras are counted from the day they
began: 平成 ends on 2019-04-30 and 令和 begins on 2019-05-01. The Gregorian calendar, and so
this table, starts in Japan on 明治6年 (1873-01-01); earlier dates are refused.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import Enum

JAPAN_TIME = timezone(timedelta(hours=9), "JST")
WEEKDAYS = "月火水木金土日"  # Monday first, as date.weekday() counts

# (first day, name), newest first.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 1, 25), "明治"),
)
FIRST_SUPPORTED = date(1873, 1, 1)


def era_of(d: date) -> tuple[str, int]:
    """The era name and the year within it (1 for the first year) of the day *d*."""
    if not isinstance(d, date):
        raise TypeError(f"a date is needed, not {type(d).__name__}")
    day = d.date() if isinstance(d, datetime) else d  # a datetime: only its day counts
    if day < FIRST_SUPPORTED:
        raise ValueError(f"{day.isoformat()} is before the Gregorian calendar in Japan (1873)")
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise AssertionError("unreachable: 明治 covers every supported day")


def _year(number: int) -> str:
    return "元" if number == 1 else str(number)


def era_year_month(d: date) -> str:
    """'令和8年11月' (and '令和元年5月' in an era's first year)."""
    name, year = era_of(d)
    return f"{name}{_year(year)}年{d.month}月"


def era_date(d: date) -> str:
    """'令和8年11月24日'."""
    name, year = era_of(d)
    return f"{name}{_year(year)}年{d.month}月{d.day}日"


FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)  # a fiscal year's months, in order


def fiscal_year_of(d: date) -> int:
    """The fiscal year (April–March) a day belongs to, by the calendar year it starts in."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_range(year: int) -> tuple[date, date]:
    """The first and last day of the fiscal year that starts in April *year*."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def month_range(d: date) -> tuple[date, date]:
    """The first and last day of *d*'s month."""
    first = d.replace(day=1)
    following = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def previous_month_range(d: date) -> tuple[date, date]:
    """The first and last day of the month before *d*'s."""
    return month_range(date.fromordinal(d.replace(day=1).toordinal() - 1))


def fiscal_year_label(year: int) -> str:
    """'令和8年度' for the fiscal year that starts in April *year*.

    A fiscal year that an era change cuts in two is named after the era that covers most
    of it: FY2019 (April 2019 to March 2020) is 令和元年度, FY1988 is 昭和63年度, FY1989
    平成元年度. Its number is the era year of April 1, or 元 if that era began later.
    """
    first, last = fiscal_year_range(year)
    if first < FIRST_SUPPORTED:
        raise ValueError(f"fiscal year {year} is before the Gregorian calendar in Japan (1873)")
    covered: dict[str, int] = {}
    end = last
    for start, name in ERAS:
        begin = max(start, first)
        if begin <= end:
            covered[name] = (end - begin).days + 1
            end = date.fromordinal(begin.toordinal() - 1)
        if begin == first:
            break
    name = max(covered, key=lambda n: covered[n])
    start = next(s for s, n in ERAS if n == name)
    number = year - start.year + 1
    return f"{name}{_year(number)}年度"


def japan_time(value: datetime) -> datetime:
    """A stored moment in Japan time; SQLite keeps no time zone, and what it stores is UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(JAPAN_TIME)


# --- how a date is written ------------------------------------------------------------------

class DateStyle(Enum):
    """The calendar a date is written in."""

    WESTERN = "西暦"  # 2026年11月24日
    ERA = "和暦"  # 令和8年11月24日


_chosen: DateStyle | None = None  # the app-wide setting; None: not set


def use_date_style(style: DateStyle | None) -> None:
    """Take the app-wide setting (共通設定 display.date_style, read once per sign-in by
    services.date_style); None: the setting is not made, each medium keeps its default.

    Not set, screens and messages write 西暦 and prints 和暦. The counter works in 西暦: the
    date boxes take 2026, a list compares dates across the 2019 era change at a glance, and
    what staff type and read back on the phone is 2026年. The city's printed matter — the
    leaflets, receipts, rosters, the monthly report — is dated in 和暦 as Akita's public
    documents are, and every leaflet printed so far was. Once the setting is made, it is the
    city's choice of one calendar and holds for screens and prints alike: a receipt then
    reads as the screen it was printed from.
    """
    global _chosen
    _chosen = style


def screen_style() -> DateStyle:
    """The style of screens and messages: the setting, else 西暦."""
    return _chosen or DateStyle.WESTERN


def print_style() -> DateStyle:
    """The style of prints (印刷物, the monthly report): the setting, else 和暦."""
    return _chosen or DateStyle.ERA


def weekday(d: date) -> str:
    """'火' for a Tuesday."""
    return WEEKDAYS[d.weekday()]


def _in_era(d: date, style: DateStyle | None) -> bool:
    """Whether *d* is written in the era: the style says so and the era table reaches it (a
    mistyped 0202年 in a message is still written, in 西暦)."""
    if (style or screen_style()) is not DateStyle.ERA:
        return False
    return (d.date() if isinstance(d, datetime) else d) >= FIRST_SUPPORTED


def year_month(d: date, style: DateStyle | None = None) -> str:
    """'2026年11月' or '令和8年11月'; *style* None: the screens' style."""
    return era_year_month(d) if _in_era(d, style) else f"{d.year}年{d.month}月"


def full_date(d: date, style: DateStyle | None = None) -> str:
    """'2026年11月24日' or '令和8年11月24日'; *style* None: the screens' style."""
    return era_date(d) if _in_era(d, style) else f"{d.year}年{d.month}月{d.day}日"


def date_with_weekday(d: date, style: DateStyle | None = None) -> str:
    """'2026年11月24日（火）' or '令和8年11月24日（火）'."""
    return f"{full_date(d, style)}（{weekday(d)}）"


def short_date(d: date, *, with_weekday: bool = True) -> str:
    """'11/24（火）' for a dense list whose year goes without saying (a column of one event's
    sessions, a course's last day after its first); '11/24' *with_weekday* False. The same
    in either style: it names no year."""
    text = f"{d.month}/{d.day}"
    return f"{text}（{weekday(d)}）" if with_weekday else text


def month_day(d: date, *, with_weekday: bool = True) -> str:
    """'12月29日（火）', or '12月29日' *with_weekday* False: a day whose year goes without
    saying (a session in a message about its event, a closing day on its flyer). The same in
    either style: it names no year."""
    text = f"{d.month}月{d.day}日"
    return f"{text}（{weekday(d)}）" if with_weekday else text


def clock(t: time | datetime) -> str:
    """'9:05', '14:30': the hour without a leading zero, as the prints have always had it."""
    return f"{t.hour}:{t.minute:02d}"


def date_and_time(moment: datetime, style: DateStyle | None = None, *,
                  with_weekday: bool = False) -> str:
    """'2026年11月24日 9:05', or '2026年11月24日（火）9:05' *with_weekday* (as the prints write
    a session), as *moment*'s own clock reads: a stored moment goes through japan_time first."""
    if with_weekday:
        return f"{date_with_weekday(moment, style)}{clock(moment)}"
    return f"{full_date(moment, style)} {clock(moment)}"


# A year standing alone (not inside a longer number), in ASCII or full-width digits; only
# those two: Python's \d would also count up ٢٠٢٦. An era year has one or two digits.
_WIDE_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_NARROW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ALONE = "(?<![0-9０-９]){}(?![0-9０-９])"
_WESTERN_YEAR = re.compile(_ALONE.format("(?:20[0-9]{2}|２０[０-９]{2})"))
_ERA_YEAR = re.compile(r"令和(元|[0-9]{1,2}|[０-９]{1,2})年")


def next_year_title(title: str) -> str:
    """The title of next year's edition: 2026 → 2027, 令和8年 → 令和9年 (元年 → 2年); full-width
    years (２０２６, 令和８年) stay full width."""
    title = _WESTERN_YEAR.sub(lambda m: _plus_one(m.group()), title)
    return _ERA_YEAR.sub(
        lambda m: f"令和{'2' if m.group(1) == '元' else _plus_one(m.group(1))}年", title)


def _plus_one(number: str) -> str:
    """*number* + 1, written in the width *number* was."""
    following = str(int(number.translate(_NARROW_DIGITS)) + 1)
    return following if number.isascii() else following.translate(_WIDE_DIGITS)


def same_day_next_year(d: date) -> date:
    """The same calendar date a year on (2月29日 → 2月28日); the calendar's last day when
    there is no next year (a mistyped 9999年 must get an answer, not an exception)."""
    if d.year == date.max.year:
        return date.max
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return d.replace(year=d.year + 1, day=28)


# --- a date as a person types it ------------------------------------------------------------

# An era by its name or its letter (R8.11.24, as forms and the My Number card write it).
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正", "M": "明治"}
_SEPARATOR = r"\s*(?:[年月/.\-]|\s)\s*"
_TYPED = re.compile(
    r"(?:(?P<era>令和|平成|昭和|大正|明治|[RHSTMrhstm])\s*(?P<n>元|[0-9]{1,2})|(?P<year>[0-9]{4}))"
    rf"{_SEPARATOR}(?P<month>[0-9]{{1,2}}){_SEPARATOR}(?P<day>[0-9]{{1,2}})\s*日?"
    r"\s*(?:\(\s*[月火水木金土日](?:曜日?)?\s*\))?")
_COMPACT = re.compile(r"(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})")


def parse_date(text: str) -> date | None:
    """The day a person typed into a date box, in either style: 2026/11/24, 2026-11-24,
    20261124, 2026年11月24日, R8.11.24, 令和8年11月24日, 令和元年5月1日, full-width digits too,
    with or without its weekday （火）, which is not checked: a day changed in a box still
    shows the old weekday until the box writes it anew. None: not a day (half typed, 2月30日,
    平成32年 — a year its era never reached, or a day before the era began)."""
    import unicodedata

    typed = unicodedata.normalize("NFKC", text).strip()  # ２０２６／１１ → 2026/11, ㋿ → 令和
    found = _TYPED.fullmatch(typed) or _COMPACT.fullmatch(typed)
    if found is None:
        return None
    groups = found.groupdict()
    if groups.get("era"):
        name = _ERA_LETTERS.get(groups["era"].upper(), groups["era"])
        start = next(s for s, n in ERAS if n == name)
        year = start.year + (0 if groups["n"] == "元" else int(groups["n"]) - 1)
    else:
        year = int(groups["year"])
    try:
        day = date(year, int(groups["month"]), int(groups["day"]))
    except ValueError:
        return None
    if groups.get("era") and (day < FIRST_SUPPORTED or era_of(day)[0] != name):
        return None  # 平成32年1月1日, 令和元年4月1日: the era does not cover that day
    return day
