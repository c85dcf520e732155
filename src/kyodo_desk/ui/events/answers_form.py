"""申込時の質問 as asked at the counter and at the door: one row per question of the event — a
line for 自由記入, a list for 選択肢, はい・いいえ buttons — the required ones marked ※必須.

A problem with an answer (the service's, or the same check made before saving) stands under
its question, as every form's field problems do (ui/field_errors.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QWidget,
)

from kyodo_desk.domain.errors import FieldProblem
from kyodo_desk.domain.events import QuestionKind
from kyodo_desk.domain.questions import NO, YES, YES_NO_TEXT, Question, answer_field
from kyodo_desk.ui.field_errors import FieldErrors, form_column

REQUIRED_MARK = "※必須"
NOT_CHOSEN = "（選んでください）"
SCROLL_AFTER = 5  # questions; more scroll (the dialog fits the 1280×800 screen)
MOST_SHOWN = 260  # px: the height of the questions' box when they scroll


class _YesNo(QWidget):
    """はい・いいえ, neither chosen at first."""

    def __init__(self) -> None:
        super().__init__()
        self.yes, self.no = QRadioButton(YES_NO_TEXT[YES]), QRadioButton(YES_NO_TEXT[NO])
        self.group = QButtonGroup(self)
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        for button in (self.yes, self.no):
            self.group.addButton(button)
            line.addWidget(button)
        line.addStretch()

    def value(self) -> str:
        return YES if self.yes.isChecked() else NO if self.no.isChecked() else ""


class AnswersForm(QWidget):
    """The event's *questions*, asked; `answers()` is what the sign-up draft takes, `changed`
    is emitted on every answer. `place_in` puts them in the dialog's form: up to SCROLL_AFTER
    as rows of its own (a wrapped red line then takes the room it needs), more in a box that
    scrolls, so the dialog still fits the screen."""

    changed = Signal()

    def __init__(self, questions: Sequence[Question], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answersForm")
        self.questions = tuple(questions)
        self.errors = FieldErrors()
        self.inputs: dict[int, QLineEdit | QComboBox | _YesNo] = {}
        self.labels: list[str] = []
        for q in self.questions:
            assert q.id is not None  # asked questions are stored ones
            self.inputs[q.id] = self._input(q)
            self.labels.append(f"{q.prompt}　{REQUIRED_MARK}" if q.required else q.prompt)

    def place_in(self, form: QFormLayout) -> None:
        """The questions' rows in *form*, or one row holding them where they scroll."""
        rows = form
        self.hide()  # only a frame for the rows that scroll; the rows are the dialog's
        if not self.questions:
            return
        if len(self.questions) > SCROLL_AFTER:
            rows = form_column()
            self.setLayout(rows)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(self)
            self.show()
            scroll.setFixedHeight(MOST_SHOWN)
            form.addRow("申込時の質問", scroll)
        for label, (question_id, box) in zip(self.labels, self.inputs.items(), strict=True):
            self.errors.add_row(rows, label, box, answer_field(question_id),
                                focus=box.yes if isinstance(box, _YesNo) else box,
                                narrow=isinstance(box, QComboBox))

    def _input(self, q: Question) -> QLineEdit | QComboBox | _YesNo:
        if q.kind is QuestionKind.CHOICE:
            combo = QComboBox()
            combo.setObjectName("answerChoice")
            combo.addItem(NOT_CHOSEN, "")
            for choice in q.choices:
                combo.addItem(choice, choice)
            combo.currentIndexChanged.connect(self.changed)
            return combo
        if q.kind is QuestionKind.YES_NO:
            yes_no = _YesNo()
            yes_no.setObjectName("answerYesNo")
            yes_no.group.buttonToggled.connect(self.changed)
            return yes_no
        line = QLineEdit()
        line.setObjectName("answerText")
        line.textChanged.connect(self.changed)
        return line

    def answers(self) -> tuple[tuple[int, str], ...]:
        """(question id, answer) for each answered question."""
        found = []
        for question_id, box in self.inputs.items():
            value = (box.text() if isinstance(box, QLineEdit) else
                     str(box.currentData() or "") if isinstance(box, QComboBox) else box.value())
            if value.strip():
                found.append((question_id, value))
        return tuple(found)

    def fill(self, answers: Mapping[int, str]) -> None:
        """Show *answers* (question id → answer, as stored): a sign-up opened to be changed.
        A question without one is left unanswered."""
        for question_id, box in self.inputs.items():
            value = answers.get(question_id, "")
            if isinstance(box, QLineEdit):
                box.setText(value)
            elif isinstance(box, QComboBox):
                box.setCurrentIndex(max(box.findData(value), 0))
            else:
                box.group.setExclusive(False)  # so that neither may be chosen again
                box.yes.setChecked(value == YES)
                box.no.setChecked(value == NO)
                box.group.setExclusive(True)

    def focus_widgets(self) -> list[QWidget]:
        widgets: list[QWidget] = []
        for box in self.inputs.values():
            widgets += [box.yes, box.no] if isinstance(box, _YesNo) else [box]
        return widgets

    def show_problems(self, problems: Sequence[FieldProblem]) -> list[FieldProblem]:
        """Each problem with an answer under its question; returns the others."""
        return self.errors.show(problems)

    def message(self, question_id: int) -> str:
        """What the red line under the question says now."""
        return self.errors.message(answer_field(question_id))
