"""Form rows whose problems appear right under their input, and the small layout helpers the
forms share (every record form, the account and settings dialogs, the grant dialogs).

A service refuses with `FieldProblem`s naming its fields; `FieldErrors` puts each message on
the red line under the row that answers for that field, frames the input in red and focuses
the first, so the person reads the reason where the value was typed. A problem about no row
is said on the form's one summary line (`summary_line`, written through `say_on`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.errors import FieldProblem
from kyodo_desk.ui.widgets import show_at_fault

ERROR_STYLE = "color: #c0392b;"
ERROR_SUMMARY_STYLE = f"{ERROR_STYLE} font-weight: bold;"
BUSY_STYLE = "color: #555;"  # a summary line saying what is under way, not what is wrong
# The summary line of a refused save whose reasons stand under the fields.
REFUSED = "保存できません。赤い字の説明がある項目を確認してください。"


class FieldErrors:
    """The rows of one form: each field's red line and the input framed for it."""

    def __init__(self) -> None:
        self.lines: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {}

    def add_row(self, form: QFormLayout, label: str | QWidget, content: QWidget | QLayout,
                *fields: str,
                focus: QWidget | None = None, frames: Mapping[str, QWidget] | None = None,
                narrow: bool = False) -> QLabel:
        """A row of *form* answering for the service's *fields*; returns its error line.

        The input framed and focused is *focus* (default: *content*), or a field's own in
        *frames*. A *narrow* input keeps its width; its error line still takes the row's.
        """
        error = QLabel()
        error.setObjectName(f"error_{fields[0]}" if fields else "error")
        error.setWordWrap(True)
        error.setStyleSheet(ERROR_STYLE)
        error.hide()
        box = QVBoxLayout()
        box.setSpacing(2)
        if isinstance(content, QLayout):
            box.addLayout(content)
        elif narrow:
            line = QHBoxLayout()
            line.addWidget(content)
            line.addStretch()
            box.addLayout(line)
        else:
            box.addWidget(content)
        box.addWidget(error)
        form.addRow(label, box)
        framed = focus or content
        assert isinstance(framed, QWidget)
        for field in fields:
            self.lines[field] = error
            self.inputs[field] = (frames or {}).get(field, framed)
        return error

    def show(self, problems: Sequence[FieldProblem], *,
             inputs_for: Callable[[FieldProblem], Sequence[QWidget]] | None = None,
             also: Sequence[QWidget] = ()) -> list[FieldProblem]:
        """Put each problem under its field, frame its inputs and focus the first; returns
        the problems about no row of this form.

        *inputs_for* names the inputs of a problem when a field has several (a line of an
        editable table); *also* are such inputs, whose frames are cleared when not at fault.
        """
        messages: dict[QLabel, list[str]] = {}
        framed: list[QWidget] = []
        elsewhere: list[FieldProblem] = []
        for problem in problems:
            line = self.lines.get(problem.field)
            if line is None:
                elsewhere.append(problem)
                continue
            messages.setdefault(line, []).append(problem.message)
            framed += (inputs_for(problem) if inputs_for else None) or [
                self.inputs[problem.field]]
        for line in set(self.lines.values()):
            text = "\n".join(messages.get(line, []))
            line.setText(text)
            line.setVisible(bool(text))
        for widget in {*self.inputs.values(), *also}:
            show_at_fault(widget, widget in framed)
        if framed:
            framed[0].setFocus()
        return elsewhere

    def message(self, field: str) -> str:
        """What the red line under *field* says now ("" when nothing)."""
        line = self.lines.get(field)
        return line.text() if line is not None and line.isVisible() else ""


def summary_line(name: str) -> QLabel:
    """The form's one line above its fields: what stops a save that no row answers for."""
    line = QLabel()
    line.setObjectName(name)
    line.setWordWrap(True)
    line.setStyleSheet(ERROR_SUMMARY_STYLE)
    line.hide()
    return line


def say_on(line: QLabel, text: str, *, busy: bool = False) -> None:
    """Put *text* on a summary line: in red what stops a save, in grey (*busy*) what is under
    way; no text hides the line."""
    line.setStyleSheet(BUSY_STYLE if busy else ERROR_SUMMARY_STYLE)
    line.setText(text)
    line.setVisible(bool(text))


def form_column() -> QFormLayout:
    column = QFormLayout()
    column.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    column.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    return column


def with_unit(box: QWidget, unit: str) -> QHBoxLayout:
    """An input followed by its unit (円, 名, 時間) and nothing else on the line."""
    line = QHBoxLayout()
    line.addWidget(box)
    line.addWidget(QLabel(unit))
    line.addStretch()
    return line


def text_box(placeholder: str, height: int, name: str = "") -> QPlainTextEdit:
    box = QPlainTextEdit()
    if name:
        box.setObjectName(name)
    box.setTabChangesFocus(True)
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(height)
    return box
