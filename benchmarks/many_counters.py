"""Many counters on one PostgreSQL server (issue 19 item 9: 100 counters, p95 of each act, a
change seen by the others within 1 s, at most 2 connections held per counter).

Each simulated counter (窓口) is one signed-in account with its own Database (its own
connection pool) and its own live-refresh listener (database/changes.ChangeWatcher, as the
window's ui/live.py starts it). A counter thread acts, with think time between acts:
  検索 — search_contacts, the lookup tab's search (a surname, a town, a phone's first digits);
  相談の保存 — create_consultation, a new record at the counter's own facility;
  申込 — sign_up, a contact signed up for one of the open events.
Like the window, a counter refreshes the list it shows when a notice names a table that list
watches (the consultation list after a consultation saved anywhere, the sign-up list after a
sign-up), 300 ms after the notice, on a second thread as a ReadOp would: so its pool is used
by two threads at times, as the window's is.

Counters are threads, a few to a process (multiprocessing, spawn), so that Python's GIL in one
process does not become what is measured.

Prints:
  (a) p50 / p95 / p99 / max of each act as its caller waits for it, and of the refreshes;
  (b) the delay from a commit (COMMIT sent) to each other counter's listener handing the
      notice on: p50 / p95 / p99 / max (target ≤ 1 s), and notices missed;
  (c) the audit chain's lock (database/audit_chain.py, one advisory lock per commit): the
      wait for it in each commit, p50 / p95 / p99 / max, and the most backends seen queued;
  (d) connections: held per counter by its pool (the app's own count) and on the server
      (pg_stat_activity, sampled each second: the app's pools and the listeners), and the
      server's max_connections beside what the counters need.

It makes its own database (kyodo_bench_counters_<random>) and drops it afterwards. If the
server's max_connections cannot serve --counters, it runs as many counters as fit and says
what the setting must be (the server's configuration is never changed).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import multiprocessing
import os
import random
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from events import create_pg_database, drop_pg_database

ACTS = ("検索", "相談の保存", "申込")
# Which notice a write leaves, by act (what a listener elsewhere must see).
NOTICE_OF = {"相談の保存": "consultations", "申込": "registrations"}
# What each list refreshes on (ui/consultations/tab.py, ui/events/registrations_panel.py).
WATCHED = {"consultations": {"consultations", "consultation_topics", "contacts", "topics"},
           "events": {"events", "event_sessions", "registrations", "facilities"},
           "contacts": {"contacts", "facilities", "memberships"}}
TAB_OF = {"検索": "contacts", "相談の保存": "consultations", "申込": "events"}
REFRESH_DELAY = 0.3  # LIVE_REFRESH_DELAY_MS of the tabs
EVENTS = 10
SEATS = 300
PASSWORD = "counter-bench-1"
TYPED = ("さとう", "佐藤", "鈴木", "たかはし", "田中", "伊藤", "山本", "中村", "090", "080-1",
         "本町", "みなみ", "東町", "緑", "ボランティア", "子ども", "会", "9")  # a counter's words
ASKED = ("地域の清掃活動に参加したい", "団体の立ち上げについて", "助成金の申請方法",
         "会場の予約について", "ボランティア募集の掲示")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


# --- the database and its people -----------------------------------------------------------

def prepare(url: str, counters: int, contacts: int) -> dict[str, Any]:
    """Contacts, topics, events and one counter account each; what the counters need."""
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from kyodo_desk.database import open_database
    from kyodo_desk.domain.events import EventKind, QueueRule
    from kyodo_desk.domain.permissions import Actor, Role
    from kyodo_desk.models import Account, Contact
    from kyodo_desk.services.consultations import list_topics
    from kyodo_desk.services.contacts import list_facilities
    from kyodo_desk.services.demo import add_demo_contacts
    from kyodo_desk.services.events import EventDraft, SessionDraft, create_event

    system = Actor.command_line()
    db = open_database(url)
    add_demo_contacts(db, system, contacts)
    facilities = [f.id for f in list_facilities(db, Actor.system())]
    topics = [t.id for t in list_topics(db, system)]
    day = date.today() + timedelta(days=30)
    events = [create_event(db, system, EventDraft(
        kind=EventKind.SEMINAR, title=f"計測講座{n:02d}", facility_id=facilities[0],
        sessions=(SessionDraft(day),), venue_facility_id=facilities[0], capacity=SEATS,
        queue_rule=QueueRule.STRICT)).id for n in range(EVENTS)]
    # Every counter is a real account (its check runs at every call); one hash serves all,
    # as 100 argon2 hashes would only slow the set-up.
    hashed = PasswordHasher().hash(PASSWORD)
    with db.writing(system) as session:
        session.add_all(Account(
            login=f"counter{n:03d}", display_name=f"窓口{n:03d}", role=Role.COUNTER_STAFF,
            facility_id=facilities[n % len(facilities)], active=True, password_hash=hashed,
            must_change_password=False, failed_attempts=0) for n in range(counters))
    with db.reading(None) as session:
        ids = list(session.scalars(select(Contact.id).order_by(Contact.id)))
    db.dispose()
    return {"contacts": ids, "topics": topics, "events": events}


# --- one counter ---------------------------------------------------------------------------

@dataclass
class CounterReport:
    number: int
    acts: list[tuple[str, float]] = field(default_factory=list)  # (act, seconds)
    refreshes: list[float] = field(default_factory=list)
    commits: list[tuple[float, str]] = field(default_factory=list)  # (COMMIT sent, table)
    notices: list[tuple[float, frozenset[str]]] = field(default_factory=list)
    chain_waits: list[float] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    pool_kept: int = 0  # the most connections its pool kept open while none was in use
    pool_open: int = 0  # the most its pool had open at once (in use and kept)
    pool_opened: int = 0  # connections its pool opened in all
    lost: int = 0  # times its listener said the server was lost


class Instruments:
    """The moments the app's own statements pass through one counter's engine: when COMMIT
    is sent, and how long the audit chain's advisory lock was waited for."""

    def __init__(self, engine: Any, report: CounterReport) -> None:
        from sqlalchemy import event

        self.local = threading.local()
        self.report = report
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine.pool, "connect", self._connected)

    def _commit(self, _conn: Any) -> None:
        self.local.commit_sent = time.time()

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "pg_advisory_xact_lock" in statement:
            self.local.lock_asked = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "pg_advisory_xact_lock" in statement:
            self.report.chain_waits.append(time.perf_counter() - self.local.lock_asked)

    def _connected(self, *_args: Any) -> None:
        self.report.pool_opened += 1

    def last_commit(self) -> float:
        return float(getattr(self.local, "commit_sent", 0.0))


class Refresher:
    """The list on show, read again 300 ms after a notice that touches it (restarted by
    each further notice, as the tabs' single-shot timers are), on its own thread."""

    def __init__(self, counter: Counter_) -> None:
        self.counter = counter
        self.due: float | None = None
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def notice(self, tables: frozenset[str] | None) -> None:
        self.counter.report.notices.append((time.time(), tables or frozenset()))
        watched = WATCHED[self.counter.tab]
        if tables is None or tables & watched:
            with self.cond:
                self.due = time.monotonic() + REFRESH_DELAY
                self.cond.notify()

    def run(self) -> None:
        while not self.counter.stop.is_set():
            with self.cond:
                if self.due is None:
                    self.cond.wait(0.5)
                    continue
                wait = self.due - time.monotonic()
                if wait > 0:
                    self.cond.wait(wait)
                    continue
                self.due = None
            self.counter.refresh()


class Counter_:
    """One counter: an account signed in, its Database, its listener, its list on show."""

    def __init__(self, url: str, number: int, login: str, plan: dict[str, Any],
                 think: float, mix: tuple[float, float, float]) -> None:
        from sqlalchemy import select

        from kyodo_desk.database import open_database
        from kyodo_desk.database.changes import ChangeWatcher
        from kyodo_desk.models import Account
        from kyodo_desk.services.accounts import actor_of

        self.report = CounterReport(number)
        self.rng = random.Random(number)
        self.plan, self.think, self.mix = plan, think, mix
        self.db = open_database(url)
        self.instruments = Instruments(self.db.engine, self.report)
        with self.db.reading(None) as session:
            account = session.scalars(select(Account).where(Account.login == login)).one()
            self.actor = actor_of(account)
        self.tab = "contacts"
        self.event_id = plan["events"][0]
        counters = plan["counters"]
        # Its own contacts to sign up, so no two counters sign up one person for one event.
        self.applicants = plan["contacts"][number::counters]
        self.signed: dict[int, int] = {}  # event → applicants used
        self.stop = threading.Event()
        self.connected = threading.Event()
        self.refresher = Refresher(self)
        self.watcher = ChangeWatcher(self.db.url, self.refresher.notice, self._state)
        self.thread = threading.Thread(target=self.run, daemon=True)

    def _state(self, connected: bool) -> None:
        if connected:
            self.connected.set()
        else:
            self.report.lost += 1

    def start_listening(self) -> None:
        self.watcher.start()
        self.refresher.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            act = self.rng.choices(ACTS, weights=self.mix)[0]
            self.do(act)
            self._count_pool()
            # Think time: the citizen talks, the officer types (exponential, mean --think).
            self.stop.wait(min(self.rng.expovariate(1 / self.think), self.think * 5))

    def _count_pool(self) -> None:
        pool = self.db.engine.pool
        kept, used = pool.checkedin(), pool.checkedout()  # type: ignore[attr-defined]
        self.report.pool_kept = max(self.report.pool_kept, kept)
        self.report.pool_open = max(self.report.pool_open, kept + used)

    def do(self, act: str) -> None:
        from kyodo_desk.domain.errors import UserError

        started = time.perf_counter()
        try:
            if act == "検索":
                self.search()
            elif act == "相談の保存":
                self.consult()
            else:
                self.sign_up()
        except UserError as exc:
            self.report.refused[f"{act}: {type(exc).__name__}"] += 1
            return
        except Exception:
            self.report.errors.append(f"{act}: {traceback.format_exc(limit=4)}")
            return
        self.report.acts.append((act, time.perf_counter() - started))
        self.tab = TAB_OF[act]
        if act in NOTICE_OF:
            self.report.commits.append((self.instruments.last_commit(), NOTICE_OF[act]))

    def search(self) -> None:
        from kyodo_desk.services.contacts import search_contacts

        search_contacts(self.db, self.actor, self.rng.choice(TYPED))

    def consult(self) -> None:
        from kyodo_desk.models.consultations import ConsultationChannel
        from kyodo_desk.services.consultations import ConsultationDraft, create_consultation

        create_consultation(self.db, self.actor, ConsultationDraft(
            held_on=date.today(), facility_id=self.actor.facility_id or 0,
            asked=self.rng.choice(ASKED), channel=ConsultationChannel.VISIT,
            topic_ids=(self.rng.choice(self.plan["topics"]),),
            consultee_contact_id=self.rng.choice(self.plan["contacts"]),
            duration_minutes=self.rng.choice((10, 15, 30))))

    def sign_up(self) -> None:
        from kyodo_desk.services.events.registrations import SignUpDraft, sign_up

        event_id = self.rng.choice(self.plan["events"])
        used = self.signed.get(event_id, 0)
        if used >= len(self.applicants):
            return
        self.signed[event_id] = used + 1
        self.event_id = event_id
        # The counter has checked that a namesake is another person (demo names repeat).
        sign_up(self.db, self.actor, event_id, SignUpDraft(self.applicants[used]),
                allow_similar=True)

    def refresh(self) -> None:
        from kyodo_desk.services.consultations.listing import list_consultations
        from kyodo_desk.services.events.registrations import list_registrations

        started = time.perf_counter()
        try:
            if self.tab == "consultations":
                list_consultations(self.db, self.actor)
            elif self.tab == "events":
                list_registrations(self.db, self.actor, self.event_id)
            else:
                return
        except Exception:
            self.report.errors.append(f"再読込: {traceback.format_exc(limit=4)}")
            return
        self.report.refreshes.append(time.perf_counter() - started)
        self._count_pool()

    def finish(self) -> CounterReport:
        self.watcher.stop()
        self.refresher.thread.join(timeout=5)
        self.db.dispose()
        return self.report


def counter_process(url: str, numbers: list[int], plan: dict[str, Any], think: float,
                    mix: tuple[float, float, float], seconds: float, barrier: Any,
                    out: Any) -> None:
    counters: list[Counter_] = []
    try:
        counters = [Counter_(url, n, f"counter{n:03d}", plan, think, mix) for n in numbers]
        for c in counters:
            c.start_listening()
        for c in counters:
            if not c.connected.wait(30):
                raise RuntimeError(f"counter {c.report.number}: listener did not connect")
        barrier.wait(timeout=600)
        for c in counters:
            c.thread.start()
        time.sleep(seconds)
        for c in counters:
            c.stop.set()
        for c in counters:
            c.thread.join(timeout=60)
        time.sleep(2.0)  # the last commits' notices: two listener rounds
        # Each listener stops at the end of its round (up to a second): all at once.
        stoppers = [threading.Thread(target=c.finish) for c in counters]
        for s in stoppers:
            s.start()
        for s in stoppers:
            s.join()
        out.put([c.report for c in counters])
    except BaseException:
        reports = [c.report for c in counters] or [CounterReport(numbers[0])]
        reports[0].errors.append(f"process: {traceback.format_exc()}")
        out.put(reports)
        with contextlib.suppress(Exception):  # the barrier may be broken already
            barrier.abort()


# --- the server's side ---------------------------------------------------------------------

def server_limits(server: str) -> tuple[int, int, int]:
    """(max_connections, superuser_reserved_connections, client connections open now)."""
    import psycopg
    from sqlalchemy import make_url

    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        most = int(conn.execute("SHOW max_connections").fetchone()[0])  # type: ignore[index]
        reserved = int(conn.execute(
            "SHOW superuser_reserved_connections").fetchone()[0])  # type: ignore[index]
        now = int(conn.execute("SELECT count(*) FROM pg_stat_activity "
                               "WHERE backend_type = 'client backend'").fetchone()[0])  # type: ignore[index]
    return most, reserved, now


@dataclass
class ServerSamples:
    app: list[int] = field(default_factory=list)  # the counters' pools (kyodo-desk)
    listeners: list[int] = field(default_factory=list)  # LISTEN connections
    queued: list[int] = field(default_factory=list)  # backends waiting for an advisory lock


def sample_server(url: str, stop: threading.Event, samples: ServerSamples) -> None:
    """pg_stat_activity of the run's database each second: whose connections, and how many
    wait for the audit chain's advisory lock."""
    import psycopg
    from sqlalchemy import make_url

    target = make_url(url)
    dsn = target.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not stop.wait(1.0):
            rows = conn.execute(
                "SELECT application_name = 'kyodo-desk', query LIKE 'LISTEN%%' "
                "OR query = 'SELECT 1', wait_event = 'advisory' "
                "FROM pg_stat_activity WHERE datname = %s", (target.database,)).fetchall()
            samples.app.append(sum(1 for app, _, _ in rows if app))
            samples.listeners.append(sum(1 for app, listen, _ in rows if not app and listen))
            samples.queued.append(sum(1 for _, _, queued in rows if queued))


# --- the run -------------------------------------------------------------------------------

def notice_delays(reports: list[CounterReport]) -> tuple[list[float], int, int]:
    """For every commit, the delay until each other counter's listener passed a notice of
    its table on; and how many (commit, listener) pairs saw none."""
    listening = [(r.number, [t for t, _ in r.notices], r.notices) for r in reports]
    delays: list[float] = []
    missed = 0
    for writer in reports:
        for sent, table in writer.commits:
            for number, times, notices in listening:
                if number == writer.number:
                    continue
                i = bisect.bisect_left(times, sent)
                while i < len(notices) and table not in notices[i][1] and notices[i][1]:
                    i += 1
                if i < len(notices) and notices[i][0] - sent < 10:
                    delays.append(notices[i][0] - sent)
                else:
                    missed += 1
    return delays, missed, len(delays) + missed


def row(label: str, values: list[float], unit_ms: bool = True) -> str:
    if not values:
        return f"  {label:<26} {'—':>8}"
    f = ms if unit_ms else (lambda v: f"{v:8.0f}")
    return (f"  {label:<26} {len(values):7,}  {f(pct(values, 0.5))} {f(pct(values, 0.95))} "
            f"{f(pct(values, 0.99))} {f(max(values))}")


def run(server: str, counters: int, processes: int, seconds: float, think: float,
        mix: tuple[float, float, float], contacts: int) -> int:
    most, reserved, open_now = server_limits(server)
    # Held: one pooled connection and the listener; at a refresh beside an act, one more.
    needed_held, needed_peak = counters * 2, counters * 3
    free = most - reserved - open_now - 5
    print(f"server: max_connections {most} (superuser_reserved {reserved}), "
          f"{open_now} client connections open before the run")
    print(f"{counters} counters need {needed_held} connections held (2 each) and up to "
          f"{needed_peak} at a moment when each refreshes a list beside an act")
    asked = counters
    if needed_peak > free:
        counters = max(1, free // 3)
        print(f"  → only {free} are free here: running {counters} counters instead of {asked}; "
              f"for {asked} counters set max_connections ≥ {needed_peak + reserved + 10}")
    processes = max(1, min(processes, counters))

    url, name = create_pg_database(server, prefix="kyodo_bench_counters_")
    try:
        started = time.perf_counter()
        plan = prepare(url, counters, contacts)
        plan["counters"] = counters
        print(f"set-up: {contacts:,} contacts, {EVENTS} events of {SEATS} seats, "
              f"{counters} counter accounts ({time.perf_counter() - started:.1f} s)", flush=True)
        context = multiprocessing.get_context("spawn")
        barrier, out = context.Barrier(processes + 1), context.Queue()
        groups = [list(range(counters))[p::processes] for p in range(processes)]
        workers = [context.Process(target=counter_process,
                                   args=(url, g, plan, think, mix, seconds, barrier, out))
                   for g in groups]
        for w in workers:
            w.start()
        barrier.wait(timeout=900)
        print(f"counters signed in and listening ({time.perf_counter() - started:.1f} s)",
              flush=True)
        stop, samples = threading.Event(), ServerSamples()
        sampler = threading.Thread(target=sample_server, args=(url, stop, samples))
        sampler.start()
        reports: list[CounterReport] = [r for _ in workers for r in out.get(timeout=seconds + 600)]
        stop.set()
        sampler.join()
        for w in workers:
            w.join()
        print(f"run over ({time.perf_counter() - started:.1f} s)", flush=True)
        return report(reports, samples, counters, processes, seconds, think, mix)
    finally:
        drop_pg_database(server, name)  # waits for a checkpoint: long on a busy server
        print(f"database dropped ({time.perf_counter() - started:.1f} s)", flush=True)


def report(reports: list[CounterReport], samples: ServerSamples, counters: int,
           processes: int, seconds: float, think: float,
           mix: tuple[float, float, float]) -> int:
    acts = [a for r in reports for a in r.acts]
    errors = [e for r in reports for e in r.errors]
    refused: Counter[str] = sum((r.refused for r in reports), Counter())
    print(f"\n{counters} counters in {processes} processes, {seconds:.0f} s, think time "
          f"mean {think:.1f} s, mix 検索:相談の保存:申込 = "
          f"{':'.join(f'{m:g}' for m in mix)}; acts done {len(acts):,} "
          f"({len(acts) / seconds:.1f}/s)")
    print("\n(a) latency as the counter waits, ms   count      p50      p95      p99      max")
    for act in ACTS:
        print(row(act, [s for a, s in acts if a == act]))
    print(row("一覧の再読込 (after a notice)", [s for r in reports for s in r.refreshes]))

    delays, missed, pairs = notice_delays(reports)
    print("\n(b) commit → other counters' listeners, ms   pairs      p50      p95      p99      max")
    print(row("notice delay", delays))
    within = sum(1 for d in delays if d <= 1.0)
    print(f"  within 1 s: {within / max(1, len(delays)):.1%} of {len(delays):,}; "
          f"notices missed: {missed} of {pairs:,}; listeners lost the server: "
          f"{sum(r.lost for r in reports)}")

    print("\n(c) audit chain lock wait per commit, ms  count      p50      p95      p99      max")
    print(row("pg_advisory_xact_lock", [w for r in reports for w in r.chain_waits]))
    print(f"  backends seen queued for it (sampled each second): most "
          f"{max(samples.queued, default=0)}, mean "
          f"{sum(samples.queued) / max(1, len(samples.queued)):.1f}")

    kept = max((r.pool_kept for r in reports), default=0)
    most_open = max((r.pool_open for r in reports), default=0)
    opened = sum(r.pool_opened for r in reports)
    print("\n(d) connections")
    print(f"  one counter's pool (its own count): kept between uses at most {kept}, open at "
          f"once at most {most_open}; opened during the run {opened:,} "
          f"({opened / max(1, counters):.1f} per counter: a read beside another)")
    if samples.app:
        most_total = max(a + b for a, b in zip(samples.app, samples.listeners, strict=True))
        mean = sum(samples.app) / len(samples.app) + sum(samples.listeners) / len(
            samples.listeners)
        print(f"  on the server (pg_stat_activity, {len(samples.app)} samples): pools most "
              f"{max(samples.app)}, listeners most {max(samples.listeners)}; per counter "
              f"{mean / counters:.2f} on average, {most_total / counters:.2f} at the busiest "
              f"sample (target ≤ 2)")
    print(f"  refused: {sum(refused.values())} "
          + "、".join(f"{k} {n}" for k, n in refused.most_common()))
    print(f"  errors seen: {len(errors)}")
    for e in errors[:5]:
        print("    " + e.rstrip().replace("\n", "\n    "))
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get(
        "KYODO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a server URL whose role may create databases")
    parser.add_argument("--counters", type=int, default=100)
    parser.add_argument("--processes", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean think time between one counter's acts, seconds")
    parser.add_argument("--mix", default="70,20,10",
                        help="weights of 検索, 相談の保存, 申込")
    parser.add_argument("--contacts", type=int, default=20_000)
    args = parser.parse_args()
    weights = tuple(float(w) for w in args.mix.split(","))
    if len(weights) != 3:
        parser.error("--mix takes three weights")
    return run(args.pg_url, args.counters, args.processes, args.seconds, args.think,
               (weights[0], weights[1], weights[2]), args.contacts)


if __name__ == "__main__":
    sys.exit(main())
