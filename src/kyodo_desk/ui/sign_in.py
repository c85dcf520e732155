"""Sign-in (サインイン), the first administrator of a new database, and changing a password.

Each dialog shows at once; what it reads and the password checks (argon2, slow on purpose) run
off the GUI thread, the buttons waiting meanwhile. The sign-in can show before the database is
open: it opens it on a worker while the person types, so this module loads no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
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

from kyodo_desk.domain.errors import FieldProblem, UserError, ValidationError
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.ui.field_errors import FieldErrors, summary_line
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure

if TYPE_CHECKING:
    from kyodo_desk.database import Database
    from kyodo_desk.services.contacts import FacilityDetail

CENTRAL_FACILITY = "中央市民サービスセンター"
MISMATCH = FieldProblem("confirm", "確認のパスワードが一致しません。同じパスワードを2回入力してください。")


class FormDialog(QDialog):
    """A small form: each field's problem on the red line under it (`add_field`,
    `show_problems`), what no field answers for on the error line above the OK / cancel
    buttons."""

    def __init__(self, title: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.form = QFormLayout()
        self.errors = FieldErrors()
        self.error = summary_line("dialogError")
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

    def add_field(self, label: str, box: QWidget, field: str) -> None:
        """A row for the service's *field*, its problems said under it."""
        self.errors.add_row(self.form, label, box, field)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def show_problems(self, problems: Sequence[FieldProblem]) -> None:
        """Each under its field (framed, the first focused); the others on the error line."""
        elsewhere = self.errors.show(problems)
        if elsewhere:
            self.show_error("\n".join(p.message for p in elsewhere))
        else:
            self.error.hide()

    def submit(self) -> None:
        raise NotImplementedError

    def _submit_in_background(self, work: Callable[[], Any],
                              done: Callable[[Any], None]) -> None:
        """Run *work* (service calls) on a worker thread, the buttons waiting; a refusal the
        person can answer is said under its field or on the error line, the fields kept as
        typed."""
        self.show_problems([])
        WriteOp(self, work, done, failed=self._submit_failed, busy=(self.buttons,)).run()

    def _submit_failed(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError):
            self.show_problems(exc.problems)
        elif isinstance(exc, UserError):
            self.show_error(exc.message)
        else:
            show_failure(self, exc, reading=False)


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def _has_accounts(db: Database) -> bool:
    from kyodo_desk.services import accounts

    return accounts.has_accounts(db)


def _open(url: str, prepare: Callable[[], object] | None) -> tuple[Database, bool]:
    """Open the database at *url* and ask whether it has an account (worker thread)."""
    from kyodo_desk.database import open_database

    db = open_database(url)
    try:
        if prepare is not None:
            prepare()
        return db, _has_accounts(db)
    except BaseException:
        db.dispose()
        raise


class SignInDialog(FormDialog):
    """Asks for login name and password; `actor` is set once they are right.

    Given the database's address (`url`) instead of an open database, it shows at once and
    opens the database on a worker, running *prepare* there too (the window's modules load
    while the person types); `db` is set and `opened` emitted once it is open. A sign-in
    submitted before that waits for it. If the database cannot be opened the dialog closes
    with `open_failure` set. Meanwhile it asks whether the database has any account yet: if
    not, it closes with `no_accounts` set (the start then creates the first administrator).
    """

    opened = Signal()

    def __init__(self, source: Database | str, parent: QWidget | None = None, *,
                 prepare: Callable[[], object] | None = None) -> None:
        super().__init__("協働デスク — サインイン", "", parent)
        self.db: Database | None = None
        self.open_failure: Exception | None = None
        self.actor: Actor | None = None
        self.must_change_password = False
        self.no_accounts = False
        self._accounts_known = False
        self._submit_waiting = False
        self.login = QLineEdit()
        self.password = password_field()
        self.form.addRow("ログイン名", self.login)
        self.form.addRow("パスワード", self.password)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("サインイン")
        self.where = QLabel()
        self.form.addRow("", self.where)
        self.login.setFocus()
        if isinstance(source, str):
            self.where.setText("データベースに接続しています…")
            ReadOp(self, lambda: _open(source, prepare), self._database_open,
                   failed=self._open_failed).run()
            return
        self._database_open((source, None))

    def _database_open(self, opened: tuple[Database, bool | None]) -> None:
        self.db, any_account = opened
        self.where.setText(f"接続先 {self.db.describe()}")
        self.opened.emit()
        if any_account is not None:
            self._accounts_answered(any_account)
        else:
            # Should the person sign in before this answers (or if it could not), the
            # sign-in itself asks again first (submit).
            db = self.db
            ReadOp(self, lambda: _has_accounts(db), self._accounts_answered,
                   failed=super()._submit_failed).run()
        if self._submit_waiting and not self.no_accounts:
            self._submit_waiting = False
            self.buttons.setEnabled(True)
            self.submit()

    def _open_failed(self, exc: Exception) -> None:
        self.open_failure = exc
        self.reject()

    def _accounts_answered(self, any_account: bool) -> None:
        if any_account:
            self._accounts_known = True
        else:
            self.no_accounts = True
            self.reject()

    def submit(self) -> None:
        if self.db is None:  # still opening: signed in as soon as it is open
            self._submit_waiting = True
            self.error.hide()
            self.buttons.setEnabled(False)
            self.where.setText("データベースに接続しています…（接続しだいサインインします）")
            return
        db, login, password = self.db, self.login.text(), self.password.text()
        known = self._accounts_known

        def check() -> tuple[Actor, bool] | None:
            from kyodo_desk.services import accounts
            from kyodo_desk.services.date_style import load_date_style

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
        from kyodo_desk.services import accounts
        from kyodo_desk.services.contacts import list_facilities

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
        self.add_field("表示名", self.display_name, "display_name")
        self.add_field("ログイン名", self.login, "login")
        self.add_field("所属施設", self.facility, "facility_id")
        self.add_field("パスワード", self.password, "password")
        self.add_field("パスワード（確認）", self.confirm, "confirm")
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
            self.show_problems([MISMATCH])
            return
        from kyodo_desk.services import accounts
        from kyodo_desk.services.date_style import load_date_style

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
        self.add_field("現在のパスワード", self.current, "current")
        self.add_field("新しいパスワード", self.new, "password")
        self.add_field("新しいパスワード（確認）", self.confirm, "confirm")

    def submit(self) -> None:
        if self.new.text() != self.confirm.text():
            self.show_problems([MISMATCH])
            return
        from kyodo_desk.services import accounts

        db, actor, current, new = self.db, self.actor, self.current.text(), self.new.text()
        self._submit_in_background(
            lambda: accounts.change_own_password(db, actor, current, new),
            lambda _none: self.accept())
