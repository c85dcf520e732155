"""操作記録 tab (administrators only): who changed, opened or signed in to what, and when.

The list is read-only and pages in as it is scrolled; the same filter can be exported to
Excel or CSV for an inquiry. Searches and pages are read off the GUI thread as operations of
one key, so that a slow answer to a superseded search is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QIntValidator, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.audit_log import export_audit
from kyodo_desk.services import audit_log as svc
from kyodo_desk.services.audit_log import AuditFilter, AuditRow
from kyodo_desk.ui.admin import format_at
from kyodo_desk.ui.date_inputs import date_edit, day_of
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure
from kyodo_desk.ui.widgets import RowsModel, record_list

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("日時", "操作者", "操作", "対象", "番号", "変更内容")
DEFAULT_DAYS = 30
_EXPORT_FILTERS = {"xlsx": "Excel ブック (*.xlsx)", "csv": "CSV ファイル（Excel 用） (*.csv)"}


class AuditModel(RowsModel[AuditRow]):
    """Rows come from search_audit, newest first; older pages are asked for on scrolling."""

    columns = COLUMNS

    def __init__(self, request_page: Callable[[int], None]) -> None:
        super().__init__()
        self._rows: list[AuditRow] = []
        self._more = False
        self._loading = False
        self._request_page = request_page

    # --- filling ----------------------------------------------------------------------
    def reset(self, rows: list[AuditRow], more: bool) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._more = more
        self._loading = False
        self.endResetModel()

    def append(self, rows: list[AuditRow], more: bool) -> None:
        self._loading = False
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self._more = more

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._loading and bool(self._rows)

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._loading = True
            self._request_page(self._rows[-1].id)

    def hold(self) -> None:
        """A new search is on its way: no older page may be asked for (the rows on show are
        of the previous filter) until it answers."""
        self._loading = True

    @property
    def has_more(self) -> bool:
        return self._more

    # --- reading ----------------------------------------------------------------------
    def flags(self, index: _Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # never editable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.entry(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 5:
            return "\n".join(row.description_lines) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def text(row: AuditRow, column: int) -> str:
        if column == 0:
            return format_at(row.at)
        if column == 4:
            return "" if row.record_id is None else str(row.record_id)
        if column == 5:
            return row.description
        return (None, row.actor, row.action_label, row.table_label)[column] or ""



class AuditTab(QWidget):
    status_message = Signal(str)
    search_finished = Signal()  # the list shows the answer to the last search
    export_finished = Signal(str, int)  # path, rows written

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self._filter = AuditFilter()
        self._searched = False

        # Today as the log counts days (Japan time), whatever the PC's time zone.
        now = datetime.now(svc.JAPAN_TIME)
        today = QDate(now.year, now.month, now.day)
        self.date_from = date_edit(today.addDays(-DEFAULT_DAYS))
        self.date_from.setObjectName("auditDateFrom")
        self.date_to = date_edit(today)
        self.date_to.setObjectName("auditDateTo")
        self.actor_text = QLineEdit()
        self.actor_text.setObjectName("auditActor")
        self.actor_text.setPlaceholderText("氏名の一部")
        self.actor_text.setClearButtonEnabled(True)
        self.actor_text.setMaximumWidth(170)
        self.table_combo = QComboBox()
        self.table_combo.setObjectName("auditTable")
        self.table_combo.addItem("すべて", None)
        for name, label in svc.TABLE_LABELS.items():
            self.table_combo.addItem(label, name)
        self.action_combo = QComboBox()
        self.action_combo.setObjectName("auditAction")
        self.action_combo.addItem("すべて", None)
        for name, label in svc.ACTION_LABELS.items():
            self.action_combo.addItem(label, name)
        self.record_id = QLineEdit()
        self.record_id.setObjectName("auditRecordId")
        self.record_id.setPlaceholderText("番号")
        self.record_id.setValidator(QIntValidator(1, 2_147_483_647, self))
        self.record_id.setMaximumWidth(80)
        self.search_button = QPushButton("検索")
        self.search_button.setObjectName("auditSearch")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.export_button = QPushButton("書き出し…")
        self.export_button.setObjectName("auditExport")
        self.export_button.setToolTip("表示中の条件に合う記録を Excel または CSV に書き出します")
        self.export_button.clicked.connect(self.export)
        for field in (self.actor_text, self.record_id):
            field.returnPressed.connect(self.search)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("期間"))
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("〜"))
        filters.addWidget(self.date_to)
        filters.addSpacing(12)
        filters.addWidget(QLabel("操作者"))
        filters.addWidget(self.actor_text)
        filters.addSpacing(12)
        filters.addWidget(QLabel("対象"))
        filters.addWidget(self.table_combo)
        filters.addWidget(self.record_id)
        filters.addSpacing(12)
        filters.addWidget(QLabel("操作"))
        filters.addWidget(self.action_combo)
        filters.addSpacing(12)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        filters.addWidget(self.export_button)

        self.model = AuditModel(self._fetch_page)
        self.table = record_list(self.model, "auditList")
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        for column, width in enumerate((165, 120, 85, 90, 65)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)

        self.count = QLabel()
        self.count.setObjectName("resultCount")
        note = QLabel("操作記録は自動で記録され、誰も変更・削除できません。"
                      "変更内容の全文は、行にマウスを重ねると表示されます。")
        note.setObjectName("detailNote")
        bottom = QHBoxLayout()
        bottom.addWidget(self.count)
        bottom.addStretch(1)
        bottom.addWidget(note)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._searched:  # the first time the tab is opened
            self.actor_text.setFocus()
            self.search()

    # --- searching --------------------------------------------------------------------
    def current_filter(self) -> AuditFilter:
        """The filter as set in the widgets (not yet searched, perhaps)."""
        number = self.record_id.text().strip()
        return AuditFilter(
            date_from=day_of(self.date_from.date()),
            date_to=day_of(self.date_to.date()),
            actor_text=self.actor_text.text().strip(),
            table_name=self.table_combo.currentData(),
            action=self.action_combo.currentData(),
            record_id=int(number) if number.isdigit() else None,
        )

    def search(self) -> None:
        """Search again with the filter in the widgets; the list is replaced when it answers."""
        flt = self.current_filter()
        if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
            self.count.setText("期間の開始日が終了日より後になっています。")
            return
        self._searched = True
        self._filter = flt
        self.count.setText("検索中…")
        self.model.hold()
        db, actor = self.db, self.actor

        def show(rows: list[AuditRow]) -> None:
            self.model.reset(rows, more=len(rows) == svc.PAGE_SIZE)
            self._update_count()
            if rows:
                self.table.scrollToTop()
            self.search_finished.emit()

        # One key for searches and pages: a new search drops a page still on its way.
        ReadOp(self, lambda: svc.search_audit(db, actor, flt), show, failed=self._failed,
               key="rows").run()

    def _fetch_page(self, before_id: int) -> None:
        flt, db, actor = self._filter, self.db, self.actor

        def show(rows: list[AuditRow]) -> None:
            self.model.append(rows, more=len(rows) == svc.PAGE_SIZE)
            self._update_count()

        ReadOp(self, lambda: svc.search_audit(db, actor, flt, before_id=before_id), show,
               failed=self._failed, key="rows").run()

    def _update_count(self) -> None:
        rows = self.model.rowCount()
        if rows == 0:
            self.count.setText("条件に合う記録はありません。")
            return
        more = "以上（下へスクロールすると続きを読み込みます）" if self.model.has_more else ""
        self.count.setText(f"{rows} 件{more}")

    def _failed(self, exc: Exception) -> None:  # the count must not keep saying 検索中
        self.count.setText("検索できませんでした。")
        show_failure(self, exc, reading=True)

    # --- export -----------------------------------------------------------------------
    def export(self) -> None:
        """Ask where to save, then write the searched records there."""
        suggested = Path.home() / f"操作記録_{datetime.now(svc.JAPAN_TIME):%Y%m%d}.xlsx"
        path, chosen = QFileDialog.getSaveFileName(
            self, "操作記録の書き出し", str(suggested), ";;".join(_EXPORT_FILTERS.values()))
        if not path:
            return
        fmt = next((f for f, label in _EXPORT_FILTERS.items() if label == chosen), "xlsx")
        suffix = Path(path).suffix.lower()
        if suffix in (".csv", ".xlsx"):
            fmt = suffix[1:]
        else:
            path += f".{fmt}"
        self.export_to(Path(path), fmt)

    def export_to(self, path: Path | str, fmt: str) -> None:
        """Write the records of the last search (or of the widgets, before any) to *path*.

        Runs off the GUI thread; `export_finished` is emitted when the file is complete.
        """
        path = Path(path)
        flt = self._filter if self._searched else self.current_filter()
        db, actor = self.db, self.actor
        self.status_message.emit("操作記録を書き出しています…")

        def done(count: int) -> None:
            self.status_message.emit(f"{count} 件の操作記録を「{path}」に書き出しました。")
            self.export_finished.emit(str(path), count)

        # A write: taking a copy out is itself recorded in the log.
        WriteOp(self, lambda: export_audit(db, actor, flt, fmt, path), done,
                busy=(self.export_button,)).run()
