"""One grant case (交付金案件): where it stands, what moves it on, its documents, money,
deadlines and notes, and its 経過.

The tab shows this panel beside the case list. Every change runs off the GUI thread; the
service answers with the case as it now stands, which is shown at once, and `changed` tells
the tab (whose list and budget strip follow). A refusal is said on the panel's message line
in words, with nothing changed; moves, payments and the like say it inside their dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label, full_date
from kyodo_desk.domain.errors import ConnectionLost, UserError
from kyodo_desk.domain.grants import STAGE_LABELS, Stage
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services.grants import ProgrammeDetail
from kyodo_desk.services.grants import cases as svc
from kyodo_desk.services.grants.cases import CaseDetail
from kyodo_desk.ui.field_errors import ERROR_SUMMARY_STYLE
from kyodo_desk.ui.grants.case_sections import (
    CaseHeader,
    DeadlinesBox,
    DocumentsBox,
    MoneyBox,
    StageStrip,
    contents_html,
    small_button,
)
from kyodo_desk.ui.grants.move_dialog import MoveDialog, move_text
from kyodo_desk.ui.grants.record_dialogs import DeadlineDialog, DocumentDialog, PaymentDialog
from kyodo_desk.ui.grants.timeline_view import TimelineView
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import ReadOp, WriteOp

# Tables whose change may alter what the panel shows (contacts: a group renamed).
CASE_TABLES = frozenset({"grant_cases", "grant_case_moves", "grant_case_documents",
                         "grant_payments", "grant_case_notes", "grant_deadlines",
                         "grant_programmes", "grant_required_documents", "consultations",
                         "contacts"})
PLACEHOLDER = "左の一覧から案件を選ぶと、段階・書類・お金・期限と経過が表示されます。"


class CasePanel(QWidget):
    changed = Signal(object)  # CaseDetail: changed here, so the list and the budget follow
    shown = Signal()  # the panel shows the chosen case as read now (or none)
    status_message = Signal(str)

    def __init__(self, db: Database, actor: Actor, *, today: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self._fixed_today = db, actor, today
        self.case_id: int | None = None
        self.detail: CaseDetail | None = None
        self.programme: ProgrammeDetail | None = None  # for the decision's ceiling and budget
        self.dialog: QDialog | None = None  # the dialog opened last (moves, money, edits)
        self._busy = False
        self.writable = (not db.read_only
                         and actor.may(Action.CHANGE, Resource.GRANT_CASES))

        self.placeholder = QLabel(PLACEHOLDER)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #666; font-size: 11pt;")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(self._build_case())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    # --- building -------------------------------------------------------------------------
    def _build_case(self) -> QWidget:
        header = CaseHeader()
        self.group, self.title, self.subtitle, self.stage = (
            header.group, header.title, header.subtitle, header.stage)
        self.edit_button = header.edit_button
        self.edit_button.clicked.connect(self.open_edit)
        self.edit_button.setVisible(self.writable)
        self.header = header

        self.strip = StageStrip()
        self.moves_line = QHBoxLayout()
        self.moves_line.setSpacing(6)
        self.move_buttons: dict[Stage, QPushButton] = {}
        self.message = QLabel()
        self.message.setObjectName("caseMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        moves = QHBoxLayout()
        moves.addLayout(self.moves_line)
        moves.addStretch(1)

        self.documents = DocumentsBox()
        self.documents.toggled.connect(self.set_received)
        self.documents.add_clicked.connect(self.open_document)
        self.money = MoneyBox()
        self.money.pay_clicked.connect(lambda: self.open_payment(refund=False))
        self.money.refund_clicked.connect(lambda: self.open_payment(refund=True))
        self.deadlines = DeadlinesBox()
        self.deadlines.add_clicked.connect(self.open_deadline)
        self.deadlines.complete_clicked.connect(self.complete_deadline)
        self.contents = QLabel()
        self.contents.setObjectName("caseContents")
        self.contents.setWordWrap(True)
        self.contents.setTextFormat(Qt.TextFormat.RichText)
        self.contents.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 6, 0)
        for box in (self.money, self.documents, self.deadlines):
            side_layout.addWidget(box)
        side_layout.addWidget(self.contents)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("caseSideScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(side)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(300)

        self.timeline = TimelineView()
        self.timeline.consultation_clicked.connect(self.open_consultation)
        self.note = QPlainTextEdit()
        self.note.setObjectName("noteText")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("電話で確認したこと、団体への連絡など（経過に残ります）")
        self.note.setFixedHeight(52)
        self.note_button = small_button("メモを追加", "addNote", self.add_note,
                                        "メモを経過に残します")
        note_line = QHBoxLayout()
        note_line.addWidget(self.note, 1)
        note_line.addWidget(self.note_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.note.setVisible(self.writable)
        self.note_button.setVisible(self.writable)
        heading = QLabel("経過")
        heading.setStyleSheet("font-weight: bold; color: #1f4e3d;")
        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(6, 0, 0, 0)
        history_layout.addWidget(heading)
        history_layout.addWidget(self.timeline, 1)
        history_layout.addLayout(note_line)

        body = QSplitter()
        body.setObjectName("caseBodySplitter")
        body.addWidget(scroll)
        body.addWidget(history)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 1)
        body.setChildrenCollapsible(False)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(header)
        layout.addWidget(self.strip)
        layout.addLayout(moves)
        layout.addWidget(self.message)
        layout.addWidget(body, 1)
        return page

    @property
    def today(self) -> date:
        """The day a tick or a 完了 records (read again at each use)."""
        return self._fixed_today or date.today()

    # --- showing --------------------------------------------------------------------------
    def set_programme(self, programme: ProgrammeDetail | None) -> None:
        self.programme = programme

    def show_case(self, case_id: int | None) -> None:
        """Show the case *case_id* (None: no case chosen)."""
        if case_id != self.case_id:
            self.say("")
        self.case_id = case_id
        self.refresh()

    def refresh(self) -> None:
        """Read the chosen case again (none chosen: the placeholder). Each reading makes the
        one still under way stale, so a case chosen before another never comes back over it."""
        case_id, db, actor = self.case_id, self.db, self.actor

        def read() -> CaseDetail | None:
            return None if case_id is None else svc.get_case(db, actor, case_id)

        def failed(exc: Exception) -> None:
            if isinstance(exc, UserError):  # removed, or the connection lost
                self.say(exc.message)
                self.shown.emit()
                return
            show_error(self, exc)

        ReadOp(self, read, self._show_read, key="case", failed=failed).run()

    def _show_read(self, detail: CaseDetail | None) -> None:
        if detail is not None:
            self.show_detail(detail)
            return
        self.detail = None
        self.pages.setCurrentIndex(0)
        self.shown.emit()

    def show_detail(self, detail: CaseDetail) -> None:
        self.detail, self.case_id = detail, detail.id
        self.header.show_case(detail)
        self.strip.show_stage(detail.stage)
        self._show_moves(detail)
        self.documents.show_case(detail, writable=self.writable)
        self.money.show_case(detail, writable=self.writable)
        self.deadlines.show_case(detail, writable=self.writable, today=self.today)
        self.contents.setText(contents_html(detail))
        self.timeline.show_entries(detail.timeline, self.today)
        self.pages.setCurrentIndex(1)
        self._update_enabled()
        self.shown.emit()

    def _show_moves(self, detail: CaseDetail) -> None:
        for button in self.move_buttons.values():
            self.moves_line.removeWidget(button)
            button.deleteLater()
        self.move_buttons = {}
        if not self.writable:
            return
        for n, target in enumerate(detail.next_moves):
            button = small_button(f"{move_text(target)}…", f"move_{target.value}",
                                  lambda _=False, t=target: self.open_move(t))
            if n == 0 and target not in (Stage.WITHDRAWN, Stage.REJECTED):
                button.setStyleSheet("QPushButton { font-weight: bold; color: #1f4e3d; }")
            elif target is Stage.WITHDRAWN:
                button.setStyleSheet("QPushButton { color: #b3261e; }")
            self.moves_line.addWidget(button)
            button.show()  # at once, not when the event loop next runs
            self.move_buttons[target] = button

    def _update_enabled(self) -> None:
        idle = not self._busy
        for widget in (*self.move_buttons.values(), self.edit_button, self.note_button,
                       self.documents, self.money, self.deadlines):
            widget.setEnabled(idle)

    def say(self, text: str, *, error: bool = True) -> None:
        """The panel's message line: what was just done, or why it was not."""
        self.message.setStyleSheet(ERROR_SUMMARY_STYLE if error
                                   else "color: #1f6f4a;")
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if text and not error:
            self.status_message.emit(text)

    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        if self.case_id is not None and not self._busy and (
                tables is None or tables & CASE_TABLES):
            self.refresh()

    # --- changes made here ----------------------------------------------------------------
    def _write(self, work: Callable[[], CaseDetail], done: str,
               after: Callable[[], None] | None = None) -> None:
        """One change off the GUI thread; the case as it then stands is shown (and *after*
        is called once it is stored). A reading begun before the change may still answer
        with the case as it was; the change, told to every open view (WriteOp), has the case
        read again, and that newer reading is the one shown."""
        self._busy = True
        self._update_enabled()

        def finished(detail: CaseDetail) -> None:
            self._busy = False
            self.show_detail(detail)
            self.say(done, error=False)
            if after is not None:
                after()
            self.changed.emit(detail)

        def failed(exc: Exception) -> None:
            self._busy = False
            self._update_enabled()
            if isinstance(exc, ConnectionLost):
                self.say(f"{exc.message}\n記録していません。接続が戻ったら、もう一度操作してください。")
            elif isinstance(exc, UserError):
                self.say(exc.message)
            else:
                show_error(self, exc)
            self.refresh()  # what is on screen goes back to what is stored

        WriteOp(self, work, finished, failed=failed).run()

    def set_received(self, name: str, received: bool) -> None:
        """A tick (received today) or an untick (the receipt taken back)."""
        if self.detail is None or not self.writable:
            return
        db, actor, case_id, today = self.db, self.actor, self.detail.id, self.today
        if received:
            self._write(lambda: svc.receive_document(db, actor, case_id, name, today),
                        f"「{name}」を受理しました（{full_date(today)}）。")
        else:
            self._write(lambda: svc.unreceive_document(db, actor, case_id, name),
                        f"「{name}」の受理を取り消しました。")

    def add_note(self) -> None:
        if self.detail is None:
            return
        db, actor, case_id, text = self.db, self.actor, self.detail.id, self.note.toPlainText()

        def work() -> CaseDetail:
            return svc.add_note(db, actor, case_id, text)

        self._write(work, "メモを経過に残しました。", after=self.note.clear)

    def complete_deadline(self, deadline_id: int) -> None:
        db, actor, today = self.db, self.actor, self.today
        label = next((d.label for d in self.detail.deadlines if d.id == deadline_id), "") \
            if self.detail else ""
        self._write(lambda: svc.complete_deadline(db, actor, deadline_id, today),
                    f"期限「{label}」を完了にしました。")

    # --- dialogs ----------------------------------------------------------------------------
    def _open(self, dialog: QDialog, done: Callable[[Any], str]) -> QDialog:
        """Show *dialog* (modal); when it has done its work, show the case as it now stands."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)

        def accepted() -> None:
            detail = getattr(dialog, "outcome", None) or getattr(dialog, "saved", None)
            if isinstance(detail, CaseDetail):
                self.show_detail(detail)
                self.say(done(detail), error=False)
                self.changed.emit(detail)

        dialog.accepted.connect(accepted)
        dialog.rejected.connect(self.refresh)  # a refusal may come from a stale view
        self.dialog = dialog
        dialog.show()
        return dialog

    def open_move(self, target: Stage) -> QDialog | None:
        if self.detail is None or not self.writable:
            return None
        dialog = MoveDialog(self.db, self.actor, self.detail, target, self.programme, self)
        label = STAGE_LABELS[target]
        return self._open(dialog, lambda _d: f"「{label}」にしました。")

    def open_payment(self, *, refund: bool) -> QDialog | None:
        if self.detail is None or not self.writable:
            return None
        dialog = PaymentDialog(self.db, self.actor, self.detail, refund=refund,
                               today=self.today, parent=self)
        return self._open(dialog, lambda _d: f"{'返還' if refund else '支払'}を記録しました。")

    def open_deadline(self) -> QDialog | None:
        if self.detail is None or not self.writable:
            return None
        dialog = DeadlineDialog(self.db, self.actor, self.detail, today=self.today, parent=self)
        return self._open(dialog, lambda _d: "期限を追加しました。")

    def open_document(self) -> QDialog | None:
        if self.detail is None or not self.writable:
            return None
        dialog = DocumentDialog(self.db, self.actor, self.detail, today=self.today, parent=self)
        return self._open(dialog, lambda _d: "書類の受理を記録しました。")

    def open_edit(self) -> QDialog | None:
        if self.detail is None or not self.writable:
            return None
        from kyodo_desk.ui.grants.case_dialog import CaseDialog

        detail = self.detail
        dialog = CaseDialog(self.db, self.actor, programme_id=detail.programme_id,
                            programme_label=f"{fiscal_year_label(detail.fiscal_year)} {detail.programme_name}",
                            detail=detail, parent=self)
        return self._open(dialog, lambda saved: f"「{saved.title}」を保存しました。")

    def open_consultation(self, consultation_id: int) -> None:
        """A consultation on the timeline opens in the consultation form (the opening is
        written to the audit log by the service)."""
        from kyodo_desk.services.consultations import get_consultation
        from kyodo_desk.ui.consultations.form import ConsultationForm

        db, actor = self.db, self.actor

        def show(detail: Any) -> None:
            form = ConsultationForm(db, actor, detail=detail, parent=self)
            form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            form.setModal(True)
            form.accepted.connect(self.refresh)
            self.dialog = form
            form.show()

        ReadOp(self, lambda: get_consultation(db, actor, consultation_id), show).run()
