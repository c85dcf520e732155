"""自治体標準オープンデータセット 公共施設一覧, kept as data: one (column, value function) per column.

Also the rules every layout shares (dates, times, カナ, addresses, phone numbers); the イベント一覧
layout is in `exports.events`.

Edition: the older 24-column layout published as 「推奨データセット」, which several independent
sources agree on column by column and which many municipalities still publish. The Digital
Agency's renamed 「自治体標準オープンデータセット（正式版）」 (データ項目定義書A) has a different
column set whose full order could not be confirmed; a newer edition replaces
PUBLIC_FACILITY_COLUMNS here and nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date, time
from typing import TypeVar

import jaconv

from kyodo_desk.services.facilities import FacilityDetail

LOCAL_GOVERNMENT_CODE = "052019"  # 秋田市 (JIS X 0402, with check digit): always 6 characters
PREFECTURE = "秋田県"
CITY = "秋田市"

# Several values in one cell are separated by a half-width ";" throughout the standard.
VALUE_SEPARATOR = "; "

_FILE_KINDS = ("public_facility", "event")
_DASHES = re.compile("[‐‑‒–—―−－ー]")

Column = tuple[str, Callable[[FacilityDetail], str]]
Record = TypeVar("Record")


def suggested_file_name(kind: str) -> str:
    """The name the standard expects, e.g. 052019_public_facility.csv (the user may choose another)."""
    if kind not in _FILE_KINDS:
        raise ValueError(f"unknown open-data kind {kind!r}; expected one of {_FILE_KINDS}")
    return f"{LOCAL_GOVERNMENT_CODE}_{kind}.csv"


def katakana(reading: str) -> str:
    """Full-width katakana, as the _カナ columns require (readings may be typed in hiragana)."""
    full_width = jaconv.h2z(reading, kana=True, ascii=False, digit=False)
    return jaconv.hira2kata(full_width).strip()


def prefectural_address(address: str) -> str:
    """The address from the prefecture on: stored addresses start at 秋田市."""
    if address.startswith(CITY):
        return PREFECTURE + address
    return address


def half_width_phone(phone: str) -> str:
    text = unicodedata.normalize("NFKC", phone).strip()
    return _DASHES.sub("-", text)


def iso_date(day: date | None) -> str:
    """YYYY-MM-DD, or an empty cell."""
    return f"{day:%Y-%m-%d}" if day else ""


def clock(at: time | None) -> str:
    """hh:mm on the 24-hour clock, or an empty cell."""
    return f"{at:%H:%M}" if at else ""


def empty(_: object) -> str:
    """A column Kyodo Desk has no data for: an empty cell, never a placeholder."""
    return ""


def header_of(columns: Sequence[tuple[str, Callable[[Record], str]]]) -> list[str]:
    return [name for name, _ in columns]


def rows_of(columns: Sequence[tuple[str, Callable[[Record], str]]],
            records: Iterable[Record]) -> list[list[str]]:
    return [[value(r) for _, value in columns] for r in records]


def _opening_notes(f: FacilityDetail) -> str:
    # What 開始時間, 終了時間 and 利用可能曜日 cannot say: the days closed and the supplement
    # (「毎月第3水曜日は21:00まで」). Facility notes (備考) stay out: they may be staff memos.
    parts = []
    if f.closed_days.strip():
        parts.append(f"休館日: {f.closed_days.strip()}")
    if f.hours.strip():
        parts.append(f.hours.strip())
    return VALUE_SEPARATOR.join(parts)


def _remarks(f: FacilityDetail) -> str:
    # The layout has no column for e-mail or Facebook, yet they are how people reach a salon.
    parts = []
    if f.email:
        parts.append(f"E-mail: {f.email}")
    if f.facebook:
        parts.append(f"Facebook: {f.facebook}")
    return VALUE_SEPARATOR.join(parts)


PUBLIC_FACILITY_COLUMNS: tuple[Column, ...] = (
    ("都道府県コード又は市区町村コード", lambda f: LOCAL_GOVERNMENT_CODE),
    ("NO", lambda f: str(f.id)),  # the primary key: never reused, so rows stay linkable
    ("都道府県名", lambda f: PREFECTURE),
    ("市区町村名", lambda f: CITY),
    ("名称", lambda f: f.name),
    ("名称_カナ", lambda f: katakana(f.reading)),
    ("名称_通称", empty),
    ("POIコード", empty),
    ("住所", lambda f: prefectural_address(f.address)),
    ("方書", lambda f: f.building),
    ("緯度", empty),
    ("経度", empty),
    ("電話番号", lambda f: half_width_phone(f.phone)),
    ("内線番号", empty),
    ("法人番号", empty),
    ("団体名", empty),
    # The weekday characters as the layout's example writes them: 月火水木金.
    ("利用可能曜日", lambda f: f.open_days),
    ("開始時間", lambda f: clock(f.opens_at)),
    ("終了時間", lambda f: clock(f.closes_at)),
    ("利用可能日時特記事項", _opening_notes),
    # Facility notes may be internal memos: open data publishes only what was written for it.
    ("説明", empty),
    ("バリアフリー情報", empty),
    ("URL", lambda f: f.website),
    ("備考", _remarks),
)


def public_facility_header() -> list[str]:
    return header_of(PUBLIC_FACILITY_COLUMNS)


def public_facility_rows(facilities: Iterable[FacilityDetail]) -> list[list[str]]:
    return rows_of(PUBLIC_FACILITY_COLUMNS, facilities)
