"""The consultation list (相談記録の一覧): filtered, searched, sorted and read a page at a time.

Only the records the actor may read are ever selected (the facility condition is part of the
SQL). Roles that may only count (件数のみ) get every facility's rows with the consultee and
the text masked, and may not search the text, since which records match a name is itself
personal information. Pages are fetched by key (the last row's sort values), never by
offset, so the millionth row costs what the first does.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    SQLColumnExpression,
    and_,
    case,
    exists,
    false,
    func,
    or_,
    select,
    true,
    tuple_,
    union,
)
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Action, Actor, Resource, Scope
from kyodo_desk.domain.text import fold_query, query_grams
from kyodo_desk.models import (
    Account,
    Consultation,
    ConsultationChannel,
    ConsultationStatus,
    ConsultationTopic,
    ConsultationTopicLink,
    Contact,
    Facility,
)
from kyodo_desk.services.consultations import ANONYMOUS
from kyodo_desk.services.read_log import View, log_read

__all__ = [
    "ANONYMOUS", "MASKED", "ConsultationFilter", "ConsultationPage", "ConsultationRow",
    "ConsultationSort", "FollowUpCounts", "count_consultations", "follow_up_counts",
    "list_consultations", "my_follow_ups_filter",
]

PAGE_SIZE = 100
SUMMARY_LENGTH = 60
MASKED = "（非表示）"
SCAN_BUDGET_WINDOWS = 10  # how far a search may read on in list order: this many windows


class ConsultationSort(enum.StrEnum):
    NEWEST = "newest"  # 相談日の新しい順
    OLDEST = "oldest"  # 相談日の古い順
    FACILITY = "facility"  # 施設順 (then newest first)
    FOLLOW_UP = "follow_up"  # フォローアップ期限の近い順 (overdue first)


@dataclass(frozen=True)
class ConsultationFilter:
    """What the list shows; every field left at its default shows everything readable.

    *follow_up_only*: open follow-ups (対応中 with a due date). *overdue_on*: only those
    whose due date is before that day (期限切れ).
    """

    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    facility_id: int | None = None
    staff_account_id: int | None = None
    topic_id: int | None = None
    channel: ConsultationChannel | None = None
    status: ConsultationStatus | None = None
    follow_up_only: bool = False
    overdue_on: date | None = None


@dataclass(frozen=True)
class ConsultationRow:
    """One row of the consultation list (personal fields masked for count-only roles)."""

    id: int
    held_on: date
    start_time: time | None
    facility_id: int
    facility_name: str
    staff_account_id: int
    staff_name: str
    consultee_contact_id: int | None
    consultee_name: str
    anonymous: bool
    channel: ConsultationChannel
    status: ConsultationStatus
    topic_names: tuple[str, ...]
    asked_summary: str
    follow_up_due: date | None
    follow_up_plan: str  # フォローアップの予定, on one line
    masked: bool = False


PageKey = tuple[Any, ...]


@dataclass(frozen=True)
class ConsultationPage:
    rows: list[ConsultationRow]
    next_key: PageKey | None  # hand back as *after* for the next page; None: this was the last
    masked: bool


@dataclass(frozen=True)
class FollowUpCounts:
    """An account's open follow-ups (要フォロー) and how many of them are overdue."""

    open: int
    overdue: int


def my_follow_ups_filter(actor: Actor) -> ConsultationFilter:
    """「自分のフォローアップ」: the actor's open follow-ups; sort by FOLLOW_UP for overdue first."""
    return ConsultationFilter(staff_account_id=actor.account_id, follow_up_only=True)


# --- reading -------------------------------------------------------------------------------

def list_consultations(
    db: Database,
    actor: Actor,
    where: ConsultationFilter | None = None,
    *,
    sort: ConsultationSort = ConsultationSort.NEWEST,
    after: PageKey | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    position: int | None = None,
) -> ConsultationPage:
    """One page of the records the actor may see that match *where*, in *sort* order.

    The page starts after the row whose sort key is *after* (cheap at any depth), or else
    *offset* rows in (for a jump to a part of the list not read yet). *position*: how many
    rows of the list come before the page, for its audit row (services/read_log.py); by
    default *offset*, or not known after a key.
    """
    where = where or ConsultationFilter()
    masked = _check_may_list(actor, where)
    runs = _SORTS[sort]
    conditions = _conditions(actor, where)
    folded = fold_query(where.text)
    with db.reading(actor) as session:
        if folded:
            ids = _matching_ids(db, session, conditions, runs, after, folded,
                                offset + limit)[offset:]
        else:
            ids = _ids_in_order(session, conditions, runs, after, offset, limit)
        rows = _rows_in_order(session, runs, ids)
        topics = _topic_names(session, ids)
    entries = [_row(r, topics.get(r.id, ()), masked) for r in rows]
    if position is None and after is None:
        position = offset
    # A count-only role's page shows no one (consultee and text masked): nothing to log.
    if not masked:
        log_read(db, actor, Consultation.__tablename__, View.CONSULTATION_LIST,
                 rows=len(entries), offset=position, page_size=limit, searched=bool(folded),
                 filters=_filter_kinds(where))
    width = len(_sort_keys(runs))
    next_key = tuple(rows[-1][-width:]) if len(rows) == limit else None
    return ConsultationPage(entries, next_key, masked)


def _filter_kinds(w: ConsultationFilter) -> list[str]:
    """The kinds of filter *w* applies, for the audit row (never the values chosen)."""
    return [name for name, applied in (
        ("facility", w.facility_id is not None),
        ("period", w.date_from is not None or w.date_to is not None),
        ("staff", w.staff_account_id is not None), ("topic", w.topic_id is not None),
        ("channel", w.channel is not None), ("status", w.status is not None),
        ("follow_up", w.follow_up_only), ("overdue", w.overdue_on is not None)) if applied]


def count_consultations(db: Database, actor: Actor,
                        where: ConsultationFilter | None = None) -> int:
    """How many records the list would show in all (for the 「N件」 beside it)."""
    where = where or ConsultationFilter()
    _check_may_list(actor, where)
    conditions = _conditions(actor, where)
    folded = fold_query(where.text)
    with db.reading(actor) as session:
        if not folded:
            return session.scalar(
                select(func.count()).select_from(Consultation).where(*conditions)) or 0
        matches = _text_matches(db, session, conditions, [], folded).subquery()
        return session.scalar(select(func.count()).select_from(matches)) or 0


def follow_up_counts(db: Database, actor: Actor, today: date) -> FollowUpCounts:
    """The actor's own open follow-ups, for the badge on the tab."""
    if actor.account_id is None or not actor.may(Action.READ, Resource.CONSULTATIONS):
        return FollowUpCounts(0, 0)
    mine = _conditions(actor, my_follow_ups_filter(actor))
    overdue = func.sum(case((Consultation.follow_up_due < today, 1), else_=0))
    with db.reading(actor) as session:
        total, late = session.execute(
            select(func.count(), overdue).select_from(Consultation).where(*mine)).one()
    return FollowUpCounts(total or 0, int(late or 0))


# --- conditions and order ------------------------------------------------------------------

def _check_may_list(actor: Actor, where: ConsultationFilter) -> bool:
    """Refuse what the actor may not list; True when the rows must be masked."""
    if not actor.may_count(Resource.CONSULTATIONS):
        actor.require(Action.READ, Resource.CONSULTATIONS)
    scope = actor.scope(Action.READ, Resource.CONSULTATIONS)
    if scope is Scope.OWN_FACILITY and where.facility_id is not None:
        actor.require(Action.READ, Resource.CONSULTATIONS, where.facility_id)
    masked = scope is Scope.COUNT_ONLY
    if masked and fold_query(where.text):
        raise UserError("件数のみの権限では、相談の内容や相談者を検索できません。"
                        "期間・施設・分野などの条件で絞り込んでください。")
    return masked


def _conditions(actor: Actor, w: ConsultationFilter) -> list[ColumnElement[bool]]:
    c = Consultation
    conditions: list[ColumnElement[bool]] = []
    if actor.scope(Action.READ, Resource.CONSULTATIONS) is Scope.OWN_FACILITY:
        # No facility: nothing is readable; -1 matches no row and keeps the query's shape.
        conditions.append(c.facility_id == (actor.facility_id or -1))
    if w.facility_id is not None:
        conditions.append(c.facility_id == w.facility_id)
    if w.date_from is not None:
        conditions.append(c.held_on >= w.date_from)
    if w.date_to is not None:
        conditions.append(c.held_on <= w.date_to)
    if w.staff_account_id is not None:
        conditions.append(c.staff_account_id == w.staff_account_id)
    if w.channel is not None:
        conditions.append(c.channel == w.channel)
    if w.status is not None:
        conditions.append(c.status == w.status)
    if w.follow_up_only or w.overdue_on is not None:
        conditions += [c.status == ConsultationStatus.IN_PROGRESS, c.follow_up_due.is_not(None)]
    if w.overdue_on is not None:
        conditions.append(c.follow_up_due < w.overdue_on)
    if w.topic_id is not None:
        conditions.append(exists().where(ConsultationTopicLink.consultation_id == c.id,
                                         ConsultationTopicLink.topic_id == w.topic_id))
    return conditions


@dataclass(frozen=True)
class _Run:
    """Sort columns that go the same way.

    A page reads on from the row before it by comparing them as one row value,
    `(held_on, id) < (…)`, which both databases answer from a range of an index; the same
    test written as an OR chain made both read the list from its top (the ids of a page
    900,000 rows deep: 1–2 ms against 170–400 ms; benchmarks/consultations.py (5)).
    """

    columns: tuple[SQLColumnExpression[Any], ...]
    descending: bool = False
    # One column whose NULLs come after every value (期限: the records without one, last).
    nulls_last: bool = False
    # One column read a value at a time (施設, each newest first): the columns after it go
    # the other way, and each value's rows are one range of an index in that order.
    stepped: bool = False


def _sorts() -> dict[ConsultationSort, tuple[_Run, ...]]:
    c = Consultation
    return {
        ConsultationSort.NEWEST: (_Run((c.held_on, c.id), descending=True),),
        ConsultationSort.OLDEST: (_Run((c.held_on, c.id)),),
        ConsultationSort.FACILITY: (_Run((c.facility_id,), stepped=True),
                                    _Run((c.held_on, c.id), descending=True)),
        ConsultationSort.FOLLOW_UP: (_Run((c.follow_up_due,), nulls_last=True),
                                     _Run((c.held_on, c.id))),
    }


_SORTS = _sorts()

SortKey = tuple[SQLColumnExpression[Any], bool]  # (expression, descending)
# Part of the list: conditions that select it, and the order it is read in (index order).
Stretch = tuple[list[ColumnElement[bool]], list[ColumnElement[Any]]]


def _sort_keys(runs: Sequence[_Run]) -> list[SortKey]:
    return [(col, run.descending) for run in runs for col in run.columns]


def _ordered(col: SQLColumnExpression[Any], desc: bool) -> ColumnElement[Any]:
    return col.desc() if desc else col.asc()


def _labelled(runs: Sequence[_Run]) -> list[ColumnElement[Any]]:
    """The sort columns named k0, k1, … so that a subquery or union can be ordered by them."""
    return [col.label(f"k{i}") for i, (col, _) in enumerate(_sort_keys(runs))]


def _order_by_labels(rows: Any, runs: Sequence[_Run]) -> list[ColumnElement[Any]]:
    """The whole order over labelled rows (a union of matches is sorted, not read in order)."""
    order, i = [], 0
    for run in runs:
        for _col in run.columns:
            key = _ordered(rows.c[f"k{i}"], run.descending)
            order.append(key.nulls_last() if run.nulls_last else key)
            i += 1
    return order


def _stretches(session: Session, conditions: list[ColumnElement[bool]],
               runs: Sequence[_Run], after: PageKey | None) -> Iterator[Stretch]:
    """The list after the row whose key is *after* (None: from the top), as stretches that
    follow one another in list order, each read from one range of an index in its order."""
    if after is None:
        yield from _rest(session, conditions, runs, 0, [], None)
        return
    values, start = [], 0
    for run in runs:
        values.append(tuple(after[start:start + len(run.columns)]))
        start += len(run.columns)
    # The rows that share the key's first runs come first: the last run's tail of them, then
    # the rows past the key in the run before, and so on up to the first run.
    for i in reversed(range(len(runs))):
        same = [_equal(run, v) for run, v in zip(runs[:i], values[:i], strict=True)]
        yield from _rest(session, conditions, runs, i, same, values[i])


def _rest(session: Session, conditions: list[ColumnElement[bool]], runs: Sequence[_Run],
          i: int, same: list[ColumnElement[bool]],
          start: tuple[Any, ...] | None) -> Iterator[Stretch]:
    """The rows equal to *same* in runs[:i] and past *start* (None: all) in runs[i]."""
    if i == len(runs):
        yield same, []
        return
    run = runs[i]
    col = run.columns[0]
    if run.stepped:
        value = None if start is None else start[0]
        while (value := _next_value(session, [*conditions, *same], run, value)) is not None:
            yield from _rest(session, conditions, runs, i + 1, [*same, col == value], None)
        return
    if run.nulls_last:
        if start is not None and start[0] is None:
            return  # among the NULLs already, which the later runs go on through
        yield ([*same, col.is_not(None) if start is None else _past(run, start)],
               _index_order(runs[i:]))
        yield from _rest(session, conditions, runs, i + 1, [*same, col.is_(None)], None)
        return
    yield [*same, *(() if start is None else (_past(run, start),))], _index_order(runs[i:])


def _past(run: _Run, values: tuple[Any, ...]) -> ColumnElement[bool]:
    if len(run.columns) == 1:
        left, right = run.columns[0], values[0]
    else:
        left, right = tuple_(*run.columns), values
    return left < right if run.descending else left > right


def _equal(run: _Run, values: tuple[Any, ...]) -> ColumnElement[bool]:
    return and_(*(col.is_(None) if v is None else col == v
                  for col, v in zip(run.columns, values, strict=True)))


def _index_order(runs: Sequence[_Run]) -> list[ColumnElement[Any]]:
    return [_ordered(col, desc) for col, desc in _sort_keys(runs)]


def _next_value(session: Session, conditions: list[ColumnElement[bool]], run: _Run,
                value: Any) -> Any:
    """The stepped column's next value among the rows, after *value* (None: the first)."""
    col = run.columns[0]
    past = [] if value is None else [col < value if run.descending else col > value]
    first = func.max(col) if run.descending else func.min(col)
    return session.scalar(select(first).where(*conditions, *past))


def _after(session: Session, conditions: list[ColumnElement[bool]], runs: Sequence[_Run],
           after: PageKey | None) -> list[ColumnElement[bool]]:
    """The rows after *after* as one condition, for a set that is sorted rather than read
    in order (the matches of a search)."""
    if after is None:
        return []
    return [or_(false(), *(and_(true(), *where)
                           for where, _ in _stretches(session, conditions, runs, after)))]


def _ids_in_order(session: Session, conditions: list[ColumnElement[bool]],
                  runs: Sequence[_Run], after: PageKey | None, offset: int,
                  limit: int) -> list[int]:
    """Ids of *limit* rows in list order after *after*, or *offset* rows in."""
    ids: list[int] = []
    for where, order in _stretches(session, conditions, runs, after):
        stmt = select(Consultation.id).where(*conditions, *where).order_by(*order)
        found = session.scalars(stmt.offset(offset or None).limit(limit - len(ids))).all()
        if offset and not found:  # the whole stretch lies before the offset
            offset -= session.scalar(select(func.count()).select_from(
                stmt.limit(offset).subquery())) or 0
            continue
        offset = 0
        ids += found
        if len(ids) == limit:
            break
    return ids


# --- free text -----------------------------------------------------------------------------

def _matching_ids(db: Database, session: Session, conditions: list[ColumnElement[bool]],
                  runs: Sequence[_Run], after: PageKey | None, folded: str,
                  limit: int) -> Sequence[int]:
    """Ids of the first *limit* matches in list order after *after*.

    The next rows of the list are read first (a common word fills a page from them); only
    when they do not fill it are the gram indexes asked, for the text and for the consultee's
    name.
    """
    window = db.backend.scan_window
    ids = _scan(db, session, conditions, runs, after, folded, limit, window)
    if 0 < len(ids) < limit:
        # The word is common enough to have turned up among the newest rows: reading on
        # costs less than looking up every one of its matches (25,000 of them at 1,000,000
        # records take 200 ms to order by date). Read as far as the rate met so far says
        # should fill the page, within a budget.
        wanted = window * limit * 3 // (2 * len(ids))
        if wanted <= window * SCAN_BUDGET_WINDOWS:
            ids = _scan(db, session, conditions, runs, after, folded, limit, wanted)
    if len(ids) == limit:
        return ids
    db.backend.favour_index(session)
    past = _after(session, conditions, runs, after)
    matches = _text_matches(db, session, [*conditions, *past], runs, folded).subquery()
    return session.scalars(
        select(matches.c.id)
        .order_by(*_order_by_labels(matches, runs))
        .limit(limit)
    ).all()


def _scan(db: Database, session: Session, conditions: list[ColumnElement[bool]],
          runs: Sequence[_Run], after: PageKey | None, folded: str, limit: int,
          budget: int) -> list[int]:
    """The matches (text or consultee's name) among the next *budget* rows in list order."""
    ids: list[int] = []
    read: Select[*tuple[Any, ...]] | None = None  # the stretch before, counted only if one follows
    for where, order in _stretches(session, conditions, runs, after):
        if read is not None:
            budget -= session.scalar(select(func.count()).select_from(read.subquery())) or 0
            if budget <= 0:
                break
        read = (select(Consultation.id).where(*conditions, *where).order_by(*order)
                .limit(budget))
        rows = (
            select(Consultation.id, Consultation.search_text,
                   Contact.search_text.label("consultee_text"), *_labelled(runs))
            .outerjoin(Contact, Contact.id == Consultation.consultee_contact_id)
            .where(*conditions, *where)
            .order_by(*order)
            .limit(budget)
            .subquery()
        )
        found = db.backend.contains(rows.c.search_text, folded) | db.backend.contains(
            func.coalesce(rows.c.consultee_text, ""), folded)
        ids += session.scalars(
            select(rows.c.id).where(found)
            .order_by(*_order_by_labels(rows, runs))
            .limit(limit - len(ids))
        ).all()
        if len(ids) == limit:
            break
    return ids


def _text_matches(db: Database, session: Session, conditions: list[ColumnElement[bool]],
                  runs: Sequence[_Run], folded: str) -> CompoundSelect[*tuple[Any, ...]]:
    """Records whose text, or whose consultee's name, holds *folded* (via the gram indexes)."""
    grams = query_grams(folded)
    labelled = _labelled(runs)
    exact = [db.backend.contains(Consultation.search_text, folded)] if len(folded) > 1 else []
    by_text = db.backend.with_grams(
        select(Consultation.id, *labelled).where(*conditions, *exact),
        Consultation.__table__, grams)
    contact_exact = [db.backend.contains(Contact.search_text, folded)] if len(folded) > 1 else []
    people = db.backend.with_grams(
        select(Contact.id).where(*contact_exact), Contact.__table__, grams).subquery()
    by_consultee = select(Consultation.id, *labelled).where(
        *conditions, Consultation.consultee_contact_id.in_(select(people.c.id)))
    return union(by_text, by_consultee)


# --- rows ----------------------------------------------------------------------------------

def _rows_in_order(session: Session, runs: Sequence[_Run],
                   ids: Sequence[int]) -> list[Row[*tuple[Any, ...]]]:
    if not ids:
        return []
    stmt = (
        select(Consultation.id, Consultation.held_on, Consultation.start_time,
               Consultation.facility_id, Facility.name.label("facility_name"),
               Consultation.staff_account_id, Account.display_name.label("staff_name"),
               Consultation.consultee_contact_id, Contact.name.label("consultee_name"),
               Consultation.anonymous, Consultation.channel, Consultation.status,
               Consultation.asked, Consultation.follow_up_due, Consultation.follow_up_plan,
               *_labelled(runs))
        .join(Facility, Facility.id == Consultation.facility_id)
        .join(Account, Account.id == Consultation.staff_account_id)
        .outerjoin(Contact, Contact.id == Consultation.consultee_contact_id)
        .where(Consultation.id.in_(ids))
    )
    by_id = {row.id: row for row in session.execute(stmt)}
    return [by_id[i] for i in ids]


def _topic_names(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    if not ids:
        return {}
    names: dict[int, list[str]] = defaultdict(list)
    for consultation_id, name in session.execute(
        select(ConsultationTopicLink.consultation_id, ConsultationTopic.name)
        .join(ConsultationTopic, ConsultationTopic.id == ConsultationTopicLink.topic_id)
        .where(ConsultationTopicLink.consultation_id.in_(ids))
        .order_by(ConsultationTopic.display_order, ConsultationTopic.id)
    ):
        names[consultation_id].append(name)
    return {k: tuple(v) for k, v in names.items()}


def _row(r: Row[*tuple[Any, ...]], topics: tuple[str, ...], masked: bool) -> ConsultationRow:
    if r.anonymous:
        consultee = ANONYMOUS
    elif masked and r.consultee_contact_id is not None:
        consultee = MASKED
    else:
        consultee = r.consultee_name or ""
    return ConsultationRow(
        id=r.id, held_on=r.held_on, start_time=r.start_time, facility_id=r.facility_id,
        facility_name=r.facility_name, staff_account_id=r.staff_account_id,
        staff_name=r.staff_name,
        consultee_contact_id=None if masked else r.consultee_contact_id,
        consultee_name=consultee, anonymous=r.anonymous,
        channel=ConsultationChannel(r.channel), status=ConsultationStatus(r.status),
        topic_names=topics, asked_summary=MASKED if masked else summary(r.asked),
        follow_up_due=r.follow_up_due,
        follow_up_plan=MASKED if masked and r.follow_up_plan else summary(r.follow_up_plan),
        masked=masked,
    )


def summary(text: str) -> str:
    """A text on one line, cut to fit a list cell."""
    line = " ".join(text.split())
    return line if len(line) <= SUMMARY_LENGTH else line[: SUMMARY_LENGTH - 1] + "…"
