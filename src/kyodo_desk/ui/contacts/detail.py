"""The detail pane: every field of the selected record, each copyable or openable in one click."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.domain.registry_text import REGISTRY_LABELS, registry_text
from kyodo_desk.services.contacts import ContactDetail, ContactKind, FacilityDetail
from kyodo_desk.ui.contacts.labels import STATE_STYLE, erased_label, kind_label

COPY_PHONE = QKeySequence("Ctrl+Shift+P")
COPY_EMAIL = QKeySequence("Ctrl+Shift+E")
COPY_ADDRESS = QKeySequence("Ctrl+Shift+A")


@dataclass(frozen=True)
class Shown:
    """The fields of the record on display, as they are copied."""

    name: str = ""
    address: str = ""  # 〒 postal code and address, ready for an envelope
    phone: str = ""
    email: str = ""
    website: str = ""
    facebook: str = ""


class DetailPane(QWidget):
    copied = Signal(str)  # a status-bar message
    edit_requested = Signal()
    delete_requested = Signal()
    record_requested = Signal()  # カルテ: the contact's whole history
    confirm_requested = Signal()  # 確認済みにする: the group confirmed its entry today

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown = Shown()
        self.contact: ContactDetail | None = None  # the contact on show, if one is
        self.title = QLabel()
        self.title.setObjectName("detailTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("detailSubtitle")
        self.subtitle.setWordWrap(True)
        self.merged = QLabel()  # 統合済み (lives on in another) or 削除・利用停止済み
        self.merged.setObjectName("detailMerged")
        self.merged.setStyleSheet(STATE_STYLE)

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(8)
        self._rows: dict[str, tuple[QLabel, QLabel, list[QPushButton]]] = {}
        self.copy_address = self._button("コピー", COPY_ADDRESS, lambda: self._copy("住所", self.shown.address))
        self.copy_phone = self._button("コピー", COPY_PHONE, lambda: self._copy("電話番号", self.shown.phone))
        self.copy_email = self._button("コピー", COPY_EMAIL, lambda: self._copy("メールアドレス", self.shown.email))
        self.write_mail = self._button("メール作成", None, self._open_mail)
        self.open_web = self._button("開く", None, lambda: self._open(self.shown.website))
        self.open_facebook = self._button("開く", None, lambda: self._open(self.shown.facebook))
        self.confirm_button = self._button("確認済みにする", None, self.confirm_requested.emit)
        self.confirm_button.setObjectName("confirmRegistry")
        self.confirm_button.setToolTip("団体に登録内容を確認した日として、今日を記録します")
        registry_rows: list[tuple[str, str, list[QPushButton]]] = [
            (key, label, [self.confirm_button] if key == "confirmed_on" else [])
            for key, label in REGISTRY_LABELS.items()]
        for key, label, buttons in [
            ("address", "所在地", [self.copy_address]),
            ("phone", "電話", [self.copy_phone]),
            ("email", "E-mail", [self.copy_email, self.write_mail]),
            ("website", "ホームページ", [self.open_web]),
            ("facebook", "Facebook", [self.open_facebook]),
            *registry_rows,
            ("hours", "開館時間", []),
            ("affiliations", "所属団体", []),
            ("grants", "交付金案件", []),
            ("notes", "メモ", []),
        ]:
            row = len(self._rows)
            name = QLabel(label)
            name.setObjectName("detailLabel")
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            box = QHBoxLayout()
            for button in buttons:
                box.addWidget(button)
            box.addStretch()
            grid.addLayout(box, row, 2)
            self._rows[key] = (name, value, buttons)

        self.edit_button = QPushButton("編集…")
        self.edit_button.setToolTip("この連絡先を編集します（Enter）")
        self.edit_button.clicked.connect(self.edit_requested)
        self.delete_button = QPushButton("削除…")
        self.delete_button.clicked.connect(self.delete_requested)
        self.record_button = QPushButton("カルテ")
        self.record_button.setObjectName("openRecord")
        self.record_button.setToolTip("相談・イベント・交付金・所属と歩みを一つの画面で見ます")
        self.record_button.setAutoDefault(False)
        self.record_button.clicked.connect(self.record_requested)
        self.note = QLabel()
        self.note.setObjectName("detailNote")
        self.note.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.note, 1)
        actions.addWidget(self.record_button)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.delete_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.merged)
        layout.addSpacing(8)
        layout.addLayout(grid)
        layout.addStretch()
        layout.addLayout(actions)
        self.clear()

    def _button(self, text: str, shortcut: QKeySequence | None,
                slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        if shortcut is not None:
            button.setToolTip(f"{text}（{shortcut.toString(QKeySequence.SequenceFormat.NativeText)}）")
        return button

    # --- showing ----------------------------------------------------------------------
    def clear(self, message: str = "左の一覧から選んでください。") -> None:
        self.shown = Shown()
        self.contact = None
        self.title.setText("")
        self.subtitle.setText(message)
        for key in self._rows:
            self._set(key, "")
        self.edit_button.hide()
        self.delete_button.hide()
        self.record_button.hide()
        self.merged.hide()
        self.note.setText("")

    def show_facility(self, f: FacilityDetail) -> None:
        self.contact = None
        self.shown = Shown(f.name, _envelope(f.postal_code, f.full_address), f.phone, f.email,
                           f.website, f.facebook)
        self.title.setText(f.name)
        self.subtitle.setText(f"{kind_label(f.kind)}　{f.reading}")
        self._fill(hours=f.opening_hours, affiliations="", notes=f.notes)
        for key in REGISTRY_LABELS:
            self._set(key, "")
        self.edit_button.hide()
        self.delete_button.hide()
        self.record_button.hide()
        self.merged.hide()
        self.note.setText("施設の情報は管理者が管理しています。")

    def show_contact(self, c: ContactDetail, *, can_edit: bool = True,
                     can_delete: bool = True, grant_cases: Sequence[str] = ()) -> None:
        """*grant_cases*: one line per grant case of the contact, for those who may read them."""
        self.contact = c
        self.shown = Shown(c.name, _envelope(c.postal_code, c.address), c.phone, c.email,
                           c.website, "")
        self.title.setText(c.name)
        self.subtitle.setText(f"{kind_label(c.kind.value, c.group_type)}　{c.reading}")
        if c.kind is ContactKind.PERSON:
            linked, label = c.groups, "所属団体"
        else:
            linked, label = c.members, "メンバー"
        self._rows["affiliations"][0].setText(label)
        affiliations = "\n".join(a.label for a in linked)
        self._fill(hours="", affiliations=affiliations, notes=c.notes,
                   grants="\n".join(grant_cases))
        for key in REGISTRY_LABELS:
            self._set(key, registry_text(c, key))
        self.confirm_button.setVisible(can_edit and c.kind is ContactKind.GROUP and c.active)
        self.edit_button.setVisible(can_edit)
        # An erased record is never restored nor removed again (its form opens read-only).
        self.delete_button.setVisible(can_delete and c.erased_on is None)
        self.record_button.show()
        state = (f"{erased_label(c.erased_on)}: 変更できません" if c.erased_on is not None
                 else f"統合済み（番号 {c.merged_into_id} へ）" if c.merged_into_id is not None
                 else "")
        self.merged.setText(state)
        self.merged.setVisible(bool(state))
        self.note.setText("")

    def _fill(self, *, hours: str, affiliations: str, notes: str, grants: str = "") -> None:
        s = self.shown
        for key, value in [("address", s.address), ("phone", s.phone), ("email", s.email),
                           ("website", s.website), ("facebook", s.facebook), ("hours", hours),
                           ("affiliations", affiliations), ("grants", grants),
                           ("notes", notes)]:
            self._set(key, value)

    def _set(self, key: str, value: str) -> None:
        name, label, buttons = self._rows[key]
        label.setText(value)
        for widget in (name, label, *buttons):
            widget.setVisible(bool(value))

    # --- acting -----------------------------------------------------------------------
    def copy_field(self, key: str) -> None:
        """Copy by keyboard shortcut: key is "phone", "email" or "address"."""
        labels = {"phone": "電話番号", "email": "メールアドレス", "address": "住所"}
        self._copy(labels[key], getattr(self.shown, key))

    def _copy(self, label: str, value: str) -> None:
        if not value:
            self.copied.emit(f"{label}は登録されていません。")
            return
        QGuiApplication.clipboard().setText(value)
        self.copied.emit(f"{label}「{value}」をコピーしました。")

    def _open_mail(self) -> None:
        if self.shown.email:
            QDesktopServices.openUrl(QUrl(f"mailto:{self.shown.email}"))

    def _open(self, address: str) -> None:
        if address:
            QDesktopServices.openUrl(QUrl(address))


def _envelope(postal_code: str, address: str) -> str:
    return f"〒{postal_code} {address}" if postal_code else address
