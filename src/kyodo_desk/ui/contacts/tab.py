"""センター連絡先 tab: one search box over facilities, groups and people; list and detail.

Keyboard first: the search box has focus at start, ↓ moves into the list, Enter opens the
selected record, Esc clears the search, Ctrl+Shift+P / E / A copy phone, e-mail, address.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.grants import STAGE_LABELS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactKind, EntryRef, PageKey
from kyodo_desk.services.contacts.registry import confirm_contact
from kyodo_desk.services.grants.cases import list_cases
from kyodo_desk.ui.contacts.detail import COPY_ADDRESS, COPY_EMAIL, COPY_PHONE, DetailPane
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.contacts.model import DirectoryModel
from kyodo_desk.ui.contacts.record_view import RecordWindow
from kyodo_desk.ui.district_choice import district_filter
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure, touches
from kyodo_desk.ui.widgets import SearchListKeys, record_list

SEARCH_DELAY_MS = 60  # a pause between keystrokes this short still feels instant
LIVE_REFRESH_DELAY_MS = 300  # several changes arriving together cause one refresh
_FILTERS = [
    ("すべて", None),
    ("施設", "facility"),
    ("団体", ContactKind.GROUP),
    ("個人", ContactKind.PERSON),
]
WATCHED_TABLES = ("contacts", "facilities", "memberships")


@dataclass(frozen=True, eq=False)
class _Search:
    """What one search asked for; the list on show answers one of these (compared by
    identity: the same words asked again are another search)."""

    query: str
    kind: ContactKind | str | None  # None: every kind; "facility": the facilities only
    district: str | None = None  # None: every 地域; "": 未設定

    def contact_kinds(self) -> list[ContactKind] | None:
        """The kinds of contact asked for (None: every kind). The filter's item data comes
        back from Qt as a plain str ("group"), not the enum it was given."""
        if self.kind is None or self.kind == "facility":
            return None
        return [ContactKind(self.kind)]


class ContactsTab(QWidget):
    status_message = Signal(str)
    search_finished = Signal()  # the list shows the answer to what is in the box

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self._shown: _Search | None = None
        self._total: int | None = None  # the true number of rows of the list on show
        self._keep_ref: EntryRef | None = None
        self.last_removed: tuple[int, int, str] | None = None  # (id, version, name) for undo

        self.search = QLineEdit()
        self.search.setObjectName("contactSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("名称・よみ・住所・電話・メールで検索（全角半角・かなカナ・ハイフンは区別しません）")
        self.filter = QComboBox()
        for label, value in _FILTERS:
            self.filter.addItem(label, value)
        # 地域: facilities have none, and are listed only under すべての地域.
        self.district_filter = district_filter()
        self.district_filter.setToolTip("地域で絞り込みます（施設は「すべての地域」のときだけ出ます）")
        self.count = QLabel()
        self.count.setObjectName("resultCount")
        # Room for a million, so the search box does not jump as the count arrives.
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("1,000,000 件以上")
                                   + 12)  # + the style sheet's padding
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        new_group = QPushButton("団体を登録…")
        new_group.clicked.connect(lambda: self.open_new(ContactKind.GROUP))
        new_person = QPushButton("個人を登録…")
        new_person.clicked.connect(lambda: self.open_new(ContactKind.PERSON))
        for button in (new_group, new_person):
            button.setEnabled(not db.read_only and actor.may(Action.CREATE, Resource.CONTACTS))
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.filter)
        top.addWidget(self.district_filter)
        top.addWidget(self.count)
        top.addWidget(new_group)
        top.addWidget(new_person)

        self.model = DirectoryModel(self._fetch_page)
        self.table = record_list(self.model, "contactList")
        header = self.table.horizontalHeader()
        # よみ is narrower than the name it reads (kana are as wide as kanji, and the start of
        # it is enough to sort and find by), so that 住所 reads to the town; each shows whole
        # in its tooltip.
        for column, width in enumerate((105, 215, 140, 115)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_current())

        self.detail = DetailPane()
        self.detail.copied.connect(self.status_message)
        self.detail.edit_requested.connect(self.open_current)
        self.detail.delete_requested.connect(self.delete_current)
        self.detail.record_requested.connect(self.open_record)
        self.detail.confirm_requested.connect(self.confirm_current)
        self.record_window: RecordWindow | None = None  # the カルテ opened last

        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 440])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REFRESH_DELAY_MS)
        self._live_timer.timeout.connect(lambda: self.refresh(in_place=True))
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.district_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.keys = SearchListKeys(self.search, self.table, open_current=self.open_current,
                                   typing_done=self._timer.stop, enter_opens=True)
        for sequence, key in ((COPY_PHONE, "phone"), (COPY_EMAIL, "email"),
                              (COPY_ADDRESS, "address")):
            shortcut = QShortcut(sequence, self)
            shortcut.activated.connect(lambda key=key: self.detail.copy_field(key))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(self.clear_search)

    # --- keyboard ---------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def clear_search(self) -> None:
        self.search.clear()
        self.search.setFocus()

    # --- searching --------------------------------------------------------------------
    def refresh(self, keep: EntryRef | None = None, *, in_place: bool = False) -> None:
        """Search again for what is in the box, keeping the selection where possible.

        *in_place* (another counter changed something): reload as many rows as are shown
        and keep the scroll position, so the list does not jump under the user's eyes.
        """
        self._timer.stop()
        # A search still under way gives up its answer to this one, but not the record it
        # was to select (the one just saved, say).
        self._keep_ref = keep or self._keep_ref or self.current_ref()
        scroll = self.table.verticalScrollBar().value() if in_place else None
        limit = max(svc.PAGE_SIZE, self.model.contact_rows()) if in_place else svc.PAGE_SIZE
        search = _Search(self.search.text(), self.filter.currentData(),
                         self.district_filter.currentData())
        db, actor = self.db, self.actor

        def work() -> tuple[list[svc.DirectoryEntry], svc.ContactPage]:
            kind = search.kind
            facilities = (svc.search_facilities(db, actor, search.query)
                          if kind == "facility" or (kind is None and search.district is None)
                          else [])
            if kind == "facility":
                return facilities, svc.ContactPage([], None)
            return facilities, svc.search_contacts(db, actor, search.query,
                                                   kinds=search.contact_kinds(),
                                                   limit=limit, district=search.district)

        def failed(exc: Exception) -> None:
            self._keep_ref = None  # the next search keeps what is selected then
            show_failure(self, exc, reading=True)

        # Typing on while this runs starts a newer search, which drops this one's answer.
        ReadOp(self, work, lambda result: self._show(search, *result, scroll=scroll),
               key="search", failed=failed).run()

    def _show(self, search: _Search, facilities: list[svc.DirectoryEntry],
              page: svc.ContactPage, *, scroll: int | None = None) -> None:
        self._shown = search
        keep, self._keep_ref = self._keep_ref, None
        self.model.reset(facilities, page)
        self._total = self.model.rowCount() if page.next_key is None else None
        self._update_count()
        if self._total is None:
            self._count_all(search, len(facilities))
        row = self.model.row_of(keep) if keep else -1
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.table.selectRow(row)
            if scroll is None:
                self.table.scrollTo(self.model.index(row, 0))
        else:
            self.detail.clear("該当する連絡先はありません。" if search.query else "")
        if scroll is not None:
            self.table.verticalScrollBar().setValue(scroll)
        self.search_finished.emit()

    # --- other counters ---------------------------------------------------------------
    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        """Something was committed, here or elsewhere: refresh in place once things calm
        down."""
        if touches(tables, *WATCHED_TABLES):
            self._live_timer.start()

    def on_connection(self, connected: bool) -> None:
        if connected:
            for form in self.findChildren(ContactForm):
                form.retry_when_connected()
            self._live_timer.start()

    def _fetch_page(self, after: PageKey) -> None:
        """The next page of the list on show, as it is scrolled down."""
        search = self._shown
        if search is None:
            self.model.page_failed()  # nothing to page through: never leave it "loading"
            return
        kinds = search.contact_kinds()
        db, actor = self.db, self.actor

        def show(page: svc.ContactPage) -> None:
            if search is self._shown:  # a page of a list replaced since belongs to no row
                self.model.append(page)
                self._update_count()

        def failed(exc: Exception) -> None:
            if search is self._shown:
                self.model.page_failed()  # asked again when scrolled down again
            show_failure(self, exc, reading=True)

        ReadOp(self, lambda: svc.search_contacts(db, actor, search.query, after=after,
                                                 kinds=kinds, district=search.district),
               show, failed=failed).run()

    def _count_all(self, search: _Search, facilities: int) -> None:
        """The true number of rows of a list longer than its first page, counted after it
        shows (a common character among a million contacts takes a few hundred ms)."""
        db, actor = self.db, self.actor

        def show(contacts: int) -> None:
            if search is self._shown:  # not the count of a list replaced since
                self._total = facilities + contacts
                self._update_count()

        # A count that fails leaves 「N 件以上」, which is true; the list says what went wrong.
        ReadOp(self, lambda: svc.count_contacts(db, actor, search.query,
                                                kinds=search.contact_kinds(),
                                                district=search.district),
               show, key="count", failed=lambda _exc: None).run()

    def _update_count(self) -> None:
        if self._total is not None:
            self.count.setText(f"{self._total:,} 件")
        else:  # still counting: what is shown is true meanwhile
            self.count.setText(f"{self.model.rowCount():,} 件以上")

    # --- the selected record ----------------------------------------------------------
    def current_ref(self) -> EntryRef | None:
        entry = self.model.entry(self.table.currentIndex().row())
        return entry.ref if entry else None

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.entry(current.row())
        if entry is None:
            self.detail.clear()
            return
        db, actor, ref = self.db, self.actor, entry.ref

        def load() -> object:
            if ref.table == "facility":
                return svc.get_facility(db, actor, ref.id)
            return svc.get_contact(db, actor, ref.id), grant_case_lines(db, actor, ref.id)

        def show(loaded: object) -> None:
            if self.current_ref() != ref:
                return  # the list was emptied or replaced meanwhile
            if isinstance(loaded, svc.FacilityDetail):
                self.detail.show_facility(loaded)
            elif isinstance(loaded, tuple):
                detail, grants = loaded
                self.detail.show_contact(detail, can_edit=self._may(Action.CHANGE),
                                         can_delete=self._may(Action.DELETE),
                                         grant_cases=grants)

        # Moving on down the list drops the answer for a row already left.
        ReadOp(self, load, show, key="detail").run()

    def _may(self, action: Action) -> bool:
        return not self.db.read_only and self.actor.may(action, Resource.CONTACTS)

    def confirm_current(self) -> None:
        """確認済みにする: the selected group confirmed its entry today (a versioned change)."""
        ref = self.current_ref()
        shown = self.detail.contact
        if ref is None or ref.table != "contact" or shown is None or shown.id != ref.id:
            return
        db, actor, version = self.db, self.actor, shown.version

        def done(contact: svc.ContactDetail) -> None:
            self.status_message.emit(f"「{contact.name}」を確認済みにしました。")
            self.refresh(ref)

        WriteOp(self, lambda: confirm_contact(db, actor, ref.id, version), done,
                busy=(self.detail.confirm_button,)).run()

    def open_contact(self, contact_id: int) -> None:
        """The form of the contact *contact_id* (from a list elsewhere: 確認から12か月…)."""
        if self.db.read_only:
            self.status_message.emit(self.db.read_only_reason)
            return
        db, actor = self.db, self.actor
        ReadOp(self, lambda: svc.get_contact(db, actor, contact_id),
               lambda contact: self._run_form(ContactForm(db, actor, self, contact=contact)),
               key="open").run()

    def open_current(self) -> None:
        ref = self.current_ref()
        if ref is None:
            return
        if ref.table == "facility":
            self.status_message.emit(
                "施設の情報は管理者が管理しています。Ctrl+Shift+P / E / A で電話・メール・住所をコピーできます。"
            )
            return
        if self.db.read_only:
            self.status_message.emit(self.db.read_only_reason)
            return
        db, actor = self.db, self.actor
        # The form opens on what is stored now; Enter pressed again meanwhile opens it once.
        ReadOp(self, lambda: svc.get_contact(db, actor, ref.id),
               lambda contact: self._run_form(ContactForm(db, actor, self, contact=contact)),
               key="open").run()

    def open_record(self) -> RecordWindow | None:
        """カルテ of the selected group or person, beside the list (not modal: the clerk may
        look something up meanwhile)."""
        ref = self.current_ref()
        if ref is None or ref.table != "contact":
            return None
        window = RecordWindow(self.db, self.actor, ref.id, self)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.status_message.connect(self.status_message)
        self.record_window = window
        window.show()
        return window

    def open_new(self, kind: ContactKind) -> ContactForm:
        form = ContactForm(self.db, self.actor, self, kind=kind)
        self._run_form(form)
        return form

    def _run_form(self, form: ContactForm) -> None:
        # Deleted on the GUI thread when closed, never later by a garbage collection that
        # may happen to run on a worker thread.
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.setModal(True)
        form.accepted.connect(lambda: self._saved(form))
        form.existing_chosen.connect(self._open_existing)
        form.show()

    def _open_existing(self, contact: svc.ContactDetail) -> None:
        """「この方を開く」 in a form: the record registered already, found in the list,
        selected and opened in its place."""
        self.search.setText(contact.name)
        self.refresh(keep=EntryRef("contact", contact.id))
        self._run_form(ContactForm(self.db, self.actor, self, contact=contact))

    def _saved(self, form: ContactForm) -> None:
        if form.saved is None:
            return
        self.status_message.emit(f"「{form.saved.name}」を保存しました。")
        self.refresh(keep=EntryRef("contact", form.saved.id))

    def delete_current(self) -> None:
        ref = self.current_ref()
        if ref is None or ref.table != "contact":
            return
        db, actor = self.db, self.actor
        # The question names the contact as stored now, and the removal goes with its
        # version: a change made elsewhere since is not removed unseen.
        ReadOp(self, lambda: svc.get_contact(db, actor, ref.id), self._ask_to_delete,
               key="delete").run()

    def _ask_to_delete(self, contact: svc.ContactDetail) -> None:
        answer = QMessageBox.question(
            self, "連絡先の削除",
            f"「{contact.name}」を一覧から削除しますか？\n"
            "相談記録などに残る記録はそのまま残ります。削除の直後なら元に戻せます。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        db, actor = self.db, self.actor

        def removed(version: int) -> None:
            self.last_removed = (contact.id, version, contact.name)
            self.status_message.emit(
                f"「{contact.name}」を削除しました。（編集メニュー「元に戻す」Ctrl+Z で戻せます）")
            self.refresh()

        WriteOp(self, lambda: svc.set_contact_active(db, actor, contact.id, contact.version,
                                                     False),
                removed, busy=(self.detail.delete_button,)).run()

    def undo_remove(self) -> None:
        removed = self.last_removed
        if removed is None:
            return
        contact_id, version, name = removed
        # Taken at once: Ctrl+Z pressed twice must not restore twice.
        self.last_removed = None
        db, actor = self.db, self.actor

        def restored(_version: int) -> None:
            self.status_message.emit(f"「{name}」を元に戻しました。")
            self.refresh(keep=EntryRef("contact", contact_id))

        def failed(exc: Exception) -> None:
            if self.last_removed is None:  # nothing removed since: it may be tried again
                self.last_removed = removed
            show_failure(self, exc, reading=False)

        WriteOp(self, lambda: svc.set_contact_active(db, actor, contact_id, version, True),
                restored, failed=failed).run()


def grant_case_lines(db: Database, actor: Actor, contact_id: int) -> list[str]:
    """The group's grant cases, newest year first, for those who may read grant cases."""
    if not actor.may(Action.READ, Resource.GRANT_CASES):
        return []
    return [f"{fiscal_year_label(c.fiscal_year)} {c.programme_name}「{c.title}」・{STAGE_LABELS[c.stage]}"
            for c in list_cases(db, actor, contact_id=contact_id)]
