"""相談の統計 view: a fiscal year's consultation counts as a table and a bar chart, saved to
Excel, and the monthly report (月報) made as a PDF.

The counts come from services.consultation_stats off the GUI thread (one job for the year's
five tables); switching between the tables shows what was already counted. A slow answer that
a newer count has superseded is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk import leaflets
from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label, fiscal_year_of, year_month
from kyodo_desk.domain.labels import AREAS
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.consultation_stats import TOPIC_NOTE, table_rows, write_statistics
from kyodo_desk.exports.tabular import replaced_atomically
from kyodo_desk.services.consultations import stats
from kyodo_desk.services.consultations.stats import CountTable, FiscalYearStatistics
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure, touches
from kyodo_desk.ui.widgets import record_list

_Index = QModelIndex | QPersistentModelIndex
VIEWS = ("分野×施設", "分野×月", "施設×月", "相談方法×月", "新規・継続×月")
REPORT = "consultation-report"
LIVE_REFRESH_DELAY_MS = 500
WATCHED_TABLES = {"consultations", "consultation_topics", "topics", "facilities"}
_TOTAL_GROUND = QColor("#DCECF3")  # the leaflets' pale blue
_BAR = QColor("#1B6B8F")


class CountTableModel(QAbstractTableModel):
    """One CountTable as the screen shows it: the row labels in the first column, a 合計
    column at the right and a 合計 row at the foot, both in bold on a pale ground."""

    def __init__(self) -> None:
        super().__init__()
        self._header: list[object] = []
        self._rows: list[list[object]] = []

    def set_table(self, table: CountTable | None) -> None:
        self.beginResetModel()
        rows = table_rows(table) if table is not None else [[]]
        self._header, self._rows = rows[0], rows[1:]
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._header)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return str(self._header[section])
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # never editable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        value = self._rows[row][column]
        is_total = row == len(self._rows) - 1 or column == len(self._header) - 1
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value:,}" if isinstance(value, int) else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and is_total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and is_total:
            return QBrush(_TOTAL_GROUND)
        if role == Qt.ItemDataRole.ForegroundRole and value == 0:
            return QBrush(QColor("#8a979e"))  # zeros recede, counts stand out
        return None

    def text(self, row: int, column: int) -> str:
        """What the cell shows (for tests and copying)."""
        return str(self.data(self.index(row, column)))


class ConsultationStatsView(QWidget):
    status_message = Signal(str)
    loaded = Signal()  # the table and chart show the answer to the last refresh
    saved = Signal(str)  # path of a workbook written
    report_written = Signal(str)  # path of a monthly report written

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.statistics: FiscalYearStatistics | None = None
        self._loaded_once = False

        current = fiscal_year_of(date.today())
        self.year = QComboBox()
        self.year.setObjectName("statsYear")
        self.year.addItem(fiscal_year_label(current), current)
        self.year.setToolTip("4月1日から翌年3月31日までの年度")
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        self.district = QComboBox()
        self.district.setObjectName("statsDistrict")
        self.district.addItem("すべての地域", None)
        for area in AREAS:
            self.district.addItem(area, area)
        self.district.setToolTip("相談者の地域（連絡先の地域、匿名の相談は記録した地域）で絞り込みます")
        self.district.currentIndexChanged.connect(lambda _i: self.refresh())
        self.view = QComboBox()
        self.view.setObjectName("statsView")
        self.view.addItems(VIEWS)
        self.view.currentIndexChanged.connect(lambda _i: self._show_view())
        self.summary = QLabel()
        self.summary.setObjectName("resultCount")
        self.save_button = QPushButton("Excelに保存…")
        self.save_button.setObjectName("statsSave")
        self.save_button.setToolTip("表示中の年度の5つの表を、表ごとのシートに分けて保存します")
        self.save_button.clicked.connect(self._ask_and_save)
        self.report_button = QPushButton("月報を作成…")
        self.report_button.setObjectName("statsReport")
        self.report_button.setToolTip("選んだ月の「市民活動相談 月報」（A4 1枚）を PDF で保存します")
        self.report_button.clicked.connect(self._ask_and_make_report)

        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        top.addWidget(self.year)
        top.addSpacing(12)
        top.addWidget(QLabel("地域"))
        top.addWidget(self.district)
        top.addSpacing(12)
        top.addWidget(QLabel("表"))
        top.addWidget(self.view)
        top.addSpacing(12)
        top.addWidget(self.summary, 1)
        top.addWidget(self.save_button)
        top.addWidget(self.report_button)

        self.model = CountTableModel()
        self.table = record_list(self.model, "statsTable")
        # Cells, not records: a block of counts can be selected and copied.
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.table.setAlternatingRowColors(False)
        self.table.horizontalHeader().setMinimumSectionSize(48)
        self.note = QLabel(TOPIC_NOTE)
        self.note.setObjectName("detailNote")
        self.note.setWordWrap(True)

        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().hide()
        title_font = QFont(self.font())
        title_font.setBold(True)
        title_font.setPointSizeF(self.font().pointSizeF() * 1.15)
        self.chart.setTitleFont(title_font)
        # One series and two axes, refilled for each table: removing and adding axes again
        # leaves the old ones drawn.
        self.bars = QBarSet("件数")
        self.bars.setColor(_BAR)
        self.bars.setLabelColor(QColor("#1E272C"))  # the default would be white beside the bar
        series = QHorizontalBarSeries()
        series.append(self.bars)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setLabelsFormat("@value")
        series.setBarWidth(0.6)
        self.chart.addSeries(series)
        self.categories = QBarCategoryAxis()
        # Whole labels (分野・施設 names): Qt would cut them to "…" to keep the bars wide.
        self.categories.setTruncateLabels(False)
        self.chart.addAxis(self.categories, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(self.categories)
        self.value_axis = QValueAxis()
        self.value_axis.setLabelFormat("%d")
        self.chart.addAxis(self.value_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(self.value_axis)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setObjectName("statsChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.note)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(self.chart_view)
        splitter.setSizes([380, 320])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REFRESH_DELAY_MS)
        self._live_timer.timeout.connect(self.refresh)
        self._set_ready(False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:  # counted when first shown, not when the tab is built
            self.refresh()

    # --- counting ---------------------------------------------------------------------
    def selected_year(self) -> int:
        return int(self.year.currentData())

    def refresh(self) -> None:
        """Count the selected fiscal year again; the table and chart change when it answers."""
        self._loaded_once = True
        db, actor, year = self.db, self.actor, self.selected_year()
        district = self.district.currentData()
        self.summary.setText(f"{fiscal_year_label(year)}の相談件数を集計しています…")

        def count() -> tuple[list[int], FiscalYearStatistics]:
            return (stats.recorded_fiscal_years(db, actor),
                    stats.fiscal_year_statistics(db, actor, year, district=district))

        def show(result: tuple[list[int], FiscalYearStatistics]) -> None:
            years, statistics = result
            self._offer_years(years, statistics.fiscal_year)
            self.statistics = statistics
            self._show_view()
            self._set_ready(True)
            self.loaded.emit()

        def failed(exc: Exception) -> None:
            self.summary.setText("集計できませんでした。")  # not "集計しています…" forever
            show_failure(self, exc, reading=True)

        # Another year chosen meanwhile, or a change elsewhere: only the newest count shows.
        ReadOp(self, count, show, failed=failed, key="count").run()

    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        """Another counter changed consultations: count again, once things settle."""
        if self._loaded_once and touches(tables, *WATCHED_TABLES):
            self._live_timer.start()

    def _offer_years(self, years: list[int], selected: int) -> None:
        wanted = sorted({*years, selected}, reverse=True)
        if [self.year.itemData(i) for i in range(self.year.count())] == wanted:
            return
        self.year.blockSignals(True)  # refilling must not start another count
        self.year.clear()
        for year in wanted:
            self.year.addItem(fiscal_year_label(year), year)
        self.year.setCurrentIndex(wanted.index(selected))
        self.year.blockSignals(False)

    # --- showing ----------------------------------------------------------------------
    def current_table(self) -> CountTable | None:
        if self.statistics is None:
            return None
        return self.statistics.tables[self.view.currentIndex()]

    def _show_view(self) -> None:
        table = self.current_table()
        self.model.set_table(table)
        if table is None or self.statistics is None:
            return
        self.note.setVisible(table.rows_overlap)
        self.table.resizeColumnsToContents()  # a few dozen rows at most
        self.summary.setText(f"{self.statistics.heading}　合計 {self.statistics.total:,} 件")
        self._draw_chart(table)

    def _draw_chart(self, table: CountTable) -> None:
        """One bar per row of the table: its 合計 for the year."""
        assert self.statistics is not None
        self.chart.setTitle(f"{table.row_heading}別の相談件数（{self.statistics.label}）")
        # A horizontal chart draws its first category at the bottom: reversed, it reads top
        # to bottom in the table's order.
        self.bars.remove(0, self.bars.count())
        self.bars.append([float(n) for n in reversed(table.row_totals)])
        self.categories.clear()
        self.categories.append(list(reversed(table.rows)))
        # Room beyond the longest bar for its count; whole numbers on the axis.
        self.value_axis.setTickCount(6)
        self.value_axis.setRange(0, max(5.0, max(table.row_totals, default=0) * 1.15))
        self.value_axis.applyNiceNumbers()

    def _set_ready(self, ready: bool) -> None:
        self.save_button.setEnabled(ready)
        self.report_button.setEnabled(ready)

    # --- Excel ------------------------------------------------------------------------
    def _ask_and_save(self) -> None:
        if self.statistics is None:
            return
        district = f"_{self.statistics.district}" if self.statistics.district else ""
        suggested = Path.home() / f"相談件数_{self.statistics.label}{district}.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, "Excelに保存", str(suggested),
                                              "Excel ブック (*.xlsx)")
        if path:
            self.save_xlsx(Path(path) if path.lower().endswith(".xlsx") else Path(path + ".xlsx"))

    def save_xlsx(self, path: Path | str) -> None:
        """Write the year on screen to *path* (off the GUI thread); `saved` when complete."""
        statistics, path = self.statistics, Path(path)
        if statistics is not None:
            self._write(self.save_button, lambda: write_statistics(statistics, "xlsx", path),
                        f"{statistics.heading}を「{path}」に保存しました。", self.saved, path)

    # --- 月報 ---------------------------------------------------------------------------
    def report_months(self) -> list[date]:
        """The months of the year on screen that have begun, newest first."""
        if self.statistics is None:
            return []
        today = date.today()
        return [m for m in reversed(self.statistics.months) if m <= today]

    def _ask_and_make_report(self) -> None:
        months = self.report_months()
        if not months:
            self.status_message.emit("この年度はまだ始まっていません。")
            return
        labels = [year_month(m) for m in months]
        chosen, ok = QInputDialog.getItem(self, "月報を作成", "月報の月", labels, 0, False)
        if not ok:
            return
        month = months[labels.index(chosen)]
        suggested = Path.home() / f"市民活動相談月報_{chosen}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "月報を保存", str(suggested), "PDF (*.pdf)")
        if path:
            self.make_report(month, Path(path) if path.lower().endswith(".pdf")
                             else Path(path + ".pdf"))

    def make_report(self, month: date, path: Path | str) -> None:
        """Make the monthly report of *month* and write it to *path* (off the GUI thread);
        `report_written` when complete."""
        db, actor, path = self.db, self.actor, Path(path)
        self.status_message.emit(f"{year_month(month)}の月報を作成しています…")

        def make() -> None:
            pdf = leaflets.render(REPORT, db, actor, month=month)
            with replaced_atomically(path) as temp:
                temp.write_bytes(pdf)

        self._write(self.report_button, make,
                    f"{year_month(month)}の月報を「{path}」に保存しました。",
                    self.report_written, path)

    def _write(self, button: QPushButton, work: Callable[[], None], message: str,
               finished: SignalInstance, path: Path) -> None:
        """Run *work* off the GUI thread with *button* disabled meanwhile; then say *message*
        and emit *finished* with the path, or show what went wrong (a file not written is
        always said in a dialog)."""
        def done(_: object) -> None:
            self.status_message.emit(message)
            finished.emit(str(path))

        WriteOp(self, work, done, busy=(button,)).run()
