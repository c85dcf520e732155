"""Sign-in (サインイン), the first administrator of a new database, and changing a password."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.services import accounts
from kyodo_desk.services.contacts import list_facilities


class FormDialog(QDialog):
    """A small form with an error line above the OK / cancel buttons."""

    def __init__(self, title: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("キャンセル")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def submit(self) -> None:
        raise NotImplementedError


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class SignInDialog(FormDialog):
    """Asks for login name and password; `actor` is set once they are right."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__("協働デスク — サインイン", "", parent)
        self.db = db
        self.actor: Actor | None = None
        self.must_change_password = False
        self.login = QLineEdit()
        self.password = password_field()
        self.form.addRow("ログイン名", self.login)
        self.form.addRow("パスワード", self.password)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("サインイン")
        self.form.addRow("", QLabel(f"接続先 {db.describe()}"))
        self.login.setFocus()

    def submit(self) -> None:
        try:
            self.actor, self.must_change_password = accounts.sign_in(
                self.db, self.login.text(), self.password.text())
        except UserError as exc:
            self.password.clear()
            self.password.setFocus()
            self.show_error(exc.message)
            return
        self.accept()


class FirstAdministratorDialog(FormDialog):
    """A new embedded database has no accounts yet: create its administrator."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            "協働デスク — はじめての設定",
            "このデータベースにはまだアカウントがありません。管理者のアカウントを作成してください。"
            "他の職員のアカウントは、サインイン後に管理者が作成します。",
            parent,
        )
        self.db = db
        self.actor: Actor | None = None
        self.display_name = QLineEdit()
        self.login = QLineEdit()
        self.login.setPlaceholderText("半角英数字（例: akita.admin）")
        self.facility = QComboBox()
        for facility in list_facilities(db, Actor.system()):
            self.facility.addItem(facility.name, facility.id)
        self.facility.setCurrentIndex(max(0, self.facility.findText("中央市民サービスセンター")))
        self.password = password_field()
        self.password.setPlaceholderText(f"{accounts.MIN_PASSWORD_LENGTH}文字以上")
        self.confirm = password_field()
        self.form.addRow("表示名", self.display_name)
        self.form.addRow("ログイン名", self.login)
        self.form.addRow("所属施設", self.facility)
        self.form.addRow("パスワード", self.password)
        self.form.addRow("パスワード（確認）", self.confirm)

    def submit(self) -> None:
        if self.password.text() != self.confirm.text():
            self.show_error("確認のパスワードが一致しません。")
            return
        draft = accounts.AccountDraft(
            login=self.login.text(), display_name=self.display_name.text(), role=Role.ADMIN,
            facility_id=self.facility.currentData(), password=self.password.text())
        try:
            accounts.create_account(self.db, Actor.system(), draft)
            self.actor, _ = accounts.sign_in(self.db, draft.login, draft.password)
        except UserError as exc:
            self.show_error(exc.message)
            return
        self.accept()


class ChangePasswordDialog(FormDialog):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 required: bool = False) -> None:
        intro = ("管理者が設定した仮のパスワードです。新しいパスワードに変更してください。"
                 if required else "")
        super().__init__("パスワードの変更", intro, parent)
        self.db, self.actor = db, actor
        self.current = password_field()
        self.new = password_field()
        self.confirm = password_field()
        self.form.addRow("現在のパスワード", self.current)
        self.form.addRow("新しいパスワード", self.new)
        self.form.addRow("新しいパスワード（確認）", self.confirm)

    def submit(self) -> None:
        if self.new.text() != self.confirm.text():
            self.show_error("確認のパスワードが一致しません。")
            return
        try:
            accounts.change_own_password(self.db, self.actor, self.current.text(),
                                         self.new.text())
        except UserError as exc:
            self.show_error(exc.message)
            return
        self.accept()
