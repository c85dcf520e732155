"""The database connection settings: config.toml without passwords, the password in the keyring
or the PostgreSQL pass file, administrators only, and the connection test on a real server."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
import uuid
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from kyodo_desk import config, secrets
from kyodo_desk.config import DatabaseSettings
from kyodo_desk.database import schema
from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.domain.permissions import Actor, PermissionDenied, Role
from kyodo_desk.services import connection
from kyodo_desk.services.connection import ConnectionForm

ADMIN = Actor(1, "admin", "管理 太郎", Role.ADMIN, None)
SERVER = DatabaseSettings("postgresql", host="db-server", port=5433, name="kyodo", user="kyodo")


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in a dictionary, standing in for the OS's."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class PlainFileKeyring(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]  # like keyrings.alt's plain-text file


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import PasswordSetError

        raise PasswordSetError("the keyring is locked")


@pytest.fixture(autouse=True)
def pass_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real keyring, no real ~/.pgpass: the headless default, with the pass file in tmp."""
    import keyring
    from keyring.backends import fail

    path = tmp_path / "pgpass" / "pgpass.conf"
    monkeypatch.setenv("PGPASSFILE", str(path))
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield path
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    import keyring

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


# --- config.toml ---------------------------------------------------------------------------------


def test_server_settings_round_trip_through_config_toml_without_a_password() -> None:
    path = config.save_database_settings(SERVER)
    assert path == config.config_file()
    text = path.read_text(encoding="utf-8")
    assert tomllib.loads(text)["database"] == {
        "kind": "postgresql", "host": "db-server", "port": 5433, "name": "kyodo", "user": "kyodo"}
    assert "password" not in text.lower().replace("パスワード", "")
    assert config.load_config().database == SERVER
    assert config.current_database_settings() == SERVER
    assert config.choose_database() == config.DatabaseChoice(
        "postgresql+psycopg://kyodo@db-server:5433/kyodo", "config")


def test_the_embedded_choice_round_trips_and_means_the_default_file() -> None:
    config.save_database_settings(SERVER)
    config.save_database_settings(DatabaseSettings())
    assert tomllib.loads(config.config_file().read_text(encoding="utf-8"))["database"] == {
        "kind": "embedded"}
    choice = config.choose_database()
    assert choice.url == f"sqlite:///{config.default_sqlite_path().as_posix()}"
    assert config.current_database_settings() == DatabaseSettings()


def test_an_embedded_file_elsewhere_is_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'training.sqlite3').as_posix()}"
    config.save_database_settings(DatabaseSettings(url=url))
    assert config.choose_database().url == url
    assert config.current_database_settings() == DatabaseSettings(url=url)


def test_saving_keeps_other_tables_and_replaces_the_old_url() -> None:
    path = config.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('# 表示の設定\n[display]\nfont_size = 12\n\n'
                    '[database]\nurl = "postgresql://old@old-server/kyodo"\n\n'
                    '[print]\nera = true\n', encoding="utf-8")
    config.save_database_settings(SERVER)
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["display"] == {"font_size": 12}
    assert data["print"] == {"era": True}
    assert "old-server" not in text
    assert "# 表示の設定" in text
    assert config.load_config().database == SERVER


def test_the_config_file_is_replaced_whole_never_half_written(monkeypatch: pytest.MonkeyPatch) -> None:
    config.save_database_settings(SERVER)
    before = config.config_file().read_bytes()

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(UserError) as info:
        config.save_database_settings(DatabaseSettings())
    assert str(config.config_file()) in info.value.message
    assert config.config_file().read_bytes() == before
    assert [p.name for p in config.config_file().parent.iterdir()] == ["config.toml"]


@pytest.mark.parametrize("url", [
    "postgresql://kyodo:himitsu@db-server/kyodo",
    "postgresql+psycopg://kyodo@db-server/kyodo?password=himitsu",
])
def test_a_url_holding_a_password_is_never_saved(url: str) -> None:
    with pytest.raises(UserError) as info:
        config.save_database_settings(DatabaseSettings(url=url))
    assert "パスワード" in info.value.message
    assert not config.config_file().exists()


def test_a_broken_config_file_is_reported_not_overwritten() -> None:
    path = config.config_file()
    path.parent.mkdir(parents=True)
    path.write_text("[database\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        config.save_database_settings(SERVER)
    assert f"「{path}」" in info.value.message
    assert path.read_text(encoding="utf-8") == "[database\n"


@pytest.mark.parametrize(("table", "key"), [
    ('kind = "mysql"', "kind"),
    ('kind = "postgresql"\nhost = "h"\nname = "n"\nuser = "u"\nport = 0', "port"),
    ('kind = "postgresql"\nhost = "h"\nname = "n"\nuser = "u"\nport = "5432"', "port"),
    ('kind = "postgresql"\nname = "n"\nuser = "u"', "host"),
    ('kind = "postgresql"\nhost = "h"\nname = "n"\nuser = "u"\nurl = "postgresql://u@h/n"', "url"),
    ('kind = "embedded"\nurl = "postgresql://u@h/n"', "url"),
])
def test_a_wrong_structured_setting_names_the_file_and_key(table: str, key: str) -> None:
    path = config.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(f"[database]\n{table}\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        config.choose_database()
    assert f"「{path}」" in info.value.message
    assert f"[database] {key} " in info.value.message


def test_settings_are_read_back_from_the_running_url() -> None:
    assert DatabaseSettings.from_url("postgresql+psycopg://kyodo:pw@db:6543/kyodo") == \
        DatabaseSettings("postgresql", host="db", port=6543, name="kyodo", user="kyodo")
    default = f"sqlite:///{config.default_sqlite_path().as_posix()}"
    assert DatabaseSettings.from_url(default) == DatabaseSettings()


# --- where the password goes ------------------------------------------------------------------------------


def test_without_a_keyring_the_password_goes_to_the_pass_file_escaped_and_private(
        pass_file: Path) -> None:
    pass_file.parent.mkdir()
    pass_file.write_text("# mine\nother-host:5432:*:someone:theirs\n", encoding="utf-8")
    key = secrets.ServerKey("db:server", 5432, "ky\\do", "kyodo")

    where = secrets.store_password(key, "pa:ss\\word")

    assert where == f"パスワードファイル {pass_file}"
    lines = pass_file.read_text(encoding="utf-8").splitlines()
    assert lines == ["# mine", "other-host:5432:*:someone:theirs",
                     r"db\:server:5432:ky\\do:kyodo:pa\:ss\\word"]
    if sys.platform != "win32":
        assert stat.S_IMODE(pass_file.stat().st_mode) == 0o600
    assert secrets.load_password(key) is None  # libpq reads the pass file itself

    secrets.store_password(key, "new:one")  # the same account's line is replaced
    lines = pass_file.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == r"db\:server:5432:ky\\do:kyodo:new\:one"
    assert len(lines) == 3


def test_the_pass_file_is_where_libpq_looks(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.delenv("PGPASSFILE")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData"))
    expected = (tmp_path / "AppData" / "postgresql" / "pgpass.conf" if sys.platform == "win32"
                else Path.home() / ".pgpass")
    assert secrets.pgpass_path() == expected


def test_a_password_with_a_line_break_is_refused(pass_file: Path) -> None:
    with pytest.raises(UserError):
        secrets.store_password(secrets.ServerKey("h", 5432, "n", "u"), "one\ntwo")
    assert not pass_file.exists()


def test_a_usable_keyring_is_preferred_and_its_password_goes_into_the_url(
        memory_keyring: MemoryKeyring, pass_file: Path) -> None:
    where = secrets.store_password(SERVER.key(), "p@ss/word")
    assert where == "OS の資格情報ストア（MemoryKeyring）"
    assert memory_keyring.entries == {("kyodo-desk", "kyodo@db-server:5433/kyodo"): "p@ss/word"}
    assert not pass_file.exists()
    assert secrets.load_password(SERVER.key()) == "p@ss/word"

    config.save_database_settings(SERVER)
    assert "p@ss" not in config.config_file().read_text(encoding="utf-8")
    from sqlalchemy import make_url

    url = make_url(config.choose_database().url)
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "kyodo", "p@ss/word", "db-server", 5433, "kyodo")


def test_without_a_stored_password_the_url_has_none(memory_keyring: MemoryKeyring) -> None:
    config.save_database_settings(SERVER)
    assert config.choose_database().url == "postgresql+psycopg://kyodo@db-server:5433/kyodo"


@pytest.mark.parametrize("backend", [PlainFileKeyring, LockedKeyring])
def test_a_plain_text_or_locked_keyring_falls_back_to_the_pass_file(
        backend: type[MemoryKeyring], pass_file: Path) -> None:
    import keyring

    keyring.set_keyring(backend())
    where = secrets.store_password(SERVER.key(), "himitsu")
    assert where.startswith("パスワードファイル")
    assert pass_file.read_text(encoding="utf-8") == "db-server:5433:kyodo:kyodo:himitsu\n"


# --- the form and saving ---------------------------------------------------------------------------------


def server_form(**changes: str) -> ConnectionForm:
    values = dict(kind="postgresql", host="db-server", port="5433", name="kyodo", user="kyodo",
                  password="")
    values.update(changes)
    return ConnectionForm(**values)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"host": "  "}, "host", "サーバーを入力してください。"),
    ({"name": ""}, "name", "データベース名を入力してください。"),
    ({"user": ""}, "user", "利用者名を入力してください。"),
    ({"port": ""}, "port", "ポートを入力してください"),
    ({"port": "0"}, "port", "ポートは 1〜65535 の半角数字"),
    ({"port": "65536"}, "port", "ポートは 1〜65535 の半角数字"),
    ({"port": "54 32"}, "port", "ポートは 1〜65535 の半角数字"),
    ({"port": "-1"}, "port", "ポートは 1〜65535 の半角数字"),
    ({"host": "db server"}, "host", "サーバーに空白は使えません"),
])
def test_the_form_names_the_field_at_fault(changes: dict[str, str], field: str,
                                          message: str) -> None:
    with pytest.raises(ValidationError) as info:
        connection.validate(server_form(**changes))
    assert [p.field for p in info.value.problems] == [field]
    assert info.value.for_field(field).startswith(message)


def test_every_missing_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        connection.validate(ConnectionForm(kind="postgresql", port=""))
    assert [p.field for p in info.value.problems] == ["host", "name", "user", "port"]


def test_the_form_tidies_what_was_typed() -> None:
    settings = connection.validate(server_form(host=" db-server ", port="５４３３", user="kyodo "))
    assert settings == SERVER
    assert connection.validate(ConnectionForm(kind="embedded", host="ignored")) == \
        DatabaseSettings()


@pytest.mark.parametrize("role", [Role.COUNTER_STAFF, Role.ADVISOR, Role.OFFICER])
def test_only_an_administrator_may_save(role: Role, pass_file: Path) -> None:
    actor = Actor(2, "someone", "窓口 花子", role, 1)
    with pytest.raises(PermissionDenied) as info:
        connection.save_connection(actor, server_form(password="himitsu"))
    assert "接続設定" in info.value.message
    assert not config.config_file().exists()
    assert not pass_file.exists()


def test_the_administrator_saves_and_is_told_where_things_went(pass_file: Path) -> None:
    message = connection.save_connection(ADMIN, server_form(password="himitsu"))
    assert "次回の起動時から" in message
    assert f"パスワードファイル {pass_file}" in message
    assert str(config.config_file()) in message
    assert "himitsu" not in config.config_file().read_text(encoding="utf-8")
    assert pass_file.read_text(encoding="utf-8") == "db-server:5433:kyodo:kyodo:himitsu\n"
    assert config.load_config().database == SERVER


def test_saving_without_a_password_keeps_the_stored_one(memory_keyring: MemoryKeyring) -> None:
    secrets.store_password(SERVER.key(), "before")
    message = connection.save_connection(ADMIN, server_form())
    assert "パスワードは変更していません" in message
    assert secrets.load_password(SERVER.key()) == "before"


def test_the_message_warns_when_the_environment_overrides_the_file(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYODO_DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    message = connection.save_connection(ADMIN, ConnectionForm(kind="embedded"))
    assert "KYODO_DATABASE_URL" in message


def test_an_invalid_form_saves_nothing(pass_file: Path) -> None:
    with pytest.raises(ValidationError):
        connection.save_connection(ADMIN, server_form(host="", password="himitsu"))
    assert not config.config_file().exists()
    assert not pass_file.exists()


# --- the connection test ------------------------------------------------------------------------------------


@pytest.fixture
def local_server(pg_server):  # type: ignore[no-untyped-def]
    if pg_server is None:
        pytest.skip("PostgreSQL tests need KYODO_TEST_PG_URL")
    from sqlalchemy import make_url

    url = make_url(pg_server.admin_url)
    return url, pg_server


def settings_for(url, name: str) -> DatabaseSettings:  # type: ignore[no-untyped-def]
    return DatabaseSettings("postgresql", host=url.host or "localhost", port=url.port or 5432,
                            name=name, user=url.username or "postgres")


def server_version(pg_server) -> str:  # type: ignore[no-untyped-def]
    with pg_server._admin() as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def test_a_kyodo_database_reports_the_server_version_and_its_revision(
        local_server, template_databases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    url, pg_server = local_server
    name = f"kyodo_test_{pg_server.run_id}_{uuid.uuid4().hex[:8]}"
    pg_server.create(name, template=template_databases["postgresql"])

    result = connection.try_connection(settings_for(url, name))

    version = server_version(pg_server)
    assert result.ok, result.message
    assert result.server_version == version
    assert result.revision == schema.head_revision()
    assert result.message.startswith(
        f"接続できました（PostgreSQL {version}、形式の版 {schema.head_revision()}）")


def test_an_empty_database_is_fine_and_said_to_be_empty(local_server, fresh_pg_url: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import make_url

    url, _ = local_server
    result = connection.try_connection(settings_for(url, make_url(fresh_pg_url).database))
    assert result.ok
    assert "形式の版 未作成" in result.message


def test_a_missing_database_is_named(local_server) -> None:  # type: ignore[no-untyped-def]
    url, pg_server = local_server
    name = f"kyodo_missing_{pg_server.run_id}"
    result = connection.try_connection(settings_for(url, name))
    assert not result.ok
    assert f"データベース「{name}」がありません" in result.message
    assert "詳細:" in result.message


def test_a_missing_user_is_named(local_server) -> None:  # type: ignore[no-untyped-def]
    url, _ = local_server
    settings = DatabaseSettings("postgresql", host=url.host, port=url.port or 5432,
                                name="postgres", user="kyodo_nobody")
    result = connection.try_connection(settings)
    assert not result.ok
    assert "利用者「kyodo_nobody」がありません" in result.message


def test_an_unreachable_port_is_reported_quickly() -> None:
    settings = DatabaseSettings("postgresql", host="127.0.0.1", port=1, name="kyodo",
                                user="kyodo")
    result = connection.try_connection(settings, timeout=2)
    assert not result.ok
    assert result.message.startswith("サーバー 127.0.0.1:1 に接続できません")


def test_a_database_not_in_utf8_is_refused(local_server) -> None:  # type: ignore[no-untyped-def]
    url, pg_server = local_server
    name = f"kyodo_test_{pg_server.run_id}_ascii"
    with pg_server._admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'SQL_ASCII\' '
                     "LC_COLLATE 'C' LC_CTYPE 'C'")
    pg_server.created.append(name)
    result = connection.try_connection(settings_for(url, name))
    assert not result.ok
    assert result.encoding == "SQL_ASCII"
    assert "SHOW server_encoding" in result.message
    assert "UTF8" in result.message


@pytest.mark.parametrize(("server_said", "expected"), [
    ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
     'password authentication failed for user "kyodo"', "利用者「kyodo」のパスワードが違います"),
    ('connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
     'ユーザー"kyodo"のパスワード認証に失敗しました', "利用者「kyodo」のパスワードが違います"),
    ('connection to server at "10.0.0.5", port 5432 failed: fe_sendauth: no password supplied',
     "パスワードを入力してください"),
    ('connection to server at "10.0.0.5", port 5432 failed: FATAL:  データベース"kyodo"は存在しません',
     "データベース「kyodo」がありません"),
    ("failed to resolve host 'db-server': [Errno -2] Name or service not known",
     "サーバー「db-server」が見つかりません"),
    ('connection to server at "10.0.0.5", port 5432 failed: timeout expired',
     "5 秒以内に応答がありません"),
    ('connection to server at "10.0.0.5", port 5432 failed: FATAL:  no pg_hba.conf entry for '
     'host "10.0.0.9", user "kyodo", database "kyodo", no encryption', "pg_hba.conf"),
])
def test_failures_are_explained_in_japanese(server_said: str, expected: str) -> None:
    settings = DatabaseSettings("postgresql", host="db-server", port=5432, name="kyodo",
                                user="kyodo")
    message = connection.explain_failure(settings, Exception(server_said))
    assert expected in message
    assert message.endswith(f"（詳細: {server_said}）")


def test_the_steps_of_a_refused_config_file_move_the_password_to_the_keyring(
        memory_keyring: MemoryKeyring) -> None:
    """Follow the message: the keyring command stores the password, the [database] lines
    replace the old ones, and the next start connects with that password (none in the file)."""
    import shlex

    path = config.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[display]\nfont_size = 12\n\n[database]\n'
                    'url = "postgresql://kyodo:Old-Pass-1@db-server:5433/kyodo"\n',
                    encoding="utf-8")
    with pytest.raises(UserError) as info:
        config.choose_database()
    lines = info.value.message.splitlines()
    command = next(shlex.split(line) for line in lines if line.strip().startswith("keyring "))
    assert command[:3] == ["keyring", "set", "kyodo-desk"]
    memory_keyring.set_password(command[2], command[3], "Old-Pass-1")  # what `keyring set` does
    block = [line.strip() for line in lines[lines.index("   [database]"):]
             if line.startswith("   ")]
    path.write_text("[display]\nfont_size = 12\n\n" + "\n".join(block) + "\n", encoding="utf-8")

    from sqlalchemy import make_url

    url = make_url(config.choose_database().url)
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "kyodo", "Old-Pass-1", "db-server", 5433, "kyodo")
    assert "Old-Pass-1" not in path.read_text(encoding="utf-8")
