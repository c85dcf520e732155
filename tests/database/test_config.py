"""Which database is opened: --database, then KYODO_DATABASE_URL, then config.toml, then the
embedded file in the data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kyodo_desk import config
from kyodo_desk.domain.errors import UserError

OPTION = "sqlite:////srv/option.sqlite3"
ENVIRONMENT = "postgresql://kyodo@env-server/kyodo"
CONFIGURED = "postgresql+psycopg://kyodo@db-server/kyodo"


def write_config(content: str | bytes) -> Path:
    path = config.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def configure(url: str) -> Path:
    return write_config(f'[database]\nurl = "{url}"\n')


def test_the_config_file_lives_in_the_config_folder() -> None:
    assert config.config_file() == Path(os.environ["KYODO_CONFIG_DIR"]) / "config.toml"


def test_without_any_setting_the_embedded_file_in_the_data_folder_is_used() -> None:
    choice = config.choose_database()
    expected = Path(os.environ["KYODO_DATA_DIR"]) / "kyodo-desk.sqlite3"
    assert choice == config.DatabaseChoice(f"sqlite:///{expected.as_posix()}", "default")
    assert config.default_sqlite_path() == expected


def test_the_config_file_beats_the_default() -> None:
    configure(CONFIGURED)
    assert config.choose_database() == config.DatabaseChoice(CONFIGURED, "config")


def test_the_environment_beats_the_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(CONFIGURED)
    monkeypatch.setenv("KYODO_DATABASE_URL", ENVIRONMENT)
    assert config.choose_database() == config.DatabaseChoice(ENVIRONMENT, "environment")


def test_the_option_beats_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(CONFIGURED)
    monkeypatch.setenv("KYODO_DATABASE_URL", ENVIRONMENT)
    assert config.choose_database(OPTION) == config.DatabaseChoice(OPTION, "option")


def test_empty_settings_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    configure("")
    monkeypatch.setenv("KYODO_DATABASE_URL", "")
    assert config.choose_database("").source == "default"


@pytest.mark.parametrize("content", [
    "",
    "# nothing configured yet\n",
    "[database]\n",
    '[display]\nfont_size = 12\n',
    'database = "postgresql://kyodo@db-server/kyodo"\n',  # not a [database] table
])
def test_a_config_file_without_a_database_url_means_the_default(content: str) -> None:
    write_config(content)
    assert config.load_config() == config.Config()
    assert config.choose_database().source == "default"


@pytest.mark.parametrize("content", [
    "[database\nurl = 'x'\n",
    "[database]\nurl = postgresql://kyodo@db-server/kyodo\n",  # unquoted
    '[database]\nurl = "a"\nurl = "b"\n',
    "[database]\nurl = 'x'\n".encode("cp932") + "# 設定\n".encode("cp932"),  # not UTF-8
], ids=["unclosed-table", "unquoted-url", "duplicate-key", "shift-jis"])
def test_a_broken_config_file_is_named(content: str | bytes) -> None:
    path = write_config(content)
    with pytest.raises(UserError) as info:
        config.choose_database()
    assert f"「{path}」" in info.value.message
    assert "設定ファイル" in info.value.message
    assert path.read_bytes() == (content if isinstance(content, bytes)
                                 else content.encode("utf-8"))


def test_a_config_path_that_is_a_folder_is_named() -> None:
    config.config_file().mkdir(parents=True)
    with pytest.raises(UserError) as info:
        config.load_config()
    assert f"「{config.config_file()}」" in info.value.message


def test_a_broken_config_file_does_not_block_the_option_or_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    write_config("[database\n")
    assert config.choose_database(OPTION).source == "option"
    monkeypatch.setenv("KYODO_DATABASE_URL", ENVIRONMENT)
    assert config.choose_database().source == "environment"


def test_load_config_reads_a_given_file(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text(f'[database]\nurl = "{CONFIGURED}"\n', encoding="utf-8")
    assert config.load_config(path) == config.Config(database_url=CONFIGURED)
    assert config.load_config(tmp_path / "missing.toml") == config.Config()


# --- no password in the file ---------------------------------------------------------------------

PASSWORD = "Kyodo-S3cret-9"


@pytest.mark.parametrize("content", [
    f'[database]\nurl = "postgresql+psycopg://kyodo:{PASSWORD}@db-server/kyodo"\n',
    f'[database]\nurl = "postgresql://kyodo@db-server/kyodo?password={PASSWORD}"\n',
    f'[database]\nurl = "postgresql://kyodo:{PASSWORD}@db-server:port/kyodo"\n',  # unreadable
    f'[database]\nkind = "postgresql"\nhost = "db-server"\nname = "kyodo"\nuser = "kyodo"\n'
    f'password = "{PASSWORD}"\n',
], ids=["in-the-url", "in-the-query", "in-an-unreadable-url", "as-a-key"])
def test_a_password_in_the_config_file_is_refused_and_never_repeated(content: str) -> None:
    path = write_config(content)
    with pytest.raises(UserError) as info:
        config.choose_database()
    message = info.value.message
    assert f"「{path}」" in message and "パスワードが書かれているため、接続しません" in message
    assert "管理 → データベースの接続設定…" in message
    assert PASSWORD not in message
    with pytest.raises(UserError) as again:
        config.current_database_settings()  # the settings dialog does not show it either
    assert PASSWORD not in again.value.message


def test_the_refusal_says_how_to_move_the_password_to_the_keyring() -> None:
    configure(f"postgresql+psycopg://kyodo:{PASSWORD}@db-server:6543/kyodo")
    with pytest.raises(UserError) as info:
        config.choose_database()
    assert "keyring set kyodo-desk kyodo@db-server:6543/kyodo" in info.value.message


def test_a_password_in_the_file_does_not_block_the_option_or_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    configure(f"postgresql://kyodo:{PASSWORD}@db-server/kyodo")
    assert config.choose_database(OPTION) == config.DatabaseChoice(OPTION, "option")
    monkeypatch.setenv("KYODO_DATABASE_URL", ENVIRONMENT)
    assert config.choose_database() == config.DatabaseChoice(ENVIRONMENT, "environment")


def test_a_refused_config_file_is_not_connected_to(
        capsys: pytest.CaptureFixture[str], fresh_pg_url: str) -> None:
    """The server would accept the URL (the test server trusts its user), yet nothing reaches it:
    `db upgrade` creates no table and neither its message nor the log holds the password."""
    from sqlalchemy import create_engine, inspect, make_url

    from kyodo_desk import cli, paths

    with_password = make_url(fresh_pg_url).set(password=PASSWORD)
    configure(with_password.render_as_string(hide_password=False))

    code = cli.main(["db", "upgrade"])
    _, err = capsys.readouterr()

    assert code == 2
    assert "パスワードが書かれているため、接続しません" in err
    assert PASSWORD not in err
    assert PASSWORD not in paths.log_path().read_text(encoding="utf-8")
    engine = create_engine(fresh_pg_url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()

    configure(fresh_pg_url)  # the same server, the password gone: it works
    assert cli.main(["db", "upgrade"]) == 0, capsys.readouterr().err
