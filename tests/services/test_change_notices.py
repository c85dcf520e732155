"""Live refresh: other counters hear about a commit, and only about a commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from kyodo_desk.database.audit import ACTOR_KEY
from kyodo_desk.database.changes import CHANNEL, ChangeWatcher, announce_ahead, notify_tables
from kyodo_desk.domain.errors import ConcurrentEdit, UserError, ValidationError
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind
from kyodo_desk.services.events import registrations
from kyodo_desk.services.events.checkin import walk_in
from kyodo_desk.services.events.registrations import DuplicateSignUp, SignUpDraft
from tests.event_fixtures import make_event, people

postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def person(name: str = "秋田 一郎", **fields) -> ContactDraft:  # type: ignore[no-untyped-def]
    return ContactDraft(kind=ContactKind.PERSON, name=name, **fields)


def psycopg_dsn(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def listener(database_url: str) -> Iterator[psycopg.Connection]:
    """Another counter's connection, listening as the app does."""
    with psycopg.connect(psycopg_dsn(database_url), autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        yield conn


def next_payloads(conn: psycopg.Connection, count: int = 1, timeout: float = 5.0) -> list[str]:
    return [n.payload for n in conn.notifies(timeout=timeout, stop_after=count)]


# --- PostgreSQL NOTIFY ------------------------------------------------------------------------


@postgresql_only
def test_a_committed_change_is_announced_with_its_tables(db, actor, listener) -> None:
    created = svc.create_contact(db, actor, person())
    [payload] = next_payloads(listener)
    assert payload.split(",") == ["contacts"]

    club = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=svc.GroupType.NPO, name="NPO法人ひろめ"))
    assert next_payloads(listener) == ["contacts"]
    svc.update_contact(db, actor, created.id, created.version, person(
        groups=(Affiliation(club.id, club.name),)))
    [payload] = next_payloads(listener)
    assert set(payload.split(",")) == {"contacts", "memberships"}
    assert "audit_log" not in payload


@postgresql_only
def test_nothing_is_announced_for_changes_that_were_not_committed(db, actor, listener,
                                                                  database_url: str) -> None:
    created = svc.create_contact(db, actor, person(phone="0188001234"))
    assert next_payloads(listener) == ["contacts"]

    with pytest.raises(ValidationError):  # refused before any transaction
        svc.create_contact(db, actor, person(email="not an address"))
    with pytest.raises(ValidationError):  # flushed, then rolled back
        svc.update_contact(db, actor, created.id, created.version, person(
            phone="0188009999", groups=(Affiliation(987654, "ない団体"),)))
    with pytest.raises(ConcurrentEdit):  # an older version: rolled back
        svc.update_contact(db, actor, created.id, created.version - 1, person(name="古い"))

    # A marker sent after the failures: it must be the first thing the listener hears.
    with psycopg.connect(psycopg_dsn(database_url), autocommit=True) as other:
        other.execute("SELECT pg_notify(%s, 'marker')", [CHANNEL])
    assert next_payloads(listener) == ["marker"]
    assert svc.get_contact(db, actor, created.id).phone == "018-800-1234"


@postgresql_only
def test_a_sign_up_is_announced_once_and_a_refused_one_not_at_all(
        db, actor, listener, facilities, database_url: str) -> None:
    """A sign-up sends its notice before it takes the event's lock (its round trip kept out
    of the lock): still heard only once it commits, and never for one refused after it."""
    event = make_event(db, facilities["east"], capacity=1)
    first, second = people(db, 2)
    while next_payloads(listener, timeout=0.5):  # the setup's own notices
        pass
    signed = registrations.sign_up(db, actor, event.id, SignUpDraft(first))
    assert next_payloads(listener) == ["registrations"]
    with pytest.raises(DuplicateSignUp):  # announced ahead, then rolled back
        registrations.sign_up(db, actor, event.id, SignUpDraft(first))
    with pytest.raises(UserError, match="満席"):  # a walk-in to a full event: rolled back
        walk_in(db, actor, event.sessions[0].id, SignUpDraft(second))
    with psycopg.connect(psycopg_dsn(database_url), autocommit=True) as other:
        other.execute("SELECT pg_notify(%s, 'marker')", [CHANNEL])
    assert next_payloads(listener) == ["marker"]

    registrations.cancel_registration(db, actor, signed.registration.id)
    walk_in(db, actor, event.sessions[0].id, SignUpDraft(second))
    heard = set()
    for payload in next_payloads(listener, count=3, timeout=2.0):
        heard.update(payload.split(","))
    assert {"registrations", "attendances"} <= heard


@postgresql_only
def test_a_notice_sent_ahead_by_a_transaction_rolled_back_is_sent_again(
        db, actor, listener) -> None:
    """A session that goes on after a rollback must not think the dropped notice was sent."""
    with Session(db.engine) as session:
        session.info[ACTOR_KEY] = actor
        with pytest.raises(RuntimeError), session.begin():
            announce_ahead(session, "registrations")
            raise RuntimeError("refused")
        with session.begin():
            notify_tables(session, "registrations")
    assert next_payloads(listener) == ["registrations"]


# --- ChangeWatcher, on both databases ---------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.changes: list[frozenset[str] | None] = []
        self.states: list[bool] = []


def watcher_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "kyodo-change-watcher"}


@pytest.fixture
def watching(database_url: str) -> Iterator[tuple[ChangeWatcher, Recorder, threading.Thread]]:
    seen = Recorder()
    before = watcher_threads()
    watcher = ChangeWatcher(make_url(database_url), seen.changes.append, seen.states.append,
                            interval=0.2)
    watcher.start()
    [thread] = watcher_threads() - before
    assert wait_for(lambda: seen.states == [True]), seen.states  # connected before any change
    yield watcher, seen, thread
    watcher.stop()


def test_the_watcher_hears_a_change_made_elsewhere(db, actor, watching) -> None:
    watcher, seen, thread = watching
    assert seen.changes == []
    svc.create_contact(db, actor, person())
    assert wait_for(lambda: bool(seen.changes)), "no change reported within 5 s"
    if db.backend.is_sqlite:
        assert seen.changes[0] is None  # SQLite cannot say which tables: "anything"
    else:
        assert isinstance(seen.changes[0], frozenset)
        assert "contacts" in seen.changes[0]
    assert seen.states == [True]

    watcher.stop()
    assert not thread.is_alive()


def test_the_watcher_stays_quiet_when_nothing_is_written(db, actor, watching) -> None:
    _, seen, _ = watching
    svc.search_contacts(db, actor, "秋田")
    svc.list_facilities(db, actor)
    time.sleep(0.3)  # more than one interval
    assert seen.changes == []


@postgresql_only
def test_a_change_is_passed_on_when_it_comes_not_at_the_end_of_the_interval(
        db, actor, database_url: str) -> None:
    """The others see a save at once: the watcher does not sit on a notice until its interval
    (here a minute) is over, yet a burst of saves reaches them as few refreshes."""
    seen = Recorder()
    before = watcher_threads()
    watcher = ChangeWatcher(make_url(database_url), seen.changes.append, seen.states.append,
                            interval=60)
    watcher.start()
    [thread] = watcher_threads() - before
    try:
        assert wait_for(lambda: seen.states == [True]), seen.states
        svc.create_contact(db, actor, person())
        assert wait_for(lambda: bool(seen.changes), timeout=30), "the change waited for the interval"
        assert "contacts" in (seen.changes[0] or ())
    finally:
        watcher._stop.set()
        svc.create_contact(db, actor, person())  # wakes the watcher, which then sees the stop
        thread.join(timeout=30)
    assert not thread.is_alive()


@postgresql_only
def test_the_watcher_reports_a_lost_server_and_reconnects(db, actor, watching,
                                                          database_url: str) -> None:
    _, seen, _ = watching
    name = make_url(database_url).database
    with psycopg.connect(psycopg_dsn(database_url), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = %s AND pid <> pg_backend_pid()", [name])
    assert wait_for(lambda: seen.states == [True, False, True]), seen.states
    svc.create_contact(db, actor, person())
    assert wait_for(lambda: any(c and "contacts" in c for c in seen.changes)), seen.changes
