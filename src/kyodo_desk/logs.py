"""Log file in the data folder: what the user was shown as an apology, with its traceback."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from kyodo_desk.paths import PRIVATE_FOLDER, log_path, make_private_folder, narrow_to_owner

# Marks the handler this module installed, so a second call adds no second one.
_HANDLER_NAME = "kyodo-desk"


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    path = log_path()
    handler: logging.Handler
    try:
        make_private_folder(path.parent)  # the data folder: its first maker is often the log
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()  # an unwritable data folder is reported elsewhere
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.set_name(_HANDLER_NAME)
    root.addHandler(handler)
    root.setLevel(level)
    if isinstance(handler, RotatingFileHandler):  # else the folder's fault is reported later
        narrow_to_owner(path.parent, PRIVATE_FOLDER)  # once the log is there to tell of it
