"""日付の表記 (administrators): the app-wide choice of 西暦 or 和暦 for screens, messages and
prints (services.date_style). It takes effect at the next sign-in, on every counter alike:
a window already open keeps the style it began with rather than mix both."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import DateStyle, date_with_weekday, print_style, screen_style
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import date_style_setting as svc
from kyodo_desk.ui.operations import ReadOp, WriteOp

TITLE = "日付の表記"
EXAMPLE_DAY = date(2026, 11, 24)
TAKES_EFFECT = "次回のサインインから、画面・メッセージ・印刷物の日付がこの表記になります。"
_NOTE_STYLE = "color: #666;"


def unset_text() -> str:
    """What the app writes while the setting is not made."""
    return f"未設定（画面は{screen_style().value}、印刷物は{print_style().value}）"


class DateStyleDialog(QDialog):
    """Shows the stored style and saves the one chosen."""

    loaded = Signal()
    saved = Signal(object)  # the DateStyle saved

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle(TITLE)
        self.stored: DateStyle | None = None
        self.choices = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("画面・メッセージ・印刷物の日付の書き方を選んでください。"))
        self.buttons: dict[DateStyle, QRadioButton] = {}
        for n, style in enumerate(DateStyle):
            button = QRadioButton(f"{style.value}（例: {date_with_weekday(EXAMPLE_DAY, style)}）")
            button.setObjectName(f"date_style_{style.name.lower()}")
            self.choices.addButton(button, n)
            self.buttons[style] = button
            layout.addWidget(button)
        self.current = QLabel("")
        self.current.setStyleSheet(_NOTE_STYLE)
        note = QLabel(TAKES_EFFECT + "\n日付欄には、どちらの表記でも入力できます"
                      "（2026/11/24、R8.11.24 など）。\n"
                      "ファイルへの書き出し（オープンデータなど）は 2026-11-24 の形のままです。")
        note.setStyleSheet(_NOTE_STYLE)
        note.setWordWrap(True)
        self.box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                    | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.box.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("保存")
        self.box.button(QDialogButtonBox.StandardButton.Cancel).setText("キャンセル")
        self.box.accepted.connect(self.save)
        self.box.rejected.connect(self.reject)
        for widget in (self.current, note, self.box):
            layout.addWidget(widget)
        self.save_button.setEnabled(False)  # until the stored setting is read
        self.resize(600, self.sizeHint().height())
        ReadOp(self, lambda: svc.stored_date_style(db, actor), self._show).run()

    def _show(self, stored: DateStyle | None) -> None:
        self.stored = stored
        self.current.setText(f"現在の設定: {stored.value}" if stored else
                             f"現在の設定: {unset_text()}")
        self.buttons[stored or screen_style()].setChecked(True)
        self.save_button.setEnabled(True)
        self.loaded.emit()

    def chosen(self) -> DateStyle:
        return next(s for s, b in self.buttons.items() if b.isChecked())

    def save(self) -> None:
        style, db, actor = self.chosen(), self.db, self.actor

        def done(saved: DateStyle) -> None:
            self.saved.emit(saved)
            self.accept()

        WriteOp(self, lambda: svc.save_date_style(db, actor, style), done,
                busy=(self.save_button,)).run()
