"""開催日時: the sessions of an event, one line each (date, start, end, what it is).

A seminar has one line; a course (つむぎすと講座 全5回) has several. 「開催日を追加」 starts a
new line a week after the last one, at the same times and with the next 第N回, since courses
mostly meet weekly. Times may stay 未定.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from PySide6.QtCore import QSignalBlocker, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.services.events import SessionDraft
from kyodo_desk.ui.date_inputs import NO_TIME, TimeEdit, date_edit, day_of, qdate, qtime
from kyodo_desk.ui.line_grid import LineGrid

_NUMBERED = re.compile(r"^第(\d+)回$")


def short_date_edit() -> QDateEdit:
    """A date box as every form's (2026年11月24日（火）), narrow enough for a line of several
    fields."""
    edit = date_edit()
    edit.setMinimumWidth(176)
    return edit


class OptionalTimeEdit(TimeEdit):
    """A time that may be 未定 (shown for 00:00: no event starts at midnight).

    Digits typed over 未定 start a time (「1000」 or 「10:00」 → 10:00), as they do over a
    time; Delete sets 未定 again.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("HH:mm")
        self.setMinimumTime(NO_TIME)
        self.setSpecialValueText("未定")
        self.setFixedWidth(76)
        self.setToolTip("「1000」のように数字で入力（Delete で未定）")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and not event.modifiers():
            self.setTime(NO_TIME)
            return
        if self.time() == NO_TIME and event.text().isdigit():
            # Over the special text the sections take no digits: leave it first, silently
            # (one second past midnight shows as 00:00 and is replaced by what is typed).
            with QSignalBlocker(self):
                self.setTime(QTime(0, 0, 1))
            self.setSelectedSection(QDateTimeEdit.Section.HourSection)
        super().keyPressEvent(event)


def _time_of(edit: QTimeEdit) -> time | None:
    value = edit.time()
    return None if value == NO_TIME else time(value.hour(), value.minute())


class SessionLine:
    """The widgets of one session; they sit in the editor's grid."""

    def __init__(self, session: SessionDraft) -> None:
        self.held_on = short_date_edit()
        self.held_on.setObjectName("sessionDate")
        self.start = OptionalTimeEdit()
        self.start.setObjectName("sessionStart")
        self.end = OptionalTimeEdit()
        self.end.setObjectName("sessionEnd")
        self.label = QLineEdit()
        self.label.setObjectName("sessionLabel")
        self.label.setPlaceholderText("第1回・内容など（任意）")
        self.label.setMinimumWidth(110)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("この開催日を削除します")
        self.remove.setAutoRaise(True)
        self.held_on.setDate(qdate(session.held_on))
        self.start.setTime(qtime(session.start_time) if session.start_time else NO_TIME)
        self.end.setTime(qtime(session.end_time) if session.end_time else NO_TIME)
        self.label.setText(session.label)

    def widgets(self) -> list[QWidget]:
        return [self.held_on, self.start, self.end, self.label, self.remove]

    def value(self) -> SessionDraft:
        return SessionDraft(day_of(self.held_on.date()), _time_of(self.start),
                            _time_of(self.end), self.label.text())


class SessionsEditor(QWidget):
    """Lines of sessions with 追加 and 削除; `changed` on every edit, `lines_changed` when a
    line comes or goes (the form then puts the new fields into its Tab order)."""

    changed = Signal()
    lines_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionsEditor")
        self.lines: list[SessionLine] = []
        self._grid = LineGrid(("開催日", "開始", "終了", "内容"), stretch_column=3)
        self.add_button = QPushButton("＋ 開催日を追加")
        self.add_button.setObjectName("addSession")
        self.add_button.setAutoDefault(False)
        self.add_button.setToolTip("最後の開催日の1週間後に、同じ時刻で追加します")
        self.add_button.clicked.connect(self.add_line)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._grid)
        layout.addLayout(buttons)

    # --- in and out -------------------------------------------------------------------
    def sessions(self) -> tuple[SessionDraft, ...]:
        return tuple(line.value() for line in self.lines)

    def set_sessions(self, sessions: tuple[SessionDraft, ...]) -> None:
        while self.lines:
            self._drop(self.lines[-1])
        for session in sessions:
            self._append(session)
        self._lines_changed()

    def focus_widgets(self) -> list[QWidget]:
        """The fields in Tab order: each line left to right, then 追加."""
        return [w for line in self.lines for w in line.widgets()] + [self.add_button]

    # --- lines ------------------------------------------------------------------------
    def add_line(self) -> SessionLine:
        """A new line a week after the last, same times, next 第N回; the cursor goes there."""
        last = self.lines[-1].value() if self.lines else None
        if last is None:
            session = SessionDraft(date.today())
        else:
            numbered = _NUMBERED.match(last.label.strip())
            label = f"第{int(numbered.group(1)) + 1}回" if numbered else ""
            session = SessionDraft(last.held_on + timedelta(weeks=1), last.start_time,
                                   last.end_time, label)
        line = self._append(session)
        self._lines_changed()
        self.changed.emit()
        line.held_on.setFocus()
        return line

    def remove_line(self, line: SessionLine) -> None:
        if len(self.lines) <= 1:
            return  # an event has at least one day; change it rather than remove it
        index = self.lines.index(line)
        self._drop(line)
        self._lines_changed()
        self.changed.emit()
        self.lines[min(index, len(self.lines) - 1)].held_on.setFocus()

    def _append(self, session: SessionDraft) -> SessionLine:
        line = SessionLine(session)
        self._grid.place(len(self.lines) + 1, line.widgets())
        line.held_on.dateChanged.connect(self.changed)
        line.start.timeChanged.connect(self.changed)
        line.end.timeChanged.connect(self.changed)
        line.label.textChanged.connect(self.changed)
        line.remove.clicked.connect(lambda _=False, line=line: self.remove_line(line))
        self.lines.append(line)
        return line

    def _drop(self, line: SessionLine) -> None:
        self.lines.remove(line)
        self._grid.remove(line.widgets(), [kept.widgets() for kept in self.lines])

    def _lines_changed(self) -> None:
        for line in self.lines:
            line.remove.setEnabled(len(self.lines) > 1)
        self.lines_changed.emit()
