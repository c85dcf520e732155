"""Drafts of the event form (入力途中のイベント); see ui/draft_files.py for where they are kept."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any

from kyodo_desk.domain.events import EventKind, QuestionKind, QueueRule
from kyodo_desk.domain.questions import Question
from kyodo_desk.services.events import EventDraft, SessionDraft
from kyodo_desk.ui.draft_files import DraftFiles

FORMAT = 1
_OPTIONAL_DATES = ("signup_opens_on", "signup_closes_on")
_NUMBER_FIELDS = ("capacity", "fee", "offer_hold_hours")  # the form's number boxes


@dataclass(frozen=True)
class EventFormState:
    draft: EventDraft
    # The version the edits started from: a restored draft still meets a later save as a
    # conflict instead of overwriting it.
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)
    # Number boxes holding what cannot be stored yet, as typed (field → text): the draft has
    # no number for them, and a restored draft shows the text again, never an empty box
    # (which would read as 定員なし or 無料).
    numbers_typed: dict[str, str] = field(default_factory=dict, hash=False)


def _plain(value: object) -> object:
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"cannot keep {type(value).__name__} in a draft")


def state_to_json(state: EventFormState) -> dict[str, Any]:
    return {"format": FORMAT, "saved_at": datetime.now().isoformat(timespec="seconds"),
            "base_version": state.base_version, "numbers_typed": state.numbers_typed,
            "draft": json.loads(json.dumps(asdict(state.draft), default=_plain))}


def _optional_time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def state_from_json(data: dict[str, Any]) -> EventFormState:
    """The state written by state_to_json; ValueError (or KeyError, TypeError) if it is not."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown draft format {data.get('format')!r}")
    d = dict(data["draft"])
    kept = data.get("numbers_typed", {})
    # A draft written before numbers_typed kept such a text in the draft's own field.
    typed = {name: str(kept[name]) for name in _NUMBER_FIELDS if name in kept} | {
        name: d.pop(name) for name in _NUMBER_FIELDS if isinstance(d.get(name), str)}
    d["kind"] = EventKind(d["kind"])
    d["queue_rule"] = QueueRule(d["queue_rule"])
    for name in _OPTIONAL_DATES:
        d[name] = date.fromisoformat(d[name]) if d.get(name) else None
    d["sessions"] = tuple(
        SessionDraft(date.fromisoformat(s["held_on"]), _optional_time(s.get("start_time")),
                     _optional_time(s.get("end_time")), str(s.get("label", "")))
        for s in d["sessions"])
    d["questions"] = tuple(
        Question(str(q["prompt"]), QuestionKind(q["kind"]), tuple(map(str, q["choices"])),
                 bool(q["required"]), q.get("id")) for q in d.get("questions", ()))
    saved_at, version = data.get("saved_at"), data.get("base_version")
    return EventFormState(EventDraft(**d), None if version is None else int(version),
                          datetime.fromisoformat(saved_at) if saved_at else None, typed)


class EventDraftStore(DraftFiles[EventFormState]):
    """The event form's drafts: event-<login>-<id or new>.json."""

    kind = "event"

    def encode(self, state: EventFormState) -> dict[str, Any]:
        return state_to_json(state)

    def decode(self, data: dict[str, Any]) -> EventFormState:
        return state_from_json(data)
