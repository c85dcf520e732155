"""The board (地域まちづくり計画の一覧): every district's plan in one fiscal year and where it
stands in the cycle 計画 → 実行 → 評価 → 改善, at a glance."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from kyodo_desk.domain.dates import fiscal_year_label, full_date
from kyodo_desk.domain.plans import PLAN_STAGE_LABELS, ActionStatus, PlanStage
from kyodo_desk.services.plans import BoardRow
from kyodo_desk.ui.widgets import RowsModel

NO_PLAN = "計画なし"
NOT_PUBLISHED = "未公表"
_Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("地域", "計画", "地域づくり組織", "版", "期間", "サイクル（▶ が現在）",
           "実施", "一部実施", "未実施", "未報告", "公表日")
DISTRICT, TITLE, ORGANISATION, EDITION, PERIOD, CYCLE = range(6)
COUNT_COLUMNS = {6: ActionStatus.DONE, 7: ActionStatus.PARTLY, 8: ActionStatus.NOT_DONE, 9: None}
PUBLISHED = 10

# The current step is marked in words too (▶ and brackets), never by colour alone.
CURRENT_MARK = "▶"
STAGE_COLOURS = {PlanStage.PLAN: "#2e6da4", PlanStage.DO: "#2f7d4f", PlanStage.CHECK: "#b8741a",
                 PlanStage.ACT: "#8e44ad"}


def cycle_text(stage: PlanStage | None) -> str:
    """'計画 → 実行 → ▶【評価】 → 改善': the four steps, the current one marked."""
    if stage is None:
        return "—"
    return " → ".join(f"{CURRENT_MARK}【{PLAN_STAGE_LABELS[s]}】" if s is stage
                      else PLAN_STAGE_LABELS[s] for s in PlanStage)


def widest_cycle_text() -> str:
    return max((cycle_text(s) for s in PlanStage), key=len)


def published_text(day: date | None) -> str:
    return full_date(day) if day is not None else NOT_PUBLISHED


class BoardModel(RowsModel[BoardRow]):
    """One row per district (a district with two plans in force has two)."""

    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.fiscal_year = 0

    def reset(self, fiscal_year: int, rows: list[BoardRow]) -> None:
        self.beginResetModel()
        self.fiscal_year, self._rows = fiscal_year, list(rows)
        self.endResetModel()

    def row_of(self, plan_id: int | None, district: str | None = None) -> int:
        for n, row in enumerate(self._rows):
            if (plan_id is not None and row.plan_id == plan_id) or (
                    plan_id is None and row.district == district):
                return n
        return -1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.entry(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CYCLE and row.stage is not None:
                return (f"{fiscal_year_label(self.fiscal_year)}は"
                        f"「{PLAN_STAGE_LABELS[row.stage]}」の段階です")
            text = self._text(row, column)
            return text if column in (TITLE, ORGANISATION) and text else None
        if role == Qt.ItemDataRole.TextAlignmentRole and (column in COUNT_COLUMNS
                                                          or column == EDITION):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.plan_id is None and column != DISTRICT:
                return QBrush(QColor("#777777"))
            if column == CYCLE and row.stage is not None:
                return QBrush(QColor(STAGE_COLOURS[row.stage]))
            if column == 9 and row.counts.get(None):
                return QBrush(QColor("#a04000"))
        if role == Qt.ItemDataRole.FontRole and column in (DISTRICT, CYCLE):
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _text(row: BoardRow, column: int) -> str:
        if column == DISTRICT:
            return row.district
        if row.plan_id is None:
            return NO_PLAN if column == TITLE else ""
        if column == TITLE:
            return row.title
        if column == ORGANISATION:
            return row.organisation_name or "—"
        if column == EDITION:
            return f"第{row.edition}版"
        if column == PERIOD:
            return row.period
        if column == CYCLE:
            return cycle_text(row.stage)
        if column in COUNT_COLUMNS:
            return str(row.counts.get(COUNT_COLUMNS[column], 0))
        if column == PUBLISHED:
            return published_text(row.published_on)
        return ""


def year_choices(this_year: int) -> list[tuple[str, int]]:
    """The fiscal years a board may show: five back, three ahead, the newest first."""
    return [(f"{fiscal_year_label(y)}（{y}）", y) for y in range(this_year + 3, this_year - 6, -1)]
