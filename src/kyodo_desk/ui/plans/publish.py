"""Publication and the year's figures (公表・集計) from the 地域計画 tab, without the command line.

The board's 「公表・集計 ▾」 button writes, for the board's fiscal year, the static web pages of
every district's 実施状況 (a folder for the city's website), the same as CSV, and the yearly
report 市民協働の推進状況 as a PDF (previewed) or an Excel workbook; the plan window prints
one edition's year (`preview_plan_report`). Each is made off the GUI thread: a ReadOp, since
they read the database and write only files (public prints leave no audit row).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.ui.messages import ask, show_error
from kyodo_desk.ui.operations import ReadOp
from kyodo_desk.ui.pdf_preview import PdfPreview, file_safe

HTML, CSV, GUIDELINE_PDF, GUIDELINE_XLSX = "html", "csv", "guideline-pdf", "guideline-xlsx"
MENU_TEXT = "公表・集計 ▾"
OPEN_FOLDER, CLOSE = "open", "close"


def documents_folder() -> Path:
    """Where the save dialogs start: the user's documents (ドキュメント), else the home folder."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def pages_folder_name(fiscal_year: int) -> str:
    """「計画の公表_令和8年度」: the folder the year's web pages are written into."""
    return f"計画の公表_{fiscal_year_label(fiscal_year)}"


def pages_folder(chosen: Path, fiscal_year: int) -> Path:
    """The pages go into the folder chosen when it is empty or holds an earlier export of them;
    otherwise (ドキュメント itself, say) into a folder of the year's name inside it, so that
    nothing of the clerk's is mixed with the pages."""
    from kyodo_desk.exports.plans_html import previous_export

    if chosen.is_dir() and not chosen.is_symlink() and previous_export(chosen):
        return chosen
    return chosen / pages_folder_name(fiscal_year)


def open_preview(parent: QWidget, title: str, file_name: str, pdf: bytes,
                 said: Callable[[str], None]) -> PdfPreview:
    """The made PDF in the app's preview (保存・印刷), modal over *parent*; what the preview
    says (saved, printed) goes to *said*."""
    preview = PdfPreview(title, file_name, pdf, parent)
    preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    preview.setModal(True)
    preview.status_message.connect(said)
    preview.show()
    return preview


def plan_report_names(district: str, edition: int, fiscal_year: int) -> tuple[str, str]:
    """The preview's title and the PDF's file name of one edition's year."""
    year = fiscal_year_label(fiscal_year)
    return (f"地域まちづくり計画の実施状況 — {district} 第{edition}版 {year}",
            f"計画の実施状況_{file_safe(district)}_第{edition}版_{year}.pdf")


def make_plan_report(db: Database, actor: Actor, plan_id: int, fiscal_year: int) -> bytes:
    """The public A4 report of one edition's year (plan-report); run off the GUI thread."""
    from kyodo_desk import leaflets

    return leaflets.render("plan-report", db, actor, plan_id=plan_id, fiscal_year=fiscal_year)


class PublishMenu(QObject):
    """The board's 「公表・集計 ▾」 button, acting on the fiscal year *fiscal_year()* returns."""

    status_message = Signal(str)
    written = Signal(str)  # the path written (a file, or the pages' folder)

    def __init__(self, db: Database, actor: Actor, fiscal_year: Callable[[], int],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.db, self.actor, self._year, self._parent = db, actor, fiscal_year, parent
        self.preview: PdfPreview | None = None  # the last report made, while it is open
        self.button = QToolButton()
        self.button.setObjectName("planPublish")
        self.button.setText(MENU_TEXT)
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        self.button.setToolTip("選んだ年度の実施状況の公表用ページ・CSV と、市民協働の推進状況")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu = QMenu(self.button)
        self.menu.setObjectName("planPublishMenu")
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        self._add(HTML, "実施状況の公表用ページを書き出す…", self.ask_and_write_pages,
                  "全地域の計画の実施状況を、市のホームページに載せる HTML のページ（フォルダ）に"
                  "書き出します")
        self._add(CSV, "実施状況の一覧（CSV）…", self.ask_and_save_csv,
                  "全地域の計画の取組ごとの実施状況を CSV に書き出します")
        self.menu.addSeparator()
        self._add(GUIDELINE_PDF, "市民協働の推進状況（PDF）…", self.show_guideline,
                  "指針の5つの方向ごとの指標を前年度と比べた報告書（公表用）を表示します")
        self._add(GUIDELINE_XLSX, "市民協働の推進状況（Excel）…", self.ask_and_save_guideline,
                  "指針の5つの方向ごとの指標を Excel（.xlsx）に書き出します")
        self.button.setMenu(self.menu)

    def _add(self, key: str, text: str, slot: Callable[[], None], tip: str) -> None:
        action = self.menu.addAction(text)
        action.setToolTip(tip)
        action.triggered.connect(lambda _=False: slot())
        self.actions[key] = action

    # --- running one job at a time --------------------------------------------------------
    def _run(self, busy: str, work: Callable[[], object],
             done: Callable[[object], None]) -> None:
        """*work* off the GUI thread, the button disabled meanwhile (one paper at a time)."""
        self.button.setEnabled(False)
        self.status_message.emit(busy)

        def finished(value: object) -> None:
            self._give_back()
            done(value)

        def failed(exc: Exception) -> None:
            self._give_back()
            self.status_message.emit("")
            show_error(self._parent, exc)  # asked for by the clerk: always said in a box

        ReadOp(self._parent, work, finished, failed=failed).run()

    def _give_back(self) -> None:
        if shiboken6.isValid(self.button):
            self.button.setEnabled(True)

    def _save_path(self, title: str, name: str, filter_: str, suffix: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self._parent, title,
                                              str(documents_folder() / name), filter_)
        if not path:
            return None
        return Path(path) if path.lower().endswith(suffix) else Path(path + suffix)

    # --- 実施状況の公表用ページ ---------------------------------------------------------------
    def ask_and_write_pages(self) -> None:
        year = self._year()
        name = pages_folder_name(year)
        chosen = QFileDialog.getExistingDirectory(
            self._parent, f"公表用ページの保存先を選ぶ（中に「{name}」をつくります）",
            str(documents_folder()))
        if chosen:
            self.write_pages(pages_folder(Path(chosen), year))

    def write_pages(self, folder: Path) -> None:
        """Write the board year's pages into *folder*; then say where index.html is and offer
        to open the folder."""
        from kyodo_desk.exports.plans_html import INDEX, write_plans_html

        db, actor, year = self.db, self.actor, self._year()
        label = fiscal_year_label(year)

        def done(pages: object) -> None:
            index = folder / INDEX
            self.status_message.emit(f"{label}の公表用ページ（{pages} ページ）を「{folder}」に"
                                     "書き出しました。")
            self.written.emit(str(folder))
            answer = ask(self._parent, "公表用ページ",
                         f"{label}の地域まちづくり計画の実施状況を、{pages} ページの公表用ページに"
                         f"書き出しました。\n\nフォルダ: {folder}\n最初のページ: {index}\n\n"
                         "フォルダごと市のホームページの担当に渡してください。",
                         [(OPEN_FOLDER, "フォルダを開く"), (CLOSE, "閉じる")],
                         default=OPEN_FOLDER, escape=CLOSE)
            if answer == OPEN_FOLDER:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

        self._run(f"{label}の公表用ページを書き出しています…",
                  lambda: write_plans_html(db, actor, year, folder), done)

    # --- 実施状況の一覧（CSV） --------------------------------------------------------------
    def ask_and_save_csv(self) -> None:
        year = self._year()
        path = self._save_path("実施状況の一覧を保存",
                               f"計画の実施状況_{fiscal_year_label(year)}.csv",
                               "CSV（カンマ区切り） (*.csv)", ".csv")
        if path is not None:
            self.save_csv(path)

    def save_csv(self, path: Path) -> None:
        from kyodo_desk.exports.plans import write_plans_csv

        db, actor, year = self.db, self.actor, self._year()
        label = fiscal_year_label(year)

        def done(rows: object) -> None:
            self.status_message.emit(f"{label}の地域まちづくり計画の実施状況（{rows} 行）を"
                                     f"「{path}」に書き出しました。")
            self.written.emit(str(path))

        self._run(f"{label}の実施状況の一覧を書き出しています…",
                  lambda: write_plans_csv(db, actor, year, path), done)

    # --- 市民協働の推進状況 ---------------------------------------------------------------
    def show_guideline(self) -> None:
        """The report for the board's year, made off the GUI thread, in the preview."""
        from kyodo_desk import leaflets

        db, actor, year = self.db, self.actor, self._year()
        label = fiscal_year_label(year)

        def done(pdf: object) -> None:
            assert isinstance(pdf, bytes)
            self.status_message.emit("")
            self.preview = open_preview(self._parent, f"市民協働の推進状況 — {label}",
                                        f"市民協働の推進状況_{label}.pdf", pdf,
                                        self.status_message.emit)

        self._run(f"{label}の市民協働の推進状況を作成しています…",
                  lambda: leaflets.render("guideline-report", db, actor, fiscal_year=year),
                  done)

    def ask_and_save_guideline(self) -> None:
        path = self._save_path("市民協働の推進状況を保存",
                               f"市民協働の推進状況_{fiscal_year_label(self._year())}.xlsx",
                               "Excel ブック (*.xlsx)", ".xlsx")
        if path is not None:
            self.save_guideline(path)

    def save_guideline(self, path: Path) -> None:
        from kyodo_desk.exports.guideline import export_guideline

        db, actor, year = self.db, self.actor, self._year()
        label = fiscal_year_label(year)

        def done(_report: object) -> None:
            self.status_message.emit(f"{label}の市民協働の推進状況（前年度比較: "
                                     f"{fiscal_year_label(year - 1)}）を「{path}」に書き出しました。")
            self.written.emit(str(path))

        self._run(f"{label}の市民協働の推進状況を集計しています…",
                  lambda: export_guideline(db, actor, year, path), done)
