"""Saving and printing a made PDF (保存・印刷), the same way from the 印刷物 tab and from every
print preview (`PdfActions`)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from PySide6.QtCore import QPoint, QSize, SignalInstance
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QWidget

from kyodo_desk.domain.errors import UserError
from kyodo_desk.exports.tabular import replaced_atomically
from kyodo_desk.ui.messages import show_error


def save_pdf(parent: QWidget, pdf: bytes, path: Path) -> str | None:
    """Write *pdf* to *path* whole or not at all, and never over a folder, device or link;
    the status line to show, or None when it could not be written (the reason shown)."""
    try:
        with replaced_atomically(path) as temp:
            temp.write_bytes(pdf)
    except UserError as exc:
        show_error(parent, exc)
        return None
    return f"{path} に保存しました。"


def chosen_printer(parent: QWidget) -> QPrinter | None:
    """The printer the person chose in the print dialog, or None if they cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    return printer if dialog.exec() == QPrintDialog.DialogCode.Accepted else None


def print_pdf(document: QPdfDocument, printer: QPrinter) -> str:
    """Send every page of *document* to *printer*, each scaled to the printable area; the
    status line to show."""
    painter = QPainter()
    if not painter.begin(printer):
        return "プリンターを開けませんでした。"
    try:
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            size = document.pagePointSize(page)
            scale = min(area.width() / size.width(), area.height() / size.height())
            target = QSize(int(size.width() * scale), int(size.height() * scale))
            painter.drawImage(QPoint(0, 0), document.render(page, target))
    finally:
        painter.end()
    return f"{document.pageCount()} ページを印刷に送りました。"


class PdfActions:
    """保存 and 印刷 for a widget that shows a made PDF: it has the bytes (`pdf`), the
    document on show (`document`), a `status_message` signal, and names the file
    (`pdf_file_name`)."""

    pdf: bytes
    document: QPdfDocument
    status_message: SignalInstance

    def pdf_file_name(self) -> str:
        raise NotImplementedError

    def ask_and_save(self) -> None:
        """Ask where (in the home folder at first, under the paper's name), then save."""
        if not self.pdf:
            return
        path, _ = QFileDialog.getSaveFileName(
            self._widget(), "PDFを保存", str(Path.home() / self.pdf_file_name()), "PDF (*.pdf)")
        if path:
            self.save_pdf(Path(path) if path.lower().endswith(".pdf") else Path(path + ".pdf"))

    def save_pdf(self, path: Path) -> None:
        said = save_pdf(self._widget(), self.pdf, path)
        if said:
            self.status_message.emit(said)

    def ask_and_print(self) -> None:
        printer = chosen_printer(self._widget())
        if printer is not None:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        self.status_message.emit(print_pdf(self.document, printer))

    def _widget(self) -> QWidget:
        return cast(QWidget, self)  # the mixin is only ever part of a widget
