"""The grid of an editable list of lines (開催日, 審査の観点): a grey heading row, then one row
of widgets per line, rows closed up when a line is removed."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget


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
