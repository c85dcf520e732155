"""Sign-ups (申込) for events: seats, the waitlist, cancellations, booths.

No overbooking, ever: every function that gives or frees a seat first takes the event's row
lock (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transactions start with
`BEGIN IMMEDIATE`, one writer at a time), then counts the seats inside the same transaction.
Two counters giving the last seat at the same moment are served one after the other: the
second finds it gone and is put on the waitlist, in the order the sign-ups reached the database.

The lock order, the same in every write of this module, of checkin.py and of events.py:

    1. the event's row (`SELECT … FOR UPDATE`: `load_event(…, lock=True)`, or a sign-up's
       narrower read of the same row),
    2. then the sign-ups the write changes (`lock_sign_ups`), in id order.

A write that starts from a sign-up (a cancellation, a check-in, an offer reply) first reads
which event the sign-up belongs to, without a lock, then takes the locks in this order, and
only then reads the sign-up it decides on. So two writes of one event never each hold a lock
the other waits for (a deadlock), and none decides on a sign-up that another counter is
changing at that moment (a stale version, a cancelled sign-up checked in).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import insert_row, prepare_row, record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.bounds import FIELD_BOUNDS, problem
from kyodo_desk.domain.errors import (
    ConcurrentEdit,
    FieldProblem,
    NotFound,
    UserError,
    ValidationError,
)
from kyodo_desk.domain.events import (
    MAX_PARTY_SIZE,
    REGISTRATION_STATUS_LABELS,
    SEAT_HOLDING,
    WINDOW_OVERRIDE_ROLES,
    RegistrationStatus,
    TicketCode,
    Waiting,
    may_confirm_at_once,
    plan_promotions,
    signup_window_problem,
)
from kyodo_desk.domain.lottery import applied_message, takes_applications
from kyodo_desk.domain.permissions import Action, Actor, PermissionDenied, Resource
from kyodo_desk.domain.plans import Sector
from kyodo_desk.domain.questions import clean_answers
from kyodo_desk.domain.text import fold
from kyodo_desk.models import Attendance, Contact, ContactKind, Event, Registration
from kyodo_desk.services.contacts.erasure import refuse_erased
from kyodo_desk.services.events import SeatCount, load_event, seat_count_columns, seat_counts
from kyodo_desk.services.events.answers import add_answers, event_questions, replace_answers
from kyodo_desk.services.read_log import View, log_open, log_read

S = RegistrationStatus
SECTOR_CODES = frozenset({"", *(s.value for s in Sector)})  # "": not asked


class DuplicateSignUp(UserError):
    """The same person or group is already signed up for this event (二重申込)."""


class SimilarSignUp(UserError):
    """Someone with the same name (after width/kana folding) or phone is already signed up;
    the counter confirms it is another person before going on."""

    def __init__(self, message: str, existing: RegistrationInfo) -> None:
        super().__init__(message)
        self.existing = existing


class OutsideSignUpWindow(UserError):
    """受付期間外: only a collaboration officer may accept it, and that override is audited."""


@dataclass(frozen=True)
class SignUpDraft:
    """申込 as entered at the counter."""

    contact_id: int
    party_size: int = 1
    notes: str = ""  # 配慮事項（車いす・手話通訳など）、託児の希望
    booth_tables: int = 0
    booth_chairs: int = 0
    booth_power: bool = False
    booth_space: str = ""
    sector: str = ""  # 所属の区分 (domain/plans.Sector's value), "" not asked
    # 申込時の回答: (question id, answer); on a change they replace the stored ones.
    answers: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class RegistrationInfo:
    id: int
    event_id: int
    contact_id: int
    contact_name: str
    contact_reading: str
    contact_phone: str
    is_group: bool
    party_size: int
    notes: str
    status: RegistrationStatus
    waitlist_position: int | None  # 1 = next in line; None unless waitlisted
    queue_number: int  # 受付番号, in arrival order
    token: str
    walk_in: bool
    promoted_at: datetime | None
    offer_until: datetime | None
    contacted_at: datetime | None
    booth_tables: int
    booth_chairs: int
    booth_power: bool
    booth_space: str
    booth_number: str | None
    attended_session_ids: tuple[int, ...]
    version: int
    sector: str = ""  # 所属の区分 (domain/plans.Sector's value), "" not asked

    @property
    def ticket(self) -> TicketCode:
        return TicketCode(self.event_id, self.id, self.token)

    @property
    def status_label(self) -> str:
        if self.status is S.WAITLISTED and self.waitlist_position:
            return f"キャンセル待ち{self.waitlist_position}番"
        return REGISTRATION_STATUS_LABELS[self.status]

    @property
    def awaiting_call(self) -> bool:
        """Moved up from the waitlist and not yet told (連絡待ち)."""
        return (self.status is S.CONFIRMED and self.promoted_at is not None
                and self.contacted_at is None)

    def as_draft(self) -> SignUpDraft:
        return SignUpDraft(self.contact_id, self.party_size, self.notes, self.booth_tables,
                           self.booth_chairs, self.booth_power, self.booth_space, self.sector)


@dataclass(frozen=True)
class SignUpResult:
    registration: RegistrationInfo
    message: str  # what the counter tells the citizen, e.g. 「受付済です（残り3席）」


@dataclass(frozen=True)
class WaitlistMove:
    """What freeing seats did: who moved up (to be called) and why the next did not."""

    promoted: tuple[RegistrationInfo, ...]
    reason: str

    def message(self) -> str:
        if not self.promoted:
            return self.reason
        names = "、".join(f"{r.contact_name}（{r.party_size}名・{r.contact_phone or '電話なし'}）"
                         for r in self.promoted)
        return f"キャンセル待ちから繰り上げました。連絡してください: {names}。{self.reason}"


@dataclass(frozen=True)
class CancelResult:
    registration: RegistrationInfo
    moved: WaitlistMove


# --- validation ---------------------------------------------------------------------------

def clean_sign_up(draft: SignUpDraft) -> SignUpDraft:
    problems: list[FieldProblem] = []
    if not 1 <= draft.party_size <= MAX_PARTY_SIZE:
        problems.append(FieldProblem(
            "party_size", f"人数は1～{MAX_PARTY_SIZE}名で入力してください"
            f"（{MAX_PARTY_SIZE}名を超える団体は、イベントの担当者にご相談ください）。"))
    for field in ("booth_tables", "booth_chairs"):
        found = problem(field, FIELD_BOUNDS["registrations"][field], getattr(draft, field))
        if found:
            problems.append(found)
    if draft.sector not in SECTOR_CODES:
        problems.append(FieldProblem("sector", "所属の区分は一覧から選んでください。"))
    if problems:
        raise ValidationError(problems)
    return replace(draft, notes=draft.notes.strip(), booth_space=draft.booth_space.strip())


# --- read ---------------------------------------------------------------------------------

def list_registrations(db: Database, actor: Actor, event_id: int, *,
                       logged: bool = True) -> list[RegistrationInfo]:
    """Every sign-up of the event: seat holders in arrival order, then the waitlist in queue
    order, then cancellations. Leaves one audit row (services/read_log.py, the event's
    number in it) unless not *logged*: for a caller that writes its own (a print, an
    export)."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        found = registration_infos(session, event_id)
    if logged:
        log_read(db, actor, Registration.__tablename__, View.SIGN_UPS, rows=len(found),
                 event_id=event_id)
    return found


def get_registration(db: Database, actor: Actor, registration_id: int, *,
                     logged: bool = True) -> RegistrationInfo:
    """One sign-up; logged as list_registrations is."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        found = registration_infos(session, _event_of(session, registration_id),
                                   {registration_id})[0]
    if logged:
        log_open(db, actor, Registration.__tablename__, registration_id, View.SIGN_UP)
    return found


_ORDER = {S.CONFIRMED: 0, S.ATTENDED: 0, S.NO_SHOW: 0, S.APPLIED: 1, S.WAITLISTED: 1,
          S.CANCELLED: 2}
# The waitlist's order: a lottery's losers in drawn order (抽選順), then sign-ups after the
# draw (or of an event without a lottery) in 受付番号 order.
_WAITLIST_ORDER = (case((Registration.lottery_rank.is_(None), 1), else_=0),
                   Registration.lottery_rank, Registration.queue_number)


def registration_infos(session: Session, event_id: int,
                       only: set[int] | None = None) -> list[RegistrationInfo]:
    """The event's sign-ups (or only those in *only*, read alone: a counter saving one
    sign-up of a large event holds the seat lock meanwhile)."""
    stmt = (select(Registration, Contact.name, Contact.reading, Contact.phone, Contact.kind)
            .join(Contact, Contact.id == Registration.contact_id)
            .where(Registration.event_id == event_id)
            .order_by(*_WAITLIST_ORDER))
    attending = (select(Attendance.registration_id, Attendance.session_id)
                 .join(Registration, Registration.id == Attendance.registration_id)
                 .where(Registration.event_id == event_id).order_by(Attendance.session_id))
    if only is not None:
        stmt = stmt.where(Registration.id.in_(only))
        attending = attending.where(Registration.id.in_(only))
    rows = session.execute(stmt).all()
    attended: dict[int, list[int]] = {}
    for reg_id, session_id in session.execute(attending):
        attended.setdefault(reg_id, []).append(session_id)
    out, position = [], 0
    for reg, name, reading, phone, kind in rows:
        if reg.status is S.WAITLISTED:
            position = position + 1 if only is None else _waitlist_position(session, reg)
        out.append(RegistrationInfo(
            reg.id, reg.event_id, reg.contact_id, name, reading, phone,
            kind is ContactKind.GROUP, reg.party_size, reg.notes, reg.status,
            position if reg.status is S.WAITLISTED else None, reg.queue_number, reg.token,
            reg.walk_in, reg.promoted_at, reg.offer_until, reg.contacted_at,
            reg.booth_tables, reg.booth_chairs, reg.booth_power, reg.booth_space,
            reg.booth_number, tuple(attended.get(reg.id, ())), reg.version, reg.sector))
    out.sort(key=lambda r: (_ORDER[r.status], r.waitlist_position or 0, r.queue_number))
    return out


def _waitlist_position(session: Session, reg: Registration) -> int:
    ahead = (Registration.lottery_rank <= reg.lottery_rank if reg.lottery_rank is not None
             else or_(Registration.lottery_rank.is_not(None),
                      Registration.queue_number <= reg.queue_number))
    return session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == reg.event_id, Registration.status == S.WAITLISTED,
        ahead)) or 0


def _info(session: Session, reg: Registration) -> RegistrationInfo:
    session.flush()
    return registration_infos(session, reg.event_id, {reg.id})[0]


_GONE = "この申込は見つかりません（他の窓口で取り消された可能性があります）。"


def lock_sign_ups(session: Session, *where: ColumnElement[bool]) -> list[Registration]:
    """The sign-ups matching *where*, locked in id order and read afresh (step 2 of the lock
    order: the caller holds the event's lock already)."""
    return list(session.scalars(
        select(Registration).where(*where).order_by(Registration.id).with_for_update()
        .execution_options(populate_existing=True)))


def _event_of(session: Session, registration_id: int) -> int:
    event_id = session.scalar(select(Registration.event_id)
                              .where(Registration.id == registration_id))
    if event_id is None:
        raise NotFound(_GONE)
    return event_id


def lock_sign_up(session: Session, registration_id: int) -> tuple[Event, Registration]:
    """The sign-up's event locked, then the sign-up (the lock order), read afresh."""
    event = load_event(session, _event_of(session, registration_id), lock=True)
    found = lock_sign_ups(session, Registration.id == registration_id)
    if not found:  # removed with its event between the two reads
        raise NotFound(_GONE)
    return event, found[0]


# --- sign up ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Applicant:
    """Who signs up, and the keys the duplicate check compares (folded before the lock)."""

    id: int
    name: str
    reading: str
    phone: str
    is_group: bool
    name_key: str
    reading_key: str
    phone_key: str

    @property
    def name_keys(self) -> list[str]:
        return sorted({self.name_key, self.reading_key} - {""})


@retry_on_contention
def sign_up(db: Database, actor: Actor, event_id: int, draft: SignUpDraft, *,
            today: date | None = None, override_window: bool = False,
            allow_similar: bool = False) -> SignUpResult:
    """Sign *draft.contact_id* up: confirmed if the seats allow, else waitlisted.

    Outside the sign-up window only an officer may accept, with *override_window* (audited).
    A likely duplicate (same folded name or phone) raises SimilarSignUp unless *allow_similar*.
    """
    actor.require(Action.CREATE, Resource.REGISTRATIONS)
    cleaned = clean_sign_up(draft)
    if override_window and actor.role not in WINDOW_OVERRIDE_ROLES:
        raise PermissionDenied("受付期間外の申込は、協働担当のアカウントでのみ受け付けられます。")
    with db.writing(actor) as session:
        return add_sign_up(session, actor, event_id, cleaned, today=today or date.today(),
                           override_window=override_window, allow_similar=allow_similar)


def add_sign_up(session: Session, actor: Actor, event_id: int, draft: SignUpDraft, *,
                today: date, override_window: bool = False, allow_similar: bool = False,
                walk_in: bool = False, asked: bool = True) -> SignUpResult:
    """The sign-up inside the caller's transaction (also used by the door's walk-in).

    Its answers are checked against the event's questions as they are under the lock; a
    required one may stay unanswered only where nobody was *asked* (an import of
    applications).

    Under the event's lock every read is one indexed lookup or an aggregate over an index, by
    statements built once, and the answer is made from what is in hand: a sign-up costs the
    same in an empty event and in a full one, and holds the lock briefly.
    """
    who = _applicant(session, draft.contact_id)
    pending = prepare_row(session, Registration, _row(event_id, who, draft, walk_in=walk_in))
    keys = who.name_keys
    under_lock = _UNDER_LOCK[None if allow_similar else len(keys)]
    looked_up = {"event": event_id, "contact": who.id, "phone": who.phone_key,
                 **{f"key{n}": key for n, key in enumerate(keys)}}
    event = session.connection().execute(_LOCK_FOR_SIGN_UP, {"event": event_id}).first()
    if event is None:
        raise NotFound("このイベントは見つかりません（他の窓口で削除された可能性があります）。")
    if event.cancelled:
        raise UserError(f"「{event.title}」は中止になったため、申込を受け付けられません。")
    window = signup_window_problem(event.signup_opens_on, event.signup_closes_on, today)
    if window and not (override_window or walk_in):
        raise OutsideSignUpWindow(
            f"受付期間外です。{window}期間外の申込は、協働担当のアカウントで"
            "「期間外でも受け付ける」を選んだときだけ受け付けられます。")
    if event.capacity is not None and draft.party_size > event.capacity:
        raise ValidationError.single(
            "party_size", f"{draft.party_size}名では定員（{event.capacity}名）を超えるため、"
            "受け付けられません。")
    answers = clean_answers(event_questions(session, event_id), draft.answers, required=asked)
    alike, *figures = session.connection().execute(under_lock, looked_up).one()
    if alike is not None:
        _refuse_duplicate(session, event_id, who, alike)
    seats = SeatCount(event.capacity, *figures)
    # 抽選: until its closing day a sign-up is an application, holding no seat.
    applying = takes_applications(event.lottery_until, event.lottery_drawn_at is not None,
                                  today)
    confirmed = not applying and may_confirm_at_once(
        event.capacity, seats.taken, draft.party_size, seats.waiting_parties, event.queue_rule)
    if walk_in and not confirmed:
        raise UserError(f"満席のため、当日参加はできません（{seats.label()}）。")
    # A Core insert, checked, audited and announced as a flushed row is (audit.prepare_row):
    # a flush of the one new row would cost more than the rest of the sign-up under the lock.
    status = S.APPLIED if applying else S.CONFIRMED if confirmed else S.WAITLISTED
    stored = insert_row(session, pending, status=status, queue_number=seats.last_number + 1)
    if answers:
        add_answers(session, stored["id"], answers)
    if window and override_window:
        record_event(session, actor, "override", Registration.__tablename__,
                     stored["id"], {"event_id": event_id, "window": window})
    return _answer(stored, who, seats, event.lottery_until)


def _row(event_id: int, who: _Applicant, draft: SignUpDraft, *,
         walk_in: bool) -> dict[str, Any]:
    """The new sign-up's row, all but its place in the queue (made before the lock)."""
    return {"event_id": event_id, "contact_id": who.id, "party_size": draft.party_size,
            "notes": draft.notes, "token": secrets.token_urlsafe(12), "walk_in": walk_in,
            "booth_tables": draft.booth_tables, "booth_chairs": draft.booth_chairs,
            "booth_power": draft.booth_power, "booth_space": draft.booth_space,
            "sector": draft.sector, "name_key": who.name_key, "reading_key": who.reading_key,
            "phone_key": who.phone_key}


def _answer(row: dict[str, Any], who: _Applicant, seats: SeatCount,
            lottery_until: date | None = None) -> SignUpResult:
    """What the counter is told, from what the sign-up had in hand (*seats* as they were
    before it): nothing is read again."""
    status, number, party = row["status"], row["queue_number"], row["party_size"]
    waiting = status is S.WAITLISTED
    position = seats.waiting_parties + 1 if waiting else None
    info = RegistrationInfo(
        row["id"], row["event_id"], who.id, who.name, who.reading, who.phone,
        who.is_group, party, row["notes"], status, position, number, row["token"],
        row["walk_in"], None, None, None, row["booth_tables"], row["booth_chairs"],
        row["booth_power"], row["booth_space"], None, (), row["version"], row["sector"])
    if status is S.APPLIED and lottery_until is not None:
        return SignUpResult(info, applied_message(lottery_until, number))
    if waiting:
        return SignUpResult(info, f"満席のため、キャンセル待ち{position}番目で受け付けました。"
                                  f"受付番号 {number}")
    free = "" if seats.capacity is None else f"（残り{seats.capacity - seats.taken - party}席）"
    return SignUpResult(info, f"受付済です{free}。受付番号 {number}")


_APPLICANT = select(Contact.name, Contact.reading, Contact.phone, Contact.kind,
                    Contact.erased_on).where(Contact.id == bindparam("contact"))
_LOCK_FOR_SIGN_UP = (select(Event.title, Event.capacity, Event.queue_rule, Event.cancelled,
                            Event.signup_opens_on, Event.signup_closes_on,
                            Event.lottery_until, Event.lottery_drawn_at)
                     .where(Event.id == bindparam("event")).with_for_update())


def _applicant(session: Session, contact_id: int) -> _Applicant:
    row = session.connection().execute(_APPLICANT, {"contact": contact_id}).first()
    if row is None:
        raise NotFound("申込者の連絡先が見つかりません（他の窓口で削除された可能性があります）。")
    name, reading, phone, kind, erased_on = row
    refuse_erased(erased_on, "contact_id")
    reading, phone = reading or "", phone or ""
    return _Applicant(contact_id, name, reading, phone, kind is ContactKind.GROUP, fold(name),
                      fold(reading), fold(phone))


def _under_lock(*, keys: int | None) -> Select[*tuple[Any, ...]]:
    """What a sign-up reads under the event's lock, in one statement: the event's first other
    sign-up of the same contact (or, given the number of the applicant's name *keys*, of the
    same folded name, reading or phone), the same contact first; then the seats
    (events.seat_count_columns).

    The event is named in every branch of the OR, so each branch is one lookup in its own
    index (Registration.name_key …): SQLite does not carry a condition outside an OR into it.
    The keys are plain parameters, one statement per count, so no statement is rendered anew
    at each sign-up (as an expanding IN list would be).
    """
    event: BindParameter[int] = bindparam("event")
    same_contact = Registration.contact_id == bindparam("contact")
    branches: list[ColumnElement[bool]] = [same_contact]
    if keys is not None:
        if keys:
            named: list[BindParameter[str]] = [bindparam(f"key{n}") for n in range(keys)]
            branches += [Registration.name_key.in_(named), Registration.reading_key.in_(named)]
        branches.append(and_(Registration.phone_key == bindparam("phone"),
                             Registration.phone_key != ""))
    alike = (select(Registration.id)
             .where(or_(*(and_(Registration.event_id == event, b) for b in branches)),
                    Registration.status != S.CANCELLED)
             .order_by(case((same_contact, 0), else_=1), Registration.queue_number).limit(1))
    return select(alike.scalar_subquery(), *seat_count_columns(event))


# Built once, by the number of name keys compared (None: the same contact only).
_UNDER_LOCK = {keys: _under_lock(keys=keys) for keys in (None, 0, 1, 2)}


def _refuse_duplicate(session: Session, event_id: int, who: _Applicant,
                      registration_id: int) -> None:
    """The same contact is refused; the same folded name, reading or phone is asked about."""
    existing = registration_infos(session, event_id, {registration_id})[0]
    label = REGISTRATION_STATUS_LABELS[existing.status]
    number = existing.queue_number
    if existing.contact_id == who.id:
        raise DuplicateSignUp(
            f"{who.name}さんは、このイベントにすでに申込があります"
            f"（受付番号 {number}・{label}）。人数の変更は、その申込を開いて行ってください。")
    stored = session.execute(select(Registration.name_key, Registration.reading_key)
                             .where(Registration.id == registration_id)).one()
    same_name = set(stored) & set(who.name_keys)
    raise SimilarSignUp(
        f"{'名前' if same_name else '電話番号'}が同じ「{existing.contact_name}」さんの申込が"
        f"すでにあります（受付番号 {number}・{label}）。同じ方なら二重申込です。"
        "別の方であることを確かめてから「別の方として受け付ける」を選んでください。", existing)


# --- change, cancel, the waitlist ---------------------------------------------------------

@retry_on_contention
def cancel_registration(db: Database, actor: Actor, registration_id: int) -> CancelResult:
    """キャンセル: free the seats and move the waitlist up at once (who to call is returned).

    Declining a seat offered from the waitlist is the same act.
    """
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        return _cancel(session, registration_id)


def _cancel(session: Session, registration_id: int) -> CancelResult:
    event, reg = lock_sign_up(session, registration_id)
    if reg.status is S.CANCELLED:
        raise UserError("この申込はすでにキャンセルされています。")
    if reg.status is S.ATTENDED:
        raise UserError("出席済みの申込はキャンセルできません。")
    reg.status = S.CANCELLED
    reg.booth_number = None
    session.flush()
    moved = promote_waitlist(session, event)
    return CancelResult(_info(session, reg), moved)


@retry_on_contention
def update_sign_up(db: Database, actor: Actor, registration_id: int, version: int,
                   draft: SignUpDraft) -> CancelResult:
    """Change party size, notes, booth needs or the answers (the draft's replace the stored
    ones: read them first with answers.get_answers). More people than the free seats allow
    are refused; fewer free seats for the waitlist."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    cleaned = clean_sign_up(draft)
    with db.writing(actor) as session:
        event, reg = lock_sign_up(session, registration_id)
        if reg.version != version:
            raise ConcurrentEdit("申込")
        if cleaned.contact_id != reg.contact_id:
            raise UserError("申込者は変更できません。キャンセルして新しく受け付けてください。")
        _refuse_growth(session, event, reg, cleaned.party_size)
        replace_answers(reg, clean_answers(event_questions(session, event.id), cleaned.answers))
        reg.party_size, reg.notes = cleaned.party_size, cleaned.notes
        reg.booth_tables, reg.booth_chairs = cleaned.booth_tables, cleaned.booth_chairs
        reg.booth_power, reg.booth_space = cleaned.booth_power, cleaned.booth_space
        reg.sector = cleaned.sector
        session.flush()
        moved = promote_waitlist(session, event)
        return CancelResult(_info(session, reg), moved)


def _refuse_growth(session: Session, event: Event, reg: Registration, party_size: int) -> None:
    """A party may grow into free seats only, whether it is still to come or already checked
    in; and never beyond the capacity, not even on the waitlist (it would never be seated)."""
    if event.capacity is None:
        return
    if party_size > event.capacity:
        raise ValidationError.single(
            "party_size", f"{party_size}名では定員（{event.capacity}名）を超えるため、変更できません。")
    growth = party_size - reg.party_size
    if growth > 0 and reg.status in SEAT_HOLDING:
        free = _seats(session, event).free or 0
        if growth > free:
            raise ValidationError.single(
                "party_size", f"空きが{free}席のため、{party_size}名には増やせません。")


def _seats(session: Session, event: Event) -> SeatCount:
    return seat_counts(session, [event.id], {event.id: event.capacity})[event.id]


def promote_waitlist(session: Session, event: Event, now: datetime | None = None) -> WaitlistMove:
    """Move waitlisted parties up as the event's queue rule and free seats allow.

    Call with the event's lock held; the promoted sign-ups are locked next, in id order. Each
    is marked to be called, with its seat held until `offer_until`.
    """
    now = now or datetime.now(UTC)
    waiting = session.execute(
        select(Registration.id, Registration.party_size)
        .where(Registration.event_id == event.id, Registration.status == S.WAITLISTED)
        .order_by(*_WAITLIST_ORDER)
    ).all()
    plan = plan_promotions(_seats(session, event).free, [Waiting(i, n) for i, n in waiting],
                           event.queue_rule)
    if not plan.promoted:
        return WaitlistMove((), plan.reason)
    for reg in lock_sign_ups(session, Registration.id.in_(plan.promoted)):
        reg.status = S.CONFIRMED
        reg.promoted_at = now
        reg.offer_until = now + timedelta(hours=event.offer_hold_hours)
        reg.contacted_at = None
    session.flush()
    promoted = registration_infos(session, event.id, set(plan.promoted))
    return WaitlistMove(tuple(promoted), plan.reason)


@retry_on_contention
def record_offer_reply(db: Database, actor: Actor, registration_id: int, *,
                       accepted: bool) -> CancelResult:
    """The promoted person was called: 参加 keeps the seat; 辞退 frees it for the next in line."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        if not accepted:
            return _cancel(session, registration_id)
        _event, reg = lock_sign_up(session, registration_id)
        if reg.status is not S.CONFIRMED:
            raise UserError("この申込は受付済ではありません。一覧を更新してください。")
        reg.contacted_at = datetime.now(UTC)
        reg.offer_until = None
        return CancelResult(_info(session, reg), WaitlistMove((), ""))


@retry_on_contention
def promote_out_of_order(db: Database, actor: Actor, registration_id: int,
                         reason: str) -> RegistrationInfo:
    """Confirm a waitlisted sign-up ahead of its turn (順番の繰り上げ): free seats are needed,
    and the reason is required and written to the audit log."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    reason = reason.strip()
    if not reason:
        raise ValidationError.single("reason", "順番を飛ばして繰り上げる理由を入力してください。")
    with db.writing(actor) as session:
        event, reg = lock_sign_up(session, registration_id)
        if reg.status is not S.WAITLISTED:
            raise UserError("キャンセル待ちの申込ではありません。一覧を更新してください。")
        free = _seats(session, event).free
        if free is not None and reg.party_size > free:
            raise UserError(f"空きが{free}席のため、{reg.party_size}名の組は繰り上げられません。")
        now = datetime.now(UTC)
        reg.status, reg.promoted_at, reg.contacted_at = S.CONFIRMED, now, now
        session.flush()
        record_event(session, actor, "queue_jump", Registration.__tablename__, reg.id,
                     {"event_id": event.id, "reason": reason})
        return _info(session, reg)


@retry_on_contention
def mark_no_shows(db: Database, actor: Actor, event_id: int) -> int:
    """After the event: every confirmed sign-up that never checked in becomes 欠席."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        load_event(session, event_id, lock=True)
        regs = lock_sign_ups(session, Registration.event_id == event_id,
                             Registration.status == S.CONFIRMED)
        for reg in regs:
            reg.status = S.NO_SHOW
        return len(regs)


# --- booths (ブース出展) --------------------------------------------------------------------

@retry_on_contention
def assign_booth(db: Database, actor: Actor, registration_id: int,
                 booth_number: str) -> RegistrationInfo:
    """Give an exhibitor a booth number ("" takes it back); a number is given only once."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    number = booth_number.strip() or None
    try:
        with db.writing(actor) as session:
            event, reg = lock_sign_up(session, registration_id)
            if not event.has_booths:
                raise UserError("このイベントはブース出展を受け付けていません。")
            if number and reg.status not in (S.CONFIRMED, S.ATTENDED):
                raise UserError("ブースは受付済の出展者にだけ割り当てられます。")
            reg.booth_number = number
            session.flush()
            return _info(session, reg)
    except IntegrityError:
        raise ValidationError.single(
            "booth_number", f"ブース番号「{number}」はすでに他の出展者に割り当てています。") from None


@retry_on_contention
def allocate_booths(db: Database, actor: Actor, event_id: int) -> int:
    """Number every confirmed exhibitor without a booth, in arrival order, skipping numbers
    already given; returns how many were numbered."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        event = load_event(session, event_id, lock=True)
        if not event.has_booths:
            raise UserError("このイベントはブース出展を受け付けていません。")
        regs = sorted(lock_sign_ups(session, Registration.event_id == event_id,
                                    Registration.status.in_([S.CONFIRMED, S.ATTENDED])),
                      key=lambda r: r.queue_number)
        used = {r.booth_number for r in regs if r.booth_number}
        n, given = 0, 0
        for reg in regs:
            if reg.booth_number:
                continue
            n += 1
            while str(n) in used:
                n += 1
            reg.booth_number = str(n)
            given += 1
        return given
