"""The audit log's hash chain: `audit verify` finds a removed, an altered and an inserted row;
rows written by counters saving at once still form one chain; the rows written before the
chain (migration 0014) are sealed and lose their personal values."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, insert, select, text, update

from kyodo_desk import cli
from kyodo_desk.database import open_database
from kyodo_desk.database.audit_chain import verify, verify_log
from kyodo_desk.domain.permissions import Actor, PermissionDenied, Role
from kyodo_desk.models import AuditEntry
from kyodo_desk.services import contacts as svc

SYSTEM = Actor.system()


def person(name: str, phone: str = "") -> svc.ContactDraft:
    return svc.ContactDraft(kind=svc.ContactKind.PERSON, name=name, phone=phone)


def write_some(db, count: int = 3) -> list[int]:  # type: ignore[no-untyped-def]
    made = [svc.create_contact(db, SYSTEM, person(f"鎖 太郎{i}", "0188001234"))
            for i in range(count)]
    for contact in made:
        svc.update_contact(db, SYSTEM, contact.id, contact.version,
                           person(contact.name, "0188009999"))
    return [c.id for c in made]


def audit_ids(db) -> list[int]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


def tamper(db, statement, params=None) -> None:  # type: ignore[no-untyped-def]
    """What someone with the database's owner rights can do: lift the guard, then edit."""
    sqlite = db.backend.is_sqlite
    with db.begin_write() as conn:
        if sqlite:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(statement, params or {})
        if sqlite:
            for verb in ("UPDATE", "DELETE"):
                conn.execute(text(
                    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"))
        else:
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


def test_an_untouched_log_is_intact(db, capsys) -> None:  # type: ignore[no-untyped-def]
    write_some(db)
    verdict = verify_log(db, SYSTEM)
    assert verdict.intact
    assert verdict.rows == len(audit_ids(db)) >= 6
    assert verdict.last_id == audit_ids(db)[-1]
    assert cli.main(["--database", str(db.url.render_as_string(hide_password=False)),
                     "audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "改ざんは見つかりませんでした" in out
    assert f"#{verdict.last_id}" in out and verdict.last_hash in out


@pytest.mark.audit_tampered
def test_a_deleted_an_altered_and_an_inserted_row_are_each_found(db, capsys) -> None:  # type: ignore[no-untyped-def]
    write_some(db, 4)
    ids = audit_ids(db)
    deleted, altered = ids[2], ids[5]
    tamper(db, AuditEntry.__table__.delete().where(AuditEntry.id == deleted))
    tamper(db, update(AuditEntry).where(AuditEntry.id == altered)
           .values(actor="別人", account_id=None))
    # A row slipped in with plain SQL, then the counters go on saving after it.
    with db.begin_write() as conn:
        conn.execute(insert(AuditEntry).values(actor="窓口 花子", action="delete",
                                               table_name="contacts", record_id=1, changes={}))
    inserted = audit_ids(db)[-1]
    write_some(db, 1)

    breaks = {b.row_id: b.cause for b in verify_log(db, SYSTEM).breaks}
    assert breaks == {ids[3]: "deleted_before", altered: "altered", inserted: "inserted"}
    url = db.url.render_as_string(hide_password=False)
    assert cli.main(["--database", url, "audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"操作記録 #{ids[3]} の直前の行が削除されています" in err
    assert f"操作記録 #{altered} の内容が書き換えられています" in err
    assert f"操作記録 #{inserted} は後から書き加えられた行" in err
    assert "3 か所で鎖が切れています" in err


@pytest.mark.audit_tampered
def test_a_row_rewritten_with_a_fresh_hash_is_found(db) -> None:  # type: ignore[no-untyped-def]
    """Its successor was chained on the old hash: the two breaks read as one row put in."""
    write_some(db)
    ids = audit_ids(db)
    tamper(db, update(AuditEntry).where(AuditEntry.id == ids[1])
           .values(action="open", chain_hash="0" * 64))
    [found] = verify_log(db, SYSTEM).breaks
    assert (found.row_id, found.cause) == (ids[1], "inserted")
    assert "ハッシュを付け直した" in found.describe()


def test_only_those_who_may_read_the_log_verify_it(db) -> None:  # type: ignore[no-untyped-def]
    clerk = Actor(None, "clerk", "窓口 花子", Role.COUNTER_STAFF, None)
    with pytest.raises(PermissionDenied):
        verify_log(db, clerk)


def test_counters_saving_at_once_make_one_chain(database_url: str) -> None:
    """Four counters, each on its own connection, save at the same moment: every row is
    chained once, in the order the commits happened."""
    databases = [open_database(database_url) for _ in range(4)]
    start = threading.Barrier(len(databases))
    failures: list[BaseException] = []

    def counter(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                svc.create_contact(databases[n], SYSTEM, person(f"同時 {n}-{i}"))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(len(databases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        with databases[0].reading(None) as session:
            verdict = verify(session.connection())
        assert verdict.intact, [b.describe() for b in verdict.breaks]
        assert verdict.rows >= 40
    finally:
        for database in databases:
            database.dispose()


def test_rows_written_before_the_chain_are_sealed_and_lose_their_values(empty_url: str) -> None:
    """An install of the previous version: its log holds names and phones, and no hashes."""
    from alembic import command
    from alembic.config import Config

    from kyodo_desk.database.schema import migrations_dir

    engine = create_engine(empty_url)
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0013")
        log = text("INSERT INTO audit_log (actor, action, table_name, record_id, changes) "
                   "VALUES (:actor, :action, :table, :record, :changes)")
        conn.execute(log, [
            {"actor": "窓口 花子", "action": "insert", "table": "contacts", "record": 1,
             "changes": '{"name": [null, "旧版 花子"], "phone": [null, "018-800-1234"], '
                        '"kind": [null, "person"], "notes": [null, ""]}'},
            {"actor": "窓口 花子", "action": "update", "table": "contacts", "record": 1,
             "changes": '{"phone": ["018-800-1234", "018-800-9999"]}'},
            {"actor": "受付", "action": "insert", "table": "registrations", "record": 7,
             "changes": '{"token": [null, "secret-token-abc"], "party_size": [null, 2]}'},
            {"actor": "受付", "action": "sign_in", "table": "accounts", "record": 3,
             "changes": '{"結果": [null, "失敗"]}'},
        ])
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.changes).order_by(AuditEntry.id)).scalars().all()
        verdict = verify(conn)
    engine.dispose()
    assert rows == [
        {"name": [None, "********"], "phone": [None, "********"], "kind": [None, "person"],
         "notes": [None, None]},
        {"phone": ["********", "********"]},
        {"token": [None, "********"], "party_size": [None, 2]},
        {"結果": [None, "失敗"]},
    ]
    assert verdict.intact and verdict.rows == 4

    # The app goes on from where the migration left the chain.
    db = open_database(empty_url)
    try:
        svc.create_contact(db, SYSTEM, person("新版 太郎"))
        assert verify_log(db, SYSTEM).intact
    finally:
        db.dispose()
