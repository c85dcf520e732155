"""Log file in the data folder: what the user was shown as an apology, with its traceback."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from kyodo_desk.paths import log_path


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_kyodo", False) for h in root.handlers):
        return
    path = log_path()
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()  # an unwritable data folder is reported elsewhere
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._kyodo = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
