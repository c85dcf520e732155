"""The grid of an editable list of lines (開催日, 審査の観点, 取組): a grey heading row, then
one row of widgets per line, rows closed up when a line is removed; and the adding, removing
and moving of lines the editors share (`LineList`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)


class LineGrid(QGridLayout):
    def __init__(self, headings: Sequence[str], stretch_column: int) -> None:
        super().__init__()
        self.setContentsMargins(0, 0, 0, 0)
        self.setHorizontalSpacing(6)
        self.setVerticalSpacing(4)
        for column, text in enumerate(headings):
            heading = QLabel(text)
            heading.setStyleSheet("color: #555;")
            self.addWidget(heading, 0, column)
        self.setColumnStretch(stretch_column, 1)

    def place(self, number: int, widgets: Sequence[QWidget]) -> None:
        """Line *number* (from 1) at its row, shown now: the cursor may go there at once."""
        for column, widget in enumerate(widgets):
            self.addWidget(widget, number, column)
            widget.show()

    def remove(self, widgets: Sequence[QWidget], remaining: Sequence[Sequence[QWidget]]) -> None:
        """Take a line's widgets away; the grid keeps its rows, so the remaining lines are put
        back in order under the heading."""
        for widget in widgets:
            self.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        for number, kept in enumerate(remaining, start=1):
            for column, widget in enumerate(kept):
                self.addWidget(widget, number, column)


def line_buttons(noun: str, removed: str = "") -> tuple[QToolButton, QToolButton, QToolButton]:
    """A line's ↑ ↓ ✕ buttons, their tips naming the line (*noun*: 「質問」) and what removing
    it takes with it (*removed*: 「（その回答も消えます）」)."""

    def tool(text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    return (tool("↑", f"この{noun}を上へ"), tool("↓", f"この{noun}を下へ"),
            tool("✕", f"この{noun}を削除します{removed}"))


class MovableLine(Protocol):
    """One line of an editable list with ↑ ↓ × buttons, its typed texts movable as a whole."""

    up: QAbstractButton
    down: QAbstractButton
    remove: QAbstractButton

    def widgets(self) -> list[QWidget]: ...

    def texts(self) -> Any: ...

    def set_texts(self, texts: Any) -> None: ...


L = TypeVar("L", bound=MovableLine)


class LineList(Generic[L]):
    """Adding, removing and moving the lines of an editable list (取組, 審査の観点), written
    once. The editor (a QWidget) keeps `lines`, `_grid`, `add_button` and a `changed` signal,
    makes a blank line with `_new_line`, names the input that takes the cursor with
    `_first_input`, and says with `_lines_changed` what follows a line coming or going."""

    lines: list[L]
    _grid: LineGrid
    add_button: QPushButton
    changed: Any  # the editor's Signal: emitted on every edit

    def _new_line(self) -> L:
        raise NotImplementedError

    def _first_input(self, line: L) -> QWidget:
        raise NotImplementedError

    def _lines_changed(self) -> None:
        raise NotImplementedError

    def add_line(self) -> L:
        line = self._new_line()
        self._lines_changed()
        self.changed.emit()
        self._first_input(line).setFocus()
        return line

    def remove_line(self, line: L) -> None:
        index = self.lines.index(line)
        self._drop(line)
        self._lines_changed()
        self.changed.emit()
        if self.lines:
            self._first_input(self.lines[min(index, len(self.lines) - 1)]).setFocus()
        else:
            self.add_button.setFocus()

    def move_line(self, line: L, step: int) -> None:
        """Swap the line with the one above (-1) or below (+1), as typed (a number not yet a
        number moves with its line); the cursor moves with it."""
        index = self.lines.index(line)
        other = index + step
        if not 0 <= other < len(self.lines):
            return
        here, there = self.lines[index], self.lines[other]
        texts = here.texts()
        here.set_texts(there.texts())
        there.set_texts(texts)
        self._lines_changed()
        self.changed.emit()
        self._first_input(there).setFocus()

    def _place(self, line: L) -> L:
        """Put a new line under the others, its buttons wired."""
        self._grid.place(len(self.lines) + 1, line.widgets())
        line.up.clicked.connect(lambda _=False, line=line: self.move_line(line, -1))
        line.down.clicked.connect(lambda _=False, line=line: self.move_line(line, 1))
        line.remove.clicked.connect(lambda _=False, line=line: self.remove_line(line))
        self.lines.append(line)
        return line

    def _drop(self, line: L) -> None:
        self.lines.remove(line)
        self._grid.remove(line.widgets(), [kept.widgets() for kept in self.lines])

    def _number_the_buttons(self) -> None:
        """↑ off on the first line, ↓ off on the last."""
        for n, line in enumerate(self.lines):
            line.up.setEnabled(n > 0)
            line.down.setEnabled(n < len(self.lines) - 1)
