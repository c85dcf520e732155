"""管理 — the administrator's tabs: accounts (アカウント) and the audit log (操作記録)."""

from __future__ import annotations

from datetime import UTC, datetime

from kyodo_desk.services.audit_log import JAPAN_TIME


def format_at(value: datetime | None) -> str:
    """A moment as the admin screens show it, in Japan time: 2026年11月25日 14:03."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite keeps no time zone; what it stores is UTC
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(JAPAN_TIME)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
