"""Drafts of the contact form (入力途中の連絡先); see ui/draft_files.py for where they are kept."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType
from kyodo_desk.services.contacts.registry import ActivityFieldRef
from kyodo_desk.ui.draft_files import DraftFiles

FORMAT = 1


@dataclass(frozen=True)
class ContactFormState:
    draft: ContactDraft
    # The version the edits started from: a restored draft still meets a later save as a
    # conflict instead of overwriting it.
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)
    member_count_typed: str = ""  # 構成員数 as typed when it is no number that can be stored
    # 最終確認日 of the record opened, shown beside 「内容を確認した」 (not the form's to change)
    confirmed_on: date | None = field(default=None, compare=False)


def state_to_json(state: ContactFormState) -> dict[str, Any]:
    draft = asdict(state.draft)
    draft["kind"] = state.draft.kind.value
    draft["group_type"] = state.draft.group_type.value if state.draft.group_type else None
    founded = state.draft.founded_on
    draft["founded_on"] = founded.isoformat() if founded else None
    return {"format": FORMAT, "saved_at": datetime.now().isoformat(timespec="seconds"),
            "base_version": state.base_version, "draft": draft,
            "member_count_typed": state.member_count_typed,
            "confirmed_on": state.confirmed_on.isoformat() if state.confirmed_on else None}


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
    # The registry's fields (a draft from before them has none: the defaults).
    rep = d.get("representative")
    d["representative"] = (Affiliation(int(rep["contact_id"]), str(rep["name"]),
                                       str(rep.get("role", ""))) if rep else None)
    d["activity_fields"] = tuple(ActivityFieldRef(int(f["id"]), str(f["name"]),
                                                  int(f.get("display_order", 0)),
                                                  bool(f.get("active", True)))
                                 for f in d.get("activity_fields", ()))
    founded = d.get("founded_on")
    d["founded_on"] = date.fromisoformat(founded) if founded else None
    d["public_fields"] = tuple(str(k) for k in d.get("public_fields", ()))
    saved_at, version = data.get("saved_at"), data.get("base_version")
    confirmed = data.get("confirmed_on")
    return ContactFormState(ContactDraft(**d), None if version is None else int(version),
                            datetime.fromisoformat(saved_at) if saved_at else None,
                            str(data.get("member_count_typed", "")),
                            date.fromisoformat(confirmed) if confirmed else None)


class ContactDraftStore(DraftFiles[ContactFormState]):
    """The contact form's drafts: contact-<login>-<id or new>.json."""

    kind = "contact"

    def encode(self, state: ContactFormState) -> dict[str, Any]:
        return state_to_json(state)

    def decode(self, data: dict[str, Any]) -> ContactFormState:
        return state_from_json(data)
