"""重複候補の確認 (officers and administrators): every likely pair of contacts over the whole
registry, scored and with its reasons, to work through one by one.

Per pair: 「統合…」 opens the merge screen (ui/contacts/merge_dialog.py), 「別の方です」
remembers that the two are different people or groups, so the pair is never offered again.
Reading the list compares the whole registry (seconds at 100,000 contacts), so it runs on a
worker with the progress shown, and is read again only when asked (再読み込み): a list that
re-read itself at every change of another counter would never settle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services.contacts import duplicates as svc
from kyodo_desk.services.contacts.duplicates import DuplicateCandidate, DuplicatePair
from kyodo_desk.ui.contacts.labels import KIND_LABELS
from kyodo_desk.ui.contacts.merge_dialog import (
    DoneMerge,
    MergeDialog,
    merge_events,
    undo_merge_in_background,
)
from kyodo_desk.ui.field_errors import say_on, summary_line
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure
from kyodo_desk.ui.widgets import RowsModel, fit_to_screen, record_list

TITLE = "重複候補の確認"
(SCORE_COLUMN, FIRST_ID, FIRST_NAME, FIRST_READING, SECOND_ID, SECOND_NAME, SECOND_READING,
 REASONS_COLUMN) = range(8)
_NOTE_STYLE = "color: #555;"


def reasons_text(pair: DuplicatePair) -> str:
    return "、".join(pair.reasons)


def candidate_lines(candidate: DuplicateCandidate) -> list[str]:
    """A side of a pair as the comparison under the list shows it."""
    address = " ".join(x for x in (f"〒{candidate.postal_code}" if candidate.postal_code else "",
                                   candidate.address) if x)
    return [
        f"番号 {candidate.contact_id}・{KIND_LABELS[candidate.kind.value]}",
        f"{candidate.name}（{candidate.reading}）" if candidate.reading else candidate.name,
        f"住所: {address or '—'}",
        f"電話: {candidate.phone or '—'}　E-mail: {candidate.email or '—'}",
    ]


class PairsModel(RowsModel[DuplicatePair]):
    """The pairs, sorted in memory (a few thousand at most: every contact of the registry is
    in few pairs); best score first until a heading is clicked."""

    columns = ("点数", "番号", "名称・氏名", "よみ", "番号", "名称・氏名", "よみ", "理由")

    def __init__(self) -> None:
        super().__init__()
        self._order: tuple[int, Qt.SortOrder] = (SCORE_COLUMN, Qt.SortOrder.DescendingOrder)

    def reset(self, pairs: list[DuplicatePair]) -> None:
        self.beginResetModel()
        self._rows = list(pairs)
        self._sort_rows()
        self.endResetModel()

    def add(self, pairs: list[DuplicatePair]) -> None:
        """Pairs back in the list (a merge undone), in the order on show."""
        if not pairs:
            return
        self.beginResetModel()
        known = {_ids(p) for p in self._rows}
        self._rows += [p for p in pairs if _ids(p) not in known]
        self._sort_rows()
        self.endResetModel()

    def remove(self, keep: Callable[[DuplicatePair], bool]) -> list[DuplicatePair]:
        """Take out the pairs *keep* says no to; returns them."""
        gone = [p for p in self._rows if not keep(p)]
        if gone:
            self.beginResetModel()
            self._rows = [p for p in self._rows if keep(p)]
            self.endResetModel()
        return gone

    def row_of(self, pair: DuplicatePair) -> int:
        wanted = _ids(pair)
        return next((r for r, p in enumerate(self._rows) if _ids(p) == wanted), -1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._order = (column, order)
        self._sort_rows()
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        column, order = self._order
        self._rows.sort(key=lambda p: (_sort_value(p, column), _ids(p)),
                        reverse=order == Qt.SortOrder.DescendingOrder)

    def text(self, pair: DuplicatePair, column: int) -> str:
        value = _sort_value(pair, column)
        return str(value) if column != REASONS_COLUMN else reasons_text(pair)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        pair = self.entry(index.row()) if index.isValid() else None
        if pair is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(pair, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (FIRST_NAME, FIRST_READING):
                return "\n".join(candidate_lines(pair.first))
            if column in (SECOND_NAME, SECOND_READING):
                return "\n".join(candidate_lines(pair.second))
            if column == REASONS_COLUMN:
                return reasons_text(pair)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (SCORE_COLUMN, FIRST_ID,
                                                                    SECOND_ID):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None


def _ids(pair: DuplicatePair) -> tuple[int, int]:
    return pair.first.contact_id, pair.second.contact_id


_COLUMN_VALUES: tuple[Callable[[DuplicatePair], Any], ...] = (
    lambda p: p.score, lambda p: p.first.contact_id, lambda p: p.first.name,
    lambda p: p.first.reading, lambda p: p.second.contact_id, lambda p: p.second.name,
    lambda p: p.second.reading, reasons_text,
)


def _sort_value(pair: DuplicatePair, column: int) -> Any:
    return _COLUMN_VALUES[column](pair)


class _Progress(QObject):
    """Carries the worker's progress to the GUI thread (a queued signal)."""

    advanced = Signal(int, int)  # contacts compared, contacts in all


class DuplicatesWindow(QDialog):
    """The list. `loaded` each time it has been read (or could not be)."""

    loaded = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.last_merge: DoneMerge | None = None  # the merge the undo button takes back
        self._taken_by_merge: dict[int, list[DuplicatePair]] = {}
        self._started = False
        self.setWindowTitle(TITLE)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        fit_to_screen(self, 1200, 720)

        intro = QLabel("同じ人・団体らしい連絡先の組です（点数の高い順。見出しをクリックで並べ替え）。"
                       "「統合…」で2件を1件にまとめ、違う方なら「別の方です」で今後の候補から外します。")
        intro.setWordWrap(True)
        intro.setStyleSheet(_NOTE_STYLE)
        self.count = QLabel()
        self.count.setObjectName("pairCount")
        self.reload_button = QPushButton("再読み込み")
        self.reload_button.setObjectName("reloadPairs")
        self.reload_button.setToolTip("登録簿全体をもう一度調べます（件数が多いと時間がかかります）")
        self.reload_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("CSV/Excel に書き出す…")
        self.export_button.setObjectName("exportPairs")
        self.export_button.clicked.connect(self.ask_and_export)
        top = QHBoxLayout()
        top.addWidget(intro, 1)
        top.addWidget(self.count)
        top.addWidget(self.reload_button)
        top.addWidget(self.export_button)

        self.busy = QLabel()
        self.busy.setObjectName("pairsBusy")
        self.busy.setStyleSheet(_NOTE_STYLE)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("pairsProgress")
        self.progress_bar.setMaximumWidth(320)
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy)
        busy_row.addWidget(self.progress_bar)
        busy_row.addStretch(1)
        self.error = summary_line("pairsError")

        self.model = PairsModel()
        self.table = record_list(self.model, "pairList")
        header = self.table.horizontalHeader()
        for column, width in ((SCORE_COLUMN, 48), (FIRST_ID, 56), (FIRST_NAME, 175),
                              (FIRST_READING, 130), (SECOND_ID, 56), (SECOND_NAME, 175),
                              (SECOND_READING, 130)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(SCORE_COLUMN, Qt.SortOrder.DescendingOrder)
        self.table.doubleClicked.connect(lambda _index: self.open_merge())
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(
            lambda _current, _previous: self._selection_changed())

        self.sides = [QLabel(), QLabel()]
        self.why = QLabel()
        self.why.setObjectName("pairReasons")
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        compare = QFrame()
        compare.setFrameShape(QFrame.Shape.StyledPanel)
        compare_box = QVBoxLayout(compare)
        compare_box.addWidget(self.why)
        compare_row = QHBoxLayout()
        compare_box.addLayout(compare_row, 1)
        for number, side in enumerate(self.sides, start=1):
            side.setObjectName(f"pairSide{number}")
            side.setTextFormat(Qt.TextFormat.PlainText)
            side.setWordWrap(True)
            side.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            side.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            compare_row.addWidget(side, 1)
        compare.setFixedHeight(118)

        self.status = QLabel()
        self.status.setObjectName("pairsStatus")
        self.status.setWordWrap(True)
        self.undo_button = QPushButton("統合を取り消す")
        self.undo_button.setObjectName("undoLastMerge")
        self.undo_button.hide()
        self.undo_button.clicked.connect(self.undo_last_merge)
        self.distinct_button = QPushButton("別の方です")
        self.distinct_button.setObjectName("markDistinct")
        self.distinct_button.setToolTip("違う人・団体として記録し、この組を今後の候補から外します")
        self.distinct_button.clicked.connect(self.mark_distinct)
        self.merge_button = QPushButton("統合…")
        self.merge_button.setObjectName("openMerge")
        self.merge_button.setToolTip("2件を並べて、残す値を選んで1件にまとめます（Enter）")
        self.merge_button.clicked.connect(self.open_merge)
        close = QPushButton("閉じる")
        close.clicked.connect(self.reject)
        for button in (self.reload_button, self.export_button, self.undo_button,
                       self.distinct_button, self.merge_button, close):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.distinct_button)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(busy_row)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(compare)
        layout.addLayout(buttons)

        events = merge_events()
        events.merged.connect(self._merged)
        events.undone.connect(self._merge_undone)
        self._selection_changed()

    # --- reading ----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.refresh()

    def refresh(self) -> None:
        """Compare the whole registry again, in the background, the progress shown."""
        db, actor = self.db, self.actor
        # No parent: it goes with the last reference to this reading, which the GUI thread
        # drops (ui/tasks.py), and a window closed meanwhile leaves it nothing to report to.
        progress = _Progress()
        progress.advanced.connect(self._advanced)
        self._set_loading(True)

        def work() -> list[DuplicatePair]:
            return svc.duplicate_pairs(db, actor, progress=progress.advanced.emit)

        def failed(exc: Exception) -> None:
            self._set_loading(False)
            self.count.setText("")
            if isinstance(exc, UserError):
                say_on(self.error, exc.message)
            else:
                show_failure(self, exc, reading=True)
            self.loaded.emit()

        # 再読み込み pressed while a reading runs: the older answer is dropped.
        ReadOp(self, work, self._show, failed=failed, key="pairs").run()

    def _set_loading(self, loading: bool) -> None:
        self.busy.setText("重複候補を探しています…（連絡先が多いと数十秒かかることがあります）"
                          if loading else "")
        self.busy.setVisible(loading)
        self.progress_bar.setVisible(loading)
        self.progress_bar.setRange(0, 0)  # busy until the first report
        self.reload_button.setEnabled(not loading)

    def _advanced(self, done: int, total: int) -> None:
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)

    def _show(self, pairs: list[DuplicatePair]) -> None:
        self._set_loading(False)
        say_on(self.error, "")
        self._taken_by_merge.clear()  # a list read now has no pair a merge took out earlier
        self.model.reset(pairs)
        self._update_count()
        if pairs:
            self.table.selectRow(0)
            self.table.setFocus()
        self._selection_changed()
        self.loaded.emit()

    def _update_count(self) -> None:
        rows = self.model.rowCount()
        self.count.setText(f"{rows:,} 組" if rows else "重複候補はありません")

    # --- the selected pair --------------------------------------------------------------------
    def current_pair(self) -> DuplicatePair | None:
        return self.model.entry(self.table.currentIndex().row())

    def select(self, first_id: int, second_id: int) -> bool:
        """Select the pair of these two contacts (tests, and after a change); False if absent."""
        for row in range(self.model.rowCount()):
            pair = self.model.entry(row)
            if pair is not None and _ids(pair) == (first_id, second_id):
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self) -> None:
        pair = self.current_pair()
        writable = not self.db.read_only
        self.merge_button.setEnabled(
            pair is not None and writable and self.actor.may(Action.CHANGE, Resource.DUPLICATES))
        self.distinct_button.setEnabled(
            pair is not None and writable and self.actor.may(Action.CHANGE, Resource.CONTACTS))
        self.why.setText(f"点数 {pair.score}　理由: {reasons_text(pair)}" if pair else "")
        for side, candidate in zip(self.sides, (pair.first, pair.second) if pair else (None, None),
                                   strict=True):
            side.setText("\n".join(candidate_lines(candidate)) if candidate else "")

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        """Enter on the list opens the merge screen (as Enter opens a record on every list)."""
        if (watched is self.table and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.open_merge()
            return True
        return super().eventFilter(watched, event)

    # --- 別の方です ------------------------------------------------------------------------------
    def mark_distinct(self) -> None:
        pair = self.current_pair()
        if pair is None or not self.distinct_button.isEnabled():
            return
        db, actor = self.db, self.actor
        first, second = pair.first, pair.second
        row = self.table.currentIndex().row()

        def done(_none: None) -> None:
            self.model.remove(lambda p: _ids(p) != _ids(pair))
            self._after_removal(row)
            self._say(f"「{first.name}」（番号 {first.contact_id}）と「{second.name}」"
                      f"（番号 {second.contact_id}）を別の方として記録しました。"
                      "この組は今後、候補に出ません。")

        WriteOp(self, lambda: svc.mark_distinct(db, actor, first.contact_id, second.contact_id),
                done, failed=self._write_failed, busy=(self.distinct_button,)).run()

    def _after_removal(self, row: int) -> None:
        """Pairs were taken out: the one now in *row*'s place is selected, the next to look at."""
        self._update_count()
        if self.model.rowCount() and row >= 0:
            self.table.selectRow(min(row, self.model.rowCount() - 1))
        self._selection_changed()

    def _write_failed(self, exc: Exception) -> None:
        if isinstance(exc, UserError):
            say_on(self.error, exc.message)
        else:
            show_failure(self, exc, reading=False)

    # --- 統合 -----------------------------------------------------------------------------------
    def open_merge(self) -> MergeDialog | None:
        """The merge screen for the selected pair, the older record (smaller number) kept
        unless the clerk turns it round there."""
        pair = self.current_pair()
        if pair is None or not self.merge_button.isEnabled():
            return None
        dialog = MergeDialog(self.db, self.actor, pair.first.contact_id,
                             pair.second.contact_id, self)
        # Deleted on the GUI thread when closed, never later by a collection on a worker.
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def _merged(self, made: DoneMerge) -> None:
        """A merge was done (here or elsewhere in this window): the merged record is in no
        pair any more; its pairs are kept aside in case the merge is undone."""
        merged_id, row = made.merged_id, self.table.currentIndex().row()
        self._taken_by_merge[made.merge_id] = self.model.remove(
            lambda p: merged_id not in _ids(p))
        self._after_removal(row)
        self.last_merge = made
        self.undo_button.show()
        self.undo_button.setEnabled(True)
        self._say(made.result.summary)

    def undo_last_merge(self) -> None:
        made = self.last_merge
        if made is None:
            return
        undo_merge_in_background(self, self.db, self.actor, made, lambda _kept: None,
                                 failed=self._write_failed, busy=(self.undo_button,))

    def _merge_undone(self, merge_id: int) -> None:
        back = self._taken_by_merge.pop(merge_id, [])
        self.model.add(back)
        self._update_count()
        if back:
            self.table.selectRow(self.model.row_of(back[0]))
        self._selection_changed()
        made = self.last_merge
        if made is not None and made.merge_id == merge_id:
            self.last_merge = None
            self.undo_button.hide()
            self._say(made.undone_text())

    def _say(self, text: str) -> None:
        say_on(self.error, "")
        self.status.setText(text)

    # --- CSV / Excel ------------------------------------------------------------------------
    def ask_and_export(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "重複候補の一覧を書き出す", str(Path.home() / "重複候補.xlsx"),
            "Excel (*.xlsx);;CSV (*.csv)")
        if path:
            self.export(Path(path), "csv" if chosen.startswith("CSV") else "xlsx")

    def export(self, path: Path, fmt: str) -> None:
        """Write the list (compared again, as stored now) to *path*: 取扱注意, audited."""
        from kyodo_desk.exports.duplicates import export_duplicates

        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        db, actor = self.db, self.actor
        self._say("書き出しています…")

        def done(count: int) -> None:
            self._say(f"重複候補 {count:,} 組を {path} に書き出しました。"
                      "個人情報を含みます。取扱いに注意してください。")

        WriteOp(self, lambda: export_duplicates(db, actor, fmt, path), done,
                failed=self._write_failed, busy=(self.export_button,)).run()
