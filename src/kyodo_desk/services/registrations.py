"""Sign-ups (申込) for events: seats, the waitlist, cancellations, booths.

No overbooking, ever: every function that gives or frees a seat first takes the event's row
lock (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transactions start with
`BEGIN IMMEDIATE`, one writer at a time), then counts the seats inside the same transaction.
Two counters giving the last seat at the same moment are served one after the other: the
second finds it gone and is put on the waitlist, in the order the sign-ups reached the database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.domain.errors import FieldProblem, NotFound, UserError, ValidationError
from kyodo_desk.domain.events import (
    MAX_PARTY_SIZE,
    REGISTRATION_STATUS_LABELS,
    WINDOW_OVERRIDE_ROLES,
    RegistrationStatus,
    TicketCode,
    Waiting,
    may_confirm_at_once,
    plan_promotions,
)
from kyodo_desk.domain.permissions import Action, Actor, PermissionDenied, Resource
from kyodo_desk.domain.text import fold
from kyodo_desk.models import Attendance, Contact, ContactKind, Event, Registration
from kyodo_desk.services.events import event_detail, load_event, seat_counts

S = RegistrationStatus


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
                           self.booth_chairs, self.booth_power, self.booth_space)


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
    problems = []
    if not 1 <= draft.party_size <= MAX_PARTY_SIZE:
        problems.append(FieldProblem(
            "party_size", f"人数は1～{MAX_PARTY_SIZE}名で入力してください"
            f"（{MAX_PARTY_SIZE}名を超える団体は、イベントの担当者にご相談ください）。"))
    if not (0 <= draft.booth_tables <= 20 and 0 <= draft.booth_chairs <= 50):
        problems.append(FieldProblem("booth", "ブースの机は0～20台、椅子は0～50脚で入力してください。"))
    if problems:
        raise ValidationError(problems)
    return replace(draft, notes=draft.notes.strip(), booth_space=draft.booth_space.strip())


# --- read ---------------------------------------------------------------------------------

def list_registrations(db: Database, actor: Actor, event_id: int) -> list[RegistrationInfo]:
    """Every sign-up of the event: seat holders in arrival order, then the waitlist in queue
    order, then cancellations."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading() as session:
        return registration_infos(session, event_id)


def get_registration(db: Database, actor: Actor, registration_id: int) -> RegistrationInfo:
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading() as session:
        return _info(session, _load(session, registration_id))


_ORDER = {S.CONFIRMED: 0, S.ATTENDED: 0, S.NO_SHOW: 0, S.WAITLISTED: 1, S.CANCELLED: 2}


def registration_infos(session: Session, event_id: int,
                       only: set[int] | None = None) -> list[RegistrationInfo]:
    """The event's sign-ups (or only those in *only*, read alone: a counter saving one
    sign-up of a large event holds the seat lock meanwhile)."""
    stmt = (select(Registration, Contact.name, Contact.reading, Contact.phone, Contact.kind)
            .join(Contact, Contact.id == Registration.contact_id)
            .where(Registration.event_id == event_id)
            .order_by(Registration.queue_number))
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
            reg.booth_number, tuple(attended.get(reg.id, ())), reg.version))
    out.sort(key=lambda r: (_ORDER[r.status], r.queue_number))
    return out


def _waitlist_position(session: Session, reg: Registration) -> int:
    return session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == reg.event_id, Registration.status == S.WAITLISTED,
        Registration.queue_number <= reg.queue_number)) or 0


def _info(session: Session, reg: Registration) -> RegistrationInfo:
    session.flush()
    return registration_infos(session, reg.event_id, {reg.id})[0]


def _load(session: Session, registration_id: int, *, lock: bool = False) -> Registration:
    stmt = select(Registration).where(Registration.id == registration_id)
    if lock:
        stmt = stmt.with_for_update()
    reg = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if reg is None:
        raise NotFound("この申込は見つかりません（他の窓口で取り消された可能性があります）。")
    return reg


def _lock_event_of(session: Session, registration_id: int) -> tuple[Event, Registration]:
    """The event's seat lock first, then the sign-up read fresh under it."""
    event_id = session.scalar(select(Registration.event_id)
                              .where(Registration.id == registration_id))
    if event_id is None:
        raise NotFound("この申込は見つかりません（他の窓口で取り消された可能性があります）。")
    event = load_event(session, event_id, lock=True)
    return event, _load(session, registration_id)


# --- sign up ------------------------------------------------------------------------------

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
        raise PermissionDenied("受付期間外の受付は、協働担当のアカウントでのみできます。")
    with db.writing(actor) as session:
        reg, message = add_sign_up(session, actor, event_id, cleaned, today=today or date.today(),
                                   override_window=override_window, allow_similar=allow_similar)
        return SignUpResult(_info(session, reg), message)


def add_sign_up(session: Session, actor: Actor, event_id: int, draft: SignUpDraft, *,
                today: date, override_window: bool = False, allow_similar: bool = False,
                walk_in: bool = False) -> tuple[Registration, str]:
    """The sign-up inside the caller's transaction (also used by the door's walk-in)."""
    event = load_event(session, event_id, lock=True)
    if event.cancelled:
        raise UserError(f"「{event.title}」は中止になったため、受付できません。")
    detail = event_detail(session, event)
    window = detail.signup_window_problem(today)
    if window and not (override_window or walk_in):
        raise OutsideSignUpWindow(
            f"受付期間外です。{window}期間外の受付は、協働担当のアカウントで"
            "「期間外でも受け付ける」を選んだときだけできます。")
    if event.capacity is not None and draft.party_size > event.capacity:
        raise ValidationError.single(
            "party_size", f"{draft.party_size}名では定員（{event.capacity}名）を超えるため、"
            "受付できません。")
    contact = session.get(Contact, draft.contact_id)
    if contact is None:
        raise NotFound("申込者の連絡先が見つかりません（他の窓口で削除された可能性があります）。")
    _refuse_duplicates(session, event, contact, allow_similar)
    seats = detail.seats
    confirmed = may_confirm_at_once(event.capacity, seats.taken, draft.party_size,
                                    seats.waiting_parties, event.queue_rule)
    if walk_in and not confirmed:
        raise UserError(f"満席のため、当日参加は受け付けられません（{seats.label()}）。")
    last = session.scalar(select(func.max(Registration.queue_number))
                          .where(Registration.event_id == event.id)) or 0
    reg = Registration(
        event_id=event.id, contact_id=contact.id, party_size=draft.party_size,
        notes=draft.notes, status=S.CONFIRMED if confirmed else S.WAITLISTED,
        queue_number=last + 1, token=secrets.token_urlsafe(12), walk_in=walk_in,
        booth_tables=draft.booth_tables, booth_chairs=draft.booth_chairs,
        booth_power=draft.booth_power, booth_space=draft.booth_space)
    session.add(reg)
    session.flush()
    if window and override_window:
        record_event(session, actor, "override", Registration.__tablename__,
                     reg.id, {"event_id": event.id, "window": window})
    if confirmed:
        free = "" if event.capacity is None else \
            f"（残り{event.capacity - seats.taken - draft.party_size}席）"
        return reg, f"受付済です{free}。受付番号 {reg.queue_number}"
    position = seats.waiting_parties + 1
    return reg, f"満席のため、キャンセル待ち{position}番目で受け付けました。受付番号 {reg.queue_number}"


def _refuse_duplicates(session: Session, event: Event, contact: Contact,
                       allow_similar: bool) -> None:
    """The same contact is refused; the same folded name, reading or phone is asked about.

    The other sign-ups' folded names come from the contacts' stored search columns (the
    name is the first word of `search_text`, the reading is `sort_key`), so a large event is
    checked without folding its every name again while the seat lock is held.
    """
    rows = session.execute(
        select(Registration.id, Registration.status, Registration.queue_number, Contact.id,
               Contact.name, Contact.search_text, Contact.sort_key, Contact.phone)
        .join(Contact, Contact.id == Registration.contact_id)
        .where(Registration.event_id == event.id, Registration.status != S.CANCELLED)
    ).all()
    keys = {fold(contact.name), fold(contact.reading or "")} - {""}
    for reg_id, status, number, other_id, other_name, text, other_key, other_phone in rows:
        label = REGISTRATION_STATUS_LABELS[status]
        if other_id == contact.id:
            raise DuplicateSignUp(
                f"{contact.name}さんは、このイベントにすでに申込があります"
                f"（受付番号 {number}・{label}）。人数の変更は、その申込を開いて行ってください。")
        if allow_similar:
            continue
        same_name = bool(keys & {text.split(" ", 1)[0], other_key})
        same_phone = bool(contact.phone) and contact.phone == other_phone
        if same_name or same_phone:
            why = "名前" if same_name else "電話番号"
            existing = registration_infos(session, event.id, {reg_id})[0]
            raise SimilarSignUp(
                f"{why}が同じ「{other_name}」さんの申込がすでにあります（受付番号 {number}・"
                f"{label}）。同じ方なら二重申込です。別の方であることを確かめてから"
                "「別の方として受け付ける」を選んでください。", existing)


# --- change, cancel, the waitlist ---------------------------------------------------------

def cancel_registration(db: Database, actor: Actor, registration_id: int) -> CancelResult:
    """キャンセル: free the seats and move the waitlist up at once (who to call is returned).

    Declining a seat offered from the waitlist is the same act.
    """
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        event, reg = _lock_event_of(session, registration_id)
        if reg.status is S.CANCELLED:
            raise UserError("この申込はすでにキャンセルされています。")
        if reg.status is S.ATTENDED:
            raise UserError("出席済みの申込はキャンセルできません。")
        reg.status = S.CANCELLED
        reg.booth_number = None
        session.flush()
        moved = promote_waitlist(session, event)
        return CancelResult(_info(session, reg), moved)


def update_sign_up(db: Database, actor: Actor, registration_id: int, version: int,
                   draft: SignUpDraft) -> CancelResult:
    """Change party size, notes or booth needs. More people than the free seats allow are
    refused; fewer free seats for the waitlist."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    cleaned = clean_sign_up(draft)
    with db.writing(actor) as session:
        event, reg = _lock_event_of(session, registration_id)
        if reg.version != version:
            raise UserError("この申込は、開いた後に他の窓口で変更されました。開き直してください。")
        if cleaned.contact_id != reg.contact_id:
            raise UserError("申込者は変更できません。キャンセルして新しく受け付けてください。")
        growth = cleaned.party_size - reg.party_size
        if growth > 0 and reg.status is S.CONFIRMED and event.capacity is not None:
            free = event_detail(session, event).seats.free or 0
            if growth > free:
                raise ValidationError.single(
                    "party_size", f"空きが{free}席のため、{cleaned.party_size}名には増やせません。")
        reg.party_size, reg.notes = cleaned.party_size, cleaned.notes
        reg.booth_tables, reg.booth_chairs = cleaned.booth_tables, cleaned.booth_chairs
        reg.booth_power, reg.booth_space = cleaned.booth_power, cleaned.booth_space
        session.flush()
        moved = promote_waitlist(session, event)
        return CancelResult(_info(session, reg), moved)


def promote_waitlist(session: Session, event: Event, now: datetime | None = None) -> WaitlistMove:
    """Move waitlisted parties up as the event's queue rule and free seats allow.

    Call with the event's lock held. Each promoted sign-up is marked to be called, with its
    seat held until `offer_until`.
    """
    now = now or datetime.now(UTC)
    waiting = session.execute(
        select(Registration.id, Registration.party_size)
        .where(Registration.event_id == event.id, Registration.status == S.WAITLISTED)
        .order_by(Registration.queue_number)
    ).all()
    seats = seat_counts(session, [event.id], {event.id: event.capacity})[event.id]
    plan = plan_promotions(seats.free, [Waiting(i, n) for i, n in waiting], event.queue_rule)
    for reg_id in plan.promoted:
        reg = session.get(Registration, reg_id)
        assert reg is not None
        reg.status = S.CONFIRMED
        reg.promoted_at = now
        reg.offer_until = now + timedelta(hours=event.offer_hold_hours)
        reg.contacted_at = None
    session.flush()
    promoted = tuple(registration_infos(session, event.id, set(plan.promoted))) if plan.promoted else ()
    return WaitlistMove(promoted, plan.reason)


def record_offer_reply(db: Database, actor: Actor, registration_id: int, *,
                       accepted: bool) -> CancelResult:
    """The promoted person was called: 参加 keeps the seat; 辞退 frees it for the next in line."""
    if not accepted:
        return cancel_registration(db, actor, registration_id)
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        _event, reg = _lock_event_of(session, registration_id)
        if reg.status is not S.CONFIRMED:
            raise UserError("この申込は受付済ではありません。一覧を更新してください。")
        reg.contacted_at = datetime.now(UTC)
        reg.offer_until = None
        return CancelResult(_info(session, reg), WaitlistMove((), ""))


def promote_out_of_order(db: Database, actor: Actor, registration_id: int,
                         reason: str) -> RegistrationInfo:
    """Confirm a waitlisted sign-up ahead of its turn (順番の繰り上げ): free seats are needed,
    and the reason is required and written to the audit log."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    reason = reason.strip()
    if not reason:
        raise ValidationError.single("reason", "順番を飛ばして繰り上げる理由を入力してください。")
    with db.writing(actor) as session:
        event, reg = _lock_event_of(session, registration_id)
        if reg.status is not S.WAITLISTED:
            raise UserError("キャンセル待ちの申込ではありません。一覧を更新してください。")
        free = event_detail(session, event).seats.free
        if free is not None and reg.party_size > free:
            raise UserError(f"空きが{free}席のため、{reg.party_size}名の組は繰り上げられません。")
        now = datetime.now(UTC)
        reg.status, reg.promoted_at, reg.contacted_at = S.CONFIRMED, now, now
        session.flush()
        record_event(session, actor, "queue_jump", Registration.__tablename__, reg.id,
                     {"event_id": event.id, "reason": reason})
        return _info(session, reg)


def mark_no_shows(db: Database, actor: Actor, event_id: int) -> int:
    """After the event: every confirmed sign-up that never checked in becomes 欠席."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        load_event(session, event_id, lock=True)
        regs = session.scalars(select(Registration).where(
            Registration.event_id == event_id, Registration.status == S.CONFIRMED)).all()
        for reg in regs:
            reg.status = S.NO_SHOW
        return len(regs)


# --- booths (ブース出展) --------------------------------------------------------------------

def assign_booth(db: Database, actor: Actor, registration_id: int,
                 booth_number: str) -> RegistrationInfo:
    """Give an exhibitor a booth number ("" takes it back); a number is given only once."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    number = booth_number.strip() or None
    try:
        with db.writing(actor) as session:
            event, reg = _lock_event_of(session, registration_id)
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


def allocate_booths(db: Database, actor: Actor, event_id: int) -> int:
    """Number every confirmed exhibitor without a booth, in arrival order, skipping numbers
    already given; returns how many were numbered."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        event = load_event(session, event_id, lock=True)
        if not event.has_booths:
            raise UserError("このイベントはブース出展を受け付けていません。")
        regs = session.scalars(select(Registration).where(
            Registration.event_id == event_id,
            Registration.status.in_([S.CONFIRMED, S.ATTENDED]))
            .order_by(Registration.queue_number)).all()
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
