"""Where the shipped folders (db/, resources/) and the user's data folder are."""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

from kyodo_desk import APP_NAME

_CHECKOUT = Path(__file__).resolve().parents[2]


def _shipped(name: str) -> Path:
    """A top-level folder of the checkout, installed inside the package by the wheel build.

    An editable install does not carry it inside the package, so fall back to the checkout.
    """
    inside = Path(str(resources.files("kyodo_desk"))) / name
    return inside if inside.is_dir() else _CHECKOUT / name


@cache
def db_dir() -> Path:
    return _shipped("db")


@cache
def resources_dir() -> Path:
    return _shipped("resources")


def font_path() -> Path:
    """IPAexGothic, a TrueType font, bundled so every PC shows and prints the same glyphs."""
    return resources_dir() / "fonts" / "ipaexg.ttf"


def data_dir() -> Path:
    """The user's data folder (database, backups, log); KYODO_DATA_DIR overrides it.

    On Windows it lies in the user's profile (%LOCALAPPDATA%), whose access list already admits
    only that user (and the system and administrators); elsewhere `make_private_folder` makes it
    the user's alone.
    """
    override = os.environ.get("KYODO_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def make_private_folder(folder: Path) -> None:
    """Create *folder* (and its parents) if missing; the folder itself only its owner may open.

    It holds personal data (the database, its backups, the log). A folder that exists already is
    left as it is: whoever set its permissions meant them. On Windows the mode is ignored and the
    folder inherits its parent's access list.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def config_dir() -> Path:
    override = os.environ.get("KYODO_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def log_path() -> Path:
    return data_dir() / "kyodo-desk.log"
