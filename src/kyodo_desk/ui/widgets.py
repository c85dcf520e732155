"""Small widget factories shared by the tabs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QTableView,
    QWidget,
)

from kyodo_desk.domain.grants import MAX_YEN
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS

if TYPE_CHECKING:  # the sign-in's frame uses this module before SQLAlchemy is loaded
    from kyodo_desk.services.contacts import DirectoryEntry

ROW_HEIGHT = 26
CELL_MARGINS = 8  # a cell's margins and grid line around its text
ROOM = 8  # a column fitted to its text keeps this much more, not to run into the next one


def record_list(model: QAbstractItemModel, object_name: str) -> QTableView:
    """A read-only list of records: whole rows selected one at a time, fixed row heights.

    Fixed heights keep the vertical header O(1); sized to contents it is O(rows).
    """
    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    vertical = table.verticalHeader()
    vertical.hide()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(ROW_HEIGHT)
    return table


_Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


class ColumnsModel(QAbstractTableModel):
    """A flat, read-only table with fixed column titles; subclasses give rows and data()."""

    columns: tuple[str, ...] = ()

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None


class RowsModel(ColumnsModel, Generic[T]):
    """All of its records in memory (short lists); subclasses give data()."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[T] = []

    def entry(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)


class SearchListKeys(QObject):
    """The keyboard of a search box over a list, as every lookup tab has it.

    ↓ / PageDown in the box go into the list (selecting the first row); Enter in the box
    stops waiting for more typing and goes into the list, and also opens the selected record
    when *enter_opens* (not where opening is audited: Enter in the box is not a choice of
    record); Enter on the list opens the selected record.
    """

    def __init__(self, search: QLineEdit, table: QTableView, *, open_current: Callable[[], None],
                 typing_done: Callable[[], None], enter_opens: bool) -> None:
        super().__init__(search)
        self._search, self._table = search, table
        self._open, self._typing_done, self._enter_opens = open_current, typing_done, enter_opens
        search.installEventFilter(self)
        table.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        if watched is self._search and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.focus_list()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if watched is self._search:
                self._typing_done()
                self.focus_list()
                if not self._enter_opens:
                    return True
            self._open()
            return True
        return super().eventFilter(watched, event)

    def focus_list(self) -> None:
        if self._table.model().rowCount() and not self._table.currentIndex().isValid():
            self._table.selectRow(0)
        self._table.setFocus()


def fit_columns(table: QTableView, columns: Iterable[int], *, widest: int) -> None:
    """Each of *columns* as wide as its title or the longest text the rows now hold, up to
    *widest* pixels (a longer text is cut and the model's tooltip has it whole); the columns
    left to stretch share what this frees."""
    header = table.horizontalHeader()
    for column in columns:
        fitted = max(header.sectionSizeHint(column), table.sizeHintForColumn(column)) + ROOM
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, min(fitted, widest))


def text_width(table: QTableView, column: int, *texts: str) -> int:
    """A width for *column* that shows its title and each of *texts* (every text it can hold)
    whole, whichever rows the list shows: it does not change as the list is narrowed."""
    widest = max(table.fontMetrics().horizontalAdvance(text) for text in texts)
    return max(widest + CELL_MARGINS, table.horizontalHeader().sectionSizeHint(column)) + ROOM


def filter_combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
    """A filter's choice box: (label, value) pairs, named for tests and styles."""
    combo = QComboBox()
    combo.setObjectName(f"{name}Filter")
    # As wide as its longest choice, also once `fill_choices_later` brings longer ones (the
    # default fits the first choices only: 「東部市民サービスセンター」 was cut).
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    for label, value in items:
        combo.addItem(label, value)
    return combo


def fill_choices_later(combo: QComboBox,
                       load: Callable[[], list[tuple[str, object]]]) -> None:
    """Replace *combo*'s choices with those *load* reads in the background, keeping the one
    chosen meanwhile; the box is usable at once with the choices it was made with."""
    from kyodo_desk.ui.operations import ReadOp

    def fill(items: list[tuple[str, object]]) -> None:
        chosen = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for label, value in items:
            combo.addItem(label, value)
        combo.setCurrentIndex(max(combo.findData(chosen), 0))
        combo.blockSignals(False)

    ReadOp(combo, load, fill, key="choices").run()


WINDOW_FRAME = 40  # the title bar and borders the window manager adds around a window


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size *window* to *width* × *height*, or to the screen it opens on if that is smaller
    (a counter PC's 1280×800 less its taskbar), so that no button falls below the screen."""
    screen = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    window.resize(min(width, screen.width() - WINDOW_FRAME),
                  min(height, screen.height() - WINDOW_FRAME))


def ctrl_enter(parent: QWidget, slot: Callable[[], object]) -> None:
    """Ctrl+Enter (either Enter key) runs *slot* anywhere in *parent*: a form's 保存, which a
    plain Enter in a field never does."""
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        QShortcut(QKeySequence(Qt.KeyboardModifier.ControlModifier | key), parent, slot)


def single_shot(parent: QObject, interval: int, slot: Callable[[], object]) -> QTimer:
    """A restartable one-shot timer (search as you type waits for a pause)."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval)
    timer.timeout.connect(slot)
    return timer


def contact_line(entry: DirectoryEntry) -> str:
    """A contact as a candidate list shows it: 名前　（区分・よみ・電話）."""
    kind = (GROUP_TYPE_LABELS.get(entry.group_type, "") if entry.group_type
            else KIND_LABELS.get(entry.kind, ""))
    details = "・".join(x for x in (kind, entry.reading, entry.phone) if x)
    return f"{entry.name}　（{details}）" if details else entry.name


def yen_box(placeholder: str) -> QLineEdit:
    """An amount of yen, right-aligned as amounts are read. Its text goes to the service as
    typed, and parse_yen takes 「3,000,000」「３００００００円」「¥300,000」 or refuses it with the
    field named: never rounded or cut to fit, as a QSpinBox would. Wide enough for the largest
    amount (and the placeholder); the form puts 円 after it (field_errors.with_unit)."""
    box = QLineEdit()
    box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    box.setPlaceholderText(placeholder)
    metrics = box.fontMetrics()
    box.setFixedWidth(max(metrics.horizontalAdvance(f"{MAX_YEN:,}"),
                          metrics.horizontalAdvance(placeholder)) + 16)
    return box


_AT_FAULT = "border: 2px solid #c0392b; border-radius: 3px;"


def show_at_fault(widget: QWidget, at_fault: bool) -> None:
    """Frame an input in red while its value cannot be saved (its own class only, so the
    frame does not spread to the widgets inside it)."""
    selector = widget.metaObject().className()
    widget.setStyleSheet(f"{selector} {{ {_AT_FAULT} }}" if at_fault else "")
