"""The database connection settings (接続設定): checking the form, testing a server, saving.

Qt-free, so the settings dialog is a thin layer over these functions and tests need no window.
Only an administrator may save; the check is here, not only in the dialog.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kyodo_desk import config, secrets
from kyodo_desk.config import EMBEDDED, POSTGRESQL, DatabaseSettings
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.permissions import ROLE_LABELS, Actor, PermissionDenied, Role

if TYPE_CHECKING:
    from kyodo_desk.database.schema import SchemaState

log = logging.getLogger(__name__)

TEST_TIMEOUT_SECONDS = 5
FIELD_LABELS = {"host": "サーバー", "port": "ポート", "name": "データベース名", "user": "利用者名"}


@dataclass(frozen=True)
class ConnectionForm:
    """What the administrator typed, as text."""

    kind: str = EMBEDDED
    host: str = ""
    port: str = str(config.DEFAULT_PORT)
    name: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    url: str | None = None  # an embedded file elsewhere than the data folder, kept as it was

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> ConnectionForm:
        return cls(settings.kind, settings.host, str(settings.port), settings.name,
                   settings.user, url=settings.url)


def validate(form: ConnectionForm) -> DatabaseSettings:
    """The settings in *form*, or ValidationError naming every field at fault."""
    if form.kind not in config.KINDS:
        raise ValidationError.single("kind", "接続先の種類を選んでください。")
    if form.kind == EMBEDDED:
        return DatabaseSettings(EMBEDDED, url=form.url or None)
    problems = []
    host, name, user = form.host.strip(), form.name.strip(), form.user.strip()
    for key, value in (("host", host), ("name", name), ("user", user)):
        if not value:
            problems.append(FieldProblem(key, f"{FIELD_LABELS[key]}を入力してください。"))
    if re.search(r"\s", host):
        problems.append(FieldProblem("host", "サーバーに空白は使えません（例: db-server、192.168.1.10）。"))
    port_text = unicodedata.normalize("NFKC", form.port).strip()
    port = int(port_text) if port_text.isascii() and port_text.isdigit() else 0
    if not port_text:
        problems.append(FieldProblem("port", "ポートを入力してください（ふつうは 5432）。"))
    elif not 1 <= port <= 65535:
        problems.append(FieldProblem("port", "ポートは 1〜65535 の半角数字で入力してください（ふつうは 5432）。"))
    if problems:
        raise ValidationError(problems)
    return DatabaseSettings(POSTGRESQL, host=host, port=port, name=name, user=user)


# --- the connection test -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str
    server_version: str | None = None
    revision: str | None = None
    encoding: str | None = None


def try_connection(settings: DatabaseSettings, password: str = "", *,
                   timeout: int = TEST_TIMEOUT_SECONDS) -> ConnectionResult:
    """Connect once (at most *timeout* seconds) and report what is there; never raises.

    Without a typed password, the one kept in the keyring is used; libpq also reads the pass
    file. Slow on an unreachable server: call it off the GUI thread.
    """
    import psycopg
    from psycopg.conninfo import make_conninfo
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from kyodo_desk.database import schema

    password = password or secrets.load_password(settings.key()) or ""
    url = settings.server_url(password)
    options: dict[str, str | int] = {"connect_timeout": timeout,
                                     "application_name": "kyodo-desk-test"}
    engine = None
    try:
        # First libpq alone: SQLAlchemy cannot even start on a database that is not UTF-8.
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(make_conninfo(conninfo, **options)) as raw:
            version = (raw.info.parameter_status("server_version") or "?").split()[0]
            encoding = raw.info.parameter_status("server_encoding") or "?"
        if encoding.upper() not in {"UTF8", "UTF-8"}:
            return _describe(version, encoding, None, None)
        engine = create_engine(url, poolclass=NullPool, connect_args=options)
        with engine.connect() as conn:
            state, revision = schema.state_of(conn)
    except (psycopg.Error, DBAPIError) as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
        log.info("connection test to %s failed: %s", settings.key(), cause)
        return ConnectionResult(False, explain_failure(settings, cause, timeout))
    except Exception as exc:
        log.exception("connection test to %s failed", settings.key())
        return ConnectionResult(False, f"接続を確認できませんでした。（詳細: {exc}）")
    finally:
        if engine is not None:
            engine.dispose()
    return _describe(version, encoding, state, revision)


def _describe(version: str, encoding: str, state: SchemaState | None,
              revision: str | None) -> ConnectionResult:
    from kyodo_desk.database.schema import SchemaState, head_revision

    head = head_revision()
    found = dict(server_version=version, revision=revision, encoding=encoding)
    if encoding.upper() not in {"UTF8", "UTF-8"}:
        return ConnectionResult(False, (
            f"接続できましたが、データベースの文字コードが {encoding} です（SHOW server_encoding）。"
            "協働デスクには UTF8 のデータベースが必要です。"
            "CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0 で作り直してください。"), **found)
    if state is SchemaState.FOREIGN:
        return ConnectionResult(False, (
            f"接続できましたが（PostgreSQL {version}）、協働デスク以外のデータが入っています。"
            "協働デスク専用の空のデータベースを指定してください。"), **found)
    notes = {
        SchemaState.CURRENT: (f"形式の版 {revision}", "この版の協働デスクでそのまま使えます。"),
        SchemaState.EMPTY: ("形式の版 未作成", "空のデータベースです。次の起動時に形式を作成します"
                            "（最初の管理者は kyodo-desk user add で作成）。"),
        SchemaState.OLDER: (f"形式の版 {revision}", f"次に起動すると形式を {head} に更新します。"
                            "更新の前に pg_dump でバックアップを取ってください。"),
        SchemaState.NEWER: (f"形式の版 {revision}", f"新しい版の協働デスクで更新されています（この版は "
                            f"{head} まで）。この版では閲覧のみになります。協働デスクを更新してください。"),
    }
    assert state is not None
    inside, after = notes[state]
    return ConnectionResult(True, f"接続できました（PostgreSQL {version}、{inside}）。{after}", **found)


_UNREACHABLE = ("connection refused", "could not connect", "no route to host",
                "network is unreachable", "接続を拒否", "接続できませんでした")
_UNKNOWN_HOST = ("failed to resolve host", "could not translate host name",
                 "name or service not known", "nodename nor servname", "no such host",
                 "temporary failure in name resolution", "getaddrinfo")


def explain_failure(settings: DatabaseSettings, exc: BaseException,
                    timeout: int = TEST_TIMEOUT_SECONDS) -> str:
    """Why a connection failed, in Japanese, with the server's own words as the detail.

    libpq gives no SQLSTATE for a refused connection, so the message text is matched; the
    server may answer in English or (lc_messages = ja) in Japanese.
    """
    detail = " ".join(line.strip() for line in str(exc).strip().splitlines() if line.strip())
    text = detail.lower()
    where = f"{settings.host}:{settings.port}"

    def has(*needles: str) -> bool:
        return any(n in text for n in needles)

    if has("password authentication failed", "パスワード認証に失敗"):
        reason = f"利用者「{settings.user}」のパスワードが違います。パスワードを確認してください。"
    elif has("no password supplied", "パスワードが指定されて", "パスワードが与えられ"):
        reason = ("サーバーがパスワードを求めています。パスワードを入力してください"
                  "（保存済みのパスワードは見つかりませんでした）。")
    elif re.search(r'database ".*" does not exist|データベース\s*["「].*["」]\s*は存在しません', text):
        reason = (f"サーバー {where} にデータベース「{settings.name}」がありません。"
                  "データベース名を確認するか、サーバーの管理者に作成を依頼してください。")
    elif re.search(r'role ".*" does not exist|ロール\s*["「].*["」]\s*は存在しません', text):
        reason = f"サーバー {where} に利用者「{settings.user}」がありません。利用者名を確認してください。"
    elif has("pg_hba.conf"):
        reason = (f"サーバー {where} がこの PC からの接続を許可していません（pg_hba.conf）。"
                  "サーバーの管理者に連絡してください。")
    elif has("permission denied for database", "connect privilege", "権限がありません"):
        reason = (f"利用者「{settings.user}」には、データベース「{settings.name}」に接続する権限が"
                  "ありません。サーバーの管理者に連絡してください。")
    elif has(*_UNKNOWN_HOST):
        reason = (f"サーバー「{settings.host}」が見つかりません。サーバー名とネットワークの接続を"
                  "確認してください。")
    elif has("timeout expired", "timed out", "タイムアウト"):
        reason = (f"サーバー {where} から {timeout} 秒以内に応答がありません。サーバー名・ポート、"
                  "ネットワークの接続を確認してください。")
    elif has(*_UNREACHABLE):
        reason = (f"サーバー {where} に接続できません。サーバー名とポート、サーバーが起動しているか、"
                  "ネットワークの接続を確認してください。")
    else:
        reason = f"サーバー {where} のデータベース「{settings.name}」に接続できません。"
    return f"{reason}\n（詳細: {detail}）"


# --- saving ----------------------------------------------------------------------------------------------


def require_administrator(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(
            f"{ROLE_LABELS[actor.role]}のアカウントでは、データベースの接続設定を変更できません。"
            "管理者に依頼してください。")


def save_connection(actor: Actor, form: ConnectionForm) -> str:
    """Store the password (keyring or pass file) and write config.toml; administrators only.

    Returns what to tell the administrator: where things went, and that the setting takes
    effect at the next start.
    """
    require_administrator(actor)
    settings = validate(form)
    lines = []
    if settings.is_postgresql and form.password:
        where = secrets.store_password(settings.key(), form.password)
        lines.append(f"パスワードは {where} に保存しました（設定ファイルには書きません）。")
    elif settings.is_postgresql:
        lines.append("パスワードは変更していません。")
    path = config.save_database_settings(settings)
    log.info("database settings saved by %s: %s %s", actor.login, settings.kind,
             settings.key() if settings.is_postgresql else settings.embedded_url())
    target = (f"PostgreSQL サーバー {settings.host}:{settings.port} のデータベース「{settings.name}」"
              if settings.is_postgresql else "内蔵データベース（この PC のみ）")
    lines.insert(0, f"接続先を {target} に設定しました（{path}）。")
    lines.append("次回の起動時から、この接続先を使います。")
    if os.environ.get(config.ENV_DATABASE_URL):
        lines.append(f"ただし、環境変数 {config.ENV_DATABASE_URL} が設定されているあいだは、"
                     "そちらが優先されます。")
    return "\n".join(lines)
