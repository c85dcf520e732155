"""Japanese words for the stored codes, shared by screens, exports and the audit log."""

TOTAL = "合計"  # the row and column of a count table that add up the others

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

# 匿名の相談者: the age band (年代) and area (地域) kept instead of a name.
UNKNOWN = "不明"
AGE_BANDS = ("10代以下", "20代", "30代", "40代", "50代", "60代", "70代以上", UNKNOWN)
DISTRICTS = ("中央", "東部", "西部", "南部", "北部", "河辺", "雄和")  # 秋田市の地域
AREAS = (*DISTRICTS, "市外", UNKNOWN)
