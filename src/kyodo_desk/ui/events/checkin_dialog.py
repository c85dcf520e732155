"""At the door (出席確認): scan the receipt, or find the name; walk-ins when seats remain.

The scan box keeps the focus: a barcode scanner types the code and Enter, the box is emptied at
once for the next person, and the answer comes back big and coloured — green 出席にしました,
amber 出席済みです (by whom, when), red 出席にできません (why). Nothing is ever disabled while
the database works, so a quick queue of scans loses no keystroke. The scans are checked in
one after another, in the order read: every answer is shown, none is dropped as stale (each
is about someone else), and the big answer is always the last person's. Only re-reading the
count and the names drops an older read for a newer one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import SEAT_HOLDING
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold
from kyodo_desk.services.events import checkin
from kyodo_desk.services.events.checkin import CheckInOutcome, CheckInResult
from kyodo_desk.services.events.registrations import RegistrationInfo
from kyodo_desk.ui.events.door_screen import (
    DOOR_COLUMNS,
    NAME_COLUMN,
    OUTCOME_COLOURS,
    READING_COLUMN,
    DoorNames,
    DoorScreen,
    door_cell,
)
from kyodo_desk.ui.events.registrations_panel import (
    LIVE_REFRESH_DELAY_MS,
    Loaded,
    SignUpRows,
    load_sign_ups,
    session_label,
    touches_sign_ups,
)
from kyodo_desk.ui.events.signup_dialog import SignUpDialog
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import ReadOp, WriteOp, data_changes

# OUTCOME_COLOURS stays importable from here, where the door's colours were first named.
__all__ = ["OUTCOME_COLOURS", "CheckInDialog", "DoorListModel"]
_NAMES = DoorNames(session="checkInSession", count="attendanceCount", scan="scanField",
                   outcome="checkInOutcome", history="checkInHistory", find="checkInFind",
                   list="checkInList", check_in="checkInButton", walk_in="walkInButton")
_Index = QModelIndex | QPersistentModelIndex


def refusal(message: str) -> CheckInResult:
    return CheckInResult(CheckInOutcome.REFUSED, message)


class DoorListModel(SignUpRows):
    """The event's sign-ups, narrowed by what is typed in the name box (no database query:
    the list is in memory, and the door must answer at once)."""

    columns = DOOR_COLUMNS
    NAME_COLUMN, READING_COLUMN = NAME_COLUMN, READING_COLUMN

    def __init__(self) -> None:
        super().__init__()
        self._all: list[RegistrationInfo] = []
        self._query = ""
        self.session_id: int | None = None

    def reset(self, rows: list[RegistrationInfo], session_id: int | None) -> None:
        self._all, self.session_id = list(rows), session_id
        self.narrow(self._query)

    def narrow(self, query: str) -> None:
        self.beginResetModel()
        self._query = query
        folded = fold(query)
        self._rows = [r for r in self._all if not folded or folded in fold(
            f"{r.queue_number} {r.contact_name} {r.contact_reading} {r.contact_phone}")]
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        info = self.entry(index.row())
        if info is None:
            return None
        here = self.session_id in info.attended_session_ids
        return door_cell(index, role, here, lambda: (
            str(info.queue_number), info.contact_name, info.contact_reading,
            f"{info.party_size}名", info.status_label, "出席" if here else ""))


class CheckInDialog(QDialog, DoorScreen):
    """出席確認 at the door for one event, one session at a time."""

    checked = Signal(object)  # a CheckInResult, once it is on screen
    refreshed = Signal()  # the count and the name list are as the database has them

    def __init__(self, db: Database, actor: Actor, event_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.event_id = db, actor, event_id
        self.loaded: Loaded | None = None
        self._waiting: deque[Callable[[], CheckInResult]] = deque()  # scans not yet sent
        self._checking = False  # one check-in is with the database
        self.setWindowTitle("出席確認")
        self.resize(1180, 720)

        self.model = DoorListModel()
        self.setup_door(
            self, _NAMES, self.model,
            find_hint="受付票がない方: 名前・よみ・電話・受付番号で検索　↓で一覧へ",
            statuses=("キャンセル待ち99番",),
            note=QLabel("読み取り機はいつでも使えます。名前で出席にした後も、読み取り欄に戻ります。"),
            close=self.reject)
        self.title.setText("読み込んでいます…")
        self.title.setWordWrap(True)
        self.count.setToolTip("出席: この回に出席した人数　予定: 席のある申込（キャンセル待ちを除く）の人数")
        self.show_outcome(None)
        self.name_search.textChanged.connect(self.model.narrow)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REFRESH_DELAY_MS)
        self._live_timer.timeout.connect(self.refresh)
        data_changes().changed.connect(self.on_data_changed)
        self._update_buttons()
        self.refresh()
        self.scan.setFocus()

    # --- reading --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the event and its sign-ups again: the count and the name list follow (from the
        last read asked, when scans come quicker than the answers)."""
        db, actor, event_id = self.db, self.actor, self.event_id

        def show(loaded: Loaded) -> None:
            self._show(loaded)
            self.refreshed.emit()

        ReadOp(self, lambda: load_sign_ups(db, actor, event_id), show, key="sign-ups").run()

    def _show(self, loaded: Loaded) -> None:
        first = self.loaded is None
        self.loaded = loaded
        event = loaded.event
        self.title.setText(f"{event.title}　出席確認")
        if first:  # the chosen session stays as the clerk set it
            self.session.blockSignals(True)
            for s in event.sessions:
                self.session.addItem(session_label(s), s.id)
            today = event.session_for(date.today())
            self.session.setCurrentIndex(max(0, self.session.findData(today.id)))
            self.session.setEnabled(len(event.sessions) > 1)
            self.session.blockSignals(False)
        keep = self.selected()
        self.model.reset(loaded.rows, self.session_id())
        if keep is not None and (row := self.model.row_of(keep.id)) >= 0:
            self.table.selectRow(row)
        self._show_count()
        self._update_buttons()

    def _show_count(self) -> None:
        """出席 N / 予定 M, in people: a group of five takes five chairs. 予定 counts every
        sign-up holding seats (受付済, 出席, 欠席), not the status 受付済 alone."""
        if self.loaded is None:
            return
        session_id = self.session_id()
        rows = self.loaded.rows
        present = sum(r.party_size for r in rows if session_id in r.attended_session_ids)
        holding = sum(r.party_size for r in rows if r.status in SEAT_HOLDING)
        self.count.setText(f"出席 {present}名 / 予定 {holding}名")

    def session_id(self) -> int | None:
        return self.session.currentData()

    def _session_changed(self) -> None:
        if self.loaded is not None:
            self.model.reset(self.loaded.rows, self.session_id())
            self._show_count()
        self.scan.setFocus()

    def selected(self) -> RegistrationInfo | None:
        return self.model.entry(self.table.currentIndex().row())

    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        """This door, another door or a counter changed something: the count follows (while
        the door is open; a closed one only waits to be deleted)."""
        if self.isVisible() and touches_sign_ups(tables):
            self._live_timer.start()

    def done(self, result: int) -> None:
        self._live_timer.stop()  # a closed door reads nothing more
        super().done(result)

    def _update_buttons(self) -> None:
        may = not self.db.read_only
        self.check_in_button.setEnabled(
            may and self.actor.may(Action.CHANGE, Resource.REGISTRATIONS)
            and self.selected() is not None and self.session_id() is not None)
        self.walk_in_button.setEnabled(
            may and self.actor.may(Action.CREATE, Resource.REGISTRATIONS)
            and self.loaded is not None and self.session_id() is not None)

    # --- checking in ----------------------------------------------------------------------
    def _scanned(self) -> None:
        text = self.scan.text()
        self.scan.clear()  # ready for the next person before this one's answer is back
        self.scan.setFocus()
        session_id = self.session_id()
        if not text.strip() or session_id is None:
            return
        db, actor = self.db, self.actor
        self._check(lambda: checkin.check_in_by_code(db, actor, session_id, text))

    def check_in_selected(self) -> None:
        info, session_id = self.selected(), self.session_id()
        if info is None or session_id is None or not self.check_in_button.isEnabled():
            return
        db, actor = self.db, self.actor
        self._check(lambda: checkin.check_in(db, actor, info.id, session_id))
        self.name_search.clear()
        self.scan.setFocus()

    def _check(self, work: Callable[[], CheckInResult]) -> None:
        """Check in off the GUI thread, after the scans read before it: answers sent in
        parallel could come back out of order, leaving the person before on the big answer
        (and the same receipt read twice could race itself)."""
        self._waiting.append(work)
        if not self._checking:
            self._check_next()

    def _check_next(self) -> None:
        if not self._waiting:
            self._checking = False
            return
        self._checking = True

        def done(result: CheckInResult) -> None:
            self.show_outcome(result)
            self._check_next()

        def failed(exc: Exception) -> None:
            if isinstance(exc, UserError):
                self.show_outcome(refusal(exc.message))
                self._check_next()
                return
            self.show_outcome(refusal("エラーのため出席にできませんでした。もう一度お試しください。"))
            self._check_next()  # the queue does not wait behind the message box
            show_error(self, exc)

        WriteOp(self, self._waiting.popleft(), done, failed=failed).run()

    def show_outcome(self, result: CheckInResult | None) -> None:
        """The answer, big: green, amber or red; then the count is read again."""
        self.show_door_answer(result)
        if result is None:
            return
        self.checked.emit(result)
        self.refresh()

    # --- walk-ins -------------------------------------------------------------------------
    def open_walk_in(self) -> SignUpDialog | None:
        """当日参加: refused at once when no seat is free, else the sign-up dialog for the door."""
        loaded, session_id = self.loaded, self.session_id()
        if loaded is None or session_id is None:
            return None
        seats = loaded.event.seats
        if seats.free == 0:
            self.show_outcome(refusal(
                f"申し訳ありません。満席のため、当日参加はできません（{seats.label()}）。"))
            self.scan.setFocus()
            return None
        dialog = SignUpDialog(self.db, self.actor, loaded.event, self,
                              walk_in_session_id=session_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)
        dialog.finished.connect(lambda _code: self._walked_in(dialog))
        dialog.show()
        return dialog

    def _walked_in(self, dialog: SignUpDialog) -> None:
        if isinstance(dialog.outcome, CheckInResult):
            self.show_outcome(dialog.outcome)
        elif dialog.refusal:
            self.show_outcome(refusal(f"申し訳ありません。{dialog.refusal}"))
        self.scan.setFocus()
