"""拠点施設 (facilities): the eight places of the summary edition, read by everyone and kept
current by the administrator (住所・連絡先・開館時間).

Opening hours are data, not a sentence: 開館時刻 and 閉館時刻 (`opens_at`, `closes_at`), the
days open (利用可能曜日, `open_days`: the weekday characters in week order, "月火水木金") and
the days closed (休館日, `closed_days`: free text, 「年末年始、祝日」), which is what the
公共施設一覧 open data asks for (開始時間, 終了時間, 利用可能曜日). What does not fit them
(「毎月第3水曜日は21:00まで」) is the free-text supplement `hours` (開館時間の補足), the
column that held the whole sentence before. `FacilityDetail.opening_hours` is the one line the
prints and screens show: 「9:00〜17:00（月〜金）　休館日: 年末年始　毎月第3水曜日は21:00まで」.

Every function takes the open Database, does its work in one transaction, and returns plain
frozen dataclasses, never live ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain import validation
from kyodo_desk.domain.dates import WEEKDAYS, clock
from kyodo_desk.domain.errors import ConcurrentEdit, FieldProblem, NotFound, ValidationError
from kyodo_desk.domain.facilities import WEEKDAY_SPAN_FROM as WEEKDAY_SPAN_FROM
from kyodo_desk.domain.facilities import FacilityDetail as FacilityDetail
from kyodo_desk.domain.facilities import FacilityDraft as FacilityDraft
from kyodo_desk.domain.facilities import opening_hours_text as opening_hours_text
from kyodo_desk.domain.facilities import weekday_span as weekday_span
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import Facility

# FacilityDetail, FacilityDraft and the opening-hours line live in domain/facilities.py (no
# database: a print from the command line builds them from a quick read), re-exported here.

RECORD = "施設"  # as ConcurrentEdit names it: 「この施設は、開いた後に…」


# --- read -----------------------------------------------------------------------------------

def get_facility(db: Database, actor: Actor, facility_id: int) -> FacilityDetail:
    actor.require(Action.READ, Resource.FACILITIES)
    with db.reading(actor) as session:
        return _detail(_load(session, facility_id))


def list_facilities(db: Database, actor: Actor) -> list[FacilityDetail]:
    """The active facilities in the order of the summary edition."""
    actor.require(Action.READ, Resource.FACILITIES)
    with db.reading(actor) as session:
        rows = session.scalars(
            select(Facility).where(Facility.active)
            .order_by(Facility.display_order, Facility.id)
        ).all()
        return [_detail(f) for f in rows]


def _load(session: Session, facility_id: int) -> Facility:
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise NotFound("この施設は見つかりません。一覧を更新してください。")
    return facility


def _detail(f: Facility) -> FacilityDetail:
    return FacilityDetail(
        id=f.id, code=f.code, kind=f.kind.value, name=f.name, reading=f.reading,
        postal_code=f.postal_code, address=f.address, building=f.building, phone=f.phone,
        email=f.email, website=f.website, facebook=f.facebook, hours=f.hours,
        notes=f.notes, version=f.version, opens_at=f.opens_at, closes_at=f.closes_at,
        open_days=f.open_days, closed_days=f.closed_days,
    )


# --- write ----------------------------------------------------------------------------------

def clean_draft(draft: FacilityDraft) -> FacilityDraft:
    """The draft in stored form, or ValidationError listing every field at fault."""
    problems: list[FieldProblem] = []

    def check(fn: Callable[[str], str], value: str) -> str:
        try:
            return fn(value)
        except ValidationError as exc:
            problems.extend(exc.problems)
            return value

    cleaned = replace(
        draft,
        postal_code=check(validation.postal_code, draft.postal_code),
        # 住所 is required in the 公共施設一覧, and a facility nobody can find is no use.
        address=check(lambda v: validation.require("address", "住所", v), draft.address),
        building=draft.building.strip(),
        phone=check(validation.phone, draft.phone),
        email=check(validation.email, draft.email),
        website=check(validation.web_address, draft.website),
        facebook=check(lambda v: validation.web_address(v, field="facebook"), draft.facebook),
        open_days=check(_weekdays, draft.open_days),
        closed_days=draft.closed_days.strip(),
        hours=draft.hours.strip(),
        notes=draft.notes.strip(),
    )
    problems.extend(opening_hours_problems(draft.opens_at, draft.closes_at))
    if problems:
        raise ValidationError(problems)
    return cleaned


def _weekdays(value: str) -> str:
    """Weekday characters, stored in week order once each: 金月水 → 月水金."""
    text = "".join(value.split()).replace("・", "").replace("、", "")
    if strange := sorted({c for c in text if c not in WEEKDAYS}):
        raise ValidationError.single(
            "open_days", f"利用可能曜日は「{WEEKDAYS}」から選んでください（「{''.join(strange)}」は曜日ではありません）。")
    return "".join(d for d in WEEKDAYS if d in text)


def opening_hours_problems(opens_at: time | None,
                           closes_at: time | None) -> list[FieldProblem]:
    """Both times or neither, and closing after opening (the form asks before it saves)."""
    if opens_at is None and closes_at is None:
        return []
    if opens_at is None:
        return [FieldProblem("opens_at", "開館時刻も入力してください（わからなければ閉館時刻も空欄に）。")]
    if closes_at is None:
        return [FieldProblem("closes_at", "閉館時刻も入力してください（わからなければ開館時刻も空欄に）。")]
    if closes_at <= opens_at:
        return [FieldProblem(
            "closes_at", f"閉館時刻（{clock(closes_at)}）は開館時刻（{clock(opens_at)}）より後にしてください。")]
    return []


@retry_on_contention
def update_facility(db: Database, actor: Actor, facility_id: int, version: int,
                    draft: FacilityDraft) -> FacilityDetail:
    """Save the administrator's changes to the facility as it was at *version*; refuse if it
    moved on since (ConcurrentEdit). The flush audits the change like any other."""
    actor.require(Action.CHANGE, Resource.FACILITIES)
    cleaned = clean_draft(draft)
    try:
        with db.writing(actor) as session:
            facility = _load(session, facility_id)
            if facility.version != version:
                raise ConcurrentEdit(RECORD)
            _apply(facility, cleaned)
            session.flush()
            return _detail(facility)
    except StaleDataError:
        raise ConcurrentEdit(RECORD) from None


def _apply(f: Facility, d: FacilityDraft) -> None:
    f.postal_code = d.postal_code
    f.address = d.address
    f.building = d.building
    f.phone = d.phone
    f.email = d.email
    f.website = d.website
    f.facebook = d.facebook
    f.opens_at = d.opens_at
    f.closes_at = d.closes_at
    f.open_days = d.open_days
    f.closed_days = d.closed_days
    f.hours = d.hours
    f.notes = d.notes
