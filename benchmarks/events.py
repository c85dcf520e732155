"""Event sign-ups under load and check-in at the door (issue 6: no overbooking, ever).

Prints, per backend:
  (a) PostgreSQL: 8 client processes, each with its own connection, start together and each
      sign up 200 different people for one event of 50 seats. Confirmed (must be the seats),
      waitlisted, whether the waitlist is in arrival order, errors seen (must be 0), wall time,
      throughput in sign-ups per second, and p50 / p95 / max latency of one sign-up as its
      caller waits for it (the wait for the event's lock included);
  (b) SQLite: the same with 2 processes on one file;
  (c) check-in by the receipt's QR code: the time from handing the scanned text to
      `check_in_by_code` until its attendance row is committed, for 200 different receipts,
      p50 / p95 / max — target < 200 ms — on both databases.

It makes its own databases (a temporary SQLite file; a PostgreSQL database named
kyodo_bench_events_<random> that it drops afterwards) and never touches the user's data.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2026, 11, 24)
EVENT_DAY = date(2026, 12, 5)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


# --- databases -----------------------------------------------------------------------------

def create_pg_database(server: str) -> tuple[str, str]:
    """A new database on *server* for this run: (its URL, its name)."""
    import psycopg
    from sqlalchemy import make_url

    name = f"kyodo_bench_events_{secrets.token_hex(4)}"
    admin = make_url(server).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                     "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    url = admin.set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False), name


def drop_pg_database(server: str, name: str) -> None:
    import psycopg
    from sqlalchemy import make_url

    admin = make_url(server).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def counter_staff(db):  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.permissions import Actor, Role
    from kyodo_desk.services.contacts import list_facilities

    east = next(f.id for f in list_facilities(db, Actor.system()) if f.code == "east")
    return Actor(None, "bench_staff", "窓口（計測）", Role.COUNTER_STAFF, east)


def add_people(db, prefix: str, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """*count* made-up people with different names and phones, bulk-inserted."""
    from sqlalchemy import insert, select

    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.models import Contact, ContactKind
    from kyodo_desk.services.demo import contact_row

    rows = []
    for n in range(count):
        name, phone = f"{prefix}{n:05d}", f"080-{n // 10000:04d}-{n % 10000:04d}"
        rows.append(contact_row(ContactKind.PERSON, name, phone=phone))
    with db.writing(Actor.command_line()) as session:
        session.execute(insert(Contact), rows)
    with db.reading() as session:
        return list(session.scalars(select(Contact.id).where(Contact.name.like(f"{prefix}%"))
                                    .order_by(Contact.id)))


def add_event(db, title: str, capacity: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """An event of *capacity* seats (受付順) with one session: (event id, session id)."""
    from kyodo_desk.domain.events import EventKind, QueueRule
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.services.events import EventDraft, SessionDraft, create_event

    facility = counter_staff(db).facility_id
    detail = create_event(db, Actor.command_line(), EventDraft(
        kind=EventKind.SEMINAR, title=title, facility_id=facility,
        sessions=(SessionDraft(EVENT_DAY),), venue_facility_id=facility, capacity=capacity,
        queue_rule=QueueRule.STRICT))
    return detail.id, detail.sessions[0].id


# --- (a), (b): client processes signing up at once -----------------------------------------

@dataclass(frozen=True)
class ClientReport:
    client: int
    made: list[tuple[int, int, str, float]]  # (contact id, queue number, status, seconds)
    errors: list[str]
    started: float  # wall-clock time after the barrier
    finished: float


def client(url: str, number: int, event_id: int, people: list[int], barrier: Any,
           out: Any) -> None:
    """One counter's process: its own engine and connection, then sign-ups one by one."""
    from sqlalchemy import text

    from kyodo_desk.database import open_database
    from kyodo_desk.services.registrations import SignUpDraft, sign_up

    made: list[tuple[int, int, str, float]] = []
    errors: list[str] = []
    started = finished = time.time()
    try:
        db = open_database(url)
        actor = counter_staff(db)
        with db.reading() as session:
            session.execute(text("SELECT 1"))
        barrier.wait(timeout=120)
        started = time.time()
        for contact_id in people:
            begin = time.perf_counter()
            try:
                reg = sign_up(db, actor, event_id, SignUpDraft(contact_id),
                              today=TODAY).registration
                made.append((contact_id, reg.queue_number, reg.status.value,
                             time.perf_counter() - begin))
            except Exception as exc:
                cause = f" ← {type(exc.__cause__).__name__}: {exc.__cause__}" \
                    if exc.__cause__ else ""
                errors.append(f"{type(exc).__name__}: {exc}{cause}".splitlines()[0][:300])
        finished = time.time()
        db.dispose()
    except BaseException:
        errors.append(traceback.format_exc())
    out.put(ClientReport(number, made, errors, started, finished))


def race(label: str, url: str, clients: int, per_client: int, seats: int) -> None:
    from kyodo_desk.database import open_database
    from kyodo_desk.domain.events import RegistrationStatus as S
    from kyodo_desk.services.registrations import list_registrations

    db = open_database(url)
    event_id, _ = add_event(db, "同時申込の計測", seats)
    people = add_people(db, f"同時申込{label}", clients * per_client)
    db.dispose()
    shares = [people[n::clients] for n in range(clients)]
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(clients), context.Queue()
    processes = [context.Process(target=client, args=(url, n, event_id, shares[n], barrier, out))
                 for n in range(clients)]
    for p in processes:
        p.start()
    reports = sorted((out.get() for _ in processes), key=lambda r: r.client)
    for p in processes:
        p.join()

    db = open_database(url)
    regs = sorted(list_registrations(db, counter_staff(db), event_id),
                  key=lambda r: r.queue_number)
    db.dispose()
    confirmed = [r for r in regs if r.status is S.CONFIRMED]
    waiting = [r for r in regs if r.status is S.WAITLISTED]
    numbers = [r.queue_number for r in regs]
    in_order = (numbers == list(range(1, len(regs) + 1))
                and all(r.status is S.CONFIRMED for r in regs[:len(confirmed)])
                and [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1)))
    each_rising = all([m[1] for m in r.made] == sorted(m[1] for m in r.made) for r in reports)
    errors = [e for r in reports for e in r.errors]
    latencies = [m[3] for r in reports for m in r.made]
    done = sum(len(r.made) for r in reports)
    start = min(r.started for r in reports)
    wall = max(r.finished for r in reports) - start
    by_number = {m[1]: r.client for r in reports for m in r.made}
    order = [by_number[n] for n in sorted(by_number)]
    turns = sum(1 for a, b in itertools.pairwise(order) if a != b)
    ends = sorted(r.finished - start for r in reports)

    print(f"{label}: {clients} client processes × {per_client} sign-ups, one event of "
          f"{seats} seats")
    print(f"  confirmed {len(confirmed):,} (must be {seats}), waitlisted {len(waiting):,}, "
          f"stored {len(regs):,} of {clients * per_client:,} sign-ups")
    print(f"  waitlist in arrival order: {'yes' if in_order else 'NO'}; each client's numbers "
          f"rising in the order it made them: {'yes' if each_rising else 'NO'}")
    print(f"  errors seen: {len(errors)} (must be 0)")
    for line in errors[:5]:
        print(f"    {line}")
    print(f"  wall time {wall:.2f} s, throughput {done / wall:.0f} sign-ups/s")
    print(f"  per-sign-up latency: p50 {ms(statistics.median(latencies))}, "
          f"p95 {ms(p95(latencies))}, max {ms(max(latencies))}")
    print(f"  taking turns: the client changes {turns:,} times along the queue "
          f"({clients - 1} = one after another); clients finished after "
          f"{ends[0]:.2f} … {ends[-1]:.2f} s")


# --- (c): check-in by QR code --------------------------------------------------------------

def check_ins(label: str, url: str, count: int) -> None:
    from sqlalchemy import func, select

    from kyodo_desk.database import open_database
    from kyodo_desk.models import Attendance
    from kyodo_desk.services.checkin import CheckInOutcome, check_in_by_code
    from kyodo_desk.services.registrations import SignUpDraft, sign_up

    db = open_database(url)
    actor = counter_staff(db)
    event_id, session_id = add_event(db, "入場受付の計測", count)
    people = add_people(db, f"入場{label}", count)
    scanned = [sign_up(db, actor, event_id, SignUpDraft(c), today=TODAY)
               .registration.ticket.text() for c in people]
    times, outcomes = [], []
    for text in scanned:
        begin = time.perf_counter()
        result = check_in_by_code(db, actor, session_id, text)  # returns once committed
        times.append(time.perf_counter() - begin)
        outcomes.append(result.outcome)
    db.dispose()
    other = open_database(url)  # another connection sees every row: they were committed
    with other.reading() as session:
        rows = session.scalar(select(func.count()).select_from(Attendance)
                              .where(Attendance.session_id == session_id))
    other.dispose()
    checked = sum(1 for o in outcomes if o is CheckInOutcome.CHECKED_IN)
    print(f"  (c) check-in by QR, {count} receipts: p50 {ms(statistics.median(times))}, "
          f"p95 {ms(p95(times))}, max {ms(max(times))}  (target < 200 ms); "
          f"{checked} checked in, {rows} attendance rows committed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", metavar="URL", default=os.environ.get("KYODO_TEST_PG_URL"),
                        help="PostgreSQL server URL whose user may create databases "
                             "(default: $KYODO_TEST_PG_URL)")
    parser.add_argument("--clients", type=int, default=8, help="client processes, PostgreSQL")
    parser.add_argument("--sqlite-clients", type=int, default=2,
                        help="client processes, SQLite")
    parser.add_argument("--per-client", type=int, default=200, help="sign-ups per client")
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--checkins", type=int, default=200, help="receipts scanned")
    parser.add_argument("--only", choices=("sqlite", "postgresql"),
                        help="measure one backend only")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="kyodo-bench-events-")
    folder = Path(scratch.name)
    os.environ.setdefault("KYODO_DATA_DIR", str(folder / "data"))
    os.environ.setdefault("KYODO_CONFIG_DIR", str(folder / "config"))
    with scratch:
        if args.only != "sqlite":
            if not args.pg_url:
                print("PostgreSQL: skipped (no --pg-url and KYODO_TEST_PG_URL is not set)")
            else:
                url, name = create_pg_database(args.pg_url)
                try:
                    race("PostgreSQL", url, args.clients, args.per_client, args.seats)
                    check_ins("PostgreSQL", url, args.checkins)
                finally:
                    drop_pg_database(args.pg_url, name)
        if args.only != "postgresql":
            url = f"sqlite:///{folder / 'events.sqlite3'}"
            race("SQLite", url, args.sqlite_clients, args.per_client, args.seats)
            check_ins("SQLite", url, args.checkins)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
