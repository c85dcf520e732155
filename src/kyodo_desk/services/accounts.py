"""Accounts and sign-in (アカウント・サインイン).

Passwords are kept only as argon2id hashes. Repeated failed sign-ins for a login slow down:
after three, each further attempt must wait twice as long as the one before (up to 5 minutes).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import NotFound, UserError, ValidationError
from kyodo_desk.domain.permissions import Action, Actor, Resource, Role
from kyodo_desk.models import Account, Facility

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 8
FREE_ATTEMPTS = 3
MAX_WAIT = timedelta(minutes=5)


class SignInRefused(UserError):
    """Wrong login or password, a disabled account, or too many attempts just now."""


@dataclass(frozen=True)
class AccountDraft:
    login: str
    display_name: str
    role: Role
    facility_id: int | None
    password: str = ""


@dataclass(frozen=True)
class AccountInfo:
    id: int
    login: str
    display_name: str
    role: Role
    facility_id: int | None
    facility_name: str
    active: bool
    must_change_password: bool
    last_signed_in_at: datetime | None
    version: int


def _hasher() -> PasswordHasher:
    # Imported when needed: the sign-in shows before it (load_password_check).
    from argon2 import PasswordHasher

    return PasswordHasher()


def load_password_check() -> None:
    """Load the password hashing ahead of the first sign-in (at start, while the person
    types), so that pressing サインイン waits only for the check itself."""
    _hasher()


def _normal_login(login: str) -> str:
    return unicodedata.normalize("NFKC", login).strip().lower()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.single(
            "password", f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。")


def has_accounts(db: Database) -> bool:
    """Whether the database has someone to sign in or an administrator (no need for the first
    administrator, 最初の管理者): an active account, or an administrator even if disabled (the
    command line enables it again). The disabled demo staff (`kyodo-desk demo`) is neither, so
    a new database filled with demo data still asks for its administrator."""
    with db.reading(None) as session:
        return session.scalar(select(Account.id).where(
            or_(Account.active, Account.role == Role.ADMIN)).limit(1)) is not None


@retry_on_contention
def create_account(db: Database, actor: Actor, draft: AccountDraft) -> AccountInfo:
    actor.require(Action.CREATE, Resource.ACCOUNTS)
    login = _normal_login(draft.login)
    problems = []
    if not login or not login.isascii() or " " in login:
        problems.append(ValidationError.single(
            "login", "ログイン名は半角英数字で入力してください（例: sato.hanako）。"))
    if not draft.display_name.strip():
        problems.append(ValidationError.single("display_name", "表示名を入力してください。"))
    try:
        _check_password(draft.password)
    except ValidationError as exc:
        problems.append(exc)
    if problems:
        raise ValidationError([p for e in problems for p in e.problems])
    with db.writing(actor) as session:
        if session.scalar(select(Account.id).where(Account.login == login)):
            raise ValidationError.single("login", f"ログイン名「{login}」は既に使われています。")
        account = Account(
            login=login, display_name=draft.display_name.strip(), role=draft.role,
            facility_id=draft.facility_id, active=True,
            password_hash=_hasher().hash(draft.password), must_change_password=False,
            failed_attempts=0,
        )
        session.add(account)
        session.flush()
        return _info(session, account)


def list_accounts(db: Database, actor: Actor) -> list[AccountInfo]:
    actor.require(Action.READ, Resource.ACCOUNTS)
    with db.reading(actor) as session:
        accounts = session.scalars(select(Account).order_by(Account.login)).all()
        return [_info(session, a) for a in accounts]


def find_account(db: Database, actor: Actor, login: str) -> AccountInfo:
    actor.require(Action.READ, Resource.ACCOUNTS)
    with db.reading(actor) as session:
        return _info(session, _by_login(session, login))


@retry_on_contention
def set_active(db: Database, actor: Actor, login: str, active: bool) -> AccountInfo:
    actor.require(Action.CHANGE, Resource.ACCOUNTS)
    with db.writing(actor) as session:
        account = _by_login(session, login)
        if not active and account.id == actor.account_id:
            raise UserError("自分自身のアカウントは無効にできません。")
        account.active = active
        session.flush()
        return _info(session, account)


@retry_on_contention
def set_role(db: Database, actor: Actor, login: str, role: Role,
             facility_id: int | None) -> AccountInfo:
    """Give the account another role or facility; a window it has open loses the old rights
    at its next service call (Database checks the account every time)."""
    actor.require(Action.CHANGE, Resource.ACCOUNTS)
    role = Role(role)
    with db.writing(actor) as session:
        account = _by_login(session, login)
        if account.id == actor.account_id and role is not Role.ADMIN:
            raise UserError("自分自身の管理者の役割は外せません。他の管理者に依頼してください。")
        account.role, account.facility_id = role, facility_id
        session.flush()
        return _info(session, account)


@retry_on_contention
def reset_password(db: Database, actor: Actor, login: str, new_password: str) -> AccountInfo:
    """An administrator sets a temporary password; the user must change it at next sign-in."""
    actor.require(Action.CHANGE, Resource.ACCOUNTS)
    _check_password(new_password)
    with db.writing(actor) as session:
        account = _by_login(session, login)
        account.password_hash = _hasher().hash(new_password)
        account.must_change_password = True
        account.failed_attempts = 0
        account.last_failed_at = None
        session.flush()
        return _info(session, account)


@retry_on_contention
def change_own_password(db: Database, actor: Actor, current: str, new_password: str) -> None:
    from argon2.exceptions import VerificationError

    _check_password(new_password)
    if actor.account_id is None:
        raise UserError("このアカウントにはパスワードがありません。")
    with db.writing(actor) as session:
        account = session.get(Account, actor.account_id)
        if account is None:
            raise NotFound("アカウントが見つかりません。")
        try:
            _hasher().verify(account.password_hash, current)
        except VerificationError:
            raise ValidationError.single("current", "現在のパスワードが違います。") from None
        account.password_hash = _hasher().hash(new_password)
        account.must_change_password = False


@retry_on_contention
def sign_in(db: Database, login: str, password: str,
            now: datetime | None = None) -> tuple[Actor, bool]:
    """Check a login and password; returns the actor and whether the password must change."""
    from argon2.exceptions import VerificationError

    now = now or datetime.now(UTC)
    refused = SignInRefused("ログイン名またはパスワードが違います。")
    with db.writing(Actor.system()) as session:
        account = session.scalar(select(Account).where(Account.login == _normal_login(login)))
        if account is None:
            _hasher().hash(password)  # same time as a real check: logins cannot be probed
            raise refused
        wait = _wait_left(account, now)
        if wait > timedelta(0):
            raise SignInRefused(
                f"サインインの失敗が続いたため、あと{int(wait.total_seconds()) + 1}秒お待ちください。")
        verified: bool
        try:
            verified = _hasher().verify(account.password_hash, password)
        except VerificationError:
            verified = False
        actor = actor_of(account)
        if verified:
            if not account.active:
                raise SignInRefused("このアカウントは無効になっています。管理者に連絡してください。")
            account.failed_attempts = 0
            account.last_failed_at = None
            account.last_signed_in_at = now
            record_event(session, actor, "sign_in", "accounts", account.id,
                         {"結果": [None, "成功"]})
            return actor, account.must_change_password
        account.failed_attempts += 1
        account.last_failed_at = now
        record_event(session, actor, "sign_in", "accounts", account.id, {"結果": [None, "失敗"]})
    raise refused  # after the commit: the failed attempt stays on record


def _wait_left(account: Account, now: datetime) -> timedelta:
    over = account.failed_attempts - FREE_ATTEMPTS
    if over < 0 or account.last_failed_at is None:
        return timedelta(0)
    last = account.last_failed_at
    if last.tzinfo is None:  # SQLite keeps no time zone
        last = last.replace(tzinfo=UTC)
    wait = min(timedelta(seconds=2 ** over), MAX_WAIT)
    return last + wait - now


def _by_login(session: Session, login: str) -> Account:
    account = session.scalar(select(Account).where(Account.login == _normal_login(login)))
    if account is None:
        raise NotFound(f"ログイン名「{login}」のアカウントはありません。")
    return account


def actor_of(account: Account) -> Actor:
    """The account as one who acts (its role and facility as stored now)."""
    return Actor(account.id, account.login, account.display_name, account.role,
                 account.facility_id)


def _info(session: Session, a: Account) -> AccountInfo:
    facility = session.get(Facility, a.facility_id) if a.facility_id else None
    return AccountInfo(
        id=a.id, login=a.login, display_name=a.display_name, role=a.role,
        facility_id=a.facility_id, facility_name=facility.name if facility else "",
        active=a.active, must_change_password=a.must_change_password,
        last_signed_in_at=a.last_signed_in_at, version=a.version,
    )
