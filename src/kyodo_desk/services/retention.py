"""Retention of consultation records (相談記録の保存年限) and anonymisation (匿名化).

An administrator sets how many years consultation records are kept (none set: kept for ever).
A record held more than that many full years ago loses its personal fields — the consultee,
age band, area, what was asked and answered, the referral, the follow-up plan — and its search
words, while everything the statistics count stays: date, facility, staff, channel, topics,
status and 新規/継続. So a fiscal year's figures are the same before and after.

The boundary: with *years* = 5 and today 2026-11-25 the cut-off is 2021-11-25; a record held
before the cut-off (2021-11-24 or earlier) is anonymised, one held on it is kept until
tomorrow. On 29 February the cut-off of a non-leap year is 28 February.

Auditing: one summary row per batch (how many records, the cut-off, the retention), written
in the batch's own transaction, rather than one row per record through the mapper events.
A per-record audit row would copy the personal text being removed ([old, new]) into the
append-only log, where it could never be removed, and would cost as much again as the
anonymising itself at a million records. Each record keeps its own trace: anonymised_on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.changes import notify_tables
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.permissions import Action, Actor, PermissionDenied, Resource
from kyodo_desk.domain.text import gram_document, sort_key
from kyodo_desk.models import Consultation, Setting

RETENTION_KEY = "consultations.retention_years"
MIN_YEARS, MAX_YEARS = 1, 100
ANONYMISED_TEXT = "（保存年限を過ぎたため匿名化）"  # what "asked" (NOT NULL) says afterwards
BATCH = 2000

Progress = Callable[[int], None]  # records anonymised so far


def retention_years(db: Database, actor: Actor) -> int | None:
    """The years consultation records are kept, or None: kept for ever (the default)."""
    _require_count(actor)
    return stored_years(db, actor, RETENTION_KEY)


def stored_years(db: Database, actor: Actor, key: str) -> int | None:
    """A retention setting's years (*key*: RETENTION_KEY or another record's), None: for ever.
    The caller checks who may know it."""
    with db.reading(actor) as session:
        value = session.scalar(select(Setting.value).where(Setting.key == key))
    return int(value) if value else None


@retry_on_contention
def set_retention_years(db: Database, actor: Actor, years: int | None) -> int | None:
    """Set the retention (None: keep for ever). Administrators only; audited as a change."""
    actor.require(Action.DELETE, Resource.CONSULTATIONS)
    return store_years(db, actor, RETENTION_KEY, years, "相談記録")


@retry_on_contention
def store_years(db: Database, actor: Actor, key: str, years: int | None, what: str) -> int | None:
    """Store a retention setting (None: keep for ever), checked to lie in 1〜100 years; *what*
    names the records in the message. The caller checks who may set it; audited as a change."""
    if years is not None and not MIN_YEARS <= years <= MAX_YEARS:
        raise ValidationError([FieldProblem(
            "retention_years",
            f"{what}の保存年限（{years}）は{MIN_YEARS}〜{MAX_YEARS}年の範囲で入力してください。"
            "期限を設けないときは「保存年限を設けない」を選んでください。")])
    with db.writing(actor) as session:
        setting = session.get(Setting, key)
        if years is None:
            if setting is not None:
                session.delete(setting)
        elif setting is None:
            session.add(Setting(key=key, value=str(years)))
        else:
            setting.value = str(years)
    return years


def retention_cutoff(today: date, years: int) -> date:
    """The first day still kept: records held before it are past their retention."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February, in a year without one
        return today.replace(year=today.year - years, day=28)


def expired_count(db: Database, actor: Actor, today: date) -> int:
    """How many records anonymise_expired would anonymise on *today* (0 if kept for ever)."""
    actor.require(Action.DELETE, Resource.CONSULTATIONS)
    years = retention_years(db, actor)
    if years is None:
        return 0
    with db.reading(actor) as session:
        return session.scalar(select(func.count()).select_from(Consultation)
                              .where(*_expired(retention_cutoff(today, years)))) or 0


@retry_on_contention
def anonymise_expired(db: Database, actor: Actor, today: date, *, batch: int = BATCH,
                      progress: Progress | None = None) -> int:
    """Anonymise every record past its retention on *today*; returns how many.

    Works in batches, each its own write transaction with its own audit row, so counters
    keep working meanwhile and an interruption leaves whole batches done. Cannot be undone.
    """
    actor.require(Action.DELETE, Resource.CONSULTATIONS)
    years = retention_years(db, actor)
    if years is None:
        return 0
    cutoff = retention_cutoff(today, years)
    done, after = 0, 0
    while True:
        with db.writing(actor) as session:
            ids = list(session.scalars(
                select(Consultation.id).where(*_expired(cutoff), Consultation.id > after)
                .order_by(Consultation.id).limit(batch)))
            if not ids:
                break
            anonymise_consultations(session, ids, today)
            record_event(session, actor, "anonymise", Consultation.__tablename__, None, {
                "匿名化した件数": [None, len(ids)],
                "対象": [None, f"相談日が{full_date(cutoff)}より前"],
                "保存年限": [None, f"{years}年"],
                "番号の範囲": [None, f"{ids[0]}〜{ids[-1]}"],
            })
            notify_tables(session, Consultation.__tablename__)
        done += len(ids)
        after = ids[-1]
        if progress is not None:
            progress(done)
    return done


def anonymise_consultations(session: Session, ids: Sequence[int], today: date) -> None:
    """Clear the personal fields of the consultations *ids* as of *today* (see the module's
    notes for what goes and what stays); the caller audits and announces. Also what
    削除・利用停止 (services/contacts/erasure.py) does to a person's consultations."""
    # What the ORM's before-flush hook would derive from the cleared fields.
    search_text, search_grams = gram_document(ANONYMISED_TEXT, "", "")
    table = Consultation.__table__
    cleared = {
        "consultee_contact_id": None, "age_band": "", "area": "", "asked": ANONYMISED_TEXT,
        "answered": "", "referral": "", "follow_up_plan": "", "search_text": search_text,
        "search_grams": search_grams, "sort_key": sort_key(None, ""), "anonymised_on": today,
        # A form still open on the old text must not save it back: its version is stale now.
        "version": table.c.version + 1, "updated_at": func.now(),
    }
    for start in range(0, len(ids), BATCH):
        session.execute(update(table).where(table.c.id.in_(ids[start:start + BATCH]))
                        .values(cleared))


def _expired(cutoff: date) -> tuple[ColumnElement[bool], ...]:
    return (Consultation.held_on < cutoff, Consultation.anonymised_on.is_(None))


def _require_count(actor: Actor) -> None:
    """Every role that may count consultation records may know how long they are kept."""
    if not actor.may_count(Resource.CONSULTATIONS):
        raise PermissionDenied("このアカウントでは、相談記録の保存年限を確認できません。")
