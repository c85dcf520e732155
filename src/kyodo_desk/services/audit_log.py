"""Reading the audit log (操作記録): search it page by page, and export it for an inquiry.

Only administrators may read it. There is deliberately no function here, nor anywhere, that
changes or deletes an entry: the log is written by the database layer in the same transaction
as each change, and the database itself refuses updates and deletes (triggers).

Times are stored in UTC and shown in Japan time (JST, UTC+9, which has no daylight saving), so
the period filter and the list agree on what "that day" means whatever the PC's time zone is.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import JAPAN_TIME, japan_time
from kyodo_desk.domain.grants import STAGE_LABELS
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS
from kyodo_desk.domain.permissions import ROLE_LABELS, Action, Actor, Resource
from kyodo_desk.domain.text import plain_query
from kyodo_desk.models import AuditEntry

PAGE_SIZE = 200

# What the log calls things, as the admin screen and exports show them.
ACTION_LABELS: dict[str, str] = {
    "insert": "登録",
    "update": "変更",
    "delete": "削除",
    "open": "閲覧",
    "sign_in": "サインイン",
    "export": "書き出し",
    "anonymise": "匿名化",
    "override": "期間外の受付",
    "queue_jump": "順番の繰り上げ",
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
}
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
    "id": "番号",
    "held_on": "相談日",
    "start_time": "開始時刻",
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
    "follow_up_due": "フォローアップ期限",
    "status": "状況",
    "returning_consultee": "継続",
    "anonymised_on": "匿名化した日",
    "consultation_id": "相談記録",
    "topic_id": "分野",
    "key": "設定の名前",
    "value": "設定値",
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
}
# Stored codes shown in words.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "role": {role.value: label for role, label in ROLE_LABELS.items()},
    "kind": KIND_LABELS,
    "group_type": GROUP_TYPE_LABELS,
    **{name: {stage.value: label for stage, label in STAGE_LABELS.items()}
       for name in ("stage", "from_stage", "to_stage", "closes_with")},
}
_EMPTY = "（空）"
_REDACTED = "********"



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

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def table_label(self) -> str:
        return TABLE_LABELS.get(self.table_name, self.table_name)

    @property
    def description(self) -> str:
        return describe_changes(self.changes)


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
        return [
            AuditRow(id=r.id, at=japan_time(r.at), actor=r.actor, action=r.action,
                     table_name=r.table_name, record_id=r.record_id,
                     changes=dict(r.changes or {}))
            for r in session.execute(stmt)
        ]


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

def describe_changes(changes: Mapping[str, Any]) -> str:
    """The changed fields in words: "電話番号: 018-888-0000 → 018-888-1111; 住所: …".

    A new record (every old value empty) lists its filled fields as "名称: …"; a removed
    record lists what it held; a change shows old → new, an empty value as （空）.
    """
    pairs = [(key, _pair(value)) for key, value in changes.items()]
    if not pairs:
        return ""
    created = all(old is None for _, (old, _new) in pairs)
    removed = not created and all(new is None for _, (_old, new) in pairs)
    parts = []
    for key, (old, new) in pairs:
        if key == "id" and (created or removed):
            continue  # the 番号 column shows it
        label = FIELD_LABELS.get(key, key)
        if new == _REDACTED or old == _REDACTED:  # a password: only that it was set
            parts.append(f"{label}: {'設定' if created else '変更'}")
        elif created or removed:
            value = new if created else old
            if _is_empty(value):
                continue
            parts.append(f"{label}: {_value_text(key, value)}")
        else:
            parts.append(f"{label}: {_value_text(key, old)} → {_value_text(key, new)}")
    return "; ".join(parts)


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value  # not the usual [old, new]: show it as a value


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def _value_text(key: str, value: Any) -> str:
    if _is_empty(value):
        return _EMPTY
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):
        text = VALUE_LABELS.get(key, {}).get(value, value)
        return " ".join(text.split()) if "\n" in text or "\r" in text else text
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

