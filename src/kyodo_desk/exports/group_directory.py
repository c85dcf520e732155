"""団体一覧: the public group directory as an xlsx workbook or a CSV, for the city's web page
or a hand-out.

The columns are fixed — 団体名, よみ, 団体の種類, 法人格, 地域, then every public field
(domain.labels.PUBLIC_FIELDS) — and a group's cell is blank where it did not agree to publish
that field, so the layout is the same whoever is listed and a published file can be compared
with the next one. Only what services.contacts.directory hands over is written: no staff mark
(取扱注意), no notes. Taking it out is still recorded in the audit log (操作記録) with the
count and the file's name, as every export is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.domain.dates import full_date, print_style, year_month
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, PUBLIC_FIELDS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.tabular import replaced_atomically, write_csv, write_xlsx
from kyodo_desk.services.contacts.directory import PublicGroup, public_directory

FORMATS = ("xlsx", "csv")
TITLE = "市民活動団体一覧"
SHEET_TITLE = "団体一覧"
PUBLIC_ONLY = "公開に同意した項目のみ掲載しています。"
POSTAL_CODE = "郵便番号"
HEADER = ("団体名", "よみ", "団体の種類", "法人格", "地域", PUBLIC_FIELDS["representative"],
          POSTAL_CODE, PUBLIC_FIELDS["address"], PUBLIC_FIELDS["phone"], PUBLIC_FIELDS["email"],
          PUBLIC_FIELDS["website"], PUBLIC_FIELDS["sns"], PUBLIC_FIELDS["activity_fields"],
          PUBLIC_FIELDS["activity_area"], PUBLIC_FIELDS["member_count"],
          PUBLIC_FIELDS["founded_on"])
# Excel would drop the leading zero of 010-0001 and read 018-888-5640 as a date.
TEXT_COLUMNS = frozenset({POSTAL_CODE, PUBLIC_FIELDS["phone"]})
JOINER = "、"


def export_group_directory(db: Database, actor: Actor, fmt: str, path: Path, *,
                           district: str | None = None, today: date | None = None) -> int:
    """Write the listed groups (of 地域 *district* if given) to *path* as "xlsx" or "csv";
    returns how many. *path* is replaced only once the whole file is written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    groups = public_directory(db, actor, district=district)
    rows: Iterator[list[object]] = (group_row(g) for g in groups)
    as_of = f"{full_date(today or date.today(), print_style())}現在"
    with replaced_atomically(Path(path)) as temp:
        if fmt == "csv":
            write_csv(temp, HEADER, rows)
        else:
            title = f"{TITLE}（{district}）" if district else TITLE
            write_xlsx(temp, SHEET_TITLE, HEADER, rows, text_columns=TEXT_COLUMNS,
                       title_lines=[title, f"{PUBLIC_ONLY}　{as_of}"])
    with db.writing(actor) as session:
        record_event(session, actor, "export", "group_directory", None,
                     {"件数": [None, len(groups)], "ファイル": [None, Path(path).name]})
    return len(groups)


def group_row(g: PublicGroup) -> list[object]:
    """The group's row: None (a blank cell) wherever it did not agree to publish."""
    return [
        g.name, g.reading, GROUP_TYPE_LABELS[g.group_type], g.legal_form, g.district,
        g.representative, g.postal_code, g.address, g.phone, g.email, g.website,
        " ".join(g.sns) if g.sns is not None else None,
        JOINER.join(g.activity_fields) if g.activity_fields is not None else None,
        g.activity_area, g.member_count,
        year_month(g.founded_on, print_style()) if g.founded_on is not None else None,
    ]
