"""District plans (地域まちづくり計画): their editions, actions (取組) and links to the workshops
that made them and the grant cases that fund them.

A plan is kept as editions (版). An edition is edited in place while it is current; 改善 makes a
new edition (`revise_plan`) that copies the actions, each naming the one it carries on, and the
old edition stays as it was (printable, never edited again). Every function takes the open
Database and does its work in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.errors import (
    ConcurrentEdit,
    FieldProblem,
    NotFound,
    UserError,
    ValidationError,
)
from kyodo_desk.domain.labels import DISTRICTS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import ActionCarrier
from kyodo_desk.models import (
    Contact,
    ContactKind,
    DistrictPlan,
    Event,
    EventSession,
    GrantCase,
    PlanAction,
    PlanYear,
)
from kyodo_desk.models.plans import PlanActionCase, PlanWorkshop
from kyodo_desk.services.contacts.erasure import refuse_erased

RECORD = "計画"
_MOST_YEARS = 10  # a plan's period: 令和8–12年度 is five; ten is the longest a city writes


@dataclass(frozen=True)
class ActionDraft:
    """One 取組 as a form holds it; *id* names an action of the edition being edited."""

    title: str
    carrier: ActionCarrier
    detail: str = ""
    schedule: str = ""
    indicator: str = ""
    target: int | None = None
    unit: str = ""
    id: int | None = None


@dataclass(frozen=True)
class PlanDraft:
    """A plan edition's fields as a form holds them."""

    district: str
    title: str
    first_year: int
    last_year: int
    vision: str = ""
    organisation_id: int | None = None
    adopted_on: date | None = None
    actions: tuple[ActionDraft, ...] = ()


@dataclass(frozen=True)
class LinkedCase:
    """A grant case that funds an action."""

    id: int
    title: str
    group_name: str
    decided: int


@dataclass(frozen=True)
class LinkedEvent:
    """A workshop in which the plan was made."""

    id: int
    title: str
    first_day: date | None


@dataclass(frozen=True)
class ActionView:
    id: int
    position: int
    title: str
    detail: str
    carrier: ActionCarrier
    schedule: str
    indicator: str
    target: int | None
    unit: str
    carried_from_id: int | None
    cases: tuple[LinkedCase, ...] = ()

    def as_draft(self) -> ActionDraft:
        return ActionDraft(self.title, self.carrier, self.detail, self.schedule, self.indicator,
                           self.target, self.unit, self.id)


@dataclass(frozen=True)
class PlanDetail:
    """One edition of a plan, as shown and printed."""

    id: int
    district: str
    organisation_id: int | None
    organisation_name: str
    title: str
    first_year: int
    last_year: int
    vision: str
    edition: int
    revises_id: int | None
    revised_by_id: int | None  # the next edition, once 改善 made one
    adopted_on: date | None
    version: int
    actions: tuple[ActionView, ...] = ()
    workshops: tuple[LinkedEvent, ...] = field(default=())

    @property
    def current(self) -> bool:
        """True while no later edition replaces this one (it may still be edited)."""
        return self.revised_by_id is None

    @property
    def period_label(self) -> str:
        """計画期間 in the era: 令和8〜12年度."""
        return period_label(self.first_year, self.last_year)

    def as_draft(self) -> PlanDraft:
        return PlanDraft(self.district, self.title, self.first_year, self.last_year, self.vision,
                         self.organisation_id, self.adopted_on,
                         tuple(a.as_draft() for a in self.actions))


def period_label(first_year: int, last_year: int) -> str:
    """'令和8〜12年度' (one era), '平成30〜令和4年度' across an era change, '令和8年度' for one."""
    first, last = fiscal_year_label(first_year), fiscal_year_label(last_year)
    if first == last:
        return first
    era = first[:2]
    if last.startswith(era):
        return f"{first[:-2]}〜{last[2:]}"
    return f"{first[:-2]}〜{last}"


# --- checking a draft ---------------------------------------------------------------------------

def clean_plan_draft(draft: PlanDraft) -> PlanDraft:
    """The draft with its text trimmed, or ValidationError naming every field at fault."""
    problems: list[FieldProblem] = []
    title = draft.title.strip()
    if not title:
        problems.append(FieldProblem("title", "計画の名称を入力してください。"))
    if draft.district not in DISTRICTS:
        problems.append(FieldProblem(
            "district", f"地域は「{'・'.join(DISTRICTS)}」のどれかを選んでください。"))
    if draft.last_year < draft.first_year:
        problems.append(FieldProblem("last_year", "計画期間の終わりは始まりより後の年度にしてください。"))
    elif draft.last_year - draft.first_year >= _MOST_YEARS:
        problems.append(FieldProblem("last_year", f"計画期間は{_MOST_YEARS}年度までにしてください。"))
    actions: list[ActionDraft] = []
    for number, action in enumerate(draft.actions, start=1):
        name = action.title.strip()
        if not name:
            problems.append(FieldProblem(f"actions.{number}.title",
                                         f"{number}番目の取組の名称を入力してください。"))
        if action.target is not None and action.target < 0:
            problems.append(FieldProblem(f"actions.{number}.target",
                                         f"{number}番目の取組の目標値は0以上にしてください。"))
        actions.append(replace(action, title=name, detail=action.detail.strip(),
                               schedule=action.schedule.strip(),
                               indicator=action.indicator.strip(), unit=action.unit.strip()))
    if problems:
        raise ValidationError(problems)
    return replace(draft, title=title, vision=draft.vision.strip(), actions=tuple(actions))


# --- reading ------------------------------------------------------------------------------------

def load_plan(session: Session, plan_id: int) -> DistrictPlan:
    plan = session.get(DistrictPlan, plan_id)
    if plan is None:
        raise NotFound("この計画は削除されています（他の窓口で削除された可能性があります）。"
                       "一覧を開き直してください。")
    return plan


def plan_detail(session: Session, plan: DistrictPlan) -> PlanDetail:
    organisation = (session.get(Contact, plan.organisation_id)
                    if plan.organisation_id is not None else None)
    revised_by = session.scalar(select(DistrictPlan.id).where(
        DistrictPlan.revises_id == plan.id))
    action_ids = [a.id for a in plan.actions]
    cases: dict[int, list[LinkedCase]] = {}
    if action_ids:
        rows = session.execute(
            select(PlanActionCase.action_id, GrantCase.id, GrantCase.title, Contact.name,
                   GrantCase.decided)
            .join(GrantCase, GrantCase.id == PlanActionCase.case_id)
            .join(Contact, Contact.id == GrantCase.contact_id)
            .where(PlanActionCase.action_id.in_(action_ids))
            .order_by(GrantCase.id))
        for action_id, case_id, title, group, decided in rows:
            cases.setdefault(action_id, []).append(LinkedCase(case_id, title, group, decided))
    workshops = session.execute(
        select(Event.id, Event.title).join(PlanWorkshop, PlanWorkshop.event_id == Event.id)
        .where(PlanWorkshop.plan_id == plan.id).order_by(Event.id)).all()
    firsts = _first_days(session, [w.id for w in workshops])
    return PlanDetail(
        id=plan.id, district=plan.district, organisation_id=plan.organisation_id,
        organisation_name=organisation.name if organisation is not None else "",
        title=plan.title, first_year=plan.first_year, last_year=plan.last_year,
        vision=plan.vision, edition=plan.edition, revises_id=plan.revises_id,
        revised_by_id=revised_by, adopted_on=plan.adopted_on, version=plan.version,
        actions=tuple(ActionView(a.id, a.position, a.title, a.detail, a.carrier, a.schedule,
                                 a.indicator, a.target, a.unit, a.carried_from_id,
                                 tuple(cases.get(a.id, ()))) for a in plan.actions),
        workshops=tuple(sorted((LinkedEvent(w.id, w.title, firsts.get(w.id))
                                for w in workshops),
                               key=lambda e: (e.first_day or date.max, e.id))))


def _first_days(session: Session, event_ids: list[int]) -> dict[int, date]:
    if not event_ids:
        return {}
    rows = session.execute(select(EventSession.event_id, func.min(EventSession.held_on))
                           .where(EventSession.event_id.in_(event_ids))
                           .group_by(EventSession.event_id))
    return {event_id: day for event_id, day in rows}


def get_plan(db: Database, actor: Actor, plan_id: int) -> PlanDetail:
    actor.require(Action.READ, Resource.PLANS)
    with db.reading(actor) as session:
        return plan_detail(session, load_plan(session, plan_id))


@dataclass(frozen=True)
class PlanSummary:
    """A plan edition as a list shows it."""

    id: int
    district: str
    title: str
    first_year: int
    last_year: int
    edition: int
    current: bool
    organisation_name: str
    actions: int

    @property
    def period_label(self) -> str:
        return period_label(self.first_year, self.last_year)


def list_plans(db: Database, actor: Actor, *, district: str | None = None,
               include_earlier_editions: bool = False) -> list[PlanSummary]:
    """Plans in the districts' usual order, newest period first; only each plan's current
    edition unless *include_earlier_editions*."""
    actor.require(Action.READ, Resource.PLANS)
    with db.reading(actor) as session:
        revised = set(session.scalars(select(DistrictPlan.revises_id)
                                      .where(DistrictPlan.revises_id.is_not(None))))
        counts = dict(session.execute(select(PlanAction.plan_id, func.count())
                                      .group_by(PlanAction.plan_id)).all())
        stmt = (select(DistrictPlan, Contact.name)
                .outerjoin(Contact, Contact.id == DistrictPlan.organisation_id))
        if district:
            stmt = stmt.where(DistrictPlan.district == district)
        rows = session.execute(stmt).all()
    order = {d: n for n, d in enumerate(DISTRICTS)}
    found = [PlanSummary(p.id, p.district, p.title, p.first_year, p.last_year, p.edition,
                         p.id not in revised, name or "", counts.get(p.id, 0))
             for p, name in rows if include_earlier_editions or p.id not in revised]
    return sorted(found, key=lambda s: (order.get(s.district, len(order)), -s.first_year,
                                        -s.edition, s.id))


def editions(db: Database, actor: Actor, plan_id: int) -> list[PlanSummary]:
    """Every edition of the plan *plan_id* belongs to, the first first."""
    actor.require(Action.READ, Resource.PLANS)
    with db.reading(actor) as session:
        chain = edition_chain(session, load_plan(session, plan_id))
        last = chain[-1].id
        return [PlanSummary(p.id, p.district, p.title, p.first_year, p.last_year, p.edition,
                            p.id == last, "", len(p.actions)) for p in chain]


def edition_chain(session: Session, plan: DistrictPlan) -> list[DistrictPlan]:
    """The editions of *plan*'s lineage, first to current."""
    first = plan
    while first.revises_id is not None:
        first = load_plan(session, first.revises_id)
    chain = [first]
    while True:
        later = session.scalar(select(DistrictPlan).where(DistrictPlan.revises_id == chain[-1].id))
        if later is None:
            return chain
        chain.append(later)


# --- writing ------------------------------------------------------------------------------------

def _check_organisation(session: Session, organisation_id: int | None) -> None:
    if organisation_id is None:
        return
    organisation = session.get(Contact, organisation_id)
    if organisation is None:
        raise ValidationError.single("organisation", "地域づくり組織が見つかりません。選び直してください。")
    refuse_erased(organisation.erased_on, "organisation")
    if organisation.kind is not ContactKind.GROUP:
        raise ValidationError.single("organisation", "地域づくり組織には団体を選んでください。")


def _apply(session: Session, plan: DistrictPlan, d: PlanDraft) -> None:
    plan.district, plan.title, plan.vision = d.district, d.title, d.vision
    plan.first_year, plan.last_year = d.first_year, d.last_year
    plan.organisation_id, plan.adopted_on = d.organisation_id, d.adopted_on
    kept = {a.id: a for a in plan.actions}
    unknown = [a.id for a in d.actions if a.id is not None and a.id not in kept]
    if unknown:
        raise ConcurrentEdit(RECORD)
    actions = []
    for position, a in enumerate(d.actions, start=1):
        row = kept.get(a.id) if a.id is not None else None
        if row is None:
            row = PlanAction()
        row.position, row.title, row.detail, row.carrier = position, a.title, a.detail, a.carrier
        row.schedule, row.indicator, row.target, row.unit = (a.schedule, a.indicator, a.target,
                                                             a.unit)
        actions.append(row)
    plan.actions = actions


@retry_on_contention
def create_plan(db: Database, actor: Actor, draft: PlanDraft) -> PlanDetail:
    """A new plan (its first edition)."""
    actor.require(Action.CREATE, Resource.PLANS)
    cleaned = clean_plan_draft(draft)
    with db.writing(actor) as session:
        _check_organisation(session, cleaned.organisation_id)
        plan = DistrictPlan(edition=1)
        _apply(session, plan, cleaned)
        session.add(plan)
        session.flush()
        return plan_detail(session, plan)


@retry_on_contention
def update_plan(db: Database, actor: Actor, plan_id: int, version: int,
                draft: PlanDraft) -> PlanDetail:
    """Save the current edition as changed from *version*. An earlier edition is kept as it
    was: it is refused."""
    actor.require(Action.CHANGE, Resource.PLANS)
    cleaned = clean_plan_draft(draft)
    try:
        with db.writing(actor) as session:
            plan = load_plan(session, plan_id)
            if plan.version != version:
                raise ConcurrentEdit(RECORD)
            _refuse_earlier_edition(session, plan)
            if plan.revises_id is not None:
                _refuse_start_before(load_plan(session, plan.revises_id), cleaned.first_year)
            if cleaned.organisation_id != plan.organisation_id:
                _check_organisation(session, cleaned.organisation_id)
            _apply(session, plan, cleaned)
            session.flush()
            return plan_detail(session, plan)
    except StaleDataError:
        raise ConcurrentEdit(RECORD) from None


def _refuse_start_before(revised: DistrictPlan, first_year: int) -> None:
    """A later edition takes over from the one it revises: it starts after that one began."""
    if first_year <= revised.first_year:
        raise ValidationError.single(
            "first_year", f"改定した版の計画期間は、改定前の第{revised.edition}版"
            f"（{fiscal_year_label(revised.first_year)}から）より後の年度から始めてください。")


def _refuse_earlier_edition(session: Session, plan: DistrictPlan) -> None:
    later = session.scalar(select(DistrictPlan.edition).where(DistrictPlan.revises_id == plan.id))
    if later is not None:
        raise UserError(f"この計画（第{plan.edition}版）は第{later}版に改定されています。"
                        "改定前の版は記録として残すため変更できません。最新の版を開いてください。")


@retry_on_contention
def revise_plan(db: Database, actor: Actor, plan_id: int, version: int, *, from_year: int,
                adopted_on: date | None = None) -> PlanDetail:
    """改善: a new edition of the plan from fiscal year *from_year*, carrying its actions
    (each naming the one it carries on) and its workshops; the edition revised stays as it
    was. The new edition is edited afterwards like any current one."""
    actor.require(Action.CREATE, Resource.PLANS)
    try:
        with db.writing(actor) as session:
            old = load_plan(session, plan_id)
            if old.version != version:
                raise ConcurrentEdit(RECORD)
            _refuse_earlier_edition(session, old)
            if not old.first_year < from_year <= old.last_year + 1:
                raise ValidationError.single(
                    "from_year", f"改定は{fiscal_year_label(old.first_year + 1)}から"
                    f"{fiscal_year_label(old.last_year + 1)}までの年度に始めてください。")
            last_year = max(old.last_year, from_year)
            new = DistrictPlan(district=old.district, organisation_id=old.organisation_id,
                               title=old.title, first_year=from_year, last_year=last_year,
                               vision=old.vision, edition=old.edition + 1, revises_id=old.id,
                               adopted_on=adopted_on)
            new.actions = [PlanAction(position=a.position, title=a.title, detail=a.detail,
                                      carrier=a.carrier, schedule=a.schedule,
                                      indicator=a.indicator, target=a.target, unit=a.unit,
                                      carried_from_id=a.id) for a in old.actions]
            new.workshops = [PlanWorkshop(event_id=w.event_id) for w in old.workshops]
            session.add(new)
            session.flush()
            return plan_detail(session, new)
    except StaleDataError:
        raise ConcurrentEdit(RECORD) from None


@retry_on_contention
def link_workshop(db: Database, actor: Actor, plan_id: int, event_id: int, *,
                  linked: bool = True) -> PlanDetail:
    """Link (or with *linked* False unlink) an event in which the plan was made."""
    actor.require(Action.CHANGE, Resource.PLANS)
    with db.writing(actor) as session:
        plan = load_plan(session, plan_id)
        if session.get(Event, event_id) is None:
            raise NotFound("このイベントは削除されています。一覧を開き直してください。")
        present = next((w for w in plan.workshops if w.event_id == event_id), None)
        if linked and present is None:
            plan.workshops.append(PlanWorkshop(event_id=event_id))
        elif not linked and present is not None:
            plan.workshops.remove(present)
        session.flush()
        return plan_detail(session, plan)


@retry_on_contention
def link_case(db: Database, actor: Actor, action_id: int, case_id: int, *,
              linked: bool = True) -> PlanDetail:
    """Link (or unlink) a grant case that funds the action *action_id*."""
    actor.require(Action.CHANGE, Resource.PLANS)
    with db.writing(actor) as session:
        action = session.get(PlanAction, action_id)
        if action is None:
            raise NotFound("この取組は削除されています。計画を開き直してください。")
        if session.get(GrantCase, case_id) is None:
            raise NotFound("この交付金案件は削除されています。一覧を開き直してください。")
        present = session.get(PlanActionCase, (action_id, case_id))
        if linked and present is None:
            session.add(PlanActionCase(action_id=action_id, case_id=case_id))
        elif not linked and present is not None:
            session.delete(present)
        session.flush()
        return plan_detail(session, load_plan(session, action.plan_id))


@retry_on_contention
def delete_plan(db: Database, actor: Actor, plan_id: int, version: int) -> None:
    """Remove a plan edition entered by mistake: only the current one, and only while it has
    no year recorded (a plan with a history is revised, never removed)."""
    actor.require(Action.DELETE, Resource.PLANS)
    with db.writing(actor) as session:
        plan = load_plan(session, plan_id)
        if plan.version != version:
            raise ConcurrentEdit(RECORD)
        _refuse_earlier_edition(session, plan)
        if session.scalar(select(PlanYear.id).where(PlanYear.plan_id == plan.id).limit(1)):
            raise UserError("年度の実施状況が記録された計画は削除できません（記録として残します）。")
        session.delete(plan)
