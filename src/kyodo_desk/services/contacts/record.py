"""The contact's whole history (団体カルテ / 個人カルテ): one group's or person's consultations,
sign-ups and attendance, grant cases, memberships, and its path through the guideline's steps.

Read in one transaction with a fixed number of queries, each answered from an index (the
consultee's, the sign-up's contact, the case's group, the membership's keys, the primary keys):
the cost does not grow with the number of records the contact has, beyond reading them.

What the reader sees follows the permission table, as every screen does:

- 相談記録: every consultation of the contact is listed by date and facility. One the reader
  may open (自施設 or 全施設) shows its topics, channel, staff, status and the start of what was
  asked, as the consultation list does (opening the record itself is audited there); one of
  another facility, and every one for a count-only reader (件数のみ), shows only as 「相談あり」.
  Its content is never read from the database.
- 交付金案件: only for those who may read grant cases; counter staff get the section left out
  and a line saying so, and the steps are then judged without the grant cases.
- A merge moves every row of the merged record here, so its history is this one's already;
  the records merged into this one are listed by number and name.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import japan_time
from kyodo_desk.domain.errors import NotFound
from kyodo_desk.domain.events import REGISTRATION_STATUS_LABELS, EventKind, RegistrationStatus
from kyodo_desk.domain.grants import (
    ADOPTED_OR_LATER,
    STAGE_LABELS,
    CaseMoney,
    GrantKind,
    Stage,
)
from kyodo_desk.domain.permissions import ROLE_LABELS, Action, Actor, Resource, Scope
from kyodo_desk.models import (
    Account,
    Attendance,
    Consultation,
    ConsultationChannel,
    ConsultationStatus,
    ConsultationTopic,
    ConsultationTopicLink,
    Contact,
    ContactKind,
    ContactMerge,
    Event,
    EventSession,
    Facility,
    GrantCase,
    GrantCaseMove,
    GrantProgramme,
    Membership,
    Registration,
)
from kyodo_desk.services.consultations import CHANNEL_LABELS, STATUS_LABELS
from kyodo_desk.services.consultations.listing import summary
from kyodo_desk.services.contacts import Affiliation, ContactDetail
from kyodo_desk.services.contacts.registry import registry_of
from kyodo_desk.services.grants import case_money
from kyodo_desk.services.read_log import View, log_open

__all__ = [
    "CONSULTED", "STEP_LABELS", "STEP_MOTTOS", "ConsultationEntry", "ContactRecord",
    "GrantEntry", "GuidelineStep", "SessionEntry", "SignUpEntry", "StepReached",
    "contact_record", "representative_of",
]

CONSULTED = "相談あり"  # a consultation the reader may not open: that it took place, no more


class GuidelineStep(enum.StrEnum):
    """The guideline's three steps (秋田市市民協働指針 概要版), in order."""

    CHALLENGE = "challenge"  # チャレンジ
    STEP_UP = "step_up"  # ステップアップ
    PARTNERSHIP = "partnership"  # パートナーシップ


STEP_LABELS = {
    GuidelineStep.CHALLENGE: "チャレンジ",
    GuidelineStep.STEP_UP: "ステップアップ",
    GuidelineStep.PARTNERSHIP: "パートナーシップ",
}
STEP_MOTTOS = {
    GuidelineStep.CHALLENGE: "自分ごととして考え、やってみよう",
    GuidelineStep.STEP_UP: "活動をレベルアップし、公共サービスの担い手になろう",
    GuidelineStep.PARTNERSHIP: "未来の公共を秋田市とともに創りだそう",
}
# What reaches each step, in the words of the leaflet's ● lines, for the screen and the print.
STEP_RULES = {
    GuidelineStep.CHALLENGE: "イベント（セミナー・講座、まつり、フェスタ等）への出席、"
                             "またはセンター・サロンでの相談",
    GuidelineStep.STEP_UP: "センター職員・サロンアドバイザーへの相談、または地域づくり交付金の採択",
    GuidelineStep.PARTNERSHIP: "協働サポート交付金（市との協働事業）の採択",
}


@dataclass(frozen=True)
class ConsultationEntry:
    """One consultation of the contact. *readable* False: the reader may not open it, and
    only the day and the facility are given (`summary` is 「相談あり」)."""

    held_on: date
    facility_id: int
    facility_name: str
    readable: bool
    id: int | None = None  # None unless readable
    channel: ConsultationChannel | None = None
    topic_names: tuple[str, ...] = ()
    staff_name: str = ""
    summary: str = CONSULTED
    status: ConsultationStatus | None = None
    follow_up_due: date | None = None

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel] if self.channel is not None else ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status] if self.status is not None else ""

    @property
    def topics_label(self) -> str:
        return "、".join(self.topic_names)


@dataclass(frozen=True)
class SessionEntry:
    """One date of an event signed up for, and whether the contact was there (出席)."""

    held_on: date
    label: str
    attended: bool


@dataclass(frozen=True)
class SignUpEntry:
    """One sign-up (申込) with its event and the event's dates."""

    registration_id: int
    event_id: int
    event_title: str
    event_kind: EventKind
    facility_name: str  # 主催
    status: RegistrationStatus
    party_size: int
    walk_in: bool
    event_cancelled: bool
    sessions: tuple[SessionEntry, ...]

    @property
    def first_day(self) -> date | None:
        return self.sessions[0].held_on if self.sessions else None

    @property
    def attended_count(self) -> int:
        return sum(1 for s in self.sessions if s.attended)

    @property
    def first_attended(self) -> date | None:
        return next((s.held_on for s in self.sessions if s.attended), None)

    @property
    def status_label(self) -> str:
        """受付済, 出席, 欠席 …; 中止 when the event was called off."""
        return "中止" if self.event_cancelled else REGISTRATION_STATUS_LABELS[self.status]

    @property
    def attendance_label(self) -> str:
        """「出席 2/3回」 over the event's dates, 「出席」 for a one-day event, "" if none."""
        if not self.attended_count:
            return ""
        if len(self.sessions) == 1:
            return "出席"
        return f"出席 {self.attended_count}/{len(self.sessions)}回"


@dataclass(frozen=True)
class GrantEntry:
    """One grant case of the contact, with its stage and money."""

    case_id: int
    fiscal_year: int
    programme_name: str
    programme_kind: GrantKind
    title: str
    department: str
    stage: Stage
    money: CaseMoney
    opened_on: date | None  # the day the case was taken up (its first move)
    adopted_on: date | None  # the day it was adopted (採択), if it was

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]


@dataclass(frozen=True)
class StepReached:
    """One of the guideline's steps: the day the records first show it reached (None: not
    yet, as far as the reader may see), and what reached it."""

    step: GuidelineStep
    reached_on: date | None
    by: str = ""

    @property
    def label(self) -> str:
        return STEP_LABELS[self.step]

    @property
    def motto(self) -> str:
        return STEP_MOTTOS[self.step]

    @property
    def rule(self) -> str:
        return STEP_RULES[self.step]


@dataclass(frozen=True)
class ContactRecord:
    """団体カルテ / 個人カルテ: everything the reader may see of one contact's history."""

    contact: ContactDetail
    consultations: tuple[ConsultationEntry, ...]  # newest first
    sign_ups: tuple[SignUpEntry, ...]  # newest event first
    grant_cases: tuple[GrantEntry, ...]  # newest year first, then newest case
    representative: Affiliation | None  # a group's 代表者 (representative_of)
    steps: tuple[StepReached, ...]  # チャレンジ, ステップアップ, パートナーシップ
    merged_from: tuple[Affiliation, ...]  # records merged into this one (番号と名前)
    # Sections the reader's account may not see, with the reason (a Japanese sentence each);
    # the steps were judged without them.
    left_out: tuple[str, ...] = ()
    consultations_shown: bool = True
    sign_ups_shown: bool = True
    grant_cases_shown: bool = True

    @property
    def is_group(self) -> bool:
        return self.contact.kind is ContactKind.GROUP

    @property
    def title(self) -> str:
        return "団体カルテ" if self.is_group else "個人カルテ"

    @property
    def hidden_consultations(self) -> int:
        return sum(1 for c in self.consultations if not c.readable)

    @property
    def affiliations(self) -> tuple[Affiliation, ...]:
        """A group's members, or a person's groups."""
        return self.contact.members if self.is_group else self.contact.groups


# --- the representative -------------------------------------------------------------------

# Roles that name whoever speaks for the group (代表者), best first; 副… never does.
_HEAD_ROLES = (("代表",), ("会長", "理事長", "組合長", "委員長", "座長"))


def representative_of(members: Iterable[Affiliation],
                      registered: Affiliation | None = None) -> Affiliation | None:
    """A group's 代表者: the one the registry names (*registered*, ContactDetail.representative),
    with the role they hold among *members* if any; else, for groups registered before the
    registry had the field, the member whose role says they represent the group: 代表 (代表者,
    代表理事, 共同代表 …) before 会長, 理事長 and the like; never a deputy (副代表, 副会長); the
    first in the order given (reading order) among equals. The one place that says who it is."""
    if registered is not None:
        role = next((m.role for m in members if m.contact_id == registered.contact_id), "")
        return Affiliation(registered.contact_id, registered.name, role)
    best: tuple[int, Affiliation] | None = None
    for member in members:
        role = "".join(member.role.split())
        if not role or "副" in role:
            continue
        rank = next((n for n, words in enumerate(_HEAD_ROLES)
                     if any(word in role for word in words)), None)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, member)
    return best[1] if best else None


# --- reading --------------------------------------------------------------------------------

def contact_record(db: Database, actor: Actor, contact_id: int) -> ContactRecord:
    """The whole history of the contact *contact_id* as *actor* may see it, read in one
    transaction (see the module's docstring for what is shown to whom).

    The steps (歩み) are derived from the records, each dated with the first day it shows:

    - チャレンジ: the first day the contact took part — the first event session it was checked
      in at (出席), or its first consultation at a center or the salon, whichever came first.
    - ステップアップ: the first consultation with the staff or an advisor, or the adoption
      (採択) of a 地域づくり交付金 case, whichever came first. A contact whose first step
      was a consultation reaches both on that day: the leaflet lists the use of a center or
      the salon under チャレンジ and a consultation there under ステップアップ.
    - パートナーシップ: the adoption (採択) of a 協働サポート交付金 case — the collaboration
      project (協働事業) carried out with the city.

    A case counts from the day it moved to 採択 (or beyond); one still in 申請 or 審査, turned
    down or withdrawn before adoption does not count. Each step is dated from its own records,
    so a group that came straight to a grant shows the earlier steps as not reached. Only
    what the reader may see counts: without the right to read grant cases, no case does (the
    day of a consultation the reader may not open is shown anyway, so it counts).
    """
    actor.require(Action.READ, Resource.CONTACTS)
    consultation_scope = actor.scope(Action.READ, Resource.CONSULTATIONS)
    sees_consultations = actor.may_count(Resource.CONSULTATIONS)
    sees_sign_ups = (actor.may(Action.READ, Resource.REGISTRATIONS)
                     and actor.may(Action.READ, Resource.EVENTS))
    sees_grants = actor.may(Action.READ, Resource.GRANT_CASES)
    role = ROLE_LABELS[actor.role]
    left_out = []
    if not sees_consultations:
        left_out.append(f"相談記録は、{role}のアカウントでは表示されません。")
    if not sees_sign_ups:
        left_out.append(f"イベントの申込・出席は、{role}のアカウントでは表示されません。")
    if not sees_grants:
        left_out.append(f"交付金案件は、{role}のアカウントでは表示されません"
                        "（歩みも交付金案件を含めずに判定しています）。")
    with db.reading(actor) as session:
        contact = contact_detail(session, contact_id)
        consultations = (_consultations(session, actor, consultation_scope, contact_id)
                         if sees_consultations else [])
        sign_ups = sign_up_entries(session, contact_id) if sees_sign_ups else []
        grants = grant_entries(session, contact_id) if sees_grants else []
        merged = _merged_from(session, contact_id)
    log_open(db, actor, Contact.__tablename__, contact_id, View.CONTACT_RECORD,
             consultations=len(consultations), sign_ups=len(sign_ups), grant_cases=len(grants))
    representative = (representative_of(contact.members, contact.representative)
                      if contact.kind is ContactKind.GROUP else None)
    return ContactRecord(
        contact=contact, consultations=tuple(consultations), sign_ups=tuple(sign_ups),
        grant_cases=tuple(grants), representative=representative,
        steps=guideline_steps(consultations, sign_ups, grants), merged_from=tuple(merged),
        left_out=tuple(left_out), consultations_shown=sees_consultations,
        sign_ups_shown=sees_sign_ups, grant_cases_shown=sees_grants)


def contact_detail(session: Session, contact_id: int) -> ContactDetail:
    c = session.get(Contact, contact_id)
    if c is None:
        raise NotFound("この連絡先は見つかりません（削除された可能性があります）。一覧を更新してください。")
    groups = tuple(Affiliation(*row) for row in session.execute(
        select(Membership.group_id, Contact.name, Membership.role)
        .join(Contact, Contact.id == Membership.group_id)
        .where(Membership.person_id == contact_id)
        .order_by(Contact.sort_key, Contact.id)))
    members: tuple[Affiliation, ...] = ()
    if c.kind is ContactKind.GROUP:
        # As the detail pane lists them: removed people are no longer members. Filtered and
        # sorted here, not in SQL: given `active` and the reading order, SQLite walks every
        # active contact in ix_contacts_active_sort to find a group's few members.
        rows = session.execute(
            select(Membership.person_id, Contact.name, Membership.role, Contact.active,
                   Contact.sort_key)
            .join(Contact, Contact.id == Membership.person_id)
            .where(Membership.group_id == contact_id)).all()
        members = tuple(Affiliation(r.person_id, r.name, r.role)
                        for r in sorted(rows, key=lambda r: (r.sort_key, r.person_id))
                        if r.active)
    return ContactDetail(
        id=c.id, kind=c.kind, group_type=c.group_type, name=c.name, reading=c.reading,
        postal_code=c.postal_code, address=c.address, phone=c.phone, email=c.email,
        website=c.website, notes=c.notes, active=c.active, version=c.version, groups=groups,
        members=members, merged_into_id=c.merged_into_id, **registry_of(session, c),
        erased_on=c.erased_on)


def _consultations(session: Session, actor: Actor, scope: Scope,
                   contact_id: int) -> list[ConsultationEntry]:
    """Every consultation by day and facility; the content only of those the actor may open,
    selected by the same condition the consultation list uses, so nothing else is read."""
    mine = Consultation.consultee_contact_id == contact_id
    seen = session.execute(
        select(Consultation.id, Consultation.held_on, Consultation.facility_id, Facility.name)
        .join(Facility, Facility.id == Consultation.facility_id)
        .where(mine)
        .order_by(Consultation.held_on.desc(), Consultation.id.desc())).all()
    readable: list[ColumnElement[bool]] | None
    if scope is Scope.ALL:
        readable = [mine]
    elif scope is Scope.OWN_FACILITY:
        # No facility: nothing is readable; -1 matches no row.
        readable = [mine, Consultation.facility_id == (actor.facility_id or -1)]
    else:  # count-only: none opens
        readable = None
    details: dict[int, ConsultationEntry] = {}
    if readable is not None and seen:
        topics: dict[int, list[str]] = defaultdict(list)
        for consultation_id, name in session.execute(
                select(ConsultationTopicLink.consultation_id, ConsultationTopic.name)
                .join(Consultation, Consultation.id == ConsultationTopicLink.consultation_id)
                .join(ConsultationTopic, ConsultationTopic.id == ConsultationTopicLink.topic_id)
                .where(*readable)
                .order_by(ConsultationTopic.display_order, ConsultationTopic.id)):
            topics[consultation_id].append(name)
        for r in session.execute(
                select(Consultation.id, Consultation.held_on, Consultation.facility_id,
                       Facility.name.label("facility_name"), Consultation.channel,
                       Account.display_name, Consultation.asked, Consultation.status,
                       Consultation.follow_up_due)
                .join(Facility, Facility.id == Consultation.facility_id)
                .join(Account, Account.id == Consultation.staff_account_id)
                .where(*readable)):
            details[r.id] = ConsultationEntry(
                held_on=r.held_on, facility_id=r.facility_id, facility_name=r.facility_name,
                readable=True, id=r.id, channel=ConsultationChannel(r.channel),
                topic_names=tuple(topics.get(r.id, ())), staff_name=r.display_name,
                summary=summary(r.asked), status=ConsultationStatus(r.status),
                follow_up_due=r.follow_up_due)
    return [details.get(consultation_id) or ConsultationEntry(held_on, facility_id, facility, False)
            for consultation_id, held_on, facility_id, facility in seen]


def sign_up_entries(session: Session, contact_id: int) -> list[SignUpEntry]:
    theirs = select(Registration.id).where(Registration.contact_id == contact_id)
    events = select(Registration.event_id).where(Registration.contact_id == contact_id)
    sessions: dict[int, list[tuple[int, date, str]]] = defaultdict(list)
    for session_id, event_id, held_on, label in session.execute(
            select(EventSession.id, EventSession.event_id, EventSession.held_on,
                   EventSession.label)
            .where(EventSession.event_id.in_(events))
            .order_by(EventSession.held_on, EventSession.start_time, EventSession.id)):
        sessions[event_id].append((session_id, held_on, label))
    attended: set[tuple[int, int]] = {
        (registration_id, session_id) for registration_id, session_id in session.execute(
            select(Attendance.registration_id, Attendance.session_id)
            .where(Attendance.registration_id.in_(theirs)))}
    entries = []
    for r in session.execute(
            select(Registration.id, Registration.event_id, Event.title, Event.kind,
                   Facility.name.label("facility_name"), Registration.status,
                   Registration.party_size, Registration.walk_in, Event.cancelled)
            .join(Event, Event.id == Registration.event_id)
            .join(Facility, Facility.id == Event.facility_id)
            .where(Registration.contact_id == contact_id)):
        days = tuple(SessionEntry(held_on, label, (r.id, session_id) in attended)
                     for session_id, held_on, label in sessions.get(r.event_id, ()))
        entries.append(SignUpEntry(
            registration_id=r.id, event_id=r.event_id, event_title=r.title,
            event_kind=EventKind(r.kind), facility_name=r.facility_name,
            status=RegistrationStatus(r.status), party_size=r.party_size, walk_in=r.walk_in,
            event_cancelled=r.cancelled, sessions=days))
    entries.sort(key=lambda e: (e.first_day or date.min, e.registration_id), reverse=True)
    return entries


def grant_entries(session: Session, contact_id: int) -> list[GrantEntry]:
    rows = session.execute(
        select(GrantCase.id, GrantProgramme.fiscal_year, GrantProgramme.name,
               GrantProgramme.kind, GrantCase.title, GrantCase.department, GrantCase.stage)
        .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
        .where(GrantCase.contact_id == contact_id)
        .order_by(GrantProgramme.fiscal_year.desc(), GrantCase.id.desc())).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    money = case_money(session, ids)
    adopted = func.min(case((GrantCaseMove.to_stage.in_(sorted(ADOPTED_OR_LATER)),
                             GrantCaseMove.moved_at)))
    days: dict[int, tuple[date | None, date | None]] = {
        case_id: (_day(opened), _day(adopted_at)) for case_id, opened, adopted_at in
        session.execute(select(GrantCaseMove.case_id, func.min(GrantCaseMove.moved_at), adopted)
                        .where(GrantCaseMove.case_id.in_(ids))
                        .group_by(GrantCaseMove.case_id))}
    return [GrantEntry(
        case_id=r.id, fiscal_year=r.fiscal_year, programme_name=r.name,
        programme_kind=GrantKind(r.kind), title=r.title, department=r.department,
        stage=Stage(r.stage), money=money[r.id], opened_on=days.get(r.id, (None, None))[0],
        adopted_on=days.get(r.id, (None, None))[1]) for r in rows]


def _day(moment: datetime | str | None) -> date | None:
    """A stored moment as its day in Japan; None stays None."""
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite gives an aggregate of a CASE back as text
        moment = datetime.fromisoformat(moment)
    return japan_time(moment).date()


def _merged_from(session: Session, contact_id: int) -> list[Affiliation]:
    return [Affiliation(merged_id, name) for merged_id, name in session.execute(
        select(ContactMerge.merged_id, Contact.name)
        .join(Contact, Contact.id == ContactMerge.merged_id)
        .where(ContactMerge.kept_id == contact_id, ContactMerge.undone_at.is_(None))
        .order_by(ContactMerge.id))]


# --- the steps ------------------------------------------------------------------------------

def guideline_steps(consultations: Sequence[ConsultationEntry],
                    sign_ups: Sequence[SignUpEntry],
                    grants: Sequence[GrantEntry]) -> tuple[StepReached, ...]:
    """The three steps as `contact_record` documents them, from what the reader may see."""
    first_consulted = min(consultations, key=lambda c: (c.held_on, c.id or 0), default=None)
    consulted = ((first_consulted.held_on, f"相談（{first_consulted.facility_name}）")
                 if first_consulted else None)
    attended = [(s.first_attended, f"「{s.event_title}」に出席") for s in sign_ups
                if s.first_attended is not None]
    adopted: dict[GrantKind, list[tuple[date, str]]] = defaultdict(list)
    for g in grants:
        if g.adopted_on is not None:
            adopted[g.programme_kind].append((g.adopted_on, f"{g.programme_name}「{g.title}」採択"))
    return (
        _earliest(GuidelineStep.CHALLENGE, [*attended, *([consulted] if consulted else [])]),
        _earliest(GuidelineStep.STEP_UP,
                  [*([consulted] if consulted else []), *adopted[GrantKind.COMMUNITY]]),
        _earliest(GuidelineStep.PARTNERSHIP, adopted[GrantKind.COLLABORATION_SUPPORT]),
    )


def _earliest(step: GuidelineStep, found: Sequence[tuple[date | None, str]]) -> StepReached:
    dated = [(day, by) for day, by in found if day is not None]
    if not dated:
        return StepReached(step, None)
    day, by = min(dated, key=lambda pair: pair[0])
    return StepReached(step, day, by)
