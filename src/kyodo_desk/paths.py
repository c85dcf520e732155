"""Where the shipped folders (db/, resources/) and the user's data folder are."""

from __future__ import annotations

import logging
import os
import stat
from functools import cache
from importlib import resources
from pathlib import Path

from kyodo_desk import APP_NAME

log = logging.getLogger(__name__)

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600

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

    The mode is set once the folder is made, so that no umask changes it. A folder that exists
    already (one chosen for a backup) is left as it is: whoever set its permissions meant them;
    the data folder is narrowed (`narrow_to_owner`) at every start. On Windows the mode is
    ignored and the folder inherits its parent's access list.
    """
    try:
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True)
    except FileExistsError:
        if not folder.is_dir():
            raise
        return
    if os.name == "posix":
        os.chmod(folder, PRIVATE_FOLDER)


def is_data_folder(folder: Path) -> bool:
    """True for the data folder, which holds personal data whoever made it."""
    return folder.resolve() == data_dir().resolve()


def narrow_to_owner(path: Path, mode: int) -> None:
    """Take from *path* every permission beyond *mode* (POSIX; Windows keeps its access list).

    Files an older version made, or made under a wide umask, end up as if made now; a file
    that cannot be changed (another user's) is logged and left, as its opening will say more.
    """
    if os.name != "posix":
        return
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~mode:
            os.chmod(path, current & mode)
            log.warning("narrowed the permissions of %s from %o to %o: it holds personal data",
                        path, current, current & mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("could not narrow the permissions of %s: %s", path, exc)


def config_dir() -> Path:
    override = os.environ.get("KYODO_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def log_path() -> Path:
    return data_dir() / "kyodo-desk.log"
