"""Event sign-ups under load and check-in at the door (issue 6: no overbooking, ever; issue 14:
throughput beside the limit, a flat cost per sign-up).

Prints, per backend:
  (a) PostgreSQL: 8 client processes, each with its own connection, start together and each
      sign up 200 different people for one event of 50 seats. Confirmed (must be the seats),
      waitlisted, the race (overbooked and unexpected errors: both must be 0), whether the
      waitlist is in arrival order, wall time, and p50 / p95 / max latency of one sign-up as
      its caller waits for it (the wait for the event's lock included). Then the same
      processes run the limit on another event of as many seats: a plain script on the
      driver's own connection doing what a sign-up must do at minimum (lock the event's row,
      count its seats, waitlist and last queue number in one aggregate, insert the sign-up and
      its audit row, commit); throughput of the app beside it, in sign-ups per second and as
      a share of the limit (goal ≥ 50%);
  (b) SQLite: the same with 2 processes on one file;
  (c) cost per sign-up as an event fills: one counter signs people up for two events of 50
      seats in turn, a new one and one that holds 1,400 sign-ups already (bulk-inserted as the
      app stores them, before the race, and vacuumed and analysed on PostgreSQL as a running
      server's tables are), 200 each; p50 and mean of the first 200 of an event and of 200 after 1,400
      (goal: the same), timed side by side so the machine's load weighs on both alike;
  (d) check-in by the receipt's QR code: the time from handing the scanned text to
      `check_in_by_code` until its attendance row is committed, for 200 different receipts,
      p50 / p95 / max — target < 200 ms — on both databases.

The counters act as a counter account that is not in the database (as the app's command line
does), so the account check of every call is not in these figures.

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
from collections.abc import Iterator
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

def peak_mb() -> float:
    """The process's peak memory so far (VmHWM; Linux only, else nan)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def timed(label: str, work):  # type: ignore[no-untyped-def]
    """*work*'s result, once its seconds and the peak memory so far are printed."""
    start = time.perf_counter()
    out = work()
    print(f"  {label:<34} {time.perf_counter() - start:7.1f} s   peak {peak_mb():6.0f} MB",
          flush=True)
    return out


def create_pg_database(server: str, prefix: str = "kyodo_bench_events_") -> tuple[str, str]:
    """A new database on *server* for this run: (its URL, its name)."""
    import psycopg
    from sqlalchemy import make_url

    name = f"{prefix}{secrets.token_hex(4)}"
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
    with db.reading(None) as session:
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


# --- the limit: what a sign-up must do at minimum, as plain SQL ---------------------------

SEATED = "('confirmed', 'attended', 'no_show')"


class PlainSignUp:
    """The least a sign-up must do, on the driver's own connection, no ORM: lock the event's
    row, count its seats and waitlist, take the next queue number, insert the sign-up and its
    audit row, commit. The app does more (the duplicate check, the account and the applicant
    read, the bounds check, NOTIFY on PostgreSQL), all of it counted against it."""

    def __init__(self, db: Any, actor: Any) -> None:
        self.sqlite = db.backend.is_sqlite
        self.conn = db.engine.raw_connection()
        self.actor = actor
        mark = "?" if self.sqlite else "%s"
        self.lock = (f"SELECT capacity FROM events WHERE id = {mark}"
                     + ("" if self.sqlite else " FOR UPDATE"))
        # Seats taken, parties waiting and the last queue number, each from an index, in one
        # statement: the same reads the app makes.
        of_event = f"FROM registrations WHERE event_id = {mark}"
        self.count = (f"SELECT (SELECT coalesce(sum(party_size), 0) {of_event} AND status IN "
                      f"{SEATED}), (SELECT count(*) {of_event} AND status = 'waitlisted'), "
                      f"(SELECT coalesce(max(queue_number), 0) {of_event})")
        self.columns = ("event_id", "contact_id", "party_size", "notes", "status",
                        "queue_number", "token", "walk_in", "booth_tables", "booth_chairs",
                        "booth_power", "booth_space", "name_key", "reading_key", "phone_key",
                        "version")
        self.insert = (f"INSERT INTO registrations ({', '.join(self.columns)}) VALUES "
                       f"({', '.join([mark] * len(self.columns))})"
                       + ("" if self.sqlite else " RETURNING id"))
        self.audit = ("INSERT INTO audit_log (account_id, actor, action, table_name, record_id, "
                      f"changes) VALUES ({', '.join([mark] * 6)})")

    def sign_up(self, event_id: int, contact_id: int) -> tuple[int, str]:
        """(queue number, status) of a new sign-up of one person."""
        import json

        cursor = self.conn.cursor()
        try:
            if self.sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(self.lock, (event_id,))
            capacity = cursor.fetchone()[0]
            cursor.execute(self.count, (event_id,) * 3)
            taken, waiting, last = cursor.fetchone()
            number = last + 1
            status = "confirmed" if not waiting and taken + 1 <= capacity else "waitlisted"
            values = (event_id, contact_id, 1, "", status, number, secrets.token_urlsafe(12),
                      False, 0, 0, False, "", f"name{contact_id}", "", "", 1)
            cursor.execute(self.insert, values)
            reg_id = cursor.lastrowid if self.sqlite else cursor.fetchone()[0]
            changes = {c: [None, v] for c, v in zip(self.columns, values, strict=True)
                       if c not in ("version", "name_key", "reading_key", "phone_key")}
            cursor.execute(self.audit, (self.actor.account_id, self.actor.name, "insert",
                                        "registrations", reg_id, json.dumps(changes)))
            cursor.execute("COMMIT") if self.sqlite else self.conn.commit()
            return number, status
        except BaseException:
            self.conn.rollback()
            raise
        finally:
            cursor.close()

    def close(self) -> None:
        self.conn.close()


# --- (a), (b): client processes signing up at once -----------------------------------------

@dataclass(frozen=True)
class ClientReport:
    client: int
    made: list[tuple[int, int, str, float]]  # (contact id, queue number, status, seconds)
    errors: list[str]
    started: float  # wall-clock time after the barrier
    finished: float


def _report_error(exc: BaseException) -> str:
    cause = f" ← {type(exc.__cause__).__name__}: {exc.__cause__}" if exc.__cause__ else ""
    return f"{type(exc).__name__}: {exc}{cause}".splitlines()[0][:300]


def client(url: str, number: int, events: tuple[int, int], people: list[int], barrier: Any,
           out: Any) -> None:
    """One counter's process: its own engine and connection; first the app's sign-ups for
    events[0], then (after all have finished) the plain script's for events[1]."""
    from sqlalchemy import text

    from kyodo_desk.database import open_database
    from kyodo_desk.services.events.registrations import SignUpDraft, sign_up

    db = None
    try:
        db = open_database(url)
        actor = counter_staff(db)
        with db.reading(None) as session:
            session.execute(text("SELECT 1"))
        plain = PlainSignUp(db, actor)

        def app(contact_id: int) -> tuple[int, str]:
            reg = sign_up(db, actor, events[0], SignUpDraft(contact_id), today=TODAY).registration
            return reg.queue_number, reg.status.value

        for phase, work in (("app", app), ("limit", lambda c: plain.sign_up(events[1], c))):
            made: list[tuple[int, int, str, float]] = []
            errors: list[str] = []
            barrier.wait(timeout=300)
            started = time.time()
            for contact_id in people:
                begin = time.perf_counter()
                try:
                    queue_number, status = work(contact_id)
                    made.append((contact_id, queue_number, status, time.perf_counter() - begin))
                except Exception as exc:
                    errors.append(_report_error(exc))
            out.put((phase, ClientReport(number, made, errors, started, time.time())))
        plain.close()
    except BaseException:
        out.put(("app", ClientReport(number, [], [traceback.format_exc()], 0.0, 0.0)))
        barrier.abort()
    finally:
        if db is not None:
            db.dispose()


def throughput(reports: list[ClientReport]) -> float:
    done = sum(len(r.made) for r in reports)
    wall = max(r.finished for r in reports) - min(r.started for r in reports)
    return done / wall if wall > 0 else 0.0


def race(label: str, url: str, clients: int, per_client: int, seats: int) -> None:
    from kyodo_desk.database import open_database
    from kyodo_desk.domain.events import RegistrationStatus as S
    from kyodo_desk.services.events.registrations import list_registrations

    db = open_database(url)
    event_id, _ = add_event(db, "同時申込の計測", seats)
    limit_event, _ = add_event(db, "同時申込の計測（素のSQL）", seats)
    people = add_people(db, f"同時申込{label}", clients * per_client)
    db.dispose()
    shares = [people[n::clients] for n in range(clients)]
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(clients), context.Queue()
    processes = [context.Process(target=client, args=(url, n, (event_id, limit_event), shares[n],
                                                      barrier, out))
                 for n in range(clients)]
    for p in processes:
        p.start()
    by_phase: dict[str, list[ClientReport]] = {"app": [], "limit": []}
    while len(by_phase["app"]) < clients or len(by_phase["limit"]) < clients:
        phase, report = out.get(timeout=600)
        by_phase[phase].append(report)
        if report.errors and not report.made and report.started == 0.0:  # a client failed
            print(report.errors[0])
            break
    for p in processes:
        p.join(60)
    reports = sorted(by_phase["app"], key=lambda r: r.client)

    db = open_database(url)
    regs = sorted(list_registrations(db, counter_staff(db), event_id),
                  key=lambda r: r.queue_number)
    db.dispose()
    confirmed = [r for r in regs if r.status is S.CONFIRMED]
    waiting = [r for r in regs if r.status is S.WAITLISTED]
    taken = sum(r.party_size for r in confirmed)
    numbers = [r.queue_number for r in regs]
    in_order = (numbers == list(range(1, len(regs) + 1))
                and all(r.status is S.CONFIRMED for r in regs[:len(confirmed)])
                and [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1)))
    each_rising = all([m[1] for m in r.made] == sorted(m[1] for m in r.made) for r in reports)
    errors = [e for r in reports for e in r.errors]
    latencies = [m[3] for r in reports for m in r.made]
    start = min(r.started for r in reports)
    wall = max(r.finished for r in reports) - start
    by_number = {m[1]: r.client for r in reports for m in r.made}
    order = [by_number[n] for n in sorted(by_number)]
    turns = sum(1 for a, b in itertools.pairwise(order) if a != b)
    ends = sorted(r.finished - start for r in reports)
    app, limit = throughput(reports), throughput(by_phase["limit"])
    limit_errors = [e for r in by_phase["limit"] for e in r.errors]

    print(f"{label}: {clients} client processes × {per_client} sign-ups, one event of "
          f"{seats} seats")
    print(f"  confirmed {len(confirmed):,} (must be {seats}), waitlisted {len(waiting):,}, "
          f"stored {len(regs):,} of {clients * per_client:,} sign-ups")
    print(f"  race: overbooked {max(taken - seats, 0)}, unexpected errors {len(errors)} "
          "(both must be 0)")
    print(f"  waitlist in arrival order: {'yes' if in_order else 'NO'}; each client's numbers "
          f"rising in the order it made them: {'yes' if each_rising else 'NO'}")
    print(f"  errors seen: {len(errors)} (must be 0)")
    for line in errors[:5]:
        print(f"    {line}")
    print(f"  wall time {wall:.2f} s, throughput {app:.0f} sign-ups/s")
    print(f"  throughput: app {app:.0f}/s, limit {limit:.0f}/s ({app / limit:.0%} of the limit; "
          "goal ≥ 50%) — the limit: the same processes, plain SQL locking the event, counting "
          "its seats, inserting the sign-up and its audit row"
          + (f"; {len(limit_errors)} errors in the limit run" if limit_errors else ""))
    print(f"  per-sign-up latency: p50 {ms(statistics.median(latencies))}, "
          f"p95 {ms(p95(latencies))}, max {ms(max(latencies))}")
    print(f"  taking turns: the client changes {turns:,} times along the queue "
          f"({clients - 1} = one after another); clients finished after "
          f"{ends[0]:.2f} … {ends[-1]:.2f} s")


# --- cost per sign-up as the event fills ---------------------------------------------------

@dataclass(frozen=True)
class Filled:
    """An event that holds many sign-ups already, and the people who sign up after them."""

    event_id: int
    count: int
    later: list[int]


def fill_event(url: str, label: str, count: int, seats: int, later: int) -> Filled:
    """An event of *seats* seats holding *count* sign-ups, as a database in use holds past and
    current events; on PostgreSQL the tables are then vacuumed and analysed, as autovacuum
    does on a running server: the planner knows them (a brand-new table has no statistics at
    all) and the index alone answers for the rows already there."""
    from sqlalchemy import text

    from kyodo_desk.database import open_database

    db = open_database(url)
    event_id, _ = add_event(db, "満席後の申込の計測", seats)
    people = add_people(db, f"順次申込{label}", count + later)
    add_sign_ups(db, event_id, people[:count], seats)
    if not db.backend.is_sqlite:
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    db.dispose()
    return Filled(event_id, count, people[count:])


def filling(label: str, url: str, filled: Filled, seats: int) -> None:
    """The cost of one sign-up in a new event and in *filled*: one counter (no other waits with
    it) signs people up for the two in turn, so both are timed under the same load."""
    from kyodo_desk.database import open_database
    from kyodo_desk.services.events.registrations import SignUpDraft, sign_up

    db = open_database(url)
    actor = counter_staff(db)
    new_event, _ = add_event(db, "受付開始直後の計測", seats)
    part = len(filled.later) // 2
    early, late = [], []
    for first, later in zip(filled.later[:part], filled.later[part:], strict=True):
        for event_id, contact_id, times in ((new_event, first, early),
                                            (filled.event_id, later, late)):
            begin = time.perf_counter()
            sign_up(db, actor, event_id, SignUpDraft(contact_id), today=TODAY)
            times.append(time.perf_counter() - begin)
    db.dispose()
    print(f"  (c) cost per sign-up, one counter: the first {part:,} of an event p50 "
          f"{ms(statistics.median(early))} (mean {ms(statistics.fmean(early))}); after "
          f"{filled.count:,} of {seats} seats p50 {ms(statistics.median(late))} (mean "
          f"{ms(statistics.fmean(late))}); late/early "
          f"{statistics.median(late) / statistics.median(early):.2f}")


def add_sign_ups(db, event_id: int, people: list[int], seats: int) -> None:  # type: ignore[no-untyped-def]
    """Sign-ups of *people* in arrival order, bulk-inserted as the app stores them (the
    first *seats* confirmed, the rest waiting): an event filled in a second."""
    from sqlalchemy import insert, select

    from kyodo_desk.domain.events import RegistrationStatus as S
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.domain.text import fold
    from kyodo_desk.models import Contact, Registration

    with db.reading(None) as session:
        who = {i: (name, reading, phone) for i, name, reading, phone in session.execute(
            select(Contact.id, Contact.name, Contact.reading, Contact.phone)
            .where(Contact.id.in_(people)))}
    rows = [{"event_id": event_id, "contact_id": c, "party_size": 1, "notes": "",
             "status": S.CONFIRMED if n < seats else S.WAITLISTED, "queue_number": n + 1,
             "token": secrets.token_urlsafe(12), "walk_in": False, "booth_tables": 0,
             "booth_chairs": 0, "booth_power": False, "booth_space": "", "version": 1,
             "name_key": fold(who[c][0]), "reading_key": fold(who[c][1]),
             "phone_key": fold(who[c][2])} for n, c in enumerate(people)]
    with db.writing(Actor.command_line()) as session:
        session.execute(insert(Registration), rows)


# --- (d): check-in by QR code --------------------------------------------------------------

def check_ins(label: str, url: str, count: int) -> None:
    from sqlalchemy import func, select

    from kyodo_desk.database import open_database
    from kyodo_desk.models import Attendance
    from kyodo_desk.services.events.checkin import CheckInOutcome, check_in_by_code
    from kyodo_desk.services.events.registrations import SignUpDraft, sign_up

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
    with other.reading(None) as session:
        rows = session.scalar(select(func.count()).select_from(Attendance)
                              .where(Attendance.session_id == session_id))
    other.dispose()
    checked = sum(1 for o in outcomes if o is CheckInOutcome.CHECKED_IN)
    print(f"  (d) check-in by QR, {count} receipts: p50 {ms(statistics.median(times))}, "
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
    parser.add_argument("--fill", type=int, default=1600,
                        help="sign-ups in the full event of the cost per sign-up (an eighth of "
                             "them timed, and as many in a new event)")
    parser.add_argument("--checkins", type=int, default=200, help="receipts scanned")
    parser.add_argument("--only", choices=("sqlite", "postgresql"),
                        help="measure one backend only")
    args = parser.parse_args()

    clients = {"PostgreSQL": args.clients, "SQLite": args.sqlite_clients}
    for label, url in each_database(args.pg_url, args.only, "events"):
        measure(label, url, args, clients[label])
    sys.stdout.flush()


def each_database(pg_url: str | None, only: str | None, name: str) -> Iterator[tuple[str, str]]:
    """(label, URL) of each database a benchmark measures, made for this run and removed
    after it: a PostgreSQL database `kyodo_bench_<name>_<random>` on *pg_url*, then a SQLite
    file in a scratch folder (which also holds the data and config folders)."""
    scratch = tempfile.TemporaryDirectory(prefix=f"kyodo-bench-{name}-")
    folder = Path(scratch.name)
    os.environ.setdefault("KYODO_DATA_DIR", str(folder / "data"))
    os.environ.setdefault("KYODO_CONFIG_DIR", str(folder / "config"))
    with scratch:
        if only != "sqlite":
            if not pg_url:
                print("PostgreSQL: skipped (no --pg-url and KYODO_TEST_PG_URL is not set)")
            else:
                url, database = create_pg_database(pg_url, f"kyodo_bench_{name}_")
                try:
                    yield "PostgreSQL", url
                finally:
                    drop_pg_database(pg_url, database)
        if only != "postgresql":
            yield "SQLite", f"sqlite:///{folder / f'{name}.sqlite3'}"


def measure(label: str, url: str, args: argparse.Namespace, clients: int) -> None:
    part = max(args.fill // 8, 1)
    filled = fill_event(url, label, args.fill - part, args.seats, 2 * part)
    race(label, url, clients, args.per_client, args.seats)
    filling(label, url, filled, args.seats)
    check_ins(label, url, args.checkins)


if __name__ == "__main__":
    main()
