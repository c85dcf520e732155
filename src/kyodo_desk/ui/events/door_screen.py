"""The door's screen (出席確認の画面), one for both doors: the online 出席確認 (checkin_dialog.py,
the database) and the offline 当日受付 (door_window.py, an OfflineDoor).

開催日, the scan box, the big coloured answer, the count, 直近の結果 and, beside them, the name
search with its list, 出席にする and 当日参加…. Each door keeps only where the names, the
check-ins and the walk-ins come from; what the clerk sees and does is the same at both.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.events import MAX_PARTY_SIZE, REGISTRATION_STATUS_LABELS, CheckInOutcome
from kyodo_desk.ui.widgets import SearchListKeys, record_list, text_width

OUTCOME_COLOURS = {
    CheckInOutcome.CHECKED_IN: "#1e8449",  # green
    CheckInOutcome.ALREADY: "#b9770e",  # amber
    CheckInOutcome.REFUSED: "#c0392b",  # red
}
READING_WIDTH = 140  # about ten kana: enough to tell two names apart
HISTORY_KEPT = 8  # the last answers, for "what did it say for the person before?"
DOOR_COLUMNS = ("受付番号", "氏名・団体名", "よみ", "人数", "状況", "この回")
NAME_COLUMN, READING_COLUMN = 1, 2
_IDLE_STYLE = "background: #eef1f4; color: #555; border-radius: 8px; padding: 14px;"
_Index = QModelIndex | QPersistentModelIndex


class DoorAnswerLike(Protocol):
    """What either door answers (CheckInResult online, DoorAnswer offline): 出席にしました,
    出席済みです or 出席にできません, and the sentence under it."""

    @property
    def outcome(self) -> CheckInOutcome: ...

    @property
    def message(self) -> str: ...


def door_cell(index: _Index, role: int, here: bool, cells: Callable[[], tuple[str, ...]]) -> object:
    """A cell of the door's name list: green when checked in for this session, and a long name
    cut in its column whole in its tooltip."""
    if role == Qt.ItemDataRole.DisplayRole:
        return cells()[index.column()]
    if role == Qt.ItemDataRole.ForegroundRole and here:
        return QColor(OUTCOME_COLOURS[CheckInOutcome.CHECKED_IN])
    if role == Qt.ItemDataRole.ToolTipRole and index.column() in (NAME_COLUMN, READING_COLUMN):
        return cells()[index.column()] or None
    return None


@dataclass(frozen=True)
class DoorNames:
    """The widgets' object names, each door its own (tests and styles find them by name)."""

    session: str
    count: str
    scan: str
    outcome: str
    history: str
    find: str
    list: str
    check_in: str
    walk_in: str


class DoorScreen:
    """出席確認の画面: the door's widgets, laid out on the window that inherits this, as Qt
    Designer's Ui_ classes are (`self.setup_door(self, ...)`): the window stays a plain
    QDialog or QWidget, with its widgets as its own attributes.

    The window gives the acts: _scanned, _session_changed, check_in_selected, open_walk_in."""

    title: QLabel
    session: QComboBox
    count: QLabel
    scan: QLineEdit
    outcome: QLabel
    history: QListWidget
    name_search: QLineEdit
    table: QTableView
    check_in_button: QPushButton
    walk_in_button: QPushButton

    def setup_door(self, owner: QWidget, names: DoorNames, model: QAbstractItemModel, *,
                   find_hint: str, statuses: tuple[str, ...], note: QLabel,
                   close: Callable[[], object]) -> None:
        """The widgets, the layout and the keys; *statuses* are every text 状況 can show."""
        self.title = QLabel()
        self.title.setObjectName("detailTitle")
        self.session = QComboBox()
        self.session.setObjectName(names.session)
        self.session.setMinimumWidth(260)
        self.count = QLabel()
        self.count.setObjectName(names.count)
        self.count.setStyleSheet("font-size: 20pt; font-weight: bold; color: #1f4e3d;")

        self.scan = QLineEdit()
        self.scan.setObjectName(names.scan)
        self.scan.setPlaceholderText("受付票のQRコードを読み取ってください")
        big = QFont(self.scan.font())
        big.setPointSize(16)
        self.scan.setFont(big)
        self.scan.setMinimumHeight(44)
        # A scanner types plain keys: with the Japanese IME left on they would sit in a
        # composition, and the scanner's Enter would only commit it instead of checking in.
        self.scan.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.outcome = QLabel()
        self.outcome.setObjectName(names.outcome)
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.RichText)
        self.outcome.setMinimumHeight(170)
        self.outcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.history = QListWidget()
        self.history.setObjectName(names.history)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab skips it; the scan box rules
        self.history.setWordWrap(True)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.name_search = QLineEdit()
        self.name_search.setObjectName(names.find)
        self.name_search.setClearButtonEnabled(True)
        self.name_search.setPlaceholderText(find_hint)
        self.table = record_list(model, names.list)
        self._size_columns(statuses)
        self.check_in_button = QPushButton("出席にする")
        self.check_in_button.setObjectName(names.check_in)
        self.walk_in_button = QPushButton("当日参加…")
        self.walk_in_button.setObjectName(names.walk_in)
        self.walk_in_button.setToolTip("申込のない方を、席があればその場で当日参加として出席にします")
        close_button = QPushButton("閉じる")
        for button in (self.check_in_button, self.walk_in_button, close_button):
            button.setAutoDefault(False)  # the scanner's Enter belongs to the scan box
            button.setDefault(False)
        self._lay_out(owner, note, close_button)

        self.scan.returnPressed.connect(self._scanned)
        self.session.currentIndexChanged.connect(lambda _i: self._session_changed())
        self.check_in_button.clicked.connect(self.check_in_selected)
        self.walk_in_button.clicked.connect(self.open_walk_in)
        close_button.clicked.connect(close)
        self.table.doubleClicked.connect(lambda _index: self.check_in_selected())
        SearchListKeys(self.name_search, self.table, open_current=self.check_in_selected,
                       typing_done=lambda: None, enter_opens=False)

    def _lay_out(self, owner: QWidget, note: QLabel, close: QPushButton) -> None:
        top = QFormLayout()
        top.addRow("開催日", self.session)
        left = QVBoxLayout()
        left.addLayout(top)
        left.addWidget(self.scan)
        left.addWidget(self.outcome)
        left.addWidget(self.count)
        left.addWidget(QLabel("直近の結果"))
        left.addWidget(self.history, 1)
        right = QVBoxLayout()
        right.addWidget(self.name_search)
        right.addWidget(self.table, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.check_in_button)
        actions.addStretch(1)
        actions.addWidget(self.walk_in_button)
        right.addLayout(actions)
        columns = QHBoxLayout()
        columns.addLayout(left, 4)
        columns.addSpacing(12)
        columns.addLayout(right, 6)
        note.setStyleSheet("color: #666;")
        bottom = QHBoxLayout()
        bottom.addWidget(note, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(owner)
        layout.addWidget(self.title)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)
        for first, second in itertools.pairwise(
                [self.scan, self.session, self.name_search, self.table, self.check_in_button,
                 self.walk_in_button, close]):
            owner.setTabOrder(first, second)

    def _size_columns(self, statuses: tuple[str, ...]) -> None:
        """受付番号, 人数, 状況 and この回 as wide as any text they can hold, so that the
        columns stay put as the list narrows to what is typed; よみ about ten kana, and
        氏名・団体名 the rest (each whole in its tooltip)."""
        table, header = self.table, self.table.horizontalHeader()
        widths = {0: text_width(table, 0, "9999"), READING_COLUMN: READING_WIDTH,
                  3: text_width(table, 3, f"{MAX_PARTY_SIZE}名"),
                  4: text_width(table, 4, *REGISTRATION_STATUS_LABELS.values(), *statuses),
                  5: text_width(table, 5, "出席")}
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Stretch)

    def show_door_answer(self, answer: DoorAnswerLike | None) -> None:
        """The answer, big: green, amber or red, and first in 直近の結果; None for the idle
        prompt."""
        if answer is None:
            self.outcome.setStyleSheet(_IDLE_STYLE)
            self.outcome.setText("<div style='font-size: 16pt;'>受付票のQRコードを"
                                 "読み取ってください</div>")
            return
        colour = OUTCOME_COLOURS[answer.outcome]
        self.outcome.setStyleSheet(f"background: {colour}; color: white; border-radius: 8px;"
                                   " padding: 14px;")
        self.outcome.setText(
            f"<div style='font-size: 30pt; font-weight: bold;'>{answer.outcome.value}</div>"
            f"<div style='font-size: 15pt;'>{html.escape(answer.message)}</div>")
        item = QListWidgetItem(f"{answer.outcome.value}　{answer.message}")
        item.setForeground(QColor(colour))
        self.history.insertItem(0, item)
        while self.history.count() > HISTORY_KEPT:
            self.history.takeItem(self.history.count() - 1)

    # --- the window's acts ----------------------------------------------------------------
    def _scanned(self) -> None:
        raise NotImplementedError

    def _session_changed(self) -> None:
        raise NotImplementedError

    def check_in_selected(self) -> None:
        raise NotImplementedError

    def open_walk_in(self) -> QWidget | None:
        raise NotImplementedError
