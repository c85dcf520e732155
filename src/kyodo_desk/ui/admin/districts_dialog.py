"""地域と町名: the administrator corrects which 地域 each town of the city lies in.

The table (services/districts.py) only suggests a record's 地域 from its address; the records
keep what was chosen for them. A town's 地域 is saved as soon as it is chosen in its row, off
the GUI thread; the filter box asks the service again as it is typed (the last answer shows).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.labels import DISTRICTS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services import districts as svc
from kyodo_desk.services.districts import TownDistrict
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure
from kyodo_desk.ui.widgets import single_shot

FILTER_DELAY_MS = 120
INTRO = ("住所から地域の候補を示すための表です。ここで直しても、登録済みの連絡先・イベント・"
         "交付金案件の地域は変わりません（記録は選んだ地域のままです）。")
TOWN_COLUMN, DISTRICT_COLUMN = range(2)


class DistrictsDialog(QDialog):
    """The town table, filtered by the box; each row's 地域 is a choice box saved at once."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.may_change = not db.read_only and actor.may(Action.CHANGE, Resource.DISTRICTS)
        self.setWindowTitle("地域と町名")
        self.resize(520, 640)

        intro = QLabel(INTRO)
        intro.setObjectName("districtsIntro")
        intro.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setObjectName("townSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("町名の一部、または地域名（例: 広面、河辺）で絞り込み")
        self.count = QLabel()
        self.count.setObjectName("townCount")
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("0,000 町名") + 8)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)

        self.table = QTableWidget(0, 2)
        self.table.setObjectName("townTable")
        self.table.setHorizontalHeaderLabels(["町名", "地域"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)  # fixed: no per-row measuring
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TOWN_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DISTRICT_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(DISTRICT_COLUMN, 120)

        self.message = QLabel()
        self.message.setObjectName("districtsMessage")
        self.message.setStyleSheet("color: #1f6f4a;")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("閉じる")
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(close)

        self._timer = single_shot(self, FILTER_DELAY_MS, self.reload)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.reload()

    # --- reading ----------------------------------------------------------------------
    def reload(self) -> None:
        self._timer.stop()
        db, actor, query = self.db, self.actor, self.search.text()
        ReadOp(self, lambda: svc.list_towns(db, actor, query), self._show, key="towns").run()

    def _show(self, rows: list[TownDistrict]) -> None:
        self.table.setRowCount(0)
        self.table.setRowCount(len(rows))
        for row, entry in enumerate(rows):
            self.table.setItem(row, TOWN_COLUMN, QTableWidgetItem(entry.town))
            self.table.setCellWidget(row, DISTRICT_COLUMN, self._district_box(entry))
        self.count.setText(f"{len(rows):,} 町名")

    def _district_box(self, entry: TownDistrict) -> QComboBox:
        box = QComboBox()
        box.setObjectName(f"district_{entry.town}")
        box.addItems(DISTRICTS)
        box.setCurrentText(entry.district)
        box.setEnabled(self.may_change)
        box.setToolTip(f"{entry.town}の地域（選ぶとすぐに保存します）")
        # activated: the administrator's choice only, never the box being filled
        box.activated.connect(lambda _i, town=entry.town, box=box:
                              self.set_district(town, box.currentText(), box))
        return box

    # --- writing ----------------------------------------------------------------------
    def set_district(self, town: str, district: str, box: QComboBox | None = None) -> None:
        """Save *town* in *district*; the row shows what was stored (or goes back on failure)."""
        db, actor = self.db, self.actor
        busy = (box,) if box is not None else ()

        def done(saved: TownDistrict) -> None:
            if box is not None:
                box.setCurrentText(saved.district)
            self.message.setText(f"「{saved.town}」を{saved.district}にしました。")

        def failed(exc: Exception) -> None:
            show_failure(self, exc, reading=False)
            self.reload()  # the rows as stored, not as chosen

        WriteOp(self, lambda: svc.set_district(db, actor, town, district), done,
                failed=failed, busy=busy).run()

    def district_of(self, town: str) -> str | None:
        """The 地域 the row of *town* shows, None if it is not listed (for tests)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, TOWN_COLUMN)
            if item is not None and item.text() == town:
                box = self.table.cellWidget(row, DISTRICT_COLUMN)
                return box.currentText() if isinstance(box, QComboBox) else None
        return None

    def towns_shown(self) -> list[str]:
        return [item.text() for row in range(self.table.rowCount())
                if (item := self.table.item(row, TOWN_COLUMN)) is not None]
