"""Schema version checks and migrations (Alembic, shipped in db/migrations).

At every start: an empty database is created and seeded; an older schema is backed up (SQLite)
and upgraded; a schema newer than this app opens read-only, with the reason.
Alembic itself is imported only when there is something to migrate, to keep start-up fast.
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path

from sqlalchemy import Connection, inspect, text

from kyodo_desk.database import revisions, server_roles, sqlite_files
from kyodo_desk.database.core import Database
from kyodo_desk.domain.errors import StartupError

log = logging.getLogger(__name__)

# Serialises migrations when several counters start at once after an update (PostgreSQL).
_MIGRATION_LOCK_KEY = 0x4B594F444F  # "KYODO"


class SchemaState(enum.Enum):
    EMPTY = "empty"
    CURRENT = "current"
    OLDER = "older"
    NEWER = "newer"
    FOREIGN = "foreign"


# The revisions shipped (revisions.py, read at each call so that a test may swap the folder).


def migrations_dir() -> Path:
    return revisions.migrations_dir()


def known_revisions() -> tuple[str, ...]:
    return revisions.known_revisions()


def head_revision() -> str:
    return revisions.head_revision()


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def state_of(conn: Connection) -> tuple[SchemaState, str | None]:
    revision = current_revision(conn)
    if revision is None:
        tables = inspect(conn).get_table_names()
        return (SchemaState.FOREIGN if tables else SchemaState.EMPTY), None
    if revision == head_revision():
        return SchemaState.CURRENT, revision
    if revision in known_revisions():
        return SchemaState.OLDER, revision
    return SchemaState.NEWER, revision


def bring_up_to_date(db: Database, *, migrate: bool = True) -> None:
    with db.engine.connect() as conn:
        state, revision = state_of(conn)
        refused = (server_roles.migration_refused(conn) if not db.backend.is_sqlite and
                   state in (SchemaState.EMPTY, SchemaState.OLDER) else None)
        user = server_roles.current_user(conn) if refused else ""
    log.info("schema state %s (revision %s, app head %s)", state.value, revision, head_revision())
    if state is SchemaState.CURRENT:
        return
    if state is SchemaState.FOREIGN:
        raise StartupError(
            f"{db.describe()} には協働デスク以外のデータが入っています。"
            "協働デスク専用の空のデータベースを指定してください。"
        )
    if state is SchemaState.NEWER:
        db.make_read_only(
            f"このデータベースは新しい版の協働デスクで更新されています（スキーマ {revision}、"
            f"この版は {head_revision()} まで）。データを守るため閲覧のみで開きました。"
            "協働デスクを最新版に更新してください。"
        )
        return
    if refused is not None:
        raise StartupError(_owner_must_upgrade(db, revision, user, refused))
    if not migrate:
        raise StartupError(
            f"データベースの更新が必要です（スキーマ {revision or '未作成'} → {head_revision()}）。"
            "kyodo-desk db upgrade を実行してください。"
        )
    upgrade(db, seed=state is SchemaState.EMPTY)


def _owner_must_upgrade(db: Database, revision: str | None, user: str, owner: str) -> str:
    """The app role of a two-role server cannot migrate: who can, and the command."""
    url = db.url.set(drivername="postgresql", username=owner, password=None, query={})
    where = url.render_as_string(hide_password=True)
    return (f"データベースの形式の更新が必要です（スキーマ {revision or '未作成'} → "
            f"{head_revision()}）。この接続の利用者「{user}」には形式を更新する権限がありません"
            f"（表の所有者は「{owner}」）。\n"
            "管理者が所有者のロールで次のコマンドを実行してから、もう一度開いてください:\n"
            f"  kyodo-desk db upgrade --owner-url {where}\n"
            "（README「PostgreSQL roles」）")


def upgrade(db: Database, *, seed: bool) -> Path | None:
    """Upgrade to the head revision; on SQLite, after a timestamped backup copy of the file.

    *seed* is for a new, empty database: it gets the seed facilities and needs no backup.
    Returns the backup's path, if one was made.
    """
    from alembic import command
    from alembic.config import Config

    from kyodo_desk.database.seed import load_seed

    backup = None
    path = sqlite_files.database_path(db.url) if db.backend.is_sqlite else None
    if path is not None and not seed:
        backup = sqlite_files.timestamped_backup(path)
        log.info("backed up %s to %s before migrating", path, backup)
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    try:
        with db.begin_migration() as conn:
            if not db.backend.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
                # Tables are created by their owner, whoever runs the migration (a superuser).
                server_roles.act_as_schema_owner(conn)
            # Another counter, or a second copy of the app, may have migrated while this one
            # waited for the lock (SQLite's BEGIN IMMEDIATE is that lock there).
            revision = current_revision(conn)
            if revision == head_revision():
                return backup
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            if revision is None:
                load_seed(conn)
            if not db.backend.is_sqlite:
                server_roles.regrant(conn)  # the new tables' rights for the app role
    except Exception as exc:
        log.exception("migration failed")
        kept = f"更新前のバックアップ: {backup}\n" if backup else ""
        raise StartupError(
            f"データベース（{db.describe()}）の形式を更新できませんでした。"
            "データは更新前のまま残っています。\n"
            f"{kept}管理者に連絡してください。（詳細: {exc}）"
        ) from exc
    return backup
