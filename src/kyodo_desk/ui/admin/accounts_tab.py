"""アカウント tab (administrators only): add staff accounts, disable or enable them, change
their role or facility, and set a temporary password that must be changed at the next sign-in.
A window the account has open loses what it may no longer do at its next step.

Every change goes through services.accounts, which checks the acting account's rights and
writes the audit log; password hashing is slow on purpose, so writes run off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import ROLE_LABELS, Action, Actor, Resource, Role
from kyodo_desk.services import accounts as svc
from kyodo_desk.services.accounts import AccountDraft, AccountInfo
from kyodo_desk.services.contacts import FacilityDetail, list_facilities
from kyodo_desk.ui.admin import format_at
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_failure
from kyodo_desk.ui.sign_in import MISMATCH, FormDialog, password_field
from kyodo_desk.ui.widgets import RowsModel, record_list

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("ログイン名", "表示名", "役割", "所属施設", "状態", "最終サインイン")
INACTIVE_TEXT = QColor("#888888")
NO_FACILITY = "（所属なし）"


def state_label(info: AccountInfo) -> str:
    if not info.active:
        return "無効"
    return "有効（仮パスワード）" if info.must_change_password else "有効"


class AccountsModel(RowsModel[AccountInfo]):
    """Every account (there are tens, not thousands), in login order."""

    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[AccountInfo] = []

    def reset(self, rows: list[AccountInfo]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, login: str) -> int:
        return next((i for i, a in enumerate(self._rows) if a.login == login), -1)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        info = self.entry(index.row())
        if info is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(info, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and not info.active:
            return INACTIVE_TEXT
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4 and info.must_change_password:
            return "次のサインインで新しいパスワードの設定を求められます。"
        return None

    @staticmethod
    def text(info: AccountInfo, column: int) -> str:
        return (
            info.login,
            info.display_name,
            ROLE_LABELS[info.role],
            info.facility_name,
            state_label(info),
            format_at(info.last_signed_in_at) or "未サインイン",
        )[column]


class _PasswordDialog(FormDialog):
    """A dialog that sets a temporary password (typed twice) and saves off the GUI thread:
    each refusal under its field, the fields kept as typed; it cannot be closed while saving.
    """

    def __init__(self, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(title, intro, parent)
        self.saving = False
        self.password = password_field()
        self.password.setObjectName("accountPassword")
        self.password.setPlaceholderText(f"{svc.MIN_PASSWORD_LENGTH}文字以上")
        self.confirm = password_field()
        self.confirm.setObjectName("accountPasswordConfirm")

    def _add_password_rows(self) -> None:
        self.add_field("仮パスワード", self.password, "password")
        self.add_field("仮パスワード（確認）", self.confirm, "confirm")

    def _save(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run *work* unless the two passwords differ; *done* with its result."""
        if self.saving:
            return
        self.show_problems([])
        if self.password.text() != self.confirm.text():
            self.show_problems([MISMATCH])
            return
        self._set_saving(True)

        def saved(result: Any) -> None:
            self._set_saving(False)
            done(result)

        # A refusal is shown in the dialog, under the fields, and the dialog stays open.
        WriteOp(self, work, saved, failed=self._refused).run()

    def _refused(self, exc: Exception) -> None:
        self._set_saving(False)
        self._submit_failed(exc)

    def _set_saving(self, saving: bool) -> None:
        self.saving = saving
        self.buttons.setEnabled(not saving)
        if saving:
            self.show_error("保存しています…")
        else:
            self.error.hide()

    def reject(self) -> None:
        if not self.saving:  # the password may be half a second from being stored
            super().reject()


class AccountDialog(_PasswordDialog):
    """アカウントの追加: the fields stay as typed when something is wrong.

    `created` holds the new account after OK.
    """

    def __init__(self, db: Database, actor: Actor, facilities: list[FacilityDetail],
                 parent: QWidget | None = None) -> None:
        super().__init__("アカウントの追加",
                         "職員のアカウントを作成します。仮パスワードは本人に伝え、"
                         "最初のサインイン後に本人が変更してください。", parent)
        self.db, self.actor = db, actor
        self.created: AccountInfo | None = None
        self.display_name = QLineEdit()
        self.display_name.setObjectName("accountDisplayName")
        self.display_name.setPlaceholderText("例: 佐藤 花子")
        self.login = QLineEdit()
        self.login.setObjectName("accountLogin")
        self.login.setPlaceholderText("半角英数字（例: sato.hanako）")
        self.role, self.facility = role_box(), facility_box(facilities)
        self.add_field("表示名", self.display_name, "display_name")
        self.add_field("ログイン名", self.login, "login")
        self.form.addRow("役割", self.role)
        self.form.addRow("所属施設", self.facility)
        self._add_password_rows()
        self.display_name.setFocus()

    def set_role(self, role: Role) -> None:
        self.role.setCurrentIndex(self.role.findData(role))

    def set_facility(self, facility_id: int | None) -> None:
        self.facility.setCurrentIndex(self.facility.findData(facility_id))

    def draft(self) -> AccountDraft:
        return AccountDraft(
            login=self.login.text(), display_name=self.display_name.text(),
            role=self.role.currentData(), facility_id=self.facility.currentData(),
            password=self.password.text(),
        )

    def submit(self) -> None:
        draft, db, actor = self.draft(), self.db, self.actor
        self._save(lambda: svc.create_account(db, actor, draft), self._saved)

    def _saved(self, info: AccountInfo) -> None:
        self.created = info
        self.accept()


class ResetPasswordDialog(_PasswordDialog):
    """パスワードのリセット for one account; `reset` holds the account after OK."""

    def __init__(self, db: Database, actor: Actor, info: AccountInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__("パスワードのリセット",
                         f"「{info.display_name}（{info.login}）」の仮パスワードを設定します。"
                         "次のサインインで本人が新しいパスワードを設定します。", parent)
        self.db, self.actor, self.account_login = db, actor, info.login
        self.reset: AccountInfo | None = None
        self._add_password_rows()
        self.password.setFocus()

    def submit(self) -> None:
        db, actor, login, password = self.db, self.actor, self.account_login, self.password.text()
        self._save(lambda: svc.reset_password(db, actor, login, password), self._saved)

    def _saved(self, info: AccountInfo) -> None:
        self.reset = info
        self.accept()


def role_box() -> QComboBox:
    box = QComboBox()
    box.setObjectName("accountRole")
    for role, label in ROLE_LABELS.items():
        box.addItem(label, role)
    return box


def facility_box(facilities: list[FacilityDetail]) -> QComboBox:
    box = QComboBox()
    box.setObjectName("accountFacility")
    for facility in facilities:
        box.addItem(facility.name, facility.id)
    box.addItem(NO_FACILITY, None)
    return box


class RoleDialog(FormDialog):
    """役割・所属の変更 for one account; the tab saves what is chosen."""

    def __init__(self, info: AccountInfo, facilities: list[FacilityDetail],
                 parent: QWidget | None = None) -> None:
        super().__init__("役割・所属施設の変更",
                         f"「{info.display_name}（{info.login}）」の役割と所属施設を変更します。"
                         "この職員が画面を開いている場合は、次の操作でサインインし直しになります。",
                         parent)
        self.role, self.facility = role_box(), facility_box(facilities)
        self.role.setCurrentIndex(self.role.findData(info.role))
        self.facility.setCurrentIndex(self.facility.findData(info.facility_id))
        self.form.addRow("役割", self.role)
        self.form.addRow("所属施設", self.facility)

    def submit(self) -> None:
        self.accept()


class AccountsTab(QWidget):
    status_message = Signal(str)
    refreshed = Signal()  # the list shows the accounts as they are now

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self._facilities: list[FacilityDetail] = []
        self._loaded = False

        self.add_button = QPushButton("アカウントを追加…")
        self.add_button.setObjectName("addAccount")
        self.add_button.clicked.connect(self.add_account)
        self.disable_button = QPushButton("無効にする")
        self.disable_button.setObjectName("disableAccount")
        self.disable_button.clicked.connect(lambda: self.set_selected_active(False))
        self.enable_button = QPushButton("有効にする")
        self.enable_button.setObjectName("enableAccount")
        self.enable_button.clicked.connect(lambda: self.set_selected_active(True))
        self.reset_button = QPushButton("パスワードをリセット…")
        self.reset_button.setObjectName("resetPassword")
        self.reset_button.clicked.connect(self.reset_selected_password)
        self.role_button = QPushButton("役割・所属の変更…")
        self.role_button.setObjectName("changeRole")
        self.role_button.clicked.connect(self.change_selected_role)
        # The buttons that change the selected account wait, as a whole, while a change is
        # being written; each keeps its own state for when they are back.
        self.changes = QWidget()
        change_buttons = QHBoxLayout(self.changes)
        change_buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.disable_button, self.enable_button, self.reset_button,
                       self.role_button):
            change_buttons.addWidget(button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addSpacing(16)
        buttons.addWidget(self.changes)
        buttons.addStretch(1)

        self.model = AccountsModel()
        self.table = record_list(self.model, "accountList")
        header = self.table.horizontalHeader()
        for column, width in enumerate((150, 140, 110, 230, 150)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.status = QLabel()
        self.status.setObjectName("resultCount")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    # --- the list ---------------------------------------------------------------------
    def refresh(self, keep: str | None = None) -> None:
        """Read the accounts again, keeping the selection on *keep* (a login) or the current."""
        self._loaded = True
        selected = self.selected()
        keep = keep or (selected.login if selected is not None else None)
        db, actor = self.db, self.actor

        def work() -> tuple[list[AccountInfo], list[FacilityDetail]]:
            return svc.list_accounts(db, actor), list_facilities(db, actor)

        def show(result: tuple[list[AccountInfo], list[FacilityDetail]]) -> None:
            accounts, self._facilities = result
            self.model.reset(accounts)
            row = self.model.row_of(keep) if keep else -1
            if row >= 0:
                self.table.selectRow(row)
            self._update_buttons()
            self.refreshed.emit()

        ReadOp(self, work, show, failed=self._failed, key="accounts").run()

    def selected(self) -> AccountInfo | None:
        return self.model.entry(self.table.currentIndex().row())

    def select(self, login: str) -> None:
        row = self.model.row_of(login)
        if row >= 0:
            self.table.selectRow(row)

    def _failed(self, exc: Exception) -> None:  # the tab says its list may be out of date
        self._tell("アカウントの一覧を読み込めませんでした。")
        show_failure(self, exc, reading=True)

    def _tell(self, message: str) -> None:
        self.status.setText(message)
        self.status_message.emit(message)

    def _may(self, action: Action) -> bool:
        return not self.db.read_only and self.actor.may(action, Resource.ACCOUNTS)

    def _update_buttons(self) -> None:
        info = self.selected()
        change = self._may(Action.CHANGE) and info is not None
        self.add_button.setEnabled(self._may(Action.CREATE))
        self.disable_button.setEnabled(
            change and info is not None and info.active and info.id != self.actor.account_id)
        self.enable_button.setEnabled(change and info is not None and not info.active)
        self.reset_button.setEnabled(change)
        self.role_button.setEnabled(change and info is not None
                                    and info.id != self.actor.account_id)
        if info is not None and info.id == self.actor.account_id:
            self.disable_button.setToolTip("自分自身のアカウントは無効にできません。")
        else:
            self.disable_button.setToolTip("")

    # --- actions ----------------------------------------------------------------------
    def add_account(self) -> AccountDialog:
        """Open the add dialog (modal); the list is refreshed when an account is created."""
        dialog = AccountDialog(self.db, self.actor, self._facilities, self)
        if self.actor.facility_id is not None:
            dialog.set_facility(self.actor.facility_id)
        dialog.set_role(Role.COUNTER_STAFF)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)
        dialog.accepted.connect(lambda: self._created(dialog))
        dialog.show()
        return dialog

    def _created(self, dialog: AccountDialog) -> None:
        info = dialog.created
        if info is None:
            return
        self._tell(f"アカウント「{info.display_name}（{info.login}）」を作成しました。")
        self.refresh(keep=info.login)

    def set_selected_active(self, active: bool) -> None:
        info = self.selected()
        if info is None:
            return
        if not active:
            answer = QMessageBox.question(
                self, "アカウントを無効にする",
                f"「{info.display_name}（{info.login}）」を無効にしますか？\n"
                "このアカウントではサインインできなくなります。これまでの記録はそのまま残り、"
                "あとで「有効にする」で戻せます。",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        done = "無効にしました" if not active else "有効にしました"
        db, actor, login = self.db, self.actor, info.login
        self._write(lambda: svc.set_active(db, actor, login, active),
                    f"「{info.display_name}（{info.login}）」を{done}。", login)

    def reset_selected_password(self) -> ResetPasswordDialog | None:
        """Open the reset dialog (modal); the list is refreshed once the password is set."""
        info = self.selected()
        if info is None:
            return None
        dialog = ResetPasswordDialog(self.db, self.actor, info, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)

        def reset() -> None:
            self._tell(f"「{info.display_name}（{info.login}）」のパスワードをリセットしました。"
                       "次のサインインで本人が新しいパスワードを設定します。")
            self.refresh(keep=info.login)

        dialog.accepted.connect(reset)
        dialog.show()
        return dialog

    def change_selected_role(self) -> RoleDialog | None:
        """Open the role dialog (modal); the change is saved when it is accepted."""
        info = self.selected()
        if info is None:
            return None
        dialog = RoleDialog(info, self._facilities, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)

        def save() -> None:
            db, actor, login = self.db, self.actor, info.login
            role, facility_id = dialog.role.currentData(), dialog.facility.currentData()
            self._write(lambda: svc.set_role(db, actor, login, role, facility_id),
                        f"「{info.display_name}（{info.login}）」の役割・所属施設を変更しました。", login)

        dialog.accepted.connect(save)
        dialog.show()
        return dialog

    def _write(self, work: Callable[[], Any], message: str, login: str) -> None:
        """Run one change off the GUI thread, then say so and read the list again."""

        def done(_result: object) -> None:
            self._tell(message)
            self.refresh(keep=login)

        WriteOp(self, work, done, busy=(self.changes,)).run()
