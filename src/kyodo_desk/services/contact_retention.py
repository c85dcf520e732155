"""Retention of people's records (個人の連絡先の保存年限) and of sign-ups' notes.

As services/retention.py does for consultations: an administrator sets how many years a
person is kept without activity (none set: kept for ever). Then

* a person with no activity in the last *years* years is anonymised by the same erasure as a
  request (services/contacts/erasure.py, reason 「保存年限の経過」): name and every personal
  value gone from the record, its consultations, sign-ups and merge records; dates and counts
  kept;
* a sign-up for an event whose last day lies more than *years* years back loses its notes
  (配慮事項・託児) and its double sign-up keys; status, party size and attendance stay.

Activity (利用), for one person, is any of these on or after the cut-off:
  1. their record created or changed (contacts.updated_at; adding, changing or removing a
     membership raises it too, Versioned);
  2. a consultation with them held (consultations.held_on);
  3. a sign-up of theirs made or changed (registrations.created_at / updated_at) or checked
     in (attendances.checked_in_at);
  4. a group naming them as 代表者 created or changed (the group's updated_at).
Groups are not anonymised by age (their registry is public by nature, 最終確認日 keeps it
fresh); records merged into another go with it; people erased already are left.

The boundary, as for consultations (retention.retention_cutoff): with 5 years and today
2026-11-25 the cut-off is 2021-11-25; activity on that day keeps the person, the day before
does not; on 29 February the cut-off of a non-leap year is 28 February. A stamp (updated_at …)
counts from the start of the cut-off day in this computer's time zone.

Auditing: one summary row per batch, in the batch's transaction (how many, the numbers, the
cut-off): numbers only, as retention.py writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.changes import notify_tables
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import (
    Attendance,
    Consultation,
    Contact,
    ContactKind,
    EventSession,
    Registration,
)
from kyodo_desk.services.contacts.erasure import (
    deleting_securely,
    erase_in,
    require_erase,
    scrub_file,
)
from kyodo_desk.services.retention import retention_cutoff, store_years, stored_years

RETENTION_KEY = "contacts.retention_years"
RETENTION_REASON = "保存年限の経過"
BATCH = 200  # people erased in one transaction (each brings its consultations and sign-ups)
SIGN_UP_BATCH = 2000

Progress = Callable[[int], None]  # people anonymised so far


@dataclass(frozen=True)
class RetentionResult:
    people: int  # anonymised
    sign_ups: int  # notes cleared
    file_scrubbed: bool


def retention_years(db: Database, actor: Actor) -> int | None:
    """The years a person is kept without activity, or None: kept for ever (the default)."""
    require_erase(actor)
    return stored_years(db, actor, RETENTION_KEY)


@retry_on_contention
def set_retention_years(db: Database, actor: Actor, years: int | None) -> int | None:
    """Set the retention (None: keep for ever). Administrators only; audited as a change."""
    require_erase(actor)
    return store_years(db, actor, RETENTION_KEY, years, "個人の連絡先")


def stamp_cutoff(cutoff: date) -> datetime:
    """The start of the cut-off day here, as the database's stamps are compared (UTC)."""
    return datetime.combine(cutoff, time.min).astimezone().astimezone(UTC)


def inactive_people(db: Database, actor: Actor, today: date) -> list[int]:
    """The numbers of the people anonymise_inactive would anonymise on *today*, in order
    (none if kept for ever): the dry run."""
    require_erase(actor)
    years = stored_years(db, actor, RETENTION_KEY)
    if years is None:
        return []
    with db.reading(actor) as session:
        return list(session.scalars(_inactive(retention_cutoff(today, years))))


def expired_sign_up_count(db: Database, actor: Actor, today: date) -> int:
    """How many sign-ups' notes anonymise_inactive would clear on *today*."""
    require_erase(actor)
    years = stored_years(db, actor, RETENTION_KEY)
    if years is None:
        return 0
    with db.reading(actor) as session:
        return session.scalar(select(func.count()).select_from(Registration).where(
            *_old_sign_ups(retention_cutoff(today, years)))) or 0


@retry_on_contention
def anonymise_inactive(db: Database, actor: Actor, today: date, *, batch: int = BATCH,
                       progress: Progress | None = None) -> RetentionResult:
    """Anonymise every person without activity since the cut-off, and clear the notes of the
    sign-ups for events ended before it. Batches, each its own transaction with its own
    audit row; cannot be undone."""
    require_erase(actor)
    years = stored_years(db, actor, RETENTION_KEY)
    if years is None:
        return RetentionResult(0, 0, True)
    cutoff = retention_cutoff(today, years)
    scope = {"対象": f"{full_date(cutoff)}より前から利用のない個人", "保存年限": f"{years}年"}
    people = 0
    while True:
        with db.writing(actor) as session, deleting_securely(db, session):
            ids = list(session.scalars(_inactive(cutoff).limit(batch)))
            if not ids:
                break
            counts = erase_in(session, ids, today)
            record_event(session, actor, "anonymise", Contact.__tablename__, None, {
                "理由": RETENTION_REASON, **scope, "匿名化した件数": len(ids), "番号": ids,
                "統合された記録": len(counts.erased_ids) - len(ids),
                "相談": counts.consultations, "申込": counts.registrations})
        people += len(ids)
        if progress is not None:
            progress(people)
    sign_ups = _clear_old_sign_ups(db, actor, cutoff, years)
    scrubbed = scrub_file(db) if people or sign_ups else True
    return RetentionResult(people, sign_ups, scrubbed)


def _clear_old_sign_ups(db: Database, actor: Actor, cutoff: date, years: int) -> int:
    table, done = Registration.__table__, 0
    while True:
        with db.writing(actor) as session, deleting_securely(db, session):
            ids = list(session.scalars(select(Registration.id).where(*_old_sign_ups(cutoff))
                                       .order_by(Registration.id).limit(SIGN_UP_BATCH)))
            if not ids:
                return done
            session.execute(update(table).where(table.c.id.in_(ids)).values(
                notes="", name_key="", reading_key="", phone_key="",
                version=table.c.version + 1, updated_at=func.now()),
                execution_options={"synchronize_session": False})
            record_event(session, actor, "anonymise", Registration.__tablename__, None, {
                "理由": RETENTION_REASON, "対象": f"最終開催日が{full_date(cutoff)}より前",
                "保存年限": f"{years}年", "メモを消去した申込": len(ids),
                "番号の範囲": f"{ids[0]}〜{ids[-1]}"})
            notify_tables(session, Registration.__tablename__)
        done += len(ids)


def _old_sign_ups(cutoff: date) -> tuple[ColumnElement[bool], ...]:
    last_day = (select(func.max(EventSession.held_on))
                .where(EventSession.event_id == Registration.event_id).scalar_subquery())
    return (last_day < cutoff,
            or_(Registration.notes != "", Registration.name_key != "",
                Registration.reading_key != "", Registration.phone_key != ""))


def _inactive(cutoff: date) -> Select[int]:
    """The people without activity since *cutoff* (see the module's notes), by number."""
    since = stamp_cutoff(cutoff)
    group = aliased(Contact)
    recent: list[Any] = [
        exists().where(Consultation.consultee_contact_id == Contact.id,
                       Consultation.held_on >= cutoff),
        exists().where(Registration.contact_id == Contact.id,
                       or_(Registration.created_at >= since, Registration.updated_at >= since)),
        exists().where(Registration.contact_id == Contact.id,
                       Attendance.registration_id == Registration.id,
                       Attendance.checked_in_at >= since),
        exists().where(group.representative_id == Contact.id, group.updated_at >= since),
    ]
    return (select(Contact.id)
            .where(Contact.kind == ContactKind.PERSON, Contact.merged_into_id.is_(None),
                   Contact.updated_at < since,
                   Contact.erased_on.is_(None),  # erased already: nothing left to take
                   *(~condition for condition in recent))
            .order_by(Contact.id))
