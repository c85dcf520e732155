"""The small dialogs of a grant case (進める・支払・返還・期限・書類): a few fields, one service
call off the GUI thread, and whatever the service refuses said inside the dialog.

A refusal changes nothing: the dialog stays open with what was typed, each problem on a red
line under the field it is about (or above the buttons when it is about the case as a whole),
so the officer reads the reason where the figure was typed and may correct it at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.errors import ConnectionLost, FieldProblem, UserError, ValidationError
from kyodo_desk.ui.field_errors import FieldErrors, form_column, say_on, summary_line
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import WriteOp
from kyodo_desk.ui.widgets import ctrl_enter

WARNING_STYLE = ("background: #fff3cd; color: #7a4f01; border: 1px solid #e0c36c; "
                 "padding: 6px;")


class ActionDialog(QDialog):
    """A dialog whose OK button runs one service call in the background.

    Subclasses put their fields in `form` (through `errors.add_row`), may say what can be
    told without the database in `local_problems`, and give the call in `work`. After a
    success `outcome` holds what the service returned and the dialog is accepted; `finished_work`
    tells every outcome (True: done).
    """

    finished_work = Signal(bool)

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.outcome: Any = None
        self._busy = False
        self.errors = FieldErrors()

        self.top = QVBoxLayout()  # headings and warnings above the fields
        self.top.setSpacing(6)
        self.form = form_column()
        self.content = QWidget()
        self.content.setLayout(self.form)
        self.form.setContentsMargins(0, 0, 0, 0)
        # Above the buttons: what refuses the case as a whole, or what is under way.
        self.summary = summary_line("dialogSummary")

        self.ok_button = QPushButton(ok_text)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton("キャンセル")
        self.cancel_button.setAutoDefault(False)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        hint = QLabel("Ctrl+Enter で実行・Esc で閉じる")
        hint.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.top)
        layout.addWidget(self.content)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addLayout(buttons)
        ctrl_enter(self, self.submit)

    # --- what each dialog says --------------------------------------------------------------
    def local_problems(self) -> list[FieldProblem]:
        return []

    def work(self) -> Callable[[], Any]:
        """The service call to run (made on the GUI thread, run off it)."""
        raise NotImplementedError

    # --- running ----------------------------------------------------------------------------
    def submit(self) -> None:
        if self._busy:
            return
        say_on(self.summary, "")
        problems = self.local_problems()
        if problems:
            self._show_problems(problems)
            self.finished_work.emit(False)
            return
        self._show_problems([])
        self._set_busy(True)
        WriteOp(self, self.work(), self._done, failed=self._refused).run()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ok_button.setEnabled(not busy)
        self.content.setEnabled(not busy)
        if busy:
            say_on(self.summary, "記録しています…", busy=True)

    def _done(self, outcome: Any) -> None:
        self._set_busy(False)
        say_on(self.summary, "")
        self.outcome = outcome
        self.finished_work.emit(True)
        self.accept()

    def _refused(self, exc: Exception) -> None:
        """Nothing was changed: say why, keep every field as typed."""
        self._set_busy(False)
        say_on(self.summary, "")
        if isinstance(exc, ValidationError):
            self._show_problems(exc.problems)
        elif isinstance(exc, ConnectionLost):
            say_on(self.summary, f"{exc.message}\n入力した内容は残っています。"
                   "接続が戻ったら、もう一度実行してください。")
        elif isinstance(exc, UserError):  # MoveRefused, a conflict, NotFound, no permission
            say_on(self.summary, exc.message)
        else:
            show_error(self, exc)
        self.finished_work.emit(False)

    def _show_problems(self, problems: Sequence[FieldProblem]) -> None:
        elsewhere = self.errors.show(problems)
        if elsewhere:
            say_on(self.summary, "\n".join(p.message for p in elsewhere))

    def reject(self) -> None:
        if not self._busy:  # the call under way decides; closing now would lose its answer
            super().reject()


def warning_label(name: str) -> QLabel:
    """An amber box for what the officer should know before pressing OK."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(WARNING_STYLE)
    label.hide()
    return label
