"""The contact form (連絡先の登録・編集): typed text is never lost, faults are named per field.

Drafts, saving off the GUI thread with the fields waiting, a lost connection, a conflicting
save (ui/contacts/conflict.py) and closing: DraftedForm. The contacts already registered that
are likely the same as what is typed show under the fields (ui/contacts/duplicate_warning.py);
「この方を開く」 closes the form in favour of that record (`existing_chosen`)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import FieldProblem
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import (
    Affiliation,
    ContactDetail,
    ContactDraft,
    ContactKind,
    GroupType,
)
from kyodo_desk.services.contacts.duplicates import DuplicateCandidate
from kyodo_desk.services.contacts.erasure import ERASED_REFUSAL
from kyodo_desk.ui.contact_picker import ContactPicker
from kyodo_desk.ui.contacts.conflict import ConflictDialog
from kyodo_desk.ui.contacts.drafts import ContactDraftStore, ContactFormState
from kyodo_desk.ui.contacts.duplicate_warning import DuplicateWarning, words_for
from kyodo_desk.ui.contacts.labels import GROUP_TYPE_LABELS, STATE_STYLE, erased_label
from kyodo_desk.ui.contacts.registry_fields import REGISTRY_FIELDS, DistrictBox, RegistryPage
from kyodo_desk.ui.drafted_form import DraftedForm
from kyodo_desk.ui.messages import ask
from kyodo_desk.ui.operations import ReadOp
from kyodo_desk.ui.postal_fill import fill_address_from_postal_code


class ContactForm(DraftedForm):
    """Add a group or person (contact None), or edit one (saving and drafts: DraftedForm).

    After a successful save, `saved` holds the stored record and the dialog is accepted;
    `save_finished` tells every outcome of a save (True: stored). Closed by 「この方を開く」 of a
    likely duplicate: `existing` holds that record, also told by `existing_chosen`.
    """

    existing_chosen = Signal(object)  # the ContactDetail the clerk chose to use instead
    field_order = ("kind", "group_type", "name", "reading", "postal_code", "address",
                   "district", "phone", "email", "website", "groups", "notes", *REGISTRY_FIELDS)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 contact: ContactDetail | None = None,
                 kind: ContactKind = ContactKind.GROUP,
                 drafts: ContactDraftStore | None = None) -> None:
        super().__init__(db, actor, contact, drafts or ContactDraftStore(), parent)
        self.setWindowTitle("連絡先の編集" if contact else "連絡先の新規登録")
        self.setMinimumWidth(560)

        self.group_kind = QRadioButton("団体")
        self.person_kind = QRadioButton("個人")
        kinds = QButtonGroup(self)
        kinds.addButton(self.group_kind)
        kinds.addButton(self.person_kind)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.group_kind)
        kind_row.addWidget(self.person_kind)
        kind_row.addStretch()

        self.group_type = QComboBox()
        self.group_type.addItem("（選んでください）", None)
        for value, type_label in GROUP_TYPE_LABELS.items():
            self.group_type.addItem(type_label, value)
        self.name = QLineEdit()
        self.reading = QLineEdit()
        self.reading.setPlaceholderText("ひらがな・カタカナ（並び順に使います）")
        self.postal_code = QLineEdit()
        self.postal_code.setPlaceholderText("010-0041")
        self.postal_code.setMaximumWidth(140)
        self.address = QLineEdit()
        self.address.setPlaceholderText("秋田市…")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("018-888-5640")
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.jp")
        self.website = QLineEdit()
        self.website.setPlaceholderText("https://…")
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(70)
        self.notes.setTabChangesFocus(True)
        self.groups = QListWidget()
        self.groups.setFixedHeight(70)
        remove_group = QPushButton("外す")
        remove_group.setAutoDefault(False)
        remove_group.setToolTip("一覧で選んだ所属団体を外します")
        remove_group.clicked.connect(self._remove_group)
        listed = QHBoxLayout()
        listed.addWidget(self.groups, 1)
        listed.addWidget(remove_group, 0, Qt.AlignmentFlag.AlignTop)
        # A group is added by finding it here; taking a candidate asks the role.
        self.group_picker = ContactPicker(db, actor, role="所属団体", kinds=[ContactKind.GROUP])
        self.group_picker.search.setPlaceholderText(
            "所属団体を追加: 団体名・よみ・電話番号の一部で検索　↓で候補へ")
        self.group_picker.picked.connect(self._group_picked)
        groups_box = QVBoxLayout()
        groups_box.addLayout(listed)
        groups_box.addWidget(self.group_picker)
        self.groups_widget = QWidget()
        self.groups_widget.setLayout(groups_box)
        groups_box.setContentsMargins(0, 0, 0, 0)

        self.district = DistrictBox(db, actor, self.address, self.postal_code)
        # 基本 and, for a group, 団体の登録情報: two pages, so the form stays as tall as the
        # screen allows (1280×800) with the registry's dozen rows.
        basic = QWidget()
        self.registry = RegistryPage(db, actor, self.errors)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("contactFormTabs")
        self.tabs.setDocumentMode(True)  # no frame: the form's height is the fields' own
        self.tabs.addTab(basic, "基本")
        self.tabs.addTab(self.registry, "団体の登録情報")
        tabs_box = QVBoxLayout(self.content)
        tabs_box.setContentsMargins(0, 0, 0, 0)
        tabs_box.addWidget(self.tabs)
        self.form = QFormLayout(basic)
        self.form.setContentsMargins(0, 6, 0, 0)
        self.errors.add_row(self.form, "区分", kind_row, "kind", focus=self.group_kind)
        self.name_label = QLabel()
        self._row_index: dict[str, int] = {}
        # 地域 beside the 〒 (a narrow box): a row of its own would make the form too tall
        # for the counter's screen once likely duplicates show under it.
        postal_row = QWidget()
        postal_line = QHBoxLayout(postal_row)
        postal_line.setContentsMargins(0, 0, 0, 0)
        postal_line.addWidget(self.postal_code)
        postal_line.addSpacing(16)
        postal_line.addWidget(QLabel("地域"))
        postal_line.addWidget(self.district, 1)
        rows: list[tuple[str, str | QWidget, QWidget]] = [
            ("group_type", "団体の種類", self.group_type),
            ("name", self.name_label, self.name),
            ("reading", "よみ", self.reading),
            ("postal_code", "郵便番号", postal_row),
            ("address", "住所", self.address),
            ("phone", "電話番号", self.phone),
            ("email", "E-mail", self.email),
            ("website", "ホームページ", self.website),
            ("groups", "所属団体", self.groups_widget),
            ("notes", "メモ", self.notes),
        ]
        for field, label, widget in rows:
            self._row_index[field] = self.form.rowCount()
            # The list is framed, not the box around it: a frame would spread to the picker.
            fields = (field, "district") if widget is postal_row else (field,)
            self.errors.add_row(self.form, label, widget, *fields,
                                focus=(self.groups if widget is self.groups_widget
                                       else self.postal_code if widget is postal_row
                                       else None),
                                frames={"district": self.district.combo})
        self._lay_out()
        self.existing: ContactDetail | None = None
        self.duplicates = DuplicateWarning(db, actor, self.draft, editing_id=self.record_id)
        # Under the fields, above the buttons: showing it moves none of the fields typed in.
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.content) + 1, self.duplicates)
        self.duplicates.tab_between = (self.notes, self.save_button)
        self._height_without_duplicates: int | None = None
        # 削除・利用停止済み: said above the fields, as the detail pane says 統合済み.
        self.erased_notice = QLabel()
        self.erased_notice.setObjectName("contactErased")
        self.erased_notice.setStyleSheet(STATE_STYLE)
        self.erased_notice.setWordWrap(True)
        self.erased_notice.hide()
        layout.insertWidget(layout.indexOf(self.content), self.erased_notice)
        self._connect()

        if contact is not None and contact.erased_on is not None:
            self._show_erased(contact)
        else:
            self._begin(self._state_of(contact) if contact is not None
                        else ContactFormState(ContactDraft(kind=kind, name="")))
            self.duplicates.search_now()  # a record or a draft opened: its duplicates at once
        self.registry.load_choices()
        self.name.setFocus()

    def _connect(self) -> None:
        changed = self._changed
        self.group_kind.toggled.connect(self._kind_changed)
        self.group_kind.toggled.connect(changed)
        self.group_type.currentIndexChanged.connect(changed)
        for line in (self.name, self.reading, self.postal_code, self.address, self.phone,
                     self.email, self.website):
            line.textChanged.connect(changed)
        fill_address_from_postal_code(self.postal_code, self.address)
        self.notes.textChanged.connect(changed)
        model = self.groups.model()
        model.rowsInserted.connect(changed)
        model.rowsRemoved.connect(changed)
        for line in (self.name, self.reading, self.postal_code, self.phone, self.email):
            line.textChanged.connect(self.duplicates.schedule)
        self.group_kind.toggled.connect(self.duplicates.schedule)
        self.duplicates.distinct_changed.connect(changed)
        self.duplicates.open_requested.connect(self.use_existing)
        self.duplicates.search_finished.connect(self._fit_duplicates)
        self.district.changed.connect(changed)
        self.registry.changed.connect(changed)

    @property
    def erased(self) -> bool:
        return self.detail is not None and self.detail.erased_on is not None

    def _show_erased(self, contact: ContactDetail) -> None:
        """An erased contact (削除・利用停止): shown as stored, read-only, the reason above; the
        services refuse any change too. A draft kept from before the erasure holds the
        person's values and can never be saved: dropped, never offered."""
        assert contact.erased_on is not None
        self._restore(self._state_of(contact))
        self._clean_state = self.state()
        self.drafts.delete(self.actor.login, self.record_id)
        self.setWindowTitle("連絡先（削除・利用停止済み）")
        self.erased_notice.setText(f"{erased_label(contact.erased_on)}\n{ERASED_REFUSAL}")
        self.erased_notice.show()
        self.content.setEnabled(False)
        # An empty box showing 018-888-5640 or 秋田市… would read as the person's value.
        for line in self.content.findChildren(QLineEdit):
            line.setPlaceholderText("")
        for text in self.content.findChildren(QPlainTextEdit):
            text.setPlaceholderText("")
        self.save_button.setEnabled(False)
        self.save_button.setToolTip(ERASED_REFUSAL)
        self.cancel_button.setText("閉じる")
        self.hint.setText("読み取り専用です。Esc で閉じる。")

    # --- state in and out -------------------------------------------------------------
    @staticmethod
    def _state_of(detail: ContactDetail) -> ContactFormState:
        return ContactFormState(detail.as_draft(), detail.version,
                                confirmed_on=detail.confirmed_on)

    def _restore(self, state: ContactFormState) -> None:
        d = state.draft
        self._loading = True
        try:
            (self.group_kind if d.kind is ContactKind.GROUP
             else self.person_kind).setChecked(True)
            self.group_type.setCurrentIndex(max(0, self.group_type.findData(d.group_type)))
            self.name.setText(d.name)
            self.reading.setText(d.reading)
            self.postal_code.setText(d.postal_code)
            self.address.setText(d.address)
            self.phone.setText(d.phone)
            self.email.setText(d.email)
            self.website.setText(d.website)
            self.notes.setPlainText(d.notes)
            self.groups.clear()
            for affiliation in d.groups:
                self._append_group(affiliation)
            self.duplicates.restore(d.distinct_from)
            self.district.restore(d.district)
            self.registry.restore(d, state.confirmed_on, state.member_count_typed)
            self._kind_changed()
        finally:
            self._loading = False

    def state(self) -> ContactFormState:
        return ContactFormState(self.draft(), self._base_version,
                                member_count_typed=self.registry.typed_count(),
                                confirmed_on=self.detail.confirmed_on if self.detail else None)

    def draft(self) -> ContactDraft:
        kind = ContactKind.GROUP if self.group_kind.isChecked() else ContactKind.PERSON
        groups = tuple(self.groups.item(i).data(Qt.ItemDataRole.UserRole)
                       for i in range(self.groups.count()))
        group_type = self.group_type.currentData()
        return ContactDraft(
            kind=kind, name=self.name.text(), reading=self.reading.text(),
            group_type=GroupType(group_type) if group_type else None,
            postal_code=self.postal_code.text(), address=self.address.text(),
            phone=self.phone.text(), email=self.email.text(), website=self.website.text(),
            notes=self.notes.toPlainText(), groups=groups,
            distinct_from=self.duplicates.distinct_from, district=self.district.value(),
            **self.registry.fields(),  # type: ignore[arg-type]  # its fields, typed there
        )

    def _kind_changed(self) -> None:
        is_group = self.group_kind.isChecked()
        self.form.setRowVisible(self._row_index["group_type"], is_group)
        self.form.setRowVisible(self._row_index["groups"], not is_group)
        self.tabs.setTabVisible(1, is_group)
        self.name_label.setText("団体名 *" if is_group else "氏名 *")

    def _show_problems(self, problems: Sequence[FieldProblem]) -> None:
        """Each under its field; the page of the first one shown (基本 or 団体の登録情報)."""
        super()._show_problems(problems)
        self._fit_duplicates()  # the red lines make it taller: its bottom stays on the screen
        order = list(self.field_order)
        first = min(problems, key=lambda p: order.index(p.field) if p.field in order
                    else len(order), default=None)
        if first is not None and first.field in order:
            self.tabs.setCurrentIndex(1 if first.field in REGISTRY_FIELDS else 0)

    def _remove_group(self) -> None:
        self.groups.takeItem(self.groups.currentRow())

    def _append_group(self, affiliation: Affiliation) -> None:
        item = QListWidgetItem(affiliation.label)
        item.setData(Qt.ItemDataRole.UserRole, affiliation)
        self.groups.addItem(item)

    def _group_picked(self, entry: svc.DirectoryEntry) -> None:
        """The group found joins the list, with the role asked (one listed already is only
        selected); the box is ready for the next."""
        listed = [self.groups.item(i).data(Qt.ItemDataRole.UserRole).contact_id
                  for i in range(self.groups.count())]
        if entry.ref.id in listed:
            self.groups.setCurrentRow(listed.index(entry.ref.id))
        else:
            role, ok = QInputDialog.getText(self, "役職", f"{entry.name} での役職（なければ空欄）:")
            self._append_group(Affiliation(entry.ref.id, entry.name, role.strip() if ok else ""))
        self.group_picker.restore("", None)
        self.group_picker.search.setFocus()

    # --- likely duplicates -------------------------------------------------------------------
    def use_existing(self, candidate: DuplicateCandidate) -> None:
        """「この方を開く」: that record instead of this one, read as stored now. A new record
        closes unsaved (its draft goes); a record being edited closes as キャンセル does,
        asking first if it was changed."""
        if self._saving:
            return
        db, actor, other = self.db, self.actor, candidate.contact_id
        ReadOp(self, lambda: svc.get_contact(db, actor, other), self._existing_read,
               key="existing").run()

    def _existing_read(self, contact: ContactDetail) -> None:
        if self._saving or self._closing:
            return
        if self.record_id is None:
            self._stop_timers()  # no draft written after it is gone
            self.drafts.delete(self.actor.login, None)
            self._closing = True  # nothing to ask: the clerk chose the stored record
        self.existing = contact
        self.reject()
        if not self._closing:  # 入力を続ける
            self.existing = None
            return
        self.existing_chosen.emit(contact)

    def _fit_duplicates(self) -> None:
        """The form grows with the candidates shown, its bottom kept on the screen, and
        shrinks back to its height without them once they are gone."""
        layout = self.layout()
        assert layout is not None
        layout.activate()  # the new size now, not at the next event
        if not self.duplicates.isHidden():
            screen = self.screen().availableGeometry()
            below = self.frameGeometry().bottom() - screen.bottom()
            if below > 0:
                self.move(self.x(), max(screen.top(), self.y() - below))
        elif self._height_without_duplicates is not None:
            self.resize(self.width(), max(self._height_without_duplicates,
                                          self.minimumSizeHint().height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        # As sized by Qt or by the clerk without the candidates: the height to go back to.
        panel = getattr(self, "duplicates", None)  # None: still being built
        if panel is not None and panel.isHidden():
            self._height_without_duplicates = event.size().height()
        super().resizeEvent(event)

    def save(self) -> None:
        """Save; first, once per candidate, ask about a likely duplicate that is nearly
        certain (the clerk may still save)."""
        if self.erased:  # Ctrl+Enter on the read-only form
            self._say(ERASED_REFUSAL)
            self.save_finished.emit(False)
            return
        candidate = None if self._saving else self.duplicates.unasked_sure()
        if candidate is not None:
            self.duplicates.mark_asked(candidate)
            _title, open_words, distinct_words = words_for(self.draft().kind)
            reading = f"（{candidate.reading}）" if candidate.reading else ""
            answer = ask(self, "重複の確認",
                         f"「{candidate.name}{reading}」と同じ"
                         f"{'団体' if candidate.kind is ContactKind.GROUP else '方'}"
                         f"ではありませんか？\n{'・'.join(candidate.reasons)}",
                         [("open", open_words), ("distinct", f"{distinct_words}（保存する）"),
                          ("back", "入力に戻る")],
                         default="back", escape="back")
            if answer == "open":
                self.use_existing(candidate)
                return
            if answer == "back":
                self.save_finished.emit(False)
                return
            self.duplicates.say_distinct(candidate)
        super().save()

    def _stop_timers(self) -> None:
        super()._stop_timers()
        self.duplicates.stop()
        self.district.stop()

    @classmethod
    def register(cls, parent: QWidget, db: Database, actor: Actor, kind: ContactKind,
                 name: str) -> ContactDetail | None:
        """「新しく登録…」 of a contact picker: the form for a new *kind* contact, *name* (as
        typed in the picker) filled in; the contact it saved, or the one registered already
        that the clerk chose instead (「この方を開く」), or None if closed unsaved."""
        form = cls(db, actor, parent, kind=kind)
        if name:
            form.name.setText(name)
        chosen = form.saved if form.exec() == QDialog.DialogCode.Accepted else form.existing
        form.deleteLater()
        return chosen

    # --- what DraftedForm asks ------------------------------------------------------------
    def _versions_dialog(self, latest: ContactDetail) -> ConflictDialog:
        return ConflictDialog(self.draft(), latest, self)

    # Looked up when called, not when the class is made: the service module stays the one place.
    @staticmethod
    def _create(db: Database, actor: Actor, draft: ContactDraft) -> ContactDetail:
        return svc.create_contact(db, actor, draft)

    @staticmethod
    def _update(db: Database, actor: Actor, record_id: int, version: int,
                draft: ContactDraft) -> ContactDetail:
        return svc.update_contact(db, actor, record_id, version, draft)

    @staticmethod
    def _fetch(db: Database, actor: Actor, record_id: int) -> ContactDetail:
        return svc.get_contact(db, actor, record_id)
