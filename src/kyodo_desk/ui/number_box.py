"""NumberBox (数値の入力欄): a whole number kept exactly as typed.

A QSpinBox changes what was typed without a word — it drops a decimal point (「1500.5」 became
15,005円), cuts digits beyond its maximum (100000 became 10000) and raises 0 to its minimum.
This box keeps the text; `number()` reads it with domain/numbers.py and refuses it with the
field named, so the form shows the reason beside the box (ui/field_errors.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from kyodo_desk.domain.bounds import FIELD_BOUNDS, NumberBound
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.numbers import figure, parse_whole_number


class NumberBox(QLineEdit):
    def __init__(self, field: str, label: str, *, lowest: int, highest: int, unit: str = "",
                 optional: bool = False, empty_text: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field, self.label, self.unit = field, label, unit
        self.lowest, self.highest, self.optional = lowest, highest, optional
        self.setObjectName(field)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setPlaceholderText(empty_text)
        self.setToolTip(f"{figure(lowest)}〜{figure(highest)}{unit}"
                        + (f"（空欄は「{empty_text}」）" if optional and empty_text else ""))
        digits = len(f"{highest:,}") + len(unit) + 2
        self.setFixedWidth(max(self.fontMetrics().horizontalAdvance("0" * digits),
                               self.fontMetrics().horizontalAdvance(empty_text)) + 16)

    @classmethod
    def for_column(cls, table: str, column: str, *, unit: str = "", optional: bool = False,
                   empty_text: str = "", field: str | None = None) -> NumberBox:
        """A box for *table*.*column*, with the label and range the domain gives that column
        (domain/bounds.py), so the box refuses exactly what the service would."""
        bound = FIELD_BOUNDS[table][column]
        assert isinstance(bound, NumberBound), f"{table}.{column} is not a number"
        return cls(field or column, bound.label, lowest=bound.lowest, highest=bound.highest,
                   unit=unit, optional=optional, empty_text=empty_text)

    def number(self) -> int | None:
        """What was typed (None: left empty, where that is allowed); raises ValidationError."""
        return parse_whole_number(self.text(), self.field, self.label, lowest=self.lowest,
                                  highest=self.highest, unit=self.unit, optional=self.optional)

    def value(self) -> int | None:
        """The number for the form's state: None if empty or not yet a number that can be
        stored (`problem()` says why; the form refuses to save while there is one)."""
        try:
            return self.number()
        except ValidationError:
            return None

    def problem(self) -> FieldProblem | None:
        """Why what was typed cannot be stored, or None."""
        try:
            self.number()
        except ValidationError as exc:
            return exc.problems[0]
        return None

    def setValue(self, value: int | str | None) -> None:  # as the QSpinBox it replaces
        """Show a number, or the text `typed_texts` kept."""
        self.setText("" if value is None else str(value))


def typed_texts(boxes: Mapping[str, NumberBox]) -> dict[str, str]:
    """The text of each box (by key) holding what cannot be stored, for a form's state: the
    record has no number for it, and a restored draft shows the text again rather than an
    empty box, which would read as 定員なし or 無料. Saving refuses such a box before the
    record reaches the service (DraftedForm.save)."""
    return {key: box.text() for key, box in boxes.items() if box.problem() is not None}
