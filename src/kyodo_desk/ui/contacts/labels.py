"""Japanese names of the contact kinds and states shown in lists and forms."""

from datetime import date

from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS

__all__ = ["GROUP_TYPE_LABELS", "KIND_LABELS", "erased_label", "kind_label",
           "short_kind_label"]

# The state line of a record no longer current (detail pane, form, カルテ): one look.
STATE_STYLE = "color: #A5540F; font-weight: bold;"


def erased_label(erased_on: date) -> str:
    """削除・利用停止済み（2026年11月25日）: the state of an erased contact."""
    return f"削除・利用停止済み（{full_date(erased_on)}）"


def kind_label(kind: str, group_type: str | None = None) -> str:
    if group_type:
        return GROUP_TYPE_LABELS[group_type]
    return KIND_LABELS[kind]


def short_kind_label(kind: str, group_type: str | None = None) -> str:
    """The list's narrow 区分 column: facilities are 拠点施設, groups show their type."""
    if kind in ("center", "salon"):
        return "拠点施設"
    return kind_label(kind, group_type)

