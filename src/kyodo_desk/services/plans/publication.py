"""Publication (公表) of the district plans: what the plan report (A4), the CSV and the static
HTML pages print of a plan edition in one fiscal year.

A public document: the plan, its actions and how far they got, the 評価 and 改善 notes, the
workshops that made it and the grant cases that fund its actions, the day it was published.
No individual is named on it: a case is shown with its group only when the applicant is a
group (an individual applicant's case is shown by its title alone), and only a case adopted
or later (採択以降), as the grant publication lists them; a workshop is shown by its title and
day, never by who came.

The data comes from the same readers as the plan window (`plan_detail`, `year_detail`), in
one transaction, so the print and the screen never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import date_with_weekday, fiscal_year_label, print_style
from kyodo_desk.domain.grants import ADOPTED_OR_LATER
from kyodo_desk.domain.labels import DISTRICTS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import (
    ACTION_CARRIER_LABELS,
    ACTION_STATUS_LABELS,
    PLAN_STAGE_LABELS,
    PLAN_STAGE_MEANINGS,
    PLAN_STAGE_WORDS,
    ActionCarrier,
    ActionStatus,
    PlanStage,
)
from kyodo_desk.models import Contact, ContactKind, DistrictPlan, GrantCase, GrantProgramme
from kyodo_desk.services.plans.cycle import check_year, plans_in_force, year_detail
from kyodo_desk.services.plans.records import load_plan, period_label, plan_detail

# The words the report, the CSV and the web pages share.
NOT_REPORTED = "未報告"  # an action whose 実施状況 is not recorded for the year
NO_ACTIONS = "この計画には、まだ取組が登録されていません。"


def status_text(status: ActionStatus | None) -> str:
    """'実施', '一部実施', '未実施' or '未報告'."""
    return ACTION_STATUS_LABELS[status] if status is not None else NOT_REPORTED


def stage_text(stage: PlanStage) -> str:
    """'評価（CHECK）'."""
    return f"{PLAN_STAGE_LABELS[stage]}（{PLAN_STAGE_WORDS[stage]}）"


def amount(value: int | None, unit: str) -> str:
    """'1,200人'; '' when there is no figure."""
    return "" if value is None else f"{value:,}{unit}"


@dataclass(frozen=True)
class PublicCase:
    """A grant case that funds an action, as published: its title, its programme's fiscal
    year and, for a group, the group's name ("" for an individual applicant)."""

    title: str
    group_name: str
    fiscal_year: int


@dataclass(frozen=True)
class PublicWorkshop:
    """A workshop in which the plan was made: its title and first day."""

    title: str
    first_day: date | None

    def line(self) -> str:
        """'東部地域まちづくり計画ワークショップ（令和5年10月21日（土））' as printed and published."""
        if self.first_day is None:
            return self.title
        return f"{self.title}（{date_with_weekday(self.first_day, print_style())}）"


@dataclass(frozen=True)
class PublicAction:
    """取組 — one action as published for the year: what it aims at and how far it got."""

    position: int
    title: str
    detail: str
    carrier: ActionCarrier
    schedule: str
    indicator: str
    target: int | None
    unit: str
    status: ActionStatus | None  # None: not reported yet (未報告)
    result: str
    figure: int | None
    cases: tuple[PublicCase, ...] = ()

    @property
    def reached(self) -> float | None:
        """The figure as a share of the target (1.0: reached), when both are known."""
        if self.figure is None or not self.target:
            return None
        return self.figure / self.target

    @property
    def reached_text(self) -> str:
        """達成 as a percentage, rounded half up: '85%'; '' when not known."""
        share = self.reached
        return "" if share is None else f"{int(share * 100 + 0.5)}%"

    @property
    def carrier_text(self) -> str:
        return ACTION_CARRIER_LABELS[self.carrier]

    @property
    def status_text(self) -> str:
        return status_text(self.status)

    @property
    def target_text(self) -> str:
        return amount(self.target, self.unit)

    @property
    def figure_text(self) -> str:
        return amount(self.figure, self.unit)


@dataclass(frozen=True)
class PlanReport:
    """One plan edition in one fiscal year, as the report, the CSV and the web pages print it."""

    plan_id: int
    district: str
    organisation_name: str  # 地域づくり組織 (a group)
    title: str
    first_year: int
    last_year: int
    vision: str
    edition: int
    adopted_on: date | None
    # The edition that replaced this one (改定), if any: its number and first year.
    revised_by_edition: int | None
    revised_from_year: int | None
    fiscal_year: int
    stage: PlanStage
    recorded: bool  # False: nothing recorded for the year yet (reads as 計画)
    evaluation: str
    improvement: str
    published_on: date | None
    actions: tuple[PublicAction, ...]
    workshops: tuple[PublicWorkshop, ...]

    @property
    def period_label(self) -> str:
        """計画期間: '令和8〜12年度'."""
        return period_label(self.first_year, self.last_year)

    @property
    def year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def edition_label(self) -> str:
        """'第2版' (and '第1版（令和9年度から第2版に改定）' for an earlier edition)."""
        label = f"第{self.edition}版"
        if self.revised_by_edition is None:
            return label
        since = (f"{fiscal_year_label(self.revised_from_year)}から"
                 if self.revised_from_year is not None else "")
        return f"{label}（{since}第{self.revised_by_edition}版に改定）"

    @property
    def stage_text(self) -> str:
        """'評価（CHECK）'."""
        return stage_text(self.stage)

    def workshop_lines(self) -> list[str]:
        """The workshops that made the plan, one line each, as printed and published."""
        return [w.line() for w in self.workshops]

    def funding_lines(self) -> list[str]:
        """'取組1「…」: 東部ふれあい夏まつり（令和6年度、東部地域づくり協議会）', one per case
        funding an action: the year tells a yearly case's editions apart."""
        return [f"取組{a.position}「{a.title}」: {c.title}（{fiscal_year_label(c.fiscal_year)}"
                + (f"、{c.group_name}" if c.group_name else "") + "）"
                for a in self.actions for c in a.cases]

    def status_counts(self) -> dict[ActionStatus | None, int]:
        """How many actions are 実施, 一部実施, 未実施 and not yet reported (None)."""
        counts: dict[ActionStatus | None, int] = dict.fromkeys((*ActionStatus, None), 0)
        for action in self.actions:
            counts[action.status] += 1
        return counts

    def counts_text(self) -> str:
        """'実施 3件・一部実施 1件・未実施 0件' (and '・未報告 n件' when some are)."""
        counts = self.status_counts()
        return "・".join(f"{status_text(s)} {counts[s]}件" for s in (*ActionStatus, None)
                        if s is not None or counts[s])

    def year_points(self) -> list[tuple[str, str]]:
        """The year in three points: where it stands in the cycle, how far the actions got,
        how many reached their targets."""
        measured = [a for a in self.actions if a.reached is not None]
        reached = sum(1 for a in measured if (a.reached or 0) >= 1)
        return [
            (f"いまの段階は「{self.stage_text}」", PLAN_STAGE_MEANINGS[self.stage]),
            (f"取組 {len(self.actions)}件の実施状況",
             self.counts_text() if self.actions else NO_ACTIONS),
            ("目標の達成",
             f"目標値と実績値のある取組 {len(measured)}件のうち、目標に達したもの {reached}件"
             if measured else "目標値と実績値の両方がある取組はまだありません。"),
        ]


@dataclass(frozen=True)
class DistrictEntry:
    """One district of the year's index: its plan in force, or None where none covers the
    year."""

    district: str
    report: PlanReport | None


@dataclass(frozen=True)
class YearPublication:
    """Every district's plan for one fiscal year (the index page and the CSV)."""

    fiscal_year: int
    districts: tuple[DistrictEntry, ...]

    @property
    def year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def reports(self) -> list[PlanReport]:
        return [e.report for e in self.districts if e.report is not None]


def plan_report(db: Database, actor: Actor, plan_id: int, fiscal_year: int) -> PlanReport:
    """The edition *plan_id* (any edition: an earlier one prints as it was) in
    *fiscal_year*, which must lie in its period (ValidationError otherwise)."""
    actor.require(Action.READ, Resource.PLANS)
    with db.reading(actor) as session:
        plan = load_plan(session, plan_id)
        check_year(plan, fiscal_year)
        return _report(session, plan, fiscal_year)


def year_publication(db: Database, actor: Actor, fiscal_year: int) -> YearPublication:
    """Every district in the usual order with each plan in force in *fiscal_year* (as the
    board chooses it: the latest edition covering the year); a district without one is listed
    with None."""
    actor.require(Action.READ, Resource.PLANS)
    with db.reading(actor) as session:
        reports = [_report(session, p, fiscal_year)
                   for p in plans_in_force(session, fiscal_year)]
    present = {r.district for r in reports}
    entries = [DistrictEntry(r.district, r) for r in reports]
    entries += [DistrictEntry(d, None) for d in DISTRICTS if d not in present]
    order = {d: n for n, d in enumerate(DISTRICTS)}
    entries.sort(key=lambda e: (order.get(e.district, len(order)),
                                e.report.plan_id if e.report is not None else 0))
    return YearPublication(fiscal_year, tuple(entries))


def _report(session: Session, plan: DistrictPlan, fiscal_year: int) -> PlanReport:
    detail = plan_detail(session, plan)
    year = year_detail(session, plan, fiscal_year)
    public = _public_cases(session, [c.id for a in detail.actions for c in a.cases])
    cases = {a.id: tuple(public[c.id] for c in a.cases if c.id in public)
             for a in detail.actions}
    views = {a.id: a for a in detail.actions}
    actions = tuple(
        PublicAction(p.position, p.title, views[p.action_id].detail, p.carrier,
                     views[p.action_id].schedule, p.indicator, p.target, p.unit, p.status,
                     p.result, p.figure, cases.get(p.action_id, ()))
        for p in year.progress)
    revised_by = (session.get(DistrictPlan, detail.revised_by_id)
                  if detail.revised_by_id is not None else None)
    return PlanReport(
        plan_id=plan.id, district=plan.district, organisation_name=detail.organisation_name,
        title=plan.title, first_year=plan.first_year, last_year=plan.last_year,
        vision=plan.vision, edition=plan.edition, adopted_on=plan.adopted_on,
        revised_by_edition=revised_by.edition if revised_by is not None else None,
        revised_from_year=revised_by.first_year if revised_by is not None else None,
        fiscal_year=fiscal_year, stage=year.stage, recorded=year.version > 0,
        evaluation=year.evaluation, improvement=year.improvement,
        published_on=year.published_on, actions=actions,
        workshops=tuple(PublicWorkshop(w.title, w.first_day) for w in detail.workshops))


def _public_cases(session: Session, case_ids: list[int]) -> dict[int, PublicCase]:
    """The cases of *case_ids* that may be published (adopted or later), each with its
    group's name, or none for an individual applicant."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(GrantCase.id, GrantCase.title, GrantCase.stage, Contact.kind, Contact.name,
               GrantProgramme.fiscal_year)
        .join(Contact, Contact.id == GrantCase.contact_id)
        .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
        .where(GrantCase.id.in_(set(case_ids))))
    return {case_id: PublicCase(title, name if kind is ContactKind.GROUP else "", year)
            for case_id, title, stage, kind, name, year in rows if stage in ADOPTED_OR_LATER}
