"""Bringing the offline door's journal back (当日受付の記録の取り込み), and its conflicts.

One transaction per merge, under the event's lock as every sign-up takes it (then the sign-ups,
in id order: registrations.py's lock order), so a merge and a counter at the same event are
served one after the other. Every act becomes a DoorAct row, whose act_id (the laptop's) is
unique: merging the same journal twice finds every act already here and changes nothing.

What a check-in becomes: 出席 at the laptop's time and by the laptop's clerk; or a conflict,
waiting for a person's decision, when the sign-up was checked in at a counter too (両方で受付),
was cancelled meanwhile (キャンセル後の受付) or is gone (申込が見つからない). A walk-in becomes
a sign-up through the online door's own path (registrations.add_sign_up, walk_in=True), its
contact found or registered as at the counter, its answers to the sign-up questions saved
with it; or 満席 when no seat is left. No overbooking, ever: accepting a 満席 walk-in later
needs a seat free by then, as at the counter. A journal may come from a pack made before the
questions changed: a required question added since stays unanswered (nobody was asked it), an
answer to one removed since is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import NotFound, UserError, ValidationError
from kyodo_desk.domain.events import (
    DOOR_CONFLICTS,
    DOOR_OUTCOME_LABELS,
    SEAT_HOLDING,
    DoorDecision,
    DoorOutcome,
    RegistrationStatus,
)
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.questions import Question, clean_answers
from kyodo_desk.domain.text import fold
from kyodo_desk.models import Attendance, Contact, ContactKind, DoorAct, Event, Registration
from kyodo_desk.services.contacts import ContactDraft, add_contact, clean_draft
from kyodo_desk.services.contacts.duplicates import likely_duplicates_in
from kyodo_desk.services.events import load_event
from kyodo_desk.services.events.answers import event_questions
from kyodo_desk.services.events.door_crypto import read_journal
from kyodo_desk.services.events.door_format import DoorActRecord, parse_journal
from kyodo_desk.services.events.registrations import (
    DuplicateSignUp,
    SignUpDraft,
    add_sign_up,
    lock_sign_ups,
)
from kyodo_desk.services.read_log import View, log_read

Out, S = DoorOutcome, RegistrationStatus


@dataclass(frozen=True)
class MergeReport:
    """What one merge did: acts applied, found already merged, and left for a decision."""

    event_id: int
    applied: int
    already: int
    conflicts: int

    def message(self) -> str:
        text = f"{self.applied}件を反映しました。"
        if self.already:
            text += f"{self.already}件は取り込み済みでした。"
        if self.conflicts:
            text += f"{self.conflicts}件は判断が必要です（当日受付の衝突の一覧で判断してください）。"
        return text


@dataclass(frozen=True)
class DoorConflict:
    """One act waiting for a decision (衝突), as the list shows it."""

    id: int
    version: int
    outcome: DoorOutcome
    walk_in: bool
    name: str
    party_size: int
    session_id: int
    happened_at: datetime
    recorded_by: str
    counter_at: datetime | None  # 両方で受付: when the counter checked the sign-up in
    counter_by: str

    @property
    def outcome_label(self) -> str:
        return DOOR_OUTCOME_LABELS[self.outcome]


# --- merge ----------------------------------------------------------------------------------

@retry_on_contention
def merge_door_journal(db: Database, actor: Actor, path: Path, password: str) -> MergeReport:
    """Merge the journal at *path* (sealed with *password*) into the database."""
    actor.require(Action.CREATE, Resource.REGISTRATIONS)
    head, acts = parse_journal(read_journal(path, password))
    if any(a.walk_in for a in acts):
        actor.require(Action.CREATE, Resource.CONTACTS)
    now = datetime.now(UTC)
    with db.writing(actor) as session:
        event = load_event(session, head.event_id, lock=True)
        known = set(session.scalars(select(DoorAct.act_id).where(
            DoorAct.event_id == event.id, DoorAct.act_id.in_([a.act_id for a in acts]))))
        new = [a for a in acts if a.act_id not in known]
        regs = {r.id: r for r in lock_sign_ups(session, Registration.id.in_(
            {a.registration_id for a in new if a.registration_id is not None}))}
        counted = {o: 0 for o in Out}
        for act in new:
            if act.walk_in:
                outcome, reg_id = _walk_in(session, actor, event, act)
            else:
                reg = regs.get(act.registration_id or 0)
                if reg is not None and reg.event_id != event.id:
                    reg = None
                outcome = _check_in(session, reg, act)
                reg_id = None if reg is None else reg.id  # a sign-up gone is named no more
            session.add(_row(event.id, act, outcome, reg_id, actor, now))
            counted[outcome] += 1
        conflicts = sum(counted[o] for o in DOOR_CONFLICTS)
        report = MergeReport(event.id, counted[Out.APPLIED], len(acts) - len(new), conflicts)
        record_event(session, actor, "door_merge", Event.__tablename__, event.id,
                     {"acts": len(acts), "applied": report.applied,
                      "already": report.already, "conflicts": conflicts})
    return report


def _check_in(session: Session, reg: Registration | None, act: DoorActRecord) -> DoorOutcome:
    if reg is None:
        return Out.UNKNOWN
    if reg.status not in SEAT_HOLDING:  # cancelled meanwhile (or back to no seat)
        return Out.CANCELLED
    if _attendance(session, reg.id, act.session_id) is not None:
        return Out.BOTH
    _attend(session, reg, act)
    return Out.APPLIED


def _attend(session: Session, reg: Registration, act: DoorActRecord | DoorAct) -> None:
    session.add(Attendance(registration_id=reg.id, session_id=act.session_id,
                           checked_in_at=act.happened_at, checked_in_by=act.recorded_by))
    if reg.status in SEAT_HOLDING:
        reg.status = S.ATTENDED
    session.flush()


def _attendance(session: Session, registration_id: int, session_id: int) -> Attendance | None:
    return session.scalars(select(Attendance).where(
        Attendance.registration_id == registration_id,
        Attendance.session_id == session_id)).first()


def _walk_in(session: Session, actor: Actor, event: Event,
             act: DoorActRecord | DoorAct) -> tuple[DoorOutcome, int | None]:
    """The walk-in signed up and checked in as at the online door, or 満席."""
    name, reading, phone = _walk_in_person(act)
    contact_id = _find_or_add_contact(session, actor, name, reading, phone)
    answers = _still_asked(event_questions(session, event.id), _walk_in_answers(act))
    try:
        added = add_sign_up(session, actor, event.id,
                            SignUpDraft(contact_id, act.party_size, answers=answers),
                            today=act.happened_at.date(), allow_similar=True, walk_in=True,
                            asked=False)
    except DuplicateSignUp:  # the person had signed up after all: that sign-up is checked in
        reg = _sign_up_of(session, event.id, contact_id)
        return (_check_in(session, reg, _as_record(act)) if reg else Out.UNKNOWN,
                reg.id if reg else None)
    except ValidationError as exc:
        if any(p.field != "party_size" for p in exc.problems):
            raise  # not a matter of seats: no 満席 said for it
        return Out.FULL, None  # larger than the capacity
    except UserError:  # full
        return Out.FULL, None
    reg = lock_sign_ups(session, Registration.id == added.registration.id)[0]
    _attend(session, reg, act)
    return Out.APPLIED, reg.id


def _walk_in_person(act: DoorActRecord | DoorAct) -> tuple[str, str, str]:
    if isinstance(act, DoorAct):
        return act.walk_in_name, act.walk_in_reading, act.walk_in_phone
    return act.name, act.reading, act.phone


def _walk_in_answers(act: DoorActRecord | DoorAct) -> dict[int, str]:
    if isinstance(act, DoorAct):
        return {int(q): a for q, a in json.loads(act.walk_in_answers or "{}").items()}
    return dict(act.answers)


def _still_asked(questions: Sequence[Question],
                 given: Mapping[int, str]) -> tuple[tuple[int, str], ...]:
    """The answers the event's questions take now. One to a question removed since the pack
    was made is dropped, not an error, and so is one that no longer fits its question (a
    choice reworded since): the person is not here to answer again."""
    kept: list[tuple[int, str]] = []
    for q in questions:
        if q.id is not None and q.id in given:
            try:
                kept += clean_answers((q,), {q.id: given[q.id]}, required=False).items()
            except ValidationError:
                continue
    return tuple(kept)


def _as_record(act: DoorActRecord | DoorAct) -> DoorActRecord:
    if isinstance(act, DoorActRecord):
        return act
    return DoorActRecord(act.session_id, act.happened_at, act.recorded_by,
                         act.registration_id, True, act_id=act.act_id)


def _sign_up_of(session: Session, event_id: int, contact_id: int) -> Registration | None:
    found = lock_sign_ups(session, Registration.event_id == event_id,
                          Registration.contact_id == contact_id,
                          Registration.status != S.CANCELLED)
    return found[0] if found else None


def _find_or_add_contact(session: Session, actor: Actor, name: str, reading: str,
                         phone: str) -> int:
    """The contact the walk-in is (same folded name, and the same phone or reading where both
    were given), else a new person: the counter's 「新しく登録」 with what was typed."""
    draft = clean_draft(ContactDraft(kind=ContactKind.PERSON, name=name, reading=reading,
                                     phone=phone))
    for candidate in likely_duplicates_in(session, draft, limit=10):
        if candidate.kind is not ContactKind.PERSON or fold(candidate.name) != fold(name):
            continue
        if phone and candidate.phone:
            if fold(candidate.phone) == fold(phone):
                return candidate.contact_id
        elif reading and candidate.reading and fold(candidate.reading) == fold(reading):
            return candidate.contact_id
    return add_contact(session, actor, draft).id


def _row(event_id: int, act: DoorActRecord, outcome: DoorOutcome, registration_id: int | None,
         actor: Actor, now: datetime) -> DoorAct:
    # A walk-in that became a sign-up keeps no copy of its name, phone and answers here: the
    # contact and the sign-up have them; one left waiting (満席) keeps them until it is decided.
    keep = act.walk_in and registration_id is None
    return DoorAct(
        event_id=event_id, act_id=act.act_id, session_id=act.session_id,
        registration_id=registration_id, walk_in=act.walk_in,
        walk_in_name=act.name if keep else "", walk_in_reading=act.reading if keep else "",
        walk_in_phone=act.phone if keep else "",
        walk_in_answers=json.dumps(dict(act.answers), ensure_ascii=False)
        if keep and act.answers else "", party_size=act.party_size,
        happened_at=act.happened_at, recorded_by=act.recorded_by, merged_at=now,
        merged_by=actor.name, outcome=outcome,
        decision=DoorDecision.PENDING if outcome in DOOR_CONFLICTS else DoorDecision.ACCEPTED)


# --- conflicts ------------------------------------------------------------------------------

def door_conflicts(db: Database, actor: Actor, event_id: int) -> list[DoorConflict]:
    """The event's acts waiting for a decision, oldest first."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        rows = session.execute(
            select(DoorAct, Contact.name, Attendance.checked_in_at, Attendance.checked_in_by)
            .outerjoin(Registration, Registration.id == DoorAct.registration_id)
            .outerjoin(Contact, Contact.id == Registration.contact_id)
            .outerjoin(Attendance, (Attendance.registration_id == DoorAct.registration_id)
                       & (Attendance.session_id == DoorAct.session_id))
            .where(DoorAct.event_id == event_id, DoorAct.decision == DoorDecision.PENDING)
            .order_by(DoorAct.happened_at, DoorAct.id)).all()
        found = [DoorConflict(
            a.id, a.version, a.outcome, a.walk_in, name or a.walk_in_name or "（不明）",
            a.party_size, a.session_id, a.happened_at, a.recorded_by,
            at if a.outcome is Out.BOTH else None, (by or "") if a.outcome is Out.BOTH else "")
            for a, name, at, by in rows]
    log_read(db, actor, Registration.__tablename__, View.SIGN_UPS, rows=len(found),
             event_id=event_id)
    return found


@retry_on_contention
def decide_door_conflict(db: Database, actor: Actor, act_row_id: int, version: int,
                         accept: bool) -> DoorOutcome:
    """認める (*accept*) or 反映しない. Accepting 両方で受付 keeps the earlier time; キャンセル後の
    受付 records the attendance and leaves the sign-up cancelled; 満席 signs the walk-in up if a
    seat is free by now. Returns the act's outcome (APPLIED once a 満席 walk-in is signed up)."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        event_id = session.scalar(select(DoorAct.event_id).where(DoorAct.id == act_row_id))
        if event_id is None:
            raise NotFound("この記録は見つかりません。一覧を更新してください。")
        event = load_event(session, event_id, lock=True)
        act = session.scalars(select(DoorAct).where(DoorAct.id == act_row_id)
                              .with_for_update().execution_options(populate_existing=True)).one()
        if act.version != version or act.decision is not DoorDecision.PENDING:
            raise UserError("この記録は、開いた後に他の窓口で判断されました。一覧を更新してください。")
        if accept:
            _accept(session, actor, event, act)
        act.decision = DoorDecision.ACCEPTED if accept else DoorDecision.SET_ASIDE
        act.decided_at, act.decided_by = datetime.now(UTC), actor.name
        return act.outcome


def _accept(session: Session, actor: Actor, event: Event, act: DoorAct) -> None:
    if act.outcome is Out.UNKNOWN:
        raise UserError("申込が見つからないため、反映できません。「反映しない」を選んでください。")
    if act.outcome is Out.FULL:
        if act.walk_in_name and not act.registration_id:
            actor.require(Action.CREATE, Resource.CONTACTS)
        outcome, reg_id = _walk_in(session, actor, event, act)
        if outcome is Out.FULL:
            raise UserError("まだ満席のため、当日参加として受け付けられません。"
                            "席が空いてから認めるか、「反映しない」を選んでください。")
        act.outcome, act.registration_id = outcome, reg_id
        act.walk_in_name = act.walk_in_reading = act.walk_in_phone = act.walk_in_answers = ""
        return
    reg = lock_sign_ups(session, Registration.id == act.registration_id)
    if not reg:
        raise UserError("申込が見つからないため、反映できません。「反映しない」を選んでください。")
    earlier = _attendance(session, reg[0].id, act.session_id)
    if earlier is None:  # キャンセル後の受付 (or the counter's attendance was taken back)
        _attend(session, reg[0], act)
    elif _aware(act.happened_at) < _aware(earlier.checked_in_at):  # 両方で受付: the earlier time
        earlier.checked_in_at, earlier.checked_in_by = act.happened_at, act.recorded_by


def _aware(moment: datetime) -> datetime:
    """SQLite gives back a stored moment without its zone; it is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
