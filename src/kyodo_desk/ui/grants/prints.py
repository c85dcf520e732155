"""A programme's papers (印刷 ▾): 募集案内, 審査表, 審査結果 順位表 and the year's 採択事業一覧・
実施結果, made off the GUI thread and shown in the events' PdfPreview (保存・印刷); and the
採択事業一覧 saved as a spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.grants import ProgrammeDetail
from kyodo_desk.ui.operations import ReadOp, show_failure
from kyodo_desk.ui.pdf_preview import PdfPreview


@dataclass(frozen=True)
class GrantPrint:
    name: str  # the leaflet's name for leaflets.render
    title: str
    tip: str
    per_year: bool = False  # made for the fiscal year, not for the programme


GRANT_PRINTS = (
    GrantPrint("grant-call", "募集案内", "選んだ交付金の募集案内（目的・対象・募集期間・提出書類・審査の観点）"),
    GrantPrint("grant-score-sheets", "審査表", "審査員が手書きで採点する、案件ごとの審査表"),
    GrantPrint("grant-ranking", "審査結果 順位表", "審査の点数と順位の一覧"),
    GrantPrint("grant-results", "採択事業一覧・実施結果",
               "その年度の採択事業と実施結果の公表用一覧", per_year=True),
)


def file_safe(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or "交付金"


class ProgrammePrints(QObject):
    """The 印刷 ▾ button of the tab, acting on the programme *current()* returns."""

    status_message = Signal(str)
    exported = Signal(str)  # the path written

    def __init__(self, db: Database, actor: Actor,
                 current: Callable[[], ProgrammeDetail | None], parent: QWidget) -> None:
        super().__init__(parent)
        self.db, self.actor, self._current, self._parent = db, actor, current, parent
        self.preview: PdfPreview | None = None  # the last paper made, while it is open
        self.button = QToolButton()
        self.button.setObjectName("grantPrints")
        self.button.setText("印刷 ▾")
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        self.button.setToolTip("選んだ交付金の募集案内・審査表・順位表、年度の採択事業一覧")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.actions = {}
        for paper in GRANT_PRINTS:
            action = menu.addAction(f"{paper.title}…")
            action.setToolTip(paper.tip)
            action.triggered.connect(lambda _=False, p=paper: self.print_paper(p.name))
            self.actions[paper.name] = action
        menu.addSeparator()
        self.export_action = menu.addAction("採択事業一覧を保存…")
        self.export_action.setToolTip("その年度の採択事業一覧を Excel（.xlsx）か CSV に書き出します")
        self.export_action.triggered.connect(self.ask_and_export)
        menu.setToolTipsVisible(True)
        self.button.setMenu(menu)

    def print_paper(self, name: str) -> None:
        """Make the paper off the GUI thread, then preview it with 保存 and 印刷."""
        from kyodo_desk import leaflets

        programme = self._current()
        paper = next((p for p in GRANT_PRINTS if p.name == name), None)
        if programme is None or paper is None:
            return
        db, actor = self.db, self.actor
        about = (fiscal_year_label(programme.fiscal_year) if paper.per_year
                 else f"{fiscal_year_label(programme.fiscal_year)} {programme.name}")
        fiscal_year = programme.fiscal_year if paper.per_year else None
        programme_id = None if paper.per_year else programme.id
        self.status_message.emit(f"「{paper.title}」を作成しています…")

        def show(pdf: bytes) -> None:
            preview = PdfPreview(f"{paper.title} — {about}",
                                 f"{paper.title}_{file_safe(about)}.pdf", pdf, self._parent)
            preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            preview.setModal(True)
            preview.status_message.connect(self.status_message)
            self.preview = preview
            self.status_message.emit("")
            preview.show()

        ReadOp(self._parent, lambda: leaflets.render(
            name, db, actor, fiscal_year=fiscal_year, programme_id=programme_id), show).run()

    def ask_and_export(self) -> None:
        programme = self._current()
        if programme is None:
            return
        suggested = Path.home() / f"採択事業一覧_{fiscal_year_label(programme.fiscal_year)}.xlsx"
        path, chosen = QFileDialog.getSaveFileName(
            self._parent, "採択事業一覧を保存", str(suggested),
            "Excel ブック (*.xlsx);;CSV（カンマ区切り） (*.csv)")
        if not path:
            return
        if not path.lower().endswith((".xlsx", ".csv")):
            path += ".csv" if "csv" in chosen.lower() else ".xlsx"
        self.export_results(Path(path))

    def export_results(self, path: Path) -> None:
        """Write the fiscal year's adopted projects to *path* (.xlsx or .csv) off the GUI thread."""
        from kyodo_desk.exports.grants import write_results

        programme = self._current()
        if programme is None:
            return
        db, actor, year = self.db, self.actor, programme.fiscal_year
        self.export_action.setEnabled(False)

        def done(_result: object) -> None:
            self.export_action.setEnabled(True)
            self.status_message.emit(
                f"{fiscal_year_label(year)}の採択事業一覧を「{path}」に書き出しました。")
            self.exported.emit(str(path))

        def failed(exc: Exception) -> None:
            self.export_action.setEnabled(True)
            show_failure(self._parent, exc, reading=True)

        # Reads the database, writes only the file.
        ReadOp(self._parent, lambda: write_results(db, actor, year, path), done,
               failed=failed).run()
