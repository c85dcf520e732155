"""Japanese words for the stored codes, shared by screens, exports and the audit log."""

KIND_LABELS = {
    "center": "市民サービスセンター",
    "salon": "市民交流サロン",
    "group": "団体",
    "person": "個人",
}

# Keyed by the stored value; GroupType members (str enums) look up the same entries.
GROUP_TYPE_LABELS = {
    "civic_group": "市民活動団体",
    "npo": "NPO法人",
    "community_org": "地域づくり組織",
    "company": "企業",
    "school": "学校・教育機関",
    "other": "その他",
}
