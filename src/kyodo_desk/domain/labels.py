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
OUTSIDE_CITY = "市外"  # a record's 地域 when its address lies outside the city
DISTRICT_CHOICES = (*DISTRICTS, OUTSIDE_CITY)  # what a contact, event or grant case may have

# 法人格 of a group (団体台帳), as the city's registers spell them; "" is 不明.
LEGAL_FORMS = (
    "任意団体（法人格なし）",
    "特定非営利活動法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "認可地縁団体",
    "社会福祉法人",
    "学校法人",
    "株式会社",
    "合同会社",
    "協同組合",
    "その他の法人",
)

# The fields a group may agree to publish in the public directory (団体一覧), by key; the
# group's name is always published with a listed group, personal data never beyond these.
PUBLIC_FIELDS = {
    "representative": "代表者名",
    "address": "所在地",
    "phone": "電話番号",
    "email": "メールアドレス",
    "website": "ホームページ",
    "sns": "SNS",
    "activity_fields": "活動分野",
    "activity_area": "活動地域",
    "member_count": "構成員数",
    "founded_on": "設立年月",
}
