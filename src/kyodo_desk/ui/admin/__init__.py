"""管理 — the administrator's tabs: accounts (アカウント) and the audit log (操作記録)."""

from __future__ import annotations

from datetime import datetime

from kyodo_desk.domain.dates import date_and_time, japan_time


def format_at(value: datetime | None) -> str:
    """A moment as the admin screens show it, in Japan time: 2026年11月25日 14:03."""
    return "" if value is None else date_and_time(japan_time(value))
