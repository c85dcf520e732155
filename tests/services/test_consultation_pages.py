"""Pages of the consultation list in every order (issue 14): each row exactly once and in
order across ties of the sort key, and a page deep in the list read from one range of an
index from where the last page ended, as the first page is (both databases)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, text

from kyodo_desk.services import consultations as svc
from kyodo_desk.services.consultations import ConsultationDetail, ConsultationDraft
from kyodo_desk.services.consultations.listing import (
    ConsultationFilter,
    ConsultationSort,
    list_consultations,
)
from tests.consultation_fields import valid
from tests.services.test_consultation_list import every_page

TODAY = date.today()
DAYS = (TODAY - timedelta(days=9), TODAY - timedelta(days=5), TODAY - timedelta(days=2))
DUE = (None, TODAY + timedelta(days=3), TODAY + timedelta(days=10))


def in_list_order(sort: ConsultationSort, rows: list[ConsultationDetail]) -> list[int]:
    """What each order means, written out: the list must agree with it."""
    key = {
        ConsultationSort.NEWEST: lambda c: (-c.held_on.toordinal(), -c.id),
        ConsultationSort.OLDEST: lambda c: (c.held_on, c.id),
        ConsultationSort.FACILITY: lambda c: (c.facility_id, -c.held_on.toordinal(), -c.id),
        ConsultationSort.FOLLOW_UP: lambda c: (c.follow_up_due or date.max, c.held_on, c.id),
    }[sort]
    return [c.id for c in sorted(rows, key=key)]


@pytest.fixture
def ties(db, accounts_by_login, facilities) -> list[ConsultationDetail]:  # type: ignore[no-untyped-def]
    """27 records on 3 days at 3 facilities with 3 due dates (one none): ties everywhere."""
    officer = accounts_by_login["officer"]
    made = []
    for i in range(27):
        facility = facilities[("east", "west", "salon")[i // 3 % 3]]
        made.append(svc.create_consultation(db, officer, ConsultationDraft(**valid({
            "held_on": DAYS[i % 3], "facility_id": facility, "asked": f"相談{i}",
            "follow_up_due": DUE[i // 9]}))))
    return made


def pages(db, actor, sort, where=None, limit=2) -> list[int]:  # type: ignore[no-untyped-def]
    return every_page(db, actor, where, sort, limit)


def test_paging_gives_every_row_once_in_order_across_ties(
        db, accounts_by_login, facilities, ties, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    officer, staff = accounts_by_login["officer"], accounts_by_login["staff"]
    word = ConsultationFilter(text="相談")
    scanning = db.backend
    for sort in ConsultationSort:
        expected = in_list_order(sort, ties)
        for limit in (1, 4):
            assert pages(db, officer, sort, limit=limit) == expected, (sort, limit)
        east = in_list_order(sort, [c for c in ties if c.facility_id == facilities["east"]])
        assert pages(db, staff, sort, limit=2) == east, sort  # staff: their facility only
        for offset in (4, 11, 26):  # a jump with the scroll bar, then on by key
            jump = list_consultations(db, officer, sort=sort, offset=offset, limit=5)
            assert [r.id for r in jump.rows] == expected[offset:offset + 5], (sort, offset)

        # A search reads the same order: from the next rows, and from the index past them.
        monkeypatch.setattr(db, "backend", scanning)
        assert pages(db, officer, sort, word, limit=4) == expected, sort
        monkeypatch.setattr(db, "backend", dataclasses.replace(scanning, scan_window=2))
        assert pages(db, officer, sort, word, limit=3) == expected, sort
        assert [r.id for r in list_consultations(db, officer, word, sort=sort, offset=7,
                                                 limit=4).rows] == expected[7:11], sort


# --- the cost of a deep page -----------------------------------------------------------------

@contextmanager
def statements(db) -> Iterator[list[tuple[str, object]]]:  # type: ignore[no-untyped-def]
    """The SQL the list sends (and its parameters), to be explained afterwards."""
    sent: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("SELECT") and "consultations" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def plan(db, statement: str, parameters: object) -> list[str]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        if db.backend.is_sqlite:
            return [row[-1] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters)]
        # A table of a few rows is read whole by any planner; refused a full scan and a sort,
        # PostgreSQL shows which index ranges the query lets it read.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            conn.execute(text(f"SET {setting} = off"))
        return [row[0] for row in conn.exec_driver_sql(
            "EXPLAIN (COSTS OFF) " + statement, parameters)]


def reads_from_the_key(db, lines: list[str]) -> bool:  # type: ignore[no-untyped-def]
    """Every read of the table starts at a place in an index, and nothing is sorted."""
    if db.backend.is_sqlite:
        reads = [line for line in lines if " consultations " in f"{line} "]
        return all(line.startswith("SEARCH ") and "(" in line for line in reads) and not any(
            "TEMP B-TREE" in line for line in lines)
    nodes = [(i, line.strip().removeprefix("->  ")) for i, line in enumerate(lines)]
    for i, node in nodes:
        if node.startswith(("Sort", "Incremental Sort", "Seq Scan")):
            return False
        if " on consultations" in node:
            details = []
            for line in lines[i + 1:]:
                if "->" in line:
                    break
                details.append(line)
            if not any("Index Cond" in d for d in details):
                return False
    return True


def test_a_deep_page_is_read_from_where_the_last_one_ended(
        db, accounts_by_login, ties) -> None:  # type: ignore[no-untyped-def]
    officer, staff = accounts_by_login["officer"], accounts_by_login["staff"]
    # Pages that run on from one facility, or one due date, into the next.
    for sort, (actor, depth) in itertools.product(ConsultationSort, ((officer, 7), (staff, 2))):
        key = list_consultations(db, actor, sort=sort, offset=depth - 1, limit=1).next_key
        with statements(db) as sent:
            page = list_consultations(db, actor, sort=sort, after=key, limit=5)
        assert len(page.rows) == 5 and sent
        for statement, parameters in sent:
            lines = plan(db, statement, parameters)
            assert reads_from_the_key(db, lines), "\n".join([sort, statement, *lines])
