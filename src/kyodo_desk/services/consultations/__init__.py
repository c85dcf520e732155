"""Consultation log (相談記録): record, open, change and list consultations.

Consultation records hold personal information. Counter staff and advisors work only with
their own facility's records; every permission check is made before any data is touched,
listing filters in SQL, and every opening of a record writes an audit row ("open").
Every function returns plain frozen dataclasses, never live ORM objects.

What a record may hold beyond the bounds every field has (domain/bounds.py):
- 相談日: from EARLIEST_HELD_ON (2000-04-01, the first fiscal year kept on this log) to today;
- フォローアップの期限: from the 相談日 to the same day a year later, and a フォローアップの予定
  only with a 期限;
- 担当者: an active account that may record consultations at the record's facility (its own
  staff and advisors, or a collaboration officer), checked whenever the 担当者 or the facility
  is set, so an old record of someone who has left can still be corrected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.audit import insert_rows, record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain import validation
from kyodo_desk.domain.dates import full_date, same_day_next_year
from kyodo_desk.domain.errors import ConcurrentEdit, FieldProblem, NotFound, ValidationError
from kyodo_desk.domain.permissions import Action, Actor, Resource, Role
from kyodo_desk.models import (
    Account,
    Consultation,
    ConsultationChannel,
    ConsultationStatus,
    ConsultationTopic,
    ConsultationTopicLink,
    Contact,
    Facility,
    GrantCase,
)
from kyodo_desk.models.base import search_columns
from kyodo_desk.services.accounts import actor_of
from kyodo_desk.services.contacts.erasure import ERASED_REFUSAL

__all__ = [
    "CHANNEL_LABELS", "STATUS_LABELS", "ConsultationChannel",
    "ConsultationDetail", "ConsultationDraft", "ConsultationStatus", "StaffMember", "Topic",
    "clean_draft", "create_consultation", "get_consultation", "list_consultation_staff",
    "list_topics", "new_record", "replace_draft", "staff_problem", "update_consultation",
]

ANONYMOUS = "匿名"
EARLIEST_HELD_ON = date(2000, 4, 1)

CHANNEL_LABELS = {
    ConsultationChannel.VISIT: "来所", ConsultationChannel.PHONE: "電話",
    ConsultationChannel.EMAIL: "メール", ConsultationChannel.OUTREACH: "訪問",
    ConsultationChannel.OTHER: "その他",
}
STATUS_LABELS = {ConsultationStatus.IN_PROGRESS: "対応中", ConsultationStatus.DONE: "完了"}


@dataclass(frozen=True)
class Topic:
    """相談の分野."""

    id: int
    name: str
    display_order: int
    active: bool


@dataclass(frozen=True)
class ConsultationDraft:
    """What the consultation form hands over: the fields as entered.

    *staff_account_id* None means the signed-in account.
    """

    held_on: date
    facility_id: int
    asked: str
    channel: ConsultationChannel = ConsultationChannel.VISIT
    topic_ids: tuple[int, ...] = ()
    start_time: time | None = None
    duration_minutes: int | None = None
    staff_account_id: int | None = None
    consultee_contact_id: int | None = None
    anonymous: bool = False
    age_band: str = ""
    area: str = ""
    answered: str = ""
    referral: str = ""
    follow_up_due: date | None = None
    follow_up_plan: str = ""  # what is to be done by the due date
    status: ConsultationStatus = ConsultationStatus.IN_PROGRESS
    grant_case_id: int | None = None  # 交付金案件: the case the consultation belongs to


@dataclass(frozen=True)
class ConsultationDetail:
    id: int
    held_on: date
    start_time: time | None
    duration_minutes: int | None
    facility_id: int
    facility_name: str
    staff_account_id: int
    staff_name: str
    consultee_contact_id: int | None
    consultee_name: str  # the contact's name, 匿名, or ""
    anonymous: bool
    age_band: str
    area: str
    channel: ConsultationChannel
    topics: tuple[Topic, ...]
    asked: str
    answered: str
    referral: str
    follow_up_due: date | None
    follow_up_plan: str
    status: ConsultationStatus
    grant_case_id: int | None
    version: int

    @property
    def topic_ids(self) -> tuple[int, ...]:
        return tuple(t.id for t in self.topics)

    def as_draft(self) -> ConsultationDraft:
        return ConsultationDraft(
            held_on=self.held_on, facility_id=self.facility_id, asked=self.asked,
            channel=self.channel, topic_ids=self.topic_ids, start_time=self.start_time,
            duration_minutes=self.duration_minutes, staff_account_id=self.staff_account_id,
            consultee_contact_id=self.consultee_contact_id, anonymous=self.anonymous,
            age_band=self.age_band, area=self.area, answered=self.answered,
            referral=self.referral, follow_up_due=self.follow_up_due,
            follow_up_plan=self.follow_up_plan, status=self.status,
            grant_case_id=self.grant_case_id,
        )


# --- topics -------------------------------------------------------------------------------

def list_topics(db: Database, actor: Actor, *, include_inactive: bool = False) -> list[Topic]:
    """The topic list in its display order (active topics only, unless asked)."""
    if not actor.may_count(Resource.CONSULTATIONS):  # the names are no personal data
        actor.require(Action.READ, Resource.CONSULTATIONS)
    stmt = select(ConsultationTopic).order_by(ConsultationTopic.display_order,
                                              ConsultationTopic.id)
    if not include_inactive:
        stmt = stmt.where(ConsultationTopic.active)
    with db.reading(actor) as session:
        return [as_topic(t) for t in session.scalars(stmt)]


@dataclass(frozen=True)
class StaffMember:
    """担当者: an account that may be named as the staff member of a consultation."""

    account_id: int
    name: str


def list_consultation_staff(db: Database, actor: Actor, facility_id: int) -> list[StaffMember]:
    """Who may be named as 担当者 for a record at *facility_id*: the facility's active staff
    and advisors, and the collaboration officers (who work for every facility)."""
    actor.require(Action.CREATE, Resource.CONSULTATIONS, facility_id)
    with db.reading(actor) as session:  # a few dozen accounts: one rule, the saving one
        members = [StaffMember(a.id, a.display_name) for a in session.scalars(
            select(Account).where(Account.active)
            .order_by(Account.role != Role.OFFICER, Account.display_name, Account.id))
            if _may_record(a, facility_id)]
    members.sort(key=lambda m: m.account_id != actor.account_id)  # the signed-in one first
    return members


def replace_draft(draft: ConsultationDraft, **changes: Any) -> ConsultationDraft:
    """A copy of *draft* with some fields changed (what the form does on editing)."""
    return replace(draft, **changes)


def as_topic(t: ConsultationTopic) -> Topic:
    return Topic(t.id, t.name, t.display_order, t.active)


# --- read ---------------------------------------------------------------------------------

@retry_on_contention
def get_consultation(db: Database, actor: Actor, consultation_id: int) -> ConsultationDetail:
    """Open one record; each opening is written to the audit log ("open") before it is shown."""
    actor.require(Action.READ, Resource.CONSULTATIONS)
    with db.writing(actor) as session:
        actor.require(Action.READ, Resource.CONSULTATIONS, _facility_of(session, consultation_id))
        detail = _detail(session, _load(session, consultation_id))
        record_event(session, actor, "open", Consultation.__tablename__, consultation_id)
        return detail


def _load(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise _not_found()
    return consultation


def _facility_of(session: Session, consultation_id: int) -> int:
    """The record's facility, read alone so permission is checked before any personal data."""
    facility_id = session.scalar(
        select(Consultation.facility_id).where(Consultation.id == consultation_id))
    if facility_id is None:
        raise _not_found()
    return facility_id


def _not_found() -> NotFound:
    return NotFound("この相談記録は見つかりません。一覧を更新してください。")


def _detail(session: Session, c: Consultation) -> ConsultationDetail:
    facility_name = session.scalar(select(Facility.name).where(Facility.id == c.facility_id))
    staff_name = session.scalar(
        select(Account.display_name).where(Account.id == c.staff_account_id))
    consultee_name = ANONYMOUS if c.anonymous else ""
    if c.consultee_contact_id is not None:
        consultee_name = session.scalar(
            select(Contact.name).where(Contact.id == c.consultee_contact_id)) or ""
    topics = tuple(sorted((as_topic(link.topic) for link in c.topic_links),
                          key=lambda t: (t.display_order, t.id)))
    return ConsultationDetail(
        id=c.id, held_on=c.held_on, start_time=c.start_time,
        duration_minutes=c.duration_minutes, facility_id=c.facility_id,
        facility_name=facility_name or "", staff_account_id=c.staff_account_id,
        staff_name=staff_name or "", consultee_contact_id=c.consultee_contact_id,
        consultee_name=consultee_name, anonymous=c.anonymous, age_band=c.age_band,
        area=c.area, channel=c.channel, topics=topics, asked=c.asked, answered=c.answered,
        referral=c.referral, follow_up_due=c.follow_up_due, follow_up_plan=c.follow_up_plan,
        status=c.status, grant_case_id=c.grant_case_id, version=c.version,
    )


# --- write --------------------------------------------------------------------------------

def clean_draft(draft: ConsultationDraft, *, today: date | None = None) -> ConsultationDraft:
    """The draft in stored form, or ValidationError listing every field at fault.

    Checks what can be checked without the database; references are checked on saving.
    """
    today = today or date.today()
    problems: list[FieldProblem] = []
    asked = draft.asked.strip()
    try:
        asked = validation.require("asked", "相談内容", draft.asked)
    except ValidationError as exc:
        problems.extend(exc.problems)
    problems += _date_problems(draft, today)
    if draft.duration_minutes is not None and draft.duration_minutes <= 0:
        problems.append(FieldProblem(
            "duration_minutes", "相談時間（分）は1以上の数で入力してください。"))
    if not draft.topic_ids:
        problems.append(FieldProblem("topic_ids", "相談の分野を一つ以上選んでください。"))
    if not draft.anonymous and draft.consultee_contact_id is None:
        problems.append(FieldProblem(
            "consultee_contact_id", "相談者を連絡先から選ぶか、「匿名」にしてください。"))
    if draft.anonymous and draft.consultee_contact_id is not None:
        problems.append(FieldProblem(
            "consultee_contact_id", "匿名の相談には相談者を選べません。"
                                    "相談者を外すか、匿名の指定を外してください。"))
    if problems:
        raise ValidationError(problems)
    return replace(
        draft, asked=asked, answered=draft.answered.strip(), referral=draft.referral.strip(),
        age_band=draft.age_band.strip(), area=draft.area.strip(),
        follow_up_plan=draft.follow_up_plan.strip(),
        topic_ids=tuple(dict.fromkeys(draft.topic_ids)),
    )


def _date_problems(draft: ConsultationDraft, today: date) -> list[FieldProblem]:
    """相談日 within the log's years up to today; the follow-up within a year of it."""
    problems: list[FieldProblem] = []
    held_on, due = draft.held_on, draft.follow_up_due
    if held_on > today:
        problems.append(FieldProblem(
            "held_on", f"相談日（{full_date(held_on)}）が今日より後の日付です。"
                       "今日までの日付を入力してください。"))
    elif held_on < EARLIEST_HELD_ON:
        problems.append(FieldProblem(
            "held_on", f"相談日（{full_date(held_on)}）が古すぎます。"
                       f"{full_date(EARLIEST_HELD_ON)}から今日までの日付を入力してください。"))
    if due is not None and due < held_on:
        problems.append(FieldProblem(
            "follow_up_due", f"フォローアップの期限（{full_date(due)}）が相談日より"
                             "前です。相談日以降の日付を入力してください。"))
    elif due is not None and due > (latest := same_day_next_year(held_on)):
        problems.append(FieldProblem(
            "follow_up_due", f"フォローアップの期限（{full_date(due)}）が相談日から1年より先です。"
                             f"{full_date(latest)}までの日付を入力してください。"))
    if due is None and draft.follow_up_plan.strip():
        problems.append(FieldProblem(
            "follow_up_plan", "フォローアップの予定には期限が要ります。"
                              "期限を入れるか、予定を消してください。"))
    return problems


@retry_on_contention
def create_consultation(db: Database, actor: Actor,
                        draft: ConsultationDraft) -> ConsultationDetail:
    """Record a new consultation at *draft.facility_id* (the actor's own, for staff)."""
    actor.require(Action.CREATE, Resource.CONSULTATIONS, draft.facility_id)
    cleaned = clean_draft(draft)
    with db.writing(actor) as session:
        consultation = Consultation()
        _apply(session, actor, consultation, cleaned)
        session.add(consultation)
        session.flush()
        return _detail(session, consultation)


@retry_on_contention
def update_consultation(db: Database, actor: Actor, consultation_id: int, version: int,
                        draft: ConsultationDraft) -> ConsultationDetail:
    """Save changes made to the record as it was at *version*; refuse if it moved on since.

    Both the record's facility and the facility it is moved to must be the actor's to change.
    """
    actor.require(Action.CHANGE, Resource.CONSULTATIONS, draft.facility_id)
    cleaned = clean_draft(draft)
    try:
        with db.writing(actor) as session:
            actor.require(Action.CHANGE, Resource.CONSULTATIONS,
                          _facility_of(session, consultation_id))
            consultation = _load(session, consultation_id)
            if consultation.version != version:
                raise ConcurrentEdit("相談記録")
            _apply(session, actor, consultation, cleaned)
            session.flush()
            return _detail(session, consultation)
    except StaleDataError:
        raise ConcurrentEdit("相談記録") from None



def _is_returning(session: Session, c: Consultation) -> bool | None:
    """継続: the consultee was consulted before (at any facility); None without a consultee."""
    if c.consultee_contact_id is None:
        return None
    if c.id is None:  # a new record comes after everything already recorded that day
        earlier = Consultation.held_on <= c.held_on
    else:
        earlier = (Consultation.held_on < c.held_on) | (
            (Consultation.held_on == c.held_on) & (Consultation.id < c.id))
    return bool(session.scalar(select(exists().where(
        Consultation.consultee_contact_id == c.consultee_contact_id, earlier))))


def _check_references(session: Session, actor: Actor, c: Consultation,
                      d: ConsultationDraft) -> int:
    """Every referenced record exists; returns the staff member's account id."""
    problems: list[FieldProblem] = []
    if session.get(Facility, d.facility_id) is None:
        problems.append(FieldProblem("facility_id", "施設が見つかりません。選び直してください。"))
    staff_id = d.staff_account_id if d.staff_account_id is not None else actor.account_id
    if staff_id is None:
        problems.append(FieldProblem("staff_account_id", "担当者を選んでください。"))
    elif (staff := session.get(Account, staff_id)) is None:
        problems.append(FieldProblem("staff_account_id",
                                     "担当者のアカウントが見つかりません。選び直してください。"))
    elif (c.id is None or staff_id != c.staff_account_id or d.facility_id != c.facility_id) \
            and (problem := staff_problem(staff, d.facility_id)):
        problems.append(problem)
    if d.consultee_contact_id is not None:
        consultee = session.get(Contact, d.consultee_contact_id)
        if consultee is None:
            problems.append(FieldProblem("consultee_contact_id",
                                         "相談者の連絡先が見つかりません。選び直してください。"))
        elif consultee.erased_on is not None:  # erasure unlinked its own: none is kept
            problems.append(FieldProblem("consultee_contact_id", ERASED_REFUSAL))
    if d.topic_ids:
        found = set(session.scalars(
            select(ConsultationTopic.id).where(ConsultationTopic.id.in_(d.topic_ids))))
        if missing := sorted(set(d.topic_ids) - found):
            problems.append(FieldProblem(
                "topic_ids", f"相談の分野（番号 {missing}）が見つかりません。選び直してください。"))
    if d.grant_case_id is not None and session.get(GrantCase, d.grant_case_id) is None:
        problems.append(FieldProblem("grant_case_id",
                                     "交付金案件が見つかりません。選び直してください。"))
    if problems:
        raise ValidationError(problems)
    assert staff_id is not None
    return staff_id


def _may_record(account: Account, facility_id: int) -> bool:
    """The account may be named as 担当者 of a record at *facility_id*."""
    return account.active and actor_of(account).may(Action.CREATE, Resource.CONSULTATIONS,
                                                    facility_id)


def staff_problem(staff: Account, facility_id: int) -> FieldProblem | None:
    """Why *staff* may not be named as 担当者 of a new record at *facility_id*, or None."""
    if not staff.active:
        return FieldProblem("staff_account_id", f"担当者（{staff.display_name}）のアカウントは"
                                                "無効にされています。担当者を選び直してください。")
    if not _may_record(staff, facility_id):
        return FieldProblem("staff_account_id", f"担当者（{staff.display_name}）は、この施設の"
                                                "相談を記録できるアカウントではありません。"
                                                "担当者を選び直してください。")
    return None


@dataclass(frozen=True)
class NewConsultation:
    """A record for add_consultations: a draft that clean_draft passed and whose references
    (facility, 担当者, consultee, topics) the caller checked, with 新規/継続 as the caller
    worked it out; *anonymised_on*: stored already anonymised (an import's row past the
    retention period)."""

    draft: ConsultationDraft
    staff_account_id: int
    returning: bool | None
    anonymised_on: date | None = None


def add_consultations(session: Session, actor: Actor,
                      records: Sequence[NewConsultation]) -> list[int]:
    """Many new records inside the caller's write transaction, in a few statements: stored
    and audited as create_consultation would (an import of 100,000 rows, which checks a whole
    file's references at once instead of a query per row). Returns their numbers in order."""
    rows = []
    for r in records:
        d = r.draft
        if d.grant_case_id is not None:
            # Linking names a grant case, which only those who may read grant cases see.
            actor.require(Action.READ, Resource.GRANT_CASES)
        values = {**_columns(d), "grant_case_id": d.grant_case_id, "version": 1,
                  "staff_account_id": r.staff_account_id, "returning_consultee": r.returning,
                  "anonymised_on": r.anonymised_on}
        rows.append(values | search_columns(Consultation, values))
    ids = insert_rows(session, Consultation, rows)
    insert_rows(session, ConsultationTopicLink, [
        {"consultation_id": id_, "topic_id": topic}
        for id_, r in zip(ids, records, strict=True) for topic in dict.fromkeys(r.draft.topic_ids)],
        new_owners=True)
    return ids


def _apply(session: Session, actor: Actor, c: Consultation, d: ConsultationDraft) -> None:
    c.staff_account_id = _check_references(session, actor, c, d)
    _fill(actor, c, d)
    c.returning_consultee = _is_returning(session, c)
    _set_topics(c, d.topic_ids)


def _columns(d: ConsultationDraft) -> dict[str, Any]:
    """The record's columns as the (cleaned) draft sets them, the grant case apart."""
    return {"held_on": d.held_on, "start_time": d.start_time,
            "duration_minutes": d.duration_minutes, "facility_id": d.facility_id,
            "consultee_contact_id": d.consultee_contact_id, "anonymous": d.anonymous,
            "age_band": d.age_band, "area": d.area, "channel": d.channel, "asked": d.asked,
            "answered": d.answered, "referral": d.referral, "follow_up_due": d.follow_up_due,
            "follow_up_plan": d.follow_up_plan, "status": d.status}


def _fill(actor: Actor, c: Consultation, d: ConsultationDraft) -> None:
    for key, value in _columns(d).items():
        setattr(c, key, value)
    if d.grant_case_id != c.grant_case_id:
        # Linking names a grant case, which only those who may read grant cases see.
        actor.require(Action.READ, Resource.GRANT_CASES)
        c.grant_case_id = d.grant_case_id


def _set_topics(c: Consultation, topic_ids: tuple[int, ...]) -> None:
    wanted = list(topic_ids)
    kept = [link for link in c.topic_links if link.topic_id in wanted]
    have = {link.topic_id for link in kept}
    c.topic_links = kept + [ConsultationTopicLink(topic_id=t) for t in wanted if t not in have]
