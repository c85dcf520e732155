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

import html
import itertools
from collections import deque
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import MAX_PARTY_SIZE, REGISTRATION_STATUS_LABELS, SEAT_HOLDING
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold
from kyodo_desk.services.events import checkin
from kyodo_desk.services.events.checkin import CheckInOutcome, CheckInResult
from kyodo_desk.services.events.registrations import RegistrationInfo
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
from kyodo_desk.ui.widgets import SearchListKeys, record_list, text_width

OUTCOME_COLOURS = {
    CheckInOutcome.CHECKED_IN: "#1e8449",  # green
    CheckInOutcome.ALREADY: "#b9770e",  # amber
    CheckInOutcome.REFUSED: "#c0392b",  # red
}
READING_WIDTH = 140  # about ten kana: enough to tell two names apart
HISTORY_KEPT = 8  # the last answers, for "what did it say for the person before?"
_IDLE_STYLE = "background: #eef1f4; color: #555; border-radius: 8px; padding: 14px;"
_Index = QModelIndex | QPersistentModelIndex


def refusal(message: str) -> CheckInResult:
    return CheckInResult(CheckInOutcome.REFUSED, message)


class DoorListModel(SignUpRows):
    """The event's sign-ups, narrowed by what is typed in the name box (no database query:
    the list is in memory, and the door must answer at once)."""

    columns = ("受付番号", "氏名・団体名", "よみ", "人数", "状況", "この回")
    NAME_COLUMN, READING_COLUMN = 1, 2

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
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(info.queue_number), info.contact_name, info.contact_reading,
                    f"{info.party_size}名", info.status_label,
                    "出席" if here else "")[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and here:
            return QColor(OUTCOME_COLOURS[CheckInOutcome.CHECKED_IN])
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (self.NAME_COLUMN,
                                                                      self.READING_COLUMN):
            return self.data(index) or None  # a long name cut in its column, whole
        return None


class CheckInDialog(QDialog):
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

        self.title = QLabel("読み込んでいます…")
        self.title.setObjectName("detailTitle")
        self.title.setWordWrap(True)
        self.session = QComboBox()
        self.session.setObjectName("checkInSession")
        self.session.setMinimumWidth(260)
        self.count = QLabel()
        self.count.setObjectName("attendanceCount")
        self.count.setStyleSheet("font-size: 20pt; font-weight: bold; color: #1f4e3d;")
        self.count.setToolTip("出席: この回に出席した人数　予定: 席のある申込（キャンセル待ちを除く）の人数")

        self.scan = QLineEdit()
        self.scan.setObjectName("scanField")
        self.scan.setPlaceholderText("受付票のQRコードを読み取ってください")
        big = QFont(self.scan.font())
        big.setPointSize(16)
        self.scan.setFont(big)
        self.scan.setMinimumHeight(44)
        # A scanner types plain keys: with the Japanese IME left on they would sit in a
        # composition, and the scanner's Enter would only commit it instead of checking in.
        self.scan.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.outcome = QLabel()
        self.outcome.setObjectName("checkInOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.RichText)
        self.outcome.setMinimumHeight(170)
        self.outcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.history = QListWidget()
        self.history.setObjectName("checkInHistory")
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab skips it; the scan box rules
        self.history.setWordWrap(True)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.name_search = QLineEdit()
        self.name_search.setObjectName("checkInFind")
        self.name_search.setClearButtonEnabled(True)
        self.name_search.setPlaceholderText("受付票がない方: 名前・よみ・電話・受付番号で検索　↓で一覧へ")
        self.model = DoorListModel()
        self.table = record_list(self.model, "checkInList")
        self._size_columns()
        self.check_in_button = QPushButton("出席にする")
        self.check_in_button.setObjectName("checkInButton")
        self.walk_in_button = QPushButton("当日参加…")
        self.walk_in_button.setObjectName("walkInButton")
        self.walk_in_button.setToolTip("申込のない方を、席があればその場で当日参加として出席にします")
        close = QPushButton("閉じる")
        for button in (self.check_in_button, self.walk_in_button, close):
            button.setAutoDefault(False)  # the scanner's Enter belongs to the scan box
            button.setDefault(False)

        self._build_layout(close)
        self.show_outcome(None)

        self.scan.returnPressed.connect(self._scanned)
        self.name_search.textChanged.connect(self.model.narrow)
        self.session.currentIndexChanged.connect(lambda _i: self._session_changed())
        self.check_in_button.clicked.connect(self.check_in_selected)
        self.walk_in_button.clicked.connect(self.open_walk_in)
        close.clicked.connect(self.reject)
        self.table.doubleClicked.connect(lambda _index: self.check_in_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        SearchListKeys(self.name_search, self.table, open_current=self.check_in_selected,
                       typing_done=lambda: None, enter_opens=False)
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REFRESH_DELAY_MS)
        self._live_timer.timeout.connect(self.refresh)
        data_changes().changed.connect(self.on_data_changed)
        self._update_buttons()
        self.refresh()
        self.scan.setFocus()

    def _build_layout(self, close: QPushButton) -> None:
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
        hint = QLabel("読み取り機はいつでも使えます。名前で出席にした後も、読み取り欄に戻ります。")
        hint.setStyleSheet("color: #666;")
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)
        for first, second in itertools.pairwise(
                [self.scan, self.session, self.name_search, self.table, self.check_in_button,
                 self.walk_in_button, close]):
            self.setTabOrder(first, second)

    def _size_columns(self) -> None:
        """受付番号, 人数, 状況 and この回 as wide as any text they can hold, so that the
        columns stay put as the list narrows to what is typed; よみ about ten kana, and
        氏名・団体名 the rest (each whole in its tooltip)."""
        table, header = self.table, self.table.horizontalHeader()
        widths = {0: text_width(table, 0, "9999"), DoorListModel.READING_COLUMN: READING_WIDTH,
                  3: text_width(table, 3, f"{MAX_PARTY_SIZE}名"),
                  4: text_width(table, 4, *REGISTRATION_STATUS_LABELS.values(),
                                "キャンセル待ち99番"),
                  5: text_width(table, 5, "出席")}
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(DoorListModel.NAME_COLUMN, QHeaderView.ResizeMode.Stretch)

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
        if result is None:
            self.outcome.setStyleSheet(_IDLE_STYLE)
            self.outcome.setText("<div style='font-size: 16pt;'>受付票のQRコードを"
                                 "読み取ってください</div>")
            return
        colour = OUTCOME_COLOURS[result.outcome]
        self.outcome.setStyleSheet(f"background: {colour}; color: white; border-radius: 8px;"
                                   " padding: 14px;")
        self.outcome.setText(
            f"<div style='font-size: 30pt; font-weight: bold;'>{result.outcome.value}</div>"
            f"<div style='font-size: 15pt;'>{html.escape(result.message)}</div>")
        item = QListWidgetItem(f"{result.outcome.value}　{result.message}")
        item.setForeground(QColor(colour))
        self.history.insertItem(0, item)
        while self.history.count() > HISTORY_KEPT:
            self.history.takeItem(self.history.count() - 1)
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
