"""A group's registry fields (団体台帳) as the detail pane, the カルテ, its print and the merge
and conflict screens show them: one wording everywhere.

*contact* is a record (services.contacts.ContactDetail) or a form's draft (ContactDraft):
anything with their attributes; kept here, beside the labels, so that prints may use it
without reading through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from kyodo_desk.domain.dates import DateStyle, full_date, year_month
from kyodo_desk.domain.labels import PUBLIC_FIELDS

GROUP = "group"  # ContactKind.GROUP's value: a str enum compares equal to it

REGISTRY_LABELS = {
    "district": "地域", "legal_form": "法人格", "representative": "代表者",
    "activity_fields": "活動分野", "activity_area": "活動地域", "member_count": "構成員数",
    "founded_on": "設立年月", "sns": "SNS", "listed_publicly": "団体一覧",
    "registered_on": "登録日", "confirmed_on": "最終確認日",
}
NOT_SET = "未設定"
NEVER_CONFIRMED = "未確認"


def registry_text(contact: Any, field: str,
                  style: DateStyle | None = None) -> str:
    """One registry field of *contact* (a record or a form's draft) as the detail pane, the
    カルテ, its print and the merge and conflict screens show it ("" when there is nothing to
    show). 団体一覧 (listed_publicly) says what is published with it; public_fields alone is
    the list of those. *style*: of the dates (None: the screens')."""
    c = contact
    if field == "district":
        return str(c.district)
    if field == "representative":
        return str(c.representative.name) if c.representative else ""
    if field == "activity_fields":
        return "、".join(f.name for f in c.activity_fields)
    if field == "member_count":
        return f"{c.member_count:,}人" if c.member_count is not None else ""
    if field == "founded_on":
        return year_month(c.founded_on, style) if c.founded_on else ""
    if field == "listed_publicly":
        if not c.listed_publicly:
            return "掲載しない" if c.kind == GROUP else ""
        shown = "、".join(PUBLIC_FIELDS[key] for key in c.public_fields)
        return f"掲載する（団体名{'、' + shown if shown else 'のみ'}）"
    if field == "public_fields":
        return "、".join(PUBLIC_FIELDS[key] for key in c.public_fields if key in PUBLIC_FIELDS)
    if field in ("registered_on", "confirmed_on"):
        day: date | None = getattr(c, field, None)
        if field == "confirmed_on" and c.kind != GROUP:
            return ""
        return (full_date(day, style) if day
                else NEVER_CONFIRMED if field == "confirmed_on" else "")
    value = getattr(c, field)
    return str(value or "")


def registry_lines(contact: Any,
                   style: DateStyle | None = None) -> list[tuple[str, str]]:
    """(label, text) of every registry field *contact* has something in, in the form's order;
    a person's 地域 and 登録日 only."""
    fields = (REGISTRY_LABELS if contact.kind == GROUP
              else {k: REGISTRY_LABELS[k] for k in ("district", "registered_on")})
    return [(label, text) for key, label in fields.items()
            if (text := registry_text(contact, key, style))]
