"""削除・利用停止 — a person's or group's own words taken out of everything the office holds.

At the person's request (個人情報保護法: 利用停止・消去) an administrator erases a contact.
Removed, for good:

* from the contact: name, reading, postal code, address, phone, e-mail, website, notes and SNS
  (`models.contacts.PERSONAL_FIELDS`); the name becomes 「（削除済み）」 and the number, so lists,
  receipts and old exports still show a row. Its search columns are derived from that, its
  match keys (照合キー) removed, so it is never offered as anyone's duplicate; a group leaves
  the public directory and loses its 代表者 link; groups it represented lose theirs.
* from its consultations: consultee link, age band, area and the words (`services.retention`
  does exactly this to consultations past their retention);
* from its sign-ups: the notes (配慮事項) and the keys of the double sign-up check;
* from the merge records (contact_merges) that hold its values: the kept record's fields
  before a merge, the moved sign-ups' keys, dropped memberships' roles naming it;
* from memberships: a role that names it.

Kept, so that no figure changes: the contact's kind, 地域 and registry figures, every date,
facility, topic, channel, status, 新規/継続, party size and attendance. The records merged
into it are the same person's: they are erased with it (an erase of a merged record itself is
refused and points at the record it lives on in).

The contact stays removed (active False) with the day of the erasure in `contacts.erased_on`
and its notes empty. An erased contact stays erased: no service edits or restores it, merges
it, nor links a new sign-up, consultation, grant case or membership to it (`refuse_erased`,
one message, ERASED_REFUSAL). Each act leaves one audit row, "erase", with the officer's
reason and the counts, never a value.

The database file: on SQLite the erasing transaction runs with `PRAGMA secure_delete`, so the
space the old values leave is overwritten with zeros; after it the full-text indexes are
merged (their old segments held the words' grams) and the WAL is checkpointed and truncated,
so neither the file nor its -wal keeps a copy. PostgreSQL keeps old row versions until
autovacuum reclaims them; a dump (pg_dump) holds none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.changes import notify_tables
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.errors import NotFound, UserError, ValidationError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold
from kyodo_desk.models import (
    Consultation,
    Contact,
    ContactKind,
    ContactMatchKey,
    ContactMerge,
    Membership,
    Registration,
)
from kyodo_desk.models.base import search_columns
from kyodo_desk.models.contacts import PERSONAL_FIELDS
from kyodo_desk.services.retention import anonymise_consultations

log = logging.getLogger(__name__)

ERASED_NAME = "（削除済み）"  # followed by the number: 「（削除済み）123」
# Said by every service that refuses to touch an erased contact (refuse_erased).
ERASED_REFUSAL = ("この連絡先は削除・利用停止済みのため、変更・復元や統合はできず、"
                  "申込・相談・交付金案件・所属にも使えません。")
MAX_REASON = 500
_CHUNK = 500  # numbers in one IN (…)
_CONTACTS = Contact.__table__
# What the screen and the command say is kept (the dialog lists it).
KEPT = ("種別・地域・団体の構成員数などの項目", "相談の日付・施設・分野・件数",
        "申込の状況・人数・日付・出席", "統合・所属の記録（役割に名前があれば消去）")
REMOVED = ("氏名・よみ・郵便番号・住所・電話・メール・ウェブサイト・メモ・SNS",
           "相談の相談者・年代・地区・相談内容・回答・紹介先・フォローアップの予定",
           "申込の配慮事項・託児などのメモ", "団体一覧への掲載と代表者の指定")


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure would touch, for the confirmation (counts only beside the name)."""

    contact_id: int
    kind: ContactKind
    name: str  # as it is now: the officer confirms whom they erase
    merged_ids: tuple[int, ...]  # records merged into it, erased with it
    consultations: int
    registrations: int
    memberships: int
    erased_on: date | None  # already erased on that day (then nothing more to do)


@dataclass(frozen=True)
class ErasureResult:
    contact_id: int
    erased_ids: tuple[int, ...]  # the contact and the records merged into it
    consultations: int
    registrations: int
    memberships: int
    merges: int
    erased_on: date
    file_scrubbed: bool  # SQLite: the WAL was emptied too (False: another counter was reading)

    @property
    def summary(self) -> str:
        """One line for the command line and the status bar (numbers only)."""
        extra = (f"、統合された記録 {len(self.erased_ids) - 1} 件"
                 if len(self.erased_ids) > 1 else "")
        return (f"番号 {self.contact_id} の連絡先を削除・利用停止しました（相談 "
                f"{self.consultations} 件・申込 {self.registrations} 件{extra}の個人情報を消去。"
                "日付・件数は残っています）。")


def erased_placeholder(contact_id: int) -> str:
    return f"{ERASED_NAME}{contact_id}"


def refuse_erased(erased_on: date | None, field: str | None = None) -> None:
    """Refuse a change to, or a new link with, a contact erased on *erased_on* (its
    `erased_on` column; None: not erased): UserError, or a ValidationError under *field* of
    the form that named the contact (申込者, 相談者, 申請団体, 所属団体)."""
    if erased_on is None:
        return
    if field is None:
        raise UserError(ERASED_REFUSAL)
    raise ValidationError.single(field, ERASED_REFUSAL)


def require_erase(actor: Actor) -> None:
    """Erasure removes consultation records' contents and a contact: the rights of both, which
    only an administrator holds (the existing permission message otherwise)."""
    actor.require(Action.DELETE, Resource.CONTACTS)
    actor.require(Action.DELETE, Resource.CONSULTATIONS)


def erasure_preview(db: Database, actor: Actor, contact_id: int) -> ErasurePreview:
    """What erase_contact would do to *contact_id*; refused as it would be refused."""
    require_erase(actor)
    with db.reading(actor) as session:
        contact = _refusable(session, contact_id)
        ids = _with_merged(session, [contact.id])
        return ErasurePreview(
            contact.id, contact.kind, contact.name, tuple(i for i in ids if i != contact.id),
            _count(session, select(func.count()).select_from(Consultation)
                   .where(Consultation.consultee_contact_id.in_(ids))),
            _count(session, select(func.count()).select_from(Registration)
                   .where(Registration.contact_id.in_(ids))),
            _count(session, select(func.count()).select_from(Membership)
                   .where(or_(Membership.person_id.in_(ids), Membership.group_id.in_(ids)))),
            contact.erased_on)


@retry_on_contention
def erase_contact(db: Database, actor: Actor, contact_id: int, reason: str, *,
                  today: date | None = None) -> ErasureResult:
    """Erase *contact_id* and the records merged into it (see the module's notes); *reason*:
    the request as the officer writes it, kept in the audit row. Cannot be undone."""
    require_erase(actor)
    reason = _checked_reason(reason)
    today = today or date.today()
    with db.writing(actor) as session, deleting_securely(db, session):
        contact = _refusable(session, contact_id, lock=True)
        if (before := contact.erased_on) is not None:
            raise UserError(f"番号 {contact_id} の連絡先は、{full_date(before)} に削除・利用停止"
                            "済みです。")
        counts = erase_in(session, [contact.id], today)
        record_event(session, actor, "erase", Contact.__tablename__, contact.id, {
            "理由": reason, "統合された記録": counts.erased_ids[1:],
            "相談": counts.consultations, "申込": counts.registrations,
            "所属": counts.memberships, "統合の記録": counts.merges})
    scrubbed = scrub_file(db)
    log.info("contact %s erased with %s merged records", contact_id, len(counts.erased_ids) - 1)
    return ErasureResult(contact_id, counts.erased_ids, counts.consultations,
                         counts.registrations, counts.memberships, counts.merges, today,
                         scrubbed)


@dataclass(frozen=True)
class ErasedCounts:
    erased_ids: tuple[int, ...]  # the roots first, then the records merged into them
    consultations: int
    registrations: int
    memberships: int
    merges: int


def erase_in(session: Session, roots: Sequence[int], today: date) -> ErasedCounts:
    """Erase the contacts *roots* and every record merged into them, inside the caller's
    write transaction (which audits the act and should run under `secure_delete`)."""
    ids = _with_merged(session, roots)
    rows = session.execute(select(Contact.id, Contact.kind, Contact.name, Contact.reading)
                           .where(Contact.id.in_(ids))).all()
    names = {fold(n) for row in rows for n in (row.name, row.reading) if len(fold(n)) >= 2}
    _clear_contacts(session, [(row.id, row.kind) for row in rows], today)
    consultations = _clear_consultations(session, ids, today)
    registrations = _clear_registrations(session, ids)
    memberships = _clear_roles(session, ids, names)
    merges = _clear_merges(session, ids, names)
    notify_tables(session, Contact.__tablename__, Consultation.__tablename__,
                  Registration.__tablename__, Membership.__tablename__,
                  ContactMerge.__tablename__)
    return ErasedCounts(tuple(ids), consultations, registrations, memberships, merges)


# --- the parts ------------------------------------------------------------------------------

def _clear_contacts(session: Session, contacts: Sequence[tuple[int, ContactKind]],
                    today: date) -> None:
    blank = dict.fromkeys(PERSONAL_FIELDS, "")
    params = []
    for contact_id, _kind in contacts:
        values = {**blank, "name": erased_placeholder(contact_id)}
        params.append({f"v_{key}": value for key, value in
                       {"id": contact_id, **values, **search_columns(Contact, values)}.items()})
    columns = [*sorted(PERSONAL_FIELDS), "search_text", "search_grams", "sort_key"]
    session.execute(
        update(_CONTACTS).where(_CONTACTS.c.id == bindparam("v_id")).values({
            **{c: bindparam(f"v_{c}") for c in columns},
            "active": False, "erased_on": today, "listed_publicly": False, "public_fields": "",
            "representative_id": None,
            # A form still open on the old values must not save them back.
            "version": _CONTACTS.c.version + 1, "updated_at": func.now()}),
        params, execution_options={"synchronize_session": False})
    ids = [contact_id for contact_id, _ in contacts]
    for chunk in _chunks(ids):
        session.execute(delete(ContactMatchKey).where(ContactMatchKey.contact_id.in_(chunk)))
        # Groups it represented no longer name it (a 代表者 link names a private person).
        session.execute(update(_CONTACTS).where(_CONTACTS.c.representative_id.in_(chunk))
                        .values(representative_id=None, version=_CONTACTS.c.version + 1,
                                updated_at=func.now()),
                        execution_options={"synchronize_session": False})


def _clear_consultations(session: Session, ids: Sequence[int], today: date) -> int:
    found: list[int] = []
    for chunk in _chunks(ids):
        found += session.scalars(select(Consultation.id)
                                 .where(Consultation.consultee_contact_id.in_(chunk)))
    anonymise_consultations(session, sorted(found), today)
    return len(found)


def _clear_registrations(session: Session, ids: Sequence[int]) -> int:
    table, n = Registration.__table__, 0
    for chunk in _chunks(ids):
        n += len(session.scalars(
            update(table).where(table.c.contact_id.in_(chunk))
            .values(notes="", name_key="", reading_key="", phone_key="",
                    version=table.c.version + 1, updated_at=func.now())
            .returning(table.c.id), execution_options={"synchronize_session": False}).all())
    return n


def _names_them(role: str, names: set[str]) -> bool:
    folded = fold(role)
    return any(name in folded for name in names)


def _clear_roles(session: Session, ids: Sequence[int], names: set[str]) -> int:
    """The memberships on either side of the erased records; a role naming them is cleared.
    Returns how many memberships they have."""
    m, n = Membership.__table__, 0
    for chunk in _chunks(ids):
        rows = session.execute(select(m.c.person_id, m.c.group_id, m.c.role).where(
            or_(m.c.person_id.in_(chunk), m.c.group_id.in_(chunk)))).all()
        n += len(rows)
        for row in rows:
            if row.role and _names_them(row.role, names):
                session.execute(update(m).where(m.c.person_id == row.person_id,
                                                m.c.group_id == row.group_id).values(role=""))
    return n


def _clear_merges(session: Session, ids: Sequence[int], names: set[str]) -> int:
    """The merge records holding the erased records' values: the kept record's fields before
    the merge, the moved sign-ups' keys, the dropped memberships' roles naming them. The undo
    of such a merge is refused anyway (the kept record's version moved on)."""
    erased, n = set(ids), 0
    for chunk in _chunks(ids):
        merges = session.execute(select(ContactMerge.id, ContactMerge.kept_id,
                                        ContactMerge.merged_id, ContactMerge.kept_before,
                                        ContactMerge.moved).where(
            or_(ContactMerge.kept_id.in_(chunk), ContactMerge.merged_id.in_(chunk)))).all()
        for merge in merges:
            before = json.loads(merge.kept_before)
            if merge.kept_id in erased:
                before.update({f: "" for f in PERSONAL_FIELDS if f in before})
            moved = json.loads(merge.moved)
            if merge.merged_id in erased:
                moved["registrations"] = [["", "", "", group]
                                          for *_keys, group in moved.get("registrations", [])]
            memberships = moved.get("memberships", {})
            for dropped in ("dropped_groups", "dropped_members"):
                memberships[dropped] = [[other, "" if _names_them(role, names) else role]
                                        for other, role in memberships.get(dropped, [])]
            session.execute(update(ContactMerge.__table__)
                            .where(ContactMerge.__table__.c.id == merge.id)
                            .values(kept_before=json.dumps(before, ensure_ascii=False),
                                    moved=json.dumps(moved, ensure_ascii=False)))
            n += 1
    return n


# --- checks and helpers -----------------------------------------------------------------------

def _refusable(session: Session, contact_id: int, *, lock: bool = False) -> Contact:
    stmt = select(Contact).where(Contact.id == contact_id)
    if lock:
        stmt = stmt.with_for_update()
    contact = session.scalars(stmt).one_or_none()
    if contact is None:
        raise NotFound(f"番号 {contact_id} の連絡先は見つかりません。番号を確かめてください。")
    if contact.merged_into_id is not None:
        raise UserError(
            f"番号 {contact_id} の連絡先は番号 {contact.merged_into_id} に統合されています。"
            f"統合先（番号 {contact.merged_into_id}）を削除すると、この記録も一緒に消去されます。")
    return contact


def _with_merged(session: Session, roots: Iterable[int]) -> list[int]:
    """*roots* and every record merged into them, directly or through another merged one."""
    ids = list(dict.fromkeys(roots))
    seen, frontier = set(ids), list(ids)
    while frontier:
        found: list[int] = []
        for chunk in _chunks(frontier):
            found += session.scalars(select(Contact.id).where(Contact.merged_into_id.in_(chunk))
                                     .order_by(Contact.id))
        frontier = [i for i in found if i not in seen]
        seen.update(frontier)
        ids += frontier
    return ids


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError.single("reason", "削除・利用停止の理由（申出の内容など）を入力してください。")
    if len(reason) > MAX_REASON:
        raise ValidationError.single("reason", f"理由は{MAX_REASON}文字以内で入力してください。")
    return reason


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


# --- the file ---------------------------------------------------------------------------------

@contextmanager
def deleting_securely(db: Database, session: Session) -> Iterator[None]:
    """SQLite: what this write transaction deletes or rewrites is overwritten with zeros
    (PRAGMA secure_delete, a setting of the connection: put back as it was before the commit,
    since a pooled connection left with it would pay for it at every write). PostgreSQL:
    nothing (see the module's notes)."""
    if not db.backend.is_sqlite:
        yield
        return
    before = session.execute(text("PRAGMA secure_delete")).scalar()
    session.execute(text("PRAGMA secure_delete = ON"))
    try:
        yield
    finally:
        if not before:
            session.execute(text("PRAGMA secure_delete = OFF"))


# The full-text indexes (SQLite, migrations 0001, 0003, 0010): a deleted row's grams stay in
# their older segments until those are merged.
_FTS_TABLES = ("contacts_fts", "contacts_fts_trigram", "consultations_fts")


def scrub_file(db: Database) -> bool:
    """SQLite: merge the full-text indexes (under secure_delete), then checkpoint the WAL into
    the file and truncate it, so no erased value stays in either. Returns False if another
    connection was reading and the WAL could not be emptied yet (its old pages are then
    overwritten by later writes). PostgreSQL: nothing to do (True)."""
    if not db.backend.is_sqlite:
        return True
    with db.begin_write() as connection:
        connection.exec_driver_sql("PRAGMA secure_delete = ON")
        try:
            for table in _FTS_TABLES:
                connection.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        finally:
            connection.exec_driver_sql("PRAGMA secure_delete = OFF")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        # Outside any transaction (the driver is in autocommit): a checkpoint waits for none.
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = (cursor.fetchone() or (1,))[0]
        cursor.close()
    finally:
        raw.close()
    if busy:
        log.warning("erasure: the WAL could not be truncated (another connection was reading)")
    return not busy
