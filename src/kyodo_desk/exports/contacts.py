"""連絡先一覧: the whole contact registry for the staff, as an xlsx workbook or a CSV.

One row per group and per person, removed ones too (状態 無効), by number: every field of the
contact form — 番号, 区分, 団体の種類, 名称・氏名, よみ, 郵便番号, 住所, 電話番号, E-mail,
ホームページ, メモ — with a person's groups (所属団体) and a group's members (構成員) as the
detail pane lists them, 「、」 between them and the role held in （）; then the 地域 and the
group registry (団体台帳: 法人格, 代表者, 活動分野, 活動地域, 構成員数, 設立年月 as 2015-04,
SNS one a line, 団体一覧への掲載 and the fields agreed to publish, 登録日 and 最終確認日 as
2026-12-05, sortable and read alike by every program). The facilities are not contacts;
`export facilities` writes them.

Every row is personal data: the workbook says 取扱注意 above the table, the CSV is the bare
table (for merging into other lists, as the 参加者一覧's is), and taking either out is recorded
in the audit log (操作記録) with the count and the file's name, never a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS, PUBLIC_FIELDS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.tabular import replaced_atomically, write_csv, write_xlsx
from kyodo_desk.services.contacts import Affiliation, ContactDetail, every_contact

FORMATS = ("xlsx", "csv")
SHEET_TITLE = "連絡先一覧"
TITLE = "連絡先一覧（団体・個人）"
STAFF_ONLY = "取扱注意　個人情報を含みます。業務のほかに使わず、用が済んだら消去してください。"
HEADER = ("番号", "区分", "団体の種類", "名称・氏名", "よみ", "郵便番号", "住所", "電話番号",
          "E-mail", "ホームページ", "所属団体", "構成員", "メモ", "状態",
          "地域", "法人格", "代表者", "活動分野", "活動地域", "構成員数", "設立年月", "SNS",
          "団体一覧に掲載", "公開する項目", "登録日", "最終確認日")
# Excel would drop the leading zero of 010-0001 and read 018-888-5640 as a date.
TEXT_COLUMNS = frozenset({"郵便番号", "電話番号"})
ACTIVE, REMOVED = "有効", "無効"
JOINER = "、"
# A sheet holds 1,048,576 rows; the title lines, a blank row and the header come first.
XLSX_MAX_CONTACTS = 1_048_576 - 4


def export_contacts(db: Database, actor: Actor, fmt: str, path: Path, *,
                    today: date | None = None) -> int:
    """Write every contact to *path* as "xlsx" or "csv"; returns how many.

    *path* is replaced only once the whole file is written; an unwritable path, or more
    contacts than a sheet holds, raises UserError and leaves *path* as it was.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    contacts = every_contact(db, actor)
    count = 0

    def rows() -> Iterator[list[object]]:
        nonlocal count
        for contact in contacts:
            count += 1
            if fmt == "xlsx" and count > XLSX_MAX_CONTACTS:
                raise UserError(f"連絡先が {XLSX_MAX_CONTACTS:,} 件を超え、Excel の1枚のシートに"
                                "入りきりません。CSV（-o を .csv）で書き出してください。")
            yield contact_row(contact)

    made_on = f"{full_date(today or date.today(), print_style())}作成"
    with replaced_atomically(Path(path)) as temp:
        if fmt == "csv":
            write_csv(temp, HEADER, rows())
        else:
            write_xlsx(temp, SHEET_TITLE, HEADER, rows(), text_columns=TEXT_COLUMNS,
                       title_lines=[TITLE, f"{STAFF_ONLY}　{made_on}"])
    with db.writing(actor) as session:
        record_event(session, actor, "export", "contacts", None,
                     {"件数": [None, count], "ファイル": [None, Path(path).name]})
    return count


def contact_row(c: ContactDetail) -> list[object]:
    group_type = GROUP_TYPE_LABELS[c.group_type] if c.group_type else ""
    return [c.id, KIND_LABELS[c.kind], group_type, c.name, c.reading, c.postal_code,
            c.address, c.phone, c.email, c.website, joined(c.groups), joined(c.members),
            c.notes, ACTIVE if c.active else REMOVED, *registry_cells(c)]


def registry_cells(c: ContactDetail) -> list[object]:
    """地域 and the group registry's columns (blank for a person, but 地域 and 登録日)."""
    return [c.district, c.legal_form, c.representative.name if c.representative else "",
            JOINER.join(f.name for f in c.activity_fields), c.activity_area, c.member_count,
            c.founded_on.strftime("%Y-%m") if c.founded_on else "", c.sns,
            "掲載する" if c.listed_publicly else "",
            JOINER.join(PUBLIC_FIELDS[k] for k in c.public_fields if k in PUBLIC_FIELDS),
            _day(c.registered_on), _day(c.confirmed_on)]


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def joined(affiliations: Iterable[Affiliation]) -> str:
    """「秋田まちづくりの会（事務局）、あきた環境クラブ」: names, with the role where one is held."""
    return JOINER.join(a.label for a in affiliations)


UNCONFIRMED_TITLE = "確認から12か月を過ぎた団体"
UNCONFIRMED_HEADER = ("番号", "団体名", "よみ", "地域", "電話番号", "E-mail", "登録日", "最終確認日")


def export_unconfirmed(db: Database, actor: Actor, fmt: str, path: Path, *,
                       today: date | None = None) -> int:
    """The groups not confirmed in twelve months (registry.unconfirmed_groups) to *path* as
    "xlsx" or "csv", for the clerks to call; returns how many. 最終確認日 未確認: never."""
    from kyodo_desk.domain.registry_text import NEVER_CONFIRMED
    from kyodo_desk.services.contacts.registry import unconfirmed_groups

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    groups = unconfirmed_groups(db, actor, today=today)
    rows = [[g.id, g.name, g.reading, g.district, g.phone, g.email, _day(g.registered_on),
             _day(g.confirmed_on) or NEVER_CONFIRMED] for g in groups]
    made_on = f"{full_date(today or date.today(), print_style())}作成"
    with replaced_atomically(Path(path)) as temp:
        if fmt == "csv":
            write_csv(temp, UNCONFIRMED_HEADER, rows)
        else:
            write_xlsx(temp, "未確認の団体", UNCONFIRMED_HEADER, rows, text_columns={"電話番号"},
                       title_lines=[UNCONFIRMED_TITLE, f"{STAFF_ONLY}　{made_on}"])
    return len(rows)
