"""A counter holds at most two connections on the server: one pooled, one listening
(issue 19: 100 counters on one PostgreSQL server of max_connections 100 or a few hundred)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy import make_url

from kyodo_desk.database.changes import ChangeWatcher
from kyodo_desk.database.core import POOL_MOST
from kyodo_desk.services import contacts as svc

postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def server_connections(database_url: str) -> int:
    """Connections open to this test's database, this count's own left out."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                           ).fetchone()
    assert row is not None
    return int(row[0])


def settled_connections(database_url: str, expected: int) -> int:
    """The count once the backends of connections the pool closed have gone: the server ends
    one a moment after its client hangs up, later on a loaded machine (once 3 were still
    listed where 1 stays). Polled until it is *expected* or 30 s have passed."""
    deadline = time.monotonic() + 30
    while (count := server_connections(database_url)) != expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return count


def read_together(db, actor, readers: int) -> int:  # type: ignore[no-untyped-def]
    """*readers* threads each in a read session at the same moment, as a counter's list
    refreshes beside a search; the connections open on the server while they all are."""
    inside, done = threading.Barrier(readers + 1), threading.Barrier(readers + 1)
    failures: list[BaseException] = []

    def read() -> None:
        try:
            with db.reading(actor) as session:
                session.connection()  # checked out, as a query would
                inside.wait()
                done.wait()
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)
            inside.abort()
            done.abort()

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    inside.wait()
    during = server_connections(db.url.render_as_string(hide_password=False))
    done.wait()
    for t in threads:
        t.join()
    assert not failures, failures
    return during


@postgresql_only
def test_a_counter_holds_two_connections_after_reads_side_by_side(db, actor,
                                                                   database_url) -> None:
    db.dispose()  # the opening's own connection: start from none
    connected = threading.Event()
    watcher = ChangeWatcher(make_url(database_url), lambda _tables: None,
                            lambda up: connected.set() if up else None)
    watcher.start()
    try:
        connected.wait()
        svc.search_contacts(db, actor, "秋田")  # a search reads, then writes its read row
        assert read_together(db, actor, 3) == 3 + 1  # three reads at once, and the listener
        assert settled_connections(database_url, 2) == 2  # kept: one pooled, the listener
    finally:
        watcher.stop()


@postgresql_only
def test_pool_most_reads_run_at_once_and_one_connection_stays(db, actor,
                                                                database_url) -> None:
    db.dispose()
    assert read_together(db, actor, POOL_MOST) == POOL_MOST
    assert settled_connections(database_url, 1) == 1
