"""重複候補の一覧: every likely pair of contacts, scored and with its reasons, as an xlsx
workbook or a CSV to work through (`kyodo-desk contacts duplicates`).

One row per pair, best score first, as `duplicate_pairs` gives them: 区分, then each contact's
番号, 名称・氏名, よみ and 電話番号 (the smaller number first), 点数 (0–100) and 理由 (「、」
between them). Pairs marked 「別の方です」 are left out.

Every row is personal data: the workbook says 取扱注意 above the table, the CSV is the bare
table, and taking either out is recorded in the audit log (操作記録) with the count and the
file's name, never a value.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.labels import KIND_LABELS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.contacts import STAFF_ONLY
from kyodo_desk.exports.tabular import replaced_atomically, write_csv, write_xlsx
from kyodo_desk.services.contacts.duplicates import DuplicatePair, duplicate_pairs

FORMATS = ("xlsx", "csv")
SHEET_TITLE = "重複候補"
TITLE = "重複候補の一覧（同じ人・団体らしい連絡先の組）"
HEADER = ("区分", "番号1", "名称・氏名1", "よみ1", "電話番号1",
          "番号2", "名称・氏名2", "よみ2", "電話番号2", "点数", "理由")
# Excel would read 018-888-5640 as a date.
TEXT_COLUMNS = frozenset({"電話番号1", "電話番号2"})
JOINER = "、"
# A sheet holds 1,048,576 rows; the title lines, a blank row and the header come first.
XLSX_MAX_PAIRS = 1_048_576 - 4


def export_duplicates(db: Database, actor: Actor, fmt: str, path: Path, *,
                      today: date | None = None) -> int:
    """Write every likely pair to *path* as "xlsx" or "csv"; returns how many pairs.

    *path* is replaced only once the whole file is written; an unwritable path, or more pairs
    than a sheet holds, raises UserError and leaves *path* as it was.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    pairs = duplicate_pairs(db, actor, logged=False)  # its "export" row says it
    if fmt == "xlsx" and len(pairs) > XLSX_MAX_PAIRS:
        raise UserError(f"重複候補が {XLSX_MAX_PAIRS:,} 組を超え、Excel の1枚のシートに"
                        "入りきりません。CSV（-o を .csv）で書き出してください。")
    rows = (pair_row(pair) for pair in pairs)
    made_on = f"{full_date(today or date.today(), print_style())}作成"
    with replaced_atomically(Path(path)) as temp:
        if fmt == "csv":
            write_csv(temp, HEADER, rows)
        else:
            write_xlsx(temp, SHEET_TITLE, HEADER, rows, text_columns=TEXT_COLUMNS,
                       title_lines=[TITLE, f"{STAFF_ONLY}　{made_on}"])
    with db.writing(actor) as session:
        record_event(session, actor, "export", "duplicates", None,
                     {"件数": [None, len(pairs)], "ファイル": [None, Path(path).name]})
    return len(pairs)


def pair_row(pair: DuplicatePair) -> list[object]:
    first, second = pair.first, pair.second
    return [KIND_LABELS[first.kind], first.contact_id, first.name, first.reading, first.phone,
            second.contact_id, second.name, second.reading, second.phone, pair.score,
            JOINER.join(pair.reasons)]
