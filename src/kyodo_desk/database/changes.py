"""Telling every counter that data changed (live refresh), on either database.

PostgreSQL: each write transaction sends NOTIFY with the names of the tables it changed,
delivered to listeners when it commits. SQLite: a dedicated connection watches
`PRAGMA data_version`, which moves whenever another connection commits; which tables changed
is not known there, so listeners are told "anything".

`ChangeWatcher` runs on its own thread and calls back with the changed tables (or None for
"anything") and with the connection's state, so the window can say when the server is lost.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

log = logging.getLogger(__name__)

CHANNEL = "kyodo_changes"
_CHANGED = "kyodo_changed_tables"
_ANNOUNCED = "kyodo_announced_tables"
_COMMITTING = "kyodo_committing_tables"
_collectors = threading.local()
_NOTIFY = text("SELECT pg_notify(:channel, :tables)")
_BURST = 0.05  # seconds: notices arriving together make one refresh


@event.listens_for(Session, "after_flush")
def _collect_tables(session: Session, _flush: UOWTransaction) -> None:
    changed = session.info.setdefault(_CHANGED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table and table != "audit_log":
            changed.add(table)


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    tables = session.info.pop(_CHANGED, None)
    sent = session.info.pop(_ANNOUNCED, set())
    if tables and not tables <= sent and _is_postgresql(session):
        _send(session, tables | sent)
    if tables or sent:
        session.info[_COMMITTING] = (tables or set()) | sent


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    tables = session.info.pop(_COMMITTING, None)
    collector: set[str] | None = getattr(_collectors, "tables", None)
    if tables and collector is not None:
        collector.update(tables)


@contextmanager
def committed_tables() -> Iterator[set[str]]:
    """The names of the tables whose changes this thread commits inside the block: what an
    operation tells every open view it changed (ui/operations.py)."""
    outer = getattr(_collectors, "tables", None)
    tables: set[str] = set()
    _collectors.tables = tables
    try:
        yield tables
    finally:
        _collectors.tables = outer
        if outer is not None:
            outer.update(tables)


@event.listens_for(Session, "after_transaction_end")
def _forget_tables(session: Session, transaction: SessionTransaction) -> None:
    """A transaction rolled back takes its notices with it; so does a savepoint, whose NOTIFY
    PostgreSQL drops too (announced again at the commit, a repeat being harmless)."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
        session.info.pop(_COMMITTING, None)
    if transaction.parent is None or transaction.nested:
        session.info.pop(_ANNOUNCED, None)


def notify_tables(session: Session, *tables: str) -> None:
    """Announce a change made without ORM objects (bulk inserts)."""
    session.info.setdefault(_CHANGED, set()).update(tables)


def announce_ahead(session: Session, *tables: str) -> None:
    """Announce, before it takes a lock, a change the transaction is about to make.

    PostgreSQL delivers a NOTIFY only when the transaction commits and drops it on a
    rollback, so sending it early tells no one anything sooner; it only keeps its round trip
    out of the time the lock is held (a sign-up holds the event's). The commit then sends
    nothing more unless other tables changed as well.
    """
    notify_tables(session, *tables)
    sent = session.info.setdefault(_ANNOUNCED, set())
    if not sent.issuperset(tables) and _is_postgresql(session):
        _send(session, set(tables))
        sent.update(tables)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _send(session: Session, tables: set[str]) -> None:
    session.connection().execute(_NOTIFY, {"channel": CHANNEL, "tables": ",".join(sorted(tables))})


# Audit rows that record no change of data: a read shown (services/read_log.py), a print, an
# export, a sign-in. A commit holding only these tells no view to refresh; were it to, on
# SQLite each refresh's own read row would start the next refresh, without end. (PostgreSQL
# never announces the audit log: see _collect_tables.)
_NO_CHANGE_ACTIONS = ("read", "open", "print", "export", "sign_in", "disclose")
_LAST_ENTRY = "SELECT max(id) FROM audit_log"
_CHANGES_SINCE = ("SELECT max(id), sum(action NOT IN ({})) FROM audit_log WHERE id > ?"
                  .format(", ".join("?" * len(_NO_CHANGE_ACTIONS))))


def _last_audit_entry(conn: sqlite3.Connection) -> int | None:
    try:
        return conn.execute(_LAST_ENTRY).fetchone()[0] or 0
    except sqlite3.Error:  # no log to read (not this app's database): every commit counts
        return None


def _changed_since(conn: sqlite3.Connection, last: int | None) -> tuple[bool, int | None]:
    """Whether the commits since audit entry *last* changed data, and the newest entry.

    Every change is audited in its own transaction, so commits that added only entries of
    _NO_CHANGE_ACTIONS changed nothing a view shows; a commit that added no entry at all is
    taken for a change, as before there was a log to read."""
    if last is None:
        return True, None
    try:
        newest, changes = conn.execute(_CHANGES_SINCE, (*_NO_CHANGE_ACTIONS, last)).fetchone()
    except sqlite3.Error:
        return True, last
    if newest is None:  # a commit that wrote no audit row
        return True, last
    return bool(changes), newest


OnChange = Callable[[frozenset[str] | None], None]
OnState = Callable[[bool], None]


class ChangeWatcher:
    """Watches the database for commits made anywhere, on a daemon thread."""

    def __init__(self, url: URL, on_change: OnChange, on_state: OnState,
                 interval: float = 1.0) -> None:
        self.url, self.on_change, self.on_state, self.interval = url, on_change, on_state, interval
        self._stop = threading.Event()
        self._connected: bool | None = None
        self._thread = threading.Thread(target=self._run, name="kyodo-change-watcher",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        watch = (self._watch_sqlite if self.url.get_backend_name() == "sqlite"
                 else self._watch_postgresql)
        while not self._stop.is_set():
            try:
                watch()
            except Exception as exc:  # the server went away: say so, then try again
                log.warning("change watcher lost the database: %s", exc)
                self._set_state(False)
                self._stop.wait(self.interval * 2)

    def _set_state(self, connected: bool) -> None:
        if self._connected is not connected:
            self._connected = connected
            self.on_state(connected)

    def _watch_sqlite(self) -> None:
        conn = sqlite3.connect(f"file:{self.url.database}?mode=ro", uri=True,
                               check_same_thread=False)
        try:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            last_entry = _last_audit_entry(conn)
            self._set_state(True)
            while not self._stop.wait(self.interval):
                current = conn.execute("PRAGMA data_version").fetchone()[0]
                if current != version:
                    version = current
                    changed, last_entry = _changed_since(conn, last_entry)
                    if changed:
                        self.on_change(None)
        finally:
            conn.close()

    def _watch_postgresql(self) -> None:
        import psycopg

        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._set_state(True)
            while not self._stop.is_set():
                # The first notice is passed on at once (a counter sees a change within a
                # refresh's time, not after a whole interval); the burst a saving counter's
                # neighbours send in the same instant is gathered for a moment, so an import's
                # thousand commits make a few refreshes, not a thousand.
                tables: set[str] = set()
                for notice in conn.notifies(timeout=self.interval, stop_after=1):
                    tables.update(t for t in notice.payload.split(",") if t)
                if tables:
                    for notice in conn.notifies(timeout=_BURST, stop_after=100):
                        tables.update(t for t in notice.payload.split(",") if t)
                if tables:
                    self.on_change(frozenset(tables))
                else:
                    conn.execute("SELECT 1")  # notices a dropped server within a second
