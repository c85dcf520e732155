"""The 市民活動団体一覧's choices in the 印刷物 tab: 並べ方 (活動分野別 / 地域別), 地域, and the
same list saved as Excel or CSV (公開用: only what each group agreed to publish)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QPushButton,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.labels import DISTRICT_CHOICES
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.ui.operations import WriteOp

LEAFLET = "group-directory"
EVERY_DISTRICT = "すべての地域"
BY_LABELS = {"field": "活動分野別", "district": "地域別"}
# What the directory shows: a change to any of these makes the preview stale.
TABLES = frozenset({"contacts", "contact_activity_fields", "activity_fields"})


class GroupDirectoryOptions(QWidget):
    """並べ方 and 地域 for the leaflet (`changed` when either is picked), and 書き出す."""

    changed = Signal()
    status_message = Signal(str)
    exported = Signal(str)  # the path written

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.by = QComboBox()
        self.by.setObjectName("directoryBy")
        for value, label in BY_LABELS.items():
            self.by.addItem(label, value)
        self.district = QComboBox()
        self.district.setObjectName("directoryDistrict")
        self.district.addItem(EVERY_DISTRICT, None)
        for name in DISTRICT_CHOICES:
            self.district.addItem(name, name)
        self.export_button = QPushButton("Excel・CSV に書き出す…")
        self.export_button.setObjectName("directoryExport")
        self.export_button.setToolTip("同じ団体を、公開に同意した項目だけの表（.xlsx か .csv）に"
                                      "書き出します。ホームページへの掲載などに使えます")
        self.export_button.clicked.connect(self.ask_and_export)
        self.by.currentIndexChanged.connect(lambda _: self.changed.emit())
        self.district.currentIndexChanged.connect(lambda _: self.changed.emit())
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("並べ方", self.by)
        form.addRow("地域", self.district)
        form.addRow(self.export_button)

    def render_options(self) -> dict[str, Any]:
        """What leaflets.render is told besides the name."""
        return {"by": self.by.currentData(), "district": self.district.currentData()}

    def ask_and_export(self) -> None:
        district = self.district.currentData()
        suggested = Path.home() / f"市民活動団体一覧{f'_{district}' if district else ''}.xlsx"
        path, chosen = QFileDialog.getSaveFileName(
            self, "市民活動団体一覧を書き出す", str(suggested),
            "Excel ブック (*.xlsx);;CSV（カンマ区切り） (*.csv)")
        if not path:
            return
        if not path.lower().endswith((".xlsx", ".csv")):
            path += ".csv" if "csv" in chosen.lower() else ".xlsx"
        self.export(Path(path))

    def export(self, path: Path) -> None:
        """Write the directory (the 地域 chosen) to *path*, .xlsx or .csv, off the GUI
        thread; the export is audited with its count."""
        from kyodo_desk.exports.group_directory import export_group_directory

        fmt = "csv" if path.suffix.lower() == ".csv" else "xlsx"
        db, actor, district = self.db, self.actor, self.district.currentData()
        self.status_message.emit("市民活動団体一覧を書き出しています…")

        def done(count: int) -> None:
            self.status_message.emit(f"{count} 団体の市民活動団体一覧を「{path}」に書き出しました。")
            self.exported.emit(str(path))

        WriteOp(self, lambda: export_group_directory(db, actor, fmt, path, district=district),
                done, busy=(self.export_button,)).run()
