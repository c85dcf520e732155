"""チラシの写真 on the event form: a small thumbnail, 「チラシの写真…」 to choose a JPEG or
PNG and 「写真を外す」 (services/events/photos.py). A photo belongs to a saved event: before
the first save the box only says so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.events import photos
from kyodo_desk.services.events.photos import Photo
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import ReadOp, WriteOp

THUMB = 44  # pixels high: the row stays one line of the form
UNSAVED = "保存したイベントに写真を付けられます。"
NONE = "写真なし"


class PhotoBox(QWidget):
    """The flyer photo of the event *event_id* (None: not saved yet)."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.event_id: int | None = None
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB * 4 // 3, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("border: 1px solid palette(mid);")
        self.choose = QPushButton("チラシの写真…")
        self.choose.setToolTip("チラシの上の方に載せる写真（JPEGかPNG、5MBまで）を選びます。")
        self.clear = QPushButton("写真を外す")
        self.note = QLabel(UNSAVED)
        self.note.setStyleSheet("color: palette(placeholder-text);")
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        for widget in (self.thumb, self.choose, self.clear):
            line.addWidget(widget)
        line.addWidget(self.note, 1)
        self.choose.clicked.connect(self._choose)
        self.clear.clicked.connect(self._clear)
        self.set_event(None)

    def set_event(self, event_id: int | None) -> None:
        """Show the photo of *event_id* (read in the background)."""
        self.event_id = event_id
        self._show(None)
        if event_id is not None:
            ReadOp(self, lambda: photos.get_event_photo(self.db, self.actor, event_id),
                   self._show).run()

    def _show(self, photo: Photo | None) -> None:
        saved = self.event_id is not None
        self.choose.setEnabled(saved)
        self.clear.setEnabled(photo is not None)
        self.thumb.setVisible(saved)
        self.thumb.clear()
        if photo is not None:
            pixmap = QPixmap()
            pixmap.loadFromData(photo.image)
            self.thumb.setPixmap(pixmap.scaled(
                self.thumb.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        self.note.setText(UNSAVED if not saved else "" if photo is not None else NONE)

    def _choose(self) -> None:
        event_id = self.event_id
        if event_id is None:
            return
        chosen, _ = QFileDialog.getOpenFileName(self, "チラシの写真", str(Path.home()),
                                                "画像 (*.jpg *.jpeg *.png)")
        if not chosen:
            return
        try:
            image = Path(chosen).read_bytes()
        except OSError as exc:
            show_error(self, UserError(f"ファイルを読めません（{exc.strerror}）。"))
            return
        WriteOp(self, lambda: photos.set_event_photo(self.db, self.actor, event_id, image),
                self._show).run()

    def _clear(self) -> None:
        event_id = self.event_id
        if event_id is None:
            return
        WriteOp(self, lambda: photos.clear_event_photo(self.db, self.actor, event_id),
                lambda _none: self._show(None)).run()
