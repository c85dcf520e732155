"""The audit log (操作記録): who changed what, written with every change, never rewritten."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Account, AuditEntry, Contact, ContactKind
from kyodo_desk.services import accounts
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.accounts import SignInRefused
from kyodo_desk.services.contacts import Affiliation, ContactDraft, GroupType
from tests.conftest import TEST_PASSWORD

DERIVED = {"search_text", "search_grams", "sort_key", "version", "created_at", "updated_at"}


def person(name: str = "山田 太郎", **fields) -> ContactDraft:  # type: ignore[no-untyped-def]
    return ContactDraft(kind=ContactKind.PERSON, name=name, reading="やまだ たろう", **fields)


def group(name: str = "川尻みらい会") -> ContactDraft:
    return ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name)


def last_id(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))


def rows_since(db, after: int) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return list(session.scalars(
            select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id)))


def everything(db) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return [(e.id, e.at, e.account_id, e.actor, e.action, e.table_name, e.record_id,
                 e.changes) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


# --- changes to contacts ------------------------------------------------------------------------


def test_creating_a_contact_records_who_and_the_typed_fields(db, actor) -> None:
    start = last_id(db)
    created = svc.create_contact(db, actor, person(phone="0188001234",
                                                   email="yamada@example.jp"))
    [row] = rows_since(db, start)
    assert (row.action, row.table_name) == ("insert", "contacts")
    assert (row.actor, row.account_id) == ("窓口 花子", actor.account_id)
    assert row.at is not None
    assert row.changes["id"] == [None, created.id]
    # A person's own words are recorded as given, never what they were.
    for field in ("name", "reading", "phone", "email"):
        assert row.changes[field] == [None, "********"]
    assert "山田" not in str(row.changes) and "0188001234" not in str(row.changes)
    assert row.changes["kind"] == [None, "person"]
    assert row.changes["active"] == [None, True]
    assert not DERIVED & row.changes.keys()


def test_changing_the_phone_records_only_the_phone(db, actor) -> None:
    created = svc.create_contact(db, actor, person(phone="0188001234"))
    start = last_id(db)
    svc.update_contact(db, actor, created.id, created.version, person(phone="0188009999"))
    [row] = rows_since(db, start)
    assert (row.action, row.table_name, row.record_id) == ("update", "contacts", created.id)
    assert row.actor == "窓口 花子"
    assert row.changes == {"phone": ["********", "********"]}


def test_saving_without_changes_records_nothing(db, actor) -> None:
    created = svc.create_contact(db, actor, person(phone="0188001234"))
    start = last_id(db)
    svc.update_contact(db, actor, created.id, created.version, created.as_draft())
    assert rows_since(db, start) == []


def test_removing_a_contact_records_active_true_to_false(db, actor, accounts_by_login) -> None:
    created = svc.create_contact(db, actor, person())
    start = last_id(db)
    advisor = accounts_by_login["advisor"]
    svc.set_contact_active(db, advisor, created.id, created.version, False)
    [row] = rows_since(db, start)
    assert (row.action, row.table_name, row.record_id) == ("update", "contacts", created.id)
    assert (row.actor, row.account_id) == ("相談 一子", advisor.account_id)
    assert row.changes == {"active": [True, False]}


def test_joining_and_leaving_a_group_is_recorded(db, actor) -> None:
    club = svc.create_contact(db, actor, group())
    member = svc.create_contact(db, actor, person())
    start = last_id(db)
    joined = svc.update_contact(db, actor, member.id, member.version, person(
        groups=(Affiliation(club.id, club.name, "代表"),)))
    [row] = rows_since(db, start)
    assert (row.action, row.table_name, row.actor) == ("insert", "memberships", "窓口 花子")
    assert row.changes == {"person_id": [None, member.id], "group_id": [None, club.id],
                           "role": [None, "********"],
                           "joined_on": [None, date.today().isoformat()]}

    assert joined.groups == (Affiliation(club.id, club.name, "代表"),)


def test_leaving_a_group_is_recorded(db, actor) -> None:
    club = svc.create_contact(db, actor, group())
    member = svc.create_contact(db, actor, person(
        groups=(Affiliation(club.id, club.name, "代表"),)))
    start = last_id(db)
    left = svc.update_contact(db, actor, member.id, member.version, person())
    assert left.groups == ()
    rows = rows_since(db, start)
    assert [(r.action, r.table_name, r.actor) for r in rows] == [
        ("delete", "memberships", "窓口 花子")]
    assert rows[0].changes == {"person_id": [member.id, None], "group_id": [club.id, None],
                               "role": ["********", None],
                               "joined_on": [date.today().isoformat(), None]}


def test_an_insert_row_names_the_new_record(db, actor) -> None:
    start = last_id(db)
    created = svc.create_contact(db, actor, person())
    [row] = rows_since(db, start)
    assert (row.action, row.table_name, row.record_id) == ("insert", "contacts", created.id)


def test_a_role_change_in_a_group_says_whose_role(db, actor) -> None:
    club = svc.create_contact(db, actor, group())
    member = svc.create_contact(db, actor, person(
        groups=(Affiliation(club.id, club.name, "代表"),)))
    start = last_id(db)
    svc.update_contact(db, actor, member.id, member.version, person(
        groups=(Affiliation(club.id, club.name, "事務局"),)))
    [row] = rows_since(db, start)
    assert (row.action, row.table_name) == ("update", "memberships")
    assert row.changes["role"] == ["********", "********"]  # free text: never its words
    assert row.record_id == member.id or {"person_id", "group_id"} <= row.changes.keys()


def test_refused_input_records_nothing(db, actor) -> None:
    created = svc.create_contact(db, actor, person(phone="0188001234"))
    before = everything(db)
    with pytest.raises(ValidationError):
        svc.create_contact(db, actor, person(email="not an address"))
    with pytest.raises(ValidationError):
        svc.update_contact(db, actor, created.id, created.version, person(name=" "))
    # Fails inside the transaction, after the changed phone was already flushed.
    with pytest.raises(ValidationError, match="所属団体"):
        svc.update_contact(db, actor, created.id, created.version, person(
            phone="0188009999", groups=(Affiliation(987654, "ない団体"),)))
    assert everything(db) == before
    assert svc.get_contact(db, actor, created.id).phone == "018-800-1234"


# --- sign-in and accounts -----------------------------------------------------------------------


def test_sign_in_success_and_failure_are_each_recorded(db, actor) -> None:
    start = last_id(db)
    accounts.sign_in(db, "staff", TEST_PASSWORD)
    with pytest.raises(SignInRefused):
        accounts.sign_in(db, "staff", "wrong-password")
    success, failure = rows_since(db, start)
    for row in (success, failure):
        assert (row.action, row.table_name, row.record_id) == ("sign_in", "accounts",
                                                               actor.account_id)
        assert (row.actor, row.account_id) == ("窓口 花子", actor.account_id)
    assert success.changes == {"結果": [None, "成功"]}
    assert failure.changes == {"結果": [None, "失敗"]}


def test_the_password_hash_never_reaches_the_audit_log(db, admin) -> None:
    start = last_id(db)
    accounts.reset_password(db, admin, "staff", "temporary-pass")
    rows = rows_since(db, start)
    assert [(r.action, r.table_name, r.actor) for r in rows] == [
        ("update", "accounts", "管理 太郎")]
    with db.reading(None) as session:
        hashed = session.scalar(select(Account.password_hash).where(Account.login == "staff"))
    for row in rows:
        assert hashed not in repr(row.changes)
        assert "temporary-pass" not in repr(row.changes)
        assert "$argon2" not in repr(row.changes)
    assert rows[0].changes["must_change_password"] == [False, True]


def test_a_password_reset_shows_the_password_as_stars(db, admin) -> None:
    start = last_id(db)
    accounts.reset_password(db, admin, "staff", "temporary-pass")
    [row] = rows_since(db, start)
    assert row.changes["password_hash"] == ["********", "********"]


def test_changing_ones_own_password_is_recorded(db, actor) -> None:
    start = last_id(db)
    accounts.change_own_password(db, actor, TEST_PASSWORD, "my-new-password")
    rows = rows_since(db, start)
    assert [(r.action, r.table_name, r.record_id) for r in rows] == [
        ("update", "accounts", actor.account_id)]
    assert rows[0].changes["password_hash"] == ["********", "********"]


# --- nobody rewrites the log --------------------------------------------------------------------


def test_the_log_cannot_be_changed_or_deleted_even_with_raw_sql(db, actor) -> None:
    svc.create_contact(db, actor, person())
    before = everything(db)
    assert before
    statements = ["UPDATE audit_log SET actor = '誰か'",
                  "UPDATE audit_log SET changes = '{}' WHERE id = 1",
                  "DELETE FROM audit_log",
                  f"DELETE FROM audit_log WHERE id = {before[-1][0]}"]
    if not db.backend.is_sqlite:
        statements.append("TRUNCATE audit_log")
    for statement in statements:
        with db.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
    assert everything(db) == before


def test_a_write_session_must_name_its_actor(db) -> None:
    with db.reading(None) as session:
        count = session.scalar(select(func.count()).select_from(Contact))
    with pytest.raises(RuntimeError, match="actor"), Session(db.engine) as session, \
            session.begin():
        session.add(Contact(kind=ContactKind.PERSON, name="名無し", active=True))
    with pytest.raises(RuntimeError, match="actor"), db.writing(None) as session:  # type: ignore[arg-type]
        session.add(Contact(kind=ContactKind.PERSON, name="名無し", active=True))
    with db.reading(None) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == count


def test_the_command_line_is_named_in_the_log(db) -> None:
    start = last_id(db)
    created = svc.create_contact(db, Actor.command_line(), person())
    [row] = rows_since(db, start)
    assert (row.actor, row.account_id, row.record_id) == ("コマンドライン", None, created.id)
    assert row.changes["name"] == [None, "********"]
