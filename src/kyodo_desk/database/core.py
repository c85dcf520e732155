"""The one way to open the database: URL → checked engine → migrated schema → sessions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, event, make_url, select
from sqlalchemy.engine import URL
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kyodo_desk.database import changes as _changes  # noqa: F401 - registers change notices
from kyodo_desk.database import field_bounds as _field_bounds  # noqa: F401 - registers the check
from kyodo_desk.database import match_keys as _match_keys  # noqa: F401 - keeps the keys
from kyodo_desk.database import sqlite_files
from kyodo_desk.database.audit import ACTOR_KEY
from kyodo_desk.database.backend import Backend, backend_for
from kyodo_desk.domain.errors import (
    AccountChanged,
    ConnectionLost,
    Contention,
    ReadOnlyDatabase,
    StartupError,
    UserError,
)
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models.accounts import Account

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_WRITE = "kyodo_write"

# A PostgreSQL Database's connections (its pool; the listener of database/changes.py has one
# more): kept open between uses, and open at most at once.
POOL_KEPT = 1
POOL_MOST = 6

# Called before every session is opened; the window installs one that refuses (or, outside
# the tests, logs) database work on its GUI thread (ui/operations.py). None: no check.
_session_guard: Callable[[], None] | None = None


def guard_sessions(check: Callable[[], None] | None) -> None:
    """Install *check*, run before every session opens (None removes it)."""
    global _session_guard
    _session_guard = check


@dataclass
class Database:
    """An open database: engine, backend differences, and the session factory."""

    url: URL
    engine: Engine
    backend: Backend
    read_only: bool = False
    read_only_reason: str = ""
    # What the start could not do but worked on without (today's backup failed, in Japanese):
    # the front end shows it once and clears it.
    startup_notice: str = ""
    _sessions: sessionmaker[Session] = field(init=False, repr=False)
    _writer: Engine = field(init=False, repr=False)
    _write_sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False)

    def make_read_only(self, reason: str) -> None:
        """Refuse writes here and, underneath, in the database connection itself."""
        self.read_only, self.read_only_reason = True, reason
        statement = ("PRAGMA query_only = ON" if self.backend.is_sqlite
                     else "SET default_transaction_read_only = on")

        def _refuse_writes(dbapi_connection: DBAPIConnection, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(statement)
            cursor.close()
            if not self.backend.is_sqlite:
                dbapi_connection.commit()

        event.listen(self.engine, "connect", _refuse_writes)
        self.engine.dispose()  # connections made before this point would still write

    @contextmanager
    def reading(self, actor: Actor | None) -> Iterator[Session]:
        """A session for reads on behalf of *actor*; any thread may open its own.

        *actor*'s account is checked first (see `_check_account`); None is for the app's own
        reads that act for nobody (is there an account yet, the demo data).
        """
        if _session_guard is not None:
            _session_guard()
        with _lost_connection_explained(self), self._sessions() as session:
            _check_account(session, actor)
            yield session

    def begin_write(self) -> AbstractContextManager[Connection]:
        """A connection in a write transaction (BEGIN IMMEDIATE on SQLite)."""
        if self.read_only:
            raise ReadOnlyDatabase(self.read_only_reason)
        if _session_guard is not None:
            _session_guard()
        return self._writer.begin()

    @contextmanager
    def begin_migration(self) -> Iterator[Connection]:
        """A write transaction for changing the schema.

        On SQLite, with foreign keys off for its length: a migration that rebuilds a table
        (how SQLite alters one) drops the old table, and with them on, that drop deletes every
        row referring to it through ON DELETE CASCADE (a sign-up's attendance, say). The
        pragma is no-op inside a transaction, so it is set before BEGIN; the keys are checked
        before the commit instead, as SQLite's own procedure for altering tables does.
        """
        if not self.backend.is_sqlite:
            with self.begin_write() as conn:
                yield conn
            return
        if self.read_only:
            raise ReadOnlyDatabase(self.read_only_reason)
        with self._writer.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                with conn.begin():
                    yield conn
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"migration broke a reference from {broken[0]}")
            finally:
                raw.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def writing(self, actor: Actor) -> Iterator[Session]:
        """A session in one write transaction, committed on success, rolled back on error.

        Every change made in it is audited in the same transaction under *actor*'s name.
        """
        if self.read_only:
            raise ReadOnlyDatabase(self.read_only_reason)
        if _session_guard is not None:
            _session_guard()
        with (_lost_connection_explained(self), self._write_sessions() as session,
              session.begin()):
            session.info[ACTOR_KEY] = actor
            _check_account(session, actor)
            yield session

    def describe(self) -> str:
        """Where the data lives, for the status bar and messages."""
        if self.backend.is_sqlite:
            return f"SQLite: {self.url.database}"
        return f"PostgreSQL: {self.url.host or 'localhost'}:{self.url.port or 5432}/{self.url.database}"

    def dispose(self) -> None:
        self.engine.dispose()


def _check_account(session: Session, actor: Actor | None) -> None:
    """Refuse an account that was disabled, or whose role or facility changed, since sign-in.

    Checked at every service call, inside its transaction, so a window left open keeps no right
    its account has lost. The command line and the system act for no account.
    """
    if actor is None or actor.account_id is None:
        return
    row = session.execute(select(Account.active, Account.role, Account.facility_id)
                          .where(Account.id == actor.account_id)).one_or_none()
    if row is None or not row.active:
        raise AccountChanged(
            "このアカウントは管理者によって無効にされました。今の操作は行っていません。"
            "サインインし直してください（続けて使うときは管理者に連絡してください）。")
    if row.role != actor.role or row.facility_id != actor.facility_id:
        raise AccountChanged(
            "このアカウントの役割または所属施設が管理者によって変更されました。今の操作は"
            "行っていません。新しい権限で使うため、サインインし直してください。")


# PostgreSQL's serialization_failure and deadlock_detected: the server rolled the transaction
# back because another one collided with it; running it again is expected to succeed.
_CONTENTION_STATES = frozenset({"40001", "40P01"})


def _is_contention(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _CONTENTION_STATES


def _is_link_failure(exc: DBAPIError) -> bool:
    """True if the server could not be reached or went away; not a statement it refused.

    psycopg reports both as OperationalError; a refusal carries an SQLSTATE of its own (an
    index entry too large is 54000), a lost link none, or one of class 08 (connection) or 57
    (the server shutting down). Taking a refusal for a lost link would tell the counter to
    wait for a network that is fine.
    """
    if not isinstance(exc, OperationalError):
        return False
    state = getattr(exc.orig, "sqlstate", None)
    return state is None or state.startswith(("08", "57"))


def retry_on_contention(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a write service once more when the database rolled it back for contention.

    The whole call is repeated, so its transaction starts afresh and reads what the other
    counter committed. A second collision is reported as Contention, never as a lost link.
    """
    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except Contention:
            log.info("%s collided with another counter's transaction; retrying once",
                     fn.__qualname__)
            return fn(*args, **kwargs)

    # Read by a test that every write service has it; mypy knows no attributes on functions.
    run.retries_on_contention = True  # type: ignore[attr-defined]
    return run


@contextmanager
def _lost_connection_explained(db: Database) -> Iterator[None]:
    """Turn a dropped connection into ConnectionLost; the transaction was rolled back whole."""
    try:
        yield
    except DBAPIError as exc:
        if _is_contention(exc):
            raise Contention(
                "他の窓口の操作と同時になったため、今の操作は保存されていません。"
                "入力した内容はそのまま残っています。もう一度保存してください。") from exc
        if not (exc.connection_invalidated or _is_link_failure(exc)):
            raise
        if db.backend.is_sqlite and "locked" in str(exc.orig).lower():
            # Another counter held the file's write lock past the busy timeout: the file is
            # fine and nothing is lost, it was only busy.
            raise ConnectionLost(
                "データベースが他の窓口の保存で混み合っていたため、今の操作は保存されていません。"
                "入力した内容はそのまま残っています。もう一度保存してください。"
            ) from exc
        log.warning("database connection lost: %s", exc.orig)
        raise ConnectionLost(
            f"データベース（{db.describe()}）に接続できません。今の操作は保存されていません。"
            "入力した内容はそのまま残っています。接続が戻ると保存できます。"
        ) from exc


def parse_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise StartupError(
            f"データベースの指定「{raw}」が読めません。"
            "sqlite:///ファイルのパス か postgresql://利用者@サーバー/データベース名 の形で指定してください。"
        ) from None
    if url.get_backend_name() == "postgresql" and url.drivername != "postgresql+psycopg":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise StartupError(
            f"データベース「{url.get_backend_name()}」には対応していません。SQLite か PostgreSQL を指定してください。"
        )
    return url


def create_engine_for(url: URL) -> Engine:
    """An engine with the connection settings this app relies on, for either database."""
    from sqlalchemy import create_engine

    if url.get_backend_name() == "sqlite":
        return sqlite_files.create_sqlite_engine(url, write_option=_WRITE)
    engine = create_engine(
        url,
        pool_pre_ping=True,
        # One connection kept between uses: with the live-refresh listener's own, two per
        # counter, so a server's max_connections serves counters × 2. A read beside another
        # (a list refreshed while a save runs) opens one more and closes it after; the
        # default pool kept five, and a counter held three at a busy moment
        # (benchmarks/many_counters.py). At most POOL_MOST at once; more threads wait.
        pool_size=POOL_KEPT,
        max_overflow=POOL_MOST - POOL_KEPT,
        connect_args={"connect_timeout": 5, "application_name": "kyodo-desk"},
    )
    return engine


def open_database(raw_url: str, *, migrate: bool = True) -> Database:
    """Open (creating, migrating and seeding as needed) the database at *raw_url*.

    Every failure a user can meet is turned into a StartupError with a Japanese message that
    says what to do; nothing already stored is overwritten on the way. On SQLite, the day's
    first such open copies the file (database/backups.py); a copy that fails only leaves
    `startup_notice`.
    """
    from kyodo_desk.database import schema

    url = parse_url(raw_url)
    path = sqlite_files.database_path(url) if url.get_backend_name() == "sqlite" else None
    existed = path is not None and path.exists()  # a new file has nothing to back up yet
    if url.get_backend_name() == "sqlite":
        sqlite_files.prepare_file(url)
    engine = create_engine_for(url)
    db = Database(url=url, engine=engine, backend=backend_for(url.get_backend_name()))
    try:
        schema.bring_up_to_date(db, migrate=migrate)
    except UserError:
        engine.dispose()
        raise
    except DBAPIError as exc:
        engine.dispose()
        raise _explain_connection_failure(db, exc) from exc
    if migrate and existed and path is not None:  # a start for work, not a read-only command
        from kyodo_desk.database.backups import daily_copy

        db.startup_notice = daily_copy(path).failure or ""
    return db


def _explain_connection_failure(db: Database, exc: DBAPIError) -> StartupError:
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    log.error("database open failed: %s", detail, exc_info=exc)
    if db.backend.is_sqlite:
        return sqlite_files.explain_open_failure(Path(db.url.database or ""), exc.orig, detail)
    return StartupError(
        f"データベースサーバー（{db.url.host or 'localhost'}:{db.url.port or 5432}）の"
        f"データベース「{db.url.database}」に接続できません。\n"
        "ネットワークの接続とサーバーの状態、接続設定（利用者名・データベース名）を確認してください。"
        "解決しない場合は管理者に連絡してください。\n"
        f"（詳細: {detail}）"
    )
