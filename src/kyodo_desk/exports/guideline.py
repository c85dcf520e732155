"""市民協働の推進状況 as an Excel workbook: one sheet per direction (方向1 … 方向5) with the
direction's name and aim, the indicator table (指標・今年度・前年度・増減・単位) and what the map
counts toward it, and a 定義 sheet with every indicator's definition. The figures are numbers
Excel can add up; a breakdown row (うち…) is indented."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.tabular import display_width, replaced_atomically
from kyodo_desk.services.guideline import GuidelineReport, guideline_report

DEFINITIONS_SHEET = "定義"


def sheet_title(number: int) -> str:
    return f"方向{number}"


def export_guideline(db: Database, actor: Actor, fiscal_year: int, path: Path, *,
                     today: date | None = None) -> GuidelineReport:
    """Count *fiscal_year* and write the workbook to *path* (replaced only once written)."""
    report = guideline_report(db, actor, fiscal_year)
    write_workbook(report, path, today=today)
    return report


def write_workbook(report: GuidelineReport, path: Path, *, today: date | None = None) -> None:
    made_on = f"{full_date(today or date.today(), print_style())}作成"
    with replaced_atomically(Path(path)) as temp:
        _write(temp, report, made_on)


def _write(path: Path, report: GuidelineReport, made_on: str) -> None:
    from openpyxl import Workbook  # a heavy import that only an xlsx export needs
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    shaded = PatternFill("solid", fgColor="DCECF3")  # the leaflets' pale blue
    muted = Font(color="56656D")
    wb = Workbook()
    wb.remove(wb.active)
    header = ["指標", report.label, report.previous_label, "増減", "単位"]
    for figures in report.directions:
        ws = wb.create_sheet(sheet_title(figures.number))
        ws["A1"] = f"{report.title}　{figures.number}. {figures.label}"
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"] = f"目指す姿: {figures.aim}"
        ws["A3"] = made_on
        top = 5
        for c, name in enumerate(header, start=1):
            cell = ws.cell(row=top, column=c, value=name)
            cell.font, cell.fill = bold, shaded
            cell.alignment = Alignment(horizontal="center")
        for r, i in enumerate(figures.indicators, start=top + 1):
            label = ws.cell(row=r, column=1, value=i.label)
            if i.part:
                label.alignment = Alignment(indent=2)
                label.font = muted
            for c, value in enumerate((i.this_year, i.last_year, i.difference), start=2):
                ws.cell(row=r, column=c, value=value).number_format = (
                    "+#,##0;-#,##0;0" if c == 4 else "#,##0")
            ws.cell(row=r, column=5, value=i.unit)
        after = top + len(figures.indicators) + 2
        mapped = "・".join(figures.mapped) if figures.mapped else "（対応づけなし）"
        ws.cell(row=after, column=1, value=f"対応づけた記録: {mapped}")
        ws.column_dimensions["A"].width = max(
            [display_width(i.label) + 4 for i in figures.indicators] + [20])
        for c in range(2, 6):
            ws.column_dimensions[get_column_letter(c)].width = 14
        ws.freeze_panes = ws.cell(row=top + 1, column=2)
    ws = wb.create_sheet(DEFINITIONS_SHEET)
    ws["A1"] = f"{report.title}　指標の定義"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"], ws["B3"] = "指標", "定義"
    ws["A3"].font = ws["B3"].font = bold
    ws["A3"].fill = ws["B3"].fill = shaded
    for r, (term, text) in enumerate(report.notes, start=4):
        ws.cell(row=r, column=1, value=term)
        ws.cell(row=r, column=2, value=text).alignment = Alignment(wrap_text=True,
                                                                    vertical="top")
    ws.column_dimensions["A"].width = max([display_width(t) + 2 for t, _ in report.notes]
                                          + [12])
    ws.column_dimensions["B"].width = 90
    wb.save(path)
