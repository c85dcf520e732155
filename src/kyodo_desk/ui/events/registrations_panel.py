"""One event's sign-ups (申込一覧): seats, the waitlist, whom to call, cancellations, booths.

The tab shows this panel under the chosen event. Every change runs off the GUI thread as a
WriteOp, then the list is read again here (the changed sign-up kept selected), while every
other view — the tab's seat column among them — hears of it from the WriteOp. What the
waitlist did after a seat came free (who moved up and must be called, or why nobody did) is
said in a message box that stays until the clerk dismisses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk import leaflets
from kyodo_desk.database import Database
from kyodo_desk.domain.dates import clock, date_and_time, full_date, japan_time, short_date
from kyodo_desk.domain.events import (
    QUEUE_RULE_LABELS,
    SEAT_HOLDING,
    WINDOW_OVERRIDE_ROLES,
    RegistrationStatus,
)
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.questions import Answers, answer_text
from kyodo_desk.services import events as event_svc
from kyodo_desk.services.events import EventDetail, EventSessionInfo
from kyodo_desk.services.events import registrations as svc
from kyodo_desk.services.events.answers import event_answers
from kyodo_desk.services.events.lottery import LotteryResult, draw_lottery
from kyodo_desk.services.events.registrations import RegistrationInfo, SignUpResult, WaitlistMove
from kyodo_desk.ui.events.door_menu import door_menu
from kyodo_desk.ui.events.signup_dialog import SignUpChange, SignUpDialog, read_for_change
from kyodo_desk.ui.messages import ask
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure
from kyodo_desk.ui.pdf_preview import PdfPreview
from kyodo_desk.ui.widgets import RowsModel, fit_columns, record_list

S = RegistrationStatus
RECEIPT = "event-receipt"
LOTTERY_PRINTS = {"public": "lottery-result", "staff": "lottery-result-staff"}
LIVE_REFRESH_DELAY_MS = 300  # several changes arriving together cause one refresh
# Tables whose change may alter a sign-up list (contacts: a name or phone corrected).
SIGN_UP_TABLES = frozenset({"events", "event_sessions", "registrations", "attendances",
                            "contacts"})
AWAITING_TINT = QColor("#fff3cd")
AWAITING_TEXT = QColor("#7a4f01")
CANCELLED_TEXT = QColor("#888888")
NAME_COLUMN, NOTES_COLUMN = 1, 4
# 状況 at its longest (受付済・連絡待ち（11/27 15:54まで）) reads whole; a longer ブース wish is cut.
WIDEST_SHORT_COLUMN = 250

_Index = QModelIndex | QPersistentModelIndex


def touches_sign_ups(tables: frozenset[str] | None) -> bool:
    """Whether a change reported by the live refresh may alter what a sign-up list shows."""
    return tables is None or bool(tables & SIGN_UP_TABLES)


def japan_moment(value: datetime) -> str:
    """2026年11月26日（木）14:00, in Japan time."""
    return date_and_time(japan_time(value), with_weekday=True)


def session_label(s: EventSessionInfo, *, short: bool = False) -> str:
    """12/4（金）10:00 第1回; *short* (a column title): the label alone when there is one."""
    day = short_date(s.held_on)
    if short:
        return s.label or day
    start = clock(s.start_time) if s.start_time else ""
    return f"{day}{start} {s.label}".strip()


def status_text(info: RegistrationInfo) -> str:
    """状況 as the list says it: キャンセル待ち2番, 受付済・連絡待ち（11/27 15:54まで）, 出席（当日）."""
    text = info.status_label
    if info.awaiting_call:
        until = japan_time(info.offer_until) if info.offer_until else None
        text += (f"・連絡待ち（{short_date(until, with_weekday=False)} {clock(until)}まで）"
                 if until else "・連絡待ち")
    if info.walk_in:
        text += "（当日）"
    return text


def booth_text(info: RegistrationInfo) -> str:
    needs = [f"机{info.booth_tables}" if info.booth_tables else "",
             f"椅子{info.booth_chairs}" if info.booth_chairs else "",
             "電源" if info.booth_power else "", info.booth_space]
    wished = "・".join(n for n in needs if n)
    number = info.booth_number or "未定"
    return f"{number}（{wished}）" if wished else number


def may_draw(event: EventDetail, today: date) -> bool:
    """抽選する: a lottery not drawn yet whose closing day has passed."""
    return (event.lottery_until is not None and event.lottery_drawn_at is None
            and today > event.lottery_until)


def may_draw_early(event: EventDetail, today: date, actor: Actor) -> bool:
    """締切前に抽選する: a collaboration officer (or admin) may draw a lottery not drawn yet
    before its closing day has passed (the service audits it as every draw)."""
    return (actor.role in WINDOW_OVERRIDE_ROLES and event.lottery_until is not None
            and event.lottery_drawn_at is None and today <= event.lottery_until)


def lottery_text(event: EventDetail) -> str:
    """「・抽選: 12月1日まで申込、その後に抽選」 or when it was drawn; "" first come."""
    if event.lottery_until is None:
        return ""
    if event.lottery_drawn_at is not None:
        return f"　・抽選済（{japan_moment(event.lottery_drawn_at)}）、以後は先着順"
    return f"　・抽選: {full_date(event.lottery_until)}まで申込（抽選待ち）、その後に抽選"


def who(info: RegistrationInfo) -> str:
    return (f"{info.contact_name}さん（受付番号 {info.queue_number}・{info.status_label}・"
            f"{info.party_size}名）")


@dataclass(frozen=True)
class Loaded:
    """An event and its sign-ups, read together."""

    event: EventDetail
    rows: list[RegistrationInfo]
    answers: dict[int, Answers] = field(default_factory=dict)  # 申込時の回答 by sign-up id


def load_sign_ups(db: Database, actor: Actor, event_id: int) -> Loaded:
    """(Runs off the GUI thread.)"""
    event = event_svc.get_event(db, actor, event_id)
    rows = svc.list_registrations(db, actor, event_id)  # logs the reading, answers included
    return Loaded(event, rows, event_answers(db, actor, event_id) if event.questions else {})


class SignUpRows(RowsModel[RegistrationInfo]):
    """Sign-ups in a list, found again by id after each refresh."""

    def row_of(self, registration_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == registration_id), -1)

    def rows(self) -> list[RegistrationInfo]:
        return list(self._rows)


class RegistrationsModel(SignUpRows):
    """The event's sign-ups in the service's order: seat holders, the waitlist, cancellations.

    The columns follow the event: ブース when it takes exhibitors, one 出席 column per session.
    """

    FIXED = ("受付番号", "氏名・団体名", "人数", "状況", "配慮事項")

    def __init__(self) -> None:
        super().__init__()
        self.columns = self.FIXED
        self._sessions: tuple[EventSessionInfo, ...] = ()
        self._booths = False

    def reset(self, rows: list[RegistrationInfo], event: EventDetail | None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._booths = bool(event and event.has_booths)
        self._sessions = event.sessions if event else ()
        many = len(self._sessions) > 1
        self.columns = (*self.FIXED, *(("ブース",) if self._booths else ()),
                        *((f"出席 {session_label(s, short=True)}" if many else "出席")
                          for s in self._sessions))
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        info = self.entry(index.row())
        if info is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(info, column)
        if role == Qt.ItemDataRole.BackgroundRole and info.awaiting_call:
            return AWAITING_TINT
        if role == Qt.ItemDataRole.ForegroundRole:
            if info.status is S.CANCELLED:
                return CANCELLED_TEXT
            if info.awaiting_call and column == 3:
                return AWAITING_TEXT
        if role == Qt.ItemDataRole.FontRole and info.awaiting_call and column == 3:
            bold = QFont()
            bold.setBold(True)
            return bold
        if role == Qt.ItemDataRole.TextAlignmentRole and (column in (0, 2)
                                                          or column >= self.first_session):
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == NAME_COLUMN:
                details = "・".join(x for x in (info.contact_reading, info.contact_phone) if x)
                return f"{info.contact_name}\n{details}" if details else info.contact_name
            if column == NOTES_COLUMN and info.notes:
                return info.notes
            if column == len(self.FIXED) and self._booths:
                return self.text(info, column) or None
        return None

    @property
    def first_session(self) -> int:
        """The column of the first session's 出席."""
        return len(self.FIXED) + self._booths

    def text(self, info: RegistrationInfo, column: int) -> str:
        if column >= self.first_session:
            session = self._sessions[column - self.first_session]
            return "○" if session.id in info.attended_session_ids else ""
        if column == len(self.FIXED):
            return booth_text(info) if info.status in SEAT_HOLDING else ""
        return (str(info.queue_number), info.contact_name, f"{info.party_size}名",
                status_text(info), info.notes.replace("\n", " "))[column]


class RegistrationsPanel(QWidget):
    """申込一覧 of one event, with every act the counter does on a sign-up."""

    refreshed = Signal()  # the list shows the event's sign-ups as they are now
    status_message = Signal(str)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.event_id: int | None = None
        self.detail: EventDetail | None = None
        self._busy = False

        self.title = QLabel()
        self.title.setObjectName("registrationsTitle")
        self.title.setStyleSheet("font-weight: bold; font-size: 12pt;")
        self.seats = QLabel()
        self.seats.setObjectName("seatLabel")
        self.seats.setStyleSheet("font-size: 12pt;")
        self.counts = QLabel()
        self.counts.setObjectName("signUpCount")
        self.counts.setStyleSheet("color: #444; padding: 0 12px;")
        self.rule = QLabel()
        self.rule.setObjectName("queueRuleLabel")
        self.rule.setStyleSheet("color: #555;")
        self.rule.setWordWrap(True)
        self.awaiting = QLabel()
        self.awaiting.setObjectName("awaitingCallBanner")
        self.awaiting.setWordWrap(True)
        self.awaiting.setStyleSheet(
            "background: #fff3cd; color: #7a4f01; border: 1px solid #e0c36c; padding: 6px;")
        self.awaiting.hide()

        self.model = RegistrationsModel()
        self.table = record_list(self.model, "registrationList")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _index: self._double_clicked())
        self._answers: dict[int, Answers] = {}

        self.sign_up_button = self._button("申込…", "signUpButton", self.open_sign_up,
                                           "新しい申込を受け付けます")
        self.cancel_button = self._button("キャンセル…", "cancelButton", self.cancel_selected,
                                          "選んだ申込を取り消します（キャンセル待ちの方が繰り上がります）")
        self.accept_button = self._button("連絡済（参加）", "acceptOfferButton",
                                          lambda: self.record_reply(accepted=True),
                                          "繰り上がった方に連絡し、参加すると確かめました")
        self.decline_button = self._button("辞退", "declineOfferButton",
                                           lambda: self.record_reply(accepted=False),
                                           "繰り上がった方が辞退しました（次の方が繰り上がります）")
        self.jump_button = self._button("順番を繰り上げる…", "jumpQueueButton",
                                        self.promote_selected,
                                        "キャンセル待ちの方を、順番を飛ばして受付済にします（理由が必要です）")
        self.no_show_button = self._button("欠席を記録…", "noShowButton", self.mark_no_shows,
                                           "イベントの後、出席にならなかった受付済の申込を欠席にします")
        self.booth_button = self._button("ブース番号…", "boothButton", self.assign_booth,
                                         "選んだ出展者のブース番号を決めます")
        self.allocate_button = self._button("自動割当", "allocateBoothsButton",
                                            self.allocate_booths,
                                            "番号のない出展者に、受付順にブース番号を付けます")
        self.receipt_button = self._button("受付票を印刷…", "receiptButton",
                                           self.print_selected_receipt,
                                           "選んだ申込の受付票（QRコードつき）を作ります")
        self.draw_button = self._button("抽選する…", "drawLotteryButton", self.draw_lottery,
                                        "抽選の申込締切の後、申込の中から当選を決めます")
        buttons = QHBoxLayout()
        self.change_button = self._button("申込を変更…", "changeSignUpButton", self.open_change,
                                          "選んだ申込の人数・配慮事項・質問への回答などを変更します")
        # Also on the list's right-click menu (and a double click on the row).
        self.change_action = QAction("申込を変更…", self.table)
        self.change_action.triggered.connect(self.open_change)
        self.table.addAction(self.change_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for button in (self.sign_up_button, self.change_button, self.cancel_button,
                       self.draw_button):
            buttons.addWidget(button)
        buttons.addSpacing(12)
        for button in (self.accept_button, self.decline_button, self.jump_button):
            buttons.addWidget(button)
        buttons.addSpacing(12)
        for button in (self.booth_button, self.allocate_button, self.no_show_button,
                       self.receipt_button):
            buttons.addWidget(button)
        # ネットワークのない会場: the pack for a laptop, its journal back, the conflicts.
        self.door_button = QPushButton("当日受付パック")
        self.door_button.setObjectName("doorMenuButton")
        self.door_button.setMenu(door_menu(self, db, actor, lambda: self.event_id))
        buttons.addWidget(self.door_button)
        buttons.addStretch(1)

        self.status = QLabel()
        self.status.setObjectName("resultCount")
        self.status.setWordWrap(True)
        # The selected sign-up's 申込時の回答, read without printing the roster.
        self.answers_line = QLabel()
        self.answers_line.setObjectName("signUpAnswers")
        self.answers_line.setWordWrap(True)
        self.answers_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answers_line.hide()

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.counts)
        header.addWidget(self.seats)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.rule)
        layout.addWidget(self.awaiting)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.answers_line)
        layout.addWidget(self.status)

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REFRESH_DELAY_MS)
        self._live_timer.timeout.connect(lambda: self.refresh())
        self.show_event(None)

    @staticmethod
    def _button(text: str, name: str, slot: Callable[[], Any], tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # --- the list -------------------------------------------------------------------------
    def show_event(self, event_id: int | None) -> None:
        """Show the sign-ups of *event_id* (None: no event chosen)."""
        if event_id != self.event_id:
            self.table.clearSelection()
            self.table.setCurrentIndex(QModelIndex())
        self.event_id = event_id
        if event_id is None:
            self.detail = None
            self.model.reset([], None)
            self.title.setText("イベントを選ぶと、申込の一覧が表示されます。")
            self.seats.setText("")
            self.rule.setText("")
            self.awaiting.hide()
            self.counts.setText("")
            self.status.setText("")
            self._update_buttons()
            return
        self.refresh()

    def refresh(self, keep: int | None = None) -> None:
        """Read the event and its sign-ups again, selecting *keep* (a sign-up's id) or the
        sign-up selected now. Only the last read asked is shown, and only while its event is
        still the one chosen."""
        event_id = self.event_id
        if event_id is None:
            return
        db, actor = self.db, self.actor
        if keep is None and (selected := self.selected()) is not None:
            keep = selected.id

        def show(loaded: Loaded) -> None:
            if event_id != self.event_id:
                return  # no event is chosen any more
            self._show(loaded)
            if keep is not None and (row := self.model.row_of(keep)) >= 0:
                self.table.selectRow(row)
            self._update_buttons()
            self.refreshed.emit()

        def failed(exc: Exception) -> None:
            if event_id == self.event_id:
                self._tell("申込の一覧を読み込めませんでした。")
                show_failure(self, exc, reading=True)

        ReadOp(self, lambda: load_sign_ups(db, actor, event_id), show, key="sign-ups",
               failed=failed).run()

    def _show(self, loaded: Loaded) -> None:
        event = self.detail = loaded.event
        self._answers = loaded.answers
        self.model.reset(loaded.rows, event)
        # The short columns as wide as what this event's sign-ups show; 氏名・団体名 and
        # 配慮事項 share the rest (a name still cut shows whole in its tooltip).
        header = self.table.horizontalHeader()
        for column in (NAME_COLUMN, NOTES_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        fit_columns(self.table, (c for c in range(self.model.columnCount())
                                 if c not in (NAME_COLUMN, NOTES_COLUMN)),
                    widest=WIDEST_SHORT_COLUMN)
        self.title.setText(f"{event.title}{'（中止）' if event.cancelled else ''}")
        self.seats.setText(f"席: {event.seats.label()}")
        self.rule.setText(f"キャンセル待ちの繰り上げ: {QUEUE_RULE_LABELS[event.queue_rule]}"
                          f"　・繰り上げた席は{event.offer_hold_hours}時間、連絡を待って確保します"
                          + lottery_text(event))
        waiting = [r for r in loaded.rows if r.awaiting_call]
        self.awaiting.setVisible(bool(waiting))
        if waiting:
            calls = "\n".join(
                f"・{r.contact_name}（{r.party_size}名・{r.contact_phone or '電話なし'}）"
                + (f"　回答期限 {japan_moment(r.offer_until)}" if r.offer_until else "")
                for r in waiting)
            self.awaiting.setText(
                f"連絡待ち {len(waiting)}件 — キャンセル待ちから繰り上がりました。電話で連絡し、"
                f"「連絡済（参加）」か「辞退」を記録してください。\n{calls}")
        counted = [r for r in loaded.rows if r.status is not S.CANCELLED]
        self.counts.setText(f"申込 {len(counted)}件（キャンセル {len(loaded.rows) - len(counted)}件）")

    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        """A change committed at some counter: read the list again if it may show here."""
        if self.event_id is not None and touches_sign_ups(tables):
            self._live_timer.start()

    def selected(self) -> RegistrationInfo | None:
        return self.model.entry(self.table.currentIndex().row())

    def select(self, registration_id: int) -> None:
        row = self.model.row_of(registration_id)
        if row >= 0:
            self.table.selectRow(row)

    def _tell(self, message: str) -> None:
        self.status.setText(message)
        self.status_message.emit(message)

    def _may(self, action: Action) -> bool:
        return not self.db.read_only and self.actor.may(action, Resource.REGISTRATIONS)

    def _update_buttons(self) -> None:
        event, info = self.detail, self.selected()
        change = self._may(Action.CHANGE) and not self._busy and event is not None
        picked = change and info is not None
        status = info.status if info is not None else None
        self.sign_up_button.setEnabled(self._may(Action.CREATE) and not self._busy
                                       and event is not None and not event.cancelled)
        self.cancel_button.setEnabled(picked and status not in (S.CANCELLED, S.ATTENDED))
        awaiting = picked and info is not None and info.awaiting_call
        self.accept_button.setEnabled(awaiting)
        self.decline_button.setEnabled(awaiting)
        self.jump_button.setEnabled(picked and status is S.WAITLISTED)
        lottery = event is not None and event.lottery_until is not None
        self.draw_button.setVisible(lottery)
        self.draw_button.setEnabled(
            change and lottery and event is not None
            and (may_draw(event, date.today()) or may_draw_early(event, date.today(), self.actor)))
        after = event is not None and date.today() >= event.last_day
        self.no_show_button.setEnabled(change and after)
        self.no_show_button.setToolTip(
            "イベントの後、出席にならなかった受付済の申込を欠席にします" if after
            else "最終開催日になると記録できます")
        booths = event is not None and event.has_booths
        self.booth_button.setVisible(booths)
        self.allocate_button.setVisible(booths)
        self.booth_button.setEnabled(picked and status in (S.CONFIRMED, S.ATTENDED))
        self.allocate_button.setEnabled(change)
        self.door_button.setEnabled(change)
        self.receipt_button.setEnabled(info is not None and status is not S.CANCELLED
                                       and not self._busy)
        self.change_button.setEnabled(picked and status is not S.CANCELLED)
        self.change_action.setEnabled(self.change_button.isEnabled())
        self._show_answers(info)

    def _show_answers(self, info: RegistrationInfo | None) -> None:
        """申込時の回答 of *info*, one question after another; hidden for an event without
        questions."""
        questions = self.detail.questions if self.detail is not None else ()
        self.answers_line.setVisible(bool(questions) and info is not None)
        if not questions or info is None:
            return
        given = self._answers.get(info.id, {})
        self.answers_line.setText(f"{info.contact_name}さんの回答: " + "　".join(
            f"{q.prompt}「{answer_text(q, given[q.id]) if q.id in given else '回答なし'}」"
            for q in questions))

    # --- signing up -----------------------------------------------------------------------
    def open_sign_up(self) -> SignUpDialog | None:
        """Open the sign-up dialog (modal); when it saves, say the result and offer the receipt."""
        if self.detail is None:
            return None
        dialog = SignUpDialog(self.db, self.actor, self.detail, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)
        dialog.accepted.connect(lambda: self._signed_up(dialog.outcome))
        dialog.show()
        return dialog

    def _signed_up(self, result: object) -> None:
        if not isinstance(result, SignUpResult):
            return
        reg = result.registration
        self._tell(f"{reg.contact_name}さん: {result.message}")
        self.refresh(reg.id)
        answer = ask(self, "申込を受け付けました", f"{reg.contact_name}さん（{reg.party_size}名）\n\n"
                     f"{result.message}\n\n受付票を印刷しますか？",
                     [("print", "受付票を印刷…"), ("close", "閉じる")],
                     default="print", escape="close")
        if answer == "print":
            self.print_receipt(reg.id)

    # --- changing a sign-up (申込の変更) -------------------------------------------------------
    def open_change(self) -> None:
        """Read the selected sign-up afresh (off the GUI thread), then open it in the sign-up
        dialog to be changed; when it saves, say so and who moved up, if anyone did."""
        info, event = self.selected(), self.detail
        if info is None or event is None or not self.change_button.isEnabled():
            return
        db, actor = self.db, self.actor

        def open_dialog(change: SignUpChange) -> None:
            if self.event_id != event.id or self.detail is None:
                return  # another event chosen meanwhile
            dialog = SignUpDialog(self.db, self.actor, self.detail, self, change=change)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.setModal(True)
            dialog.accepted.connect(lambda: self._changed(dialog.outcome))
            self.change_dialog = dialog
            dialog.show()

        def failed(exc: Exception) -> None:
            show_failure(self, exc, reading=True)
            self.refresh()  # gone, perhaps: the list says so

        ReadOp(self, lambda: read_for_change(db, actor, info.id), open_dialog,
               failed=failed).run()

    def _changed(self, result: object) -> None:
        if not isinstance(result, svc.CancelResult):
            return
        reg = result.registration
        self.refresh(reg.id)
        done = f"{reg.contact_name}さんの申込を変更しました（{reg.party_size}名）。"
        if result.moved.promoted:
            self._say_moved(done, result.moved)
        else:
            self._tell(done)

    def _double_clicked(self) -> None:
        """A 連絡待ち row: the call done; any other: the sign-up changed."""
        info = self.selected()
        if info is not None and info.awaiting_call:
            self._offer_reply_or_nothing()
        else:
            self.open_change()

    # --- changes --------------------------------------------------------------------------
    def _write(self, work: Callable[[], Any], done: Callable[[Any], None],
               keep: int | None = None) -> None:
        """Run one change off the GUI thread; then read the list again and say what happened."""
        self._busy = True
        self._update_buttons()

        def finished(result: Any) -> None:
            self._busy = False
            self.refresh(keep)
            done(result)

        def failed(exc: Exception) -> None:
            self._busy = False
            self._update_buttons()
            show_failure(self, exc, reading=False)
            self.refresh()  # what the service refused may come from a list grown stale

        WriteOp(self, work, finished, failed=failed).run()

    def _say_moved(self, done: str, moved: WaitlistMove) -> None:
        """Who to call now, and why the next in line did or did not move up: it stays on screen
        until dismissed, because the clerk is about to pick up the phone."""
        self._tell(done + (" 繰り上げた方に連絡してください。" if moved.promoted else ""))
        QMessageBox.information(self, "キャンセル待ちの繰り上げ", f"{done}\n\n{moved.message()}")

    def cancel_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        answer = ask(self, "申込のキャンセル",
                     f"{who(info)}の申込をキャンセルしますか？\n"
                     "席が空くと、キャンセル待ちの方が自動で繰り上がります。",
                     [("cancel", "キャンセルする"), ("keep", "やめる")],
                     default="keep", escape="keep")
        if answer != "cancel":
            return
        db, actor = self.db, self.actor
        self._write(lambda: svc.cancel_registration(db, actor, info.id),
                    lambda result: self._say_moved(
                        f"{info.contact_name}さんの申込をキャンセルしました。", result.moved),
                    info.id)

    def record_reply(self, *, accepted: bool) -> None:
        """The promoted person was called: 参加 keeps the seat, 辞退 frees it for the next."""
        info = self.selected()
        if info is None or not info.awaiting_call:
            return
        if not accepted:
            answer = ask(self, "辞退の記録", f"{who(info)}が辞退したことを記録しますか？\n"
                         "席は次のキャンセル待ちの方に回ります。",
                         [("decline", "辞退を記録する"), ("keep", "やめる")],
                         default="keep", escape="keep")
            if answer != "decline":
                return
        db, actor = self.db, self.actor

        def done(result: svc.CancelResult) -> None:
            if accepted:
                self._tell(f"{info.contact_name}さんに連絡済み（参加）と記録しました。")
            else:
                self._say_moved(f"{info.contact_name}さんの辞退を記録しました。", result.moved)

        self._write(lambda: svc.record_offer_reply(db, actor, info.id, accepted=accepted),
                    done, info.id)

    def _offer_reply_or_nothing(self) -> None:
        """A double click on a 連絡待ち row is the call done: ask which answer was given."""
        info = self.selected()
        if info is None or not info.awaiting_call or not self.accept_button.isEnabled():
            return
        answer = ask(self, "繰り上げの連絡", f"{who(info)}に連絡しましたか？",
                     [("accept", "参加する"), ("decline", "辞退する"), ("later", "まだ")],
                     default="later", escape="later")
        if answer == "accept":
            self.record_reply(accepted=True)
        elif answer == "decline":
            self.record_reply(accepted=False)

    def promote_selected(self) -> None:
        info = self.selected()
        if info is None or info.status is not S.WAITLISTED:
            return
        reason, ok = QInputDialog.getText(
            self, "順番を繰り上げる",
            f"{who(info)}を、順番を飛ばして受付済にします。\n理由（操作記録に残ります）:")
        if not ok:
            return
        db, actor = self.db, self.actor
        self._write(lambda: svc.promote_out_of_order(db, actor, info.id, reason),
                    lambda _r: self._tell(f"{info.contact_name}さんを受付済にしました。"), info.id)

    def mark_no_shows(self) -> None:
        event = self.detail
        if event is None:
            return
        waiting = sum(1 for r in self.model.rows() if r.status is S.CONFIRMED)
        answer = ask(self, "欠席の記録",
                     f"「{event.title}」で出席にならなかった受付済の申込 {waiting}件を"
                     "欠席にしますか？\n"
                     "イベントがすべて終わってから記録してください。",
                     [("mark", "欠席にする"), ("keep", "やめる")], default="keep", escape="keep")
        if answer != "mark":
            return
        db, actor, event_id = self.db, self.actor, event.id
        self._write(lambda: svc.mark_no_shows(db, actor, event_id),
                    lambda count: self._tell(f"{count}件の申込を欠席にしました。"))

    def assign_booth(self) -> None:
        info = self.selected()
        if info is None:
            return
        number, ok = QInputDialog.getText(
            self, "ブース番号", f"{info.contact_name}さんのブース番号（空欄で割当を取り消し）:",
            text=info.booth_number or "")
        if not ok:
            return
        db, actor = self.db, self.actor
        self._write(lambda: svc.assign_booth(db, actor, info.id, number),
                    lambda r: self._tell(f"{r.contact_name}さんのブース番号を"
                                         f"{r.booth_number or '未定'}にしました。"), info.id)

    def allocate_booths(self) -> None:
        event = self.detail
        if event is None:
            return
        db, actor, event_id = self.db, self.actor, event.id
        self._write(lambda: svc.allocate_booths(db, actor, event_id),
                    lambda count: self._tell(f"{count}件の出展者にブース番号を割り当てました。"
                                             if count else "番号のない出展者はいません。"))

    # --- the lottery (抽選) -----------------------------------------------------------------
    def draw_lottery(self) -> None:
        """Ask with the counts (申込N組M名・定員K名), draw, then show the result and offer
        its prints."""
        event = self.detail
        today = date.today()
        early = event is not None and may_draw_early(event, today, self.actor)
        if event is None or not (may_draw(event, today) or early):
            return
        applied = [r for r in self.model.rows() if r.status is S.APPLIED]
        counts = (f"申込{len(applied)}組{sum(r.party_size for r in applied)}名・"
                  f"定員{event.capacity or 0}名")
        text = (f"「{event.title}」の抽選をしますか？\n\n{counts}\n\n"
                "当選の組は受付済に、ほかの組は抽選順にキャンセル待ちになります。"
                "抽選は一度だけで、やり直せません。")
        if early:
            assert event.lottery_until is not None  # may_draw_early
            text += (f"\n\n抽選の申込締切（{full_date(event.lottery_until)}）がまだ過ぎていません。"
                     "締切前に抽選すると、その後の申込は抽選に入らず先着順になります。")
        box = QMessageBox(QMessageBox.Icon.Question, "抽選", text, parent=self)
        draw = box.addButton("抽選する", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("やめる", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        if early:
            # Before the closing day the draw is a deliberate exception: ticked to be made.
            tick = QCheckBox("締切前に抽選する", box)  # owned by the box
            box.setCheckBox(tick)
            draw.setEnabled(False)
            tick.toggled.connect(draw.setEnabled)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor, event_id = self.db, self.actor, event.id

        def answered(button: object) -> None:
            if button is draw:
                self._write(lambda: draw_lottery(db, actor, event_id, early=early), self._drawn)

        box.buttonClicked.connect(answered)
        self.draw_box = box  # the open confirmation (window-modal, not blocking)
        box.open()

    def _drawn(self, result: LotteryResult) -> None:
        self._tell(f"抽選しました: {result.summary()}")
        answer = ask(self, "抽選結果", f"{result.summary()}\n\n抽選の種: {result.seed}\n"
                     "当選の方・キャンセル待ちの方に結果をお知らせください。\n\n"
                     "抽選結果を印刷しますか？",
                     [("public", "掲示用を印刷…"), ("staff", "職員用を印刷…"),
                      ("close", "閉じる")], default="public", escape="close")
        if answer in LOTTERY_PRINTS:
            self.print_lottery_result(LOTTERY_PRINTS[answer])

    def print_lottery_result(self, name: str) -> None:
        """The 抽選結果 (*name*: the posting or the staff list), shown with 保存 and 印刷."""
        if self.event_id is None:
            return
        db, actor, event_id = self.db, self.actor, self.event_id
        self._preview("抽選結果", f"抽選結果_{event_id}.pdf",
                      lambda: leaflets.render(name, db, actor, event_id=event_id))

    # --- the receipt ----------------------------------------------------------------------
    def print_selected_receipt(self) -> None:
        info = self.selected()
        if info is not None:
            self.print_receipt(info.id)

    def print_receipt(self, registration_id: int) -> None:
        """The 受付票, shown with 保存 and 印刷."""
        if self.event_id is None:
            return
        db, actor, event_id = self.db, self.actor, self.event_id
        self._preview("受付票", f"受付票_{registration_id}.pdf", lambda: leaflets.render(
            RECEIPT, db, actor, event_id=event_id, registration_id=registration_id))

    def _preview(self, title: str, file_name: str, render: Callable[[], bytes]) -> None:
        """Make a print off the GUI thread, then show it in the app's preview; the last one
        shown stays reachable as *last_preview* (the tests wait for it)."""
        self._tell(f"{title}を作成しています…")

        def show(pdf: bytes) -> None:
            self._tell("")
            preview = PdfPreview(title, file_name, pdf, self)
            preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            preview.setModal(True)
            preview.status_message.connect(self._tell)
            self.last_preview = preview
            preview.show()

        def failed(exc: Exception) -> None:
            self._tell(f"{title}を作成できませんでした。")
            show_failure(self, exc, reading=True)

        ReadOp(self, render, show, failed=failed).run()
