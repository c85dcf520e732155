"""Drafts of the consultation form (see ui/draft_files.py for where and how they are kept).

The form writes one a moment after the last change and when it closes, offers it back when the
same record is opened again, and deletes it once the record is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from kyodo_desk.services.consultations import (
    ConsultationChannel,
    ConsultationDraft,
    ConsultationStatus,
)
from kyodo_desk.ui.draft_files import DraftFiles

FORMAT = 1


@dataclass(frozen=True)
class FormState:
    """Everything the form holds: the record as entered, and what is on screen around it."""

    draft: ConsultationDraft
    consultee_text: str = ""  # the consultee box: the chosen contact's name, or typed text
    follow_up: bool = False  # フォローアップ要 (the due date is kept in the draft only if ticked)
    # The version of the record the edits started from: not part of what was typed.
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)


def state_to_json(state: FormState) -> dict[str, Any]:
    d = state.draft
    return {
        "format": FORMAT,
        "saved_at": datetime.now().isoformat(timespec="seconds"),
        "base_version": state.base_version,
        "consultee_text": state.consultee_text,
        "follow_up": state.follow_up,
        "draft": {
            "held_on": d.held_on.isoformat(),
            "start_time": d.start_time.isoformat(timespec="minutes") if d.start_time else None,
            "duration_minutes": d.duration_minutes,
            "facility_id": d.facility_id,
            "staff_account_id": d.staff_account_id,
            "consultee_contact_id": d.consultee_contact_id,
            "anonymous": d.anonymous,
            "age_band": d.age_band,
            "area": d.area,
            "channel": d.channel.value,
            "topic_ids": list(d.topic_ids),
            "asked": d.asked,
            "answered": d.answered,
            "referral": d.referral,
            "follow_up_due": d.follow_up_due.isoformat() if d.follow_up_due else None,
            "follow_up_plan": d.follow_up_plan,
            "status": d.status.value,
            "grant_case_id": d.grant_case_id,
        },
    }


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def state_from_json(data: dict[str, Any]) -> FormState:
    """The state written by state_to_json; ValueError (or KeyError, TypeError) if it is not."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown draft format {data.get('format')!r}")
    d = data["draft"]
    draft = ConsultationDraft(
        held_on=date.fromisoformat(d["held_on"]),
        start_time=time.fromisoformat(d["start_time"]) if d.get("start_time") else None,
        duration_minutes=_optional_int(d.get("duration_minutes")),
        facility_id=int(d["facility_id"]),
        staff_account_id=_optional_int(d.get("staff_account_id")),
        consultee_contact_id=_optional_int(d.get("consultee_contact_id")),
        anonymous=bool(d.get("anonymous", False)),
        age_band=str(d.get("age_band", "")),
        area=str(d.get("area", "")),
        channel=ConsultationChannel(d["channel"]),
        topic_ids=tuple(int(t) for t in d.get("topic_ids", ())),
        asked=str(d.get("asked", "")),
        answered=str(d.get("answered", "")),
        referral=str(d.get("referral", "")),
        follow_up_due=date.fromisoformat(d["follow_up_due"]) if d.get("follow_up_due") else None,
        follow_up_plan=str(d.get("follow_up_plan", "")),  # drafts from before: none
        status=ConsultationStatus(d["status"]),
        grant_case_id=_optional_int(d.get("grant_case_id")),  # drafts from before: none
    )
    saved_at = data.get("saved_at")
    return FormState(
        draft=draft, consultee_text=str(data.get("consultee_text", "")),
        follow_up=bool(data.get("follow_up", False)),
        base_version=_optional_int(data.get("base_version")),
        saved_at=datetime.fromisoformat(saved_at) if saved_at else None,
    )


class DraftStore(DraftFiles[FormState]):
    """The consultation form's drafts: consultation-<login>-<id or new>.json."""

    kind = "consultation"

    def encode(self, state: FormState) -> dict[str, Any]:
        return state_to_json(state)

    def decode(self, data: dict[str, Any]) -> FormState:
        return state_from_json(data)
