"""The contact form (連絡先の登録・編集): typed text is never lost, faults are named per field.

Saving, and reading the version saved elsewhere when it conflicts, run off the GUI thread; the
fields wait meanwhile, so that nothing typed during the save is lost when the form closes."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import ConcurrentEdit, ConnectionLost, ValidationError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import (
    Affiliation,
    ContactDetail,
    ContactDraft,
    ContactKind,
    GroupType,
)
from kyodo_desk.ui.contact_picker import ContactPicker
from kyodo_desk.ui.contacts.conflict import Choice, ConflictDialog
from kyodo_desk.ui.contacts.labels import GROUP_TYPE_LABELS, affiliation_label
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import ReadOp, WriteOp

_ERROR_STYLE = "border: 2px solid #c0392b; border-radius: 3px;"


class ContactForm(QDialog):
    """Add a group or person, or edit one.

    After a successful save, `saved` holds the stored record and the dialog is accepted;
    `save_finished` tells every outcome of a save (True: stored).
    """

    save_finished = Signal(bool)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 contact: ContactDetail | None = None,
                 kind: ContactKind = ContactKind.GROUP) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.original = contact
        self.saved: ContactDetail | None = None
        self.waiting_for_server = False
        self._saving = False
        self._focus_before_save: QWidget | None = None
        self.setWindowTitle("連絡先の編集" if contact else "連絡先の新規登録")
        self.setMinimumWidth(560)

        self.summary = QLabel()
        self.summary.setObjectName("formSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.summary.hide()

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
        for value, label in GROUP_TYPE_LABELS.items():
            self.group_type.addItem(label, value)
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
        remove_group.clicked.connect(lambda: self.groups.takeItem(self.groups.currentRow()))
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

        self.form = QFormLayout()
        self.form.addRow("区分", kind_row)
        self._errors: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._row_index: dict[str, int] = {}
        for field, label, widget in [
            ("group_type", "団体の種類", self.group_type),
            ("name", "名称", self.name),
            ("reading", "よみ", self.reading),
            ("postal_code", "郵便番号", self.postal_code),
            ("address", "住所", self.address),
            ("phone", "電話番号", self.phone),
            ("email", "E-mail", self.email),
            ("website", "ホームページ", self.website),
            ("groups", "所属団体", self.groups_widget),
            ("notes", "メモ", self.notes),
        ]:
            self._add_row(field, label, widget)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("キャンセル")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(self.form)
        layout.addWidget(buttons)

        self.group_kind.toggled.connect(self._kind_changed)
        if contact is not None:
            self._load(contact.as_draft())
        else:
            (self.group_kind if kind is ContactKind.GROUP else self.person_kind).setChecked(True)
        self._kind_changed()
        self._clean_state = self.draft()
        self.name.setFocus()

    def _add_row(self, field: str, label: str, widget: QWidget) -> None:
        error = QLabel()
        error.setObjectName(f"error_{field}")
        error.setWordWrap(True)
        error.setStyleSheet("color: #c0392b;")
        error.hide()
        box = QVBoxLayout()
        box.setSpacing(2)
        line = QHBoxLayout()  # a narrow input must not narrow its error message
        line.addWidget(widget)
        if widget.maximumWidth() < 10_000:
            line.addStretch()
        box.addLayout(line)
        box.addWidget(error)
        self._row_index[field] = self.form.rowCount()
        self._labels[field] = QLabel(label)
        self.form.addRow(self._labels[field], box)
        self._errors[field] = error
        self._inputs[field] = widget

    # --- draft in and out -------------------------------------------------------------
    def _load(self, d: ContactDraft) -> None:
        (self.group_kind if d.kind is ContactKind.GROUP else self.person_kind).setChecked(True)
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
        )

    def _kind_changed(self) -> None:
        is_group = self.group_kind.isChecked()
        self.form.setRowVisible(self._row_index["group_type"], is_group)
        self.form.setRowVisible(self._row_index["groups"], not is_group)
        self._labels["name"].setText("団体名 *" if is_group else "氏名 *")

    def _append_group(self, affiliation: Affiliation) -> None:
        item = QListWidgetItem(affiliation_label(affiliation))
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

    @classmethod
    def register(cls, parent: QWidget, db: Database, actor: Actor, kind: ContactKind,
                 name: str) -> ContactDetail | None:
        """「新しく登録…」 of a contact picker: the form for a new *kind* contact, *name* (as
        typed in the picker) filled in; the contact it saved, or None if closed unsaved."""
        form = cls(db, actor, parent, kind=kind)
        if name:
            form.name.setText(name)
        saved = form.saved if form.exec() == QDialog.DialogCode.Accepted else None
        form.deleteLater()
        return saved

    # --- saving -----------------------------------------------------------------------
    def save(self) -> None:
        if self._saving:
            return
        self._show_problems(None)
        db, actor, draft, original = self.db, self.actor, self.draft(), self.original

        def store() -> ContactDetail:
            if original is None:
                return svc.create_contact(db, actor, draft)
            return svc.update_contact(db, actor, original.id, original.version, draft)

        self._set_saving(True, "保存しています…")
        WriteOp(self, store, self._stored, failed=self._refused).run()

    def _set_saving(self, saving: bool, message: str = "") -> None:
        """While the database works the fields wait (what is typed then would be lost when
        the form closes) and the form cannot be closed; the text stays."""
        self._saving = saving
        if saving:
            self._focus_before_save = self.focusWidget()
        for widget in (self.save_button, self.cancel_button, self.group_kind, self.person_kind,
                       *self._inputs.values()):
            widget.setEnabled(not saving)
        if saving:
            self.summary.setStyleSheet("color: #555;")
            self.summary.setText(message)
            self.summary.show()
            return
        self.summary.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.summary.hide()
        if self._focus_before_save is not None:
            self._focus_before_save.setFocus()

    def _stored(self, saved: ContactDetail) -> None:
        self._set_saving(False)
        self.waiting_for_server = False
        self.saved = self.original = saved
        self._clean_state = self.draft()
        self.save_finished.emit(True)
        self.accept()

    def _refused(self, exc: Exception) -> None:
        self._set_saving(False)
        if isinstance(exc, ValidationError):
            self._show_problems(exc)
        elif isinstance(exc, ConcurrentEdit) and self.original is not None:
            self._resolve_conflict()
            return  # save_finished is told once the user has chosen
        elif isinstance(exc, ConnectionLost):
            self.waiting_for_server = True
            self.summary.setText(f"{exc.message}\n接続が戻りしだい、自動でもう一度保存します。")
            self.summary.show()
        else:
            show_error(self, exc)
        self.save_finished.emit(False)

    def retry_when_connected(self) -> None:
        """The server is reachable again: save what is waiting (called by the tab)."""
        if self.waiting_for_server and self.isVisible() and not self._saving:
            self.save()

    def _resolve_conflict(self) -> None:
        assert self.original is not None
        db, actor, contact_id = self.db, self.actor, self.original.id
        self._set_saving(True, "他の窓口で保存された内容を読み込んでいます…")

        def choose(latest: ContactDetail) -> None:
            self._set_saving(False)
            dialog = ConflictDialog(self.draft(), latest, self)
            dialog.exec()
            if dialog.choice is Choice.LOAD_THEIRS:
                self.original = latest
                self._load(latest.as_draft())
                self._clean_state = self.draft()
            elif dialog.choice is Choice.SAVE_MINE:
                self.original = latest  # the typed fields are kept and saved over this version
                self.save()
                return
            self.save_finished.emit(False)

        def failed(exc: Exception) -> None:
            # A dialog, not the status bar: the person is waiting for the save's answer.
            self._set_saving(False)
            show_error(self, exc)
            self.save_finished.emit(False)

        ReadOp(self, lambda: svc.get_contact(db, actor, contact_id), choose,
               failed=failed).run()

    def _show_problems(self, exc: ValidationError | None) -> None:
        for field, label in self._errors.items():
            message = exc.for_field(field) if exc else None
            label.setText(message or "")
            label.setVisible(bool(message))
            self._inputs[field].setStyleSheet(_ERROR_STYLE if message else "")
        if exc is None:
            self.summary.hide()
            return
        self.summary.setText("入力内容を確認してください。赤い枠の項目に問題があります。")
        self.summary.show()
        first = next((p.field for p in exc.problems if p.field in self._inputs), None)
        if first:
            self._inputs[first].setFocus()

    def is_dirty(self) -> bool:
        return self.draft() != self._clean_state

    def reject(self) -> None:
        if self.is_dirty():
            answer = QMessageBox.question(
                self, "入力内容の破棄", "入力した内容は保存されていません。破棄して閉じますか？",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    # The person cannot close the form while it saves (its answer would be lost), but the
    # window still can: reject() itself stays open to it (an account signed out mid-save).
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._saving and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._saving:
            event.ignore()
            return
        if self.is_dirty() and self.result() != QDialog.DialogCode.Accepted:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
