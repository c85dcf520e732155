"""What every stored field may hold (入力の上限): length, characters, range — one table.

Every text, number and date column of the database has its bound here, keyed by
"table.column"; the database layer checks each value a save writes against it (so no service
can forget), and a test keeps this table and the tables of the database equal. A value out of
bounds is refused with a Japanese message naming the field, before the database sees it.

| kind | holds | at most |
|---|---|---|
| name | a name or title on one line, with at least one visible character | 200 characters |
| line | one line (an address, a role, a label) | 300 characters |
| code | a short code, number or address written by the form (〒, phone, e-mail, web) | its length |
| note | several lines (notes, comments, a programme's purpose) | 2,000 characters |
| report | a grant case's 概要, 実績, 評価 and notes, several lines | 4,000 characters |
| text | a consultation or an event's description, several lines | 20,000 characters |
| number | whole numbers, from its lowest to its highest | per field |
| date | a day from 1989-01-08 (平成元年) to 2099-12-31 | — |

No text may hold a control character other than a line break or tab in several-line fields,
nor an unpaired surrogate (half of a character that was cut), nor U+0000: PostgreSQL cannot
store them and SQLite would store what no one can see.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.errors import FieldProblem
from kyodo_desk.domain.events import MAX_PARTY_SIZE
from kyodo_desk.domain.grants import MAX_SCORE_LIMIT, MAX_WEIGHT, MAX_YEN
from kyodo_desk.domain.numbers import figure

EARLIEST_DAY = date(1989, 1, 8)  # the first day of 平成: no record of this office is older
LATEST_DAY = date(2099, 12, 31)
INT32_MAX = 2_147_483_647

# Characters that are letters to Unicode but draw nothing (Hangul fillers, the braille blank):
# a name of these alone looks empty.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


@dataclass(frozen=True)
class TextBound:
    label: str
    max_chars: int
    multiline: bool = False
    visible: bool = False  # must show something when not empty (names, titles)


@dataclass(frozen=True)
class NumberBound:
    label: str
    lowest: int
    highest: int


@dataclass(frozen=True)
class DateBound:
    label: str
    earliest: date = EARLIEST_DAY  # older only where the past is the point (設立年月)


@dataclass(frozen=True)
class Derived:
    """Written by the app itself from bounded fields (search columns, who recorded it)."""


Bound = TextBound | NumberBound | DateBound | Derived
DERIVED = Derived()


def name(label: str) -> TextBound:
    return TextBound(label, 200, visible=True)


def line(label: str) -> TextBound:
    return TextBound(label, 300)


def code(label: str, length: int) -> TextBound:
    return TextBound(label, length)


def note(label: str) -> TextBound:
    return TextBound(label, 2_000, multiline=True)


def report(label: str) -> TextBound:
    return TextBound(label, 4_000, multiline=True)


def text(label: str) -> TextBound:
    return TextBound(label, 20_000, multiline=True)


def number(label: str, lowest: int = 0, highest: int = INT32_MAX) -> NumberBound:
    return NumberBound(label, lowest, highest)


def day(label: str, earliest: date = EARLIEST_DAY) -> DateBound:
    return DateBound(label, earliest)


_SEARCH = {"sort_key": DERIVED, "search_text": DERIVED, "search_grams": DERIVED}
_VERSION = {"version": DERIVED}
_YEN = MAX_YEN
MAX_CAPACITY = 10_000  # 定員: the largest hall of the city holds fewer
MAX_FEE = 1_000_000  # 参加費 in yen
MAX_BOOTH_TABLES = 20  # ブースの机: what a festa hall lends one group
MAX_BOOTH_CHAIRS = 50
FIRST_GRANT_YEAR = 2000  # 交付金の年度: the programmes began after the 2000 decentralisation
MAX_MEMBER_COUNT = 1_000_000  # 構成員数: more than the city's people (a prefecture-wide 生協)
FIRST_FOUNDING = date(1868, 1, 1)  # 設立年月: a 町内会 or 講 may be as old as 明治

FIELD_BOUNDS: dict[str, dict[str, Bound]] = {
    "facilities": {
        "code": code("施設コード", 20), "name": name("施設名"), "reading": line("よみ"),
        "postal_code": code("郵便番号", 8), "address": line("住所"), "building": line("建物名"),
        "phone": code("電話番号", 20), "email": code("メールアドレス", 254),
        "website": code("ホームページ", 2_000), "facebook": code("Facebook", 2_000),
        "hours": note("開館時間の補足"), "notes": note("備考"),
        "open_days": code("利用可能曜日", 7), "closed_days": line("休館日"),
        "display_order": number("表示順", -INT32_MAX), **_SEARCH, **_VERSION,
    },
    "contacts": {
        "name": name("氏名・団体名"), "reading": line("よみ"), "postal_code": code("郵便番号", 8),
        "address": line("住所"), "phone": code("電話番号", 20),
        "email": code("メールアドレス", 254), "website": code("ホームページ", 2_000),
        "notes": note("備考"), "district": code("地域", 8), "legal_form": code("法人格", 30),
        "activity_area": line("活動地域"), "member_count": number("構成員数", 0, MAX_MEMBER_COUNT),
        "founded_on": day("設立年月", FIRST_FOUNDING), "sns": note("SNS"),
        "public_fields": code("公開する項目", 300), "registered_on": day("登録日"),
        "confirmed_on": day("最終確認日"), "erased_on": day("削除・利用停止の日"),
        **_SEARCH, **_VERSION,
    },
    "memberships": {"role": line("役職"), "joined_on": day("加入日")},
    "activity_fields": {"name": name("活動分野の名前"), "display_order": number("表示順", -INT32_MAX)},
    "contact_activity_fields": {"position": DERIVED},
    "contact_merges": {"kept_before": DERIVED, "moved": DERIVED, "kept_version": DERIVED},
    "accounts": {
        "login": code("ログイン名", 64), "display_name": name("氏名"), "password_hash": DERIVED,
        "failed_attempts": DERIVED, **_VERSION,
    },
    "audit_log": {"actor": DERIVED, "action": DERIVED, "table_name": DERIVED,
                  "account_id": DERIVED, "record_id": DERIVED, "chain_hash": DERIVED},
    "settings": {"value": note("設定値")},
    "district_towns": {"district": code("地域", 8)},
    "topics": {"name": name("分野の名前"), "display_order": number("表示順", -INT32_MAX)},
    "consultations": {
        "held_on": day("相談日"), "duration_minutes": number("所要時間（分）", 0, 24 * 60),
        "age_band": code("年代", 20), "area": line("地域"), "asked": text("相談内容"),
        "answered": text("回答・助言"), "referral": note("紹介先"),
        "follow_up_due": day("フォローアップ期限"), "follow_up_plan": note("フォローアップの予定"),
        "anonymised_on": day("匿名化した日"), **_SEARCH, **_VERSION,
    },
    "events": {
        "title": name("イベント名"), "title_reading": line("よみ"), "description": text("内容"),
        "venue_name": line("会場名"), "venue_address": line("会場の住所"),
        "capacity": number("定員", 1, MAX_CAPACITY), "signup_opens_on": day("受付開始日"),
        "signup_closes_on": day("受付締切日"), "audience": note("対象"),
        "fee": number("参加費", 0, MAX_FEE), "fee_note": line("参加費の説明"),
        "how_to_apply": note("申込方法"), "contact_name": line("問い合わせ先"),
        "contact_phone": code("問い合わせ先の電話番号", 20), "url": code("ホームページ", 2_000),
        "offer_hold_hours": number("繰り上げの回答期限（時間）", 0, 24 * 14),
        "district": code("地域", 8), "completion_sessions": number("修了に必要な出席回数", 1, 100),
        "cohort": number("期生", 1, 999), "lottery_until": day("抽選の申込締切日"),
        "lottery_seed": DERIVED, "lottery_drawn_by": DERIVED, **_SEARCH, **_VERSION,
    },
    "event_questions": {"position": number("質問の順番", 0, 999), "prompt": line("質問"),
                        "choices": note("選択肢")},
    "registration_answers": {"answer": note("回答")},
    "event_photos": {"media_type": DERIVED},
    "door_acts": {
        "act_id": DERIVED, "walk_in_name": name("氏名"), "walk_in_reading": line("よみ"),
        "walk_in_phone": code("電話番号", 20),
        "walk_in_answers": DERIVED, "party_size": number("人数", 1, MAX_PARTY_SIZE),
        "recorded_by": DERIVED, "merged_by": DERIVED, "decided_by": DERIVED, **_VERSION,
    },
    "event_sessions": {"held_on": day("開催日"), "label": line("開催日の名前")},
    "registrations": {
        "party_size": number("人数", 1, MAX_PARTY_SIZE), "notes": note("配慮事項・メモ"), "token": DERIVED,
        "name_key": DERIVED, "reading_key": DERIVED, "phone_key": DERIVED,
        "queue_number": DERIVED, "booth_space": line("ブースの広さ"),
        "booth_number": code("ブース番号", 20), "booth_tables": number("机の数", 0, MAX_BOOTH_TABLES),
        "booth_chairs": number("椅子の数", 0, MAX_BOOTH_CHAIRS), "sector": code("所属の区分", 20),
        "lottery_rank": DERIVED, **_VERSION,
    },
    "attendances": {"checked_in_by": DERIVED},
    "grant_programmes": {
        "fiscal_year": number("年度", FIRST_GRANT_YEAR, LATEST_DAY.year), "name": name("交付金の名称"),
        "purpose": note("目的"), "eligibility": note("対象となる団体・事業"),
        "call_opens_on": day("募集開始日"), "call_closes_on": day("募集締切日"),
        "budget": number("予算額", 0, _YEN), "ceiling": number("1件あたりの上限", 0, _YEN),
        "how_to_apply": note("申込方法"), "contact_name": line("問い合わせ先"),
        "contact_phone": code("問い合わせ先の電話番号", 20), **_VERSION,
    },
    "grant_criteria": {"position": DERIVED, "name": name("審査の観点"),
                       "weight": number("重み", 1, MAX_WEIGHT),
                       "max_score": number("満点", 1, MAX_SCORE_LIMIT)},
    "grant_required_documents": {"position": DERIVED, "name": name("書類の名前")},
    "grant_cases": {
        "title": name("事業名"), "title_key": DERIVED, "department": line("協働担当課"),
        "summary": report("事業の概要"), "requested": number("申請額", 0, _YEN),
        "decided": number("交付決定額", 0, _YEN), "result": report("実績"),
        "evaluation": report("評価"), "district": code("地域", 8), **_SEARCH, **_VERSION,
    },
    "grant_case_moves": {"moved_by": DERIVED, "comment": note("コメント")},
    "grant_case_documents": {"name": name("書類の名前"), "received_on": day("受理日"),
                             "recorded_by": DERIVED, "note": note("メモ")},
    "grant_payments": {"kind": DERIVED, "amount": number("金額", 0, _YEN), "paid_on": day("支払日"),
                       "recorded_by": DERIVED, "note": note("メモ")},
    "grant_scores": {"reviewer": TextBound("審査員", 40, visible=True), "score": number("点数", 0, MAX_SCORE_LIMIT)},
    "grant_case_notes": {"written_by": DERIVED, "text": report("メモ")},
    "grant_deadlines": {"label": name("期限の内容"), "due_on": day("期限"), "done_on": day("完了日"),
                        "created_by": DERIVED},
    "district_plans": {
        "district": code("地域", 8), "title": name("計画の名称"),
        "first_year": number("計画期間の初年度", EARLIEST_DAY.year, LATEST_DAY.year),
        "last_year": number("計画期間の最終年度", EARLIEST_DAY.year, LATEST_DAY.year),
        "vision": report("目指す姿"), "edition": DERIVED, "adopted_on": day("策定日"),
        **_SEARCH, **_VERSION,
    },
    "plan_actions": {"position": DERIVED, "title": name("取組"), "detail": note("取組の内容"),
                     "schedule": line("実施時期"), "indicator": line("指標"),
                     "target": number("目標値"), "unit": code("単位", 20)},
    "plan_years": {"fiscal_year": number("年度", EARLIEST_DAY.year, LATEST_DAY.year),
                   "evaluation": report("評価"), "improvement": report("改善"),
                   "published_on": day("公表日"), **_VERSION},
    "action_progress": {"result": report("実績・成果"), "figure": number("実績値")},
}


def problem(field: str, bound: Bound, value: object) -> FieldProblem | None:
    """Why *value* may not be stored in *field*, or None if it may."""
    if value is None or isinstance(bound, Derived):
        return None
    if isinstance(bound, TextBound) and isinstance(value, str):
        message = text_problem(bound, value)
    elif isinstance(bound, NumberBound) and isinstance(value, int):
        message = number_problem(bound, value)
    elif isinstance(bound, DateBound) and isinstance(value, date):
        message = date_problem(bound, value)
    else:
        return None
    return FieldProblem(field, message) if message else None


def text_problem(bound: TextBound, value: str) -> str | None:
    label = bound.label
    if len(value) > bound.max_chars:
        return (f"{label}は{bound.max_chars:,}文字までです（入力は{len(value):,}文字）。"
                "短くしてください。")
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs" or (category == "Cc" and not (bound.multiline and ch in "\n\r\t")):
            where = "改行や" if ch in "\n\r" else ""
            return f"{label}に{where}使えない文字（制御文字 U+{ord(ch):04X}）が含まれています。"
    if bound.visible and value and not any(_visible(ch) for ch in value):
        return f"{label}が空白や見えない文字だけになっています。文字を入力してください。"
    return None


def _visible(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNPS" and ch not in _BLANK_LETTERS


def number_problem(bound: NumberBound, value: int) -> str | None:
    if bound.lowest <= value <= bound.highest:
        return None
    return (f"{bound.label}は{figure(bound.lowest)}から{figure(bound.highest)}までの数で"
            "入力してください。")


def date_problem(bound: DateBound, value: date) -> str | None:
    if bound.earliest <= value <= LATEST_DAY:
        return None
    return (f"{bound.label}の{full_date(value)}は扱えない日付です。"
            f"{full_date(bound.earliest)}から{full_date(LATEST_DAY)}までの日付を入力してください。")
