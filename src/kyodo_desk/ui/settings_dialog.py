"""The administrator's database settings (データベースの接続設定): embedded file or PostgreSQL.

The checks, the connection test and the saving are in services.connection; this is the form.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk import secrets
from kyodo_desk.config import EMBEDDED, POSTGRESQL, DatabaseSettings
from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.services import connection
from kyodo_desk.services.connection import ConnectionForm, ConnectionResult
from kyodo_desk.ui.field_errors import ERROR_STYLE, FieldErrors
from kyodo_desk.ui.operations import ReadOp

_OK_STYLE = "color: #1e7e34;"
_NOTE_STYLE = "color: #666;"
_INDENT = 24  # the parts that belong to a choice sit under its radio button


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(_NOTE_STYLE)
    return label


class DatabaseSettingsDialog(QDialog):
    """Choose the embedded file or a PostgreSQL server, test it, and save (administrators).

    *current* is the setting in use, e.g. `config.current_database_settings()`.
    """

    connection_tested = Signal(object)  # ConnectionResult, once a test has finished
    saved = Signal(str)  # the message shown to the administrator

    def __init__(self, current: DatabaseSettings, actor: Actor,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.current = current
        self.testing = False
        self._tested_form: ConnectionForm | None = None
        self.setWindowTitle("データベースの接続設定")
        self.setMinimumWidth(560)

        intro = QLabel("協働デスクが使うデータベースを選びます。\n"
                       "保存した設定は、次回の起動時から有効になります。")
        intro.setWordWrap(True)

        self.embedded = QRadioButton("内蔵データベース（この PC のみ）")
        self.server = QRadioButton("PostgreSQL サーバー（複数の窓口）")
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.embedded)
        self.kind.addButton(self.server)
        file_note = _note(
            f"ファイル: {current.embedded_url().removeprefix('sqlite:///')}\n"
            "1 台の PC だけで使うときや、試用・研修のときに選びます。\n"
            "※ SQLite のファイルを共有フォルダに置いて、複数の窓口で使うことはできません。"
            "データが壊れるおそれがあります。複数の窓口で使うときは PostgreSQL サーバーを選んでください。")
        file_note.setObjectName("embeddedNote")
        file_note.setContentsMargins(_INDENT, 0, 0, 6)

        self.host = QLineEdit(current.host)
        self.host.setPlaceholderText("例: kyodo-db.city.akita.local または 192.168.10.20")
        self.port = QLineEdit(str(current.port))
        self.port.setMaximumWidth(90)
        self.port.setPlaceholderText("5432")
        self.name = QLineEdit(current.name)
        self.name.setPlaceholderText("例: kyodo")
        self.user = QLineEdit(current.user)
        self.user.setPlaceholderText("例: kyodo")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("空欄のときは保存済みのパスワードを使います")
        self._placeholders = {e: e.placeholderText()
                              for e in (self.host, self.port, self.name, self.user, self.password)}
        self.errors = FieldErrors()

        self.server_box = QWidget()
        form = QFormLayout(self.server_box)
        form.setContentsMargins(_INDENT, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors.add_row(form, "サーバー", self.host, "host")
        self.errors.add_row(form, "ポート", self.port, "port", narrow=True)
        self.errors.add_row(form, "データベース名", self.name, "name")
        self.errors.add_row(form, "利用者名", self.user, "user")
        self.errors.add_row(form, "パスワード", self.password, "password")
        form.addRow("", _note(f"パスワードの保存先: {secrets.password_store_label()}\n"
                              "設定ファイルには書きません。"))
        self.test_button = QPushButton("接続テスト")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setObjectName("connectionTestResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.test_result, 1)
        form.addRow(test_row)

        self.error = QLabel()
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("キャンセル")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = self._column = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.embedded)
        layout.addWidget(file_note)
        layout.addWidget(self.server)
        layout.addWidget(self.server_box)
        if actor.role is not Role.ADMIN:
            self.save_button.setEnabled(False)
            layout.addWidget(_note("接続設定を保存できるのは管理者だけです。"))
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.server.toggled.connect(self._kind_changed)
        for edit in (self.host, self.port, self.name, self.user, self.password):
            edit.textEdited.connect(self._forget_test)
        (self.server if current.is_postgresql else self.embedded).setChecked(True)
        self._kind_changed()
        (self.host if current.is_postgresql else self.embedded).setFocus()

    # --- reading the form ----------------------------------------------------------------------------

    def form(self) -> ConnectionForm:
        return ConnectionForm(
            kind=POSTGRESQL if self.server.isChecked() else EMBEDDED,
            host=self.host.text(), port=self.port.text(), name=self.name.text(),
            user=self.user.text(), password=self.password.text(),
            url=None if self.current.is_postgresql else self.current.url)

    def _kind_changed(self) -> None:
        enabled = self.server.isChecked()
        self.server_box.setEnabled(enabled)
        for edit, hint in self._placeholders.items():  # a greyed hint still reads as a value
            edit.setPlaceholderText(hint if enabled else "")
        self._clear_errors()
        self._forget_test()

    def _forget_test(self) -> None:
        """A result shown for other values than those in the form now would mislead."""
        if not self.testing:
            self.test_result.clear()

    def _clear_errors(self) -> None:
        self.errors.show([])
        self.error.hide()

    def _show_problems(self, exc: ValidationError) -> None:
        """Each under its field (framed, the first focused); the others on the error line."""
        elsewhere = self.errors.show(exc.problems)
        if elsewhere:
            self.show_error("\n".join(p.message for p in elsewhere))
        else:
            self._grow_to_fit()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        """Grow (never shrink) so a longer message or an error line is not cut off.

        Measured once the new text's layout request has been handled: before that, the form
        still reports the height it had for the old text.
        """
        QTimer.singleShot(0, self, self._grow_now)

    def _grow_now(self) -> None:
        layout = self._column
        layout.activate()
        needed = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                  else layout.totalSizeHint().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _validated(self) -> DatabaseSettings | None:
        self._clear_errors()
        try:
            return connection.validate(self.form())
        except ValidationError as exc:
            self._show_problems(exc)
            return None

    # --- the connection test -------------------------------------------------------------------------

    def test_connection(self) -> None:
        if self.testing or not self.server.isChecked():
            return
        settings = self._validated()
        if settings is None:
            return
        password = self.password.text()  # plain data only goes to the worker, no Qt object
        self.testing = True
        self._tested_form = self.form()
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet(_NOTE_STYLE)
        self.test_result.setText(f"{settings.host}:{settings.port} に接続しています…"
                                 f"（最大 {connection.TEST_TIMEOUT_SECONDS} 秒）")
        # A failure is the answer to the test, shown beside its button, not in a dialog.
        ReadOp(self, lambda: connection.try_connection(settings, password), self._tested,
               failed=self._test_failed).run()

    def _tested(self, result: ConnectionResult) -> None:
        self.testing = False
        self.test_button.setEnabled(True)
        if self.form() != self._tested_form:
            self.test_result.setStyleSheet(_NOTE_STYLE)
            self.test_result.setText("テスト中に入力が変わりました。もう一度「接続テスト」を押してください。")
        else:
            self.test_result.setStyleSheet(_OK_STYLE if result.ok else ERROR_STYLE)
            self.test_result.setText(result.message)
        self._grow_to_fit()
        self.connection_tested.emit(result)

    def _test_failed(self, exc: Exception) -> None:
        self._tested(ConnectionResult(False, f"接続を確認できませんでした。（詳細: {exc}）"))

    # --- saving ----------------------------------------------------------------------------------------

    def submit(self) -> None:
        if self._validated() is None:
            return
        try:
            message = connection.save_connection(self.actor, self.form())
        except ValidationError as exc:
            self._show_problems(exc)
            return
        except UserError as exc:
            self.show_error(exc.message)
            return
        self.password.clear()
        self.saved.emit(message)
        QMessageBox.information(self, "データベースの接続設定", message)
        self.accept()

