"""Consultation statistics of a fiscal year (年度の相談件数) as an Excel workbook or a CSV file.

The workbook has one sheet per view (分野×施設, 分野×月, 施設×月, 相談方法×月, 新規・継続×月),
each with a title cell (「令和8年度 相談件数」), the header row, the counts with a 合計 column
and a 合計 row. The CSV holds the same five tables one under the other, each under its title,
for the clerks who open it in Excel; it is UTF-8 with BOM and CRLF like every export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.labels import TOTAL
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.tabular import Row, display_width, replaced_atomically, write_csv
from kyodo_desk.services.consultations.stats import (
    CountTable,
    FiscalYearStatistics,
    fiscal_year_statistics,
)

FORMATS = ("xlsx", "csv")
TOPIC_NOTE = ("※複数の分野にわたる相談は各分野に1件ずつ数えるため、分野の件数の和は"
              "合計（相談件数）を上回ることがあります。")


def export_fiscal_year(db: Database, actor: Actor, fiscal_year: int, fmt: str, path: Path, *,
                       facility_id: int | None = None, district: str | None = None,
                       today: date | None = None) -> FiscalYearStatistics:
    """Count the fiscal year (as `fiscal_year_statistics`) and write it to *path* in *fmt*.

    Returns the statistics written. *path* is replaced only once the whole file is written;
    an unwritable path raises UserError naming it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    statistics = fiscal_year_statistics(db, actor, fiscal_year, facility_id=facility_id,
                                        district=district)
    write_statistics(statistics, fmt, path, today=today)
    return statistics


def write_statistics(statistics: FiscalYearStatistics, fmt: str, path: Path, *,
                     today: date | None = None) -> None:
    """Write statistics already counted (the window has them on screen) to *path*."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    # Dated as the monthly report is: an export is the city's paper too.
    made_on = f"{full_date(today or date.today(), print_style())}作成"
    with replaced_atomically(Path(path)) as temp:
        if fmt == "csv":
            write_csv(temp, [statistics.heading, made_on], _csv_rows(statistics))
        else:
            _write_workbook(temp, statistics, made_on)


def table_rows(table: CountTable) -> list[list[object]]:
    """The header row, one row per row label with its 合計, and the 合計 row."""
    rows: list[list[object]] = [[table.row_heading, *table.columns, TOTAL]]
    for label, cells, total in zip(table.rows, table.cells, table.row_totals, strict=True):
        rows.append([label, *cells, total])
    rows.append([TOTAL, *table.column_totals, table.total])
    return rows


def _csv_rows(statistics: FiscalYearStatistics) -> Iterator[Row]:
    for table in statistics.tables:
        yield []
        yield [f"{table.title}（{statistics.label}）"]
        yield from table_rows(table)
        if table.rows_overlap:
            yield [TOPIC_NOTE]


def _write_workbook(path: Path, statistics: FiscalYearStatistics, made_on: str) -> None:
    from openpyxl import Workbook  # a heavy import that only an xlsx export needs
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    shaded = PatternFill("solid", fgColor="DCECF3")  # the leaflets' pale blue
    ruled = Border(top=Side(style="thin"))
    wb = Workbook()
    wb.remove(wb.active)
    for table in statistics.tables:
        ws = wb.create_sheet(table.title)
        ws["A1"] = f"{statistics.heading}　{table.title}"
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"] = made_on
        header_row = 4
        rows = table_rows(table)
        for r, row in enumerate(rows, start=header_row):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                if c > 1:
                    cell.number_format = "#,##0"
                if r == header_row:
                    cell.font, cell.fill = bold, shaded
                    cell.alignment = Alignment(horizontal="center")
                elif r == header_row + len(rows) - 1:
                    cell.font, cell.border = bold, ruled
                elif c == len(row):
                    cell.font = bold
        if table.rows_overlap:
            ws.cell(row=header_row + len(rows) + 1, column=1, value=TOPIC_NOTE)
        for c in range(1, len(rows[0]) + 1):
            width = max(display_width(str(row[c - 1])) for row in rows)
            ws.column_dimensions[get_column_letter(c)].width = max(width + 2, 7)
        ws.freeze_panes = ws.cell(row=header_row + 1, column=2)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(path)
