"""印刷物 tab: pick a leaflet, see its pages, save the PDF or print it."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk import leaflets
from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.ui import group_directory_options, pdf_output
from kyodo_desk.ui.operations import ReadOp, show_failure


class LeafletsTab(QWidget, pdf_output.PdfActions):
    status_message = Signal(str)
    rendered = Signal(str)  # the leaflet's name, once its pages are on screen

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.pdf = b""
        self._buffer: QBuffer | None = None

        self.choices = QListWidget()
        self.choices.setObjectName("leafletList")
        for info in leaflets.catalog():
            item = QListWidgetItem(info.title)
            item.setData(Qt.ItemDataRole.UserRole, info)
            item.setToolTip(f"{info.description}\n（コマンド: kyodo-desk leaflet {info.name} -o FILE.pdf）")
            self.choices.addItem(item)
        self.choices.setMinimumWidth(240)
        self.description = QLabel()
        self.description.setObjectName("leafletDescription")
        self.description.setWordWrap(True)
        self.choices.currentItemChanged.connect(lambda *_: self.render_current())
        # The group directory's 並べ方・地域 and its spreadsheet, shown while it is chosen.
        self.directory_options = group_directory_options.GroupDirectoryOptions(db, actor)
        self.directory_options.changed.connect(self.render_current)
        self.directory_options.status_message.connect(self.status_message)
        self.directory_options.hide()

        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setObjectName("leafletPreview")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.info = QLabel()
        self.info.setObjectName("leafletInfo")

        self.save_button = QPushButton("PDFを保存…")
        self.save_button.clicked.connect(self.ask_and_save)
        self.print_button = QPushButton("印刷…")
        self.print_button.clicked.connect(self.ask_and_print)
        refresh = QPushButton("作り直す")
        refresh.setToolTip("施設の情報などを読み直して、もう一度作成します")
        refresh.clicked.connect(self.render_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info, 1)
        buttons.addWidget(refresh)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.view, 1)
        right_layout.addLayout(buttons)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.choices, 1)
        left_layout.addWidget(self.description)
        left_layout.addWidget(self.directory_options)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._set_ready(False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.choices.currentRow() < 0 and self.choices.count():
            self.choices.setCurrentRow(0)  # renders the first leaflet when first shown

    def current(self) -> leaflets.LeafletInfo | None:
        item = self.choices.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    # --- rendering --------------------------------------------------------------------
    def render_current(self) -> None:
        info = self.current()
        if info is None:
            return
        db, actor = self.db, self.actor
        self._set_ready(False)
        self.description.setText(info.description)
        directory = info.name == group_directory_options.LEAFLET
        self.directory_options.setVisible(directory)
        options = self.directory_options.render_options() if directory else {}
        self.info.setText(f"「{info.title}」を作成しています…")

        def failed(exc: Exception) -> None:  # the line must not keep saying 作成しています
            self.info.setText(f"「{info.title}」を作成できませんでした。")
            show_failure(self, exc, reading=True)

        # Another leaflet chosen meanwhile: only the last one chosen is shown.
        ReadOp(self, lambda: leaflets.render(info.name, db, actor, **options),
               lambda pdf: self._show(info, pdf), failed=failed, key="leaflet").run()

    def _show(self, info: leaflets.LeafletInfo, pdf: bytes) -> None:
        self.pdf = pdf
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(buffer)
        if self._buffer is not None:  # the document has let go of the previous one
            self._buffer.deleteLater()
        self._buffer = buffer
        pages = self.document.pageCount()
        self.info.setText(f"{info.title}　A4 {pages} ページ　{len(pdf) // 1024} KB")
        self._set_ready(True)
        self.rendered.emit(info.name)

    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        """Facilities changed at some counter: the contact blocks must show the new data (and
        the group directory its groups, while on screen: contacts change all day, and a
        directory of hundreds of groups takes seconds to make)."""
        info = self.current()
        directory = (info is not None and info.name == group_directory_options.LEAFLET
                     and self.isVisible())
        shown = {"facilities"} | (group_directory_options.TABLES if directory else set())
        if self.pdf and (tables is None or not tables.isdisjoint(shown)):
            self.render_current()

    def _set_ready(self, ready: bool) -> None:
        self.save_button.setEnabled(ready)
        self.print_button.setEnabled(ready)

    # --- saving and printing ----------------------------------------------------------
    def pdf_file_name(self) -> str:
        info = self.current()
        return f"{info.title}.pdf" if info is not None else "印刷物.pdf"
