"""National holidays (国民の祝日・休日) and a facility's closed days (休館日): what the calendar
marks and what an event set on such a day is warned about.

Holidays come from jpholiday, which computes them in Python (no network): 振替休日 and
国民の休日 included, written as people say them (「振替休日」, not jpholiday's
「憲法記念日 振替休日」).

A facility's 休館日 is what it records (domain/facilities.py): the days open (利用可能曜日,
`open_days`, 「月火水木金」 — any other weekday is closed) and the days closed as free text
(`closed_days`, 「年末年始（12月29日〜1月3日）、祝日」). Of that text, these are read:
weekdays (「月曜日」「土日祝」「毎週火曜」), numbered weekdays (「毎月第3水曜日」「第2・第4月曜」),
holidays (「祝日」「祝休日」「国民の祝日」「休日」), the day after one (「祝日の翌日」), a weekly
closing moved on when it falls on a holiday (「月曜日（祝日の場合は翌日）」), 年末年始 (12月29日
〜1月3日, the usual span of Japan's public buildings, unless the text gives its own), and dates
or spans of dates (「12月28日〜1月4日」「8月15日」). What is not read is not guessed: the
calendar then marks fewer days, never a day the facility is open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import jpholiday

from kyodo_desk.domain import dates
from kyodo_desk.domain.dates import WEEKDAYS

CLOSED = "休館日"
TRANSFER = "振替休日"
NEW_YEAR_SPAN = ((12, 29), (1, 3))  # 年末年始 when the text gives no dates of its own


# --- national holidays ----------------------------------------------------------------------

@lru_cache(maxsize=64)
def _year_holidays(year: int) -> dict[date, str]:
    return {day: _plain_name(name) for day, name in jpholiday.year_holidays(year)}


def _plain_name(name: str) -> str:
    return TRANSFER if name.endswith(TRANSFER) else name


def holiday_name(day: date) -> str | None:
    """「成人の日」 for 2026-01-12, 「振替休日」 for 2026-05-06; None on any other day."""
    return _year_holidays(day.year).get(day)


def holidays_between(first: date, last: date) -> dict[date, str]:
    """The holidays from *first* to *last* (both included), day → name."""
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        found.update((d, n) for d, n in _year_holidays(year).items() if first <= d <= last)
    return found


# --- a facility's closed days (休館日) -----------------------------------------------------

_WIDE = str.maketrans("０１２３４５６７８９～〜－―ー", "0123456789~~---")
_AFTER_HOLIDAY_MOVED = re.compile(
    r"[（(]?(?:国民の)?(?:祝日|祝休日|休日)(?:と重なる|の)?場合は[、,]?(?:その)?翌(?:平)?日[^）)、,]*[）)]?")
_AFTER_HOLIDAY = re.compile(r"(?:国民の)?(?:祝日|祝休日|休日)の翌(?:平)?日")
_SPAN = re.compile(r"(\d{1,2})月(\d{1,2})日?\s*(?:~|-|から)\s*(?:(\d{1,2})月)?(\d{1,2})日")
_ONE_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日")
_NUMBERED = re.compile(r"(?:毎月)?第(\d(?:[・、,]第?\d)*)([月火水木金土日])曜日?")
_HOLIDAYS = re.compile(r"(?:国民の)?(?:祝日|祝休日|休日|祝)")
_WEEKLY = re.compile(r"([月火水木金土日・、]+)(?=曜|祝)")


@dataclass(frozen=True)
class ClosedDays:
    """The 休館日 of one facility as rules; `closes_on(day)` answers for a day."""

    weekdays: frozenset[int] = frozenset()  # date.weekday(): 0 Monday
    numbered: frozenset[tuple[int, int]] = frozenset()  # (n, weekday): 第n X曜日
    holidays: bool = False
    after_holidays: bool = False  # 祝日の翌日
    moved_past_holidays: bool = False  # a weekly closing on a holiday moves to the next day
    spans: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = field(default=())

    @classmethod
    def of(cls, open_days: str, closed_days: str) -> ClosedDays:
        """The rules of 利用可能曜日 *open_days* and 休館日 *closed_days* as recorded."""
        text = closed_days.translate(_WIDE)
        moved = bool(_AFTER_HOLIDAY_MOVED.search(text))
        text = _AFTER_HOLIDAY_MOVED.sub("、", text)
        after = bool(_AFTER_HOLIDAY.search(text))
        text = _AFTER_HOLIDAY.sub("、", text)
        spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
        for m in _SPAN.finditer(text):
            start_month, start_day, end_month, end_day = m.groups()
            spans.append(((int(start_month), int(start_day)),
                          (int(end_month or start_month), int(end_day))))
        text = _SPAN.sub("、", text)
        spans.extend(((int(m[1]), int(m[2])),) * 2 for m in _ONE_DATE.finditer(text))
        text = _ONE_DATE.sub("、", text)
        if "年末年始" in text and not spans:
            spans.append(NEW_YEAR_SPAN)
        text = text.replace("年末年始", "、")
        numbered = {(int(n), WEEKDAYS.index(m[2]))
                    for m in _NUMBERED.finditer(text) for n in re.findall(r"\d", m[1])}
        text = _NUMBERED.sub("、", text)
        # 「月曜日・祝日」: the 日 of 曜日 is no Sunday.
        text = text.replace("曜日", "曜")
        closed = {WEEKDAYS.index(c) for m in _WEEKLY.finditer(text) for c in m[1]
                  if c in WEEKDAYS}
        holidays = bool(_HOLIDAYS.search(text))
        if open_days.strip():
            closed |= {i for i, c in enumerate(WEEKDAYS) if c not in open_days}
        return cls(frozenset(closed), frozenset(numbered), holidays, after, moved, tuple(spans))

    def __bool__(self) -> bool:
        return bool(self.weekdays or self.numbered or self.holidays or self.after_holidays
                    or self.spans)

    def closes_on(self, day: date) -> bool:
        """Whether the facility is closed on *day* by its rules."""
        if self.holidays and holiday_name(day) is not None:
            return True
        if self.after_holidays and self._first_day_after_holidays(day):
            return True
        if any(_in_span(day, start, end) for start, end in self.spans):
            return True
        if (day.day - 1) // 7 + 1 in {n for n, w in self.numbered if w == day.weekday()}:
            return True
        if day.weekday() in self.weekdays:
            # Moved on: the closing of a holiday falls on the first day after it that is
            # neither a holiday nor a closing of its own (the usual 「祝日の場合は翌日」).
            return not (self.moved_past_holidays and holiday_name(day) is not None)
        return self.moved_past_holidays and self._moved_here(day)

    @staticmethod
    def _first_day_after_holidays(day: date) -> bool:
        return holiday_name(day) is None and holiday_name(day - timedelta(days=1)) is not None

    def _moved_here(self, day: date) -> bool:
        if holiday_name(day) is not None:
            return False
        earlier = day - timedelta(days=1)
        while holiday_name(earlier) is not None:
            if earlier.weekday() in self.weekdays:
                return True
            earlier -= timedelta(days=1)
        return False


def _in_span(day: date, start: tuple[int, int], end: tuple[int, int]) -> bool:
    here = (day.month, day.day)
    if start <= end:
        return start <= here <= end
    return here >= start or here <= end  # across the year's end: 12月29日〜1月3日


# --- warnings about an event's days ---------------------------------------------------------

def month_day(day: date) -> str:
    """「12月29日（火）」: a session's day in a message about it (its year is the form's)."""
    return dates.month_day(day)


def day_warnings(days: list[date] | tuple[date, ...], closed: ClosedDays | None = None) -> list[str]:
    """What to warn about sessions on *days*: 「12月29日（火）は休館日です」 when the venue's
    *closed* days take it in, else 「1月12日（月）は成人の日です」 on a national holiday. One line
    a day, in date order; a warning only: an event may well be held then."""
    lines: list[str] = []
    for day in sorted(set(days)):
        name = holiday_name(day)
        if closed is not None and closed.closes_on(day):
            lines.append(f"{month_day(day)}は{CLOSED}です" + (f"（{name}）" if name else ""))
        elif name is not None:
            lines.append(f"{month_day(day)}は{name}です")
    return lines
