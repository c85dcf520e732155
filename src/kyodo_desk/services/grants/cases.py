"""Grant cases (交付金案件): open, change, move through the workflow, documents, money, notes,
deadlines, and the case's timeline.

Every move is checked by the one state machine (`domain.grants.MOVES`) and the programme's
document checklist, and recorded with who, when and a comment.

Lock order: programme, then case. Every write to a case (`lock_case`) locks its programme's row
(the budget lock) first and the case's row second, and no grant write takes them the other way
round; `grants.update_programme` takes the programme's row alone. Two services taking the same
two rows in opposite orders let two officers each hold one and wait for the other: a deadlock
on PostgreSQL. (SQLite admits one writer at a time with BEGIN IMMEDIATE.)

Held ≤ budget. What a programme holds (`Budget.committed`) changes with a decision, a change of
decision, a settlement or a withdrawal, each made under the budget lock and checked against
the budget left. A payment or a refund while the grant runs (交付決定 to 実績報告) leaves the
case holding its decided amount; after 確定・支払 a payment is refused (nothing re-opens a
settlement, and the amount it freed may be decided for another case), and a refund only
frees more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.bounds import FIELD_BOUNDS, TextBound, text_problem
from kyodo_desk.domain.dates import JAPAN_TIME, fiscal_year_label, full_date, japan_time
from kyodo_desk.domain.errors import (
    ConcurrentEdit,
    FieldProblem,
    NotFound,
    UserError,
    ValidationError,
)
from kyodo_desk.domain.grants import (
    FINAL,
    HOLDS_DECISION,
    STAGE_LABELS,
    CaseMoney,
    Stage,
    decision_problem,
    missing_documents,
    missing_documents_problem,
    move_problem,
    next_moves,
    parse_yen,
    payment_problem,
    refund_problem,
    yen,
)
from kyodo_desk.domain.labels import DISTRICT_CHOICES
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold, fold_query
from kyodo_desk.models import (
    Consultation,
    Contact,
    Facility,
    GrantCase,
    GrantCaseDocument,
    GrantCaseMove,
    GrantCaseNote,
    GrantDeadline,
    GrantPayment,
    GrantProgramme,
)
from kyodo_desk.services.contacts.erasure import refuse_erased
from kyodo_desk.services.grants import case_money, load_programme, programme_budget
from kyodo_desk.services.read_log import View, log_open


class MoveRefused(UserError):
    """The state machine or the checklist does not allow this move (進められません)."""


@dataclass(frozen=True)
class CaseDraft:
    """What the case form hands over; *requested* may be typed text (「300,000円」)."""

    programme_id: int
    contact_id: int
    title: str
    department: str = ""
    summary: str = ""
    requested: int | str = 0
    result: str = ""  # 実績 (what the publication prints for a finished project)
    evaluation: str = ""  # 評価
    # 地域 of the project (domain.labels.DISTRICT_CHOICES); "" at opening: the group's.
    district: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    """One line of the checklist: a required (or extra) document and when it came in."""

    name: str
    required_for: Stage | None  # None: received but not on the programme's list
    received_on: date | None
    recorded_by: str
    note: str


@dataclass(frozen=True)
class DeadlineInfo:
    id: int
    label: str
    due_on: date
    done_on: date | None
    closes_with: Stage | None


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the case's 経過, in date order."""

    when: datetime | date  # a moment in Japan time, or a day
    kind: str  # move | document | consultation | note | deadline | payment | refund
    title: str
    detail: str
    by: str
    consultation_id: int | None = None

    @property
    def day(self) -> date:
        return self.when.date() if isinstance(self.when, datetime) else self.when


@dataclass(frozen=True)
class CaseSummary:
    """One row of the case list."""

    id: int
    programme_id: int
    fiscal_year: int
    programme_name: str
    contact_id: int
    group_name: str
    title: str
    department: str
    stage: Stage
    money: CaseMoney
    next_deadline: date | None
    district: str = ""  # 地域, "" 未設定


@dataclass(frozen=True)
class CaseDetail:
    id: int
    programme_id: int
    fiscal_year: int
    programme_name: str
    contact_id: int
    group_name: str
    title: str
    department: str
    summary: str
    result: str
    evaluation: str
    stage: Stage
    money: CaseMoney
    documents: tuple[DocumentInfo, ...]
    deadlines: tuple[DeadlineInfo, ...]
    timeline: tuple[TimelineEntry, ...]
    next_moves: tuple[Stage, ...]
    version: int
    district: str = ""  # 地域, "" 未設定

    def missing_for(self, stage: Stage) -> list[str]:
        return [d.name for d in self.documents if d.required_for is stage and not d.received_on]

    def as_draft(self) -> CaseDraft:
        return CaseDraft(self.programme_id, self.contact_id, self.title, self.department,
                         self.summary, self.money.requested, self.result, self.evaluation,
                         self.district)


# --- validation ---------------------------------------------------------------------------

def clean_case_draft(draft: CaseDraft) -> CaseDraft:
    problems: list[FieldProblem] = []
    title = " ".join(draft.title.split())
    if not title:
        problems.append(FieldProblem("title", "事業名を入力してください。"))
    try:
        requested = parse_yen(draft.requested or 0, "requested", "申請額")
    except ValidationError as exc:
        problems.extend(exc.problems)
        requested = 0
    if draft.district not in ("", *DISTRICT_CHOICES):
        problems.append(FieldProblem("district", "地域は一覧から選んでください。"))
    if problems:
        raise ValidationError(problems)
    return replace(draft, title=title, department=draft.department.strip(),
                   summary=draft.summary.strip(), requested=requested,
                   result=draft.result.strip(), evaluation=draft.evaluation.strip())


# --- read ---------------------------------------------------------------------------------

def load_case(session: Session, case_id: int, *, lock: bool = False) -> GrantCase:
    """The case; with *lock*, held FOR UPDATE and read as it stands once locked. A write locks
    through `lock_case`, which takes the programme's row first."""
    stmt = select(GrantCase).where(GrantCase.id == case_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    case = session.scalars(stmt).first()
    if case is None:
        raise _not_found()
    return case


def lock_case(session: Session, case_id: int) -> tuple[GrantProgramme, GrantCase]:
    """The case and its programme, locked in the one order of every grant write: the
    programme's row, then the case's (see the module's docstring)."""
    programme_id = session.scalar(select(GrantCase.programme_id)
                                  .where(GrantCase.id == case_id))
    if programme_id is None:
        raise _not_found()
    programme = load_programme(session, programme_id, lock=True)
    return programme, load_case(session, case_id, lock=True)


def _not_found() -> NotFound:
    return NotFound("この案件は見つかりません（他の窓口で削除された可能性があります）。")


def get_case(db: Database, actor: Actor, case_id: int) -> CaseDetail:
    """The case with its timeline (経過: notes, consultations); its reading is logged
    (services/read_log.py)."""
    actor.require(Action.READ, Resource.GRANT_CASES)
    with db.reading(actor) as session:
        detail = case_detail(session, actor, load_case(session, case_id))
    log_open(db, actor, GrantCase.__tablename__, case_id, View.GRANT_CASE,
             timeline=len(detail.timeline))
    return detail


def case_detail(session: Session, actor: Actor, c: GrantCase) -> CaseDetail:
    programme = load_programme(session, c.programme_id)
    group = session.scalar(select(Contact.name).where(Contact.id == c.contact_id)) or ""
    received = {d.name: d for d in session.scalars(
        select(GrantCaseDocument).where(GrantCaseDocument.case_id == c.id))}
    documents = []
    for required in programme.documents:
        got = received.pop(required.name, None)
        documents.append(DocumentInfo(required.name, required.stage,
                                      got.received_on if got else None,
                                      got.recorded_by if got else "", got.note if got else ""))
    documents += [DocumentInfo(d.name, None, d.received_on, d.recorded_by, d.note)
                  for d in received.values()]
    deadlines = tuple(DeadlineInfo(d.id, d.label, d.due_on, d.done_on, d.closes_with)
                      for d in session.scalars(select(GrantDeadline)
                                               .where(GrantDeadline.case_id == c.id)
                                               .order_by(GrantDeadline.due_on,
                                                         GrantDeadline.id)))
    return CaseDetail(
        id=c.id, programme_id=programme.id, fiscal_year=programme.fiscal_year,
        programme_name=programme.name, contact_id=c.contact_id, group_name=group,
        title=c.title, department=c.department, summary=c.summary, result=c.result,
        evaluation=c.evaluation, stage=c.stage, money=case_money(session, [c.id])[c.id],
        documents=tuple(documents), deadlines=deadlines,
        timeline=tuple(_timeline(session, actor, c)), next_moves=tuple(next_moves(c.stage)),
        version=c.version, district=c.district)


def list_cases(db: Database, actor: Actor, *, programme_id: int | None = None,
               fiscal_year: int | None = None, stage: Stage | None = None,
               query: str = "", contact_id: int | None = None,
               district: str | None = None) -> list[CaseSummary]:
    """Cases in the workflow's order (then by title); *query* matches the project, group or
    department; *district* keeps the cases of that 地域 ("" those with none set)."""
    actor.require(Action.READ, Resource.GRANT_CASES)
    next_due = (select(GrantDeadline.case_id, func.min(GrantDeadline.due_on).label("due"))
                .where(GrantDeadline.done_on.is_(None)).group_by(GrantDeadline.case_id)
                .subquery())
    stmt = (select(GrantCase.id, GrantCase.programme_id, GrantProgramme.fiscal_year,
                   GrantProgramme.name, GrantCase.contact_id, Contact.name, GrantCase.title,
                   GrantCase.department, next_due.c.due, GrantCase.district)
            .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
            .join(Contact, Contact.id == GrantCase.contact_id)
            .outerjoin(next_due, next_due.c.case_id == GrantCase.id)
            .order_by(GrantProgramme.fiscal_year.desc(), GrantCase.sort_key, GrantCase.id))
    if programme_id is not None:
        stmt = stmt.where(GrantCase.programme_id == programme_id)
    if fiscal_year is not None:
        stmt = stmt.where(GrantProgramme.fiscal_year == fiscal_year)
    if stage is not None:
        stmt = stmt.where(GrantCase.stage == stage)
    if contact_id is not None:
        stmt = stmt.where(GrantCase.contact_id == contact_id)
    if district is not None:
        stmt = stmt.where(GrantCase.district == district)
    folded = fold_query(query)
    if folded:
        stmt = stmt.where(or_(db.backend.contains(GrantCase.search_text, folded),
                              db.backend.contains(Contact.search_text, folded)))
    with db.reading(actor) as session:
        rows = session.execute(stmt).all()
        money = case_money(session, [r[0] for r in rows])
    order = {s: n for n, s in enumerate(Stage)}
    summaries = [CaseSummary(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], money[r[0]].stage,
                             money[r[0]], r[8], r[9]) for r in rows]
    return sorted(summaries, key=lambda s: (-s.fiscal_year, order[s.stage]))


@dataclass(frozen=True)
class CaseChoice:
    """A case offered in the consultation form's 交付金案件 box."""

    id: int
    label: str  # 「2026年度 協働サポート交付金: ○○事業（△△の会）・審査」


def case_choices(db: Database, actor: Actor, *, contact_id: int | None = None,
                 include: int | None = None) -> list[CaseChoice]:
    """Open cases (and *include*, the one a consultation already names), the consultee's
    first, then newest year first. A short read: the consultation form makes it as it opens."""
    if not actor.may(Action.READ, Resource.GRANT_CASES):
        return []
    offered: ColumnElement[bool] = GrantCase.stage.not_in(FINAL)
    if include is not None:
        offered = or_(offered, GrantCase.id == include)
    stmt = (select(GrantCase.id, GrantCase.contact_id, GrantProgramme.fiscal_year,
                   GrantProgramme.name, GrantCase.title, Contact.name, GrantCase.stage)
            .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
            .join(Contact, Contact.id == GrantCase.contact_id)
            .where(offered)
            .order_by(GrantProgramme.fiscal_year.desc(), GrantCase.sort_key, GrantCase.id))
    with db.reading(actor) as session:
        rows = session.execute(stmt).all()
    # sorted() is stable: the order above within each part.
    ordered = sorted(rows, key=lambda r: r[1] != contact_id)
    return [CaseChoice(case_id, f"{fiscal_year_label(year)} {programme}: {title}（{group}）・"
                                f"{STAGE_LABELS[stage]}")
            for case_id, _, year, programme, title, group, stage in ordered]


@dataclass(frozen=True)
class UpcomingDeadline:
    """One line of 期限の一覧: open deadlines of every case, soonest first."""

    id: int
    case_id: int
    title: str
    group_name: str
    label: str
    due_on: date

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


def upcoming_deadlines(db: Database, actor: Actor, *,
                       until: date | None = None) -> list[UpcomingDeadline]:
    """Every open deadline (overdue ones included) up to *until*, soonest first."""
    actor.require(Action.READ, Resource.GRANT_CASES)
    stmt = (select(GrantDeadline.id, GrantDeadline.case_id, GrantCase.title, Contact.name,
                   GrantDeadline.label, GrantDeadline.due_on)
            .join(GrantCase, GrantCase.id == GrantDeadline.case_id)
            .join(Contact, Contact.id == GrantCase.contact_id)
            .where(GrantDeadline.done_on.is_(None))
            .order_by(GrantDeadline.due_on, GrantDeadline.id))
    if until is not None:
        stmt = stmt.where(GrantDeadline.due_on <= until)
    with db.reading(actor) as session:
        return [UpcomingDeadline(*r) for r in session.execute(stmt)]


# --- timeline -----------------------------------------------------------------------------

_KIND_ORDER = {"consultation": 0, "document": 1, "payment": 2, "refund": 2, "note": 3,
               "move": 4, "deadline": 5}


def _timeline(session: Session, actor: Actor, c: GrantCase) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for m in session.scalars(select(GrantCaseMove).where(GrantCaseMove.case_id == c.id)):
        title = (f"「{STAGE_LABELS[m.to_stage]}」で受付" if m.from_stage is None else
                 f"{STAGE_LABELS[m.from_stage]} → {STAGE_LABELS[m.to_stage]}")
        entries.append(TimelineEntry(japan_time(m.moved_at), "move", title, m.comment,
                                     m.moved_by))
    for d in session.scalars(select(GrantCaseDocument).where(GrantCaseDocument.case_id == c.id)):
        entries.append(TimelineEntry(d.received_on, "document", f"{d.name}を受理", d.note,
                                     d.recorded_by))
    for p in session.scalars(select(GrantPayment).where(GrantPayment.case_id == c.id)):
        title = f"{'支払' if p.kind == 'payment' else '返還'} {yen(p.amount)}"
        entries.append(TimelineEntry(p.paid_on, p.kind, title, p.note, p.recorded_by))
    for n in session.scalars(select(GrantCaseNote).where(GrantCaseNote.case_id == c.id)):
        entries.append(TimelineEntry(japan_time(n.written_at), "note", "メモ", n.text,
                                     n.written_by))
    for due in session.scalars(select(GrantDeadline).where(GrantDeadline.case_id == c.id)):
        state = f"（{full_date(due.done_on)} 完了）" if due.done_on else ""
        entries.append(TimelineEntry(due.due_on, "deadline", f"期限: {due.label}{state}", "",
                                     due.created_by))
    rows = session.execute(
        select(Consultation.id, Consultation.held_on, Consultation.facility_id, Facility.name,
               Consultation.asked)
        .join(Facility, Facility.id == Consultation.facility_id)
        .where(Consultation.grant_case_id == c.id))
    for consultation_id, held_on, facility_id, facility_name, asked in rows:
        # The consultation log is personal information with its own rights: a reader of the
        # case who may not open the consultation sees that it happened, not what was said.
        readable = actor.may(Action.READ, Resource.CONSULTATIONS, facility_id)
        entries.append(TimelineEntry(
            held_on, "consultation", f"相談（{facility_name}）",
            _excerpt(asked) if readable else "（内容はこのアカウントでは表示できません）", "",
            consultation_id if readable else None))
    return sorted(entries, key=lambda e: (e.day, _KIND_ORDER[e.kind], _moment(e.when)))


def _moment(when: datetime | date) -> datetime:
    return when if isinstance(when, datetime) else datetime.combine(when, time.min, JAPAN_TIME)


def _excerpt(text: str, length: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= length else line[:length - 1] + "…"


# --- write: the case ----------------------------------------------------------------------

@retry_on_contention
def create_case(db: Database, actor: Actor, draft: CaseDraft, *, comment: str = "",
                now: datetime | None = None) -> CaseDetail:
    """Open a case at 相談. A second case of the same group and project in one call is refused."""
    actor.require(Action.CREATE, Resource.GRANT_CASES)
    cleaned = clean_case_draft(draft)
    now = _stored_moment(now)
    with db.writing(actor) as session:
        programme = load_programme(session, cleaned.programme_id)
        group = session.get(Contact, cleaned.contact_id)
        if group is None:
            raise ValidationError.single("contact", "申請団体が見つかりません。選び直してください。")
        refuse_erased(group.erased_on, "contact")
        if not cleaned.district:  # suggested from the group; the case keeps its own after
            cleaned = replace(cleaned, district=group.district)
        case = GrantCase(programme_id=programme.id, stage=Stage.CONSULTATION, decided=0)
        _apply(case, cleaned)
        _refuse_duplicate(session, case)
        session.add(case)
        try:
            session.flush()
        except IntegrityError:  # the same project saved at another counter a moment ago
            raise _duplicate(case) from None
        session.add(GrantCaseMove(case_id=case.id, from_stage=None, to_stage=Stage.CONSULTATION,
                                  moved_at=now, account_id=actor.account_id,
                                  moved_by=actor.name, comment=comment.strip()))
        if programme.call_closes_on >= japan_time(now).date():
            session.add(GrantDeadline(case_id=case.id, label="申請書類の提出（募集締切）",
                                      due_on=programme.call_closes_on,
                                      closes_with=Stage.APPLICATION, created_by=actor.name))
        session.flush()
        return case_detail(session, actor, case)


@retry_on_contention
def update_case(db: Database, actor: Actor, case_id: int, version: int,
                draft: CaseDraft) -> CaseDetail:
    """Save the case's fields as changed from *version* (not its stage or money decided)."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    cleaned = clean_case_draft(draft)
    try:
        with db.writing(actor) as session:
            _, case = lock_case(session, case_id)
            if case.version != version:
                raise ConcurrentEdit("案件")
            if cleaned.programme_id != case.programme_id:
                raise ValidationError.single("programme", "案件の交付金は変更できません。")
            if cleaned.contact_id != case.contact_id:  # another 申請団体: a new link
                refuse_erased(session.scalar(select(Contact.erased_on).where(
                    Contact.id == cleaned.contact_id)), "contact")
            if (case.stage in HOLDS_DECISION and int(cleaned.requested) < case.decided):
                raise ValidationError.single(
                    "requested", f"申請額を交付決定額 {yen(case.decided)} より少なくはできません。")
            _apply(case, cleaned)
            _refuse_duplicate(session, case)
            session.flush()
            return case_detail(session, actor, case)
    except StaleDataError:
        raise ConcurrentEdit("案件") from None


def _apply(case: GrantCase, d: CaseDraft) -> None:
    case.contact_id, case.title, case.title_key = d.contact_id, d.title, fold(d.title)
    case.department, case.summary, case.requested = d.department, d.summary, int(d.requested)
    case.result, case.evaluation, case.district = d.result, d.evaluation, d.district


def _refuse_duplicate(session: Session, case: GrantCase) -> None:
    stmt = select(GrantCase.id).where(GrantCase.programme_id == case.programme_id,
                                      GrantCase.contact_id == case.contact_id,
                                      GrantCase.title_key == case.title_key)
    if case.id is not None:
        stmt = stmt.where(GrantCase.id != case.id)
    if session.scalar(stmt) is not None:
        raise _duplicate(case)


def _duplicate(case: GrantCase) -> ValidationError:
    return ValidationError.single(
        "title", f"この団体の「{case.title}」は、この募集ですでに案件になっています"
        "（同じ事業を2件登録することはできません。一覧から既存の案件を開いてください）。")


def _stored_moment(now: datetime | None) -> datetime:
    """A moment as stored: in UTC, which is what SQLite (keeping no time zone) is read back as."""
    return (now or datetime.now(UTC)).astimezone(UTC)



# --- write: moves -------------------------------------------------------------------------

@retry_on_contention
def move_case(db: Database, actor: Actor, case_id: int, version: int, target: Stage, *,
              comment: str = "", decided_amount: int | str | None = None,
              now: datetime | None = None) -> CaseDetail:
    """Move the case to *target*: refused with the reason if the workflow forbids it, if a
    required document is missing, or (交付決定) if *decided_amount* breaks the ceiling or the
    budget. Recorded with who, when and *comment*."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    now = _stored_moment(now)
    comment = comment.strip()
    amount = None
    if target is Stage.GRANT_DECIDED:
        if decided_amount in (None, ""):
            raise ValidationError.single("decided", "交付決定額を入力してください。")
        amount = parse_yen(decided_amount, "decided", "交付決定額")
    if target is Stage.WITHDRAWN and not comment:
        raise ValidationError.single("comment", "取下げの理由をコメントに入力してください。")
    try:
        with db.writing(actor) as session:
            programme, case = lock_case(session, case_id)
            if case.version != version:
                raise ConcurrentEdit("案件")
            problem = move_problem(case.stage, target)
            if problem:
                raise MoveRefused(problem)
            received = session.scalars(select(GrantCaseDocument.name)
                                       .where(GrantCaseDocument.case_id == case.id)).all()
            missing = missing_documents(
                [d.name for d in programme.documents if d.stage is target], received)
            if problem := missing_documents_problem(target, missing):
                raise MoveRefused(problem)
            if amount is not None:
                left = programme_budget(session, programme, excluding=case.id).left
                if problem := decision_problem(amount, requested=case.requested,
                                               ceiling=programme.ceiling, budget_left=left):
                    raise ValidationError.single("decided", problem)
                case.decided = amount
            if target is Stage.SETTLED and case_money(session, [case.id])[case.id].net_paid <= 0:
                raise MoveRefused("「確定・支払」に進む前に、支払額を記録してください。")
            session.add(GrantCaseMove(case_id=case.id, from_stage=case.stage, to_stage=target,
                                      moved_at=now, account_id=actor.account_id,
                                      moved_by=actor.name, comment=comment))
            case.stage = target
            for deadline in session.scalars(select(GrantDeadline).where(
                    GrantDeadline.case_id == case.id, GrantDeadline.closes_with == target,
                    GrantDeadline.done_on.is_(None))):
                deadline.done_on = japan_time(now).date()
            session.flush()
            return case_detail(session, actor, case)
    except StaleDataError:
        raise ConcurrentEdit("案件") from None


@retry_on_contention
def change_decision(db: Database, actor: Actor, case_id: int, amount: int | str, *,
                    comment: str) -> CaseDetail:
    """変更交付決定: a new decided amount while the project runs, under the budget lock; never
    below what has been paid."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    value = parse_yen(amount, "decided", "交付決定額")
    if not comment.strip():
        raise ValidationError.single("comment", "変更の理由を入力してください。")
    with db.writing(actor) as session:
        programme, case = lock_case(session, case_id)
        if case.stage not in (Stage.GRANT_DECIDED, Stage.IN_PROGRESS, Stage.REPORTED):
            raise MoveRefused(f"「{STAGE_LABELS[case.stage]}」の案件の交付決定額は変更できません。")
        money = case_money(session, [case.id])[case.id]
        if value < money.net_paid:
            raise ValidationError.single(
                "decided", f"交付決定額を支払済みの額 {yen(money.net_paid)} より少なくはできません。")
        left = programme_budget(session, programme, excluding=case.id).left
        if problem := decision_problem(value, requested=case.requested,
                                       ceiling=programme.ceiling, budget_left=left):
            raise ValidationError.single("decided", problem)
        old = case.decided
        case.decided = value
        session.add(GrantCaseNote(case_id=case.id, written_at=datetime.now(UTC),
                                  written_by=actor.name,
                                  text=f"交付決定額を変更: {yen(old)} → {yen(value)}。"
                                       f"{comment.strip()}"))
        session.flush()
        return case_detail(session, actor, case)


# --- write: documents, money, notes, deadlines ---------------------------------------------

@retry_on_contention
def receive_document(db: Database, actor: Actor, case_id: int, name: str, received_on: date,
                     *, note: str = "") -> CaseDetail:
    """Tick a document as received (受理) on *received_on*; receiving it again changes the date."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    name = name.strip()
    if not name:
        raise ValidationError.single("document", "書類の名前を入力してください。")
    with db.writing(actor) as session:
        _, case = lock_case(session, case_id)
        row = session.scalars(select(GrantCaseDocument).where(
            GrantCaseDocument.case_id == case.id, GrantCaseDocument.name == name)).first()
        if row is None:
            row = GrantCaseDocument(case_id=case.id, name=name)
            session.add(row)
        row.received_on, row.recorded_by, row.note = received_on, actor.name, note.strip()
        session.flush()
        return case_detail(session, actor, case)


@retry_on_contention
def unreceive_document(db: Database, actor: Actor, case_id: int, name: str) -> CaseDetail:
    """Take back a receipt ticked by mistake; refused once the case has passed the step that
    required the document."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    with db.writing(actor) as session:
        programme, case = lock_case(session, case_id)
        passed = {m for m in session.scalars(select(GrantCaseMove.to_stage)
                                             .where(GrantCaseMove.case_id == case.id))}
        if any(d.name == name and d.stage in passed for d in programme.documents):
            raise MoveRefused(f"「{name}」は、必要とした段階を過ぎているため取り消せません。")
        row = session.scalars(select(GrantCaseDocument).where(
            GrantCaseDocument.case_id == case.id, GrantCaseDocument.name == name)).first()
        if row is not None:
            session.delete(row)
        session.flush()
        return case_detail(session, actor, case)


@retry_on_contention
def record_payment(db: Database, actor: Actor, case_id: int, amount: int | str, paid_on: date,
                   *, refund: bool = False, note: str = "") -> CaseDetail:
    """支払 (or 返還 with *refund*): never more than decided in total, never more back than paid."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    field_name = "refund" if refund else "payment"
    value = parse_yen(amount, field_name, "返還額" if refund else "支払額")
    with db.writing(actor) as session:
        _, case = lock_case(session, case_id)
        money = case_money(session, [case.id])[case.id]
        problem = (refund_problem(value, money) if refund
                   else payment_problem(value, money))
        if problem:
            raise ValidationError.single(field_name, problem)
        session.add(GrantPayment(case_id=case.id, kind=field_name, amount=value, paid_on=paid_on,
                                 recorded_by=actor.name, note=note.strip()))
        session.flush()
        return case_detail(session, actor, case)


@retry_on_contention
def add_note(db: Database, actor: Actor, case_id: int, text: str, *,
             now: datetime | None = None) -> CaseDetail:
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    text = text.strip()
    if not text:
        raise ValidationError.single("note", "メモを入力してください。")
    # Checked here too: the form's field is "note", the stored column "text".
    bound = FIELD_BOUNDS["grant_case_notes"]["text"]
    assert isinstance(bound, TextBound)
    if (problem := text_problem(bound, text)) is not None:
        raise ValidationError.single("note", problem)
    with db.writing(actor) as session:
        _, case = lock_case(session, case_id)
        session.add(GrantCaseNote(case_id=case.id, written_at=_stored_moment(now),
                                  written_by=actor.name, text=text))
        session.flush()
        return case_detail(session, actor, case)


@retry_on_contention
def add_deadline(db: Database, actor: Actor, case_id: int, label: str, due_on: date, *,
                 closes_with: Stage | None = None) -> CaseDetail:
    """A deadline for the case; one before the programme's call opens is refused. With
    *closes_with*, it is done by itself when the case reaches that stage."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    label = label.strip()
    problems = []
    if not label:
        problems.append(FieldProblem("deadline_label", "期限の内容を入力してください。"))
    with db.writing(actor) as session:
        programme, case = lock_case(session, case_id)
        if due_on < programme.call_opens_on:
            problems.append(FieldProblem(
                "deadline_due", f"期限 {full_date(due_on)} が募集開始日 "
                f"{full_date(programme.call_opens_on)} より前です。"))
        if problems:
            raise ValidationError(problems)
        session.add(GrantDeadline(case_id=case.id, label=label, due_on=due_on,
                                  closes_with=closes_with, created_by=actor.name))
        session.flush()
        return case_detail(session, actor, case)


@retry_on_contention
def complete_deadline(db: Database, actor: Actor, deadline_id: int, done_on: date) -> CaseDetail:
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    with db.writing(actor) as session:
        case_id = session.scalar(select(GrantDeadline.case_id)
                                 .where(GrantDeadline.id == deadline_id))
        if case_id is None:
            raise NotFound("この期限は見つかりません。")
        _, case = lock_case(session, case_id)
        session.get_one(GrantDeadline, deadline_id).done_on = done_on
        session.flush()
        return case_detail(session, actor, case)
