"""Small widget factories shared by the tabs."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

ROW_HEIGHT = 26


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
