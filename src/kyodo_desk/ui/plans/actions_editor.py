"""取組 (a plan's actions) as an editable table: one line each — name, who carries it
(組織 / 市 / 協働), when, the indicator, its target and unit, what it is — with ↑ ↓ ✕ and
「取組を追加」. A line keeps the id of the stored action it edits, so that the years already
recorded for it stay with it when lines move."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.plans import ACTION_CARRIER_LABELS, ActionCarrier
from kyodo_desk.services.plans import ActionDraft
from kyodo_desk.ui.line_grid import LineGrid, LineList, line_buttons
from kyodo_desk.ui.number_box import NumberBox

HIGHEST_TARGET = 99_999_999
PARTS = ("title", "carrier", "schedule", "indicator", "target", "unit", "detail")


def target_box(field: str, label: str) -> NumberBox:
    box = NumberBox(field, label, lowest=0, highest=HIGHEST_TARGET, optional=True)
    box.setFixedWidth(box.fontMetrics().horizontalAdvance("0" * 9) + 16)
    return box


@dataclass(frozen=True)
class ActionTexts:
    """One line as typed (the target as text, so a draft keeps what is not yet a number)."""

    title: str = ""
    carrier: str = ActionCarrier.ORGANISATION.value
    schedule: str = ""
    indicator: str = ""
    target: str = ""
    unit: str = ""
    detail: str = ""
    id: int | None = None

    @classmethod
    def of(cls, action: ActionDraft) -> ActionTexts:
        return cls(action.title, action.carrier.value, action.schedule, action.indicator,
                   "" if action.target is None else str(action.target), action.unit,
                   action.detail, action.id)


class ActionLine:
    """The widgets of one action; they sit in the editor's grid."""

    def __init__(self, texts: ActionTexts) -> None:
        self.id = texts.id
        self.title = QLineEdit()
        self.title.setObjectName("actionTitle")
        self.title.setPlaceholderText("取組の名称（例: 防災マップづくり）")
        self.title.setMinimumWidth(180)
        self.carrier = QComboBox()
        self.carrier.setObjectName("actionCarrier")
        self.carrier.setToolTip("主体: 地域づくり組織・市・協働")
        for carrier in ActionCarrier:
            self.carrier.addItem(ACTION_CARRIER_LABELS[carrier], carrier.value)
        self.schedule = QLineEdit()
        self.schedule.setObjectName("actionSchedule")
        self.schedule.setPlaceholderText("令和8〜9年度")
        self.schedule.setMinimumWidth(110)
        self.indicator = QLineEdit()
        self.indicator.setObjectName("actionIndicator")
        self.indicator.setPlaceholderText("参加者数")
        self.indicator.setMinimumWidth(120)
        self.target = target_box("actions.target", "目標値")
        self.target.setObjectName("actionTarget")
        self.unit = QLineEdit()
        self.unit.setObjectName("actionUnit")
        self.unit.setPlaceholderText("人")
        self.unit.setFixedWidth(self.unit.fontMetrics().horizontalAdvance("世帯以上") + 14)
        self.detail = QLineEdit()
        self.detail.setObjectName("actionDetail")
        self.detail.setPlaceholderText("内容（任意）")
        self.detail.setMinimumWidth(150)
        self.up, self.down, self.remove = line_buttons("取組")
        self.set_texts(texts)

    def inputs(self) -> list[QWidget]:
        return [self.title, self.carrier, self.schedule, self.indicator, self.target,
                self.unit, self.detail]

    def widgets(self) -> list[QWidget]:
        return [*self.inputs(), self.up, self.down, self.remove]

    def input_for(self, part: str) -> QWidget:
        return self.inputs()[PARTS.index(part)] if part in PARTS else self.title

    def texts(self) -> ActionTexts:
        return ActionTexts(self.title.text(), str(self.carrier.currentData()),
                           self.schedule.text(), self.indicator.text(), self.target.text(),
                           self.unit.text(), self.detail.text(), self.id)

    def set_texts(self, t: ActionTexts) -> None:
        self.id = t.id
        self.title.setText(t.title)
        self.carrier.setCurrentIndex(max(self.carrier.findData(t.carrier), 0))
        self.schedule.setText(t.schedule)
        self.indicator.setText(t.indicator)
        self.target.setText(t.target)
        self.unit.setText(t.unit)
        self.detail.setText(t.detail)
        for edit in (self.title, self.schedule, self.indicator, self.detail):
            edit.setCursorPosition(0)  # a long text shows its beginning, not its end
        self.detail.setToolTip(t.detail)

    def value(self) -> ActionDraft:
        """The action for the draft: no target where the box holds what cannot be stored
        (the form refuses to save while it does)."""
        t = self.texts()
        return ActionDraft(t.title, ActionCarrier(t.carrier), t.detail, t.schedule,
                           t.indicator, self.target.value(), t.unit, t.id)


class ActionsEditor(LineList[ActionLine], QWidget):
    """The plan's actions in order; `changed` on every edit."""

    changed = Signal()
    lines_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("actionsEditor")
        self.lines: list[ActionLine] = []
        self._editable = True
        self._grid = LineGrid(("取組 *", "主体", "実施時期", "指標", "目標値", "単位", "内容"),
                              stretch_column=0)
        for column, stretch in ((0, 3), (2, 1), (3, 2), (6, 3)):
            self._grid.setColumnStretch(column, stretch)
        self.add_button = QPushButton("＋ 取組を追加")
        self.add_button.setObjectName("addAction")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_line)
        self.empty = QLabel("取組はまだありません。「＋ 取組を追加」で1行ずつ入力します。")
        self.empty.setStyleSheet("color: #666;")
        below = QHBoxLayout()
        below.addWidget(self.add_button)
        below.addWidget(self.empty)
        below.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._grid)
        layout.addLayout(below)
        layout.addStretch(1)

    # --- in and out -------------------------------------------------------------------
    def drafts(self) -> tuple[ActionDraft, ...]:
        return tuple(line.value() for line in self.lines)

    def texts(self) -> tuple[ActionTexts, ...]:
        return tuple(line.texts() for line in self.lines)

    def set_texts(self, texts: Sequence[ActionTexts]) -> None:
        while len(self.lines) > len(texts):
            self._drop(self.lines[-1])
        while len(self.lines) < len(texts):
            self._append(ActionTexts())
        for line, t in zip(self.lines, texts, strict=True):
            line.set_texts(t)
        self._lines_changed()

    def inputs(self) -> list[QWidget]:
        return [w for line in self.lines for w in line.inputs()]

    def set_editable(self, editable: bool) -> None:
        for line in self.lines:
            for widget in line.inputs():
                if isinstance(widget, QLineEdit):
                    widget.setReadOnly(not editable)
                else:
                    widget.setEnabled(editable)
            for button in (line.up, line.down, line.remove):
                button.setVisible(editable)
        self.add_button.setVisible(editable)
        self._editable = editable

    # --- lines ------------------------------------------------------------------------
    def _new_line(self) -> ActionLine:
        return self._append(ActionTexts())

    def _first_input(self, line: ActionLine) -> QWidget:
        return line.title

    def _append(self, texts: ActionTexts) -> ActionLine:
        line = self._place(ActionLine(texts))
        for edit in (line.title, line.schedule, line.indicator, line.target, line.unit,
                     line.detail):
            edit.textChanged.connect(self._edited)
        line.carrier.currentIndexChanged.connect(self._edited)
        if not self._editable:
            self.set_editable(False)
        return line

    def _edited(self, *_args: object) -> None:
        self.changed.emit()

    def _lines_changed(self) -> None:
        self._number_the_buttons()
        for n, line in enumerate(self.lines):
            # A refused target names its line, as the service would.
            line.target.field = f"actions.{n + 1}.target"
            line.target.label = f"{n + 1}番目の取組の目標値"
        self.empty.setVisible(not self.lines)
        self.lines_changed.emit()
