"""Drafts of the event form (入力途中のイベント), kept on disk like the consultation form's.

The files sit beside the consultation drafts (same folder, same safe account names), named
``event-<login>-<id or new>.json``; written whole through a temporary file, and set aside as
``.broken`` rather than failing when they cannot be read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from kyodo_desk.domain.events import EventKind, QueueRule
from kyodo_desk.services.events import EventDraft, SessionDraft
from kyodo_desk.ui.consultations.drafts import DraftStore

log = logging.getLogger(__name__)

FORMAT = 1
_OPTIONAL_DATES = ("signup_opens_on", "signup_closes_on")


@dataclass(frozen=True)
class EventFormState:
    draft: EventDraft
    # The version the edits started from: a restored draft still meets a later save as a
    # conflict instead of overwriting it.
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)


def _plain(value: object) -> object:
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"cannot keep {type(value).__name__} in a draft")


def state_to_json(state: EventFormState) -> dict[str, Any]:
    return {"format": FORMAT, "saved_at": datetime.now().isoformat(timespec="seconds"),
            "base_version": state.base_version,
            "draft": json.loads(json.dumps(asdict(state.draft), default=_plain))}


def _optional_time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def state_from_json(data: dict[str, Any]) -> EventFormState:
    """The state written by state_to_json; ValueError (or KeyError, TypeError) if it is not."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown draft format {data.get('format')!r}")
    d = dict(data["draft"])
    d["kind"] = EventKind(d["kind"])
    d["queue_rule"] = QueueRule(d["queue_rule"])
    for name in _OPTIONAL_DATES:
        d[name] = date.fromisoformat(d[name]) if d.get(name) else None
    d["sessions"] = tuple(
        SessionDraft(date.fromisoformat(s["held_on"]), _optional_time(s.get("start_time")),
                     _optional_time(s.get("end_time")), str(s.get("label", "")))
        for s in d["sessions"])
    saved_at, version = data.get("saved_at"), data.get("base_version")
    return EventFormState(EventDraft(**d), None if version is None else int(version),
                          datetime.fromisoformat(saved_at) if saved_at else None)


class EventDraftStore:
    """The drafts folder: one file per (account login, event id or 'new')."""

    def __init__(self, folder: Path | None = None) -> None:
        self._names = DraftStore(folder)  # its folder and its safe spelling of logins

    def path(self, login: str, event_id: int | None) -> Path:
        shared = self._names.path(login, event_id)
        return shared.with_name("event-" + shared.name.removeprefix("consultation-"))

    def load(self, login: str, event_id: int | None) -> EventFormState | None:
        path = self.path(login, event_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the draft %s: %s", path, exc)
            return None
        try:
            return state_from_json(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("the draft %s is damaged (%s); renamed to .broken", path, exc)
            with contextlib.suppress(OSError):
                path.replace(path.with_suffix(".broken"))
            return None

    def save(self, login: str, event_id: int | None, state: EventFormState) -> None:
        path = self.path(login, event_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state_to_json(state), ensure_ascii=False, indent=1),
                             encoding="utf-8")
        os.replace(temporary, path)

    def delete(self, login: str, event_id: int | None) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(login, event_id).unlink()
