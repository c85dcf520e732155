"""Accounts and sign-in: what staff and the administrator get, enforced below the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.domain.permissions import Actor, PermissionDenied, Role
from kyodo_desk.models import Account, AuditEntry, Contact
from kyodo_desk.services import accounts
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.accounts import AccountDraft, SignInRefused
from kyodo_desk.services.contacts import ContactDraft, ContactKind
from tests.conftest import TEST_PASSWORD

WRONG = "ログイン名またはパスワードが違います。"
NEW_PASSWORD = "akita-2025-new"


def stored(db, login: str) -> Account:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        account = session.scalar(select(Account).where(Account.login == login))
        assert account is not None
        return account


def snapshot(db) -> tuple[list[tuple[object, ...]], int]:  # type: ignore[no-untyped-def]
    """Every account as stored, and the number of audit rows: to show nothing changed."""
    with db.reading(None) as session:
        rows = [(a.login, a.display_name, a.role, a.facility_id, a.active, a.password_hash,
                 a.must_change_password, a.version)
                for a in session.scalars(select(Account).order_by(Account.id))]
        audited = session.scalar(select(func.count()).select_from(AuditEntry))
    return rows, audited


def facility_id(db, code: str) -> int:  # type: ignore[no-untyped-def]
    return {f.code: f.id for f in svc.list_facilities(db, Actor.system())}[code]


# --- enforced in the services, not only in the window ---------------------------------------


def test_counter_staff_cannot_manage_accounts_and_nothing_changes(db, actor) -> None:
    before = snapshot(db)
    calls = [
        lambda: accounts.create_account(db, actor, AccountDraft(
            "intruder", "侵入 者", Role.ADMIN, None, "long-enough-pass")),
        lambda: accounts.list_accounts(db, actor),
        lambda: accounts.find_account(db, actor, "admin"),
        lambda: accounts.reset_password(db, actor, "admin", "long-enough-pass"),
        lambda: accounts.set_active(db, actor, "admin", False),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert "窓口職員" in refused.value.message
        assert "アカウント" in refused.value.message
    assert snapshot(db) == before


@pytest.mark.parametrize("login", ["staff_west", "advisor", "officer"])
def test_no_role_but_the_administrator_sees_the_accounts(db, accounts_by_login,
                                                         login: str) -> None:
    with pytest.raises(PermissionDenied):
        accounts.list_accounts(db, accounts_by_login[login])


def test_administrator_creates_and_lists_an_account(db, admin) -> None:
    before_rows, _ = snapshot(db)
    info = accounts.create_account(db, admin, AccountDraft(
        " Sato.Hanako ", " 佐藤 花子 ", Role.ADVISOR, facility_id(db, "salon"), "hanako-pass-1"))
    assert (info.login, info.display_name, info.role) == ("sato.hanako", "佐藤 花子", Role.ADVISOR)
    assert info.facility_name == "秋田市市民交流サロン"
    assert info.active and not info.must_change_password
    listed = {a.login: a for a in accounts.list_accounts(db, admin)}
    assert set(listed) == {"admin", "staff", "staff_west", "advisor", "officer", "sato.hanako"}
    assert listed["sato.hanako"] == info
    assert listed["staff"].facility_name == "東部市民サービスセンター"
    assert listed["admin"].role is Role.ADMIN
    assert accounts.find_account(db, admin, "SATO.HANAKO") == info
    assert len(snapshot(db)[0]) == len(before_rows) + 1


def test_passwords_are_stored_only_as_argon2id_hashes(db) -> None:
    for login in ("admin", "staff"):
        hashed = stored(db, login).password_hash
        assert hashed.startswith("$argon2id$")
        assert TEST_PASSWORD not in hashed
    # The same password gives a different hash for each account (salted).
    assert stored(db, "admin").password_hash != stored(db, "staff").password_hash


def test_duplicate_login_is_refused_whatever_its_case(db, admin) -> None:
    before = snapshot(db)
    for login in ("staff", "Staff", "ＳＴＡＦＦ", " STAFF "):
        with pytest.raises(ValidationError) as refused:
            accounts.create_account(db, admin, AccountDraft(
                login, "別の 人", Role.COUNTER_STAFF, None, "long-enough-pass"))
        assert refused.value.for_field("login") == "ログイン名「staff」は既に使われています。"
    assert snapshot(db) == before


def test_bad_login_and_empty_name_are_refused_together(db, admin) -> None:
    with pytest.raises(ValidationError) as refused:
        accounts.create_account(db, admin, AccountDraft("佐藤", "  ", Role.COUNTER_STAFF, None,
                                                        "short"))
    problems = refused.value
    assert "半角英数字" in (problems.for_field("login") or "")
    assert problems.for_field("display_name") == "表示名を入力してください。"
    assert problems.for_field("password") == "パスワードは8文字以上にしてください。"


def test_short_passwords_are_refused_naming_the_field(db, admin, actor) -> None:
    before = snapshot(db)
    attempts = [
        lambda: accounts.create_account(db, admin, AccountDraft(
            "newbie", "新人 一郎", Role.COUNTER_STAFF, None, "1234567")),
        lambda: accounts.reset_password(db, admin, "staff", "1234567"),
        lambda: accounts.change_own_password(db, actor, TEST_PASSWORD, "1234567"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.for_field("password") == "パスワードは8文字以上にしてください。"
        assert "パスワード" in refused.value.message
    assert snapshot(db) == before


def test_administrator_cannot_disable_their_own_account(db, admin) -> None:
    with pytest.raises(UserError, match="自分自身のアカウントは無効にできません。"):
        accounts.set_active(db, admin, "admin", False)
    assert stored(db, "admin").active


# --- contacts: every role may keep them ---------------------------------------------------------


def test_administrator_changes_a_role_and_facility_in_the_audit_log(db, admin, actor,
                                                                 facilities) -> None:  # type: ignore[no-untyped-def]
    changed = accounts.set_role(db, admin, "staff", Role.OFFICER, facilities["central"])
    assert (changed.role, changed.facility_id) == (Role.OFFICER, facilities["central"])
    with db.reading(None) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.table_name == "accounts")
                                .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.changes["role"] == ["counter_staff", "officer"]
    with pytest.raises(UserError, match="自分自身の管理者の役割は外せません"):
        accounts.set_role(db, admin, "admin", Role.OFFICER, None)
    with pytest.raises(PermissionDenied):
        accounts.set_role(db, accounts.sign_in(db, "officer", TEST_PASSWORD)[0], "staff_west",
                          Role.ADMIN, None)


def test_counter_staff_creates_changes_and_removes_contacts(db, actor) -> None:
    created = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="高橋 健",
                                                         phone="0188001234"))
    changed = svc.update_contact(db, actor, created.id, created.version,
                                 ContactDraft(kind=ContactKind.PERSON, name="高橋 健",
                                              phone="0188005678"))
    assert changed.phone == "018-800-5678"
    svc.set_contact_active(db, actor, created.id, changed.version, False)
    assert not svc.get_contact(db, actor, created.id).active
    assert svc.search_contacts(db, actor, "高橋").entries == []
    with db.reading(None) as session:  # removed from the list, but the record is kept
        assert session.get(Contact, created.id) is not None


# --- sign-in ------------------------------------------------------------------------------------


def test_right_password_signs_in_with_role_and_facility(db) -> None:
    actor, must_change = accounts.sign_in(db, "Staff", TEST_PASSWORD)
    assert must_change is False
    assert (actor.login, actor.name, actor.role) == ("staff", "窓口 花子", Role.COUNTER_STAFF)
    assert actor.facility_id == facility_id(db, "east")
    assert actor.account_id == stored(db, "staff").id
    assert stored(db, "staff").last_signed_in_at is not None


def test_wrong_password_and_unknown_login_get_the_same_answer(db) -> None:
    with pytest.raises(SignInRefused) as wrong:
        accounts.sign_in(db, "staff", "not-the-password")
    with pytest.raises(SignInRefused) as unknown:
        accounts.sign_in(db, "nobody", "not-the-password")
    assert wrong.value.message == unknown.value.message == WRONG


def test_disabled_account_is_refused_until_enabled(db, admin) -> None:
    info = accounts.set_active(db, admin, "staff", False)
    assert not info.active
    with pytest.raises(SignInRefused) as refused:
        accounts.sign_in(db, "staff", TEST_PASSWORD)
    assert "無効" in refused.value.message
    assert "管理者" in refused.value.message
    accounts.set_active(db, admin, "staff", True)
    actor, _ = accounts.sign_in(db, "staff", TEST_PASSWORD)
    assert actor.login == "staff"


def test_repeated_failures_make_the_next_attempt_wait(db) -> None:
    t0 = datetime.now(UTC)
    for _ in range(accounts.FREE_ATTEMPTS):
        with pytest.raises(SignInRefused, match=WRONG):
            accounts.sign_in(db, "staff", "guess-guess", now=t0)
    # Within the wait, even the right password is refused, saying to wait.
    with pytest.raises(SignInRefused) as refused:
        accounts.sign_in(db, "staff", TEST_PASSWORD, now=t0 + timedelta(milliseconds=500))
    assert "お待ちください" in refused.value.message
    assert "1秒" in refused.value.message
    # Another login is not held up.
    other, _ = accounts.sign_in(db, "staff_west", TEST_PASSWORD,
                                now=t0 + timedelta(milliseconds=500))
    assert other.login == "staff_west"
    # Once the wait has passed, the right password works and the count starts again.
    actor, _ = accounts.sign_in(db, "staff", TEST_PASSWORD, now=t0 + timedelta(seconds=2))
    assert actor.login == "staff"
    assert stored(db, "staff").failed_attempts == 0
    with pytest.raises(SignInRefused, match=WRONG):
        accounts.sign_in(db, "staff", "guess-guess", now=t0 + timedelta(seconds=3))


def test_each_further_failure_doubles_the_wait(db) -> None:
    t0 = datetime.now(UTC)
    for _ in range(accounts.FREE_ATTEMPTS):
        with pytest.raises(SignInRefused, match=WRONG):
            accounts.sign_in(db, "staff", "guess-guess", now=t0)
    t1 = t0 + timedelta(seconds=1.5)  # first wait (1 s) over: a fourth wrong guess
    with pytest.raises(SignInRefused, match=WRONG):
        accounts.sign_in(db, "staff", "guess-guess", now=t1)
    with pytest.raises(SignInRefused, match="お待ちください"):
        accounts.sign_in(db, "staff", TEST_PASSWORD, now=t1 + timedelta(seconds=1.5))
    actor, _ = accounts.sign_in(db, "staff", TEST_PASSWORD, now=t1 + timedelta(seconds=2.5))
    assert actor.login == "staff"


def test_reset_password_then_the_user_must_change_it(db, admin) -> None:
    old_hash = stored(db, "staff").password_hash
    info = accounts.reset_password(db, admin, "staff", "temporary-pass")
    assert info.must_change_password
    hashed = stored(db, "staff").password_hash
    assert hashed.startswith("$argon2id$") and hashed != old_hash
    assert "temporary-pass" not in hashed

    with pytest.raises(SignInRefused, match=WRONG):  # the old password no longer works
        accounts.sign_in(db, "staff", TEST_PASSWORD)
    actor, must_change = accounts.sign_in(db, "staff", "temporary-pass")
    assert must_change is True

    with pytest.raises(ValidationError) as refused:
        accounts.change_own_password(db, actor, "not-the-current", NEW_PASSWORD)
    assert refused.value.for_field("current") == "現在のパスワードが違います。"
    assert stored(db, "staff").password_hash == hashed

    accounts.change_own_password(db, actor, "temporary-pass", NEW_PASSWORD)
    assert not stored(db, "staff").must_change_password
    assert stored(db, "staff").password_hash.startswith("$argon2id$")
    _, must_change = accounts.sign_in(db, "staff", NEW_PASSWORD)
    assert must_change is False
