"""Grant programmes (交付金の募集): create, change, copy last year's, list, and their budget.

A programme's row is the lock of its budget: every act that changes what the programme holds
takes it (SELECT … FOR UPDATE; BEGIN IMMEDIATE on SQLite) and counts the budget inside the
transaction, so officers acting at once never hold more than the budget together. The order in
which grant writes take their locks is written down in `grant_cases`; screening lives in
`grant_screening`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain import validation
from kyodo_desk.domain.bounds import FIELD_BOUNDS, NumberBound, number_problem
from kyodo_desk.domain.dates import fiscal_year_label, next_year_title, same_day_next_year
from kyodo_desk.domain.errors import ConcurrentEdit, FieldProblem, NotFound, ValidationError
from kyodo_desk.domain.grants import (
    MAX_SCORE_LIMIT,
    MAX_WEIGHT,
    STANDARD_CRITERIA,
    STANDARD_DOCUMENTS,
    Budget,
    CaseMoney,
    Criterion,
    GrantKind,
    Stage,
    parse_yen,
)
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import (
    GrantCase,
    GrantCriterion,
    GrantPayment,
    GrantProgramme,
    GrantRequiredDocument,
    GrantScore,
)


@dataclass(frozen=True)
class RequiredDocument:
    """必要書類: *name* must be received before a case may enter *stage*."""

    stage: Stage
    name: str


def standard_documents() -> tuple[RequiredDocument, ...]:
    return tuple(RequiredDocument(stage, name) for stage, names in STANDARD_DOCUMENTS.items()
                 for name in names)


@dataclass(frozen=True)
class ProgrammeDraft:
    """What the programme form hands over. Amounts may be typed text (「1,200,000円」)."""

    kind: GrantKind
    fiscal_year: int
    name: str
    call_opens_on: date
    call_closes_on: date
    budget: int | str
    ceiling: int | str = 0  # 0: 上限なし
    purpose: str = ""
    eligibility: str = ""
    how_to_apply: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    facility_id: int | None = None
    criteria: tuple[Criterion, ...] = STANDARD_CRITERIA
    documents: tuple[RequiredDocument, ...] = field(default_factory=standard_documents)


@dataclass(frozen=True)
class CriterionInfo:
    id: int
    name: str
    weight: int
    max_score: int

    def as_criterion(self) -> Criterion:
        return Criterion(self.name, self.weight, self.max_score)


@dataclass(frozen=True)
class ProgrammeDetail:
    id: int
    kind: GrantKind
    fiscal_year: int
    name: str
    purpose: str
    eligibility: str
    call_opens_on: date
    call_closes_on: date
    budget: int
    ceiling: int
    how_to_apply: str
    contact_name: str
    contact_phone: str
    facility_id: int | None
    criteria: tuple[CriterionInfo, ...]
    documents: tuple[RequiredDocument, ...]
    money: Budget
    case_count: int
    version: int

    def documents_for(self, stage: Stage) -> list[str]:
        return [d.name for d in self.documents if d.stage is stage]

    def call_is_open(self, today: date) -> bool:
        return self.call_opens_on <= today <= self.call_closes_on

    def as_draft(self) -> ProgrammeDraft:
        return ProgrammeDraft(
            kind=self.kind, fiscal_year=self.fiscal_year, name=self.name,
            call_opens_on=self.call_opens_on, call_closes_on=self.call_closes_on,
            budget=self.budget, ceiling=self.ceiling, purpose=self.purpose,
            eligibility=self.eligibility, how_to_apply=self.how_to_apply,
            contact_name=self.contact_name, contact_phone=self.contact_phone,
            facility_id=self.facility_id,
            criteria=tuple(c.as_criterion() for c in self.criteria), documents=self.documents)


@dataclass(frozen=True)
class ProgrammeSummary:
    """One row of the programme chooser, with its budget always in view."""

    id: int
    kind: GrantKind
    fiscal_year: int
    name: str
    call_opens_on: date
    call_closes_on: date
    money: Budget
    case_count: int

    def label(self) -> str:
        return f"{fiscal_year_label(self.fiscal_year)} {self.name}"


# --- validation ---------------------------------------------------------------------------

def clean_programme_draft(draft: ProgrammeDraft) -> ProgrammeDraft:
    """The draft as stored (amounts as integers), or ValidationError naming every field."""
    problems: list[FieldProblem] = []

    def amount(name: str, label: str) -> int:
        try:
            return parse_yen(getattr(draft, name), name, label)
        except ValidationError as exc:
            problems.extend(exc.problems)
            return 0

    name = draft.name.strip()
    if not name:
        problems.append(FieldProblem("name", "交付金の名称を入力してください。"))
    year_bound = FIELD_BOUNDS["grant_programmes"]["fiscal_year"]
    assert isinstance(year_bound, NumberBound)
    year_problem = number_problem(year_bound, draft.fiscal_year)
    if year_problem:
        problems.append(FieldProblem("fiscal_year", f"{year_problem}（西暦で。例: 2026）"))
    budget = amount("budget", "予算額")
    ceiling = amount("ceiling", "1件あたりの上限額")
    if not problems and budget <= 0:
        problems.append(FieldProblem("budget", "予算額は1円以上で入力してください。"))
    if ceiling and budget and ceiling > budget:
        problems.append(FieldProblem("ceiling", "1件あたりの上限額が予算額を超えています。"))
    if draft.call_closes_on < draft.call_opens_on:
        problems.append(FieldProblem("call_closes_on", "募集の締切日が募集開始日より前です。"))
    try:
        phone = validation.phone(draft.contact_phone, "contact_phone")
    except ValidationError as exc:
        problems.extend(exc.problems)
        phone = draft.contact_phone
    criteria = tuple(Criterion(c.name.strip(), c.weight, c.max_score) for c in draft.criteria)
    names = [c.name for c in criteria]
    if not criteria:
        problems.append(FieldProblem("criteria", "審査の観点を1つ以上入力してください。"))
    for c in criteria:
        if not c.name:
            problems.append(FieldProblem("criteria", "名前のない審査の観点があります。"))
        elif names.count(c.name) > 1:
            problems.append(FieldProblem("criteria", f"審査の観点「{c.name}」が重複しています。"))
        if not 1 <= c.weight <= MAX_WEIGHT:
            problems.append(FieldProblem(
                "criteria", f"「{c.name}」の重みは1～{MAX_WEIGHT}で入力してください。"))
        if not 1 <= c.max_score <= MAX_SCORE_LIMIT:
            problems.append(FieldProblem(
                "criteria", f"「{c.name}」の満点は1～{MAX_SCORE_LIMIT}点で入力してください。"))
    documents = tuple(RequiredDocument(d.stage, d.name.strip()) for d in draft.documents
                      if d.name.strip())
    if len(set(documents)) != len(documents):
        problems.append(FieldProblem("documents", "同じ段階に同じ書類が2回入っています。"))
    if any(d.stage in (Stage.CONSULTATION, Stage.WITHDRAWN, Stage.REJECTED) for d in documents):
        problems.append(FieldProblem("documents", "必要書類は申請以降の段階に設定してください。"))
    if problems:
        raise ValidationError(sorted(set(problems), key=problems.index))
    return replace(
        draft, name=name, budget=budget, ceiling=ceiling, contact_phone=phone,
        purpose=draft.purpose.strip(), eligibility=draft.eligibility.strip(),
        how_to_apply=draft.how_to_apply.strip(), contact_name=draft.contact_name.strip(),
        criteria=criteria, documents=documents)


# --- read ---------------------------------------------------------------------------------

def load_programme(session: Session, programme_id: int, *, lock: bool = False) -> GrantProgramme:
    """The programme row; with *lock*, held FOR UPDATE until the transaction ends (the budget
    lock) and read as it stands once the lock is granted, not as this session saw it before."""
    stmt = select(GrantProgramme).where(GrantProgramme.id == programme_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    programme = session.scalars(stmt).first()
    if programme is None:
        raise NotFound("この交付金は見つかりません（他の窓口で削除された可能性があります）。")
    return programme


def case_money(session: Session, case_ids: Sequence[int]) -> dict[int, CaseMoney]:
    """Each case's amounts, with its payments and refunds added up."""
    if not case_ids:
        return {}
    paid: dict[tuple[int, str], int] = {
        (case_id, kind): total for case_id, kind, total in session.execute(
            select(GrantPayment.case_id, GrantPayment.kind, func.sum(GrantPayment.amount))
            .where(GrantPayment.case_id.in_(case_ids))
            .group_by(GrantPayment.case_id, GrantPayment.kind))}
    rows = session.execute(select(GrantCase.id, GrantCase.stage, GrantCase.requested,
                                  GrantCase.decided).where(GrantCase.id.in_(case_ids)))
    return {case_id: CaseMoney(stage, requested, decided, int(paid.get((case_id, "payment"), 0)),
                               int(paid.get((case_id, "refund"), 0)))
            for case_id, stage, requested, decided in rows}


def programme_budget(session: Session, programme: GrantProgramme, *,
                     excluding: int | None = None) -> Budget:
    """The programme's budget as it stands; *excluding* leaves one case out (the one deciding)."""
    ids = [i for i in session.scalars(select(GrantCase.id)
                                      .where(GrantCase.programme_id == programme.id))
           if i != excluding]
    return Budget.of(programme.budget, case_money(session, ids).values())


def _case_count(session: Session, programme_id: int) -> int:
    return session.scalar(select(func.count()).select_from(GrantCase)
                          .where(GrantCase.programme_id == programme_id)) or 0


def programme_detail(session: Session, p: GrantProgramme) -> ProgrammeDetail:
    return ProgrammeDetail(
        id=p.id, kind=p.kind, fiscal_year=p.fiscal_year, name=p.name, purpose=p.purpose,
        eligibility=p.eligibility, call_opens_on=p.call_opens_on,
        call_closes_on=p.call_closes_on, budget=p.budget, ceiling=p.ceiling,
        how_to_apply=p.how_to_apply, contact_name=p.contact_name,
        contact_phone=p.contact_phone, facility_id=p.facility_id,
        criteria=tuple(CriterionInfo(c.id, c.name, c.weight, c.max_score) for c in p.criteria),
        documents=tuple(RequiredDocument(d.stage, d.name) for d in p.documents),
        money=programme_budget(session, p), case_count=_case_count(session, p.id),
        version=p.version)


def get_programme(db: Database, actor: Actor, programme_id: int) -> ProgrammeDetail:
    actor.require(Action.READ, Resource.GRANT_CASES)
    with db.reading(actor) as session:
        return programme_detail(session, load_programme(session, programme_id))


def list_programmes(db: Database, actor: Actor, *,
                    fiscal_year: int | None = None) -> list[ProgrammeSummary]:
    """Programmes, newest fiscal year first, each with its budget as it stands."""
    actor.require(Action.READ, Resource.GRANT_CASES)
    stmt = select(GrantProgramme).order_by(GrantProgramme.fiscal_year.desc(), GrantProgramme.id)
    if fiscal_year is not None:
        stmt = stmt.where(GrantProgramme.fiscal_year == fiscal_year)
    with db.reading(actor) as session:
        programmes = session.scalars(stmt).all()
        cases = session.execute(select(GrantCase.programme_id, GrantCase.id)
                                .where(GrantCase.programme_id.in_([p.id for p in programmes])))
        by_programme: dict[int, list[int]] = {}
        for programme_id, case_id in cases:
            by_programme.setdefault(programme_id, []).append(case_id)
        money = case_money(session, [i for ids in by_programme.values() for i in ids])
        return [ProgrammeSummary(
            p.id, p.kind, p.fiscal_year, p.name, p.call_opens_on, p.call_closes_on,
            Budget.of(p.budget, (money[i] for i in by_programme.get(p.id, []))),
            len(by_programme.get(p.id, []))) for p in programmes]


# --- write --------------------------------------------------------------------------------

@retry_on_contention
def create_programme(db: Database, actor: Actor, draft: ProgrammeDraft) -> ProgrammeDetail:
    actor.require(Action.CREATE, Resource.GRANT_CASES)
    cleaned = clean_programme_draft(draft)
    with db.writing(actor) as session:
        _refuse_same_name(session, cleaned, None)
        programme = GrantProgramme()
        _apply(session, programme, cleaned)
        session.add(programme)
        session.flush()
        return programme_detail(session, programme)


@retry_on_contention
def update_programme(db: Database, actor: Actor, programme_id: int, version: int,
                     draft: ProgrammeDraft) -> ProgrammeDetail:
    """Save the programme as changed from *version*. A budget below what is already decided,
    or a criterion dropped after reviewers scored it, is refused."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    cleaned = clean_programme_draft(draft)
    try:
        with db.writing(actor) as session:
            programme = load_programme(session, programme_id, lock=True)
            if programme.version != version:
                raise ConcurrentEdit("交付金")
            _refuse_same_name(session, cleaned, programme_id)
            committed = programme_budget(session, programme).committed
            if int(cleaned.budget) < committed:
                raise ValidationError.single(
                    "budget", f"予算額を{int(cleaned.budget):,}円にはできません。すでに"
                    f"{committed:,}円の交付を決定しています。")
            _apply(session, programme, cleaned)
            session.flush()
            return programme_detail(session, programme)
    except StaleDataError:
        raise ConcurrentEdit("交付金") from None


def _refuse_same_name(session: Session, d: ProgrammeDraft, own_id: int | None) -> None:
    clash = session.scalar(select(GrantProgramme.id).where(
        GrantProgramme.fiscal_year == d.fiscal_year, GrantProgramme.name == d.name))
    if clash is not None and clash != own_id:
        raise ValidationError.single(
            "name", f"{fiscal_year_label(d.fiscal_year)}の「{d.name}」はすでに登録されています。")



def _apply(session: Session, p: GrantProgramme, d: ProgrammeDraft) -> None:
    for name in ("kind", "fiscal_year", "name", "purpose", "eligibility", "call_opens_on",
                 "call_closes_on", "how_to_apply", "contact_name", "contact_phone",
                 "facility_id"):
        setattr(p, name, getattr(d, name))
    p.budget, p.ceiling = int(d.budget), int(d.ceiling)
    # A criterion kept by name keeps its id, and so the scores given on it.
    kept = {c.name: c for c in p.criteria}
    criteria = []
    for position, c in enumerate(d.criteria):
        row = kept.pop(c.name, None) or GrantCriterion(name=c.name)
        row.position, row.weight, row.max_score = position, c.weight, c.max_score
        criteria.append(row)
    dropped = [c.id for c in kept.values() if c.id is not None]
    if dropped and session.scalar(select(func.count()).select_from(GrantScore)
                                  .where(GrantScore.criterion_id.in_(dropped))):
        names = "、".join(c.name for c in kept.values())
        raise ValidationError.single(
            "criteria", f"審査の観点「{names}」はすでに採点に使われているため削除できません。")
    p.criteria = criteria
    existing = {(r.stage, r.name): r for r in p.documents}
    p.documents = [existing.get((doc.stage, doc.name))
                   or GrantRequiredDocument(stage=doc.stage, name=doc.name)
                   for doc in d.documents]
    for position, document in enumerate(p.documents):
        document.position = position


def copy_programme_for_next_year(db: Database, actor: Actor, programme_id: int) -> ProgrammeDraft:
    """Next year's call as a draft: same criteria, documents and amounts, the call period a
    year on, years in the name counted up. Nothing is saved until the form is saved."""
    actor.require(Action.CREATE, Resource.GRANT_CASES)
    d = get_programme(db, actor, programme_id).as_draft()
    return replace(d, fiscal_year=d.fiscal_year + 1, name=next_year_title(d.name),
                   call_opens_on=same_day_next_year(d.call_opens_on),
                   call_closes_on=same_day_next_year(d.call_closes_on))
