"""採択事業一覧・実施結果: a fiscal year's adopted grant projects with their results, as an
xlsx workbook or a CSV (the list the 公表 leaflet prints, for the city's web page and for
merging into other lists).

One row per adopted project (採択 or later), programme by programme, then by group: 年度,
交付金, 団体名, 事業名, 協働担当課, 段階, 交付決定額, 交付額, 実績, 評価. Amounts are whole yen
as numbers (in the workbook shown as 1,234,567): 交付決定額 is empty while a project is only
adopted, 交付額 (paid less refunded) empty until the grant is settled (確定), as the leaflet
prints them, so an empty cell never reads as 0円.
"""

from __future__ import annotations

from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.grants import STAGE_LABELS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.tabular import replaced_atomically, write_csv, write_xlsx
from kyodo_desk.services.grants.publication import PublishedCase, adopted_projects

SHEET_TITLE = "採択事業一覧"
HEADER = ("年度", "交付金", "団体名", "事業名", "協働担当課", "段階", "交付決定額", "交付額",
          "実績", "評価")
AMOUNT_COLUMNS = frozenset({"交付決定額", "交付額"})
AMOUNT_FORMAT = "#,##0"
SUFFIXES = {".xlsx": "xlsx", ".csv": "csv"}


def write_results(db: Database, actor: Actor, fiscal_year: int, path: Path) -> int:
    """Write the adopted projects of *fiscal_year* (2026 = 令和8年度) to *path*, as xlsx or CSV
    by its suffix; returns how many rows. *path* is replaced only once the whole file is
    written; an unwritable path or another suffix raises UserError."""
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UserError(f"「{path.name}」には書き出せません。ファイル名の末尾を .xlsx か .csv に"
                        "してください。")
    year = fiscal_year_label(fiscal_year)
    rows = [result_row(year, c) for c in adopted_projects(db, actor, fiscal_year)]
    with replaced_atomically(path) as temp:
        if fmt == "csv":
            write_csv(temp, HEADER, rows)
        else:
            write_xlsx(temp, SHEET_TITLE, HEADER, rows,
                       title_lines=[f"{year} 市民協働交付金 採択事業一覧・実施結果"],
                       number_formats=dict.fromkeys(AMOUNT_COLUMNS, AMOUNT_FORMAT))
    return len(rows)


def result_row(year: str, c: PublishedCase) -> list[object]:
    return [year, c.programme_name, c.group_name, c.title, c.department, STAGE_LABELS[c.stage],
            c.decided or None, c.paid if c.finished else None, c.result, c.evaluation]
