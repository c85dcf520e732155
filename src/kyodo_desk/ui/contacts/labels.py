"""Japanese names of the contact kinds shown in lists and forms."""

from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS

__all__ = ["GROUP_TYPE_LABELS", "KIND_LABELS", "kind_label",
           "short_kind_label"]


def kind_label(kind: str, group_type: str | None = None) -> str:
    if group_type:
        return GROUP_TYPE_LABELS[group_type]
    return KIND_LABELS[kind]


def short_kind_label(kind: str, group_type: str | None = None) -> str:
    """The list's narrow 区分 column: facilities are 拠点施設, groups show their type."""
    if kind in ("center", "salon"):
        return "拠点施設"
    return kind_label(kind, group_type)

