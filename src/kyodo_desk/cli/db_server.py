"""`kyodo-desk db init-server` and `db roles`: the PostgreSQL server's roles and their rights
(サーバーのロールと権限), and the server URL given on the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from kyodo_desk.cli.opening import opened
from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from kyodo_desk.database.server_roles import RoleRights, ServerPlan


def server_url(raw: str, option: str) -> str:
    """A PostgreSQL URL given on the command line, with its password from the keyring, or
    typed at a prompt when the server asks for one; never one written in the URL itself."""
    from kyodo_desk.config import DatabaseSettings, url_has_password
    from kyodo_desk.database.core import parse_url
    from kyodo_desk.secrets import load_password

    if url_has_password(raw):
        raise UserError(f"{option} の URL にはパスワードを書かないでください（コマンドの履歴や"
                        "プロセスの一覧から読めてしまいます）。パスワードは OS の資格情報ストアか"
                        "PostgreSQL のパスワードファイルに置くか、聞かれたときに入力します。")
    url = parse_url(raw)
    if url.get_backend_name() != "postgresql" or not url.username:
        raise UserError(f"{option} には postgresql://ロール名@サーバー:5432/データベース名 の形で"
                        "PostgreSQL サーバーを指定してください。")
    kept = load_password(DatabaseSettings.from_url(url).key())
    if kept:
        url = url.set(password=kept)
    elif sys.stdin.isatty() and _server_wants_password(url):
        import getpass

        url = url.set(password=getpass.getpass(f"ロール「{url.username}」のパスワード: "))
    return url.render_as_string(hide_password=False)


def _server_wants_password(url: URL) -> bool:
    """Whether the server refuses *url* for want of a password (none in the pass file)."""
    from sqlalchemy.exc import OperationalError

    from kyodo_desk.database.core import create_engine_for

    engine = create_engine_for(url)
    try:
        with engine.connect():
            return False
    except OperationalError as exc:
        return "password" in str(exc.orig).lower()
    finally:
        engine.dispose()


def init_server(args: argparse.Namespace) -> int:
    """`db init-server`: the two roles and the database, then what each counter PC needs."""
    from sqlalchemy import make_url

    from kyodo_desk.config import POSTGRESQL, DatabaseSettings, settings_lines, shell_line
    from kyodo_desk.database import server_roles
    from kyodo_desk.secrets import SERVICE

    plan = server_roles.ServerPlan(args.database_name, args.owner_role, args.app_role,
                                   args.locale)
    admin = make_url(server_url(args.admin_url, "--admin-url"))
    try:
        plan = plan.checked()
        report = server_roles.init_server(admin, plan, _role_passwords(args, admin, plan))
    except server_roles.RoleSetupError as exc:
        raise UserError(exc.message) from exc
    for role in report.created_roles:
        print(f"ロール「{role}」を作成しました。")
    for role in report.existing_roles:
        print(f"ロール「{role}」は既にあります（パスワードは変えていません）。")
    for role in report.login_enabled:
        print(f"ロール「{role}」をログインできるようにしました。")
    print(f"データベース「{plan.database}」を作成しました（所有者「{plan.owner}」）。"
          if report.created_database else
          f"データベース「{plan.database}」は既にあります（所有者「{plan.owner}」。データは"
          "そのままです）。")
    if report.revision_before != report.revision_after:
        print(f"形式を {report.revision_before or '未作成'} から {report.revision_after} に"
              f"更新しました（所有者「{plan.owner}」として）。")
    else:
        print(f"形式の版: {report.revision_after}（最新です）")
    print(f"窓口用のロール「{plan.app}」の権限を設定しました: データの表は読み書き、"
          "操作記録（audit_log）は読み取りと追記だけ。表の作成・変更・削除はできません。")
    _print_matrix(report.matrix)
    host, port = admin.host or "localhost", admin.port or 5432
    app = DatabaseSettings(POSTGRESQL, host=host, port=port, name=plan.database, user=plan.app)
    owner = app.server_url().replace(f"//{plan.app}@", f"//{plan.owner}@", 1)
    print()
    print("各窓口の PC の設定ファイル config.toml に次の内容を書きます"
          "（管理 → データベースの接続設定… でも同じ設定ができます）:")
    for line in settings_lines(app):
        print(f"  {line}")
    print(f"（接続先の URL: {app.server_url().replace('+psycopg', '')}）")
    if host in ("localhost", "127.0.0.1", "::1"):
        print(f"  ※ host はほかの PC から見たこのサーバーの名前（{host} ではなく）にしてください。")
    print(f"窓口用のパスワードは、各 PC で次のコマンドを実行して OS の資格情報ストアに"
          f"保存します（聞かれたら「{plan.app}」のパスワードを入力）:")
    print(f"  {shell_line(['keyring', 'set', SERVICE, app.key().username])}")
    upgrade = ["kyodo-desk", "db", "upgrade", "--owner-url", owner.replace("+psycopg", "")]
    print("協働デスクを更新したあとの形式の更新は、所有者のロールで実行します:")
    print(f"  {shell_line(upgrade)}")
    return 0


def _role_passwords(args: argparse.Namespace, admin: URL,
                    plan: ServerPlan) -> Callable[[str], str]:
    """Where the password of a role init-server creates comes from: standard input (line 1
    the owner's, line 2 the app role's), else the keyring of this PC, else a prompt."""
    from kyodo_desk.secrets import ServerKey, load_password

    lines = ([sys.stdin.readline().rstrip("\r\n") for _ in range(2)]
             if args.passwords_stdin else [])

    def password_for(role: str) -> str:
        if lines:
            password = lines[0 if role == plan.owner else 1]
        else:
            key = ServerKey(admin.host or "localhost", admin.port or 5432, plan.database, role)
            password = load_password(key) or ""
            if not password:
                if not sys.stdin.isatty():
                    raise UserError(f"ロール「{role}」のパスワードを入力できません（端末がありません）。"
                                    "--passwords-stdin で標準入力から渡してください。")
                password = _read_role_password(role)
        if not password:
            raise UserError(f"ロール「{role}」のパスワードが空です。")
        return password

    return password_for


def _read_role_password(role: str) -> str:
    import getpass

    first = getpass.getpass(f"新しいロール「{role}」のパスワード: ")
    if getpass.getpass(f"新しいロール「{role}」のパスワード（確認）: ") != first:
        raise UserError("確認のパスワードが一致しません。")
    return first


def _print_matrix(matrix: list[RoleRights]) -> None:
    """The permission matrix (権限の一覧) as the server's catalogue answers it."""
    for rights in matrix:
        kind = "所有者" if rights.owner else "スーパーユーザー" if rights.superuser else "窓口用"
        print(f"ロール「{rights.role}」（{kind}）")
        print(f"  データベース: {' '.join(rights.database) or 'なし'}"
              f"　スキーマ public: {' '.join(rights.schema) or 'なし'}"
              f"　表の変更・削除（ALTER・DROP・DISABLE TRIGGER）: "
              f"{'できる' if rights.owner or rights.superuser else 'できない'}")
        groups = sorted(rights.tables.items(), key=lambda kv: len(kv[1]))
        for privileges, tables in groups:
            named = ("、".join(tables) if len(tables) <= 3 else
                     f"全 {len(tables)} 表" if len(groups) == 1 else f"その他の {len(tables)} 表")
            print(f"  {named}: {' '.join(privileges) or 'なし'}")


def roles(args: argparse.Namespace) -> int:
    """`db roles`: each role's rights, read from the server's catalogue."""
    from kyodo_desk.database import server_roles

    with opened(args, migrate=False) as (db, _):
        if db.backend.is_sqlite:
            raise UserError("db roles は PostgreSQL のデータベース用です（SQLite にはロールがありません）。")
        with db.engine.connect() as conn:
            matrix = server_roles.permission_matrix(conn, server_roles.roles_of(conn))
    if len(matrix) == 1:
        print("窓口用のロールはありません（1つのロールが表を持ち、読み書きもする構成です。"
              "README「PostgreSQL roles」）。")
    _print_matrix(matrix)
    return 0

