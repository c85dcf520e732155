"""Reading the audit log (操作記録): search it page by page, and export it for an inquiry.

Only administrators may read it. There is deliberately no function here, nor anywhere, that
changes or deletes an entry: the log is written by the database layer in the same transaction
as each change, and the database itself refuses updates and deletes (triggers).

Times are stored in UTC and shown in Japan time (JST, UTC+9, which has no daylight saving), so
the period filter and the list agree on what "that day" means whatever the PC's time zone is.

A change is described as the screens show the record: 「状況: 受付済 → 出席」 — the field's
label, a stored code in its words, a contact, facility, event, account or topic by its name
(read when the page is read), money as 1,200円, a day as the screens write it. A field
holding personal data that the log keeps no copy of (a consultation's 相談内容, a sign-up's
配慮事項: database/audit.py) is said to have changed, without a value.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, Time, func, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import (
    JAPAN_TIME,
    clock,
    date_and_time,
    fiscal_year_label,
    full_date,
    japan_time,
)
from kyodo_desk.domain.events import (
    DOOR_DECISION_LABELS,
    DOOR_OUTCOME_LABELS,
    EVENT_KIND_LABELS,
    QUESTION_KIND_LABELS,
    QUEUE_RULE_LABELS,
    REGISTRATION_STATUS_LABELS,
)
from kyodo_desk.domain.grants import GRANT_KIND_LABELS, STAGE_LABELS, yen
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS
from kyodo_desk.domain.permissions import ROLE_LABELS, Action, Actor, Resource
from kyodo_desk.domain.plans import (
    ACTION_CARRIER_LABELS,
    ACTION_STATUS_LABELS,
    PLAN_STAGE_LABELS,
    SECTOR_LABELS,
)
from kyodo_desk.domain.text import plain_query
from kyodo_desk.models import (
    Account,
    AuditEntry,
    Base,
    ConsultationTopic,
    Contact,
    Event,
    EventSession,
    Facility,
    GrantCase,
    GrantCriterion,
    GrantProgramme,
    Registration,
)
from kyodo_desk.services.consultations import CHANNEL_LABELS
from kyodo_desk.services.consultations import STATUS_LABELS as CONSULTATION_STATUS_LABELS

PAGE_SIZE = 200

# What the log calls things, as the admin screen and exports show them.
ACTION_LABELS: dict[str, str] = {
    "insert": "登録",
    "update": "変更",
    "delete": "削除",
    "open": "閲覧",
    "read": "一覧の閲覧",  # a page of a list or a search (services/read_log.py)
    "sign_in": "サインイン",
    "export": "書き出し",
    "print": "印刷",
    "anonymise": "匿名化",
    "override": "期間外の受付",
    "queue_jump": "順番の繰り上げ",
    "lottery": "抽選",  # services/events/lottery.py: the seed and counts, no names
    "merge": "統合",
    "merge_undo": "統合の取り消し",
    "import": "取り込み",
    "disclose": "開示",  # everything held about a contact, printed for them
    "erase": "削除・利用停止",  # a person's values removed (services/contacts/erasure.py)
    # The offline door (services/events/door_pack.py, door_merge.py): counts only.
    "door_pack": "当日受付パックの作成",
    "door_merge": "当日受付の記録の取り込み",
}
TABLE_LABELS: dict[str, str] = {
    "contacts": "連絡先",
    "facilities": "拠点施設",
    "accounts": "アカウント",
    "memberships": "所属",
    "consultations": "相談記録",
    "events": "イベント",
    "event_sessions": "開催日",
    "registrations": "イベントの申込",
    "attendances": "出席",
    "event_questions": "申込時の質問",
    "registration_answers": "申込時の回答",
    "door_acts": "当日受付端末の記録",
    "event_photos": "チラシの写真",
    "consultation_topics": "相談の分野の指定",
    "topics": "相談の分野",
    "settings": "設定",
    "grant_programmes": "交付金の募集",
    "grant_criteria": "審査の観点",
    "grant_required_documents": "必要書類",
    "grant_cases": "交付金案件",
    "grant_case_moves": "案件の段階の移動",
    "grant_case_documents": "受理した書類",
    "grant_payments": "交付金の支払・返還",
    "grant_scores": "審査の点数",
    "grant_case_notes": "案件のメモ",
    "grant_deadlines": "案件の期限",
    "distinct_contacts": "別の方の組",
    "contact_merges": "連絡先の統合",
    "contact_match_keys": "照合キー",
    "district_towns": "地域と町名",
    "activity_fields": "団体の活動分野",
    "contact_activity_fields": "団体の活動分野の指定",
    "district_plans": "地域まちづくり計画",
    "plan_actions": "計画の取組",
    "plan_workshops": "計画のワークショップ",
    "plan_action_cases": "取組の交付金案件",
    "plan_years": "計画の年度の進捗",
    "action_progress": "取組の実施状況",
    "direction_links": "指針の方向への対応づけ",
    "group_directory": "団体一覧",  # its export; not a table
    "duplicates": "重複候補の一覧",  # its export; not a table
}
# Field labels as the screens show them: the shared ones here, a table's own in
# TABLE_FIELD_LABELS (an event's 種類 is not a contact's 区分). Every audited column has one
# (a test keeps it so): the list never shows a column name.
FIELD_LABELS: dict[str, str] = {
    "follow_up_plan": "フォローアップの予定",
    "name": "名称",
    "reading": "よみ",
    "postal_code": "郵便番号",
    "address": "住所",
    "building": "方書",
    "phone": "電話番号",
    "email": "E-mail",
    "website": "ホームページ",
    "facebook": "Facebook",
    "hours": "開館時間",
    "notes": "メモ",
    "note": "メモ",
    "active": "有効",
    "role": "役割",
    "display_name": "表示名",
    "facility_id": "所属施設",
    "login": "ログイン名",
    "password_hash": "パスワード",
    "must_change_password": "パスワード変更の要否",
    "group_type": "団体の種類",
    "kind": "区分",
    "group_id": "所属団体",
    "person_id": "個人",
    "code": "施設コード",
    "display_order": "表示順",
    "position": "順番",
    "id": "番号",
    "held_on": "相談日",
    "start_time": "開始時刻",
    "end_time": "終了時刻",
    "duration_minutes": "所要時間（分）",
    "staff_account_id": "担当者",
    "consultee_contact_id": "相談者",
    "anonymous": "匿名",
    "age_band": "年代",
    "area": "地域",
    "channel": "相談方法",
    "asked": "相談内容",
    "answered": "回答・助言",
    "referral": "紹介先",
    "follow_up_due": "フォローアップの期限",
    "status": "状況",
    "returning_consultee": "新規／継続",
    "anonymised_on": "匿名化した日",
    "consultation_id": "相談記録",
    "topic_id": "分野",
    "key": "設定の名前",
    "value": "設定値",
    "event_id": "イベント",
    "contact_id": "申込者",
    "programme_id": "交付金",
    "case_id": "交付金案件",
    "grant_case_id": "交付金案件",
    "stage": "段階",
    "from_stage": "移動前の段階",
    "to_stage": "移動後の段階",
    "requested": "申請額",
    "decided": "交付決定額",
    "budget": "予算額",
    "ceiling": "1件あたりの上限額",
    "amount": "金額",
    "reviewer": "審査員",
    "score": "点数",
    "due_on": "期限",
    "done_on": "完了日",
    "recorded_by": "記録した人",
    "contact_name": "問い合わせ先",
    "contact_phone": "問い合わせ先の電話",
    "how_to_apply": "申込方法",
    "title": "イベント名",
    "title_reading": "よみ",
    "label": "名前",
    "district": "地域",
}
TABLE_FIELD_LABELS: dict[str, dict[str, str]] = {
    "facilities": {"name": "施設名", "opens_at": "開館時刻", "closes_at": "閉館時刻",
                   "open_days": "利用可能曜日", "closed_days": "休館日", "hours": "開館時間の補足",
                   "notes": "備考"},
    "memberships": {"role": "役職", "joined_on": "加入日"},
    "contacts": {"merged_into_id": "統合先", "legal_form": "法人格", "representative_id": "代表者",
                 "activity_area": "活動地域", "member_count": "構成員数",
                 "founded_on": "設立年月", "sns": "SNS", "listed_publicly": "団体一覧への掲載",
                 "public_fields": "団体一覧に公開する項目", "registered_on": "登録日",
                 "confirmed_on": "最終確認日", "erased_on": "削除・利用停止の日"},
    "contact_activity_fields": {"field_id": "活動分野"},
    "distinct_contacts": {"first_id": "連絡先", "second_id": "別の連絡先",
                          "marked_by": "記録した人", "marked_at": "記録した日時"},
    "contact_merges": {"kept_id": "残した連絡先", "merged_id": "統合した連絡先",
                       "kept_before": "統合前の項目", "moved": "移した記録",
                       "kept_version": "統合後の版", "merged_by": "統合した人",
                       "merged_at": "統合した日時", "undone_at": "取り消した日時"},
    "topics": {"name": "分野の名前"},
    "district_towns": {"town": "町名"},
    "consultations": {"facility_id": "施設"},
    "events": {
        "kind": "種類", "description": "説明", "facility_id": "主催施設",
        "venue_facility_id": "会場", "venue_name": "会場名", "venue_address": "会場の住所",
        "capacity": "定員", "signup_opens_on": "受付開始", "signup_closes_on": "受付締切",
        "audience": "対象", "fee": "参加費", "fee_note": "料金の補足", "url": "URL",
        "queue_rule": "キャンセル待ちの順番", "offer_hold_hours": "繰り上げの回答期限",
        "has_booths": "ブース出展", "cancelled": "中止",
        "completion_sessions": "修了に必要な出席回数", "cohort": "期生",
        "lottery_until": "抽選の申込締切", "lottery_seed": "抽選の種",
        "lottery_drawn_at": "抽選した日時", "lottery_drawn_by": "抽選した人",
        # Written with a "lottery" entry, not columns.
        "applications": "申込の組数", "drawn": "当選の組数", "waitlisted": "キャンセル待ちの組数",
        "drawn_from": "抽選した申込（受付番号・人数）",
        # Written with a "door_pack" or "door_merge" entry, not columns.
        "sign_ups": "申込の件数", "acts": "記録の件数", "applied": "反映した件数",
        "already": "取り込み済みの件数", "conflicts": "判断待ちの件数",
    },
    "event_questions": {"position": "順番", "prompt": "質問", "kind": "回答の形式",
                        "choices": "選択肢", "required": "必須"},
    "event_photos": {"event_id": "イベント", "image": "写真", "media_type": "画像の形式"},
    "registration_answers": {"registration_id": "申込", "question_id": "質問", "answer": "回答"},
    "door_acts": {
        "act_id": "端末の記録番号", "session_id": "開催日", "registration_id": "申込",
        "walk_in": "当日参加", "walk_in_name": "氏名", "walk_in_reading": "よみ",
        "walk_in_phone": "電話番号", "walk_in_answers": "申込時の回答", "party_size": "人数",
        "happened_at": "受付した日時",
        "recorded_by": "受付した人", "merged_at": "取り込んだ日時", "merged_by": "取り込んだ人",
        "outcome": "結果", "decision": "判断", "decided_at": "判断した日時",
        "decided_by": "判断した人",
    },
    "event_sessions": {"held_on": "開催日", "label": "開催日の名前"},
    "registrations": {
        "party_size": "人数", "notes": "配慮事項", "queue_number": "受付番号",
        "walk_in": "当日参加", "promoted_at": "繰り上げた日時", "offer_until": "回答期限",
        "contacted_at": "連絡した日時", "booth_tables": "机の数", "booth_chairs": "椅子の数",
        "booth_power": "電源", "booth_space": "ブースの広さ", "booth_number": "ブース番号",
        "sector": "所属の区分", "lottery_rank": "抽選順位",
        "lottery_won": "当選",
        # Written with an "override" or "queue_jump" entry, not columns.
        "window": "受付期間", "reason": "理由",
    },
    "attendances": {"registration_id": "申込", "session_id": "開催日",
                    "checked_in_at": "出席にした日時", "checked_in_by": "出席にした人"},
    "grant_programmes": {"kind": "種類", "fiscal_year": "年度", "purpose": "目的",
                         "eligibility": "対象", "call_opens_on": "募集開始日",
                         "call_closes_on": "募集締切日", "facility_id": "施設"},
    "grant_criteria": {"name": "審査の観点", "weight": "重み", "max_score": "満点"},
    "grant_required_documents": {"name": "書類の名前", "stage": "必要になる段階"},
    "grant_cases": {"contact_id": "申請団体", "title": "事業名", "department": "協働担当課",
                    "summary": "事業の概要", "result": "実績", "evaluation": "評価"},
    "grant_case_moves": {"moved_at": "移動した日時", "account_id": "アカウント",
                         "moved_by": "移動した人", "comment": "コメント"},
    "grant_case_documents": {"name": "書類の名前", "received_on": "受理日"},
    "grant_payments": {"paid_on": "日付"},
    "grant_scores": {"criterion_id": "審査の観点"},
    "grant_case_notes": {"written_at": "記入した日時", "written_by": "記入した人",
                         "text": "メモ"},
    "grant_deadlines": {"label": "期限の内容", "closes_with": "完了になる段階",
                        "created_by": "記録した人"},
    "district_plans": {"organisation_id": "地域づくり組織", "title": "計画の名称",
                       "first_year": "計画期間の初年度", "last_year": "計画期間の最終年度",
                       "vision": "目指す姿", "edition": "版", "revises_id": "改定前の版",
                       "adopted_on": "策定日"},
    "plan_actions": {"plan_id": "計画", "title": "取組", "detail": "内容", "carrier": "主体",
                     "schedule": "実施時期", "indicator": "指標", "target": "目標値",
                     "unit": "単位", "carried_from_id": "前の版の取組"},
    "plan_workshops": {"plan_id": "計画"},
    "plan_action_cases": {"action_id": "取組"},
    "plan_years": {"plan_id": "計画", "fiscal_year": "年度", "evaluation": "評価",
                   "improvement": "改善", "published_on": "公表日"},
    "action_progress": {"plan_year_id": "年度の進捗", "action_id": "取組",
                        "status": "実施状況", "result": "実績・成果", "figure": "実績値"},
    "direction_links": {"source": "対応づける記録", "key": "記録", "direction": "方向"},
}
# A read of personal data (services/read_log.py): the view shown, as the screens name it; the
# kinds of filter applied; and the counts a view records beside its rows.
VIEW_LABELS: dict[str, str] = {
    "contact_list": "連絡先の一覧", "contact": "連絡先の詳細", "contact_record": "連絡先のカルテ",
    "likely_duplicates": "入力中の重複候補", "duplicate_pairs": "重複候補の一覧",
    "unconfirmed_groups": "未確認の団体の一覧", "merge_preview": "統合の確認",
    "merge_history": "統合の履歴", "consultation_list": "相談記録の一覧",
    "grant_case": "交付金案件（経過・メモ）", "sign_ups": "申込者の一覧",
    "sign_up": "申込", "check_in": "出席確認",
    "course_completion": "講座の修了者", "graduates": "修了者名簿",
}
FILTER_LABELS: dict[str, str] = {
    "kinds": "区分", "district": "地域", "facility": "施設", "period": "期間",
    "staff": "担当者", "topic": "分野", "channel": "相談方法", "status": "状況",
    "follow_up": "フォローアップ", "overdue": "期限切れ", "cohort": "期生",
}
READ_COUNT_LABELS: dict[str, tuple[str, str]] = {  # key: (label, unit)
    "consultations": ("相談記録", "件"), "sign_ups": ("申込", "件"),
    "grant_cases": ("交付金案件", "件"), "timeline": ("経過", "件"),
}
_READ_KEYS = frozenset({"view", "rows", "offset", "page", "search", "filters"})
# Columns only the app reads (the receipt's QR secret, folded search keys): never listed.
HIDDEN_FIELDS: dict[str, frozenset[str]] = {
    "registrations": frozenset({"token", "name_key", "reading_key", "phone_key"}),
    "grant_cases": frozenset({"title_key"}),
}


def _codes(labels: Mapping[Any, str]) -> dict[str, str]:
    return {getattr(code, "value", code): label for code, label in labels.items()}


_STAGES = _codes(STAGE_LABELS)
# Stored codes shown in words: by field, and by table where a field's codes differ.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "role": _codes(ROLE_LABELS),
    "kind": KIND_LABELS,
    "group_type": GROUP_TYPE_LABELS,
    **dict.fromkeys(("stage", "from_stage", "to_stage", "closes_with"), _STAGES),
}
TABLE_VALUE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("consultations", "channel"): _codes(CHANNEL_LABELS),
    ("consultations", "status"): _codes(CONSULTATION_STATUS_LABELS),
    ("events", "kind"): _codes(EVENT_KIND_LABELS),
    ("events", "queue_rule"): _codes(QUEUE_RULE_LABELS),
    ("registrations", "status"): _codes(REGISTRATION_STATUS_LABELS),
    ("grant_programmes", "kind"): _codes(GRANT_KIND_LABELS),
    ("grant_payments", "kind"): {"payment": "支払", "refund": "返還"},
    ("plan_actions", "carrier"): _codes(ACTION_CARRIER_LABELS),
    ("plan_years", "stage"): _codes(PLAN_STAGE_LABELS),
    ("action_progress", "status"): _codes(ACTION_STATUS_LABELS),
    ("registrations", "sector"): _codes(SECTOR_LABELS),
    ("event_questions", "kind"): _codes(QUESTION_KIND_LABELS),
    ("door_acts", "outcome"): _codes(DOOR_OUTCOME_LABELS),
    ("door_acts", "decision"): _codes(DOOR_DECISION_LABELS),
    ("direction_links", "source"): {"topic": "相談の分野", "event_kind": "イベントの種類",
                                    "programme_kind": "交付金の種類"},
}
# Yes and no as the screen says them, where it does not say はい／いいえ.
BOOLEAN_WORDS: dict[tuple[str, str], tuple[str, str]] = {
    ("events", "has_booths"): ("あり", "なし"),
    ("registrations", "booth_power"): ("あり", "なし"),
    ("event_questions", "required"): ("必須", "任意"),
    ("consultations", "returning_consultee"): ("継続", "新規"),
}
# Amounts of money, in yen (1,200円).
MONEY_FIELDS = frozenset({("events", "fee"), ("grant_programmes", "budget"),
                          ("grant_programmes", "ceiling"), ("grant_cases", "requested"),
                          ("grant_cases", "decided"), ("grant_payments", "amount")})
# Numbers with their unit, and what an empty value or a 0 means where the screen says it.
UNITS: dict[tuple[str, str], str] = {
    ("events", "capacity"): "名", ("registrations", "party_size"): "名",
    ("door_acts", "party_size"): "名",
    ("events", "offer_hold_hours"): "時間",
}
NOTHING_MEANS: dict[tuple[str, str], str] = {
    ("events", "capacity"): "定員なし", ("events", "fee"): "無料",
    ("events", "signup_opens_on"): "なし", ("events", "signup_closes_on"): "なし",
    ("grant_programmes", "ceiling"): "上限なし",
}
_FISCAL_YEAR = ("grant_programmes", "fiscal_year")
_EMPTY = "（空）"
_REDACTED = "********"
_LOOKUP_CHUNK = 500  # ids asked for in one IN list, well inside either database's limits


def _column_facts() -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], type]]:
    """For each (table, column): the table its number points at, and the type of a column
    holding a day, a time of day or a moment — read from the models, so a new column is
    described as its kind is without a list to keep."""
    points_at: dict[tuple[str, str], str] = {}
    holds: dict[tuple[str, str], type] = {}
    for table in Base.metadata.tables.values():
        for column in table.columns:
            key = (table.name, column.name)
            for foreign in column.foreign_keys:
                points_at[key] = foreign.column.table.name
            for kind, value_type in ((DateTime, datetime), (Date, date), (Time, time)):
                if isinstance(column.type, kind):
                    holds[key] = value_type
                    break
    return points_at, holds


POINTS_AT, HOLDS = _column_facts()
# The records named in the log by a column of their own; the others (a consultation) by number.
_NAME_COLUMNS: dict[str, Any] = {
    "contacts": Contact.name, "facilities": Facility.name, "events": Event.title,
    "accounts": Account.display_name, "topics": ConsultationTopic.name,
    "grant_programmes": GrantProgramme.name, "grant_cases": GrantCase.title,
    "grant_criteria": GrantCriterion.name,
}
NAMED_TABLES = frozenset({*_NAME_COLUMNS, "event_sessions", "registrations"})



@dataclass(frozen=True)
class AuditFilter:
    """What to look for. Every part is optional; dates are whole days in Japan time."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    actor_text: str = ""  # part of the actor's name; spaces are ignored
    table_name: str | None = None
    action: str | None = None
    record_id: int | None = None


@dataclass(frozen=True)
class AuditRow:
    """One audit entry, as plain data."""

    id: int
    at: datetime  # aware, in Japan time
    actor: str
    action: str
    table_name: str
    record_id: int | None
    changes: Mapping[str, Any] = field(default_factory=dict)  # field: [old, new]
    # The names of the records the changes point at, by (table, id), as read with the page.
    names: Mapping[tuple[str, int], str] | None = None

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def table_label(self) -> str:
        return TABLE_LABELS.get(self.table_name, self.table_name)

    @property
    def description(self) -> str:
        return "; ".join(self.description_lines)

    @property
    def description_lines(self) -> list[str]:
        """The description one field a line (a value may itself hold "; ")."""
        if "view" in self.changes and self.action in ("read", "open"):
            return described_read(self.changes, self.table_name, self.names)
        return described_fields(self.changes, self.table_name, self.names)


# --- reading ------------------------------------------------------------------------------

def search_audit(db: Database, actor: Actor, flt: AuditFilter, *,
                 before_id: int | None = None, limit: int = PAGE_SIZE) -> list[AuditRow]:
    """Up to *limit* entries matching *flt*, newest first, older than entry *before_id*.

    For the next page pass the last row's id as *before_id*; a page shorter than *limit* is
    the last one.
    """
    actor.require(Action.READ, Resource.AUDIT_LOG)
    conditions = _conditions(db, flt)
    if before_id is not None:
        conditions.append(AuditEntry.id < before_id)
    stmt = (select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
                   AuditEntry.table_name, AuditEntry.record_id, AuditEntry.changes)
            .where(*conditions).order_by(AuditEntry.id.desc()).limit(limit))
    with db.reading(actor) as session:
        found = [(r, dict(r.changes or {})) for r in session.execute(stmt)]
        names = look_up_names(session, pointed_at((r.table_name, c) for r, c in found))
    return [AuditRow(id=r.id, at=japan_time(r.at), actor=r.actor, action=r.action,
                     table_name=r.table_name, record_id=r.record_id, changes=changes,
                     names=names)
            for r, changes in found]


def pointed_at(entries: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, set[int]]:
    """The ids of named records that the changes of *entries* point at, by table."""
    wanted: dict[str, set[int]] = {}
    for table_name, changes in entries:
        for key, value in changes.items():
            target = POINTS_AT.get((table_name, key))
            if target in NAMED_TABLES:
                wanted.setdefault(target, set()).update(
                    v for v in _pair(value) if isinstance(v, int) and not isinstance(v, bool))
    return wanted


def look_up_names(session: Session, wanted: Mapping[str, set[int]]) -> dict[tuple[str, int], str]:
    """Each wanted record's name as it is now; a record since deleted has none."""
    names: dict[tuple[str, int], str] = {}
    for table_name, ids in wanted.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), _LOOKUP_CHUNK):
            chunk = ordered[start:start + _LOOKUP_CHUNK]
            for number, name in _named(session, table_name, chunk):
                names[(table_name, number)] = name
    return names


def _named(session: Session, table_name: str, ids: list[int]) -> list[tuple[int, str]]:
    if table_name == "event_sessions":  # as the event form lists its dates
        return [(i, " ".join(p for p in (full_date(day), clock(start) if start else "", label)
                             if p))
                for i, day, start, label in session.execute(
                    select(EventSession.id, EventSession.held_on, EventSession.start_time,
                           EventSession.label).where(EventSession.id.in_(ids)))]
    if table_name == "registrations":  # who signed up, and the number on their receipt
        return [(i, f"{name}（受付番号 {number}）") for i, name, number in session.execute(
            select(Registration.id, Contact.name, Registration.queue_number)
            .join(Contact, Contact.id == Registration.contact_id)
            .where(Registration.id.in_(ids)))]
    column = _NAME_COLUMNS[table_name]
    key = column.class_.id
    return [(i, name) for i, name in session.execute(select(key, column).where(key.in_(ids)))]


def _conditions(db: Database, flt: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    # Compared with a bound one microsecond before each day boundary: SQLite keeps times
    # as text ("2026-11-25 05:03:00"), which sorts before the same second written with
    # microseconds, so ">= boundary" would drop an entry made exactly at midnight.
    just_before = timedelta(microseconds=1)
    if flt.date_from is not None:
        conditions.append(AuditEntry.at > _day_start(flt.date_from) - just_before)
    if flt.date_to is not None:
        conditions.append(
            AuditEntry.at <= _day_start(flt.date_to + timedelta(days=1)) - just_before)
    wanted = plain_query(flt.actor_text)
    if wanted:
        name = func.replace(func.replace(AuditEntry.actor, " ", ""), "\u3000", "")
        conditions.append(db.backend.contains(name, wanted))
    if flt.table_name:
        conditions.append(AuditEntry.table_name == flt.table_name)
    if flt.action:
        conditions.append(AuditEntry.action == flt.action)
    if flt.record_id is not None:
        conditions.append(AuditEntry.record_id == flt.record_id)
    return conditions


def _day_start(day: date) -> datetime:
    """Midnight of *day* in Japan time, as UTC (how both databases compare it)."""
    return datetime.combine(day, time(0), JAPAN_TIME).astimezone(UTC)


# --- describing ---------------------------------------------------------------------------

def describe_changes(changes: Mapping[str, Any], table_name: str = "",
                     names: Mapping[tuple[str, int], str] | None = None) -> str:
    """The changed fields in words, on one line: "電話番号: 018-888-0000 → 018-888-1111;
    住所: …" (see described_fields)."""
    return "; ".join(described_fields(changes, table_name, names))


def described_fields(changes: Mapping[str, Any], table_name: str = "",
                   names: Mapping[tuple[str, int], str] | None = None) -> list[str]:
    """Each changed field in words: "電話番号: 018-888-0000 → 018-888-1111".

    A new record (every old value empty) lists its filled fields as "名称: …"; a removed
    record lists what it held; a change shows old → new, an empty value as （空）; a field
    naming whose row it is (a membership's person) shows its value once. Labels and values
    are those of *table_name*'s screens; a record pointed at is shown by its name from
    *names* (search_audit reads them), else by its number.
    """
    hidden = HIDDEN_FIELDS.get(table_name, frozenset())
    pairs = [(key, _pair(value)) for key, value in changes.items() if key not in hidden]
    created = all(old is None for _, (old, _new) in pairs)
    removed = not created and all(new is None for _, (_old, new) in pairs)
    parts = []
    for key, (old, new) in pairs:
        if key == "id" and (created or removed):
            continue  # the 番号 column shows it
        label = field_label(table_name, key)

        def text(value: Any, key: str = key) -> str:
            return _value_text(table_name, key, value, names)

        if new == _REDACTED or old == _REDACTED:  # the log keeps that it changed, not what
            if key == "password_hash":
                parts.append(f"{label}: {'設定' if created else '変更'}")
            else:
                parts.append(f"{label}: {'記入あり' if created or removed else '変更'}")
        elif created or removed:
            value = new if created else old
            if _is_empty(value):
                continue
            parts.append(f"{label}: {text(value)}")
        elif old == new:
            parts.append(f"{label}: {text(old)}")
        else:
            parts.append(f"{label}: {text(old)} → {text(new)}")
    return parts


def described_read(details: Mapping[str, Any], table_name: str = "",
                   names: Mapping[tuple[str, int], str] | None = None) -> list[str]:
    """A read of personal data in words (services/read_log.py): 「連絡先の一覧 2ページ目
    200件」, then 「検索あり」 (the words searched are never kept), the kinds of filter, and
    the view's counts. The log holds no value shown, so none is described."""
    view = str(details.get("view", ""))
    first = [VIEW_LABELS.get(view, view)]
    page, offset = details.get("page"), details.get("offset")
    if isinstance(page, int) and isinstance(offset, int):
        first.append(f"{page}ページ目" if page == 1 else f"{page}ページ目（{offset + 1:,}件目から）")
    if isinstance(rows := details.get("rows"), int):
        first.append(f"{rows:,}件")
    lines = [" ".join(first)]
    if details.get("search"):
        lines.append("検索あり（検索した語は記録しません）")
    if filters := details.get("filters"):
        kinds = str(filters).split(",")
        lines.append("絞り込み: " + "・".join(FILTER_LABELS.get(k, k) for k in kinds))
    for key, value in details.items():
        if key in _READ_KEYS:
            continue
        if key in READ_COUNT_LABELS:
            label, unit = READ_COUNT_LABELS[key]
            lines.append(f"{label}: {value:,}{unit}" if isinstance(value, int)
                         else f"{label}: {value}")
        elif key == "other_id":
            lines.append(f"統合する連絡先: 番号{value}")
        else:  # a record pointed at (the event of a sign-up list): by its name
            lines.append(f"{field_label(table_name, key)}: "
                         f"{_value_text(table_name, key, value, names)}")
    return lines


def field_label(table_name: str, key: str) -> str:
    """What the screens of *table_name* call the field *key*."""
    return TABLE_FIELD_LABELS.get(table_name, {}).get(key) or FIELD_LABELS.get(key, key)


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value  # not the usual [old, new]: show it as a value


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def _value_text(table_name: str, key: str, value: Any,
                names: Mapping[tuple[str, int], str] | None) -> str:
    where = (table_name, key)
    number = isinstance(value, int) and not isinstance(value, bool)
    if _is_empty(value) or (number and value == 0 and where in NOTHING_MEANS):
        return NOTHING_MEANS.get(where, _EMPTY)
    if isinstance(value, bool):
        yes, no = BOOLEAN_WORDS.get(where, ("はい", "いいえ"))
        return yes if value else no
    if isinstance(value, enum.Enum):
        value = value.value
    if number:
        return _number_text(where, value, names)
    if where in HOLDS:
        return _when_text(HOLDS[where], value)
    if isinstance(value, str):
        codes = TABLE_VALUE_LABELS.get(where) or VALUE_LABELS.get(key, {})
        text = codes.get(value, value)
        return " ".join(text.split()) if "\n" in text or "\r" in text else text
    return str(value)


def _number_text(where: tuple[str, str], value: int,
                 names: Mapping[tuple[str, int], str] | None) -> str:
    target = POINTS_AT.get(where)
    if target is not None:  # another record: by its name
        if names is not None and (name := names.get((target, value))) is not None:
            return name
        gone = names is not None and target in NAMED_TABLES
        return f"番号{value}（削除済み）" if gone else f"番号{value}"
    if where in MONEY_FIELDS:
        return yen(value)
    if where == _FISCAL_YEAR:
        try:
            return fiscal_year_label(value)
        except ValueError:  # before the calendar the era table knows: the year as stored
            return str(value)
    return f"{value}{UNITS.get(where, '')}"


def _when_text(kind: type, value: Any) -> str:
    """A stored day, time of day or moment (ISO text in the log) as the screens write it."""
    try:
        if kind is date:
            return full_date(value if isinstance(value, date) else date.fromisoformat(value))
        if kind is time:
            return clock(value if isinstance(value, time) else time.fromisoformat(value))
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return date_and_time(japan_time(moment))
    except (TypeError, ValueError):  # not as the app writes it: shown as stored
        return str(value)


# --- export -------------------------------------------------------------------------------

def all_rows(db: Database, actor: Actor, flt: AuditFilter) -> Iterator[AuditRow]:
    before: int | None = None
    while True:
        page = search_audit(db, actor, flt, before_id=before, limit=1000)
        yield from page
        if len(page) < 1000:
            return
        before = page[-1].id

