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
