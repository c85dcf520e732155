"""The contact picker (連絡先を選ぶ欄): one box, the same wherever a person or a group is chosen —
the consultee, the one signing up for an event, the group applying for a grant, a person's
groups.

Keyboard first: type part of a name, よみ or phone; the candidates follow the typing (one
search per pause, on a worker thread, only the answer to the last words shown). ↓ goes into
them, Enter takes one; Enter in the box takes the only candidate, or goes into the list. Esc
backs out one step at a time: the list closes, then the typed words are cleared, then the
dialog hears it. Typing over a chosen contact lets go of it, so that nothing is saved for
someone the box no longer names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services.contacts import ContactDetail, ContactKind, DirectoryEntry, EntryRef
from kyodo_desk.ui.operations import ReadOp, show_failure
from kyodo_desk.ui.widgets import contact_line, single_shot

SEARCH_DELAY_MS = 200  # the candidates wait for a pause in the typing
SEARCH_LIMIT = 30
SEARCHING = "検索しています…"
SEARCH_FAILED = "連絡先を検索できませんでした。"

_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_CHOSEN_STYLE = "font-weight: bold; color: #1f4e3d;"
_HINT_STYLE = "color: #555;"


def entry_of(contact: ContactDetail) -> DirectoryEntry:
    """A contact just registered, as the candidates would show it."""
    return DirectoryEntry(EntryRef("contact", contact.id), contact.kind.value,
                          contact.group_type.value if contact.group_type else None,
                          contact.name, contact.reading, contact.postal_code, contact.address,
                          contact.phone, contact.email, "")


def _words_for(kinds: Sequence[ContactKind] | None) -> tuple[str, str]:
    """How the box names what it finds: the placeholder's words, and who 「新しく登録…」 adds."""
    if kinds is not None and set(kinds) == {ContactKind.GROUP}:
        return "団体名", "団体"
    if kinds is not None and set(kinds) == {ContactKind.PERSON}:
        return "氏名", "方"
    return "名前", "方・団体"


class _SearchBox(QLineEdit):
    """The picker's box. Its keys are handled here, not in an event filter: while the
    candidates are open, the list hands each key to the box's own handler directly."""

    def __init__(self, keys: Callable[[QKeyEvent], bool]) -> None:
        super().__init__()
        self._keys = keys

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and self._keys(event):
            event.accept()
            return
        super().keyPressEvent(event)


class ContactPicker(QWidget):
    """Choose one contact (*kinds*: people, groups, or both) by typing part of it.

    *role* names the contact chosen (申込者, 申請団体…) on the line under the box. *register*,
    if given, adds 「新しく登録…」: it is called with the words typed (none once a contact is
    chosen) and returns the contact it registered (or the one registered already that the
    form's duplicate warning led the clerk to, ContactForm.register), which is then chosen,
    or None.
    *disabled_note* is said under the box while the picker is disabled.
    """

    chosen_changed = Signal()  # a contact chosen, replaced or let go (a restore included)
    picked = Signal(object)  # the clerk took this DirectoryEntry: done here, move on
    search_finished = Signal()  # the candidates answer what the box says

    def __init__(self, db: Database, actor: Actor, *, role: str,
                 kinds: Sequence[ContactKind] | None = None,
                 register: Callable[[str], ContactDetail | None] | None = None,
                 disabled_note: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.role, self.kinds = role, tuple(kinds) if kinds is not None else None
        self.disabled_note = disabled_note
        self.chosen: DirectoryEntry | None = None
        self._register = register
        self._answered: str | None = None  # the words the candidates answer
        self._more = False  # more matches than the candidates show
        self._failed: str | None = None  # the words whose search failed
        self._open_when_answered = False  # ↓ or Enter came before the answer
        name_words, new_words = _words_for(self.kinds)

        self.search = _SearchBox(self._key)
        self.search.setObjectName("contactSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(f"{name_words}・よみ・電話番号の一部で検索　↓で候補へ")
        self.new_button: QPushButton | None = None
        if register is not None:
            self.new_button = QPushButton("新しく登録…")
            self.new_button.setObjectName("contactNew")
            self.new_button.setAutoDefault(False)  # Enter in the box never registers
            self.new_button.setToolTip(f"連絡先にない{new_words}を、その場で登録して選びます")
            self.new_button.clicked.connect(self.register_new)
        self.model = QStandardItemModel(self)
        self._completer = QCompleter(self.model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setWidget(self.search)
        self._completer.setMaxVisibleItems(10)
        popup = self._completer.popup()
        assert popup is not None  # QCompleter makes its list view on first ask
        self.candidates: QAbstractItemView = popup
        self.candidates.setObjectName("contactCandidates")
        self.candidates.setStyleSheet("QAbstractItemView::item { padding: 3px 4px; }")
        self.note = QLabel()
        self.note.setObjectName("contactNote")
        self.note.setWordWrap(True)

        line = QHBoxLayout()
        line.addWidget(self.search, 1)
        if self.new_button is not None:
            line.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(line)
        layout.addWidget(self.note)
        self.setFocusProxy(self.search)

        self._timer = single_shot(self, SEARCH_DELAY_MS, self.search_now)
        self.search.textEdited.connect(self._edited)
        # PySide6's stub lacks SignalInstance.__getitem__, which picks an overloaded signal.
        self._completer.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self._show_note()

    # --- what the screens ask ---------------------------------------------------------------
    def text(self) -> str:
        return self.search.text()

    def chosen_id(self) -> int | None:
        return self.chosen.ref.id if self.chosen is not None else None

    def tab_chain(self) -> list[QWidget]:
        """The picker's inputs in Tab order, for the form's own order."""
        return [self.search] + ([self.new_button] if self.new_button is not None else [])

    def restore(self, text: str, contact_id: int | None) -> None:
        """Show *text* as typed, and *contact_id* (named *text*) as chosen, or nothing chosen
        (a record or a draft opened again): no search, nothing picked."""
        self._timer.stop()
        self._open_when_answered = False
        self.candidates.hide()
        self.search.setText(text)
        self.model.clear()
        self._answered = self._failed = None
        self._set_chosen(None if contact_id is None else DirectoryEntry(
            EntryRef("contact", contact_id), "", None, text, "", "", "", "", "", ""))

    def choose(self, entry: DirectoryEntry) -> None:
        """Take *entry*, as the clerk does with Enter on a candidate."""
        self._timer.stop()
        self._open_when_answered = False
        self.candidates.hide()
        self.search.setText(entry.name)  # not an edit: the choice stays
        self._set_chosen(entry)
        self.picked.emit(entry)

    def choose_row(self, row: int) -> None:
        """Take the candidate on *row*."""
        entry = self.model.index(row, 0).data(_ENTRY_ROLE)
        if isinstance(entry, DirectoryEntry):
            self.choose(entry)

    def candidate_names(self) -> list[str]:
        return [entry.name for row in range(self.model.rowCount())
                if isinstance(entry := self.model.index(row, 0).data(_ENTRY_ROLE),
                              DirectoryEntry)]

    def search_now(self) -> None:
        """Look up what the box says, without waiting for a pause in the typing."""
        self._search(self._words())

    def open_candidates(self) -> None:
        """↓: into the candidates, the first one selected; looked up first if they do not
        answer the box yet (an empty box lists the first contacts in よみ order)."""
        words = self._words()
        if self._answered == words and self.model.rowCount():
            self._open(select_first=True)
        elif self._answered != words or not words:
            self._open_when_answered = True
            self._search(words)

    def register_new(self) -> None:
        """「新しく登録…」: what was typed becomes the new contact's name; it is chosen."""
        assert self._register is not None
        saved = self._register("" if self.chosen is not None else self._words())
        self.search.setFocus()  # back from the form; a screen moves on once one is picked
        if saved is not None:
            self.choose(entry_of(saved))

    # --- searching --------------------------------------------------------------------------
    def _words(self) -> str:
        return self.search.text().strip()

    def _edited(self, _text: str) -> None:
        self._set_chosen(None)
        # What is selected answers older words: Enter must not take it.
        self.candidates.setCurrentIndex(QModelIndex())
        self._answered = None
        if self._words():
            self._timer.start()
            self._show_note()
            return
        self._timer.stop()
        self._open_when_answered = False
        self.candidates.hide()
        self.model.clear()
        self._show_note()
        self.search_finished.emit()

    def _search(self, words: str) -> None:
        self._timer.stop()
        self._failed = None
        db, actor, kinds = self.db, self.actor, self.kinds

        def work() -> contact_svc.ContactPage:
            return contact_svc.search_contacts(db, actor, words, kinds=kinds,
                                               limit=SEARCH_LIMIT)

        def show(page: contact_svc.ContactPage) -> None:
            if self._words() != words:
                return  # typed on meanwhile: the search under way answers the box
            self._fill(page.entries, page.next_key is not None, words)
            wanted, self._open_when_answered = self._open_when_answered, False
            if page.entries and (wanted or (self.chosen is None and self.search.hasFocus())):
                self._open(select_first=wanted)
            elif not page.entries:
                self.candidates.hide()
            self._show_note()
            self.search_finished.emit()

        def failed(exc: Exception) -> None:
            if self._words() != words:
                return
            self._failed = words
            self._open_when_answered = False
            self._show_note()
            self.search_finished.emit()
            show_failure(self, exc, reading=True)

        self._show_note()
        ReadOp(self, work, show, key="search", failed=failed).run()

    def _fill(self, entries: list[DirectoryEntry], more: bool, words: str) -> None:
        self.model.clear()
        for entry in entries:
            item = QStandardItem(contact_line(entry))
            item.setData(entry, _ENTRY_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        self._answered, self._more = words, more

    def _open(self, *, select_first: bool) -> None:
        """The candidates under the box, at least as wide as the picker and wide enough for
        their whole lines if the screen allows; the first selected only when asked (↓,
        Enter), so that Enter never takes a candidate the clerk has not seen."""
        if not self.model.rowCount() or not self.isEnabled():
            return
        view = self.candidates
        lines = (view.sizeHintForColumn(0) + 2 * view.frameWidth()
                 + view.verticalScrollBar().sizeHint().width())
        screen = self.screen().availableGeometry().width()
        width = min(max(self.width(), lines), screen)
        self._completer.complete(QRect(0, 0, width, self.search.height()))
        first = self._completer.completionModel().index(0, 0)
        self.candidates.setCurrentIndex(first if select_first else QModelIndex())

    # --- the keyboard -----------------------------------------------------------------------
    def _key(self, event: QKeyEvent) -> bool:
        """Handle a key of the box; False leaves it to the box (and, unhandled there, to the
        open candidates or the dialog)."""
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.open_candidates()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.candidates.isVisible() and self.candidates.currentIndex().isValid():
                return False  # the open list takes the selected candidate
            self._enter()
            return True  # never on to the dialog: Enter in the box must not save
        if key == Qt.Key.Key_Escape:
            if self.candidates.isVisible() or self.chosen is not None or not self._words():
                return False  # the list closes, or the dialog hears it
            self.search.clear()
            self._edited("")
            return True
        return False

    def _enter(self) -> None:
        """Enter in the box: a chosen contact is done with; the only candidate is taken;
        several are gone into; words not looked up yet are looked up now."""
        if self.chosen is not None:
            self.picked.emit(self.chosen)
            return
        words = self._words()
        if not words:
            return
        if self._answered != words:
            self._open_when_answered = True
            self.search_now()
        elif self.model.rowCount() == 1:
            self.choose_row(0)
        else:
            self._open(select_first=True)

    def _activated(self, index: QModelIndex) -> None:
        entry = index.data(_ENTRY_ROLE)
        if isinstance(entry, DirectoryEntry):
            self.choose(entry)

    # --- what the line under the box says ---------------------------------------------------
    def _set_chosen(self, entry: DirectoryEntry | None) -> None:
        changed = entry != self.chosen
        self.chosen = entry
        font = self.search.font()
        font.setBold(entry is not None)  # a chosen contact reads apart from typed words
        self.search.setFont(font)
        self._show_note()
        if changed:
            self.chosen_changed.emit()

    def _show_note(self) -> None:
        words = self._words()
        style, text = _HINT_STYLE, ""
        if not self.isEnabled() and self.disabled_note:
            text = self.disabled_note
        elif self.chosen is not None:
            style, text = _CHOSEN_STYLE, f"{self.role}: {contact_line(self.chosen)}"
        elif not words:
            text = ""
        elif self._failed == words:
            text = SEARCH_FAILED
        elif self.model.rowCount():
            text = "候補から選んでください（↓で候補へ、Enterで決定）。"
            if self._more and self._answered == words:
                text += f"先頭の{SEARCH_LIMIT}件です。続けて入力すると絞り込めます。"
        elif self._answered != words:
            text = SEARCHING
        else:
            text = "該当する連絡先はありません。" + (
                "「新しく登録…」で登録できます。" if self._register is not None else "")
        self.note.setStyleSheet(style)
        self.note.setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.EnabledChange:
            if not self.isEnabled():
                self.candidates.hide()
            self._show_note()
        super().changeEvent(event)
