"""The offline door's window (当日受付の端末): `kyodo-desk door PACKFILE`, with no database.

The pack is opened with its password and the clerk's name; then the door works, on the same
screen (door_screen.py), as the online 出席確認 does (checkin_dialog.py): the scan box keeps the
focus, the answer comes big and coloured (green 出席にしました, amber 出席済みです, red
出席にできません), a name is found in the list, and walk-ins are taken while seats remain, asked the event's sign-up questions as at
the online door (answers_form.py). Every act is on the disk (the journal
beside the pack) before its answer is shown, so the work is local and immediate: nothing here
waits on a network or runs in the background.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.dates import date_with_weekday
from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.domain.events import MAX_PARTY_SIZE, REGISTRATION_STATUS_LABELS, CheckInOutcome
from kyodo_desk.services.events.door_format import PackSignUp
from kyodo_desk.services.events.door_offline import DoorAnswer, OfflineDoor, WalkIn
from kyodo_desk.ui.events.answers_form import AnswersForm
from kyodo_desk.ui.events.door_screen import (
    DOOR_COLUMNS,
    NAME_COLUMN,
    READING_COLUMN,
    DoorNames,
    DoorScreen,
    door_cell,
)
from kyodo_desk.ui.field_errors import form_column
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.number_box import NumberBox
from kyodo_desk.ui.widgets import RowsModel

_NAMES = DoorNames(session="doorSession", count="doorCount", scan="doorScan",
                   outcome="doorOutcome", history="doorHistory", find="doorFind",
                   list="doorList", check_in="doorCheckIn", walk_in="doorWalkIn")
_Index = QModelIndex | QPersistentModelIndex


class DoorOpenDialog(QDialog):
    """Open a pack: its password, and who is at the door (their name goes with every act)."""

    def __init__(self, pack_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pack_path = pack_path
        self.door: OfflineDoor | None = None
        self.setWindowTitle("当日受付パックを開く")
        self.password = QLineEdit()
        self.password.setObjectName("doorPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.clerk = QLineEdit()
        self.clerk.setObjectName("doorClerk")
        self.clerk.setPlaceholderText("例: 佐藤 花子")
        form = QFormLayout()
        form.addRow("パック", QLabel(pack_path.name))
        form.addRow("パスワード", self.password)
        form.addRow("受付する人の名前", self.clerk)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Open).setText("開く")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("やめる")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel("ネットワークがなくても受付できます。受付した記録はパックと同じフォルダーに"
                      "保存され、戻ってから協働デスクに取り込みます。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(460, 0)

    def accept(self) -> None:
        try:
            self.door = OfflineDoor.open(self.pack_path, self.password.text(), self.clerk.text())
        except UserError as exc:
            show_error(self, exc, "当日受付パックを開く")
            self.password.selectAll()
            return
        super().accept()


class WalkInDialog(QDialog):
    """当日参加 at the offline door: name, reading, phone (optional), party size, and the
    answers to the event's sign-up questions (a problem with one under its question)."""

    def __init__(self, door: OfflineDoor, session_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.door, self.session_id = door, session_id
        self.answer: DoorAnswer | None = None
        self.setWindowTitle("当日参加")
        self.name = QLineEdit()
        self.name.setObjectName("walkInName")
        self.reading = QLineEdit()
        self.reading.setObjectName("walkInReading")
        self.phone = QLineEdit()
        self.phone.setObjectName("walkInPhone")
        self.phone.setPlaceholderText("任意（例: 018-888-5640）")
        self.party = NumberBox("party_size", "人数", lowest=1, highest=MAX_PARTY_SIZE, unit="名")
        self.party.setText("1")
        left = door.seats_left()
        form = form_column()  # as the online door's: a question's red line wraps under it
        form.addRow("氏名", self.name)
        form.addRow("よみ", self.reading)
        form.addRow("電話番号", self.phone)
        form.addRow("人数", self.party)
        form.addRow("", QLabel("定員なし" if left is None else f"残り{left}席"))
        self.answers = AnswersForm(door.pack.questions, self)
        self.answers.place_in(form)
        buttons = QDialogButtonBox()
        save = buttons.addButton("出席にする（Ctrl+Enter）", QDialogButtonBox.ButtonRole.AcceptRole)
        save.setShortcut("Ctrl+Return")
        buttons.addButton("やめる", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        # Questions take the width the online door's sign-up dialog gives them.
        self.resize(720 if door.pack.questions else 420, 0)

    def accept(self) -> None:
        try:
            party = self.party.number() or 1
            self.answer = self.door.walk_in(self.session_id, WalkIn(
                self.name.text(), self.reading.text(), self.phone.text(), party,
                self.answers.answers()))
        except ValidationError as exc:
            others = self.answers.show_problems(exc.problems)
            self.resize(self.width(), self.heightForWidth(self.width()))  # room for red lines
            if others:
                show_error(self, ValidationError(others), "当日参加")
            return
        except UserError as exc:
            show_error(self, exc, "当日参加")
            return
        super().accept()


class PackListModel(RowsModel[PackSignUp]):
    """The pack's sign-ups, narrowed by what is typed (in memory: the door answers at once)."""

    columns = DOOR_COLUMNS
    NAME_COLUMN, READING_COLUMN = NAME_COLUMN, READING_COLUMN

    def __init__(self, door: OfflineDoor) -> None:
        super().__init__()
        self.door, self.session_id = door, 0
        self._rows = door.find("")

    def narrow(self, query: str) -> None:
        self.beginResetModel()
        self._rows = self.door.find(query)
        self.endResetModel()

    def refresh(self) -> None:
        self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1,
                                                           len(self.columns) - 1))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        found = self.entry(index.row())
        if found is None:
            return None
        here = self.door.attended(found, self.session_id)
        return door_cell(index, role, here, lambda: (
            str(found.queue_number), found.name, found.reading, f"{found.party_size}名",
            REGISTRATION_STATUS_LABELS[self.door.status(found)], "出席" if here else ""))


class DoorWindow(QWidget, DoorScreen):
    """当日受付（オフライン）: one pack, one session at a time."""

    answered = Signal(object)  # a DoorAnswer, once it is on screen

    def __init__(self, door: OfflineDoor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.door = door
        self.setWindowTitle(f"当日受付（オフライン） — {door.pack.title}")
        self.resize(1180, 720)
        self.model = PackListModel(door)
        self.journal_note = QLabel()
        self.setup_door(self, _NAMES, self.model,
                        find_hint="受付票がない方: 名前・よみ・受付番号で検索　↓で一覧へ",
                        statuses=(), note=self.journal_note, close=self.close)
        self.title.setText(f"{door.pack.title}　<span style='color:#666; font-size: 10pt;'>"
                           f"受付: {html.escape(door.clerk)}（ネットワークなし）</span>")
        for s in door.sessions:
            self.session.addItem(f"{date_with_weekday(s.held_on)} {s.label}".strip(), s.id)
        self.name_search.textChanged.connect(self.model.narrow)
        self._session_changed()
        self.show_answer(None)
        self.scan.setFocus()

    def session_id(self) -> int:
        return int(self.session.currentData())

    def _session_changed(self) -> None:
        self.model.session_id = self.session_id()
        self.model.refresh()
        self._show_count()

    def _show_count(self) -> None:
        left = self.door.seats_left()
        seats = "定員なし" if left is None else f"当日参加の残り {left}席"
        self.count.setText(f"出席 {self.door.present(self.session_id())}名　{seats}")
        self.journal_note.setText(
            f"この端末の記録: {self.door.journal.path.name}（{self.door.acts}件）。"
            "戻ったら協働デスクの申込一覧で「当日受付の記録を取り込む…」を選んでください。")

    def selected(self) -> PackSignUp | None:
        return self.model.entry(self.table.currentIndex().row())

    # --- acts -------------------------------------------------------------------------------
    def _scanned(self) -> None:
        text = self.scan.text()
        self.scan.clear()  # ready for the next person at once
        if text.strip():
            self._act(lambda: self.door.check_in_by_code(self.session_id(), text))

    def check_in_selected(self) -> None:
        found = self.selected()
        if found is not None:
            self._act(lambda: self.door.check_in(self.session_id(), found.registration_id))
        self.scan.setFocus()

    def open_walk_in(self) -> WalkInDialog | None:
        left = self.door.seats_left()
        if left == 0:
            self.show_answer(DoorAnswer(CheckInOutcome.REFUSED,
                                        "申し訳ありません。満席のため、当日参加はできません。"))
            self.scan.setFocus()
            return None
        dialog = WalkInDialog(self.door, self.session_id(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)
        dialog.finished.connect(lambda _code: self._walked_in(dialog))
        dialog.show()
        return dialog

    def _walked_in(self, dialog: WalkInDialog) -> None:
        if dialog.answer is not None:
            self.show_answer(dialog.answer)
        self.scan.setFocus()

    def _act(self, work: Callable[[], DoorAnswer]) -> None:
        try:
            answer = work()
        except (UserError, OSError) as exc:  # a full disk, a pulled USB stick: said plainly
            show_error(self, exc if isinstance(exc, UserError) else UserError(
                f"記録を保存できませんでした（{exc.strerror}）。この方は出席になっていません。"),
                "当日受付")
            return
        self.show_answer(answer)

    def show_answer(self, answer: DoorAnswer | None) -> None:
        self.show_door_answer(answer)
        if answer is not None:
            self.answered.emit(answer)
        self.model.refresh()
        self._show_count()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.door.close()
        super().closeEvent(event)


def run_door(pack_path: Path) -> int:
    """`kyodo-desk door PACKFILE`: the pack opened, then the door until its window closes."""
    from kyodo_desk.ui.app import application

    app = application()
    opening = DoorOpenDialog(pack_path)
    if opening.exec() != QDialog.DialogCode.Accepted or opening.door is None:
        return 0
    window = DoorWindow(opening.door)
    window.show()
    QApplication.setQuitOnLastWindowClosed(True)
    return app.exec()
