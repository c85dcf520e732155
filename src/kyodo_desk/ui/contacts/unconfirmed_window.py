"""確認から12か月を過ぎた団体: the active groups whose registry entry was last confirmed over
twelve months ago, or never, for the clerk to call and confirm (ツール menu).

Read off the GUI thread as the window opens; 「開く…」 (or a double click) closes it in favour
of the group's form, where 「内容を確認した」 records today as 最終確認日.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.registry_text import NEVER_CONFIRMED
from kyodo_desk.services.contacts.registry import (
    CONFIRM_AFTER_MONTHS,
    UnconfirmedGroup,
    unconfirmed_groups,
)
from kyodo_desk.ui.operations import ReadOp, show_failure
from kyodo_desk.ui.widgets import fit_to_screen

COLUMNS = ("団体名", "地域", "電話番号", "E-mail", "登録日", "最終確認日")


class UnconfirmedGroupsDialog(QDialog):
    """The list; `open_requested` (the group's number) when the clerk opens one."""

    open_requested = Signal(int)
    loaded = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"確認から{CONFIRM_AFTER_MONTHS}か月を過ぎた団体")
        fit_to_screen(self, 900, 560)
        self.groups: list[UnconfirmedGroup] = []
        self.intro = QLabel("読み込んでいます…")
        self.intro.setObjectName("unconfirmedIntro")
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("unconfirmedList")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for column, width in enumerate((240, 60, 120, 180, 120)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.open_current())
        self.open_button = QPushButton("開く…")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_current)
        close = QPushButton("閉じる")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        ReadOp(self, lambda: unconfirmed_groups(db, actor), self._show,
               failed=self._failed).run()

    def _show(self, groups: list[UnconfirmedGroup]) -> None:
        self.groups = groups
        self.intro.setText(
            f"最終確認日から{CONFIRM_AFTER_MONTHS}か月を過ぎた団体と、まだ確認していない団体です"
            f"（{len(groups):,}件、未確認・古い順）。団体に連絡して登録内容を確かめ、編集画面で"
            "「内容を確認した」にチェックして保存してください。")
        self.table.setRowCount(len(groups))
        for row, g in enumerate(groups):
            cells = (g.name, g.district, g.phone, g.email,
                     full_date(g.registered_on) if g.registered_on else "",
                     full_date(g.confirmed_on) if g.confirmed_on else NEVER_CONFIRMED)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, g.id)
                self.table.setItem(row, column, item)
        if groups:
            self.table.selectRow(0)
        self.open_button.setEnabled(bool(groups))
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.intro.setText("一覧を読み込めませんでした。")
        show_failure(self, exc, reading=True)
        self.loaded.emit()

    def open_current(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.groups):
            self.open_requested.emit(self.groups[row].id)
            self.accept()
