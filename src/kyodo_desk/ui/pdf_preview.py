"""The print preview (印刷プレビュー) of the whole app: a made PDF on screen with 保存 and 印刷.

Every paper the window makes — an event's チラシ, a programme's 募集案内, a カルテ, a plan's
実施状況, 市民協働の推進状況 — is shown here; saving and printing go through ui/pdf_output.py as
the 印刷物 tab's do, so a PDF is written and sent to the printer the same way everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.ui import pdf_output
from kyodo_desk.ui.widgets import fit_to_screen


def file_safe(text: str, fallback: str = "印刷物") -> str:
    """*text* usable as a file name on Windows too (the characters it refuses made _)."""
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or fallback


class PdfPreview(QDialog, pdf_output.PdfActions):
    """A made PDF on screen, with 保存 and 印刷 as the 印刷物 tab has them."""

    status_message = Signal(str)

    def __init__(self, title: str, file_name: str, pdf: bytes,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        fit_to_screen(self, 820, 900)  # its buttons stay on a 1280×800 screen
        self.pdf, self.file_name = pdf, file_name
        self.document = QPdfDocument(self)
        self._buffer = QBuffer(self)  # the document reads from it for as long as it shows
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.view = QPdfView()
        self.view.setObjectName("pdfPreview")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

        self.info = QLabel(f"A4 {self.document.pageCount()} ページ　{len(pdf) // 1024} KB")
        self.save_button = QPushButton("PDFを保存…")
        self.save_button.clicked.connect(self.ask_and_save)
        self.print_button = QPushButton("印刷…")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.ask_and_print)
        close = QPushButton("閉じる")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info, 1)
        for button in (self.save_button, self.print_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def pdf_file_name(self) -> str:
        return self.file_name

    def page_count(self) -> int:
        return self.document.pageCount()
