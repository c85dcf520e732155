"""Course completion (修了) of つむぎすと講座 and the registry of graduates (修了者名簿).

A course with a completion rule (events.completion_sessions = N) is completed by whoever
attended at least N of its M sessions. Attendance is counted per contact: a party signed up
together counts as the one contact who signed it up (its 出席 is one per session, however many
came), and a session is counted once however often it was scanned.

The registry lists every completer of every つむぎすと講座 with a rule, by 期生, with their
地域 (the contact's district), whether they took part as city staff (the sign-up's 所属の区分
行政), and the groups they went on to join: memberships that still stand and were made after
the course's last session (加入日, memberships.joined_on, later than that day). A membership
whose 加入日 is unknown (made before the app kept it, and not found in the audit log when the
database was upgraded) is not counted as joined after: the registry claims only what it can
show.

Both are personal data: read as the sign-ups are (Resource.REGISTRATIONS), and each list
shown leaves one read row (services/read_log.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import EventKind, RegistrationStatus
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import Sector
from kyodo_desk.models import (
    Attendance,
    Contact,
    ContactKind,
    Event,
    EventSession,
    Membership,
    Registration,
)
from kyodo_desk.services.contacts import FacilityDetail, get_facility
from kyodo_desk.services.events import EventDetail, EventSessionInfo, event_detail, load_event
from kyodo_desk.services.read_log import View, log_read

CITY_STAFF = Sector.GOVERNMENT.value  # 行政: 市職員


@dataclass(frozen=True)
class Attendee:
    """One contact signed up for a course, with the sessions they attended (出席した回)."""

    contact_id: int
    name: str
    reading: str
    is_group: bool
    sector: str  # 所属の区分 given at sign-up, "" not asked
    district: str  # the contact's 地域, "" 未設定
    attended_session_ids: tuple[int, ...]  # in session order
    completed: bool  # 修了
    erased: bool  # 削除済み: no name left to print

    @property
    def attended(self) -> int:
        return len(self.attended_session_ids)

    @property
    def city_staff(self) -> bool:
        return self.sector == CITY_STAFF


@dataclass(frozen=True)
class CourseCompletion:
    """修了の状況 of one course: its rule and every contact who signed up (cancelled sign-ups
    without attendance left out), completers first, each in name order."""

    event: EventDetail
    required: int | None  # N: sessions to attend; None: the course has no rule
    attendees: tuple[Attendee, ...]

    @property
    def sessions(self) -> tuple[EventSessionInfo, ...]:
        return self.event.sessions

    @property
    def completers(self) -> tuple[Attendee, ...]:
        return tuple(a for a in self.attendees if a.completed)

    def rule_text(self) -> str:
        """「全6回のうち5回以上の出席で修了」."""
        if self.required is None:
            return "修了の条件は設けていません"
        return f"全{len(self.sessions)}回のうち{self.required}回以上の出席で修了"


@dataclass(frozen=True)
class Graduate:
    """One line of the 修了者名簿: a completer of one course."""

    contact_id: int
    name: str
    reading: str
    district: str  # 地域 of the contact, "" 未設定
    city_staff: bool  # took the course as 行政 (市職員)
    event_id: int
    course_title: str
    cohort: int | None  # 期生; None: not numbered
    finished_on: date  # the course's last session
    attended: int
    session_count: int
    groups_joined: tuple[str, ...]  # groups joined after the course, in name order


@dataclass(frozen=True)
class CertificateData:
    """What the 修了証 print draws: the course, its organising facility and its completers
    (those whose record has been erased left out: no name to print)."""

    event: EventDetail
    facility: FacilityDetail
    completion: CourseCompletion

    @property
    def graduates(self) -> tuple[Attendee, ...]:
        return tuple(a for a in self.completion.completers if not a.erased)


def cohort_label(cohort: int | None) -> str:
    """「第3期生」; "" when not numbered."""
    return f"第{cohort}期生" if cohort is not None else ""


# --- one course ---------------------------------------------------------------------------

def course_completion(db: Database, actor: Actor, event_id: int) -> CourseCompletion:
    """Who attended how many of the course's sessions, and who completed it."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        found = _course(session, event_id)
    log_read(db, actor, Registration.__tablename__, View.COURSE_COMPLETION,
             rows=len(found.attendees), event_id=event_id)
    return found


def certificate_data(db: Database, actor: Actor, event_id: int) -> CertificateData:
    """The 修了証 of every completer of the course; refused (UserError) for a course without
    a completion rule or without a completer to print."""
    found = course_completion(db, actor, event_id)
    if found.required is None:
        raise UserError(f"「{found.event.title}」には修了の条件（修了に必要な出席回数）が"
                        "ありません。イベントの編集で設定してから作成してください。")
    facility = get_facility(db, actor, found.event.facility_id)
    data = CertificateData(found.event, facility, found)
    if not data.graduates:
        raise UserError(f"「{found.event.title}」の修了者はまだいません（{found.rule_text()}）。")
    return data


def _course(session: Session, event_id: int) -> CourseCompletion:
    event = load_event(session, event_id)
    detail = event_detail(session, event)
    order = {s.id: n for n, s in enumerate(detail.sessions)}
    rows = session.execute(
        select(Registration.contact_id, Registration.status, Registration.sector,
               Contact.name, Contact.reading, Contact.kind, Contact.district, Contact.erased_on,
               Contact.sort_key)
        .join(Contact, Contact.id == Registration.contact_id)
        .where(Registration.event_id == event_id)
        .order_by(Registration.queue_number)).all()
    attended: dict[int, set[int]] = defaultdict(set)
    for contact_id, session_id in session.execute(
            select(Registration.contact_id, Attendance.session_id)
            .join(Registration, Registration.id == Attendance.registration_id)
            .where(Registration.event_id == event_id)):
        attended[contact_id].add(session_id)
    people: dict[int, tuple[Attendee, str]] = {}
    for contact_id, status, sector, name, reading, kind, district, erased_on, sort_key in rows:
        seen = sorted(attended.get(contact_id, ()), key=lambda i: order.get(i, len(order)))
        if status is RegistrationStatus.CANCELLED and not seen:
            continue
        earlier = people.get(contact_id)
        # A contact signed up twice (a cancelled sign-up, then a new one): one line, the
        # sector of the sign-up that holds the place.
        if earlier is not None and not sector:
            sector = earlier[0].sector
        completed = (detail.completion_sessions is not None
                     and len(seen) >= detail.completion_sessions)
        people[contact_id] = (Attendee(
            contact_id, name, reading or "", kind is ContactKind.GROUP, sector or "",
            district or "", tuple(seen), completed, erased_on is not None), sort_key or "")
    ordered = sorted(people.values(), key=lambda p: (not p[0].completed, p[1], p[0].contact_id))
    return CourseCompletion(detail, detail.completion_sessions, tuple(p for p, _ in ordered))


# --- the registry -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Course:
    title: str
    cohort: int | None
    required: int
    session_count: int
    last_day: date


def graduates(db: Database, actor: Actor, *, cohort: int | None = None) -> list[Graduate]:
    """修了者名簿: every completer of every つむぎすと講座 with a completion rule (only the
    *cohort* given), by 期生 (unnumbered courses last), then course, then name."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        found = _graduates(session, cohort)
    log_read(db, actor, Registration.__tablename__, View.GRADUATES, rows=len(found),
             filters=("cohort",) if cohort is not None else ())
    return found


def cohorts(db: Database, actor: Actor) -> list[int]:
    """The 期生 numbers given to つむぎすと講座, in order (no personal data: not logged)."""
    actor.require(Action.READ, Resource.EVENTS)
    with db.reading(actor) as session:
        return list(session.scalars(
            select(Event.cohort).distinct()
            .where(Event.kind == EventKind.TSUMUGIST, Event.cohort.is_not(None))
            .order_by(Event.cohort)))


def _graduates(session: Session, cohort: int | None) -> list[Graduate]:
    courses_stmt = (select(Event.id, Event.title, Event.cohort, Event.completion_sessions,
                           func.count(EventSession.id), func.max(EventSession.held_on))
                    .join(EventSession, EventSession.event_id == Event.id)
                    .where(Event.kind == EventKind.TSUMUGIST,
                           Event.completion_sessions.is_not(None))
                    .group_by(Event.id))
    if cohort is not None:
        courses_stmt = courses_stmt.where(Event.cohort == cohort)
    courses = {row[0]: _Course(row[1], row[2], row[3] or 0, row[4], row[5])
               for row in session.execute(courses_stmt)}
    if not courses:
        return []
    # Sessions attended per course and contact: a party is its contact, a session once.
    counted = session.execute(
        select(Registration.event_id, Registration.contact_id,
               func.count(func.distinct(Attendance.session_id)), func.max(Registration.sector))
        .join(Attendance, Attendance.registration_id == Registration.id)
        .where(Registration.event_id.in_(list(courses)))
        .group_by(Registration.event_id, Registration.contact_id)).all()
    done = [(event_id, contact_id, n, sector) for event_id, contact_id, n, sector in counted
            if n >= courses[event_id].required]
    if not done:
        return []
    contact_ids = sorted({contact_id for _, contact_id, _, _ in done})
    contacts = {row[0]: row[1:] for row in session.execute(
        select(Contact.id, Contact.name, Contact.reading, Contact.district, Contact.sort_key)
        .where(Contact.id.in_(contact_ids)))}
    joined = _memberships_made(session, contact_ids)
    out: list[tuple[tuple[bool, int, date, int, str, int], Graduate]] = []
    for event_id, contact_id, n, sector in done:
        course = courses[event_id]
        name, reading, district, sort_key = contacts[contact_id]
        groups = sorted({group for group, made in joined.get(contact_id, ())
                         if made > course.last_day})
        graduate = Graduate(contact_id, name, reading or "", district or "",
                            sector == CITY_STAFF, event_id, course.title, course.cohort,
                            course.last_day, n, course.session_count, tuple(groups))
        key = (course.cohort is None, course.cohort or 0, course.last_day, event_id,
               sort_key or "", contact_id)
        out.append((key, graduate))
    return [g for _, g in sorted(out, key=lambda pair: pair[0])]


def _memberships_made(session: Session, person_ids: list[int]) -> dict[int, list[tuple[str, date]]]:
    """The groups each person belongs to now, with the day they joined (加入日); a
    membership of unknown date is left out (see the module)."""
    out: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for person_id, group_name, joined_on in session.execute(
            select(Membership.person_id, Contact.name, Membership.joined_on)
            .join(Contact, Contact.id == Membership.group_id)
            .where(Membership.person_id.in_(person_ids))):
        if joined_on is not None:
            out[person_id].append((group_name, joined_on))
    return out
