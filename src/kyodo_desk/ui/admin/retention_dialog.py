"""相談記録の保存年限 (administrators): set how long consultation records are kept, see how
many are past it, and anonymise them.

The rules, the permission checks and the audit are in services.retention; this is the form.
Counting and anonymising read or write up to a million rows, so both run off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services import retention as svc
from kyodo_desk.ui.field_errors import FieldErrors
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure

TITLE = "相談記録の保存年限"
FOREVER = "保存年限を設けない"
_NOTE_STYLE = "color: #666;"


def years_text(years: int | None) -> str:
    return FOREVER if years is None else f"{years}年"


class RetentionDialog(QDialog):
    """Shows the setting and the records past it; saves the setting; anonymises on request."""

    loaded = Signal()  # the setting and the count on screen are as stored now
    saved = Signal(object)  # the years saved (None: kept for ever)
    anonymised = Signal(int)  # how many records were anonymised

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.db, self.actor, self._today = db, actor, today
        self.stored: int | None = None
        self.expired: int | None = None
        self.busy = False  # saving or anonymising: the dialog stays open until it is done
        self.loading = False
        self._loaded = False
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(520)

        intro = QLabel(
            "保存年限を過ぎた相談記録は、相談者・年代・地区・相談内容・回答・紹介先を消して"
            "匿名化します。相談日・施設・担当者・相談方法・分野・状況・新規／継続は残るため、"
            "統計の件数は変わりません。")
        intro.setWordWrap(True)

        self.current = QLabel()
        self.current.setObjectName("retentionCurrent")
        self.years = QSpinBox()
        self.years.setObjectName("retentionYears")
        self.years.setRange(0, svc.MAX_YEARS)  # 0 is shown as 保存年限を設けない
        self.years.setSpecialValueText(FOREVER)
        self.years.setSuffix(" 年")
        self.years.setMinimumWidth(180)
        self.years.valueChanged.connect(lambda _v: self._update_buttons())
        self.save_button = QPushButton("設定を保存")
        self.save_button.setObjectName("saveRetention")
        self.save_button.clicked.connect(self.save)
        setting_row = QHBoxLayout()
        setting_row.addWidget(self.years)
        setting_row.addWidget(self.save_button)
        setting_row.addStretch(1)
        self.errors = FieldErrors()
        setting = QFormLayout()
        setting.setContentsMargins(0, 0, 0, 0)
        self.errors.add_row(setting, "保存年限", setting_row, "retention_years", focus=self.years)

        self.count = QLabel("件数を数えています…")
        self.count.setObjectName("expiredCount")
        self.count.setWordWrap(True)
        self.run_button = QPushButton("匿名化を実行…")
        self.run_button.setObjectName("anonymise")
        self.run_button.clicked.connect(self.anonymise)
        run_row = QHBoxLayout()
        run_row.addWidget(self.count, 1)
        run_row.addWidget(self.run_button)

        self.status = QLabel()
        self.status.setObjectName("retentionStatus")
        self.status.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(_NOTE_STYLE)
        self.note.hide()
        if not self._may_write():
            self.note.setText("保存年限の設定と匿名化は管理者だけができます。"
                              if not self.db.read_only else self.db.read_only_reason)
            self.note.show()

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("閉じる")
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.current)
        layout.addLayout(setting)
        layout.addLayout(run_row)
        layout.addWidget(self.status)
        layout.addWidget(self.note)
        layout.addWidget(close)
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    # --- reading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the setting and count the records past it, in the background."""
        self._loaded = True
        db, actor, today, count = self.db, self.actor, self._today(), self._may_write()

        def work() -> tuple[int | None, int | None]:
            years = svc.retention_years(db, actor)
            return years, svc.expired_count(db, actor, today) if count else None

        self.loading = True
        self._update_buttons()
        # An older reading still on its way (before a save) would show the old setting.
        ReadOp(self, work, self._show, failed=self._failed, key="setting").run()

    def _show(self, result: tuple[int | None, int | None]) -> None:
        self.loading = False
        self.stored, self.expired = result
        self.current.setText(f"現在の設定: {years_text(self.stored)}")
        self.years.setValue(self.stored or 0)
        if self.stored is None:
            self.count.setText("保存年限を設けていないため、匿名化する相談記録はありません。")
        elif self.expired is None:
            self.count.setText("")
        else:
            cutoff = svc.retention_cutoff(self._today(), self.stored)
            self.count.setText(f"保存年限を過ぎた相談記録（相談日が{full_date(cutoff)}より前）: "
                               f"{self.expired:,} 件")
        self._update_buttons()
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:  # the buttons wait no longer; the line says why
        self.loading = False
        self._update_buttons()
        self.status.setText("保存年限を読み込めませんでした。")
        show_failure(self, exc, reading=True)

    # --- writing --------------------------------------------------------------------------

    def chosen_years(self) -> int | None:
        return self.years.value() or None

    def save(self) -> None:
        if self.busy or self.loading or not self._may_write():
            return
        db, actor, years = self.db, self.actor, self.chosen_years()

        def done(saved: int | None) -> None:
            self._set_busy(False)
            self.errors.show([])
            self.status.setText(f"保存年限を「{years_text(saved)}」に設定しました。")
            self.saved.emit(saved)
            self.refresh()

        self._set_busy(True)
        WriteOp(self, lambda: svc.set_retention_years(db, actor, years), done,
                failed=self._write_failed).run()

    def anonymise(self) -> None:
        if (self.busy or self.loading or not self._may_write() or not self.expired
                or self.stored is None or self._unsaved()):
            return  # the count and the confirmation are for the setting as stored
        today = self._today()
        cutoff = svc.retention_cutoff(today, self.stored)
        answer = QMessageBox.question(
            self, "相談記録の匿名化",
            f"相談日が{full_date(cutoff)}より前の相談記録 {self.expired:,} 件を匿名化します。\n\n"
            "相談者・年代・地区・相談内容・回答・紹介先が消え、元に戻すことはできません。\n"
            "統計の件数（相談日・施設・分野・相談方法など）は変わりません。\n\n"
            "匿名化を実行しますか？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        db, actor = self.db, self.actor

        def done(count: int) -> None:
            self._set_busy(False)
            self.status.setText(f"{count:,} 件の相談記録を匿名化しました。")
            self.anonymised.emit(count)
            self.refresh()

        self._set_busy(True)
        self.status.setText("匿名化しています…（件数が多いと数分かかります）")
        WriteOp(self, lambda: svc.anonymise_expired(db, actor, today), done,
                failed=self._write_failed).run()

    def _write_failed(self, exc: Exception) -> None:
        self._set_busy(False)
        self.status.setText("")
        if isinstance(exc, ValidationError):  # the years refused: said under the box, kept
            self.status.setText("\n".join(p.message for p in self.errors.show(exc.problems)))
            return
        show_error(self, exc, TITLE)
        self.refresh()  # a batch or two may be done: show what is stored now

    # --- state ----------------------------------------------------------------------------

    def _unsaved(self) -> bool:
        return self.chosen_years() != self.stored

    def _may_write(self) -> bool:
        return not self.db.read_only and self.actor.may(Action.DELETE, Resource.CONSULTATIONS)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        writable = self._may_write() and not self.busy and not self.loading
        unsaved = self._unsaved()
        self.years.setEnabled(writable)
        self.save_button.setEnabled(writable and unsaved)
        self.run_button.setEnabled(writable and not unsaved and bool(self.expired))
        self.run_button.setToolTip("先に保存年限を保存してください。" if unsaved else "")

    def reject(self) -> None:
        if not self.busy:  # a batch may be half a second from being committed
            super().reject()
