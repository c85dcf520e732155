"""No overbooking, ever: many counters signing up, cancelling and checking in at the same moment.

Every counter here has its own engine (its own Database, opened on the same URL), so each holds
a real, separate database connection: eight threads on PostgreSQL, two processes on one SQLite
file. They start together at a barrier and race for the same event's seats; afterwards the
stored sign-ups must show exactly the seats there are, a waitlist in arrival order, and no
error reached any caller.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text

from kyodo_desk.database import Database, open_database
from kyodo_desk.domain.events import EventKind, QueueRule, RegistrationStatus
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Attendance, Contact, ContactKind
from kyodo_desk.services.contacts import list_facilities
from kyodo_desk.services.demo import contact_row
from kyodo_desk.services.events import EventDraft, SessionDraft, create_event, get_event
from kyodo_desk.services.events.checkin import CheckInOutcome, check_in_by_code
from kyodo_desk.services.events.registrations import (
    RegistrationInfo,
    SignUpDraft,
    cancel_registration,
    list_registrations,
    sign_up,
)

S = RegistrationStatus
TODAY = date(2026, 11, 24)
EVENT_DAY = date(2026, 12, 5)
COUNTERS = 8
JOIN_TIMEOUT = 120  # seconds; a deadlock fails the test instead of hanging the run

on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
_PHONES = (f"090-{n // 10000:04d}-{n % 10000:04d}" for n in itertools.count(1))


# --- setup ---------------------------------------------------------------------------------

def add_people(db: Database, prefix: str, count: int) -> list[int]:
    """*count* made-up people, bulk-inserted (search columns filled as the ORM would); ids in
    order. Names differ and phones are unique, so the duplicate check never stops a sign-up."""
    rows = []
    for n in range(count):
        name = f"{prefix}{n:04d}"
        phone = next(_PHONES)
        rows.append(contact_row(ContactKind.PERSON, name, phone=phone, notes=""))
    with db.writing(Actor.command_line()) as session:
        session.execute(insert(Contact), rows)
    with db.reading(None) as session:
        ids = session.scalars(select(Contact.id).where(Contact.name.like(f"{prefix}%"))
                              .order_by(Contact.id)).all()
    assert len(ids) == count
    return list(ids)


def add_event(db: Database, capacity: int, rule: QueueRule = QueueRule.STRICT) -> tuple[int, int]:
    """An event of *capacity* seats with one session; returns (event id, session id)."""
    facility = next(f.id for f in list_facilities(db, Actor.system()) if f.code == "east")
    detail = create_event(db, Actor.command_line(), EventDraft(
        kind=EventKind.SEMINAR, title="並行受付の試験講座", facility_id=facility,
        sessions=(SessionDraft(EVENT_DAY),), venue_facility_id=facility, capacity=capacity,
        queue_rule=rule))
    return detail.id, detail.sessions[0].id


@dataclass(frozen=True)
class Made:
    """One sign-up as its caller saw it."""

    counter: int
    contact_id: int
    registration_id: int
    queue_number: int
    status: RegistrationStatus


def race(url: str, work: Callable[[Database, int], Any], counters: int = COUNTERS,
         watch: Callable[[Database], None] | None = None) -> list[Any]:
    """Run *work(db, n)* in *counters* threads at once, each on its own engine and connection.

    Each thread opens the database itself and holds a live connection before the barrier, so
    the race is between connections, not between connection setups. Any exception in a thread
    is reported with its traceback. *watch*, if given, runs in one more thread (with its own
    engine) until the counters are done.
    """
    databases = [open_database(url) for _ in range(counters)]
    barrier = threading.Barrier(counters)
    results: list[Any] = [None] * counters
    errors: list[str] = []
    done = threading.Event()
    pids: set[int] = set()

    def run(n: int) -> None:
        try:
            db = databases[n]
            with db.reading(None) as session:  # a connection of its own, in the pool from now on
                if not db.backend.is_sqlite:
                    pids.add(session.scalar(text("SELECT pg_backend_pid()")))
            barrier.wait(timeout=30)
            results[n] = work(db, n)
        except BaseException:
            errors.append(f"counter {n}:\n{traceback.format_exc()}")
            barrier.abort()

    watcher_db = open_database(url) if watch else None

    def observe() -> None:
        assert watcher_db is not None and watch is not None
        try:
            while not done.is_set():
                watch(watcher_db)
            watch(watcher_db)
        except BaseException:
            errors.append(f"watcher:\n{traceback.format_exc()}")

    threads = [threading.Thread(target=run, args=(n,), name=f"counter-{n}")
               for n in range(counters)]
    watcher = threading.Thread(target=observe, name="watcher") if watch else None
    try:
        if watcher:
            watcher.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(JOIN_TIMEOUT)
        done.set()
        if watcher:
            watcher.join(JOIN_TIMEOUT)
        stuck = [t.name for t in [*threads, *([watcher] if watcher else [])] if t.is_alive()]
        assert not stuck, f"still running after {JOIN_TIMEOUT} s (deadlock?): {stuck}"
    finally:
        for db in databases:
            db.dispose()
        if watcher_db:
            watcher_db.dispose()
    assert not errors, "an exception reached a caller:\n" + "\n".join(errors)
    if not databases[0].backend.is_sqlite:
        assert len(pids) == counters, f"the counters shared connections: {sorted(pids)}"
    return results


def signing_up(event_id: int, people: Sequence[Sequence[int]],
               sizes: Callable[[int, int], int] = lambda _n, _i: 1,
               actor: Actor | None = None) -> Callable[[Database, int], list[Made]]:
    """Counter *n* signs up people[n], one after another, with party sizes sizes(n, i)."""
    who = actor or Actor.command_line()

    def work(db: Database, n: int) -> list[Made]:
        made = []
        for i, contact_id in enumerate(people[n]):
            reg = sign_up(db, who, event_id, SignUpDraft(contact_id, sizes(n, i)),
                          today=TODAY).registration
            made.append(Made(n, contact_id, reg.id, reg.queue_number, reg.status))
        return made

    return work


# --- what must hold afterwards -------------------------------------------------------------

def seats_taken(regs: Sequence[RegistrationInfo]) -> int:
    return sum(r.party_size for r in regs if r.status in (S.CONFIRMED, S.ATTENDED, S.NO_SHOW))


def check_queue(regs: Sequence[RegistrationInfo], expected: int) -> None:
    """Queue numbers 1..expected, each once; the waitlist's positions follow them."""
    assert sorted(r.queue_number for r in regs) == list(range(1, expected + 1))
    waiting = sorted((r for r in regs if r.status is S.WAITLISTED), key=lambda r: r.queue_number)
    assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))


def check_callers_saw_the_stored_rows(made: Sequence[Made],
                                      regs: Sequence[RegistrationInfo]) -> None:
    """What each caller was told (number, status) is what was stored; within one counter its
    sign-ups' numbers rise in the order it made them."""
    stored = {r.id: r for r in regs}
    assert len(made) == len(regs)
    for m in made:
        assert (stored[m.registration_id].queue_number, stored[m.registration_id].status,
                stored[m.registration_id].contact_id) == (m.queue_number, m.status, m.contact_id)
    by_counter: dict[int, list[int]] = {}
    for m in made:
        by_counter.setdefault(m.counter, []).append(m.queue_number)
    for numbers in by_counter.values():
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def interleavings(made: Sequence[Made]) -> int:
    """How often the counter changes along the queue (7 for eight counters run one by one)."""
    order = [m.counter for m in sorted(made, key=lambda m: m.queue_number)]
    return sum(1 for a, b in itertools.pairwise(order) if a != b)


# --- PostgreSQL: eight counters, eight connections -----------------------------------------

@on_postgresql
def test_eight_counters_at_once_give_exactly_the_seats_there_are(db, database_url, actor) -> None:  # type: ignore[no-untyped-def]
    event_id, _ = add_event(db, capacity=10)
    people = add_people(db, "並行受付", COUNTERS * 25)
    shares = [people[n::COUNTERS] for n in range(COUNTERS)]

    results = race(database_url, signing_up(event_id, shares, actor=actor))

    made = [m for r in results for m in r]
    regs = list_registrations(db, actor, event_id)
    confirmed = [r for r in regs if r.status is S.CONFIRMED]
    waitlisted = [r for r in regs if r.status is S.WAITLISTED]
    assert len(regs) == 200
    assert len(confirmed) == 10 and len(waitlisted) == 190
    assert {r.contact_id for r in regs} == set(people)
    check_queue(regs, 200)
    assert max(r.queue_number for r in confirmed) < min(r.queue_number for r in waitlisted)
    assert sorted(r.queue_number for r in confirmed) == list(range(1, 11))
    check_callers_saw_the_stored_rows(made, regs)
    assert get_event(db, actor, event_id).seats.taken == 10
    assert interleavings(made) > COUNTERS - 1, "the counters never actually raced"


@on_postgresql
def test_mixed_party_sizes_under_the_strict_rule_never_pass_the_capacity(db, database_url, actor) -> None:  # type: ignore[no-untyped-def]
    event_id, _ = add_event(db, capacity=10, rule=QueueRule.STRICT)
    people = add_people(db, "並行団体", COUNTERS * 25)
    shares = [people[n::COUNTERS] for n in range(COUNTERS)]

    def size(n: int, i: int) -> int:
        return (n + i) % 3 + 1

    results = race(database_url, signing_up(event_id, shares, size, actor=actor))

    made = [m for r in results for m in r]
    regs = sorted(list_registrations(db, actor, event_id), key=lambda r: r.queue_number)
    assert len(regs) == 200
    check_queue(regs, 200)
    check_callers_saw_the_stored_rows(made, regs)
    taken = seats_taken(regs)
    assert taken <= 10
    # 受付順: the seats go to a run of the first arrivals; from the first party that did not
    # fit, everybody waits, even a smaller party behind it that would have fitted.
    statuses = [r.status for r in regs]
    first_waiting = statuses.index(S.WAITLISTED)
    assert set(statuses[:first_waiting]) == {S.CONFIRMED}
    assert set(statuses[first_waiting:]) == {S.WAITLISTED}
    assert taken + regs[first_waiting].party_size > 10
    assert get_event(db, actor, event_id).seats.taken == taken
    assert interleavings(made) > COUNTERS - 1, "the counters never actually raced"


@on_postgresql
def test_cancelling_and_signing_up_at_once_keeps_the_seats_and_moves_the_waitlist(
        db, database_url, actor) -> None:  # type: ignore[no-untyped-def]
    capacity = 10
    event_id, _ = add_event(db, capacity=capacity, rule=QueueRule.FIRST_FIT)
    first = add_people(db, "先行申込", 40)
    for i, contact_id in enumerate(first):
        sign_up(db, actor, event_id, SignUpDraft(contact_id, i % 3 + 1), today=TODAY)
    before = sorted(list_registrations(db, actor, event_id), key=lambda r: r.queue_number)
    assert seats_taken(before) <= capacity
    assert {r.status for r in before[-8:]} == {S.WAITLISTED}
    # Each counter cancels four of the earlier sign-ups (the seat holders and most of the
    # waitlist; the last eight keep waiting, to be moved up) and signs up ten new people,
    # taking turns: cancel, sign up, sign up, cancel, …
    to_cancel = [[before[n + COUNTERS * k].id for k in range(4)] for n in range(COUNTERS)]
    newcomers = add_people(db, "後発申込", COUNTERS * 10)
    shares = [newcomers[n::COUNTERS] for n in range(COUNTERS)]
    highest_seen: list[int] = []

    def work(counter_db: Database, n: int) -> list[tuple[str, Any]]:
        done: list[tuple[str, Any]] = []
        cancels, joins = list(to_cancel[n]), list(shares[n])
        for step in range(14):
            if step % 3 == 0 and cancels:
                result = cancel_registration(counter_db, actor, cancels.pop(0))
                done.append(("cancel", result))
            else:
                contact_id = joins.pop(0)
                reg = sign_up(counter_db, actor, event_id,
                              SignUpDraft(contact_id, (n + step) % 3 + 1), today=TODAY)
                done.append(("sign_up", reg))
        return done

    def watch(watcher: Database) -> None:
        seats = get_event(watcher, actor, event_id).seats
        highest_seen.append(seats.taken)
        assert seats.taken <= capacity, f"overbooked: {seats.label()}"

    results = race(database_url, work, watch=watch)

    regs = sorted(list_registrations(db, actor, event_id), key=lambda r: r.queue_number)
    cancelled_ids = {i for ids in to_cancel for i in ids}
    assert {r.id for r in regs if r.status is S.CANCELLED} == cancelled_ids
    assert len(regs) == 40 + COUNTERS * 10
    assert sorted(r.queue_number for r in regs) == list(range(1, len(regs) + 1))
    waiting = [r for r in regs if r.status is S.WAITLISTED]
    assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
    taken = seats_taken(regs)
    assert taken <= capacity
    assert max(highest_seen) <= capacity
    # 入る組から: no waiting party that fits the free seats is left behind.
    free = capacity - taken
    assert all(r.party_size > free for r in waiting), (free, [r.party_size for r in waiting])
    assert get_event(db, actor, event_id).seats.taken == taken
    # Whoever was told "moved up" holds a seat now (or gave it up again by cancelling).
    promoted = {p.id for r in results for kind, res in r if kind == "cancel"
                for p in res.moved.promoted}
    stored = {r.id: r for r in regs}
    assert all(stored[i].status in (S.CONFIRMED, S.CANCELLED) for i in promoted)


# --- check-in: two scanners, one receipt ---------------------------------------------------

def test_two_scanners_reading_one_receipt_at_once_count_it_once(db, database_url, actor) -> None:  # type: ignore[no-untyped-def]
    event_id, session_id = add_event(db, capacity=20)
    people = add_people(db, "同時入場", 10)
    tickets = [sign_up(db, actor, event_id, SignUpDraft(c), today=TODAY).registration
               for c in people]
    assert all(t.status is S.CONFIRMED for t in tickets)
    # Each receipt is scanned at both doors at the same moment, one receipt after another.
    gates = [threading.Barrier(2) for _ in tickets]

    def scan(counter_db: Database, n: int) -> list[CheckInOutcome]:
        outcomes = []
        try:
            for reg, gate in zip(tickets, gates, strict=True):
                gate.wait(timeout=30)
                outcomes.append(check_in_by_code(counter_db, actor, session_id,
                                                 reg.ticket.text()).outcome)
        except BaseException:
            for gate in gates:  # the other scanner stops at once instead of timing out
                gate.abort()
            raise
        return outcomes

    results = race(database_url, scan, counters=2)

    for i, reg in enumerate(tickets):
        assert sorted([results[0][i], results[1][i]], key=lambda o: o.name) == [
            CheckInOutcome.ALREADY, CheckInOutcome.CHECKED_IN], reg.contact_name
    with db.reading(None) as session:
        per_registration = dict(session.execute(
            select(Attendance.registration_id, func.count())
            .where(Attendance.session_id == session_id)
            .group_by(Attendance.registration_id)).all())
    assert per_registration == {t.id: 1 for t in tickets}
    assert {r.status for r in list_registrations(db, actor, event_id)} == {S.ATTENDED}


# --- SQLite: two processes on one file -----------------------------------------------------

def _sqlite_counter(url: str, counter: int, event_id: int, people: list[int], pause: float,
                    barrier: Any, out: Any) -> None:
    """One counter's process: opens the file itself, then signs up *people* one by one,
    *pause* seconds apart."""
    made: list[tuple[int, int, int, int, str]] = []
    errors: list[str] = []
    try:
        db = open_database(url)
        with db.reading(None) as session:
            session.execute(text("SELECT 1"))
        barrier.wait(timeout=60)
        for contact_id in people:
            try:
                reg = sign_up(db, Actor.command_line(), event_id, SignUpDraft(contact_id),
                              today=TODAY).registration
                made.append((counter, contact_id, reg.id, reg.queue_number, reg.status.value))
                time.sleep(pause)
            except Exception:
                errors.append(traceback.format_exc())
        db.dispose()
    except BaseException:
        errors.append(traceback.format_exc())
    out.put((counter, made, errors))


@on_sqlite
@pytest.mark.parametrize("pause", [0.0, 0.001], ids=["back_to_back", "paced"])
def test_two_processes_on_one_sqlite_file_give_exactly_the_seats_there_are(
        db, database_url, actor, pause: float) -> None:  # type: ignore[no-untyped-def]
    """Back to back, one process goes from one write transaction straight into the next and
    the other waits in SQLite's busy handler (often until the first is done): the longest
    waits, so the harshest case for "database is locked". Paced (1 ms between sign-ups, still
    far faster than a counter), the two take turns, so arrival order is checked across them."""
    event_id, _ = add_event(db, capacity=20)
    people = add_people(db, "別プロセス", 100)
    db.dispose()  # the test's own connection stays out of the race
    shares = [people[0::2], people[1::2]]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    out = context.Queue()
    processes = [context.Process(target=_sqlite_counter,
                                 args=(database_url, n, event_id, shares[n], pause, barrier, out))
                 for n in range(2)]
    for p in processes:
        p.start()
    try:
        reports = [out.get(timeout=JOIN_TIMEOUT) for _ in processes]
    finally:
        for p in processes:
            p.join(30)
            if p.is_alive():
                p.kill()
    errors = [e for _, _, errs in reports for e in errs]
    assert not [e for e in errors if "locked" in e], "\n".join(errors)
    assert not errors, "\n".join(errors)
    made = [Made(c, contact, reg, number, S(status))
            for _, rows, _ in reports for c, contact, reg, number, status in rows]

    regs = sorted(list_registrations(db, actor, event_id), key=lambda r: r.queue_number)
    assert len(regs) == 100
    check_queue(regs, 100)
    assert [r.status for r in regs] == [S.CONFIRMED] * 20 + [S.WAITLISTED] * 80
    check_callers_saw_the_stored_rows(made, regs)
    assert get_event(db, actor, event_id).seats.taken == 20
