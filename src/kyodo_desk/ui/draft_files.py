"""Drafts of a form kept on disk (入力途中の内容), so that what was typed is never lost.

One JSON file per kind of form, account and record (``new`` for a record not saved yet) in the
``drafts`` folder of the user's data folder. Written whole through a temporary file; a file that
cannot be read is logged and set aside as ``.broken``, never fatal. Drafts may hold personal
information, so they stay in the user's own data folder and are removed once not needed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from kyodo_desk.paths import data_dir

log = logging.getLogger(__name__)

NEW = "new"
S = TypeVar("S")


class DraftFiles(Generic[S]):
    """The drafts folder for one kind of form; subclasses say how a state becomes JSON."""

    kind: ClassVar[str]  # the file name's first part: consultation-…, event-…

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else data_dir() / "drafts"

    def encode(self, state: S) -> dict[str, Any]:
        raise NotImplementedError

    def decode(self, data: dict[str, Any]) -> S:
        """The state written by `encode`; ValueError (or KeyError, TypeError) if it is not."""
        raise NotImplementedError

    def path(self, login: str, record_id: int | None) -> Path:
        # Logins are ASCII (sato.hanako); anything else is spelt out so a name is always safe.
        safe = re.sub(r"[^A-Za-z0-9._-]", lambda m: f"%{ord(m.group()):04x}", login) or "_"
        return self.folder / f"{self.kind}-{safe}-{NEW if record_id is None else record_id}.json"

    def load(self, login: str, record_id: int | None) -> S | None:
        """The kept draft, or None; an unreadable file is logged and set aside, never fatal."""
        path = self.path(login, record_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the draft %s: %s", path, exc)
            return None
        try:
            return self.decode(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("the draft %s is damaged (%s); renamed to .broken", path, exc)
            with contextlib.suppress(OSError):
                path.replace(path.with_suffix(".broken"))
            return None

    def save(self, login: str, record_id: int | None, state: S) -> None:
        """Write the draft whole or not at all (a temporary file, then a rename)."""
        path = self.path(login, record_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.encode(state), ensure_ascii=False, indent=1),
                             encoding="utf-8")
        os.replace(temporary, path)

    def delete(self, login: str, record_id: int | None) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(login, record_id).unlink()

    def exists(self, login: str, record_id: int | None) -> bool:
        return self.path(login, record_id).exists()
