"""Japanese names of the contact kinds shown in lists and forms."""

from kyodo_desk.services.contacts import ContactKind, GroupType

KIND_LABELS = {
    "center": "市民サービスセンター",
    "salon": "市民交流サロン",
    ContactKind.GROUP.value: "団体",
    ContactKind.PERSON.value: "個人",
}

GROUP_TYPE_LABELS = {
    GroupType.CIVIC_GROUP: "市民活動団体",
    GroupType.NPO: "NPO法人",
    GroupType.COMMUNITY_ORG: "地域づくり組織",
    GroupType.COMPANY: "企業",
    GroupType.SCHOOL: "学校・教育機関",
    GroupType.OTHER: "その他",
}


def kind_label(kind: str, group_type: str | None = None) -> str:
    if group_type:
        return GROUP_TYPE_LABELS[GroupType(group_type)]
    return KIND_LABELS[kind]


def short_kind_label(kind: str, group_type: str | None = None) -> str:
    """The list's narrow 区分 column: facilities are 拠点施設, groups show their type."""
    if kind in ("center", "salon"):
        return "拠点施設"
    return kind_label(kind, group_type)
