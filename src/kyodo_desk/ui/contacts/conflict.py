"""A contact saved at another counter first: the fields that differ (see ui/conflict.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from kyodo_desk.domain.registry_text import REGISTRY_LABELS, registry_text
from kyodo_desk.services.contacts import ContactDetail, ContactDraft
from kyodo_desk.ui.conflict import Choice, VersionsDialog
from kyodo_desk.ui.conflict import differences as shown_differences
from kyodo_desk.ui.contacts.labels import GROUP_TYPE_LABELS, KIND_LABELS

__all__ = ["Choice", "ConflictDialog", "differences"]

FIELD_LABELS = {
    "kind": "区分", "group_type": "団体の種類", "name": "名称・氏名", "reading": "よみ",
    "postal_code": "郵便番号", "address": "住所", "phone": "電話番号", "email": "E-mail",
    "website": "ホームページ", "notes": "メモ", "groups": "所属団体",
    **{k: v for k, v in REGISTRY_LABELS.items() if k not in ("registered_on", "confirmed_on")},
    "public_fields": "公開する項目", "confirmed": "内容を確認した",
}


def _shown(draft: ContactDraft, field: str) -> str:
    value = getattr(draft, field)
    if field == "groups":  # with the roles: a role changed elsewhere is a difference too
        return "、".join(a.label for a in value)
    if field == "kind":
        return KIND_LABELS[value.value]
    if field == "group_type":
        return GROUP_TYPE_LABELS[value] if value else ""
    if field == "confirmed":
        return "はい" if value else ""
    if field in REGISTRY_LABELS or field == "public_fields":
        return registry_text(draft, field)
    return str(value or "")


def differences(mine: ContactDraft, theirs: ContactDraft) -> list[tuple[str, str, str]]:
    """(label, mine, theirs) for every field whose shown value differs."""
    return shown_differences({f: _shown(mine, f) for f in FIELD_LABELS},
                             {f: _shown(theirs, f) for f in FIELD_LABELS}, FIELD_LABELS)


class ConflictDialog(VersionsDialog):
    def __init__(self, mine: ContactDraft, theirs: ContactDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"「{theirs.name}」は、この画面で開いた後に他の窓口で保存されました。",
                         differences(mine, theirs.as_draft()), parent)
