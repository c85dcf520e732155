"""Settings, declared once with their defaults, read from `config.toml` in the config folder.

    [database]
    kind = "postgresql"        # or "embedded" (the SQLite file in the data folder)
    host = "db-server"
    port = 5432
    name = "kyodo"
    user = "kyodo"

The password is never written here: it lives in the operating system's keyring (or the
PostgreSQL pass file), see `kyodo_desk.secrets`. A raw connection URL is still honoured:

    [database]
    url = "postgresql+psycopg://kyodo@db-server/kyodo"   # no password here: see README

A password found in the file (in the URL, or a `password` key) is refused, never used: the
message says how to move it to the keyring, and never repeats it.

Where the embedded database's daily copies go (default: `backups` beside the database file;
see database/backups.py):

    [backup]
    folder = '\\\\fileserver\\kyodo-backup'
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyodo_desk import paths
from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from kyodo_desk.secrets import ServerKey

ENV_DATABASE_URL = "KYODO_DATABASE_URL"
CONFIG_FILE_NAME = "config.toml"

EMBEDDED = "embedded"
POSTGRESQL = "postgresql"
KINDS = (EMBEDDED, POSTGRESQL)
DEFAULT_PORT = 5432
_STRUCTURED_KEYS = ("kind", "host", "port", "name", "user")


@dataclass(frozen=True)
class DatabaseSettings:
    """The database the administrator chose: the embedded file, or a PostgreSQL server.

    *url* is the raw URL setting: for "embedded" a SQLite file elsewhere than the data folder;
    it is unused for "postgresql", whose URL is built from the other fields.
    """

    kind: str = EMBEDDED
    host: str = ""
    port: int = DEFAULT_PORT
    name: str = ""
    user: str = ""
    url: str | None = None

    @property
    def is_postgresql(self) -> bool:
        return self.kind == POSTGRESQL

    def key(self) -> ServerKey:
        """The account the password belongs to (keyring user name user@host:port/name)."""
        from kyodo_desk.secrets import ServerKey

        return ServerKey(self.host, self.port, self.name, self.user)

    def server_url(self, password: str | None = None) -> str:
        """postgresql+psycopg://user@host:port/name, with *password* only if given."""
        from sqlalchemy.engine import URL

        return URL.create("postgresql+psycopg", username=self.user, password=password or None,
                          host=self.host, port=self.port,
                          database=self.name).render_as_string(hide_password=False)

    def embedded_url(self) -> str:
        return self.url or f"sqlite:///{default_sqlite_path().as_posix()}"

    def connection_url(self) -> str:
        """The URL to open, the password (if kept in the keyring) included."""
        if not self.is_postgresql:
            return self.embedded_url()
        from kyodo_desk.secrets import load_password

        return self.server_url(load_password(self.key()))

    @classmethod
    def from_url(cls, raw: str | URL) -> DatabaseSettings:
        """Settings showing the database at *raw* (for the dialog); the password is dropped."""
        from sqlalchemy import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(raw)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            return cls()
        if url.get_backend_name() == "postgresql":
            return cls(POSTGRESQL, host=url.host or "", port=url.port or DEFAULT_PORT,
                       name=url.database or "", user=url.username or "")
        text = url.render_as_string(hide_password=False) if not isinstance(raw, str) else raw
        default = f"sqlite:///{default_sqlite_path().as_posix()}"
        same = url.database and Path(url.database) == default_sqlite_path()
        return cls(EMBEDDED, url=None if text == default or same else text)


@dataclass(frozen=True)
class Config:
    database_url: str | None = None  # [database] url
    database: DatabaseSettings | None = None  # the structured [database] keys, if any


def config_file() -> Path:
    return paths.config_dir() / CONFIG_FILE_NAME


def _read_table(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(
            f"設定ファイル「{path}」を読めません（{exc}）。内容を確認するか、ファイルを削除してください。"
        ) from exc


def load_config(path: Path | None = None) -> Config:
    path = path or config_file()
    if not path.exists():
        return Config()
    database = _read_table(path).get("database", {})
    if not isinstance(database, dict):
        return Config()
    url = database.get("url")
    if url is not None and not isinstance(url, str):
        raise _bad_key(path, "url", "文字列で指定してください")
    in_url = url if url and url_has_password(url) else None
    if in_url or "password" in database:
        raise UserError(_password_in_file(path, database, in_url))
    structured = (_settings_from_table(database, path)
                  if any(k in database for k in _STRUCTURED_KEYS) else None)
    return Config(database_url=url or None, database=structured)


def backup_folder_setting(path: Path | None = None) -> Path | None:
    """`[backup] folder` of config.toml: where the daily copies of the embedded database go
    (database/backups.py); None when it is not set. A relative path or a value that is not a
    string is refused with a UserError naming the file and the key.

        [backup]
        folder = '\\\\fileserver\\kyodo-backup'   # single quotes: backslashes as typed
    """
    path = path or config_file()
    if not path.exists():
        return None
    table = _read_table(path).get("backup", {})
    folder = table.get("folder") if isinstance(table, dict) else None
    if folder is None or folder == "":
        return None
    if not isinstance(folder, str):
        raise UserError(f"設定ファイル「{path}」の [backup] folder が正しくありません"
                        "（フォルダの場所を文字列で指定してください）。")
    chosen = Path(os.path.expandvars(folder)).expanduser()
    if not (chosen.is_absolute() or folder.startswith(("\\\\", "//"))):
        raise UserError(f"設定ファイル「{path}」の [backup] folder「{folder}」は相対パスです。"
                        "C:\\… や \\\\サーバー\\共有\\… のように、絶対パスで指定してください。")
    return chosen


def _password_in_file(path: Path, table: dict[str, Any], url: str | None) -> str:
    """Why a password in config.toml is refused, and the steps that move it to the keyring.

    Neither the password nor the URL that holds it is repeated: the message may be shown, logged
    or sent on to a helpdesk.
    """
    from kyodo_desk.secrets import SERVICE

    server = _server_named(table, url, path)
    lines = [f"設定ファイル「{path}」の [database] {'url' if url else 'password'} に"
             "パスワードが書かれているため、接続しません（設定ファイルのパスワードは、"
             "ファイルを読める人すべてに知られてしまいます）。"
             "パスワードは OS の資格情報ストアに移してください。"]
    if server is not None:
        lines += ["1. 次のコマンドを実行し、聞かれたらパスワードを入力します"
                  "（keyring コマンドは協働デスクと一緒に入っています）:",
                  f"   {_command_line(['keyring', 'set', SERVICE, server.key().username])}",
                  "2. 設定ファイルの [database] を次の内容に書き換えます（パスワードの行は書きません）:",
                  *(f"   {line}" for line in _table_lines(_table_for(server)))]
    else:
        lines.append("設定ファイルからパスワードを消し、PostgreSQL サーバーは kind・host・port・"
                     "name・user で指定してください。")
    lines.append("協働デスクが開いてからは、管理 → データベースの接続設定… でパスワードを入力して"
                 "保存できます。資格情報ストアのない PC では、パスワードは PostgreSQL の"
                 "パスワードファイルに書きます（README「Which database」）。")
    return "\n".join(lines)


def _server_named(table: dict[str, Any], url: str | None, path: Path) -> DatabaseSettings | None:
    """The PostgreSQL server the file means, without its password; None if that is unclear."""
    if url is not None:
        settings = DatabaseSettings.from_url(url)
    else:
        try:
            settings = _settings_from_table(table, path)
        except UserError:
            return None
    complete = all((settings.host, settings.name, settings.user))
    return settings if settings.is_postgresql and complete else None


def shell_line(words: list[str]) -> str:
    """*words* as one command line to type in this system's shell."""
    return _command_line(words)


def settings_lines(settings: DatabaseSettings) -> list[str]:
    """The [database] table of config.toml that selects *settings*, line by line."""
    return _table_lines(_table_for(settings))


def _command_line(words: list[str]) -> str:
    """*words* as one line to type in this system's shell (quoted where a word needs it)."""
    return subprocess.list2cmdline(words) if sys.platform == "win32" else shlex.join(words)


def _bad_key(path: Path, key: str, why: str) -> UserError:
    return UserError(f"設定ファイル「{path}」の [database] {key} が正しくありません（{why}）。"
                     "データベースの接続設定を保存し直すか、ファイルを直してください。")


def _settings_from_table(table: dict[str, Any], path: Path) -> DatabaseSettings:
    """Check the structured [database] keys; any fault names the file and the key."""
    for key in ("kind", "host", "name", "user"):
        if key in table and not isinstance(table[key], str):
            raise _bad_key(path, key, "文字列で指定してください")
    port = table.get("port", DEFAULT_PORT)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise _bad_key(path, "port", "1〜65535 の数で指定してください")
    has_server = any(table.get(k) for k in ("host", "name", "user"))
    kind = table.get("kind") or (POSTGRESQL if has_server else EMBEDDED)
    if kind not in KINDS:
        raise _bad_key(path, "kind", '"embedded" か "postgresql" を指定してください')
    url = table.get("url") or None
    if kind == POSTGRESQL:
        for key in ("host", "name", "user"):
            if not str(table.get(key, "")).strip():
                raise _bad_key(path, key, "PostgreSQL サーバーを使うときは必要です")
        if url:
            raise _bad_key(path, "url", 'kind = "postgresql" のときは url を書かず、'
                           "host・port・name・user で指定してください")
    elif url and not str(url).startswith("sqlite"):
        raise _bad_key(path, "url", 'kind = "embedded" のときは sqlite:/// の URL だけ指定できます')
    return DatabaseSettings(kind, host=table.get("host", ""), port=port,
                            name=table.get("name", ""), user=table.get("user", ""), url=url)


@dataclass(frozen=True)
class DatabaseChoice:
    """Which database to open, and where that choice came from (shown in the status bar)."""

    url: str
    source: str  # "option" | "environment" | "config" | "default"


def default_sqlite_path() -> Path:
    return paths.data_dir() / "kyodo-desk.sqlite3"


def choose_database(option: str | None = None) -> DatabaseChoice:
    """`--database URL`, else KYODO_DATABASE_URL, else the config file, else the embedded file.

    For a PostgreSQL server set in the config file, the password kept in the keyring goes into
    the URL; without one, libpq looks in the PostgreSQL pass file itself.
    """
    if option:
        return DatabaseChoice(option, "option")
    if os.environ.get(ENV_DATABASE_URL):
        return DatabaseChoice(os.environ[ENV_DATABASE_URL], "environment")
    config = load_config()
    if config.database is not None:
        return DatabaseChoice(config.database.connection_url(), "config")
    if config.database_url:
        return DatabaseChoice(config.database_url, "config")
    return DatabaseChoice(f"sqlite:///{default_sqlite_path().as_posix()}", "default")


def current_database_settings(option: str | None = None) -> DatabaseSettings:
    """The database in use now (same precedence as choose_database), for the settings dialog."""
    if not option and not os.environ.get(ENV_DATABASE_URL):
        config = load_config()
        if config.database is not None:
            return config.database
        if config.database_url:
            return DatabaseSettings.from_url(config.database_url)
        return DatabaseSettings()
    return DatabaseSettings.from_url(choose_database(option).url)


# --- saving --------------------------------------------------------------------------------------


# user:password@ in a URL that SQLAlchemy cannot read (a port that is not a number, say).
_USERINFO_PASSWORD = re.compile(r"^[^:/?#]+://[^/?#@]*:[^/?#@]+@")


def url_has_password(raw: str) -> bool:
    if not any(mark in raw for mark in "@%") and "password" not in raw.lower():
        return False  # neither user:password@ nor ?password=: no need to load SQLAlchemy
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):  # opening it would say why, with the password in view
        return _USERINFO_PASSWORD.match(raw.strip()) is not None
    return bool(url.password) or "password" in {k.lower() for k in url.query}


def _table_for(settings: DatabaseSettings) -> dict[str, Any]:
    if settings.is_postgresql:
        return {"kind": POSTGRESQL, "host": settings.host.strip(), "port": settings.port,
                "name": settings.name.strip(), "user": settings.user.strip()}
    table: dict[str, Any] = {"kind": settings.kind}
    if settings.url:
        table["url"] = settings.url
    return table


_NEW_FILE_HEADER = (
    "# 協働デスクの設定。データベースのパスワードはここに書きません\n"
    "# （OS の資格情報ストアか PostgreSQL のパスワードファイルに保存します）。\n"
)
_TABLE_HEADER = re.compile(r"^\s*\[")
_DATABASE_HEADER = re.compile(r"^\s*\[\s*database\s*\]\s*(#.*)?$")


def _table_lines(table: dict[str, Any]) -> list[str]:
    return ["[database]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}"
                             for k, v in table.items()]


def _with_database_table(text: str, table: dict[str, Any]) -> str:
    """*text* with its [database] table replaced (other tables and comments kept)."""
    block = _table_lines(table)
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _DATABASE_HEADER.match(line)), None)
    if start is None:
        if lines and lines[-1].strip():
            lines.append("")
        return "\n".join(lines + block) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if _TABLE_HEADER.match(lines[i])),
               len(lines))
    rest = lines[end:]
    return "\n".join(lines[:start] + block + ([""] if rest else []) + rest) + "\n"


def save_database_settings(settings: DatabaseSettings, path: Path | None = None) -> Path:
    """Write the [database] table of config.toml (atomically); never a password.

    Other tables of the file are kept. Settings the app could not read back are refused.
    """
    path = path or config_file()
    if settings.url and url_has_password(settings.url):
        raise UserError("接続先の URL にパスワードが含まれています。設定ファイルにはパスワードを"
                        "保存できません。URL からパスワードを除き、パスワードは接続設定の画面で"
                        "入力してください（OS の資格情報ストアに保存します）。")
    table = _table_for(settings)
    _settings_from_table(table, path)  # the same checks as when the file is read
    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"設定ファイル「{path}」を読めません（{exc}）。"
                            "内容を確認するか、ファイルを削除してください。") from exc
        _read_table(path)  # a broken file is reported, not overwritten
    new_text = _with_database_table(text, table) if text.strip() else (
        _NEW_FILE_HEADER + _with_database_table("", table))
    try:
        written = tomllib.loads(new_text).get("database")
    except tomllib.TOMLDecodeError:
        written = None
    if written != table:
        raise UserError(f"設定ファイル「{path}」の [database] の書き方が特殊なため、自動で"
                        "書き換えられません。ファイルを直接編集してください。")
    _write_atomically(path, new_text)
    return path


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UserError(f"設定フォルダ「{path.parent}」に書き込めません（{exc.strerror}）。"
                        "フォルダの権限を確認してください。") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise UserError(f"設定ファイル「{path}」に書き込めません（{exc.strerror}）。"
                        "フォルダの権限と空き容量を確認してください。") from exc
