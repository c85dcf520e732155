"""Events (イベント): create, change, copy for next year, list, and the month calendar.

Sign-ups live in `registrations`; this module owns the event itself and its sessions. A change
of capacity is made under the event's row lock, like a sign-up, so it can neither drop below
the seats already given nor race a counter that is giving the last one; the sign-ups it moves
up from the waitlist are locked after it (the lock order of services/events/registrations.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import ScalarSelect, SQLColumnExpression, bindparam, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain import validation
from kyodo_desk.domain.bounds import FIELD_BOUNDS
from kyodo_desk.domain.bounds import problem as bound_problem
from kyodo_desk.domain.dates import clock, full_date, japan_time, next_year_title
from kyodo_desk.domain.errors import ConcurrentEdit, FieldProblem, NotFound, ValidationError
from kyodo_desk.domain.events import (
    SEAT_HOLDING,
    EventKind,
    QueueRule,
    RegistrationStatus,
    free_seats,
    signup_window_problem,
)
from kyodo_desk.domain.holidays import ClosedDays, day_warnings
from kyodo_desk.domain.labels import DISTRICT_CHOICES
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.questions import Question, cleaned_question, question_problems
from kyodo_desk.domain.text import fold_query
from kyodo_desk.models import (
    Attendance,
    Event,
    EventQuestion,
    EventSession,
    Facility,
    Registration,
)

MAX_CAPACITY = 10_000
MAX_FEE = 1_000_000


@dataclass(frozen=True)
class SessionDraft:
    """開催日時 as entered: a date, optional start and end times, an optional label."""

    held_on: date
    start_time: time | None = None
    end_time: time | None = None
    label: str = ""


@dataclass(frozen=True)
class EventDraft:
    """What the event form hands over. *capacity* None means 定員なし."""

    kind: EventKind
    title: str
    facility_id: int
    sessions: tuple[SessionDraft, ...]
    title_reading: str = ""
    description: str = ""
    venue_facility_id: int | None = None
    venue_name: str = ""
    venue_address: str = ""
    capacity: int | None = None
    signup_opens_on: date | None = None
    signup_closes_on: date | None = None
    audience: str = ""
    fee: int = 0
    fee_note: str = ""
    how_to_apply: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    url: str = ""
    queue_rule: QueueRule = QueueRule.STRICT
    offer_hold_hours: int = 48
    has_booths: bool = False
    cancelled: bool = False
    district: str = ""  # 地域 (domain.labels.DISTRICT_CHOICES), "" 未設定
    # つむぎすと講座: 修了 at this many sessions attended (None: no rule), and the 期生 number.
    completion_sessions: int | None = None
    cohort: int | None = None
    questions: tuple[Question, ...] = ()  # 申込時の質問, in the order asked
    # 抽選: applications taken until this day, then drawn (None: first come, first served).
    lottery_until: date | None = None


@dataclass(frozen=True)
class EventSessionInfo:
    id: int
    held_on: date
    start_time: time | None
    end_time: time | None
    label: str


@dataclass(frozen=True)
class SeatCount:
    """席の状況: seats held by confirmed/attended sign-ups, and the waitlist's size."""

    capacity: int | None
    taken: int
    waiting_parties: int
    last_number: int = 0  # the last 受付番号 given (cancelled sign-ups included)
    applied_parties: int = 0  # 抽選待ち: applications to a lottery not drawn yet
    applied_people: int = 0

    @property
    def free(self) -> int | None:
        return free_seats(self.capacity, self.taken)

    def label(self) -> str:
        """e.g. 「32/50名（残り18）・キャンセル待ち3組」; before a draw 「抽選申込12組20名
        （定員20名）」, the applications first: no seat is taken until the draw."""
        applied = f"抽選申込{self.applied_parties}組{self.applied_people}名"
        if self.applied_parties and not self.taken and self.capacity is not None:
            return f"{applied}（定員{self.capacity}名）"
        text = (f"{self.taken}名（定員なし）" if self.capacity is None
                else f"{self.taken}/{self.capacity}名（残り{self.free}）")
        if self.applied_parties:
            text += f"・{applied}"
        if self.waiting_parties:
            text += f"・キャンセル待ち{self.waiting_parties}組"
        return text


@dataclass(frozen=True)
class EventDetail:
    id: int
    kind: EventKind
    title: str
    title_reading: str
    description: str
    facility_id: int
    facility_name: str
    venue_facility_id: int | None
    venue_name: str  # what a leaflet prints: the facility's name or the free text
    venue_address: str
    capacity: int | None
    signup_opens_on: date | None
    signup_closes_on: date | None
    audience: str
    fee: int
    fee_note: str
    how_to_apply: str
    contact_name: str
    contact_phone: str
    url: str
    queue_rule: QueueRule
    offer_hold_hours: int
    has_booths: bool
    cancelled: bool
    sessions: tuple[EventSessionInfo, ...]
    seats: SeatCount
    version: int
    district: str = ""  # 地域, "" 未設定
    completion_sessions: int | None = None  # 修了に必要な出席回数 (None: no rule)
    cohort: int | None = None  # 期生
    questions: tuple[Question, ...] = ()  # 申込時の質問
    lottery_until: date | None = None  # 抽選の申込締切 (None: 先着順)
    lottery_drawn_at: datetime | None = None  # when the draw was made (None: not yet)

    @property
    def first_day(self) -> date:
        return self.sessions[0].held_on

    @property
    def last_day(self) -> date:
        return self.sessions[-1].held_on

    def signup_window_problem(self, today: date) -> str | None:
        """Why a sign-up today is outside the window (受付期間外), or None."""
        return signup_window_problem(self.signup_opens_on, self.signup_closes_on, today)

    def session_for(self, today: date) -> EventSessionInfo:
        """The session a door check-in today belongs to: today's, else the next, else the last."""
        for s in self.sessions:
            if s.held_on >= today:
                return s
        return self.sessions[-1]

    def as_draft(self) -> EventDraft:
        return EventDraft(
            kind=self.kind, title=self.title, facility_id=self.facility_id,
            sessions=tuple(SessionDraft(s.held_on, s.start_time, s.end_time, s.label)
                           for s in self.sessions),
            title_reading=self.title_reading, description=self.description,
            venue_facility_id=self.venue_facility_id,
            venue_name="" if self.venue_facility_id else self.venue_name,
            venue_address="" if self.venue_facility_id else self.venue_address,
            capacity=self.capacity, signup_opens_on=self.signup_opens_on,
            signup_closes_on=self.signup_closes_on, audience=self.audience, fee=self.fee,
            fee_note=self.fee_note, how_to_apply=self.how_to_apply,
            contact_name=self.contact_name, contact_phone=self.contact_phone, url=self.url,
            queue_rule=self.queue_rule, offer_hold_hours=self.offer_hold_hours,
            has_booths=self.has_booths, cancelled=self.cancelled, district=self.district,
            completion_sessions=self.completion_sessions, cohort=self.cohort,
            questions=self.questions, lottery_until=self.lottery_until,
        )


@dataclass(frozen=True)
class EventSummary:
    """One row of the event list."""

    id: int
    kind: EventKind
    title: str
    facility_name: str
    first_day: date
    last_day: date
    start_time: time | None
    session_count: int
    seats: SeatCount
    cancelled: bool
    district: str = ""  # 地域, "" 未設定
    lottery_until: date | None = None  # 抽選の申込締切 (None: 先着順)
    lottery_drawn: bool = False  # 抽選済: its 抽選結果 can be printed


@dataclass(frozen=True)
class CalendarEntry:
    """One session on the month calendar."""

    event_id: int
    held_on: date
    start_time: time | None
    title: str
    kind: EventKind
    cancelled: bool


# --- validation ---------------------------------------------------------------------------

def clean_event_draft(draft: EventDraft) -> EventDraft:
    """The draft as stored, or ValidationError naming every field at fault."""
    problems: list[FieldProblem] = []

    def check(field: str, fn: Callable[[str], str], value: str) -> str:
        try:
            return fn(value)
        except ValidationError as exc:
            problems.extend(FieldProblem(field, p.message) for p in exc.problems)
            return value

    title = draft.title.strip()
    if not title:
        problems.append(FieldProblem("title", "イベント名を入力してください。"))
    reading = check("title_reading", validation.reading, draft.title_reading)
    phone = check("contact_phone", validation.phone, draft.contact_phone)
    url = check("url", validation.web_address, draft.url)
    if not draft.sessions:
        problems.append(FieldProblem("sessions", "開催日を1日以上入力してください。"))
    for n, s in enumerate(draft.sessions, start=1):
        if s.start_time and s.end_time and s.end_time <= s.start_time:
            problems.append(FieldProblem(
                "sessions", f"開催日{n}（{full_date(s.held_on)}）の終了時刻 {clock(s.end_time)} が"
                f"開始時刻 {clock(s.start_time)} より前です。"))
    if draft.capacity is not None and not 1 <= draft.capacity <= MAX_CAPACITY:
        problems.append(FieldProblem(
            "capacity", f"定員は1～{MAX_CAPACITY:,}名で入力してください（定員を設けないときは空欄）。"))
    if not 0 <= draft.fee <= MAX_FEE:
        problems.append(FieldProblem("fee", "参加費は0円以上の金額で入力してください（無料は0）。"))
    if (draft.signup_opens_on and draft.signup_closes_on
            and draft.signup_closes_on < draft.signup_opens_on):
        problems.append(FieldProblem("signup_closes_on", "受付の締切日が受付開始日より前です。"))
    last_day = max((s.held_on for s in draft.sessions), default=None)
    if draft.signup_closes_on and last_day and draft.signup_closes_on > last_day:
        problems.append(FieldProblem("signup_closes_on",
                                     f"受付の締切日が最終開催日（{full_date(last_day)}）より後です。"))
    if not draft.venue_facility_id and not draft.venue_name.strip():
        problems.append(FieldProblem("venue", "会場を施設から選ぶか、会場名を入力してください。"))
    if draft.district not in ("", *DISTRICT_CHOICES):
        problems.append(FieldProblem("district", "地域は一覧から選んでください。"))
    if not 0 <= draft.offer_hold_hours <= 24 * 14:
        problems.append(FieldProblem("offer_hold_hours", "繰り上げの回答期限は0～336時間で入力してください。"))
    problems += course_problems(draft)
    problems += question_problems(draft.questions)
    problems += lottery_problems(draft)
    if problems:
        raise ValidationError(problems)
    sessions = tuple(sorted(
        (replace(s, label=s.label.strip()) for s in draft.sessions),
        key=lambda s: (s.held_on, s.start_time or time.min)))
    return replace(
        draft, title=title, title_reading=reading, contact_phone=phone, url=url,
        sessions=sessions, venue_name=draft.venue_name.strip(),
        venue_address=draft.venue_address.strip(), description=draft.description.strip(),
        audience=draft.audience.strip(), contact_name=draft.contact_name.strip(),
        fee_note=draft.fee_note.strip(), how_to_apply=draft.how_to_apply.strip(),
        questions=tuple(cleaned_question(q) for q in draft.questions),
    )


def lottery_problems(draft: EventDraft) -> list[FieldProblem]:
    """A lottery needs a capacity to draw for, and its closing day within the sign-up window
    and before the first session."""
    if draft.lottery_until is None:
        return []
    found: list[FieldProblem] = []
    if draft.capacity is None:
        found.append(FieldProblem("lottery_until", "抽選にするには定員を入力してください。"))
    first_day = min((s.held_on for s in draft.sessions), default=None)
    if first_day and draft.lottery_until >= first_day:
        found.append(FieldProblem("lottery_until",
                                  f"抽選の申込締切日は初回の開催日（{full_date(first_day)}）より前にしてください。"))
    if draft.signup_opens_on and draft.lottery_until < draft.signup_opens_on:
        found.append(FieldProblem("lottery_until", "抽選の申込締切日が受付開始日より前です。"))
    return found


def refuse_lottery_change(event: Event, draft: EventDraft) -> None:
    """After the draw, its 抽選の申込締切 stays as drawn: the 抽選結果 prints it, and the
    applicants were fixed by it."""
    if event.lottery_drawn_at is not None and draft.lottery_until != event.lottery_until:
        assert event.lottery_until is not None  # only a lottery is drawn
        drawn_on = japan_time(event.lottery_drawn_at).date()
        raise ValidationError.single(
            "lottery_until", f"抽選は{full_date(drawn_on)}に済んでいるため、抽選の設定"
            f"（申込締切 {full_date(event.lottery_until)}）は変更・解除できません。")


def course_problems(draft: EventDraft) -> list[FieldProblem]:
    """What is wrong with the completion rule (修了に必要な出席回数: 1 to the number of
    sessions) and the 期生 number (domain/bounds.py)."""
    found: list[FieldProblem] = []
    sessions = len(draft.sessions)
    if draft.completion_sessions is not None and not 1 <= draft.completion_sessions <= max(
            sessions, 1):
        found.append(FieldProblem(
            "completion_sessions", f"修了に必要な出席回数は1～{max(sessions, 1)}回（開催日の数まで）"
            "で入力してください（修了の条件を設けないときは空欄）。"))
    bound = FIELD_BOUNDS["events"]["cohort"]
    if draft.cohort is not None and (problem := bound_problem("cohort", bound, draft.cohort)):
        found.append(problem)
    return found


# --- days to warn about (祝日・休館日) ------------------------------------------------------

def session_day_warnings(sessions: Sequence[SessionDraft],
                         closed: ClosedDays | None = None) -> list[str]:
    """「12月29日（火）は休館日です」「1月12日（月）は成人の日です」: the *sessions* on their
    venue's 休館日 (*closed*: ClosedDays.of the venue facility; None: a venue that is none
    of the facilities) or on a national holiday. A warning only: a save is never refused for
    it (a festa is held on a holiday on purpose)."""
    return day_warnings([s.held_on for s in sessions], closed)


def event_day_warnings(db: Database, actor: Actor, draft: EventDraft) -> list[str]:
    """session_day_warnings, the venue's 休館日 read from the database (the command line, an
    import: whatever has no form that read the facilities first)."""
    actor.require(Action.READ, Resource.EVENTS)
    closed = None
    if draft.venue_facility_id is not None:
        with db.reading(actor) as session:
            venue = session.get(Facility, draft.venue_facility_id)
            if venue is not None:
                closed = ClosedDays.of(venue.open_days, venue.closed_days)
    return session_day_warnings(draft.sessions, closed)


# --- read ---------------------------------------------------------------------------------

def get_event(db: Database, actor: Actor, event_id: int) -> EventDetail:
    actor.require(Action.READ, Resource.EVENTS)
    with db.reading(actor) as session:
        return event_detail(session, load_event(session, event_id))


def load_event(session: Session, event_id: int, *, lock: bool = False) -> Event:
    """The event row; with *lock*, held FOR UPDATE until the transaction ends (the seat lock)."""
    stmt = select(Event).where(Event.id == event_id)
    if lock:
        stmt = stmt.with_for_update()
    event = session.scalars(stmt).first()
    if event is None:
        raise NotFound("このイベントは見つかりません（他の窓口で削除された可能性があります）。")
    return event


def seat_count_columns(event_id: SQLColumnExpression[int]) -> tuple[ScalarSelect[int], ...]:
    """The seats of the event *event_id*, as SeatCount takes them after its capacity: taken,
    waiting parties, last 受付番号, and the lottery's applications (抽選待ち: parties, people).

    Every figure comes from an index, never from the sign-ups' rows: the seats taken read the
    seat holders' entries only (no more than the capacity), the waitlist is counted without
    reading its entries' values, and the last 受付番号 is the end of the event's queue index.
    """
    of_event = Registration.event_id == event_id
    taken = select(func.coalesce(func.sum(Registration.party_size), 0)) \
        .where(of_event, Registration.status.in_(SEAT_HOLDING))
    waiting = select(func.count()).select_from(Registration) \
        .where(of_event, Registration.status == RegistrationStatus.WAITLISTED)
    last = select(func.coalesce(func.max(Registration.queue_number), 0)).where(of_event)
    # Read off the same index as the seats taken (status, then party_size in its entries).
    applied = Registration.status == RegistrationStatus.APPLIED
    applied_parties = select(func.count()).select_from(Registration).where(of_event, applied)
    applied_people = select(func.coalesce(func.sum(Registration.party_size), 0)) \
        .where(of_event, applied)
    return (taken.scalar_subquery(), waiting.scalar_subquery(), last.scalar_subquery(),
            applied_parties.scalar_subquery(), applied_people.scalar_subquery())


# Built once: the event list counts many events' seats with it.
_SEATS = select(Event.id, *seat_count_columns(Event.id)) \
    .where(Event.id.in_(bindparam("event_ids", expanding=True)))


def seat_counts(session: Session, event_ids: Sequence[int],
                capacities: dict[int, int | None]) -> dict[int, SeatCount]:
    rows = session.execute(_SEATS, {"event_ids": list(event_ids)}).all()
    return {event_id: SeatCount(capacities[event_id], *figures)
            for event_id, *figures in rows}


def event_detail(session: Session, e: Event) -> EventDetail:
    facility_name = session.scalar(select(Facility.name).where(Facility.id == e.facility_id))
    venue_name, venue_address = e.venue_name, e.venue_address
    if e.venue_facility_id:
        venue = session.get(Facility, e.venue_facility_id)
        if venue is not None:
            venue_name = venue.name
            venue_address = " ".join(p for p in (venue.address, venue.building) if p)
    return EventDetail(
        id=e.id, kind=e.kind, title=e.title, title_reading=e.title_reading,
        description=e.description, facility_id=e.facility_id,
        facility_name=facility_name or "", venue_facility_id=e.venue_facility_id,
        venue_name=venue_name, venue_address=venue_address, capacity=e.capacity,
        signup_opens_on=e.signup_opens_on, signup_closes_on=e.signup_closes_on,
        audience=e.audience, fee=e.fee, fee_note=e.fee_note, how_to_apply=e.how_to_apply,
        contact_name=e.contact_name, contact_phone=e.contact_phone, url=e.url,
        queue_rule=e.queue_rule, offer_hold_hours=e.offer_hold_hours, has_booths=e.has_booths,
        cancelled=e.cancelled, district=e.district,
        completion_sessions=e.completion_sessions, cohort=e.cohort,
        questions=tuple(Question(q.prompt, q.kind, tuple(q.choices.splitlines()) if q.choices
                                 else (), q.required, q.id) for q in e.questions),
        lottery_until=e.lottery_until, lottery_drawn_at=e.lottery_drawn_at,
        sessions=tuple(EventSessionInfo(s.id, s.held_on, s.start_time, s.end_time, s.label)
                       for s in e.sessions),
        seats=seat_counts(session, [e.id], {e.id: e.capacity})[e.id],
        version=e.version,
    )


def list_events(db: Database, actor: Actor, *, query: str = "", start: date | None = None,
                end: date | None = None, facility_id: int | None = None,
                meeting_on: date | None = None,
                district: str | None = None) -> list[EventSummary]:
    """Events with a session between *start* and *end* (either open), soonest first;
    with *meeting_on*, only those with a session that day (a course spans days it skips);
    with *district*, only those of that 地域 ("" for those with none set)."""
    actor.require(Action.READ, Resource.EVENTS)
    first = func.min(EventSession.held_on)
    last = func.max(EventSession.held_on)
    stmt = (select(Event.id, Event.kind, Event.title, Facility.name, first, last,
                   func.count(EventSession.id), Event.capacity, Event.cancelled, Event.district,
                   Event.lottery_until, Event.lottery_drawn_at)
            .join(EventSession, EventSession.event_id == Event.id)
            .join(Facility, Facility.id == Event.facility_id)
            .group_by(Event.id, Facility.name)
            .order_by(first, Event.id))
    if start:
        stmt = stmt.having(last >= start)
    if end:
        stmt = stmt.having(first <= end)
    if facility_id:
        stmt = stmt.where(Event.facility_id == facility_id)
    if district is not None:
        stmt = stmt.where(Event.district == district)
    if meeting_on:
        stmt = stmt.where(Event.id.in_(select(EventSession.event_id)
                                       .where(EventSession.held_on == meeting_on)))
    folded = fold_query(query)
    if folded:
        stmt = stmt.where(db.backend.contains(Event.search_text, folded))
    with db.reading(actor) as session:
        rows = session.execute(stmt).all()
        ids = [r[0] for r in rows]
        seats = seat_counts(session, ids, {r[0]: r[7] for r in rows}) if ids else {}
        first_times = dict(session.execute(
            select(EventSession.event_id, func.min(EventSession.start_time))
            .where(EventSession.event_id.in_(ids)).group_by(EventSession.event_id)).all())
    return [EventSummary(r[0], r[1], r[2], r[3], r[4], r[5], first_times.get(r[0]), r[6],
                         seats[r[0]], r[8], r[9], r[10], r[11] is not None) for r in rows]


def calendar_month(db: Database, actor: Actor, year: int, month: int) -> list[CalendarEntry]:
    """Every session held in the month, in date and time order (the calendar view)."""
    actor.require(Action.READ, Resource.EVENTS)
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    with db.reading(actor) as session:
        rows = session.execute(
            select(EventSession.event_id, EventSession.held_on, EventSession.start_time,
                   Event.title, Event.kind, Event.cancelled)
            .join(Event, Event.id == EventSession.event_id)
            .where(EventSession.held_on >= start, EventSession.held_on < end)
            .order_by(EventSession.held_on, EventSession.start_time, Event.id)
        ).all()
    return [CalendarEntry(*r) for r in rows]


def list_events_for_export(db: Database, actor: Actor, *, start: date | None = None,
                           end: date | None = None) -> list[EventDetail]:
    """Whole events (with sessions) for the open-data export and printed lists."""
    actor.require(Action.READ, Resource.EVENTS)
    ids = [s.id for s in list_events(db, actor, start=start, end=end)]
    with db.reading(actor) as session:
        events = session.scalars(select(Event).where(Event.id.in_(ids))
                                 .options(selectinload(Event.sessions),
                                          selectinload(Event.questions))).all()
        by_id = {e.id: event_detail(session, e) for e in events}
    return [by_id[i] for i in ids]


# --- write --------------------------------------------------------------------------------

@retry_on_contention
def create_event(db: Database, actor: Actor, draft: EventDraft) -> EventDetail:
    actor.require(Action.CREATE, Resource.EVENTS)
    cleaned = clean_event_draft(draft)
    with db.writing(actor) as session:
        event = Event()
        _apply(session, event, cleaned)
        session.add(event)
        session.flush()
        return event_detail(session, event)


@retry_on_contention
def update_event(db: Database, actor: Actor, event_id: int, version: int,
                 draft: EventDraft) -> EventDetail:
    """Save the event as changed from *version*. A capacity below the seats already given is
    refused; a higher one moves the waitlist up (see registrations.promote_waitlist)."""
    from kyodo_desk.services.events.registrations import promote_waitlist

    actor.require(Action.CHANGE, Resource.EVENTS)
    cleaned = clean_event_draft(draft)
    try:
        with db.writing(actor) as session:
            event = load_event(session, event_id, lock=True)
            if event.version != version:
                raise ConcurrentEdit("イベント")
            seats = seat_counts(session, [event.id], {event.id: event.capacity})[event.id]
            refuse_lottery_change(event, cleaned)
            if cleaned.capacity is not None and cleaned.capacity < seats.taken:
                raise ValidationError.single(
                    "capacity", f"定員を{cleaned.capacity}名にはできません。すでに{seats.taken}名の"
                    "受付が確定しています（先にキャンセルの手続きをしてください）。")
            _apply(session, event, cleaned)
            session.flush()
            promote_waitlist(session, event)
            session.flush()
            return event_detail(session, event)
    except StaleDataError:
        raise ConcurrentEdit("イベント") from None



def _apply(session: Session, e: Event, d: EventDraft) -> None:
    for name in ("kind", "title", "title_reading", "description", "facility_id",
                 "venue_facility_id", "venue_name", "venue_address", "capacity",
                 "signup_opens_on", "signup_closes_on", "audience", "fee", "fee_note",
                 "how_to_apply", "contact_name", "contact_phone", "url", "queue_rule",
                 "offer_hold_hours", "has_booths", "cancelled", "district",
                 "completion_sessions", "cohort", "lottery_until"):
        setattr(e, name, getattr(d, name))
    _apply_questions(e, d.questions)
    kept = {(s.held_on, s.start_time): s for s in e.sessions}
    sessions = []
    for s in d.sessions:
        # A session kept by date and time keeps its id, and so its attendance.
        row = kept.pop((s.held_on, s.start_time), None) or EventSession()
        row.held_on, row.start_time, row.end_time, row.label = (s.held_on, s.start_time,
                                                                s.end_time, s.label)
        sessions.append(row)
    dropped = [s.id for s in kept.values() if s.id is not None]
    if dropped and session.scalar(select(func.count()).select_from(Attendance)
                                  .where(Attendance.session_id.in_(dropped))):
        raise ValidationError.single(
            "sessions", "出席を記録した開催日は削除できません（日時を変えるときは、その開催日を"
            "残したまま新しい開催日を追加してください）。")
    e.sessions = sessions


def _apply_questions(e: Event, questions: Sequence[Question]) -> None:
    """The event's questions as drafted: one kept by id keeps its answers; one removed takes
    its answers with it."""
    kept = {q.id: q for q in e.questions}
    rows = []
    for position, q in enumerate(questions, start=1):
        row = kept.pop(q.id, None) if q.id is not None else None
        row = row or EventQuestion()
        row.position, row.prompt, row.kind = position, q.prompt, q.kind
        row.choices, row.required = "\n".join(q.choices), q.required
        rows.append(row)
    e.questions = rows


# --- copy for next year -------------------------------------------------------------------

def next_year_date(d: date) -> date:
    """The same weekday a year later (第2土曜 stays a Saturday): 52 weeks on, one or two days
    before the calendar date."""
    return d + timedelta(weeks=52)


def copy_for_next_year(db: Database, actor: Actor, event_id: int) -> EventDraft:
    """A draft of next year's event: same content, dates moved to the same weekday a year on,
    years in the title counted up. Nothing is saved until the form is saved."""
    actor.require(Action.CREATE, Resource.EVENTS)
    d = get_event(db, actor, event_id).as_draft()

    def shift(day: date | None) -> date | None:
        return next_year_date(day) if day else None

    return replace(
        d, title=next_year_title(d.title), cancelled=False,
        sessions=tuple(replace(s, held_on=next_year_date(s.held_on)) for s in d.sessions),
        questions=tuple(replace(q, id=None) for q in d.questions),
        lottery_until=shift(d.lottery_until),
        signup_opens_on=shift(d.signup_opens_on), signup_closes_on=shift(d.signup_closes_on))
