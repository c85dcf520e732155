"""One cell of an office's register as the office typed it (取り込みのセル値): dates in every
form Japanese offices write them, counts, phone numbers, 〒, text — read into the form the
app stores, or refused with a Japanese message that quotes the cell.

A cell comes as the file reader gives it (`Cell`): text from a CSV or a text cell, numbers,
booleans, dates and times from a workbook. Every function here answers with a stored form or a
ValidationError naming the field, never another exception; the import report shows the
message beside the row and column.

Dates: 2026/4/1, 2026-04-01, 2026.4.1, 2026年4月1日, 20260401, full width, 令和8年4月1日,
令和元年5月1日, R8.4.1, 令8.4.1, H30.2.1 (S, T, M too), spaces anywhere, a weekday in brackets
after it (checked against the date), a time after it (dropped), and Excel's serial numbers.
Two-digit western years are refused rather than guessed, and so are an era year past the era's
end (平成32年) and dates before 1873, when Japan took the Gregorian calendar.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from kyodo_desk.domain import validation
from kyodo_desk.domain.dates import (
    ERAS,
    FIRST_SUPPORTED,
    WEEKDAYS,
    clock,
    date_and_time,
    full_date,
    month_range,
)
from kyodo_desk.domain.dates import (
    DateStyle as _DateStyle,
)
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.numbers import parse_whole_number
from kyodo_desk.domain.text import fold

Cell = str | int | float | bool | date | datetime | time | None  # a cell as read
T = TypeVar("T")

# Full-width ASCII (０-９, ／, （）, Ｒ…) and the ideographic space to their narrow forms; not
# NFKC, which would also read ① or ¹ as digits.
_NARROW = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_QUOTED_CHARS = 30

# Excel shows these in a cell whose formula failed; the file keeps the error, not a value.
FORMULA_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                            "#SPILL!", "#CALC!", "#GETTING_DATA"})


def _shown(value: Cell) -> str:
    """The cell as quoted in a message: on one line, at most _QUOTED_CHARS characters."""
    text = value if isinstance(value, str) else _as_text(value)
    line = " ".join(text[: _QUOTED_CHARS * 4].split())
    line = "".join(ch for ch in line if ch.isprintable())
    return line if len(line) <= _QUOTED_CHARS else line[: _QUOTED_CHARS - 1] + "…"


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError.single(field, message)


def _check_formula_error(text: str, field: str) -> None:
    shown = text.strip()
    if shown.upper() in FORMULA_ERRORS:
        raise _refuse(field, f"数式のエラー（{shown}）が入っています。元の表で数式を直すか、値を入力してください。")


# --- text ----------------------------------------------------------------------------------

def _as_text(value: Cell) -> str:
    """A cell written as Excel shows it in a cell of the General format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g")  # Excel's 15 significant digits: 0.1+0.2 shows 0.3
    if isinstance(value, datetime):
        return date_and_time(value, _DateStyle.WESTERN)
    if isinstance(value, date):
        return full_date(value, _DateStyle.WESTERN)
    if isinstance(value, time):
        return clock(value)
    return value


def cell_text(value: Cell, *, multiline: bool = False, field: str = "") -> str:
    """The cell as text to store: numbers as Excel shows them (24.0 → "24"), spaces (U+3000
    too) stripped at both ends, line breaks of a single-line field joined by a space.

    Length is left to the field's bounds (domain/bounds): a cut text would store less than the
    office wrote without anyone noticing.
    """
    text = _as_text(value)
    _check_formula_error(text, field)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        return "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return " ".join(part for part in (line.strip() for line in text.split("\n")) if part)


# --- dates ---------------------------------------------------------------------------------

_EXAMPLES = "例: 2026/4/1、令和8年4月1日、R8.4.1"
_MONTH_EXAMPLES = "例: 2015/4、平成27年4月、H27.4"

_ERA_NAMES = {
    "令和": "令和", "令": "令和", "r": "令和", "㋿": "令和",
    "平成": "平成", "平": "平成", "h": "平成", "㍻": "平成",
    "昭和": "昭和", "昭": "昭和", "s": "昭和", "㍼": "昭和",
    "大正": "大正", "大": "大正", "t": "大正", "㍽": "大正",
    "明治": "明治", "明": "明治", "m": "明治", "㍾": "明治",
}
_ERA_START = {name: start for start, name in ERAS}
# The last year of an era that has ended: 平成 → 31 (平成31年 is 2019).
_ERA_LAST_YEAR = {
    name: later.year - start.year + 1
    for (later, _), (start, name) in itertools.pairwise(ERAS)
}
_ERA = "(?P<era>" + "|".join(sorted(_ERA_NAMES, key=len, reverse=True)) + ")"
_ERA_YEAR = r"(?P<y>元|[0-9]{1,2})"
_SEP = r"[/\-.]"

_DAY_FORMS = tuple(re.compile(p) for p in (
    rf"(?P<y>[0-9]{{4}})(?P<s>{_SEP})(?P<m>[0-9]{{1,2}})(?P=s)(?P<d>[0-9]{{1,2}})",
    r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日?",
    r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})",
    rf"{_ERA}{_ERA_YEAR}(?:年|{_SEP})(?P<m>[0-9]{{1,2}})(?:月|{_SEP})(?P<d>[0-9]{{1,2}})日?",
))
_MONTH_FORMS = tuple(re.compile(p) for p in (
    rf"(?P<y>[0-9]{{4}}){_SEP}(?P<m>[0-9]{{1,2}})",
    r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月?",
    r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})",
    rf"{_ERA}{_ERA_YEAR}(?:年|{_SEP})(?P<m>[0-9]{{1,2}})月?",
))
_SHORT_YEAR = re.compile(rf"[0-9]{{2}}(?:{_SEP}|年)[0-9]{{1,2}}(?:{_SEP}|月)?([0-9]{{1,2}}日?)?")
# A weekday in brackets after the date: (水), （水）, (水曜), (水曜日).
_WEEKDAY_TAIL = re.compile(rf"(?:\(([{WEEKDAYS}])(?:曜日?)?\)|([{WEEKDAYS}])曜日?)$")
# A time after the date (2026/04/01 10:23:45, 2026-04-01T10:23): the day is what is stored.
_TIME_TAIL = re.compile(r"(?:\s+|(?<=[0-9])T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?\s*$")

EXCEL_FIRST_SERIAL = 1  # 1900-01-01
EXCEL_LAST_SERIAL = 2_958_465  # 9999-12-31
_EXCEL_LEAP_BUG = 60  # Excel's 1900-02-29, a day that never was


def excel_serial_day(serial: float) -> date:
    """The day an Excel serial number stands for, in the 1900 date system: 1 is 1900-01-01,
    61 is 1900-03-01 and 45383 is 2024-04-01; 60 is Excel's 1900-02-29, which never was, and a
    fraction (the time of day) is dropped. ValueError outside 1–2958465."""
    # Compared as given: math.isfinite would overflow on an int of a few hundred digits.
    if isinstance(serial, float) and not math.isfinite(serial):
        raise ValueError(f"{serial} is not an Excel serial date")
    if not EXCEL_FIRST_SERIAL <= serial < EXCEL_LAST_SERIAL + 1:
        raise ValueError(f"{serial} is not an Excel serial date")
    whole = int(serial)
    if whole == _EXCEL_LEAP_BUG:
        raise ValueError("Excel's 1900-02-29 does not exist")
    # Excel counts 1900 as a leap year: from March 1900 on, its day 0 is 1899-12-30.
    base = date(1899, 12, 31) if whole < _EXCEL_LEAP_BUG else date(1899, 12, 30)
    return base + timedelta(days=whole)


def _date_words(text: str) -> str:
    """Date text with widths narrowed, letters in lower case and every space dropped."""
    return "".join(text.translate(_NARROW).lower().split())


def _era_year(era: str, year: str, shown: str, field: str, label: str) -> int:
    name = _ERA_NAMES[era]
    number = 1 if year == "元" else int(year)
    last = _ERA_LAST_YEAR.get(name)
    if number == 0:
        raise _refuse(field, f"{label}「{shown}」は日付として読めません（{name}は元年から。{_EXAMPLES}）。")
    western = _ERA_START[name].year + number - 1
    if last is not None and number > last:
        following = next(n for (s, n) in ERAS if s.year <= western and n != name)
        later_start = _ERA_START[following]
        raise _refuse(
            field,
            f"{label}「{shown}」は読めません: {name}は{last}年までです"
            f"（{western}年は{following}{western - later_start.year + 1}年）。")
    return western


def _checked_day(year: int, month: int, day: int, shown: str, field: str, label: str) -> date:
    if not 1 <= month <= 12:
        raise _refuse(field, f"{label}「{shown}」は日付として読めません（{_EXAMPLES}）。")
    if year < FIRST_SUPPORTED.year:
        raise _refuse(field, f"{label}「{shown}」は扱えません: 1873年（明治6年）より前の日付です。")
    last = month_range(date(year, month, 1))[1].day
    if not 1 <= day <= last:
        raise _refuse(field, f"{label}「{shown}」は日付として読めません: {year}年{month}月は{last}日までです。")
    return date(year, month, day)


def _western_or_era_year(parts: dict[str, str | None], shown: str, field: str, label: str) -> int:
    year = parts["y"] or ""
    era = parts.get("era")
    return _era_year(era, year, shown, field, label) if era else int(year)


def _not_a_date(value: Cell, field: str, label: str, examples: str) -> ValidationError:
    shown = _shown(value)
    if isinstance(value, str) and _SHORT_YEAR.fullmatch(_date_words(value)):
        return _refuse(field, f"{label}「{shown}」は年が2桁です: 年は4桁の西暦か和暦で書いてください（{examples}）。")
    return _refuse(field, f"{label}「{shown}」は日付として読めません（{examples}）。")


def _serial(value: int | float, field: str, label: str, examples: str) -> date:
    try:
        return excel_serial_day(value)
    except ValueError:
        raise _not_a_date(value, field, label, examples) from None


def cell_date(value: Cell, field: str, label: str) -> date | None:
    """The day a cell holds (日付), or None for an empty cell.

    A weekday written after the date must be the date's: a clerk who typed 2026/4/2(水) meant
    one of two days, and which is not for the import to guess.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool | time):
        raise _not_a_date(value, field, label, _EXAMPLES)
    if isinstance(value, int | float):
        return _serial(value, field, label, _EXAMPLES)
    _check_formula_error(value, field)
    shown = _shown(value)
    words = _date_words(_TIME_TAIL.sub("", value.translate(_NARROW)))
    said_weekday = None
    if tail := _WEEKDAY_TAIL.search(words):
        said_weekday = tail.group(1) or tail.group(2)
        words = words[: tail.start()]
    for form in _DAY_FORMS:
        if match := form.fullmatch(words):
            parts = match.groupdict()
            year = _western_or_era_year(parts, shown, field, label)
            found = _checked_day(year, int(parts["m"] or 0), int(parts["d"] or 0), shown, field, label)
            if said_weekday and WEEKDAYS[found.weekday()] != said_weekday:
                raise _refuse(
                    field,
                    f"{label}「{shown}」は曜日が合いません: {full_date(found, _DateStyle.WESTERN)}"
                    f"は{WEEKDAYS[found.weekday()]}曜日です。")
            return found
    raise _not_a_date(value, field, label, _EXAMPLES)


def cell_year_month(value: Cell, field: str, label: str) -> date | None:
    """The month a cell names (年月, 設立年月: 2015年4月, H27.4), as its first day; a full date
    gives its month's first day. None for an empty cell. A year alone (2015年) is refused: the
    month would be made up."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    if isinstance(value, bool | time):
        raise _not_a_date(value, field, label, _MONTH_EXAMPLES)
    if isinstance(value, int | float):
        return _serial(value, field, label, _MONTH_EXAMPLES).replace(day=1)
    _check_formula_error(value, field)
    shown = _shown(value)
    words = _date_words(value)
    for form in _MONTH_FORMS:
        if match := form.fullmatch(words):
            parts = match.groupdict()
            year = _western_or_era_year(parts, shown, field, label)
            return _checked_day(year, int(parts["m"] or 0), 1, shown, field, label)
    try:
        day = cell_date(value, field, label)
    except ValidationError:
        raise _not_a_date(value, field, label, _MONTH_EXAMPLES) from None
    return day.replace(day=1) if day else None


_DATETIME_EXAMPLES = "例: 2026/4/1 10:23、2026-04-01 10:23:45、令和8年4月1日 10時23分"
# A time of day at the end of a date-and-time cell: 10:23, 10:23:45(.123), 10時23分(45秒).
_CLOCK_TAIL = re.compile(
    r"(?:^|\s+|(?<=[0-9])T|(?<=日)|(?<=\)))\s*"
    r"(?:(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?"
    r"|(?P<jh>[0-9]{1,2})時(?:(?P<jm>[0-9]{1,2})分(?:(?P<js>[0-9]{1,2})秒)?)?)\s*$")
_SECONDS_A_DAY = 86_400


def cell_datetime(value: Cell, field: str, label: str) -> datetime | None:
    """The moment a cell holds (日時: a web form's 送信日時 or タイムスタンプ), to the second,
    or None for an empty cell: 2026/04/01 10:23:45, 2026-04-01T10:23, 2026/4/1(水) 9:05,
    令和8年4月1日 10時23分, a workbook's date-and-time cell or an Excel serial with its fraction.

    The day is read as `cell_date` reads it (so every form of day it takes, and its refusals);
    a day with no time is its first moment (00:00), so rows of one day keep the file's order
    wherever they are sorted stably. A time alone is refused: the day would be made up.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, bool | time):
        raise _refuse(field, f"{label}「{_shown(value)}」は日時として読めません（{_DATETIME_EXAMPLES}）。")
    if isinstance(value, int | float):
        serial_day = _serial(value, field, label, _DATETIME_EXAMPLES)
        seconds = round((value - math.floor(value)) * _SECONDS_A_DAY)
        # A fraction within half a second of midnight rounds to the next day's 00:00.
        return datetime.combine(serial_day, time()) + timedelta(seconds=seconds)
    _check_formula_error(value, field)
    text = value.translate(_NARROW).strip()
    found = _CLOCK_TAIL.search(text)
    if found is None:
        only_day = cell_date(text, field, label)
        return datetime.combine(only_day, time()) if only_day else None
    parts = found.groupdict()
    hour = int(parts["h"] or parts["jh"] or 0)
    minute = int(parts["m"] or parts["jm"] or 0)
    second = int(parts["s"] or parts["js"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _refuse(field, f"{label}「{_shown(value)}」の時刻が読めません（{_DATETIME_EXAMPLES}）。")
    day_text = text[: found.start()].strip()
    if not day_text:
        raise _refuse(field, f"{label}「{_shown(value)}」は日付がありません（{_DATETIME_EXAMPLES}）。")
    day: date | None = None
    # A day refused is refused below, quoting the whole cell rather than its day alone.
    with contextlib.suppress(ValidationError):
        day = cell_date(day_text, field, label)
    if day is None:
        raise _refuse(field, f"{label}「{_shown(value)}」は日時として読めません（{_DATETIME_EXAMPLES}）。")
    return datetime.combine(day, time(hour, minute, second))


# --- numbers -------------------------------------------------------------------------------

def cell_whole_number(value: Cell, field: str, label: str, *, lowest: int, highest: int,
                      units: Sequence[str] = ("人", "名")) -> int | None:
    """A count (構成員数, 人数) as typed: 24, 24.0, "２４人", "1,200名", " 24 "; None for an
    empty cell. Decimals, minus signs and values out of range are refused, never rounded."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _refuse(field, f"{label}「{_shown(value)}」は数として読めません。")
    if isinstance(value, str):
        _check_formula_error(value, field)
        text = value.translate(_NARROW).strip()
        for unit in units:
            if text.endswith(unit):
                text = text.removesuffix(unit).rstrip()
                break
        if not text.isprintable():  # a control character: quoted, it would break the report
            raise _refuse(field, f"{label}「{_shown(value)}」は数として読めません。")
    elif isinstance(value, float) and not value.is_integer():
        text = format(value, ".15g")
    else:
        text = _as_text(value)
    try:
        return parse_whole_number(text, field, label, lowest=lowest, highest=highest,
                                  optional=True)
    except ValidationError as refused:
        message = refused.message
        shown = _shown(value)
        if f"「{shown}」" not in message:
            message = f"{message} セルの値は「{shown}」です。"
        raise _refuse(field, message) from None


# --- phones and postal codes ---------------------------------------------------------------

_TEL, _FAX = "tel", "fax"
_PHONE_TOKENS = re.compile(
    r"(?P<fax>fax|ファックス|ファクス|ﾌｧｯｸｽ|ﾌｧｸｽ|f(?![a-z]))"
    r"|(?P<tel>℡|☎|tel|phone|電話番号|電話|携帯電話|携帯|ケータイ|自宅|勤務先|事務所|代表|直通"
    r"|t(?![a-z]))"
    r"|(?P<number>[0-9()\-‐‑‒–—―−ーｰ]+)"
    r"|(?P<space>[ \t]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
# +81 18-888-5640, +81(0)90-1234-5678: Japan's country code stands for the leading 0.
_COUNTRY_CODE = re.compile(r"\+81[\s\-]*(?:\(0\))?[\s\-]*")
_NUMBER_DASHES = re.compile(r"[()\-‐‑‒–—―−ーｰ]+")
_LANDLINE_WITHOUT_ZERO = 9  # 188885640: 018-888-5640 stored as a number
_MOBILE_WITHOUT_ZERO = 10  # 9012345678: 090-1234-5678 stored as a number
_SHORTEST_NUMBER = 10  # 018-888-5640: a landline with its area code
_LONGEST_NUMBER = 11  # 090-1234-5678


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def _restore_zero(number: str) -> str:
    """A number Excel stored as a number, its leading 0 lost, with the 0 again."""
    if number.isdigit() and not number.startswith("0") and len(number) in (
            _LANDLINE_WITHOUT_ZERO, _MOBILE_WITHOUT_ZERO):
        return "0" + number
    return number


def _numbers_in(value: Cell) -> list[tuple[str, frozenset[str]]]:
    """The numbers in a phone cell, each with the kinds its marks gave it (TEL, FAX, both for
    TEL/FAX 018-…; none when unmarked)."""
    if value is None or isinstance(value, bool):
        return []
    text = _COUNTRY_CODE.sub("0", _as_text(value).translate(_NARROW))
    found: list[tuple[str, frozenset[str]]] = []
    marks: set[str] = set()
    piece, piece_marks = "", frozenset[str]()
    # Only spaces since the last piece: "018 888 5640" and "(018) 888-5640" are one number
    # while together they have no more digits than one.
    joinable = False

    def close() -> None:
        if _digits(piece):
            number = _NUMBER_DASHES.sub("-", piece).strip("-")
            found.append((_restore_zero(number), piece_marks))

    for token in _PHONE_TOKENS.finditer(text.lower()):
        kind = token.lastgroup
        if kind == "space":
            continue
        if kind == "number":
            part = token.group()
            held, more = len(_digits(piece)), len(_digits(part))
            if joinable and held < _SHORTEST_NUMBER and held + more <= _LONGEST_NUMBER:
                piece += "-" + part
            else:
                close()
                piece, piece_marks = part, frozenset(marks)
                marks.clear()
            joinable = True
            continue
        joinable = False
        if kind in (_TEL, _FAX):
            marks.add(kind)
    close()
    return found


def cell_phones(value: Cell) -> tuple[str, ...]:
    """The phone numbers in one cell as typed, without their marks (℡, TEL:, 電話, 携帯…):
    "018-888-5640 / 090-1234-5678" → ("018-888-5640", "090-1234-5678"); 188885640 (Excel kept
    the number, not the text) → ("0188885640",). Numbers marked FAX only are left out.

    Not validated: validation.phone normalises and refuses each. A cell with no digits at all
    (なし, 不明) gives no number.
    """
    return tuple(n for n, kinds in _numbers_in(value) if not kinds or _TEL in kinds)


def cell_fax(value: Cell) -> tuple[str, ...]:
    """The FAX numbers in one cell: those marked FAX (TEL/FAX both ways) or unmarked, as a FAX
    column holds them; numbers marked TEL only are left out."""
    return tuple(n for n, kinds in _numbers_in(value) if not kinds or _FAX in kinds)


_POSTAL_DIGITS = 7
_POSTAL_LOWEST = 10_000  # 001-0000 is Japan's lowest code: as a number, five digits


def cell_postal_code(value: Cell, field: str = "postal_code") -> str:
    """〒 as stored: "010-0041" from 〒010-0041, ０１０－００４１, 0100041 or 100041 (a number
    that lost its leading zero in Excel); "" for an empty cell."""
    if isinstance(value, bool | date | time):
        raise _refuse(field, f"郵便番号「{_shown(value)}」は7桁の数字で入力してください（例: 010-0041）。")
    text = _as_text(value)
    _check_formula_error(text, field)
    bare = "".join(text.translate(_NARROW).split()).removeprefix("〒")
    # Only a number lost its zero: text 010041 is a code mistyped, not one to complete.
    lost_zero = bare.isascii() and bare.isdigit() and not bare.startswith("0")
    if lost_zero and int(bare) >= _POSTAL_LOWEST and len(bare) < _POSTAL_DIGITS:
        text = bare.zfill(_POSTAL_DIGITS)
    return validation.postal_code(text, field)


# --- choices -------------------------------------------------------------------------------

def cell_choice(value: Cell, field: str, label: str, choices: Mapping[str, T]) -> T | None:
    """The choice a cell names (区分: 団体/個人, 相談方法: 来所/電話…), matched whatever its width,
    kana or spacing; None for an empty cell."""
    text = cell_text(value, field=field)
    if not text:
        return None
    if text in choices:  # as written: the usual case, spared the folding
        return choices[text]
    folded = {fold(key): choice for key, choice in choices.items()}
    try:
        return folded[fold(text)]
    except KeyError:
        listed = "、".join(choices)
        raise _refuse(field, f"{label}「{_shown(value)}」は選べません（{listed}のいずれか）。") from None
