"""The sign-up dialog (申込の受付), also used at the door for a walk-in (当日参加: signed up
and made 出席 at once; the door's word is 出席, never 受付).

Keyboard first: type part of a name, よみ or phone (person or group), ↓ into the candidates,
Enter takes one and moves on to 人数 (to 所属の区分 for a 市民協働ミーティング, which asks it
first: its roster and report show the mix); Ctrl+Enter saves, Esc closes (asking first when something
was typed). Saving runs off the GUI thread; whatever the service refuses is said in words and
every field keeps what was typed. An event's sign-up questions (申込時の質問) are asked under
the 配慮事項, the required ones marked ※必須.

Opened with a `SignUpChange` it changes a sign-up (申込の変更): the applicant is shown, not
searched; the fields hold what is stored, and the save names the version they were read at, so a
change made meanwhile at another counter is shown side by side (ui/conflict.py), never overwritten.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import (
    ConcurrentEdit,
    ConnectionLost,
    FieldProblem,
    UserError,
    ValidationError,
)
from kyodo_desk.domain.events import WINDOW_OVERRIDE_ROLES, EventKind
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import SECTOR_LABELS
from kyodo_desk.domain.questions import Answers, answer_field, answer_text, clean_answers
from kyodo_desk.services.contacts import ContactKind
from kyodo_desk.services.events import EventDetail, checkin
from kyodo_desk.services.events import registrations as svc
from kyodo_desk.services.events.answers import get_answers
from kyodo_desk.services.events.checkin import CheckInResult
from kyodo_desk.services.events.registrations import (
    CancelResult,
    RegistrationInfo,
    SignUpDraft,
    SignUpResult,
)
from kyodo_desk.ui.conflict import Choice, VersionsDialog, differences
from kyodo_desk.ui.contact_picker import ContactPicker
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.events.answers_form import AnswersForm
from kyodo_desk.ui.field_errors import (
    REFUSED,
    FieldErrors,
    form_column,
    say_on,
    summary_line,
    with_unit,
)
from kyodo_desk.ui.messages import ask, show_error
from kyodo_desk.ui.number_box import NumberBox
from kyodo_desk.ui.operations import ReadOp, WriteOp
from kyodo_desk.ui.widgets import ctrl_enter

# The dialog's fields in the order problems are listed and the first one is focused.
FIELD_ORDER = ("contact_id", "sector", "party_size", "notes", "booth_tables", "booth_chairs",
               "booth_space")
NO_SECTOR = "（回答なし）"


@dataclass(frozen=True)
class SignUpChange:
    """A sign-up read to be changed (申込の変更): its values at `registration.version`, and
    its answers."""

    registration: RegistrationInfo
    answers: Answers

    @property
    def draft(self) -> SignUpDraft:
        return replace(self.registration.as_draft(), answers=tuple(self.answers.items()))


def read_for_change(db: Database, actor: Actor, registration_id: int) -> SignUpChange:
    """(Runs off the GUI thread.) The sign-up, then its answers: an answer changed between the
    two reads raises the sign-up's version past the one read, so the save is refused and
    shown as a conflict rather than overwriting it."""
    info = svc.get_registration(db, actor, registration_id)
    return SignUpChange(info, get_answers(db, actor, registration_id))


class SignUpDialog(QDialog):
    """Sign a contact up for *event* (or, with *walk_in_session_id*, sign up and check in at
    the door at once).

    With *change*, change that sign-up instead (update_sign_up, CancelResult).

    After a save, `outcome` holds the service's answer (SignUpResult, or CheckInResult for a
    walk-in, CancelResult for a change) and the dialog is accepted. A walk-in the service refuses outright (満席 and the
    like) is closed unsaved with the reason in `refusal`. `save_finished` tells every outcome
    of a save (True: stored).
    """

    save_finished = Signal(bool)

    def __init__(self, db: Database, actor: Actor, event: EventDetail,
                 parent: QWidget | None = None, *, walk_in_session_id: int | None = None,
                 change: SignUpChange | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.detail = db, actor, event
        self.walk_in_session_id = walk_in_session_id
        self.change = change
        # The version the fields were read at: a save names it (a conflict resolved moves it).
        self._version = change.registration.version if change else 0
        self.outcome: SignUpResult | CheckInResult | CancelResult | None = None
        self.refusal = ""
        self._saving = False
        self._closing = False
        walk_in = walk_in_session_id is not None
        self.setWindowTitle("当日参加" if walk_in else "申込の変更" if change else "申込の受付")
        self.setMinimumWidth(720)

        self.summary = summary_line("formSummary")
        self.window_note = QLabel()
        self.window_note.setObjectName("signupWindowNote")
        self.window_note.setWordWrap(True)
        self.window_note.setStyleSheet("background: #fff3cd; color: #7a4f01; padding: 4px;")
        # Said before anything is typed; a walk-in is taken whatever the window.
        window = None if walk_in or change else event.signup_window_problem(date.today())
        self.window_note.setVisible(bool(window))
        if window:
            may = actor.role in WINDOW_OVERRIDE_ROLES
            self.window_note.setText(
                f"受付期間外です。{window}"
                + ("保存するときに、期間外でも受け付けるか確かめます。" if may
                   else "期間外の受付は協働担当のアカウントでのみできます。"))
        full = "" if event.seats.free != 0 or walk_in or change else \
            "\n満席です。新しい申込はキャンセル待ちになります。"
        heading = QLabel(f"{event.title}　　席: {event.seats.label()}{full}")
        heading.setObjectName("signupEvent")
        heading.setWordWrap(True)
        heading.setStyleSheet("font-weight: bold;")

        self.picker = ContactPicker(  # people and groups alike sign up
            db, actor, role="申込者",
            register=lambda typed: ContactForm.register(self, db, actor, ContactKind.PERSON,
                                                        typed))
        self.sector = QComboBox()
        self.sector.setObjectName("signupSector")
        self.sector.addItem(NO_SECTOR, "")
        for sector, label in SECTOR_LABELS.items():
            self.sector.addItem(label, sector.value)
        self.sector.setToolTip("市民・市民活動団体・地域活動団体・企業・行政（市職員）のどれとして"
                               "参加するか。名簿と報告に区分ごとの人数が出ます")
        self.sector_first = event.kind is EventKind.MEETING
        self.party = NumberBox.for_column("registrations", "party_size", unit="名")
        self.party.setObjectName("signupParty")
        self.party.setValue(1)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("signupNotes")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("車いす、手話通訳、託児の希望（お子さんの年齢）など")
        self.notes.setFixedHeight(64)
        # Left empty: none wanted.
        self.tables = NumberBox.for_column("registrations", "booth_tables", unit="台",
                                           optional=True, empty_text="なし")
        self.chairs = NumberBox.for_column("registrations", "booth_chairs", unit="脚",
                                           optional=True, empty_text="なし")
        self.power = QCheckBox("電源を使う")
        self.space = QLineEdit()
        self.space.setPlaceholderText("例: 2m×2m、壁ぎわ")
        self.booth = QWidget()
        booth_line = QHBoxLayout(self.booth)
        booth_line.setContentsMargins(0, 0, 0, 0)
        for label, widget, unit in (("机", self.tables, "台"), ("椅子", self.chairs, "脚"),
                                    ("", self.power, ""), ("広さ", self.space, "")):
            if label:
                booth_line.addWidget(QLabel(label))
            booth_line.addWidget(widget, 1 if widget is self.space else 0)
            if unit:
                booth_line.addWidget(QLabel(unit))
                booth_line.addSpacing(8)

        self.save_button = QPushButton(("出席にする" if walk_in else "変更を保存" if change
                                        else "受け付ける") + "（Ctrl+Enter）")
        self.save_button.setObjectName("saveButton")
        self.cancel_button = QPushButton("キャンセル")
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter in a field must never save by accident
            button.setDefault(False)

        # 申込時の質問: asked at the counter and at the door alike.
        self.answers = AnswersForm(event.questions, self)

        self.errors = FieldErrors()
        form = form_column()
        if change is None:
            self.errors.add_row(form, "申込者 *", self.picker, "contact_id",
                                focus=self.picker.search)
        else:  # the applicant stays: another person is a new sign-up
            self.picker.setParent(self)
            self.picker.hide()
            self.errors.add_row(form, "申込者", self._applicant_line(change.registration),
                                "contact_id")
        if self.sector_first:
            self.errors.add_row(form, "所属の区分", self.sector, "sector", narrow=True)
        self.errors.add_row(form, "人数", with_unit(self.party, "名"), "party_size",
                            focus=self.party)
        self.errors.add_row(form, "配慮事項・託児", self.notes, "notes")
        if not self.sector_first:
            self.errors.add_row(form, "所属の区分", self.sector, "sector", narrow=True)
        self.answers.place_in(form)
        self.errors.add_row(form, "ブースの希望", self.booth, "booth_tables",
                            "booth_chairs", "booth_space", focus=self.tables,
                            frames={"booth_tables": self.tables, "booth_chairs": self.chairs,
                                    "booth_space": self.space})
        form.setRowVisible(form.rowCount() - 1, event.has_booths)
        # The number boxes this sign-up asks (the booth's only where the event has booths).
        self._numbers = [self.party, *((self.tables, self.chairs) if event.has_booths else ())]
        hint = QLabel("Ctrl+Enter で保存・Esc で閉じる")
        hint.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        self.content = QWidget()
        self.content.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.window_note)
        layout.addWidget(self.summary)
        layout.addWidget(self.content, 1)
        layout.addLayout(buttons)

        searched = self.picker.tab_chain() if change is None else []
        order: list[QWidget] = [*searched, self.party, self.notes, self.sector]
        if self.sector_first:
            order = [*searched, self.sector, self.party, self.notes]
        order += self.answers.focus_widgets()
        if event.has_booths:
            order += [self.tables, self.chairs, self.power, self.space]
        for first, second in itertools.pairwise([*order, self.save_button, self.cancel_button]):
            self.setTabOrder(first, second)

        self.picker.picked.connect(self._contact_taken)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        ctrl_enter(self, self.save)
        if change is not None:
            self._fill(change)
        self._clean = self.draft_state()
        if change is None:
            self.picker.search.setFocus()
        else:
            self.party.setFocus()
            self.party.selectAll()

    def _applicant_line(self, info: RegistrationInfo) -> QLabel:
        details = "・".join(x for x in (info.contact_reading, info.contact_phone) if x)
        line = QLabel(f"{info.contact_name}" + (f"（{details}）" if details else "")
                      + f"　受付番号 {info.queue_number}・{info.status_label}")
        line.setObjectName("signupApplicant")
        line.setStyleSheet("font-weight: bold;")
        line.setWordWrap(True)
        return line

    def _fill(self, change: SignUpChange) -> None:
        """Put the sign-up as read on screen."""
        info = change.registration
        self.picker.restore(info.contact_name, info.contact_id)
        self.party.setValue(info.party_size)
        self.notes.setPlainText(info.notes)
        self.sector.setCurrentIndex(max(self.sector.findData(info.sector), 0))
        self.tables.setValue(info.booth_tables or None)  # empty: none wanted
        self.chairs.setValue(info.booth_chairs or None)
        self.power.setChecked(info.booth_power)
        self.space.setText(info.booth_space)
        self.answers.fill(change.answers)

    # --- state ----------------------------------------------------------------------------
    def draft(self) -> SignUpDraft:
        """What is typed, as the service takes it; only once every number box reads as a
        number (`number()` raises otherwise)."""
        chosen = self.picker.chosen
        booths = self.detail.has_booths
        return SignUpDraft(
            contact_id=chosen.ref.id if chosen else 0, party_size=self.party.number() or 0,
            notes=self.notes.toPlainText(),
            booth_tables=(self.tables.number() or 0) if booths else 0,  # empty: none
            booth_chairs=(self.chairs.number() or 0) if booths else 0,
            booth_power=self.power.isChecked(), booth_space=self.space.text(),
            sector=self.sector.currentData() or "", answers=self.answers.answers())

    def draft_state(self) -> tuple[object, ...]:
        """What is on screen, as typed (a number box may hold what is not a number yet)."""
        chosen = self.picker.chosen
        return (chosen.ref if chosen else None, self.picker.search.text(), self.party.text(),
                self.notes.toPlainText(), self.tables.text(), self.chairs.text(),
                self.power.isChecked(), self.space.text(), self.sector.currentIndex(),
                self.answers.answers())

    def is_dirty(self) -> bool:
        return self.draft_state() != self._clean

    def _contact_taken(self, _entry: object) -> None:
        self._show_problems([])
        if self.sector_first:
            self.sector.setFocus()
            return
        self.party.setFocus()
        self.party.selectAll()

    # --- saving ---------------------------------------------------------------------------
    def save(self) -> None:
        self._submit(allow_similar=False, override_window=False)

    def _submit(self, *, allow_similar: bool, override_window: bool) -> None:
        if self._saving:
            return
        self._show_problems([])
        problems = self._local_problems()
        if problems:
            self._show_problems(problems)
            self.save_finished.emit(False)
            return
        draft = self.draft()
        db, actor, event_id = self.db, self.actor, self.detail.id
        session_id = self.walk_in_session_id
        changed = self.change.registration.id if self.change else None
        version = self._version
        self._set_saving(True)

        def store() -> SignUpResult | CheckInResult | CancelResult:
            if session_id is not None:
                return checkin.walk_in(db, actor, session_id, draft)
            if changed is not None:
                return svc.update_sign_up(db, actor, changed, version, draft)
            return svc.sign_up(db, actor, event_id, draft, override_window=override_window,
                               allow_similar=allow_similar)

        WriteOp(self, store, self._stored,
                failed=lambda exc: self._refused(exc, allow_similar, override_window)).run()

    def _local_problems(self) -> list[FieldProblem]:
        own = []
        if self.picker.chosen is None:
            typed = self.picker.search.text().strip()
            own.append(FieldProblem("contact_id", (
                f"「{typed}」が連絡先から選ばれていません。候補から選ぶか、「新しく登録…」で"
                "登録してください。") if typed else
                "申込者を検索して選ぶか、「新しく登録…」で登録してください。"))
        # A number box holding what cannot be stored is refused as typed, before the service's
        # own check, which needs numbers.
        numbers = [problem for box in self._numbers if (problem := box.problem()) is not None]
        if numbers:
            return own + numbers
        try:
            svc.clean_sign_up(self.draft())
        except ValidationError as exc:
            own += exc.problems
        try:  # a required question left unanswered is said before the database is asked
            clean_answers(self.detail.questions, self.answers.answers())
        except ValidationError as exc:
            own += exc.problems
        return own

    def _set_saving(self, saving: bool) -> None:
        """While the database works the fields wait; what is typed stays."""
        self._saving = saving
        self.save_button.setEnabled(not saving)
        self.content.setEnabled(not saving)
        if saving:
            say_on(self.summary, "保存しています…", busy=True)
        elif self.summary.text() == "保存しています…":
            self.summary.hide()

    def _stored(self, outcome: SignUpResult | CheckInResult | CancelResult) -> None:
        self._set_saving(False)
        self.outcome = outcome
        self._closing = True
        self.save_finished.emit(True)
        self.accept()

    def _refused(self, exc: Exception, allow_similar: bool, override_window: bool) -> None:
        self._set_saving(False)
        walk_in = self.walk_in_session_id is not None
        if isinstance(exc, ValidationError):
            self._show_problems(exc.problems)
        elif self.change is not None and isinstance(exc, UserError) \
                and not isinstance(exc, ConnectionLost):
            self._resolve_conflict(exc)
            return  # save_finished is told once it is known what happened
        elif isinstance(exc, svc.DuplicateSignUp):
            self._show_problems([FieldProblem("contact_id", exc.message)])
            QMessageBox.warning(self, "二重申込", exc.message)
        elif isinstance(exc, svc.SimilarSignUp) and not walk_in:
            answer = ask(self, "同じ方かもしれません", exc.message,
                         [("another", "別の方として受け付ける"), ("back", "戻って確かめる")],
                         default="back", escape="back")
            if answer == "another":
                self._submit(allow_similar=True, override_window=override_window)
                return  # save_finished is told by the second try
            say_on(self.summary, exc.message)
        elif isinstance(exc, svc.SimilarSignUp):
            # The door cannot sign up a second 「同じ名前」: most likely the same person came
            # without the receipt, and is found in the list by name. The service's own words
            # name the counter's 「別の方として受け付ける」, which the door does not offer.
            e = exc.existing
            say_on(self.summary,
                   f"名前か電話番号が同じ「{e.contact_name}」さんの申込がすでにあります（受付番号 "
                   f"{e.queue_number}・{e.status_label}）。同じ方なら、この画面を閉じ、"
                   "出席確認の画面で名前を検索して出席にしてください。")
        elif isinstance(exc, svc.OutsideSignUpWindow):
            if self.actor.role in WINDOW_OVERRIDE_ROLES and not override_window:
                answer = ask(self, "受付期間外", f"{exc.message}\n\n期間外でも受け付けますか？"
                             "（受け付けたことは操作記録に残ります）",
                             [("override", "期間外でも受け付ける"), ("back", "やめる")],
                             default="back", escape="back")
                if answer == "override":
                    self._submit(allow_similar=allow_similar, override_window=True)
                    return
            say_on(self.summary, exc.message)
            QMessageBox.warning(self, "受付期間外", exc.message)
        elif isinstance(exc, ConnectionLost):
            say_on(self.summary, f"{exc.message}\n入力した内容は残っています。"
                   "接続が戻ったら、もう一度保存してください。")
        elif walk_in and type(exc) is UserError:
            # 満席 or a cancelled event: nothing to correct here; the door says it plainly.
            self.refusal = exc.message
            self._closing = True
            self.save_finished.emit(False)
            self.reject()
            return
        else:  # PermissionDenied, NotFound, a read-only database, the unexpected
            if isinstance(exc, UserError):
                say_on(self.summary, exc.message)
            show_error(self, exc)
        self.save_finished.emit(False)

    # --- a change saved meanwhile at another counter --------------------------------------
    def _resolve_conflict(self, exc: UserError) -> None:
        """The sign-up read again: if another counter changed it since it was read, both
        versions side by side and the usual three choices; else *exc* said as it is."""
        assert self.change is not None
        db, actor, registration_id = self.db, self.actor, self.change.registration.id
        self._set_saving(True)

        def choose(latest: SignUpChange) -> None:
            self._set_saving(False)
            if latest.registration.version == self._version and \
                    not isinstance(exc, ConcurrentEdit):
                say_on(self.summary, exc.message)
                show_error(self, exc)
                self.save_finished.emit(False)
                return
            dialog = VersionsDialog(
                "この申込は、この画面で開いた後に他の窓口で変更されました。",
                differences(self._described(self.draft()), self._described(latest.draft),
                            self._labels()), self)
            dialog.exec()
            if dialog.choice is Choice.LOAD_THEIRS:
                self.change, self._version = latest, latest.registration.version
                self._fill(latest)
                self._clean = self.draft_state()
            elif dialog.choice is Choice.SAVE_MINE:
                self._version = latest.registration.version  # saved over this one, knowingly
                self.save()
                return  # save_finished is told by the second try
            self.save_finished.emit(False)

        def failed(read: Exception) -> None:
            self._set_saving(False)
            show_error(self, read)
            self.save_finished.emit(False)

        ReadOp(self, lambda: read_for_change(db, actor, registration_id), choose,
               failed=failed).run()

    def _labels(self) -> dict[str, str]:
        booth = {"booth": "ブースの希望"} if self.detail.has_booths else {}
        return {"party_size": "人数", "notes": "配慮事項・託児", "sector": "所属の区分",
                **{answer_field(q.id): q.prompt for q in self.detail.questions
                   if q.id is not None}, **booth}

    def _described(self, draft: SignUpDraft) -> dict[str, str]:
        """The sign-up as a person reads it, for the two versions side by side."""
        given: Mapping[int, str] = dict(draft.answers)
        needs = [f"机{draft.booth_tables}台" if draft.booth_tables else "",
                 f"椅子{draft.booth_chairs}脚" if draft.booth_chairs else "",
                 "電源" if draft.booth_power else "", draft.booth_space]
        return {"party_size": f"{draft.party_size}名", "notes": draft.notes,
                "sector": self.sector.itemText(max(self.sector.findData(draft.sector), 0)),
                "booth": "・".join(n for n in needs if n),
                **{answer_field(q.id): answer_text(q, given.get(q.id, ""))
                   for q in self.detail.questions if q.id is not None}}

    def _show_problems(self, problems: list[FieldProblem]) -> None:
        """Each problem on the red line under its field, the input framed; the first focused.
        One about no field of this dialog is said in the summary."""
        ordered = sorted(problems, key=lambda p: FIELD_ORDER.index(p.field)
                         if p.field in FIELD_ORDER else len(FIELD_ORDER))
        # The answers' first, so a field above them with a problem takes the cursor after.
        elsewhere = self.errors.show(self.answers.show_problems(ordered))
        if not problems:
            self.summary.hide()
            return
        say_on(self.summary, "\n".join([REFUSED, *(f"・{p.message}" for p in elsewhere)]))

    # --- closing --------------------------------------------------------------------------
    def reject(self) -> None:
        if self._closing:
            super().reject()
            return
        if self._saving:
            return  # the save under way decides; closing now could lose its answer
        if self.is_dirty():
            answer = ask(self, "入力内容の確認", "入力した内容は保存されていません。破棄して閉じますか？",
                         [("discard", "破棄して閉じる"), ("continue", "入力を続ける")],
                         default="continue", escape="continue")
            if answer != "discard":
                return
        self._closing = True
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing and self.result() != QDialog.DialogCode.Accepted:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
