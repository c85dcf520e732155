"""Whole numbers as a clerk types them (定員・人数・参加費・点数・年数): taken exactly as typed,
or refused with the field named — never rounded, clamped or cut to fit a box.

Accepted: ASCII or full-width digits, grouped by three with commas or not, the field's unit at
the end (「30名」「1,500円」), spaces around. Refused, each with its own reason: decimals
(「1500.5」), a minus, digits of other scripts (「᧚」), misgrouped commas (「1,0,0,0」), anything
else, and a value outside the field's range.
"""

from __future__ import annotations

import re

from kyodo_desk.domain.errors import ValidationError

_NARROW = str.maketrans("０１２３４５６７８９，．－　", "0123456789,.- ")
# Only ASCII digits after the narrowing: \d would take ᧚ or ٣ too.
_WHOLE = re.compile(r"[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_DECIMAL = re.compile(r"[0-9][0-9,]*\.[0-9]*|\.[0-9]+")
_MINUS = ("-", "−", "▲", "△", "ー", "‐")


def parse_whole_number(text: str, field: str, label: str, *, lowest: int, highest: int,
                       unit: str = "", optional: bool = False) -> int | None:
    """The number *text* says, for the field *field* (its screen name *label*).

    Empty text gives None if the field is *optional* (a capacity left blank: 定員なし), else it
    is refused. *unit* may follow the number and is named in the range message.
    """
    raw = text.translate(_NARROW).strip()
    if unit:
        raw = raw.removesuffix(unit).rstrip()
    if not raw:
        if optional:
            return None
        raise ValidationError.single(field, f"{label}を入力してください。")
    if raw.startswith(_MINUS):
        raise ValidationError.single(field, f"{label}にマイナスは入力できません。")
    if _DECIMAL.fullmatch(raw):
        raise ValidationError.single(field, f"{label}は整数で入力してください（小数は使えません）。")
    if not _WHOLE.fullmatch(raw):
        raise ValidationError.single(
            field, f"{label}は数字で入力してください（「{_shown(text)}」は数として読めません）。")
    digits = raw.replace(",", "").lstrip("0") or "0"
    if len(digits) > len(str(highest)) + 1 or not lowest <= int(digits) <= highest:
        raise ValidationError.single(
            field, f"{label}は{figure(lowest)}〜{figure(highest)}{unit}の範囲で入力してください。")
    return int(digits)


def figure(n: int) -> str:
    """A number as a message says it: grouped by three from five digits on (1,000,000円), not
    below (2026年度, 5000円), as a year must never read 2,026."""
    return f"{n:,}" if abs(n) >= 10_000 else str(n)


def _shown(text: str) -> str:
    """*text* as quoted in a message: short, one line."""
    line = " ".join(text.split())
    return line if len(line) <= 20 else line[:19] + "…"
