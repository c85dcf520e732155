"""The sign-up dialog (申込の受付), also used at the door for a walk-in (当日参加).

Keyboard first: type part of a name, よみ or phone (person or group), ↓ into the candidates,
Enter takes one and moves on to 人数; Ctrl+Enter saves, Esc closes (asking first when something
was typed). Saving runs off the GUI thread; whatever the service refuses is said in words and
every field keeps what was typed.
"""

from __future__ import annotations

import itertools
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
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
from kyodo_desk.domain.errors import ConnectionLost, FieldProblem, UserError, ValidationError
from kyodo_desk.domain.events import WINDOW_OVERRIDE_ROLES
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import checkin
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services import registrations as svc
from kyodo_desk.services.checkin import CheckInResult
from kyodo_desk.services.contacts import ContactDetail, ContactKind, DirectoryEntry, EntryRef
from kyodo_desk.services.events import EventDetail
from kyodo_desk.services.registrations import SignUpDraft, SignUpResult
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.contacts.labels import short_kind_label
from kyodo_desk.ui.field_errors import FieldErrors, form_column, with_unit
from kyodo_desk.ui.messages import ask, show_error
from kyodo_desk.ui.number_box import NumberBox
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure
from kyodo_desk.ui.widgets import (
    RowsModel,
    SearchListKeys,
    contact_line,
    record_list,
)

SEARCH_DELAY_MS = 150  # the candidates follow the typing, one search per pause
SEARCH_LIMIT = 30
# The dialog's fields in the order problems are listed and the first one is focused.
FIELD_ORDER = ("contact_id", "party_size", "notes", "booth_tables", "booth_chairs",
               "booth_space")

_Index = QModelIndex | QPersistentModelIndex


def entry_of(contact: ContactDetail) -> DirectoryEntry:
    """A contact just registered, as the lookup list would show it."""
    return DirectoryEntry(EntryRef("contact", contact.id), contact.kind.value, contact.group_type,
                          contact.name, contact.reading, contact.postal_code, contact.address,
                          contact.phone, contact.email, "")


class CandidatesModel(RowsModel[DirectoryEntry]):
    columns = ("氏名・団体名", "区分", "よみ", "電話番号")

    def reset(self, rows: list[DirectoryEntry]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        entry = self.entry(index.row())
        if entry is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (entry.name, short_kind_label(entry.kind, entry.group_type), entry.reading,
                entry.phone)[index.column()]


class ContactPicker(QWidget):
    """申込者: a search as you type over the contacts (people and groups), the candidates in a
    list, and 「新しく登録…」 for someone not registered yet.

    The chosen contact is the list's current row; typing over the search drops the choice,
    so a sign-up never goes to someone the box no longer names.
    """

    chosen_changed = Signal()
    taken = Signal()  # Enter on a candidate: the clerk is done here
    search_finished = Signal()  # the list answers what is in the box

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.chosen: DirectoryEntry | None = None

        self.search = QLineEdit()
        self.search.setObjectName("signupContactSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("名前・よみ・電話番号の一部で検索（個人・団体）　↓で候補へ")
        self.new_button = QPushButton("新しく登録…")
        self.new_button.setAutoDefault(False)
        self.new_button.setToolTip("連絡先にない方・団体を、その場で登録して選びます")
        self.model = CandidatesModel()
        self.table = record_list(self.model, "signupCandidates")
        self.table.setMinimumHeight(150)
        header = self.table.horizontalHeader()
        for column, width in enumerate((210, 100, 170)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.note = QLabel()
        self.note.setObjectName("signupChosen")
        self.note.setWordWrap(True)

        line = QHBoxLayout()
        line.addWidget(self.search, 1)
        line.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(line)
        layout.addWidget(self.table)
        layout.addWidget(self.note)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search.textEdited.connect(self._edited)
        self.new_button.clicked.connect(self.register_new)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._row_changed())
        self.table.doubleClicked.connect(lambda _index: self._take())
        SearchListKeys(self.search, self.table, open_current=self._take,
                       typing_done=self.search_now, enter_opens=False)
        self._show_note()

    def _edited(self, _text: str) -> None:
        self._set_chosen(None)
        self._timer.start()

    def search_now(self) -> None:
        """Look up what the box says; typed quickly, only the last search is shown."""
        self._search(self.search.text().strip())

    def _search(self, query: str) -> None:
        """An empty *query* is answered the same way, without the database, so that a search
        still under way cannot fill the list after it was emptied."""
        self._timer.stop()
        db, actor = self.db, self.actor

        def work() -> list[DirectoryEntry]:
            if not query:
                return []
            return contact_svc.search_contacts(
                db, actor, query, kinds=[ContactKind.PERSON, ContactKind.GROUP],
                limit=SEARCH_LIMIT).entries

        def failed(exc: Exception) -> None:
            self.note.setText("連絡先を検索できませんでした。")
            self.search_finished.emit()
            show_failure(self, exc, reading=True)

        ReadOp(self, work, self._show_candidates, key="search", failed=failed).run()

    def _show_candidates(self, entries: list[DirectoryEntry]) -> None:
        self.model.reset(entries)
        self._show_note()
        self.search_finished.emit()

    def candidate_names(self) -> list[str]:
        return [e.name for e in (self.model.entry(r) for r in range(self.model.rowCount())) if e]

    def choose_row(self, row: int) -> None:
        """Take the candidate on *row* (what ↓ and Enter do)."""
        self.table.selectRow(row)
        self._take()

    def _row_changed(self) -> None:
        entry = self.model.entry(self.table.currentIndex().row())
        if entry is not None:
            self._set_chosen(entry)

    def _take(self) -> None:
        self._row_changed()
        if self.chosen is not None:
            self.taken.emit()

    def _set_chosen(self, chosen: DirectoryEntry | None) -> None:
        if chosen != self.chosen:
            self.chosen = chosen
            self._show_note()
            self.chosen_changed.emit()

    def _show_note(self) -> None:
        if self.chosen is not None:
            self.note.setText(f"申込者: {contact_line(self.chosen)}")
            self.note.setStyleSheet("font-weight: bold; color: #1f4e3d;")
            return
        self.note.setStyleSheet("color: #555;")
        if not self.search.text().strip():
            self.note.setText("")
        elif self.model.rowCount():
            self.note.setText("候補から選んでください（↓で候補へ、Enterで決定）。")
        else:
            self.note.setText("該当する連絡先はありません。「新しく登録…」で登録できます。")

    def register_new(self) -> None:
        """The contact form, with what was typed as the name; the saved contact is chosen."""
        form = ContactForm(self.db, self.actor, self, kind=ContactKind.PERSON)
        typed = "" if self.chosen is not None else self.search.text().strip()
        if typed:
            form.name.setText(typed)
        if form.exec() == QDialog.DialogCode.Accepted and form.saved is not None:
            saved = form.saved
            self.search.setText(saved.name)
            self._search("")  # the box names the one chosen: no candidates under it
            self._set_chosen(entry_of(saved))
            self.taken.emit()
        else:
            self.search.setFocus()
        form.deleteLater()


class SignUpDialog(QDialog):
    """Sign a contact up for *event* (or, with *walk_in_session_id*, sign up and check in at
    the door at once).

    After a save, `outcome` holds the service's answer (SignUpResult, or CheckInResult for a
    walk-in) and the dialog is accepted. A walk-in the service refuses outright (満席 and the
    like) is closed unsaved with the reason in `refusal`. `save_finished` tells every outcome
    of a save (True: stored).
    """

    save_finished = Signal(bool)

    def __init__(self, db: Database, actor: Actor, event: EventDetail,
                 parent: QWidget | None = None, *, walk_in_session_id: int | None = None
                 ) -> None:
        super().__init__(parent)
        self.db, self.actor, self.detail = db, actor, event
        self.walk_in_session_id = walk_in_session_id
        self.outcome: SignUpResult | CheckInResult | None = None
        self.refusal = ""
        self._saving = False
        self._closing = False
        walk_in = walk_in_session_id is not None
        self.setWindowTitle("当日参加の受付" if walk_in else "申込の受付")
        self.setMinimumWidth(720)

        self.summary = QLabel()
        self.summary.setObjectName("formSummary")
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.window_note = QLabel()
        self.window_note.setObjectName("signupWindowNote")
        self.window_note.setWordWrap(True)
        self.window_note.setStyleSheet("background: #fff3cd; color: #7a4f01; padding: 4px;")
        # Said before anything is typed; a walk-in is taken whatever the window.
        window = None if walk_in else event.signup_window_problem(date.today())
        self.window_note.setVisible(bool(window))
        if window:
            may = actor.role in WINDOW_OVERRIDE_ROLES
            self.window_note.setText(
                f"受付期間外です。{window}"
                + ("保存するときに、期間外でも受け付けるか確かめます。" if may
                   else "期間外の受付は協働担当のアカウントでのみできます。"))
        full = "" if event.seats.free != 0 or walk_in else \
            "\n満席です。新しい申込はキャンセル待ちになります。"
        heading = QLabel(f"{event.title}　　席: {event.seats.label()}{full}")
        heading.setObjectName("signupEvent")
        heading.setWordWrap(True)
        heading.setStyleSheet("font-weight: bold;")

        self.picker = ContactPicker(db, actor)
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

        self.save_button = QPushButton(("受付する" if walk_in else "受け付ける") + "（Ctrl+Enter）")
        self.save_button.setObjectName("saveButton")
        self.cancel_button = QPushButton("キャンセル")
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter in a field must never save by accident
            button.setDefault(False)

        self.errors = FieldErrors()
        form = form_column()
        self.errors.add_row(form, "申込者 *", self.picker, "contact_id", focus=self.picker.search)
        self.errors.add_row(form, "人数", with_unit(self.party, "名"), "party_size",
                            focus=self.party)
        self.errors.add_row(form, "配慮事項・託児", self.notes, "notes")
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

        order: list[QWidget] = [self.picker.search, self.picker.new_button, self.picker.table,
                                self.party, self.notes]
        if event.has_booths:
            order += [self.tables, self.chairs, self.power, self.space]
        for first, second in itertools.pairwise([*order, self.save_button, self.cancel_button]):
            self.setTabOrder(first, second)

        self.picker.taken.connect(self._contact_taken)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(Qt.KeyboardModifier.ControlModifier | key), self, self.save)
        self._clean = self.draft_state()
        self.picker.search.setFocus()

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
            booth_power=self.power.isChecked(), booth_space=self.space.text())

    def draft_state(self) -> tuple[object, ...]:
        """What is on screen, as typed (a number box may hold what is not a number yet)."""
        chosen = self.picker.chosen
        return (chosen.ref if chosen else None, self.picker.search.text(), self.party.text(),
                self.notes.toPlainText(), self.tables.text(), self.chairs.text(),
                self.power.isChecked(), self.space.text())

    def is_dirty(self) -> bool:
        return self.draft_state() != self._clean

    def _contact_taken(self) -> None:
        self._show_problems([])
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
        self._set_saving(True)

        def store() -> SignUpResult | CheckInResult:
            if session_id is not None:
                return checkin.walk_in(db, actor, session_id, draft)
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
        return own

    def _set_saving(self, saving: bool) -> None:
        """While the database works the fields wait; what is typed stays."""
        self._saving = saving
        self.save_button.setEnabled(not saving)
        self.content.setEnabled(not saving)
        if saving:
            self._say("保存しています…", error=False)
        elif self.summary.text() == "保存しています…":
            self.summary.hide()

    def _stored(self, outcome: SignUpResult | CheckInResult) -> None:
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
            self._say(exc.message)
        elif isinstance(exc, svc.SimilarSignUp):
            # The door cannot sign up a second 「同じ名前」: most likely the same person came
            # without the receipt, and is found in the list by name.
            self._say(f"{exc.message}\n事前に申込済みの方なら、入口の画面で名前を検索して受付してください。")
        elif isinstance(exc, svc.OutsideSignUpWindow):
            if self.actor.role in WINDOW_OVERRIDE_ROLES and not override_window:
                answer = ask(self, "受付期間外", f"{exc.message}\n\n期間外でも受け付けますか？"
                             "（受け付けたことは操作記録に残ります）",
                             [("override", "期間外でも受け付ける"), ("back", "やめる")],
                             default="back", escape="back")
                if answer == "override":
                    self._submit(allow_similar=allow_similar, override_window=True)
                    return
            self._say(exc.message)
            QMessageBox.warning(self, "受付期間外", exc.message)
        elif isinstance(exc, ConnectionLost):
            self._say(f"{exc.message}\n入力した内容は残っています。接続が戻ったら、もう一度保存してください。")
        elif walk_in and type(exc) is UserError:
            # 満席 or a cancelled event: nothing to correct here; the door says it plainly.
            self.refusal = exc.message
            self._closing = True
            self.save_finished.emit(False)
            self.reject()
            return
        else:  # PermissionDenied, NotFound, a read-only database, the unexpected
            if isinstance(exc, UserError):
                self._say(exc.message)
            show_error(self, exc)
        self.save_finished.emit(False)

    def _say(self, text: str, *, error: bool = True) -> None:
        self.summary.setStyleSheet("color: #c0392b; font-weight: bold;" if error
                                   else "color: #555;")
        self.summary.setText(text)
        self.summary.show()

    def _show_problems(self, problems: list[FieldProblem]) -> None:
        """Each problem on the red line under its field, the input framed; the first focused.
        One about no field of this dialog is said in the summary."""
        ordered = sorted(problems, key=lambda p: FIELD_ORDER.index(p.field)
                         if p.field in FIELD_ORDER else len(FIELD_ORDER))
        elsewhere = self.errors.show(ordered)
        if not problems:
            self.summary.hide()
            return
        self._say("\n".join(["保存できません。赤い字の説明がある項目を確認してください。",
                             *(f"・{p.message}" for p in elsewhere)]))

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
