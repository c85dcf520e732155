"""Two counters on one database, each with its own connection: nothing is lost or half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import ConcurrentEdit, ConnectionLost
from kyodo_desk.models import AuditEntry, Contact
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind


@pytest.fixture
def second_counter(database_url: str):  # type: ignore[no-untyped-def]
    """The same database opened again, as another counter's PC does."""
    other = open_database(database_url)
    yield other
    other.dispose()


def person(name: str, **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.PERSON, name=name, **fields)


def test_second_save_of_the_same_record_is_refused_and_the_first_kept(
        db, actor, second_counter, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_contact(db, actor, person("高橋 一郎", phone="018-888-0001"))
    here = svc.get_contact(db, actor, created.id)
    there = svc.get_contact(second_counter, accounts_by_login["staff_west"], created.id)

    svc.update_contact(second_counter, accounts_by_login["staff_west"], there.id, there.version,
                       person("高橋 一郎", phone="018-888-0002"))
    with pytest.raises(ConcurrentEdit, match="他の窓口で変更されました"):
        svc.update_contact(db, actor, here.id, here.version,
                           person("高橋 一郎", phone="018-888-0003"))

    seen_by_both = {svc.get_contact(d, actor, created.id).phone for d in (db, second_counter)}
    assert seen_by_both == {"018-888-0002"}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_save_whose_connection_dies_before_commit_leaves_nothing_behind(
        db, actor, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """The server drops the counter's connection mid-save (as a restart or network loss does)."""
    killer = open_database(database_url)

    def kill_own_backend(session, _flush) -> None:  # type: ignore[no-untyped-def]
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        with killer.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    audit_before = _count(db, AuditEntry)
    event.listen(Session, "after_flush", kill_own_backend)
    try:
        with pytest.raises(ConnectionLost, match="保存されていません"):
            svc.create_contact(db, actor, person("途中 切断"))
    finally:
        event.remove(Session, "after_flush", kill_own_backend)
        killer.dispose()

    assert svc.search_contacts(db, actor, "途中").entries == []  # no contact …
    assert _count(db, AuditEntry) == audit_before  # … and no audit row of it
    # The same save, tried again once the server answers, goes through whole.
    saved = svc.create_contact(db, actor, person("途中 切断"))
    assert [e.name for e in svc.search_contacts(db, actor, "途中").entries] == ["途中 切断"]
    assert _count(db, AuditEntry) == audit_before + 2  # its insert, and the search showing it
    assert saved.version == 1


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_contacts_table_counts_match_across_counters(db, actor, second_counter) -> None:  # type: ignore[no-untyped-def]
    svc.create_contact(second_counter, actor, person("別窓口 登録"))
    assert _count(db, Contact) == 1
    assert [e.name for e in svc.search_contacts(db, actor, "別窓口").entries] == ["別窓口 登録"]
