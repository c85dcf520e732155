"""Consultation statistics (相談の統計): how many consultations, by topic (分野), facility,
month, channel (相談方法) and new or returning consultee (新規・継続), for a fiscal year (年度,
April to March) or for one month with its fiscal-year-to-date figures (月報). Either may be narrowed to one 地域 (district).

Counting happens in the database with GROUP BY: two aggregate queries per call, whatever the
number of records; only the grouped counts (a few thousand rows at most) reach Python. Counts
are figures only, so an administrator, who may not open a record (件数のみ), may count every
facility's; counter staff and advisors count their own facility's. Every function returns
plain frozen dataclasses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, extract, false, func, or_, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import (
    FISCAL_MONTHS,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_range,
    month_range,
    print_style,
    year_month,
)
from kyodo_desk.domain.errors import NotFound, ValidationError
from kyodo_desk.domain.labels import AREAS, UNKNOWN
from kyodo_desk.domain.permissions import Action, Actor, Resource, Scope
from kyodo_desk.models import (
    Consultation,
    ConsultationChannel,
    ConsultationTopic,
    ConsultationTopicLink,
    Contact,
    Facility,
)
from kyodo_desk.services.consultations import CHANNEL_LABELS

__all__ = [
    "CONSULTEE_LABELS", "NO_TOPIC", "CountTable", "FacilityHeading",
    "FiscalYearStatistics", "MonthBreakdown", "MonthStatistics", "district_condition",
    "fiscal_year_statistics",
    "month_statistics", "recorded_fiscal_years", "short_facility_name",
]

NO_TOPIC = "分野の記録なし"  # older records may have no topic; the row shows only if any
# returning_consultee as stored: True 継続, False 新規, None anonymous or no consultee recorded.
CONSULTEE_LABELS: dict[bool | None, str] = {False: "新規", True: "継続", None: "匿名・不明"}


@dataclass(frozen=True)
class CountTable:
    """集計表 — consultation counts, *rows* × *columns*, with their totals (合計).

    The totals are numbers of consultations. Where the rows are topics (分野), one
    consultation with two topics is counted under each of them, so the topic rows may add up
    to more than the column totals and the grand total (*rows_overlap* is then True). In
    every other table the rows add up to the totals exactly.
    """

    title: str  # 分野×施設
    row_heading: str  # 分野
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]  # cells[row][column]
    row_totals: tuple[int, ...]
    column_totals: tuple[int, ...]
    total: int
    rows_overlap: bool = False

    def cell(self, row: str, column: str) -> int:
        """The count in the row and the column with these labels."""
        return self.cells[self.rows.index(row)][self.columns.index(column)]

    def row_total(self, row: str) -> int:
        return self.row_totals[self.rows.index(row)]

    def column_total(self, column: str) -> int:
        return self.column_totals[self.columns.index(column)]


@dataclass(frozen=True)
class MonthBreakdown:
    """One month's counts beside its fiscal year's up to the month's end (当月・年度累計)."""

    title: str  # 相談方法
    rows: tuple[str, ...]  # 来所, 電話, …
    this_month: tuple[int, ...]
    to_date: tuple[int, ...]
    total_this_month: int
    total_to_date: int


@dataclass(frozen=True)
class FacilityHeading:
    """A facility as the statistics name it: the full name in rows, the short one in columns."""

    id: int
    name: str  # 東部市民サービスセンター
    short_name: str  # 東部


@dataclass(frozen=True)
class FiscalYearStatistics:
    """年度の相談件数: from April 1 of *fiscal_year* to March 31 of the next year."""

    fiscal_year: int
    label: str  # 令和8年度
    first_day: date
    last_day: date
    facilities: tuple[FacilityHeading, ...]  # the facilities counted, in their usual order
    one_facility: bool  # counted for one facility only (asked for, or the actor's own)
    months: tuple[date, ...]  # the first day of each month, April to March
    topic_by_facility: CountTable  # 分野×施設
    topic_by_month: CountTable  # 分野×月
    facility_by_month: CountTable  # 施設×月
    channel_by_month: CountTable  # 相談方法×月
    consultee_by_month: CountTable  # 新規・継続×月
    total: int  # consultations in the year
    district: str | None = None  # the 地域 counted (domain.labels.AREAS); None: every one

    @property
    def tables(self) -> tuple[CountTable, ...]:
        """The five views, in the order the screen, the workbook and the CSV show them."""
        return (self.topic_by_facility, self.topic_by_month, self.facility_by_month,
                self.channel_by_month, self.consultee_by_month)

    @property
    def heading(self) -> str:
        """'令和8年度 相談件数', with the facility's name when counted for one facility and
        the 地域 when counted for one (「令和8年度 相談件数（地域: 東部）」)."""
        return _heading(self.label, self.facilities, self.one_facility, self.district)


@dataclass(frozen=True)
class MonthStatistics:
    """月報の数字: one month, and its fiscal year from April 1 to the month's last day."""

    year: int
    month: int
    label: str  # 令和8年11月, as the monthly report (a print) heads it
    fiscal_year: int
    fiscal_year_label: str  # 令和8年度
    first_day: date
    last_day: date
    facilities: tuple[FacilityHeading, ...]
    one_facility: bool
    topic_by_facility: CountTable  # 分野×施設, this month
    topic_by_facility_to_date: CountTable  # 分野×施設, April 1 to the month's end
    channels: MonthBreakdown  # 相談方法
    consultees: MonthBreakdown  # 新規・継続
    months: tuple[date, ...]  # the first day of each month from April to this month
    monthly_totals: tuple[int, ...]  # consultations in each of *months* (月別の件数)
    total: int  # consultations this month
    total_to_date: int  # consultations from April 1 to the month's end
    district: str | None = None  # the 地域 counted; None: every one

    @property
    def heading(self) -> str:
        return _heading(self.label, self.facilities, self.one_facility, self.district)


def _heading(label: str, facilities: Sequence[FacilityHeading], one_facility: bool,
             district: str | None = None) -> str:
    where = f"（{facilities[0].name}）" if one_facility and facilities else ""
    if district is not None:
        where += f"（地域: {district}）"
    return f"{label} 相談件数{where}"


def short_facility_name(name: str) -> str:
    """東部市民サービスセンター → 東部, 秋田市市民交流サロン → 市民交流サロン; others as they are."""
    suffix = "市民サービスセンター"
    if name.endswith(suffix) and len(name) > len(suffix):
        return name[: -len(suffix)]
    if name.startswith("秋田市") and len(name) > len("秋田市"):
        return name[len("秋田市"):]
    return name


# --- public functions ---------------------------------------------------------------------

def fiscal_year_statistics(db: Database, actor: Actor, fiscal_year: int, *,
                           facility_id: int | None = None,
                           district: str | None = None) -> FiscalYearStatistics:
    """The counts of the fiscal year that starts in April *fiscal_year* (2026 = 令和8年度).

    *facility_id* narrows them to one facility. Counter staff and advisors always get their
    own facility's counts; asking for another facility's raises PermissionDenied.
    *district* (one of domain.labels.AREAS) narrows them to the consultations of that 地域:
    see `district_condition`.
    """
    wanted = _counted_facility(actor, facility_id)
    first, last = fiscal_year_range(fiscal_year)
    facilities, tally = _tally(db, actor, wanted, first, last, district)
    months = _months(fiscal_year, FISCAL_MONTHS)
    by_month = ([f"{m}月" for m in FISCAL_MONTHS], [(d.year, d.month) for d in months])
    by_facility = ([f.short_name for f in facilities], [f.id for f in facilities])
    topics = tally.topic_rows()
    return FiscalYearStatistics(
        fiscal_year=fiscal_year, label=fiscal_year_label(fiscal_year), first_day=first,
        last_day=last, facilities=facilities, one_facility=wanted is not None, months=months,
        topic_by_facility=tally.table("分野×施設", "分野", topics, *by_facility,
                                      across="facility_id"),
        topic_by_month=tally.table("分野×月", "分野", topics, *by_month, across="month"),
        facility_by_month=tally.table(
            "施設×月", "施設", [(f.name, f.id) for f in facilities], *by_month,
            across="month", down="facility_id"),
        channel_by_month=tally.table("相談方法×月", "相談方法", _channel_rows(), *by_month,
                                     across="month", down="channel"),
        consultee_by_month=tally.table("新規・継続×月", "相談者", _consultee_rows(),
                                       *by_month, across="month", down="returning"),
        total=tally.total(), district=district,
    )


def month_statistics(db: Database, actor: Actor, year: int, month: int, *,
                     facility_id: int | None = None,
                     district: str | None = None) -> MonthStatistics:
    """The counts of one calendar month, with its fiscal year's up to the month's end (月報).

    Scope and permissions as for `fiscal_year_statistics`.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 to 12, not {month}")
    wanted = _counted_facility(actor, facility_id)
    first, last = month_range(date(year, month, 1))
    fiscal_year = fiscal_year_of(first)
    start, _ = fiscal_year_range(fiscal_year)
    # One pass over April to the month's end: the month is a slice of it.
    facilities, to_date = _tally(db, actor, wanted, start, last, district)
    this_month = to_date.only_month((year, month))
    months = _months(fiscal_year, FISCAL_MONTHS[: FISCAL_MONTHS.index(month) + 1])
    per_month = to_date.counts_by("month")
    by_facility = ([f.short_name for f in facilities], [f.id for f in facilities])
    topics = to_date.topic_rows()

    def breakdown(title: str, rows: list[tuple[str, Hashable]], down: str) -> MonthBreakdown:
        in_month, in_year = this_month.counts_by(down), to_date.counts_by(down)
        return MonthBreakdown(title, tuple(label for label, _ in rows),
                              tuple(in_month[key] for _, key in rows),
                              tuple(in_year[key] for _, key in rows),
                              this_month.total(), to_date.total())

    return MonthStatistics(
        year=year, month=month, label=year_month(first, print_style()), fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_year_label(fiscal_year), first_day=first, last_day=last,
        facilities=facilities, one_facility=wanted is not None,
        topic_by_facility=this_month.table("分野×施設", "分野", topics, *by_facility,
                                           across="facility_id"),
        topic_by_facility_to_date=to_date.table("分野×施設", "分野", topics, *by_facility,
                                                across="facility_id"),
        channels=breakdown("相談方法", _channel_rows(), "channel"),
        consultees=breakdown("新規・継続", _consultee_rows(), "returning"),
        months=months, monthly_totals=tuple(per_month[d.year, d.month] for d in months),
        total=this_month.total(), total_to_date=to_date.total(), district=district,
    )


def recorded_fiscal_years(db: Database, actor: Actor, *, today: date | None = None) -> list[int]:
    """The fiscal years from that of the first consultation the actor may count to the
    current one, newest first (only the current one when nothing is recorded yet)."""
    wanted = _counted_facility(actor, None)
    current = fiscal_year_of(today or date.today())
    with db.reading(actor) as session:
        first = session.scalar(select(func.min(Consultation.held_on))
                               .where(*_conditions(wanted)))
    oldest = min(fiscal_year_of(first), current) if first is not None else current
    return list(range(current, oldest - 1, -1))


# --- permission ---------------------------------------------------------------------------

_NOBODY = -1  # no facility has this id: an own-facility account without a facility counts none


def _counted_facility(actor: Actor, facility_id: int | None) -> int | None:
    """The one facility to count, or None for every facility; refuses what may not be counted."""
    if not actor.may_count(Resource.CONSULTATIONS):
        actor.require(Action.READ, Resource.CONSULTATIONS)  # raises PermissionDenied
    if actor.scope(Action.READ, Resource.CONSULTATIONS) is Scope.OWN_FACILITY:
        if facility_id is not None:
            actor.require(Action.READ, Resource.CONSULTATIONS, facility_id)
        return actor.facility_id if actor.facility_id is not None else _NOBODY
    return facility_id  # any facility (全施設, or 件数のみ for administrators)


def district_condition(district: str) -> ColumnElement[bool]:
    """The consultations of one 地域 (domain.labels.AREAS): the consultee's district where a
    contact is named, else the 地域 recorded for an anonymous consultee. 不明 is a named
    consultee without a district, or an anonymous one whose 地域 was not told."""
    if district not in AREAS:
        raise ValidationError.single(
            "district", f"地域は「{'・'.join(AREAS)}」のどれかを指定してください。")
    unknown = district == UNKNOWN
    of_contacts = select(Contact.id).where(Contact.district == ("" if unknown else district))
    areas = ("", UNKNOWN) if unknown else (district,)
    return or_(Consultation.consultee_contact_id.in_(of_contacts),
               and_(Consultation.consultee_contact_id.is_(None), Consultation.area.in_(areas)))


def _conditions(facility_id: int | None) -> list[ColumnElement[bool]]:
    if facility_id == _NOBODY:
        return [false()]
    return [] if facility_id is None else [Consultation.facility_id == facility_id]


# --- counting -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Group:
    """One group of the consultation query."""

    facility_id: int
    month: tuple[int, int]  # (year, month)
    channel: str
    returning: bool | None


@dataclass(frozen=True)
class _TopicGroup:
    """One group of the topic query; topic_id None: consultations with no topic."""

    topic_id: int | None
    facility_id: int
    month: tuple[int, int]


@dataclass(frozen=True)
class _Tally:
    """The grouped counts of a period, and the topics to list, in display order."""

    consultations: dict[_Group, int]
    topics: dict[_TopicGroup, int]
    topic_names: tuple[tuple[int, str], ...]

    def only_month(self, month: tuple[int, int]) -> _Tally:
        return _Tally({g: n for g, n in self.consultations.items() if g.month == month},
                      {g: n for g, n in self.topics.items() if g.month == month},
                      self.topic_names)

    def total(self) -> int:
        return sum(self.consultations.values())

    def counts_by(self, field: str) -> Counter[Hashable]:
        """Consultations by one field of the group ("facility_id", "month", "channel", …)."""
        counts: Counter[Hashable] = Counter()
        for group, n in self.consultations.items():
            counts[getattr(group, field)] += n
        return counts

    def topic_rows(self) -> list[tuple[str, Hashable]]:
        rows: list[tuple[str, Hashable]] = [(name, tid) for tid, name in self.topic_names]
        if any(g.topic_id is None for g in self.topics):
            rows.append((NO_TOPIC, None))
        return rows

    def table(self, title: str, heading: str, rows: Sequence[tuple[str, Hashable]],
              columns: Sequence[str], column_keys: Sequence[Hashable], *, across: str,
              down: str | None = None) -> CountTable:
        """*rows* × *columns*: the groups' *down* field picks the row (the topic when None),
        their *across* field the column; the totals count consultations."""
        cells: Counter[tuple[Hashable, Hashable]] = Counter()
        if down is None:
            for topic_group, n in self.topics.items():
                cells[topic_group.topic_id, getattr(topic_group, across)] += n
        else:
            for group, n in self.consultations.items():
                cells[getattr(group, down), getattr(group, across)] += n
        # Column totals come from the consultations, so a topic table's 合計 is the number
        # of consultations, never the number of topic mentions.
        by_column = self.counts_by(across)
        grid = tuple(tuple(cells[key, c] for c in column_keys) for _, key in rows)
        return CountTable(
            title=title, row_heading=heading, rows=tuple(label for label, _ in rows),
            columns=tuple(columns), cells=grid, row_totals=tuple(sum(r) for r in grid),
            column_totals=tuple(by_column[c] for c in column_keys), total=self.total(),
            rows_overlap=down is None,
        )


def _tally(db: Database, actor: Actor, facility_id: int | None, first: date,
           last: date, district: str | None = None,
           ) -> tuple[tuple[FacilityHeading, ...], _Tally]:
    """Two GROUP BY queries over the consultations held from *first* to *last* (of
    *district* only, when given)."""
    held = [*_conditions(facility_id), Consultation.held_on >= first,
            Consultation.held_on <= last]
    if district is not None:
        held.append(district_condition(district))
    by_group = _monthly(
        select(Consultation.facility_id.label("facility"), Consultation.channel.label("channel"),
               Consultation.returning_consultee.label("returning_consultee"),
               Consultation.held_on.label("day"), func.count().label("n"))
        .where(*held)
        .group_by(Consultation.facility_id, Consultation.channel,
                  Consultation.returning_consultee, Consultation.held_on),
        ("facility", "channel", "returning_consultee"))
    # Outer join: a consultation without topics counts under topic None.
    by_topic = _monthly(
        select(ConsultationTopicLink.topic_id.label("topic"),
               Consultation.facility_id.label("facility"), Consultation.held_on.label("day"),
               func.count().label("n"))
        .select_from(Consultation)
        .outerjoin(ConsultationTopicLink,
                   ConsultationTopicLink.consultation_id == Consultation.id)
        .where(*held)
        .group_by(ConsultationTopicLink.topic_id, Consultation.facility_id,
                  Consultation.held_on),
        ("topic", "facility"))
    # The two counts run side by side, each on its own connection: together they take as
    # long as the slower one (measured at 1,000,000 records, each is a few hundred ms).
    with ThreadPoolExecutor(max_workers=1) as other:
        counted = other.submit(_fetch, db, actor, by_group)
        topic_rows = _fetch(db, actor, by_topic, hash_memory=True)
        group_rows = counted.result()
    consultations = {
        _Group(facility, (int(y), int(m)), ConsultationChannel(channel).value,
               None if returning is None else bool(returning)): int(n)
        for facility, channel, returning, y, m, n in group_rows
    }
    topics = {_TopicGroup(topic, facility, (int(y), int(m))): int(n)
              for topic, facility, y, m, n in topic_rows}
    used_topics = {g.topic_id for g in topics if g.topic_id is not None}
    used_facilities = {g.facility_id for g in consultations}
    with db.reading(actor) as session:
        return (_facilities(session, facility_id, used_facilities),
                _Tally(consultations, topics, _topic_names(session, used_topics)))


def _fetch(db: Database, actor: Actor, statement: Select[*tuple[Any, ...]], *,
           hash_memory: bool = False) -> Sequence[Row[*tuple[Any, ...]]]:
    with db.reading(actor) as session:
        if hash_memory:
            db.backend.allow_large_joins(session)
        return session.execute(statement).all()


def _monthly(by_day: Select[*tuple[Any, ...]], keys: Sequence[str]) -> Select[*tuple[Any, ...]]:
    """*by_day* (counts *n* per *keys* and *day*) summed again per month.

    The month is worked out once per day and group, not once per record: strftime (SQLite)
    and EXTRACT (PostgreSQL, a numeric) on a year's 200,000 records cost more than counting
    them. The rows come back as *keys*, year, month, count.
    """
    days = by_day.subquery()
    year, month = extract("year", days.c.day), extract("month", days.c.day)
    columns = [days.c[k] for k in keys]
    return select(*columns, year, month, func.sum(days.c.n)).group_by(*columns, year, month)


def _topic_names(session: Session, used: Iterable[int]) -> tuple[tuple[int, str], ...]:
    """Active topics in display order, and retired ones where they were counted."""
    stmt = (select(ConsultationTopic.id, ConsultationTopic.name)
            .where(or_(ConsultationTopic.active, ConsultationTopic.id.in_(list(used))))
            .order_by(ConsultationTopic.display_order, ConsultationTopic.id))
    return tuple((tid, name) for tid, name in session.execute(stmt))


def _facilities(session: Session, facility_id: int | None,
                used: Iterable[int]) -> tuple[FacilityHeading, ...]:
    """The columns: the one facility counted, or every active facility and any closed one
    that has consultations in the period, in the usual display order."""
    if facility_id == _NOBODY:
        return ()
    stmt = select(Facility.id, Facility.name).order_by(Facility.display_order, Facility.id)
    if facility_id is not None:
        stmt = stmt.where(Facility.id == facility_id)
    else:
        stmt = stmt.where(or_(Facility.active, Facility.id.in_(list(used))))
    found = tuple(FacilityHeading(i, name, short_facility_name(name))
                  for i, name in session.execute(stmt))
    if facility_id is not None and not found:
        raise NotFound("この施設は見つかりません。施設を選び直してください。")
    return found


def _months(fiscal_year: int, numbers: Sequence[int]) -> tuple[date, ...]:
    """The first days of the months *numbers* of the fiscal year (January is the next year)."""
    return tuple(date(fiscal_year if m >= 4 else fiscal_year + 1, m, 1) for m in numbers)


def _channel_rows() -> list[tuple[str, Hashable]]:
    return [(CHANNEL_LABELS[c], c.value) for c in ConsultationChannel]


def _consultee_rows() -> list[tuple[str, Hashable]]:
    return [(label, key) for key, label in CONSULTEE_LABELS.items()]
