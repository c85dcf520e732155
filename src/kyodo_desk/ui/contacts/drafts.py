"""Drafts of the contact form (入力途中の連絡先); see ui/draft_files.py for where they are kept."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType
from kyodo_desk.ui.draft_files import DraftFiles

FORMAT = 1


@dataclass(frozen=True)
class ContactFormState:
    draft: ContactDraft
    # The version the edits started from: a restored draft still meets a later save as a
    # conflict instead of overwriting it.
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)


def state_to_json(state: ContactFormState) -> dict[str, Any]:
    draft = asdict(state.draft)
    draft["kind"] = state.draft.kind.value
    draft["group_type"] = state.draft.group_type.value if state.draft.group_type else None
    return {"format": FORMAT, "saved_at": datetime.now().isoformat(timespec="seconds"),
            "base_version": state.base_version, "draft": draft}


def state_from_json(data: dict[str, Any]) -> ContactFormState:
    """The state written by state_to_json; ValueError (or KeyError, TypeError) if it is not."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown draft format {data.get('format')!r}")
    d = dict(data["draft"])
    d["kind"] = ContactKind(d["kind"])
    d["group_type"] = GroupType(d["group_type"]) if d.get("group_type") else None
    d["groups"] = tuple(Affiliation(int(g["contact_id"]), str(g["name"]), str(g.get("role", "")))
                        for g in d.get("groups", ()))
    d["distinct_from"] = tuple(int(i) for i in d.get("distinct_from", ()))
    saved_at, version = data.get("saved_at"), data.get("base_version")
    return ContactFormState(ContactDraft(**d), None if version is None else int(version),
                            datetime.fromisoformat(saved_at) if saved_at else None)


class ContactDraftStore(DraftFiles[ContactFormState]):
    """The contact form's drafts: contact-<login>-<id or new>.json."""

    kind = "contact"

    def encode(self, state: ContactFormState) -> dict[str, Any]:
        return state_to_json(state)

    def decode(self, data: dict[str, Any]) -> ContactFormState:
        return state_from_json(data)
