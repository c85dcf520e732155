"""When PostgreSQL breaks a deadlock by rolling one transaction back, the person is told that
another counter's work collided with theirs — never that the database cannot be reached — and
the service is run once more."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import select, text

from kyodo_desk.database import open_database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import ConnectionLost, Contention
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Facility

SYSTEM = Actor.system()


def _lock_second_then_first(url: str, first: int, second: int, holding, go) -> None:  # type: ignore[no-untyped-def]
    db = open_database(url)
    try:
        with db.writing(SYSTEM) as session:
            session.execute(text("SET LOCAL deadlock_timeout = '30s'"))  # the test side decides
            session.execute(select(Facility.id).where(Facility.id == second).with_for_update())
            holding.set()
            go.wait(30)
            session.execute(select(Facility.id).where(Facility.id == first).with_for_update())
    finally:
        db.dispose()


def test_a_deadlock_is_contention_not_a_lost_connection(fresh_pg_url: str) -> None:
    db = open_database(fresh_pg_url)
    context = multiprocessing.get_context("spawn")
    holding, go = context.Event(), context.Event()
    try:
        with db.reading(None) as session:
            first, second = session.scalars(select(Facility.id).order_by(Facility.id).limit(2))
        other = context.Process(target=_lock_second_then_first,
                                args=(fresh_pg_url, first, second, holding, go))
        other.start()
        with pytest.raises(Contention) as caught, db.writing(SYSTEM) as session:
            session.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
            session.execute(select(Facility.id).where(Facility.id == first).with_for_update())
            assert holding.wait(30)
            go.set()
            session.execute(select(Facility.id).where(Facility.id == second).with_for_update())
        other.join(30)
        assert other.exitcode == 0  # the other counter's transaction went through
        assert not isinstance(caught.value, ConnectionLost)
        assert "他の窓口の操作と同時になったため" in caught.value.message
    finally:
        db.dispose()


def test_a_service_that_collided_is_run_once_more_and_a_second_collision_is_reported() -> None:
    tries: list[int] = []

    @retry_on_contention
    def save(collisions: int) -> str:
        tries.append(1)
        if len(tries) <= collisions:
            raise Contention("衝突")
        return "保存しました"

    assert save(1) == "保存しました" and len(tries) == 2
    tries.clear()
    with pytest.raises(Contention):
        save(2)
    assert len(tries) == 2


def test_a_statement_the_server_refuses_is_not_taken_for_a_lost_connection(
        fresh_pg_url: str) -> None:
    """Such an error is a defect to log (with the apology and the log's path), never 「接続
    できません」 sending the counter to check a network that is fine."""
    from sqlalchemy.exc import OperationalError

    db = open_database(fresh_pg_url)
    try:
        with pytest.raises(OperationalError) as caught, db.writing(SYSTEM) as session:
            session.execute(text("CREATE TEMP TABLE names (name text)"))
            session.execute(text("CREATE INDEX ON names (name)"))
            # 3,000 different kanji: too large for an index entry even compressed.
            session.execute(text("INSERT INTO names SELECT string_agg(chr(19968 + i * 7919 % 20000), '')"
                                 " FROM generate_series(1, 3000) AS i"))
        assert caught.value.orig.sqlstate == "54000"  # type: ignore[union-attr]
        assert not isinstance(caught.value, ConnectionLost)
    finally:
        db.dispose()
