"""`kyodo-desk db`: the database's form, its backups and where it is (データベースの管理).
The PostgreSQL server's roles are in db_server.py."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from kyodo_desk.cli.db_server import init_server, roles, server_url
from kyodo_desk.cli.opening import open_for, opened
from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from kyodo_desk.database import Database


def _sqlite_file(args: argparse.Namespace, command: str, postgresql_tool: str) -> Path:
    """The embedded database file, or a message pointing PostgreSQL users to their tool."""
    from kyodo_desk.config import choose_database
    from kyodo_desk.database import sqlite_files
    from kyodo_desk.database.core import parse_url

    url = parse_url(choose_database(args.database).url)
    path = sqlite_files.database_path(url)
    if url.get_backend_name() != "sqlite" or path is None:
        raise UserError(f"{command} は SQLite のデータベース用です。PostgreSQL は "
                        f"{postgresql_tool} を使ってください（README「バックアップ」）。")
    return path


def run(args: argparse.Namespace) -> int:
    from kyodo_desk.database import sqlite_files

    if args.db_command == "backup":
        from kyodo_desk.config import choose_database
        from kyodo_desk.database import backups

        return backups.backup_command(choose_database(args.database).url, args.file)
    if args.db_command == "restore":
        path = _sqlite_file(args, "db restore", "pg_restore")
        safety = sqlite_files.restore_from(args.file, path)
        print(f"{args.file} から {path} に復元しました。")
        if safety is not None:
            print(f"復元前のデータは {safety} に保存しました。")
        return 0
    if args.db_command == "init-server":
        return init_server(args)
    if args.db_command == "roles":
        return roles(args)
    database = None
    if args.db_command == "upgrade" and args.owner_url:
        from kyodo_desk.database import open_database

        database = open_database(server_url(args.owner_url, "--owner-url"))
    elif args.db_command == "status":
        database = _open_for_status(args)
    with opened(args, migrate=args.db_command == "upgrade", database=database) as (db, _):
        from kyodo_desk.database.schema import current_revision, head_revision

        if args.db_command == "upgrade" and not db.backend.is_sqlite and not db.read_only:
            from kyodo_desk.database.server_roles import refresh_grants

            for role in refresh_grants(db):  # the rights of tables a migration re-made
                print(f"窓口用のロール「{role}」の権限を設定し直しました。")
        with db.engine.connect() as conn:
            revision = current_revision(conn)
        print(f"接続先: {db.describe()}")
        print(f"形式の版: {revision}（この版の協働デスク: {head_revision()}）")
        if db.read_only:
            print(db.read_only_reason)
    return 0


def _open_for_status(args: argparse.Namespace) -> Database:
    """`db status` only looks: a SQLite file that is not there is reported, not created (nor
    its folder), since a mistyped path would otherwise become a second, empty database; a
    refusal names where it looked."""
    from kyodo_desk.config import choose_database
    from kyodo_desk.database import sqlite_files
    from kyodo_desk.database.core import parse_url
    from kyodo_desk.domain.errors import StartupError

    url = parse_url(choose_database(args.database).url)
    path = sqlite_files.database_path(url) if url.get_backend_name() == "sqlite" else None
    if path is not None and not path.exists():
        raise UserError(
            f"データベースファイル「{path}」はありません（何も作成していません）。\n"
            "場所を確かめてください（--database、環境変数 KYODO_DATABASE_URL、設定ファイル "
            "config.toml の順に決まります）。この場所に新しく作るときは kyodo-desk db upgrade を"
            "実行します。")
    try:
        return open_for(args, migrate=False)
    except StartupError as exc:
        if isinstance(exc, sqlite_files.DamagedDatabase):
            raise
        where = (f"SQLite: {path}" if path is not None else
                 f"PostgreSQL: {url.host or 'localhost'}:{url.port or 5432}/{url.database}")
        raise UserError(f"接続先: {where}\n{exc.message}") from exc

