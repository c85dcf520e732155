"""申込時の質問: the questions an event asks at sign-up, one line each — the question, its
kind (自由記入・選択肢・はい／いいえ), the choices, 必須 — with ↑ ↓ ✕ and 「質問を追加」.

A line keeps the id of the stored question it edits, so the answers already given stay with
it when its wording changes or lines move. The choices are typed on the line separated by
「／」 (stored one per line); the box is open only for a 選択肢 question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.events import QUESTION_KIND_LABELS, QuestionKind
from kyodo_desk.domain.questions import MAX_QUESTIONS, Question
from kyodo_desk.ui.line_grid import LineGrid, LineList, line_buttons

CHOICE_SEPARATOR = "／"


def choices_text(choices: Sequence[str]) -> str:
    """「午前の部／午後の部」."""
    return CHOICE_SEPARATOR.join(choices)


def choices_of(text: str) -> tuple[str, ...]:
    """The choices typed, split at 「／」 (or "/"), blanks dropped."""
    parts = text.replace("/", CHOICE_SEPARATOR).split(CHOICE_SEPARATOR)
    return tuple(p.strip() for p in parts if p.strip())


@dataclass(frozen=True)
class QuestionTexts:
    """One line as typed (moved as a whole by ↑ ↓)."""

    prompt: str = ""
    kind: str = QuestionKind.TEXT.value
    choices: str = ""
    required: bool = False
    id: int | None = None

    @classmethod
    def of(cls, q: Question) -> QuestionTexts:
        return cls(q.prompt, q.kind.value, choices_text(q.choices), q.required, q.id)


class QuestionLine:
    """The widgets of one question; they sit in the editor's grid."""

    def __init__(self, texts: QuestionTexts) -> None:
        self.id = texts.id
        self.prompt = QLineEdit()
        self.prompt.setObjectName("questionPrompt")
        self.prompt.setPlaceholderText("例: 食物アレルギーはありますか")
        self.prompt.setMinimumWidth(160)
        self.kind = QComboBox()
        self.kind.setObjectName("questionKind")
        for kind, label in QUESTION_KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.choices = QLineEdit()
        self.choices.setObjectName("questionChoices")
        self.choices.setToolTip("選択肢を「／」で区切って入力します（2つ以上）")
        self.choices.setMinimumWidth(120)
        self.required = QCheckBox("必須")
        self.required.setObjectName("questionRequired")
        self.required.setToolTip("答えがないと申込を受け付けません")
        self.up, self.down, self.remove = line_buttons("質問", "（その回答も消えます）")
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.set_texts(texts)

    def inputs(self) -> list[QWidget]:
        return [self.prompt, self.kind, self.choices, self.required]

    def widgets(self) -> list[QWidget]:
        return [*self.inputs(), self.up, self.down, self.remove]

    def texts(self) -> QuestionTexts:
        return QuestionTexts(self.prompt.text(), str(self.kind.currentData()),
                             self.choices.text(), self.required.isChecked(), self.id)

    def set_texts(self, t: QuestionTexts) -> None:
        self.id = t.id
        self.prompt.setText(t.prompt)
        self.prompt.setCursorPosition(0)
        self.kind.setCurrentIndex(max(self.kind.findData(t.kind), 0))
        self.choices.setText(t.choices)
        self.required.setChecked(t.required)
        self._kind_changed()

    def value(self) -> Question:
        t = self.texts()
        kind = QuestionKind(t.kind)
        return Question(t.prompt, kind, choices_of(t.choices) if kind is QuestionKind.CHOICE
                        else (), t.required, t.id)

    def _kind_changed(self, *_args: object) -> None:
        choice = self.kind.currentData() == QuestionKind.CHOICE.value
        self.choices.setEnabled(choice)
        self.choices.setPlaceholderText("午前の部／午後の部" if choice else "")


class QuestionsEditor(LineList[QuestionLine], QWidget):
    """The event's sign-up questions in the order asked; `changed` on every edit,
    `lines_changed` when a line comes or goes (the form then redoes its Tab order)."""

    changed = Signal()
    lines_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionsEditor")
        self.lines: list[QuestionLine] = []
        self._grid = LineGrid(("質問", "答え方", "選択肢", ""), stretch_column=0)
        self._grid.setColumnStretch(0, 3)
        self._grid.setColumnStretch(2, 2)
        self.add_button = QPushButton("＋ 質問を追加")
        self.add_button.setObjectName("addQuestion")
        self.add_button.setAutoDefault(False)
        self.add_button.setToolTip(f"申込のとき（窓口・当日参加）に尋ねる質問です（{MAX_QUESTIONS}問まで）。"
                                   "回答は名簿と参加者一覧に出ます")
        self.add_button.clicked.connect(self.add_line)
        self.empty = QLabel("質問なし（アレルギーの有無や参加する回などを尋ねるときに追加します）")
        self.empty.setStyleSheet("color: #666;")
        below = QHBoxLayout()
        below.addWidget(self.add_button)
        below.addWidget(self.empty)
        below.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._grid)
        layout.addLayout(below)
        self._lines_changed()

    # --- in and out -------------------------------------------------------------------
    def questions(self) -> tuple[Question, ...]:
        return tuple(line.value() for line in self.lines)

    def set_questions(self, questions: Sequence[Question]) -> None:
        while self.lines:
            self._drop(self.lines[-1])
        for q in questions:
            self._append(QuestionTexts.of(q))
        self._lines_changed()

    def focus_widgets(self) -> list[QWidget]:
        """The fields in Tab order: each line left to right, then 追加."""
        return [w for line in self.lines for w in line.widgets()] + [self.add_button]

    # --- lines ------------------------------------------------------------------------
    def _new_line(self) -> QuestionLine:
        return self._append(QuestionTexts())

    def _first_input(self, line: QuestionLine) -> QWidget:
        return line.prompt

    def _append(self, texts: QuestionTexts) -> QuestionLine:
        line = self._place(QuestionLine(texts))
        for edit in (line.prompt, line.choices):
            edit.textChanged.connect(self._edited)
        line.kind.currentIndexChanged.connect(self._edited)
        line.required.toggled.connect(self._edited)
        return line

    def _edited(self, *_args: object) -> None:
        self.changed.emit()

    def _lines_changed(self) -> None:
        self._number_the_buttons()
        self.empty.setVisible(not self.lines)
        self.add_button.setEnabled(len(self.lines) < MAX_QUESTIONS)
        # The heading row says nothing over no lines.
        for column in range(4):
            item = self._grid.itemAtPosition(0, column)
            if item is not None and (heading := item.widget()) is not None:
                heading.setVisible(bool(self.lines))
        self.lines_changed.emit()
