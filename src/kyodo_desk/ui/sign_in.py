"""Sign-in (サインイン), the first administrator of a new database, and changing a password.

Each dialog shows at once; what it reads and the password checks (argon2, slow on purpose) run
off the GUI thread, the buttons waiting meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from kyodo_desk.services.contacts import FacilityDetail, list_facilities
from kyodo_desk.services.date_style import load_date_style
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure

CENTRAL_FACILITY = "中央市民サービスセンター"


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

    def _submit_in_background(self, work: Callable[[], Any],
                              done: Callable[[Any], None]) -> None:
        """Run *work* (service calls) on a worker thread, the buttons waiting; a refusal the
        person can answer is said on the error line, the fields kept as typed."""
        self.error.hide()
        WriteOp(self, work, done, failed=self._submit_failed, busy=(self.buttons,)).run()

    def _submit_failed(self, exc: Exception) -> None:
        if isinstance(exc, UserError):
            self.show_error(exc.message)
        else:
            show_failure(self, exc, reading=False)


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class SignInDialog(FormDialog):
    """Asks for login name and password; `actor` is set once they are right.

    Meanwhile it asks whether the database has any account yet: if not, it closes with
    `no_accounts` set (the start then creates the first administrator instead).
    """

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__("協働デスク — サインイン", "", parent)
        self.db = db
        self.actor: Actor | None = None
        self.must_change_password = False
        self.no_accounts = False
        self._accounts_known = False
        self.login = QLineEdit()
        self.password = password_field()
        self.form.addRow("ログイン名", self.login)
        self.form.addRow("パスワード", self.password)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("サインイン")
        self.form.addRow("", QLabel(f"接続先 {db.describe()}"))
        self.login.setFocus()
        # Should the person sign in before this answers (or if it could not), the sign-in
        # itself asks again first (submit).
        ReadOp(self, lambda: accounts.has_accounts(db), self._accounts_answered,
               failed=super()._submit_failed).run()

    def _accounts_answered(self, any_account: bool) -> None:
        if any_account:
            self._accounts_known = True
        else:
            self.no_accounts = True
            self.reject()

    def submit(self) -> None:
        db, login, password = self.db, self.login.text(), self.password.text()
        known = self._accounts_known

        def check() -> tuple[Actor, bool] | None:
            if not known and not accounts.has_accounts(db):
                return None
            signed_in = accounts.sign_in(db, login, password)
            load_date_style(db, signed_in[0])  # before the window writes its first date
            return signed_in

        self._submit_in_background(check, self._checked)

    def _checked(self, result: tuple[Actor, bool] | None) -> None:
        if result is None:
            self._accounts_answered(False)
            return
        self.actor, self.must_change_password = result
        self.accept()

    def _submit_failed(self, exc: Exception) -> None:
        if isinstance(exc, UserError):
            self.password.clear()
            self.password.setFocus()
        super()._submit_failed(exc)


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
        self.password = password_field()
        self.password.setPlaceholderText(f"{accounts.MIN_PASSWORD_LENGTH}文字以上")
        self.confirm = password_field()
        self.form.addRow("表示名", self.display_name)
        self.form.addRow("ログイン名", self.login)
        self.form.addRow("所属施設", self.facility)
        self.form.addRow("パスワード", self.password)
        self.form.addRow("パスワード（確認）", self.confirm)
        # An administrator without a facility cannot be made: OK waits for the facilities.
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        ReadOp(self, lambda: list_facilities(db, Actor.system()), self._show_facilities,
               failed=self._submit_failed).run()

    def _show_facilities(self, facilities: list[FacilityDetail]) -> None:
        for facility in facilities:
            self.facility.addItem(facility.name, facility.id)
        self.facility.setCurrentIndex(max(0, self.facility.findText(CENTRAL_FACILITY)))
        self.ok_button.setEnabled(True)

    def submit(self) -> None:
        if self.password.text() != self.confirm.text():
            self.show_error("確認のパスワードが一致しません。")
            return
        draft = accounts.AccountDraft(
            login=self.login.text(), display_name=self.display_name.text(), role=Role.ADMIN,
            facility_id=self.facility.currentData(), password=self.password.text())
        db = self.db

        def create() -> Actor:
            accounts.create_account(db, Actor.system(), draft)
            actor = accounts.sign_in(db, draft.login, draft.password)[0]
            load_date_style(db, actor)
            return actor

        self._submit_in_background(create, self._created)

    def _created(self, actor: Actor) -> None:
        self.actor = actor
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
        db, actor, current, new = self.db, self.actor, self.current.text(), self.new.text()
        self._submit_in_background(
            lambda: accounts.change_own_password(db, actor, current, new),
            lambda _none: self.accept())
