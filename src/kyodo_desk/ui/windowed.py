"""A table model over a list too long to hold: it knows the total, keeps a few blocks of rows.

The view may scroll to any row of a million. Rows arrive a block at a time from a background
query and only the blocks seen last are kept, so memory stays flat however far the user
scrolls. A block is asked for by the key of the row before it when that is known (cheap at
any depth), otherwise by its offset (a jump with the scroll bar).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from kyodo_desk.ui.widgets import ColumnsModel

T = TypeVar("T")
_Index = QModelIndex | QPersistentModelIndex
PageKey = tuple[Any, ...]
LOADING = "…"

# (block number, key of the row before it or None, offset)
BlockRequest = Callable[[int, PageKey | None, int], None]


class WindowedModel(ColumnsModel, Generic[T]):
    """Subclasses give `columns` and `cell(entry, column, role)`."""

    block_size = 100
    blocks_kept = 30

    def __init__(self, request_block: BlockRequest) -> None:
        super().__init__()
        self._request_block = request_block
        self._blocks: OrderedDict[int, list[T]] = OrderedDict()
        self._keys_before: dict[int, PageKey] = {}  # block → sort key of the row before it
        self._pending: set[int] = set()
        self._total = 0

    # --- filling ----------------------------------------------------------------------
    def reset(self, first: Sequence[T], next_key: PageKey | None, total: int | None = None) -> None:
        """Start over with the first block; *total* may follow later by `set_total`."""
        self.beginResetModel()
        self._blocks.clear()
        self._keys_before.clear()
        self._pending.clear()
        self._blocks[0] = list(first)
        if next_key is not None:
            self._keys_before[1] = next_key
        self._total = total if total is not None else len(first)
        self.endResetModel()

    def set_total(self, total: int) -> None:
        if total > self._total:
            self.beginInsertRows(QModelIndex(), self._total, total - 1)
            self._total = total
            self.endInsertRows()
        elif total < self._total:
            self.beginRemoveRows(QModelIndex(), total, self._total - 1)
            self._total = total
            self.endRemoveRows()

    def block_arrived(self, block: int, rows: Sequence[T], next_key: PageKey | None) -> None:
        self._pending.discard(block)
        self._blocks[block] = list(rows)
        self._blocks.move_to_end(block)
        if next_key is not None:
            self._keys_before[block + 1] = next_key
        while len(self._blocks) > self.blocks_kept:
            self._blocks.popitem(last=False)
        first = block * self.block_size
        last = min(first + self.block_size, self._total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))

    def block_failed(self, block: int) -> None:
        self._pending.discard(block)

    # --- reading ----------------------------------------------------------------------
    @property
    def total(self) -> int:
        return self._total

    def loaded_rows(self) -> int:
        """Rows held in memory now (for the memory benchmark and tests)."""
        return sum(len(rows) for rows in self._blocks.values())

    def entry(self, row: int, *, fetch: bool = True) -> T | None:
        """The row's record, or None while its block is still being read."""
        if not 0 <= row < self._total:
            return None
        block, within = divmod(row, self.block_size)
        rows = self._blocks.get(block)
        if rows is None:
            if fetch:
                self._fetch(block)
            return None
        self._blocks.move_to_end(block)
        return rows[within] if within < len(rows) else None

    def row_where(self, test: Callable[[T], bool]) -> int:
        """The first loaded row whose record passes *test*, or -1."""
        for block, rows in self._blocks.items():
            for within, entry in enumerate(rows):
                if test(entry):
                    return block * self.block_size + within
        return -1

    def _fetch(self, block: int) -> None:
        if block in self._pending:
            return
        self._pending.add(block)
        self._request_block(block, self._keys_before.get(block), block * self.block_size)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        entry = self.entry(index.row())
        if entry is None:
            return LOADING if role == Qt.ItemDataRole.DisplayRole else None
        return self.cell(entry, index.column(), role)

    def cell(self, entry: T, column: int, role: int) -> object:
        raise NotImplementedError
