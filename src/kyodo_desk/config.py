"""Settings, declared once with their defaults, read from `config.toml` in the config folder.

    [database]
    url = "postgresql+psycopg://kyodo@db-server/kyodo"   # no password here: see README
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kyodo_desk import paths
from kyodo_desk.domain.errors import UserError

ENV_DATABASE_URL = "KYODO_DATABASE_URL"
CONFIG_FILE_NAME = "config.toml"


@dataclass(frozen=True)
class Config:
    database_url: str | None = None


def config_file() -> Path:
    return paths.config_dir() / CONFIG_FILE_NAME


def load_config(path: Path | None = None) -> Config:
    path = path or config_file()
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(
            f"設定ファイル「{path}」を読めません（{exc}）。内容を確認するか、ファイルを削除してください。"
        ) from exc
    database = data.get("database", {})
    url = database.get("url") if isinstance(database, dict) else None
    return Config(database_url=url or None)


@dataclass(frozen=True)
class DatabaseChoice:
    """Which database to open, and where that choice came from (shown in the status bar)."""

    url: str
    source: str  # "option" | "environment" | "config" | "default"


def default_sqlite_path() -> Path:
    return paths.data_dir() / "kyodo-desk.sqlite3"


def choose_database(option: str | None = None) -> DatabaseChoice:
    """`--database URL`, else KYODO_DATABASE_URL, else the config file, else the embedded file."""
    if option:
        return DatabaseChoice(option, "option")
    if os.environ.get(ENV_DATABASE_URL):
        return DatabaseChoice(os.environ[ENV_DATABASE_URL], "environment")
    configured = load_config().database_url
    if configured:
        return DatabaseChoice(configured, "config")
    return DatabaseChoice(f"sqlite:///{default_sqlite_path().as_posix()}", "default")
