"""市民協働の推進状況 — the guideline's five directions (指針の目指す方向) measured from the records
for a fiscal year Y (April Y to March Y+1), each figure beside Y-1's (前年度) and the difference.

Everything is counted in the database (GROUP BY, COUNT DISTINCT, SUM over both years at
once): what reaches Python is a few dozen grouped rows, and for 1 the distinct (year, step,
person) triples of the year's steps, never the records themselves. The map (方向への対応づけ,
services/guideline/mapping.py) says which topics, event kinds and programme kinds count
toward each direction.

Dates. A consultation counts in the year of its 相談日; an event and its sign-ups in the year of
the event's first 開催日 (a course that runs into April counts in the year it began); a grant
case in its programme's 年度; a group's founding (団体の設立) on its 設立年月, or its 登録日 when
no 設立年月 is recorded. Cancelled events (中止) are not counted.

Definitions (the report prints them as 定義):

Every direction, from the map:
  - 相談件数: consultations of the year with at least one topic mapped to the direction (a
    consultation with two such topics counts once); below it, each mapped topic's own count
    (a consultation counts under each of its topics).
  - イベント数 / 参加者数: events of the year of a kind mapped to the direction, and the people
    who attended them (出席した申込の人数の合計, party sizes added up).
  - 交付金の採択件数 / 交付決定額: cases of the year's programmes of a kind mapped to the
    direction that were adopted and not withdrawn (採択 or later: 交付決定, 実施, 実績報告,
    確定・支払, 評価, 公表), and the sum of their 交付決定額.

1 参加から参画へ:
  - 参加から関わり始めた人: people (individuals) whose first recorded contact with the office
    falls in the year and was attending an event. A person's first contact is the earliest of
    their consultations (相談日, as the consultee) and their sign-ups (the event's first 開催日,
    whatever became of the sign-up); it was attending when an attended sign-up (出席) is on that
    earliest day.
  - 参画に進んだ人: people who came in by attending (as above, in the year or before) and who
    in the year took one of these steps after it (each also counted on its own line, a person
    once per line and once in the total):
      出展: a booth sign-up (受付済 or 出席) at an event with booths (ブース出展), their own or
        that of a group they belong to or represent, on a day after their first contact;
      申請: a grant case of the year's programmes that reached 申請, of a group they belong to
        (所属) or represent (代表者), or their own;
      団体の設立・加入: representing or belonging to a group founded (設立年月, else 登録日) in
        the year, or joining a group (加入日: a membership recorded in the year; one recorded
        before the app kept the day is dated by the audit log where it can be, else not
        counted), on or after their first contact;
      計画づくりへの参加: attending a workshop linked to a district plan (まちづくり計画の
        ワークショップ), on a day after their first contact.
2 市民活動団体への支援拡充:
  - 支援した団体: distinct groups that in the year consulted (相談者), had a case that reached
    申請 in the year's programmes, or had a booth sign-up (受付済 or 出席).
  - NPO法人化の相談: consultations of the year with a topic whose name contains 「NPO法人」.
3 地域づくり組織を核とした住民主体のまちづくりの実践:
  - 計画のある地域 and the plans in each stage (計画・実行・評価・改善) in the year, and those
    whose 実施状況 was published (公表日 recorded): the board of district plans, each district's
    edition in force that year (a year not yet recorded is 計画).
  - The events counted for 3 are those of a kind mapped to 3 and every workshop linked to a
    plan (ワークショップの参加者).
4 新しい公共の推進:
  - 市民協働ミーティングの参加者: the people who attended 市民協働ミーティング (events of kind
    meeting, whatever the map says: the meeting where the sectors sit together) of the year,
    as イベントの参加者数 counts them, and the same by the 所属の区分 each sign-up gave (市民・
    市民活動団体・地域活動団体・企業・行政; a sign-up that gave none: 未回答).
  - 協働した団体 / 協働した担当課: distinct applicant groups and distinct 協働する担当課 of the
    adopted cases (as above) of the programme kinds mapped to 4.
5 市民活動を取り巻く環境変化への対応:
  - 関わった企業 / 関わったNPO法人: distinct groups of type 企業 / NPO法人 that in the year
    consulted, signed up for an event (not cancelled nor waitlisted) or had a grant case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label, fiscal_year_range
from kyodo_desk.domain.events import EVENT_KIND_LABELS, EventKind, RegistrationStatus
from kyodo_desk.domain.grants import ADOPTED_OR_LATER, GRANT_KIND_LABELS, GrantKind, Stage
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import (
    DIRECTION_AIMS,
    DIRECTION_LABELS,
    PLAN_STAGE_LABELS,
    SECTOR_LABELS,
    Direction,
    DirectionSource,
    PlanStage,
    Sector,
)
from kyodo_desk.models import (
    Consultation,
    ConsultationTopic,
    ConsultationTopicLink,
    Contact,
    ContactKind,
    Event,
    EventSession,
    GrantCase,
    GrantCaseMove,
    GrantProgramme,
    GroupType,
    Membership,
    PlanWorkshop,
    Registration,
)
from kyodo_desk.services.guideline.mapping import MapKey, read_links

ATTENDED = RegistrationStatus.ATTENDED
BOOTH_HELD = (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED)
SIGNED_UP = (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED,
             RegistrationStatus.NO_SHOW)
NPO_TOPIC = "NPO法人"
NO_SECTOR = "none"  # a sign-up without 所属の区分: 未回答
NO_SECTOR_LABEL = "未回答"

# Steps of 参画 (direction 1), in the order the report lists them.
STEPS = {"exhibited": "出展", "applied": "申請", "organised": "団体の設立・加入",
         "planned": "計画づくりへの参加"}


@dataclass(frozen=True)
class Indicator:
    """One figure of the report, this year and last (前年度), with what it counts (定義)."""

    key: str
    label: str
    unit: str  # 人, 件, 団体, 課, 円, 地域, 回
    this_year: int
    last_year: int
    definition: str = ""
    part: bool = False  # a breakdown (うち…) of the indicator above it

    @property
    def difference(self) -> int:
        return self.this_year - self.last_year

    def difference_text(self) -> str:
        """+12, −3, ±0 — as the report prints the change."""
        d = self.difference
        return "±0" if d == 0 else f"+{d:,}" if d > 0 else f"−{-d:,}"


@dataclass(frozen=True)
class DirectionFigures:
    """One direction (方向) with its indicators and what the map counts toward it."""

    direction: Direction
    label: str
    aim: str
    mapped: tuple[str, ...]  # the words of the mapped topics, event kinds and programmes
    indicators: tuple[Indicator, ...]

    @property
    def number(self) -> int:
        return int(self.direction)

    def indicator(self, key: str) -> Indicator:
        return next(i for i in self.indicators if i.key == key)

    def headline(self) -> tuple[Indicator, ...]:
        """The indicators drawn as the direction's bar chart: the main ones, not the parts,
        nor money (yen would dwarf the counts)."""
        return tuple(i for i in self.indicators if not i.part and i.unit != "円")


@dataclass(frozen=True)
class GuidelineReport:
    """市民協働の推進状況 for *fiscal_year*, beside the year before."""

    fiscal_year: int
    label: str  # 令和8年度
    previous_label: str  # 令和7年度
    directions: tuple[DirectionFigures, ...]
    notes: tuple[tuple[str, str], ...] = field(default=())  # (用語, 定義), in report order

    @property
    def title(self) -> str:
        return f"{self.label} 市民協働の推進状況"

    def direction(self, number: int) -> DirectionFigures:
        return next(d for d in self.directions if d.number == number)


# --- the report -----------------------------------------------------------------------------

def guideline_report(db: Database, actor: Actor, fiscal_year: int) -> GuidelineReport:
    """Count the five directions for *fiscal_year* and the year before (figures only: any
    account may count them, as the published report shows them)."""
    actor.require(Action.READ, Resource.DIRECTIONS)
    years = (fiscal_year - 1, fiscal_year)
    with db.reading(actor) as session:
        db.backend.allow_large_joins(session)
        links = read_links(session)
        topic_names = {tid: name for tid, name in session.execute(
            select(ConsultationTopic.id, ConsultationTopic.name)
            .order_by(ConsultationTopic.display_order, ConsultationTopic.id))}
        counted = _Counts(session, years, links, topic_names)
        figures = counted.run()
    stages = _plan_stages(db, actor, years)
    return _compose(fiscal_year, links, topic_names, figures, stages)


@dataclass
class _Figures:
    """The raw counts, keyed (name, year) → number; per topic and per kind kept apart."""

    values: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    topics: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))

    def get(self, name: str, year: int) -> int:
        return self.values.get((name, year), 0)


class _Counts:
    """The queries, each over both years at once (the year is a column of the result)."""

    def __init__(self, session: Session, years: tuple[int, int],
                 links: Mapping[MapKey, frozenset[Direction]],
                 topic_names: Mapping[int, str]) -> None:
        self.session, self.years, self.links = session, years, links
        self.topic_names = topic_names
        self.first = fiscal_year_range(years[0])[0]
        self.last = fiscal_year_range(years[1])[1]
        self.split = fiscal_year_range(years[1])[0]  # the first day of the later year
        self.out = _Figures()

    def year_of(self, day: Any) -> ColumnElement[int]:
        """The fiscal year of a day column within the two years. Written out, not bound: the
        same expression in SELECT and GROUP BY must read alike to PostgreSQL."""
        later, earlier = (literal_column(str(int(y)), Integer) for y in self.years[::-1])
        split = literal_column(f"'{self.split.isoformat()}'", Date)
        return case((day >= split, later), else_=earlier)

    def in_years(self, day: Any) -> ColumnElement[bool]:
        return and_(day >= self.first, day <= self.last)

    def mapped(self, source: DirectionSource, direction: Direction) -> list[str]:
        return sorted(key for (src, key), ds in self.links.items()
                      if src is source and direction in ds)

    def run(self) -> _Figures:
        self._consultations()
        self._events()
        self._grants()
        self._groups()
        self._entrants_and_steps()
        return self.out

    # -- shared subqueries --------------------------------------------------------------

    def event_days(self) -> Any:
        """Each event's first 開催日, with its kind, booths and whether a plan links it."""
        first_day = (select(EventSession.event_id.label("event_id"),
                            func.min(EventSession.held_on).label("day"))
                     .group_by(EventSession.event_id).subquery())
        linked = exists().where(PlanWorkshop.event_id == Event.id)
        return (select(Event.id.label("event_id"), Event.kind.label("kind"),
                       Event.has_booths.label("booths"), first_day.c.day.label("day"),
                       case((linked, 1), else_=0).label("linked"))
                .join(first_day, first_day.c.event_id == Event.id)
                .where(Event.cancelled.is_(False)).subquery())

    def person_groups(self) -> Any:
        """(person, group): memberships (所属) and representatives (代表者)."""
        return union(
            select(Membership.person_id.label("person_id"), Membership.group_id.label("group_id")),
            select(Contact.representative_id.label("person_id"), Contact.id.label("group_id"))
            .where(Contact.representative_id.is_not(None)),
        ).subquery()

    def applied_cases(self) -> Select[*tuple[Any, ...]]:
        """Cases of the two years' programmes that reached 申請: (case contact, year)."""
        reached = exists().where(GrantCaseMove.case_id == GrantCase.id,
                                 GrantCaseMove.to_stage == Stage.APPLICATION)
        return (select(GrantCase.contact_id.label("contact_id"),
                       GrantProgramme.fiscal_year.label("year"))
                .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
                .where(GrantProgramme.fiscal_year.in_(self.years), reached))

    # -- every direction --------------------------------------------------------------

    def _consultations(self) -> None:
        year = self.year_of(Consultation.held_on)
        # Each topic's count in each year.
        rows = self.session.execute(
            select(year.label("year"), ConsultationTopicLink.topic_id, func.count())
            .join(Consultation, Consultation.id == ConsultationTopicLink.consultation_id)
            .where(self.in_years(Consultation.held_on))
            .group_by(year, ConsultationTopicLink.topic_id))
        for y, topic_id, n in rows:
            self.out.topics[int(topic_id), int(y)] += int(n)
        # Each direction's consultations, a consultation once however many of its topics:
        # one pass over the years' topic links, a flag per direction and consultation.
        npo = [t for t, name in self.topic_names.items() if NPO_TOPIC in name]
        wanted = [(f"consultations.{d}", [int(k) for k in self.mapped(DirectionSource.TOPIC, d)])
                  for d in Direction]
        wanted = [(name, topics) for name, topics in [*wanted, ("npo_consultations", npo)]
                  if topics]
        if not wanted:
            return
        flags = [func.max(case((ConsultationTopicLink.topic_id.in_(topics), 1), else_=0))
                 .label(f"f{n}") for n, (_, topics) in enumerate(wanted)]
        each = (select(year.label("year"), *flags)
                .join(Consultation, Consultation.id == ConsultationTopicLink.consultation_id)
                .where(self.in_years(Consultation.held_on),
                       ConsultationTopicLink.topic_id.in_(sorted({t for _, ts in wanted
                                                                  for t in ts})))
                .group_by(ConsultationTopicLink.consultation_id, year).subquery())
        sums = self.session.execute(
            select(each.c.year, *(func.sum(each.c[f"f{n}"]) for n in range(len(wanted))))
            .group_by(each.c.year))
        for y, *counts in sums:
            for (name, _), n in zip(wanted, counts, strict=True):
                self.out.values[name, int(y)] += int(n or 0)

    def _events(self) -> None:
        events = self.event_days()
        year = self.year_of(events.c.day)
        counted = self.session.execute(
            select(year.label("year"), events.c.kind, events.c.linked, func.count())
            .where(self.in_years(events.c.day))
            .group_by(year, events.c.kind, events.c.linked)).all()
        # By sector (所属の区分) too, for the meetings' mix: a handful more grouped rows.
        by_sector = self.session.execute(
            select(year.label("year"), events.c.kind, events.c.linked, Registration.sector,
                   func.sum(Registration.party_size))
            .join(events, events.c.event_id == Registration.event_id)
            .where(self.in_years(events.c.day), Registration.status == ATTENDED)
            .group_by(year, events.c.kind, events.c.linked, Registration.sector)).all()
        attended = [(y, kind, linked, n) for y, kind, linked, _, n in by_sector]
        for direction in Direction:
            kinds = set(self.mapped(DirectionSource.EVENT_KIND, direction))
            for name, rows in (("events", counted), ("participants", attended)):
                for y, kind, linked, n in rows:
                    kind_value = kind.value if isinstance(kind, EventKind) else str(kind)
                    if kind_value in kinds or (direction is Direction.DISTRICTS and linked):
                        self.out.values[f"{name}.{direction}", int(y)] += int(n or 0)
        for y, _kind, linked, n in attended:
            if linked:
                self.out.values["plan_workshop_participants", int(y)] += int(n or 0)
        sectors = {s.value for s in Sector}
        for y, kind, _linked, sector, n in by_sector:
            if kind in (EventKind.MEETING, EventKind.MEETING.value):
                known = sector if sector in sectors else NO_SECTOR
                self.out.values["meeting_participants", int(y)] += int(n or 0)
                self.out.values[f"sector.{known}", int(y)] += int(n or 0)

    def _grants(self) -> None:
        adopted = GrantCase.stage.in_(sorted(ADOPTED_OR_LATER))
        rows = self.session.execute(
            select(GrantProgramme.fiscal_year, GrantProgramme.kind, func.count(),
                   func.coalesce(func.sum(GrantCase.decided), 0))
            .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
            .where(GrantProgramme.fiscal_year.in_(self.years), adopted)
            .group_by(GrantProgramme.fiscal_year, GrantProgramme.kind)).all()
        for direction in Direction:
            kinds = self.mapped(DirectionSource.PROGRAMME_KIND, direction)
            for y, kind, n, amount in rows:
                kind_value = kind.value if isinstance(kind, GrantKind) else str(kind)
                if kind_value in kinds:
                    self.out.values[f"adopted.{direction}", int(y)] += int(n)
                    self.out.values[f"decided.{direction}", int(y)] += int(amount)
            if kinds:
                partners = self.session.execute(
                    select(GrantProgramme.fiscal_year,
                           func.count(func.distinct(GrantCase.contact_id)),
                           func.count(func.distinct(case((func.trim(GrantCase.department) != "",
                                                          func.trim(GrantCase.department))))))
                    .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
                    .where(GrantProgramme.fiscal_year.in_(self.years), adopted,
                           GrantProgramme.kind.in_(kinds))
                    .group_by(GrantProgramme.fiscal_year)).all()
                for y, groups, departments in partners:
                    self.out.values[f"partner_groups.{direction}", int(y)] += int(groups)
                    self.out.values[f"departments.{direction}", int(y)] += int(departments)

    def _groups(self) -> None:
        """Groups by what they did in each year: 相談, 申請, 交付金案件, 出展, 申込. Read as
        distinct (year, group, type, role) — a few thousand rows at most — and counted here."""
        events = self.event_days()
        groups = select(Contact.id).where(Contact.kind == ContactKind.GROUP)
        # Driven from the groups, a probe each into the consultee's index: never a scan of the
        # years' consultations.
        consulted: list[Select[*tuple[Any, ...]]] = [
            select(Contact.id.label("contact_id"), literal_column(str(y), Integer).label("year"),
                   literal_column("'consulted'").label("role"))
            .where(Contact.kind == ContactKind.GROUP, exists().where(
                Consultation.consultee_contact_id == Contact.id,
                Consultation.held_on >= fiscal_year_range(y)[0],
                Consultation.held_on <= fiscal_year_range(y)[1]))
            for y in self.years]
        applied = self.applied_cases().add_columns(literal_column("'applied'").label("role"))
        any_case: Select[*tuple[Any, ...]] = (select(GrantCase.contact_id.label("contact_id"),
                           GrantProgramme.fiscal_year.label("year"),
                           literal_column("'case'").label("role"))
                    .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
                    .where(GrantProgramme.fiscal_year.in_(self.years)))
        signed = (select(Registration.contact_id.label("contact_id"),
                         self.year_of(events.c.day).label("year"),
                         case((and_(events.c.booths.is_(True),
                                    Registration.status.in_(BOOTH_HELD)),
                               literal_column("'exhibited'")),
                              else_=literal_column("'signed_up'")).label("role"))
                  .join(events, events.c.event_id == Registration.event_id)
                  .where(self.in_years(events.c.day), Registration.status.in_(SIGNED_UP),
                         Registration.contact_id.in_(groups)))
        roles = union(*consulted, applied, any_case, signed).subquery()
        rows = self.session.execute(
            select(roles.c.year, roles.c.contact_id, Contact.group_type, roles.c.role)
            .join(Contact, Contact.id == roles.c.contact_id)
            .where(Contact.kind == ContactKind.GROUP)).all()
        # An exhibitor signed up too: 2 counts its booth, 5 its sign-up.
        supported = {"consulted", "applied", "exhibited"}
        involved = {"consulted", "case", "exhibited", "signed_up"}
        counted: dict[tuple[str, int], set[int]] = defaultdict(set)
        for y, contact_id, group_type, role in rows:
            kind = group_type.value if isinstance(group_type, GroupType) else group_type
            if role in supported:
                counted["supported_groups", int(y)].add(contact_id)
            if role in involved and kind == GroupType.COMPANY.value:
                counted["companies", int(y)].add(contact_id)
            if role in involved and kind == GroupType.NPO.value:
                counted["npos", int(y)].add(contact_id)
        for key, members in counted.items():
            self.out.values[key] = len(members)

    # -- direction 1 ------------------------------------------------------------------

    def entrants(self) -> Select[*tuple[Any, ...]]:
        """People whose first recorded contact was attending an event: (person, day)."""
        events = self.event_days()
        per_person = (select(Registration.contact_id.label("person_id"),
                             func.min(events.c.day).label("first_any"),
                             func.min(case((Registration.status == ATTENDED, events.c.day)))
                             .label("first_attended"))
                      .join(events, events.c.event_id == Registration.event_id)
                      .group_by(Registration.contact_id).subquery())
        attendees = select(Registration.contact_id).where(Registration.status == ATTENDED)
        consulted = (select(Consultation.consultee_contact_id.label("person_id"),
                            func.min(Consultation.held_on).label("first_consulted"))
                     .where(Consultation.consultee_contact_id.in_(attendees))
                     .group_by(Consultation.consultee_contact_id).subquery())
        return (select(per_person.c.person_id, per_person.c.first_attended.label("day"))
                .join(Contact, and_(Contact.id == per_person.c.person_id,
                                    Contact.kind == ContactKind.PERSON))
                .outerjoin(consulted, consulted.c.person_id == per_person.c.person_id)
                .where(per_person.c.first_attended.is_not(None),
                       per_person.c.first_attended == per_person.c.first_any,
                       or_(consulted.c.first_consulted.is_(None),
                           per_person.c.first_attended <= consulted.c.first_consulted)))

    def _entrants_and_steps(self) -> None:
        # A CTE: the entrants are worked out once for the count and every step's join.
        entrants = self.entrants().cte("entrants")
        events = self.event_days()
        groups = self.person_groups()
        day = events.c.day
        # Whose sign-up it was: the person's own, or one of their groups'.
        own = select(Registration.id.label("registration_id"),
                     Registration.contact_id.label("person_id"))
        through_group = (select(Registration.id.label("registration_id"),
                                groups.c.person_id.label("person_id"))
                         .join(groups, groups.c.group_id == Registration.contact_id))
        signers = union_all(own, through_group).subquery()
        exhibited = (select(signers.c.person_id, self.year_of(day).label("year"),
                            day.label("day"), literal_column("'exhibited'").label("step"))
                     .join(Registration, Registration.id == signers.c.registration_id)
                     .join(events, events.c.event_id == Registration.event_id)
                     .where(events.c.booths.is_(True), Registration.status.in_(BOOTH_HELD),
                            self.in_years(day)))
        planned = (select(Registration.contact_id.label("person_id"),
                          self.year_of(day).label("year"), day.label("day"),
                          literal_column("'planned'").label("step"))
                   .join(events, events.c.event_id == Registration.event_id)
                   .where(events.c.linked == 1, Registration.status == ATTENDED,
                          self.in_years(day)))
        cases = self.applied_cases().subquery()
        applied_own = select(cases.c.contact_id.label("person_id"), cases.c.year)
        applied_group = (select(groups.c.person_id, cases.c.year)
                         .join(groups, groups.c.group_id == cases.c.contact_id))
        applicants = union_all(applied_own, applied_group).subquery()
        # Dated by the year's last day: any entry up to the year's end counts before it.
        year_end = case((applicants.c.year == self.years[1], literal(self.last)),
                        else_=literal(fiscal_year_range(self.years[0])[1]))
        applied = select(applicants.c.person_id, applicants.c.year, year_end.label("day"),
                         literal_column("'applied'").label("step"))
        founded = func.coalesce(Contact.founded_on, Contact.registered_on)
        founding = (select(groups.c.person_id, self.year_of(founded).label("year"),
                           founded.label("day"), literal_column("'organised'").label("step"))
                    .join(Contact, Contact.id == groups.c.group_id)
                    .where(self.in_years(founded)))
        joined = Membership.joined_on
        joining: Select[*tuple[Any, ...]] = (
            select(Membership.person_id.label("person_id"), self.year_of(joined).label("year"),
                   joined.label("day"), literal_column("'organised'").label("step"))
            .where(self.in_years(joined)))
        steps = union_all(exhibited, planned, applied, founding, joining).subquery()
        later = case((steps.c.step.in_(("exhibited", "planned")), steps.c.day > entrants.c.day),
                     else_=steps.c.day >= entrants.c.day)
        taken = (select(steps.c.year, steps.c.step, steps.c.person_id).distinct()
                 .join(entrants, entrants.c.person_id == steps.c.person_id).where(later))
        entered = (select(self.year_of(entrants.c.day).label("year"),
                          literal_column("'entered'").label("step"), entrants.c.person_id)
                   .where(self.in_years(entrants.c.day)))
        rows = self.session.execute(union_all(taken, entered)).all()
        anyone: dict[int, set[int]] = defaultdict(set)
        for y, step, person in rows:
            if step == "entered":
                self.out.values["entrants", int(y)] += 1
                continue
            self.out.values[f"step.{step}", int(y)] += 1
            anyone[int(y)].add(int(person))
        for y, people in anyone.items():
            self.out.values["stepped", y] = len(people)

    # -- helpers ----------------------------------------------------------------------

    def _count_by_year(self, name: str, stmt: Select[*tuple[Any, ...]]) -> None:
        for y, n in self.session.execute(stmt):
            self.out.values[name, int(y)] += int(n or 0)


def _plan_stages(db: Database, actor: Actor, years: Iterable[int]) -> dict[tuple[str, int], int]:
    """The board of district plans in each year: districts with a plan, plans per stage, and
    plans whose 実施状況 was published."""
    from kyodo_desk.services.plans import board

    out: dict[tuple[str, int], int] = defaultdict(int)
    for year in years:
        for row in board(db, actor, year):
            if row.stage is None:
                continue
            out["plans", year] += 1
            out[f"stage.{row.stage.value}", year] += 1
            if row.published_on is not None:
                out["published", year] += 1
    return out


# --- the words ------------------------------------------------------------------------------

def _compose(fiscal_year: int, links: Mapping[MapKey, frozenset[Direction]],
             topic_names: Mapping[int, str], figures: _Figures,
             stages: Mapping[tuple[str, int], int]) -> GuidelineReport:
    this, last = fiscal_year, fiscal_year - 1

    def ind(key: str, label: str, unit: str, value: tuple[int, int], definition: str = "",
            part: bool = False) -> Indicator:
        return Indicator(key, label, unit, value[1], value[0], definition, part)

    def fig(name: str) -> tuple[int, int]:
        return figures.get(name, last), figures.get(name, this)

    def staged(name: str) -> tuple[int, int]:
        return stages.get((name, last), 0), stages.get((name, this), 0)

    def mapped(source: DirectionSource, direction: Direction) -> list[str]:
        return sorted((key for (src, key), ds in links.items()
                       if src is source and direction in ds), key=_order_key(source))

    notes: list[tuple[str, str]] = []
    directions = []
    for direction in Direction:
        chosen = {int(k) for k in mapped(DirectionSource.TOPIC, direction)}
        topics = [t for t in topic_names if t in chosen]  # in the list's order
        kinds = [EventKind(k) for k in mapped(DirectionSource.EVENT_KIND, direction)]
        programmes = [GrantKind(k) for k in mapped(DirectionSource.PROGRAMME_KIND, direction)]
        words = ([topic_names[t] for t in topics] + [EVENT_KIND_LABELS[k] for k in kinds]
                 + [GRANT_KIND_LABELS[k] for k in programmes])
        rows: list[Indicator] = []
        d = int(direction)
        rows += _specific(direction, fig, staged, ind)
        if topics:
            names = "・".join(topic_names[t] for t in topics)
            rows.append(ind(f"consultations.{d}", "対応づけた分野の相談件数", "件",
                            fig(f"consultations.{d}"),
                            f"相談日が年度内で、分野に「{names}」のいずれかを含む相談の件数"
                            "（複数の分野にわたる相談も1件）"))
            for t in topics:
                value = (figures.topics.get((t, last), 0), figures.topics.get((t, this), 0))
                rows.append(ind(f"topic.{t}", f"うち「{topic_names[t]}」", "件", value,
                                part=True))
        if kinds or direction is Direction.DISTRICTS:
            names = "・".join(EVENT_KIND_LABELS[k] for k in kinds)
            which = f"種類が「{names}」" if kinds else ""
            if direction is Direction.DISTRICTS:
                which = (f"{which}または" if which else "") + "地域まちづくり計画に結びついた"
            rows.append(ind(f"events.{d}", "イベント数", "回", fig(f"events.{d}"),
                            f"初回の開催日が年度内で、{which}イベントの数（中止を除く）"))
            rows.append(ind(f"participants.{d}", "イベントの参加者数", "人",
                            fig(f"participants.{d}"),
                            "それらのイベントに出席した申込の人数の合計"))
        if programmes:
            names = "・".join(GRANT_KIND_LABELS[k] for k in programmes)
            rows.append(ind(f"adopted.{d}", "交付金の採択件数", "件", fig(f"adopted.{d}"),
                            f"年度の「{names}」の案件のうち、採択以降に進んだもの（取下げを除く）"))
            rows.append(ind(f"decided.{d}", "交付決定額", "円", fig(f"decided.{d}"),
                            "それらの案件の交付決定額の合計"))
            if direction is Direction.NEW_PUBLIC:
                rows.append(ind(f"partner_groups.{d}", "協働した団体", "団体",
                                fig(f"partner_groups.{d}"),
                                "それらの案件の申請団体の数（同じ団体は1と数える）"))
                rows.append(ind(f"departments.{d}", "協働した担当課", "課",
                                fig(f"departments.{d}"),
                                "それらの案件の「協働する担当課」の数（同じ課は1と数える）"))
        for row in rows:
            if row.definition and not row.part:
                notes.append((f"{d}. {row.label}", row.definition))
        directions.append(DirectionFigures(direction, DIRECTION_LABELS[direction],
                                           DIRECTION_AIMS[direction], tuple(words),
                                           tuple(rows)))
    return GuidelineReport(fiscal_year, fiscal_year_label(this), fiscal_year_label(last),
                           tuple(directions), tuple(notes))


def _specific(direction: Direction, fig: Any, staged: Any, ind: Any) -> list[Indicator]:
    """The indicators particular to one direction, before those the map gives every one."""
    if direction is Direction.PARTICIPATION:
        rows = [
            ind("entrants", "参加から関わり始めた人", "人", fig("entrants"),
                "その人の最初の記録（相談者としての相談、イベントの申込）が年度内のイベントへの"
                "出席だった個人の数"),
            ind("stepped", "参画に進んだ人", "人", fig("stepped"),
                "イベントへの出席から関わり始めた個人のうち、年度内にその後、出展・申請・団体の"
                "設立や加入・計画づくりへの参加のいずれかをした人の数（1人は1と数える）。"
                "団体の設立は代表者や構成員である団体の設立年月（なければ登録日）、加入は"
                "所属の加入日が年度内のもの"),
        ]
        rows += [ind(f"step.{key}", f"うち{label}", "人", fig(f"step.{key}"), part=True)
                 for key, label in STEPS.items()]
        return rows
    if direction is Direction.CIVIC_GROUPS:
        return [
            ind("supported_groups", "支援した団体", "団体", fig("supported_groups"),
                "年度内に相談者となった、交付金に申請した、またはブース出展した団体の数"
                "（1団体は1と数える）"),
            ind("npo_consultations", "NPO法人化の相談件数", "件", fig("npo_consultations"),
                f"相談日が年度内で、分野の名前に「{NPO_TOPIC}」を含む相談の件数"),
        ]
    if direction is Direction.DISTRICTS:
        rows = [ind("plans", "計画のある地域", "地域", staged("plans"),
                    "年度に効力のある地域まちづくり計画がある地域の数（地域まちづくり計画の一覧）")]
        rows += [ind(f"stage.{stage.value}", f"うち{PLAN_STAGE_LABELS[stage]}の段階", "地域",
                     staged(f"stage.{stage.value}"), part=True) for stage in PlanStage]
        rows.append(ind("published", "実施状況を公表した計画", "件", staged("published"),
                        "年度の実施状況の公表日が記録された計画の数"))
        rows.append(ind("plan_workshop_participants", "計画づくりのワークショップ参加者", "人",
                        fig("plan_workshop_participants"),
                        "地域まちづくり計画に結びついたイベントのうち初回の開催日が年度内の"
                        "ものに出席した申込の人数の合計"))
        return rows
    if direction is Direction.CHANGING_TIMES:
        return [
            ind("companies", "関わった企業", "団体", fig("companies"),
                "年度内に相談者となった、イベントに申し込んだ（キャンセル・キャンセル待ちを除く）、"
                "または交付金案件のある、種別が企業の団体の数"),
            ind("npos", "関わったNPO法人", "団体", fig("npos"),
                "同じく、種別がNPO法人の団体の数"),
        ]
    if direction is Direction.NEW_PUBLIC:
        # The meeting where every sector sits at one table: counted here whatever the map says.
        meeting = EVENT_KIND_LABELS[EventKind.MEETING]
        rows = [ind("meeting_participants", f"{meeting}の参加者", "人",
                    fig("meeting_participants"),
                    f"初回の開催日が年度内の{meeting}（中止を除く）に出席した申込の人数の合計。"
                    f"申込で答えた所属の区分（{'・'.join(SECTOR_LABELS.values())}）ごとにも"
                    f"数え、答えのない申込は{NO_SECTOR_LABEL}とする。多様な主体が一つの場に"
                    "集う会として、方向への対応づけによらず「新しい公共の推進」に数える")]
        rows += [ind(f"sector.{sector.value}", f"うち{label}", "人", fig(f"sector.{sector.value}"),
                     part=True) for sector, label in SECTOR_LABELS.items()]
        rows.append(ind(f"sector.{NO_SECTOR}", f"うち{NO_SECTOR_LABEL}", "人",
                        fig(f"sector.{NO_SECTOR}"), part=True))
        return rows
    return []


def _order_key(source: DirectionSource) -> Any:
    """Event and programme kinds in their enums' order; topics by number."""
    if source is DirectionSource.EVENT_KIND:
        order = {k.value: n for n, k in enumerate(EventKind)}
        return lambda key: order.get(key, 99)
    if source is DirectionSource.PROGRAMME_KIND:
        order = {k.value: n for n, k in enumerate(GrantKind)}
        return lambda key: order.get(key, 99)
    return lambda key: int(key)
