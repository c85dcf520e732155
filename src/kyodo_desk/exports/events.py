"""自治体標準オープンデータセット イベント一覧: the event list as open data, kept as data.

Edition: the older 32-column layout published as 「推奨データセット」, as for 公共施設一覧 (see
`exports.opendata`, which also holds the rules both layouts share); a newer edition replaces
EVENT_COLUMNS here and nothing else. The file is UTF-8 with BOM and CRLF, named
052019_event.csv unless the user chooses another name.

One row per event, since an event is one entry people sign up for: a course of several
sessions (つむぎすと講座 全5回) is one row with its first and last date in 開始日/終了日, the
first session's start in 開始時間, the last session's end in 終了時間, and every session listed
in 開始日時特記事項 (「全3回: 2026-06-06 10:00～12:00; 2026-06-20 10:00～12:00; …」). A row per
session would publish the course as several events, each with the whole course's 定員, and
invite people to sign up for one day of it.

Cancelled events (中止) stay in the file with 備考 「中止」: a portal or calendar that copied the
event earlier learns that it is off, where a row that silently disappears tells it nothing.

イベント名_カナ is required by the layout, so the open-data file is refused while any event
listed lacks its reading (MissingReadings names them); the form suggests one, and `kyodo-desk
events fill-readings` fills them all. The same list as csv or xlsx (イベント一覧 for the staff,
`STAFF_HEADER`) has no such rule: it is for reading at the desk, readings or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import EVENT_KIND_LABELS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.opendata import (
    CITY,
    LOCAL_GOVERNMENT_CODE,
    PREFECTURE,
    VALUE_SEPARATOR,
    clock,
    empty,
    half_width_phone,
    header_of,
    iso_date,
    katakana,
    prefectural_address,
    rows_of,
)
from kyodo_desk.exports.tabular import replaced_atomically, write_csv, write_xlsx
from kyodo_desk.services.contacts import FacilityDetail, list_facilities
from kyodo_desk.services.events import EventDetail, EventSessionInfo, list_events_for_export

CANCELLED_NOTE = "中止"


@dataclass(frozen=True)
class PublishedEvent:
    """One event with the facilities it names: the host (主催) and the venue (会場), if one."""

    event: EventDetail
    host: FacilityDetail | None
    venue: FacilityDetail | None


EventColumn = tuple[str, Callable[[PublishedEvent], str]]


FORMATS = ("opendata", "csv", "xlsx")
SHEET_TITLE = "イベント一覧"
STAFF_HEADER = (
    "番号", "種類", "タイトル", "よみ", "主催", "会場", "開催日（全日程）", "定員", "受付済（名）",
    "キャンセル待ち（組）", "申込期間", "地域", "中止",
)


class MissingReadings(UserError):
    """The open-data file is refused: events listed without イベント名_カナ (よみ), each as
    (番号, タイトル)."""

    def __init__(self, events: list[tuple[int, str]]) -> None:
        self.events = events
        super().__init__(
            f"イベント名_カナ（よみ）が入っていないイベントが {len(events)} 件あるため、"
            "イベント一覧（オープンデータ）を書き出せません（ファイルは作っていません）。")


def export_events(db: Database, actor: Actor, path: Path, *, start: date | None = None,
                  end: date | None = None, fmt: str = "opendata",
                  today: date | None = None) -> int:
    """Write the events with a session between *start* and *end* (either open) to *path*;
    returns how many were written. *fmt* "opendata" is the イベント一覧 layout, refused with
    MissingReadings while an event lacks its reading; "csv" and "xlsx" are the staff's list.

    *path* is replaced only once the whole file is written; an unwritable path raises
    UserError naming it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    events = published_events(db, actor, start=start, end=end)
    if fmt == "opendata":
        lacking = [(p.event.id, p.event.title) for p in events if not p.event.title_reading]
        if lacking:
            raise MissingReadings(lacking)
    with replaced_atomically(Path(path)) as temp:
        if fmt == "opendata":
            write_csv(temp, header_of(EVENT_COLUMNS), rows_of(EVENT_COLUMNS, events))
        elif fmt == "csv":
            write_csv(temp, STAFF_HEADER, (staff_row(p.event) for p in events))
        else:
            write_xlsx(temp, SHEET_TITLE, STAFF_HEADER, (staff_row(p.event) for p in events),
                       title_lines=staff_title_lines(start, end, today or date.today()))
    return len(events)


def staff_row(e: EventDetail) -> list[object]:
    """One event as the staff list shows it; counts stay numbers so Excel can add them up."""
    return [
        e.id, EVENT_KIND_LABELS.get(e.kind, str(e.kind)), e.title, e.title_reading,
        e.facility_name, e.venue_name, schedule(e), e.capacity, e.seats.taken,
        e.seats.waiting_parties, signup_period(e), e.district, CANCELLED_NOTE if e.cancelled else "",
    ]


def signup_period(e: EventDetail) -> str:
    """「2026-05-01～2026-06-01」; an open end stays open (「～2026-06-01」), none at all is ""."""
    if not e.signup_opens_on and not e.signup_closes_on:
        return ""
    return f"{iso_date(e.signup_opens_on)}～{iso_date(e.signup_closes_on)}"


def staff_title_lines(start: date | None, end: date | None, today: date) -> list[str]:
    """The workbook's title and what it holds: the period chosen and the day it was made."""
    period = "全期間"
    if start or end:
        period = f"開催日 {iso_date(start)}～{iso_date(end)}"
    return [SHEET_TITLE, f"{period}　{full_date(today, print_style())}作成"]


def published_events(db: Database, actor: Actor, *, start: date | None = None,
                     end: date | None = None) -> list[PublishedEvent]:
    facilities = {f.id: f for f in list_facilities(db, actor)}
    return [
        PublishedEvent(e, facilities.get(e.facility_id),
                       facilities.get(e.venue_facility_id) if e.venue_facility_id else None)
        for e in list_events_for_export(db, actor, start=start, end=end)
    ]


def session_text(s: EventSessionInfo) -> str:
    """One session as people read it: 「2026-06-06 10:00～12:00 第1回」."""
    times = ""
    if s.start_time or s.end_time:
        times = f"{clock(s.start_time)}～{clock(s.end_time)}"
    return " ".join(part for part in (iso_date(s.held_on), times, s.label) if part)


def schedule(event: EventDetail) -> str:
    """Every session, separated as the standard separates several values in one cell."""
    listed = VALUE_SEPARATOR.join(session_text(s) for s in event.sessions)
    return f"全{len(event.sessions)}回: {listed}" if len(event.sessions) > 1 else listed


def _schedule_note(p: PublishedEvent) -> str:
    # A one-day event says all in 開始日/開始時間; only its label (e.g. 雨天中止) is news.
    if len(p.event.sessions) == 1:
        return p.event.sessions[0].label
    return schedule(p.event)


def _contact(p: PublishedEvent) -> tuple[str, str]:
    e = p.event
    if e.contact_name or e.contact_phone or p.host is None:
        return e.contact_name, e.contact_phone
    # An event entered without 問い合わせ先 is answered by the facility that holds it.
    return p.host.name, p.host.phone


def _address(p: PublishedEvent) -> str:
    # A venue facility's building goes to 方書; the event's own copy joins it to the address.
    return prefectural_address(p.venue.address if p.venue else p.event.venue_address)


def _remarks(p: PublishedEvent) -> str:
    # The layout has no column for 対象 or the day sign-ups open, yet people need both.
    e = p.event
    parts = []
    if e.cancelled:
        parts.append(CANCELLED_NOTE)
    if e.audience:
        parts.append(f"対象: {e.audience}")
    if e.signup_opens_on:
        parts.append(f"参加申込開始日: {iso_date(e.signup_opens_on)}")
    return VALUE_SEPARATOR.join(parts)


EVENT_COLUMNS: tuple[EventColumn, ...] = (
    ("都道府県コード又は市区町村コード", lambda p: LOCAL_GOVERNMENT_CODE),
    ("NO", lambda p: str(p.event.id)),  # the primary key: never reused, so rows stay linkable
    ("都道府県名", lambda p: PREFECTURE),
    ("市区町村名", lambda p: CITY),
    ("イベント名", lambda p: p.event.title),
    ("イベント名_カナ", lambda p: katakana(p.event.title_reading)),
    ("イベント名_英語", empty),
    ("開始日", lambda p: iso_date(p.event.first_day)),
    ("終了日", lambda p: iso_date(p.event.last_day)),
    ("開始時間", lambda p: clock(p.event.sessions[0].start_time)),
    ("終了時間", lambda p: clock(p.event.sessions[-1].end_time)),
    ("開始日時特記事項", _schedule_note),
    ("説明", lambda p: p.event.description),
    ("料金(基本)", lambda p: str(p.event.fee)),  # 0 is 無料, which is worth saying
    ("料金(詳細)", lambda p: p.event.fee_note),
    ("連絡先名称", lambda p: _contact(p)[0]),
    ("連絡先電話番号", lambda p: half_width_phone(_contact(p)[1])),
    ("連絡先内線番号", empty),
    ("主催者", lambda p: p.event.facility_name),
    ("場所名称", lambda p: p.event.venue_name),
    ("住所", _address),
    ("方書", lambda p: p.venue.building if p.venue else ""),
    ("緯度", empty),
    ("経度", empty),
    ("アクセス方法", empty),
    ("駐車場情報", empty),
    ("定員", lambda p: "" if p.event.capacity is None else str(p.event.capacity)),
    ("参加申込終了日", lambda p: iso_date(p.event.signup_closes_on)),
    ("参加申込終了時間", empty),
    ("参加申込方法", lambda p: p.event.how_to_apply),
    ("URL", lambda p: p.event.url),
    ("備考", _remarks),
)
