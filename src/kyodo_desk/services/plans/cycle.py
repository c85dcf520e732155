"""The yearly cycle of a district plan (PLAN → DO → CHECK → ACT): each fiscal year's stage,
each action's 実施状況 with its figure against the target, the 評価 and 改善 notes, the day
the year's progress was published, and the board of every district at a glance.

A plan's year is read for the edition that covers it: the latest edition whose period holds
the year. A year not yet recorded reads as 計画 with every action still to be reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.errors import ConcurrentEdit, FieldProblem, ValidationError
from kyodo_desk.domain.labels import DISTRICTS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import ActionCarrier, ActionStatus, PlanStage
from kyodo_desk.models import ActionProgress, Contact, DistrictPlan, PlanYear
from kyodo_desk.services.plans.records import load_plan, period_label

RECORD = "年度の実施状況"


@dataclass(frozen=True)
class ProgressDraft:
    """One action's 実施状況 as the year's form holds it (*status* None: not reported yet)."""

    action_id: int
    status: ActionStatus | None
    result: str = ""
    figure: int | None = None


@dataclass(frozen=True)
class YearDraft:
    stage: PlanStage
    evaluation: str = ""
    improvement: str = ""
    published_on: date | None = None
    progress: tuple[ProgressDraft, ...] = ()


@dataclass(frozen=True)
class ProgressView:
    """One action in one year: what it aimed at and how far it got."""

    action_id: int
    position: int
    title: str
    carrier: ActionCarrier
    indicator: str
    target: int | None
    unit: str
    status: ActionStatus | None
    result: str
    figure: int | None

    @property
    def reached(self) -> float | None:
        """The figure as a share of the target (1.0: reached), when both are known."""
        if self.figure is None or not self.target:
            return None
        return self.figure / self.target


@dataclass(frozen=True)
class PlanYearDetail:
    plan_id: int
    fiscal_year: int
    stage: PlanStage
    evaluation: str
    improvement: str
    published_on: date | None
    version: int  # 0: not recorded yet (the first save creates it)
    progress: tuple[ProgressView, ...]

    @property
    def year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    def status_counts(self) -> dict[ActionStatus | None, int]:
        """How many actions are 実施, 一部実施, 未実施 and not yet reported (None)."""
        counts = Counter(p.status for p in self.progress)
        return {status: counts.get(status, 0) for status in (*ActionStatus, None)}

    def as_draft(self) -> YearDraft:
        return YearDraft(self.stage, self.evaluation, self.improvement, self.published_on,
                         tuple(ProgressDraft(p.action_id, p.status, p.result, p.figure)
                               for p in self.progress))


def check_year(plan: DistrictPlan, fiscal_year: int) -> None:
    if not plan.first_year <= fiscal_year <= plan.last_year:
        raise ValidationError.single(
            "fiscal_year", f"{fiscal_year_label(fiscal_year)}はこの計画の期間"
            f"（{period_label(plan.first_year, plan.last_year)}）の外です。")


def year_detail(session: Session, plan: DistrictPlan, fiscal_year: int) -> PlanYearDetail:
    row = session.scalar(select(PlanYear).where(PlanYear.plan_id == plan.id,
                                                PlanYear.fiscal_year == fiscal_year))
    kept = {p.action_id: p for p in row.progress} if row is not None else {}
    progress = tuple(
        ProgressView(a.id, a.position, a.title, a.carrier, a.indicator, a.target, a.unit,
                     *((kept[a.id].status, kept[a.id].result, kept[a.id].figure)
                       if a.id in kept else (None, "", None)))
        for a in plan.actions)
    if row is None:
        return PlanYearDetail(plan.id, fiscal_year, PlanStage.PLAN, "", "", None, 0, progress)
    return PlanYearDetail(plan.id, fiscal_year, row.stage, row.evaluation, row.improvement,
                          row.published_on, row.version, progress)


def get_year(db: Database, actor: Actor, plan_id: int, fiscal_year: int) -> PlanYearDetail:
    actor.require(Action.READ, Resource.PLANS)
    with db.reading(actor) as session:
        plan = load_plan(session, plan_id)
        check_year(plan, fiscal_year)
        return year_detail(session, plan, fiscal_year)


def clean_year_draft(draft: YearDraft, action_ids: set[int]) -> YearDraft:
    problems: list[FieldProblem] = []
    seen: set[int] = set()
    progress: list[ProgressDraft] = []
    for p in draft.progress:
        if p.action_id not in action_ids or p.action_id in seen:
            raise ConcurrentEdit(RECORD)  # a form from before the plan's actions changed
        seen.add(p.action_id)
        if p.figure is not None and p.figure < 0:
            problems.append(FieldProblem(f"progress.{p.action_id}.figure",
                                         "実績値は0以上にしてください。"))
        result = p.result.strip()
        if p.status is None and (result or p.figure is not None):
            problems.append(FieldProblem(f"progress.{p.action_id}.status",
                                         "実績を書いた取組は、実施状況も選んでください。"))
        progress.append(ProgressDraft(p.action_id, p.status, result, p.figure))
    if draft.published_on is not None and draft.stage is PlanStage.PLAN:
        problems.append(FieldProblem("published_on",
                                     "公表日は、実施状況を評価した後（評価・改善）に入力してください。"))
    if problems:
        raise ValidationError(problems)
    return YearDraft(draft.stage, draft.evaluation.strip(), draft.improvement.strip(),
                     draft.published_on, tuple(progress))


@retry_on_contention
def save_year(db: Database, actor: Actor, plan_id: int, fiscal_year: int, version: int,
              draft: YearDraft) -> PlanYearDetail:
    """Record the year as changed from *version* (0: the year's first save)."""
    actor.require(Action.CHANGE, Resource.PLANS)
    try:
        with db.writing(actor) as session:
            plan = load_plan(session, plan_id)
            check_year(plan, fiscal_year)
            cleaned = clean_year_draft(draft, {a.id for a in plan.actions})
            row = session.scalar(select(PlanYear).where(PlanYear.plan_id == plan.id,
                                                        PlanYear.fiscal_year == fiscal_year))
            if (row.version if row is not None else 0) != version:
                raise ConcurrentEdit(RECORD)
            if row is None:
                row = PlanYear(plan_id=plan.id, fiscal_year=fiscal_year)
                session.add(row)
            row.stage, row.evaluation = cleaned.stage, cleaned.evaluation
            row.improvement, row.published_on = cleaned.improvement, cleaned.published_on
            kept = {p.action_id: p for p in row.progress}
            rows = []
            for p in cleaned.progress:
                if p.status is None:
                    continue
                line = kept.get(p.action_id) or ActionProgress(action_id=p.action_id)
                line.status, line.result, line.figure = p.status, p.result, p.figure
                rows.append(line)
            row.progress = rows
            session.flush()
            return year_detail(session, plan, fiscal_year)
    except StaleDataError:
        raise ConcurrentEdit(RECORD) from None


# --- the board ------------------------------------------------------------------------------

@dataclass(frozen=True)
class BoardRow:
    """One district on the board (地域まちづくり計画の一覧): its plan for the year, if any, and
    where it stands in the cycle."""

    district: str
    plan_id: int | None
    title: str
    organisation_name: str
    edition: int
    period: str
    stage: PlanStage | None  # None: no plan covers the year
    counts: dict[ActionStatus | None, int]
    published_on: date | None

    @property
    def actions(self) -> int:
        return sum(self.counts.values())


def plans_in_force(session: Session, fiscal_year: int) -> list[DistrictPlan]:
    """Each plan's edition in force in *fiscal_year*: the latest of its editions whose period
    covers the year (by id). Every later edition is looked at, not only the next: the current
    one may be edited to cover a year its predecessor does not, and two editions of one plan
    would then be shown."""
    plans = session.scalars(select(DistrictPlan).where(
        DistrictPlan.first_year <= fiscal_year,
        DistrictPlan.last_year >= fiscal_year).order_by(DistrictPlan.id)).all()
    covering = {p.id for p in plans}
    later = dict(session.execute(select(DistrictPlan.revises_id, DistrictPlan.id)
                                 .where(DistrictPlan.revises_id.is_not(None))).all())

    def replaced(plan_id: int) -> bool:
        following = later.get(plan_id)
        while following is not None:
            if following in covering:
                return True
            following = later.get(following)
        return False

    return [p for p in plans if not replaced(p.id)]


def board(db: Database, actor: Actor, fiscal_year: int) -> list[BoardRow]:
    """Every district in the usual order, with each plan that covers *fiscal_year* (the
    edition in force that year); a district without one is listed empty."""
    actor.require(Action.READ, Resource.PLANS)
    with db.reading(actor) as session:
        in_force = plans_in_force(session, fiscal_year)
        names = dict(session.execute(select(Contact.id, Contact.name).where(
            Contact.id.in_([p.organisation_id for p in in_force if p.organisation_id]))).all())
        rows = []
        for plan in in_force:
            year = year_detail(session, plan, fiscal_year)
            rows.append(BoardRow(
                plan.district, plan.id, plan.title, names.get(plan.organisation_id or 0, ""),
                plan.edition, period_label(plan.first_year, plan.last_year), year.stage,
                year.status_counts(), year.published_on))
    districts = {row.district for row in rows}
    rows += [BoardRow(d, None, "", "", 0, "", None, {}, None)
             for d in DISTRICTS if d not in districts]
    order = {d: n for n, d in enumerate(DISTRICTS)}
    return sorted(rows, key=lambda r: (order.get(r.district, len(order)), r.plan_id or 0))
