"""The lookup list: facilities first, then groups and people in reading order, page by page."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from kyodo_desk.services.contacts import ContactPage, DirectoryEntry, EntryRef, PageKey
from kyodo_desk.ui.contacts.labels import short_kind_label
from kyodo_desk.ui.widgets import RowsModel

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("区分", "名称・氏名", "よみ", "電話番号", "住所")
NAME_COLUMN, READING_COLUMN, ADDRESS_COLUMN = 1, 2, 4
FACILITY_TINT = QColor("#eef5ea")


class DirectoryModel(RowsModel[DirectoryEntry]):
    """Rows come from the search service; the next page is asked for when the view needs it."""

    columns = COLUMNS

    def __init__(self, request_page: Callable[[PageKey], None]) -> None:
        super().__init__()
        self._rows: list[DirectoryEntry] = []
        self._next: PageKey | None = None
        self._loading = False
        self._request_page = request_page

    # --- filling ----------------------------------------------------------------------
    def reset(self, facilities: list[DirectoryEntry], page: ContactPage) -> None:
        self.beginResetModel()
        self._rows = [*facilities, *page.entries]
        self._next = page.next_key
        self._loading = False
        self.endResetModel()

    def append(self, page: ContactPage) -> None:
        self._loading = False
        if page.entries:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.entries) - 1)
            self._rows.extend(page.entries)
            self.endInsertRows()
        self._next = page.next_key

    def page_failed(self) -> None:
        """The page asked for did not come: it is asked for again as the view needs it."""
        self._loading = False

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._next is not None and not self._loading

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self._next is not None:
            self._loading = True
            self._request_page(self._next)

    # --- reading ----------------------------------------------------------------------
    def contact_rows(self) -> int:
        return sum(1 for e in self._rows if e.ref.table == "contact")

    def row_of(self, ref: EntryRef) -> int:
        return next((i for i, e in enumerate(self._rows) if e.ref == ref), -1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        entry = self.entry(index.row())
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return short_kind_label(entry.kind, entry.group_type)
            if column == ADDRESS_COLUMN:
                return f"〒{entry.postal_code} {entry.address}" if entry.postal_code else entry.address
            return (None, entry.name, entry.reading, entry.phone)[column]
        if role == Qt.ItemDataRole.BackgroundRole and entry.ref.table == "facility":
            return FACILITY_TINT
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (NAME_COLUMN, READING_COLUMN,
                                                                      ADDRESS_COLUMN):
            return self.data(index) or None  # a narrowed column still tells it all
        return None
