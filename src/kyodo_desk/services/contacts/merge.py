"""統合 — two records of one person or group made one, and the merge undone (issue 16).

The clerk keeps one record (残す側) and picks, field by field, what it says; everything
attached to the other (統合する側) moves to it: consultations, sign-ups (their attendance hangs
on them and comes along), grant cases, memberships on both sides, 別の方です pairs, and any
other row that points at a contact. The other record stays, removed and 「統合済み」, pointing
at the kept one, so old receipts, exports and audit entries still lead to someone.

Decisions, each for a reason:

* **Moved in bulk.** Each kind of row moves in one bulk UPDATE (Core), not row by row, so a
  contact with a thousand linked rows merges in tens of milliseconds (benchmarks/merge.py), and
  the numbers of exactly the rows moved are kept in `contact_merges.moved`, with the kept
  record's version before the merge: the undo moves those rows back and no others. The
  audit trail gets the merge row itself (its personal fields redacted) and one event naming
  the two records and how many rows of each kind moved, never a value.
* **Moved rows get a new version.** The consultation, sign-up and grant-case forms save the
  contact they were opened with (services/consultations, services/grants/cases); a form opened
  before the merge would write the removed record back, silently undoing the move of that row.
  With a new version that save is refused as a change made at another counter, and the clerk
  reopens the record, now showing the kept contact. For the same reason a person whose group
  was merged gets a new version (their form lists the groups they belong to).
* **A person and a group never merge**, nor a record into itself, nor a removed or already
  merged one; a record changed since the clerk looked at it (version) is refused as 競合.
* **Sign-ups for the same event.** Moving a sign-up never changes an event's seats (they count
  sign-ups, not contacts), so the invariant seats ≤ capacity holds whatever moves. But two live
  sign-ups (受付済 or キャンセル待ち on either side) for one event would leave one person with
  two places: that merge is refused with the event named, so the clerk cancels the double one
  first, through the cancellation that frees its seats and moves the waitlist up. Sign-ups that
  are over on both sides (出席・欠席, or one cancelled) are history as it happened: both move.
* **Grant cases of the same project.** A group proposes a project once per call (a unique
  title per programme and group): two cases with the same title in one programme are refused
  with the case named, for the officer to settle first.
* **Memberships.** A membership the kept record already has (the same group, or the same
  member) is dropped from the other side, its role remembered, so the undo puts it back; the
  kept record's role wins.
* **別の方です pairs** of the merged record pass to the kept one, unless the kept one has that
  pair already; a pair of the two records themselves (a clerk once said they differ) is
  dropped, since the merge says otherwise. The undo restores them as they were.
* **Locks.** The two contacts are locked first (in number order, FOR NO KEY UPDATE, which a
  sign-up's foreign-key check does not wait for), then the events that either has a sign-up
  for (in number order, as every sign-up takes its event's lock first), so no sign-up for
  either can slip in between the check for double sign-ups and the move. On SQLite the write
  transaction (BEGIN IMMEDIATE) is the lock.
* **Undo** is refused once done, or when the kept record changed since the merge (its version
  is not the one recorded): its fields and rows would no longer be what the merge left, and an
  undo would overwrite someone's later work. Merges into one record come apart in reverse
  order: undoing the latest leaves the record as the one before left it, which may then be
  undone too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    Table,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.changes import notify_tables
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import ConcurrentEdit, NotFound, UserError
from kyodo_desk.domain.events import REGISTRATION_STATUS_LABELS, RegistrationStatus
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold
from kyodo_desk.models import (
    Account,
    Attendance,
    Base,
    Consultation,
    Contact,
    ContactActivityField,
    ContactKind,
    ContactMatchKey,
    ContactMerge,
    DistinctContacts,
    Event,
    GrantCase,
    GrantProgramme,
    GroupType,
    Membership,
    Registration,
)
from kyodo_desk.services.contacts import ContactDetail, _detail
from kyodo_desk.services.contacts.erasure import refuse_erased
from kyodo_desk.services.contacts.registry import activity_fields_of, put_activity_fields
from kyodo_desk.services.read_log import View, log_open

log = logging.getLogger(__name__)

# The fields the clerk picks side by side (kind is the same on both sides by rule): the
# group registry's too, 活動分野 as one field (the list of up to three, as the form has it).
MERGEABLE_FIELDS = ("name", "reading", "group_type", "postal_code", "address", "phone",
                    "email", "website", "notes", "district", "legal_form", "representative_id",
                    "activity_fields", "activity_area", "member_count", "founded_on", "sns",
                    "listed_publicly", "public_fields", "registered_on", "confirmed_on")
# A person has none of these (services/contacts/registry.py): not offered for a person.
GROUP_ONLY_FIELDS = frozenset({"group_type", "legal_form", "representative_id",
                               "activity_fields", "activity_area", "member_count",
                               "founded_on", "sns", "listed_publicly", "public_fields",
                               "confirmed_on"})
_DATE_FIELDS = frozenset({"founded_on", "registered_on", "confirmed_on"})

S = RegistrationStatus
_OPEN = (S.CONFIRMED, S.WAITLISTED, S.APPLIED)  # still to come: a seat held, waited or drawn for
_CHUNK = 5_000  # ids per IN list: far below either database's limit on parameters


@dataclass(frozen=True)
class LinkedCounts:
    """What a contact has attached, as the merge screen shows it (or what a merge moved)."""

    consultations: int  # 相談
    registrations: int  # 申込
    attendances: int  # 出席
    grant_cases: int  # 交付金案件
    memberships: int  # 所属: as a person, the groups; as a group, the members

    def total(self) -> int:
        return (self.consultations + self.registrations + self.attendances + self.grant_cases
                + self.memberships)

    def label(self) -> str:
        """「相談 3件・申込 2件・出席 1件」: the kinds that have any, in the screen's order."""
        parts = [f"{name} {n}件" for name, n in (
            ("相談", self.consultations), ("申込", self.registrations),
            ("出席", self.attendances), ("交付金案件", self.grant_cases),
            ("所属", self.memberships)) if n]
        return "・".join(parts)


@dataclass(frozen=True)
class MergePreview:
    keep: ContactDetail
    merge: ContactDetail
    keep_links: LinkedCounts
    merge_links: LinkedCounts


@dataclass(frozen=True)
class MergeResult:
    merge_id: int  # contact_merges.id, for the undo
    kept: ContactDetail
    moved: LinkedCounts
    summary: str  # one line for the command line and the status bar


@dataclass(frozen=True)
class MergeRecord:
    """One merge not undone, as the contact's screen lists it (統合の履歴)."""

    merge_id: int
    kept_id: int
    merged_id: int
    merged_name: str
    merged_at: datetime
    merged_by_name: str


# --- the rows that point at a contact -----------------------------------------------------

_CONTACTS: Table = Contact.__table__
_REGISTRATIONS: Table = Registration.__table__
_MEMBERSHIPS: Table = Membership.__table__
_DISTINCT: Table = DistinctContacts.__table__

# Links moved by rules of their own (below), and those that stay: the match keys are derived
# from the contact itself, and a merge's own record names both sides for good.
_OWN_RULES = frozenset({("registrations", "contact_id"), ("memberships", "person_id"),
                        ("memberships", "group_id"), ("distinct_contacts", "first_id"),
                        ("distinct_contacts", "second_id")})
# A group's 活動分野 stay too: they are one of its fields, picked side by side like its name
# (`activity_fields`).
_STAYING = frozenset({(ContactMatchKey.__tablename__, "contact_id"),
                      ("contact_merges", "kept_id"), ("contact_merges", "merged_id"),
                      (ContactActivityField.__tablename__, "contact_id")})


def _references() -> Iterator[tuple[Table, Column[Any]]]:
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is _CONTACTS.c.id:
                yield table, fk.parent


@cache
def plain_links() -> tuple[tuple[Table, Column[Any]], ...]:
    """Every other column that points at a contact, in a table whose rows have one number:
    moved as they are (consultations, grant cases, contacts merged earlier …). Read from the
    models, so a link added later moves without a change here."""
    return tuple((t, c) for t, c in _references()
                 if (t.name, c.name) not in _OWN_RULES | _STAYING
                 and [k.name for k in t.primary_key.columns] == ["id"])


def unhandled_links() -> list[str]:
    """Links to a contact that a merge would leave behind: none may exist (a test says so)."""
    plain = set(plain_links())
    return [f"{t.name}.{c.name}" for t, c in _references()
            if (t.name, c.name) not in _OWN_RULES | _STAYING and (t, c) not in plain]


def _key(table: Table, column: Column[Any]) -> str:
    return f"{table.name}.{column.name}"


# --- reads --------------------------------------------------------------------------------

def merge_preview(db: Database, actor: Actor, keep_id: int, merge_id: int) -> MergePreview:
    """The two records side by side with what each has attached; refused (UserError with the
    reason) as merge_contacts would refuse it, except for a version changed later."""
    actor.require(Action.READ, Resource.DUPLICATES)
    _refuse_self(keep_id, merge_id)
    with db.reading(actor) as session:
        keep, merge = _contact(session, keep_id), _contact(session, merge_id)
        _refuse_pair(keep, merge)
        _refuse_clashes(session, keep_id, merge_id)
        preview = MergePreview(_detail(session, keep), _detail(session, merge),
                               _counts(session, keep_id), _counts(session, merge_id))
    log_open(db, actor, Contact.__tablename__, keep_id, View.MERGE_PREVIEW, other_id=merge_id)
    return preview


def merges_of(db: Database, actor: Actor, contact_id: int) -> list[MergeRecord]:
    """The merges into or of *contact_id* not undone, newest first (what may be undone)."""
    actor.require(Action.READ, Resource.DUPLICATES)
    merged = aliased(Contact)
    with db.reading(actor) as session:
        rows = session.execute(
            select(ContactMerge.id, ContactMerge.kept_id, ContactMerge.merged_id, merged.name,
                   ContactMerge.merged_at, Account.display_name)
            .join(merged, merged.id == ContactMerge.merged_id)
            .outerjoin(Account, Account.id == ContactMerge.merged_by)
            .where(or_(ContactMerge.kept_id == contact_id,
                       ContactMerge.merged_id == contact_id),
                   ContactMerge.undone_at.is_(None))
            .order_by(ContactMerge.merged_at.desc(), ContactMerge.id.desc())
        ).all()
    # No account: the command line, which acts with the database's own authority.
    return [MergeRecord(r[0], r[1], r[2], r[3], r[4], r[5] or Actor.command_line().name)
            for r in rows]


def _counts(session: Session, contact_id: int) -> LinkedCounts:
    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    return LinkedCounts(
        consultations=count(select(func.count()).select_from(Consultation)
                            .where(Consultation.consultee_contact_id == contact_id)),
        registrations=count(select(func.count()).select_from(Registration)
                            .where(Registration.contact_id == contact_id)),
        attendances=count(select(func.count()).select_from(Attendance)
                          .join(Registration, Registration.id == Attendance.registration_id)
                          .where(Registration.contact_id == contact_id)),
        grant_cases=count(select(func.count()).select_from(GrantCase)
                          .where(GrantCase.contact_id == contact_id)),
        memberships=count(select(func.count()).select_from(Membership)
                          .where(or_(Membership.person_id == contact_id,
                                     Membership.group_id == contact_id))),
    )


# --- refusals -----------------------------------------------------------------------------

def _label(c: Contact) -> str:
    return f"「{c.name}」（番号 {c.id}）"


def _refuse_self(keep_id: int, merge_id: int) -> None:
    if keep_id == merge_id:
        raise UserError("同じ連絡先どうしは統合できません。残す連絡先と、まとめる連絡先に"
                        "別々の記録を選んでください。")


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"番号 {contact_id} の連絡先は見つかりません。一覧を更新してください。")
    return contact


def _refuse_pair(keep: Contact, merge: Contact) -> None:
    for c in (keep, merge):
        refuse_erased(c.erased_on)  # before 削除されている: an erased one cannot be restored
        if c.merged_into_id is not None:
            raise UserError(f"{_label(c)}はすでに番号 {c.merged_into_id} の連絡先に統合されて"
                            "います。統合先の記録を選んでください。")
        if not c.active:
            raise UserError(f"{_label(c)}は削除されているため統合できません。"
                            "統合するときは、先に元に戻してください。")
    if keep.kind != merge.kind:
        person, group = (keep, merge) if keep.kind is ContactKind.PERSON else (merge, keep)
        raise UserError(f"個人と団体は統合できません（{_label(person)}は個人、"
                        f"{_label(group)}は団体です）。")


def _refuse_clashes(session: Session, keep_id: int, merge_id: int) -> None:
    """Two live sign-ups for one event, or two cases of one project: the merge would make one
    record hold both, so the clerk settles them first."""
    mine, theirs = aliased(Registration), aliased(Registration)
    double = session.execute(
        select(Event.title, mine.queue_number, mine.status, theirs.queue_number, theirs.status)
        .select_from(Event)
        .join(mine, mine.event_id == Event.id)
        .join(theirs, theirs.event_id == Event.id)
        .where(mine.contact_id == keep_id, theirs.contact_id == merge_id,
               mine.status != S.CANCELLED, theirs.status != S.CANCELLED,
               or_(mine.status.in_(_OPEN), theirs.status.in_(_OPEN)))
        .order_by(Event.id, mine.queue_number, theirs.queue_number).limit(1)
    ).first()
    if double is not None:
        title, n1, s1, n2, s2 = double
        raise UserError(
            f"イベント「{title}」に両方の申込があります（受付番号 {n1}・"
            f"{REGISTRATION_STATUS_LABELS[s1]} と 受付番号 {n2}・{REGISTRATION_STATUS_LABELS[s2]}）。"
            "統合すると同じ方の二重申込になるため、どちらかの申込をキャンセルしてから統合して"
            "ください。")
    ours, other = aliased(GrantCase), aliased(GrantCase)
    same_case = session.execute(
        select(GrantProgramme.name, ours.title)
        .select_from(GrantProgramme)
        .join(ours, ours.programme_id == GrantProgramme.id)
        .join(other, (other.programme_id == ours.programme_id)
              & (other.title_key == ours.title_key))
        .where(ours.contact_id == keep_id, other.contact_id == merge_id)
        .order_by(ours.id).limit(1)
    ).first()
    if same_case is not None:
        programme, title = same_case
        raise UserError(
            f"{programme}の「{title}」の案件が両方にあります。同じ事業の案件は1件だけのため、"
            "統合できません。どちらかの案件を取り下げるか事業名を直してから統合してください。")


# --- merge --------------------------------------------------------------------------------

@retry_on_contention
def merge_contacts(db: Database, actor: Actor, *, keep_id: int, keep_version: int,
                   merge_id: int, merge_version: int,
                   take_from_merged: frozenset[str] = frozenset()) -> MergeResult:
    """Merge *merge_id* into *keep_id*, both as the clerk saw them (*…_version*); the fields
    named in *take_from_merged* are taken from the merged record, the rest kept. One
    transaction, one audited act (see the module's notes for what moves and what is refused).
    """
    actor.require(Action.CHANGE, Resource.DUPLICATES)
    if unknown := set(take_from_merged) - set(MERGEABLE_FIELDS):
        raise ValueError(f"not mergeable fields: {sorted(unknown)}")
    _refuse_self(keep_id, merge_id)
    try:
        with db.writing(actor) as session:
            keep, merge = _lock_pair(session, keep_id, merge_id)
            _refuse_pair(keep, merge)
            if keep.version != keep_version or merge.version != merge_version:
                raise ConcurrentEdit("連絡先")
            _lock_events(session, keep_id, merge_id)
            _refuse_clashes(session, keep_id, merge_id)
            before = {f: _stored(_value(session, keep, f)) for f in MERGEABLE_FIELDS}
            after = {f: _value(session, merge if f in take_from_merged else keep, f)
                     for f in MERGEABLE_FIELDS}
            moved, counts, figures = _move_all(session, keep.id, merge.id, after)
            moved["kept_version_before"] = keep.version  # see _reopen_earlier_undo
            for f in take_from_merged:
                _put(session, keep, f, after[f])
            # Rows of its own moved in: a new version even when no field was taken.
            keep.updated_at = datetime.now(UTC)
            merge.active, merge.merged_into_id = False, keep.id
            session.flush()
            record = ContactMerge(kept_id=keep.id, merged_id=merge.id,
                                  kept_before=json.dumps(before, ensure_ascii=False),
                                  moved=json.dumps(moved, ensure_ascii=False),
                                  kept_version=keep.version, merged_by=actor.account_id)
            session.add(record)
            session.flush()
            record_event(session, actor, "merge", Contact.__tablename__, keep.id, {
                "merge_id": record.id, "merged_id": merge.id, "moved": figures,
                "fields_from_merged": sorted(take_from_merged)})
            _announce(session)
            session.expire(keep, ["memberships"])
            kept = _detail(session, keep)
            summary = (f"{keep.name}（番号 {keep.id}）に {merge.name}（番号 {merge.id}）を"
                       f"統合しました（{counts.label() or '移した記録はありません'}）。")
            log.info("contact %s merged into %s (merge %s): %s", merge.id, keep.id, record.id,
                     figures)
            return MergeResult(record.id, kept, counts, summary)
    except StaleDataError:
        raise ConcurrentEdit("連絡先") from None


def merge_by_id(db: Database, actor: Actor, *, keep_id: int, merge_id: int) -> MergeResult:
    """The command line's merge: both records as they are now, the kept record's fields, each
    empty one filled from the merged record."""
    actor.require(Action.CHANGE, Resource.DUPLICATES)
    _refuse_self(keep_id, merge_id)
    with db.reading(actor) as session:
        keep, merge = _contact(session, keep_id), _contact(session, merge_id)
        versions = keep.version, merge.version
        take = frozenset(f for f in MERGEABLE_FIELDS
                         if _value(session, keep, f) in (None, "", [])
                         and _value(session, merge, f) not in (None, "", []))
    return merge_contacts(db, actor, keep_id=keep_id, keep_version=versions[0],
                          merge_id=merge_id, merge_version=versions[1], take_from_merged=take)


def _lock_pair(session: Session, keep_id: int, merge_id: int) -> tuple[Contact, Contact]:
    """Both records, locked in number order: two merges sharing a record wait for each other
    instead of deadlocking, and the second sees what the first did."""
    found = {c.id: c for c in session.scalars(
        select(Contact).where(Contact.id.in_([keep_id, merge_id])).order_by(Contact.id)
        .with_for_update(key_share=True))}
    for contact_id in (keep_id, merge_id):
        if contact_id not in found:
            raise NotFound(f"番号 {contact_id} の連絡先は見つかりません。一覧を更新してください。")
    return found[keep_id], found[merge_id]


def _lock_events(session: Session, *contact_ids: int) -> None:
    session.execute(
        select(Event.id).where(Event.id.in_(
            select(Registration.event_id).where(Registration.contact_id.in_(contact_ids),
                                                Registration.status != S.CANCELLED)))
        .order_by(Event.id).with_for_update()
    ).all()


def _stored(value: Any) -> Any:
    """A field's value as kept_before holds it (JSON)."""
    if isinstance(value, GroupType):
        return value.value
    return value.isoformat() if isinstance(value, date) else value


def _value(session: Session, contact: Contact, field: str) -> Any:
    """A MERGEABLE_FIELDS field of *contact*: 活動分野 as the list of their numbers."""
    if field == "activity_fields":
        return [f.id for f in activity_fields_of(session, [contact.id]).get(contact.id, [])]
    return getattr(contact, field)


def _put(session: Session, contact: Contact, field: str, value: Any) -> None:
    """Set a MERGEABLE_FIELDS field of *contact* to *value* as _value or kept_before hold it."""
    if field == "activity_fields":
        put_activity_fields(session, contact.id, list(value), check_offered=False)
    elif field == "group_type":
        contact.group_type = GroupType(value) if value else None
    elif field in _DATE_FIELDS:
        setattr(contact, field, date.fromisoformat(value) if isinstance(value, str) else value)
    else:
        setattr(contact, field, value)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _bumped(table: Table) -> dict[str, Any]:
    """A new version for a row changed outside its form (see the module's notes)."""
    return {"version": table.c.version + 1} if "version" in table.c else {}


def _move_all(session: Session, keep_id: int, merge_id: int, kept: dict[str, Any]
              ) -> tuple[dict[str, Any], LinkedCounts, dict[str, int]]:
    """Move every row pointing at *merge_id* to *keep_id*; returns what the undo needs, the
    counts the clerk is told, and the figures for the audit (numbers only)."""
    moved: dict[str, Any] = {}
    figures: dict[str, int] = {}
    for table, column in plain_links():
        stmt = update(table).where(column == merge_id)
        if table is _CONTACTS:  # the two records themselves are the ORM's to write
            stmt = stmt.where(table.c.id.not_in([keep_id, merge_id]))
        ids = sorted(session.scalars(
            stmt.values({column.key: keep_id, **_bumped(table)}).returning(table.c.id)))
        moved[_key(table, column)] = ids
        figures[_key(table, column)] = len(ids)

    registrations, attendances = _move_registrations(session, keep_id, merge_id, kept)
    moved["registrations"] = registrations
    figures["registrations.contact_id"] = sum(len(ids) for *_, ids in registrations)
    figures["attendances"] = attendances

    memberships = _move_memberships(session, keep_id, merge_id)
    moved["memberships"] = memberships
    figures["memberships"] = len(memberships["groups"]) + len(memberships["members"])
    figures["memberships_dropped"] = (len(memberships["dropped_groups"])
                                      + len(memberships["dropped_members"]))

    moved["distinct_contacts"] = _move_distinct_pairs(session, keep_id, merge_id)
    figures["distinct_contacts"] = len(moved["distinct_contacts"]["removed"])

    counts = LinkedCounts(
        consultations=figures.get("consultations.consultee_contact_id", 0),
        registrations=figures["registrations.contact_id"], attendances=attendances,
        grant_cases=figures.get("grant_cases.contact_id", 0),
        memberships=figures["memberships"])
    return moved, counts, figures


def _move_registrations(session: Session, keep_id: int, merge_id: int,
                        kept: dict[str, Any]) -> tuple[list[list[Any]], int]:
    """Sign-ups move with the keys the double sign-up check compares, made the kept record's
    (as a new sign-up of it would have them); the old keys are kept, grouped, for the undo."""
    r = _REGISTRATIONS
    rows = session.execute(select(r.c.id, r.c.name_key, r.c.reading_key, r.c.phone_key)
                           .where(r.c.contact_id == merge_id).order_by(r.c.id)).all()
    if not rows:
        return [], 0
    ids = [row.id for row in rows]
    attendances = sum(int(session.scalar(
        select(func.count()).select_from(Attendance)
        .where(Attendance.registration_id.in_(chunk))) or 0) for chunk in _chunks(ids))
    keys = {"name_key": fold(kept["name"]), "reading_key": fold(kept["reading"] or ""),
            "phone_key": fold(kept["phone"] or "")}
    for chunk in _chunks(ids):
        session.execute(update(r).where(r.c.id.in_(chunk))
                        .values(contact_id=keep_id, **keys, **_bumped(r)))
    grouped: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        grouped.setdefault((row.name_key, row.reading_key, row.phone_key), []).append(row.id)
    return [[*old, group] for old, group in grouped.items()], attendances


def _move_memberships(session: Session, keep_id: int, merge_id: int) -> dict[str, Any]:
    """Both sides: the merged record's groups (as a person) and its members (as a group),
    moved with their 加入日. A membership the kept record has already is dropped, its role
    and 加入日 kept for the undo (the days apart, under "<dropped>_joined": older records
    of merges hold [other, role] pairs)."""
    m = _MEMBERSHIPS
    result: dict[str, Any] = {}
    for side, other, moved_key, dropped_key in (
            (m.c.person_id, m.c.group_id, "groups", "dropped_groups"),
            (m.c.group_id, m.c.person_id, "members", "dropped_members")):
        rows = session.execute(select(other, m.c.role, m.c.joined_on).where(side == merge_id)
                               .order_by(other)).all()
        held = set(session.scalars(select(other).where(side == keep_id)))
        move = [o for o, _, _ in rows if o not in held]
        drop = [[o, role] for o, role, _ in rows if o in held]
        result[f"{dropped_key}_joined"] = {str(o): joined.isoformat()
                                           for o, _, joined in rows if o in held and joined}
        for chunk in _chunks([o for o, _ in drop]):
            session.execute(delete(m).where(side == merge_id, other.in_(chunk)))
        for chunk in _chunks(move):
            session.execute(update(m).where(side == merge_id, other.in_(chunk))
                            .values({side.key: keep_id}))
        result[moved_key], result[dropped_key] = move, drop
    # A person's memberships are theirs (Membership.__version_owner__): those whose group
    # changed get a new version. The two records get theirs from the flush.
    _bump_people(session, [*result["members"], *(p for p, _ in result["dropped_members"])],
                 keep_id, merge_id)
    return result


def _bump_people(session: Session, ids: Iterable[int], *besides: int) -> None:
    people = sorted(set(ids) - set(besides))
    for chunk in _chunks(people):
        session.execute(update(_CONTACTS).where(_CONTACTS.c.id.in_(chunk))
                        .values(**_bumped(_CONTACTS)))


def _move_distinct_pairs(session: Session, keep_id: int, merge_id: int) -> dict[str, Any]:
    d = _DISTINCT
    rows = session.execute(select(d.c.first_id, d.c.second_id, d.c.marked_by, d.c.marked_at)
                           .where(or_(d.c.first_id == merge_id, d.c.second_id == merge_id))
                           .order_by(d.c.first_id, d.c.second_id)).all()
    if not rows:
        return {"removed": [], "added": []}
    kept_pairs = {a if b == keep_id else b for a, b in session.execute(
        select(d.c.first_id, d.c.second_id)
        .where(or_(d.c.first_id == keep_id, d.c.second_id == keep_id)))}
    session.execute(delete(d).where(or_(d.c.first_id == merge_id, d.c.second_id == merge_id)))
    added: list[list[int]] = []
    new_rows = []
    for first, second, marked_by, marked_at in rows:
        other = second if first == merge_id else first
        if other == keep_id or other in kept_pairs:
            continue
        kept_pairs.add(other)
        pair = sorted((keep_id, other))
        added.append(pair)
        new_rows.append({"first_id": pair[0], "second_id": pair[1], "marked_by": marked_by,
                         "marked_at": marked_at})
    if new_rows:
        session.execute(insert(d), new_rows)
    removed = [[first, second, marked_by, marked_at.isoformat()]
               for first, second, marked_by, marked_at in rows]
    return {"removed": removed, "added": added}


def _announce(session: Session) -> None:
    """Bulk statements are not seen by the change notices of a flush: tell every counter."""
    notify_tables(session, *{t.name for t, _ in plain_links()}, "registrations",
                  "memberships", "distinct_contacts", "contacts")


# --- undo ---------------------------------------------------------------------------------

@retry_on_contention
def undo_merge(db: Database, actor: Actor, merge_id: int) -> ContactDetail:
    """統合の取り消し: the recorded rows back to the merged record, the kept record's fields as
    they were, the merged record active again. Returns the kept record as restored."""
    actor.require(Action.CHANGE, Resource.DUPLICATES)
    try:
        with db.writing(actor) as session:
            record = session.scalars(select(ContactMerge).where(ContactMerge.id == merge_id)
                                     .with_for_update()).one_or_none()
            if record is None:
                raise NotFound("この統合の記録は見つかりません。一覧を更新してください。")
            if record.undone_at is not None:
                raise UserError("この統合はすでに取り消されています。")
            keep, merge = _lock_pair(session, record.kept_id, record.merged_id)
            # Erased with the record kept, the merged one would come back blank but active.
            refuse_erased(keep.erased_on or merge.erased_on)
            if keep.version != record.kept_version:
                raise UserError(
                    f"統合の後に{_label(keep)}が変更されたため（編集、または別の統合）、この統合は"
                    "取り消せません。後から統合したものがあれば、そちらを先に取り消してください。"
                    "編集した場合は、統合された記録を確かめて手で直してください。")
            if merge.merged_into_id != keep.id:
                raise UserError(f"{_label(merge)}は統合された後に変更されたため、この統合は"
                                "取り消せません。")
            moved = json.loads(record.moved)
            figures = _move_back(session, keep.id, merge.id, moved)
            before = json.loads(record.kept_before)
            for f in MERGEABLE_FIELDS:
                if f in before:  # a merge made before the field existed left it as it was
                    _put(session, keep, f, before[f])
            now = datetime.now(UTC)
            keep.updated_at = now
            merge.active, merge.merged_into_id = True, None
            record.undone_at = now
            session.flush()
            _reopen_earlier_undo(session, record, keep, moved.get("kept_version_before"))
            record_event(session, actor, "merge_undo", Contact.__tablename__, keep.id, {
                "merge_id": record.id, "merged_id": merge.id, "moved_back": figures})
            _announce(session)
            session.expire(keep, ["memberships"])
            log.info("merge %s undone: contact %s split again from %s: %s", record.id,
                     merge.id, keep.id, figures)
            return _detail(session, keep)
    except StaleDataError:
        raise ConcurrentEdit("連絡先") from None


def _reopen_earlier_undo(session: Session, record: ContactMerge, keep: Contact,
                         version_before: int | None) -> None:
    """The kept record is again exactly as an earlier merge into it left it (this merge found it
    at that merge's version and has now been undone): that merge may be undone in its turn,
    so the merges into one record come apart in reverse order."""
    if version_before is None:
        return
    for earlier in session.scalars(select(ContactMerge).where(
            ContactMerge.kept_id == keep.id, ContactMerge.id != record.id,
            ContactMerge.undone_at.is_(None), ContactMerge.kept_version == version_before)):
        earlier.kept_version = keep.version
    session.flush()


def _move_back(session: Session, keep_id: int, merge_id: int,
               moved: dict[str, Any]) -> dict[str, int]:
    """Exactly the recorded rows that still point at the kept record go back."""
    figures: dict[str, int] = {}
    for table, column in plain_links():
        ids = moved.get(_key(table, column), [])
        n = 0
        for chunk in _chunks(ids):
            n += len(session.scalars(
                update(table).where(table.c.id.in_(chunk), column == keep_id)
                .values({column.key: merge_id, **_bumped(table)}).returning(table.c.id)
            ).all())
        figures[_key(table, column)] = n

    r = _REGISTRATIONS
    n = 0
    for name_key, reading_key, phone_key, ids in moved.get("registrations", []):
        for chunk in _chunks(ids):
            n += len(session.scalars(
                update(r).where(r.c.id.in_(chunk), r.c.contact_id == keep_id)
                .values(contact_id=merge_id, name_key=name_key, reading_key=reading_key,
                        phone_key=phone_key, **_bumped(r)).returning(r.c.id)).all())
    figures["registrations.contact_id"] = n

    figures["memberships"] = _memberships_back(session, keep_id, merge_id,
                                               moved.get("memberships", {}))
    figures["distinct_contacts"] = _distinct_pairs_back(
        session, keep_id, merge_id, moved.get("distinct_contacts", {}))
    return figures


def _memberships_back(session: Session, keep_id: int, merge_id: int,
                      recorded: dict[str, Any]) -> int:
    m = _MEMBERSHIPS
    n = 0
    people: list[int] = []
    for side, other, moved_key, dropped_key in (
            (m.c.person_id, m.c.group_id, "groups", "dropped_groups"),
            (m.c.group_id, m.c.person_id, "members", "dropped_members")):
        # Rows the merged record has again (it was edited meanwhile) are left as they are.
        has = set(session.scalars(select(other).where(side == merge_id)))
        back = [o for o in recorded.get(moved_key, []) if o not in has]
        for chunk in _chunks(back):
            n += len(session.execute(update(m).where(side == keep_id, other.in_(chunk))
                                     .values({side.key: merge_id}).returning(other)).all())
        joined = recorded.get(f"{dropped_key}_joined", {})
        restored = [{side.key: merge_id, other.key: o, "role": role,
                     "joined_on": date.fromisoformat(joined[str(o)]) if str(o) in joined
                     else None}
                    for o, role in recorded.get(dropped_key, []) if o not in has]
        if restored:
            session.execute(insert(m), restored)
            n += len(restored)
        if moved_key == "members":
            people = [*back, *(row[other.key] for row in restored)]
    _bump_people(session, people, keep_id, merge_id)
    return n


def _distinct_pairs_back(session: Session, keep_id: int, merge_id: int,
                         recorded: dict[str, Any]) -> int:
    d = _DISTINCT
    for first, second in recorded.get("added", []):
        session.execute(delete(d).where(d.c.first_id == first, d.c.second_id == second))
    present = {(a, b) for a, b in session.execute(
        select(d.c.first_id, d.c.second_id)
        .where(or_(d.c.first_id == merge_id, d.c.second_id == merge_id)))}
    rows = [{"first_id": first, "second_id": second, "marked_by": marked_by,
             "marked_at": datetime.fromisoformat(marked_at)}
            for first, second, marked_by, marked_at in recorded.get("removed", [])
            if (first, second) not in present]
    if rows:
        session.execute(insert(d), rows)
    return len(rows)
