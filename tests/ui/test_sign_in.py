"""Signing in at the counter, and the first start of a new embedded database."""

from __future__ import annotations

from pathlib import Path

from kyodo_desk.database import open_database
from kyodo_desk.domain.permissions import Role
from kyodo_desk.services import accounts
from kyodo_desk.ui.sign_in import ChangePasswordDialog, FirstAdministratorDialog, SignInDialog
from tests.conftest import TEST_PASSWORD
from tests.ui.conftest import type_text


def test_wrong_password_is_explained_and_the_login_kept(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    dialog = SignInDialog(db)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.login, "staff")
    type_text(qtbot, dialog.password, "wrong-password")
    dialog.submit()
    assert (dialog.actor is None and dialog.isVisible()) or dialog.result() == 0
    assert dialog.error.text() == "ログイン名またはパスワードが違います。"
    assert dialog.login.text() == "staff" and dialog.password.text() == ""

    type_text(qtbot, dialog.password, TEST_PASSWORD)
    dialog.submit()
    assert dialog.actor is not None
    assert (dialog.actor.login, dialog.actor.role) == ("staff", Role.COUNTER_STAFF)


def test_a_new_embedded_database_asks_for_its_administrator(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = open_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        assert not accounts.has_accounts(db)
        dialog = FirstAdministratorDialog(db)
        qtbot.addWidget(dialog)
        assert dialog.facility.currentText() == "中央市民サービスセンター"
        type_text(qtbot, dialog.display_name, "秋田 管理")
        type_text(qtbot, dialog.login, "akita.admin")
        type_text(qtbot, dialog.password, "first-pass-1")
        type_text(qtbot, dialog.confirm, "first-pass-2")
        dialog.submit()
        assert dialog.error.text() == "確認のパスワードが一致しません。"
        assert not accounts.has_accounts(db)

        dialog.confirm.setText("first-pass-1")
        dialog.submit()
        assert dialog.actor is not None and dialog.actor.role is Role.ADMIN
        assert accounts.sign_in(db, "akita.admin", "first-pass-1")[0].name == "秋田 管理"
    finally:
        db.dispose()


def test_a_reset_password_must_be_changed(qtbot, db, admin) -> None:  # type: ignore[no-untyped-def]
    accounts.reset_password(db, admin, "staff", "temporary-1")
    actor, must_change = accounts.sign_in(db, "staff", "temporary-1")
    assert must_change
    dialog = ChangePasswordDialog(db, actor, required=True)
    qtbot.addWidget(dialog)
    dialog.current.setText("temporary-1")
    dialog.new.setText("short")
    dialog.confirm.setText("short")
    dialog.submit()
    assert "8文字以上" in dialog.error.text()
    dialog.new.setText("new-password-1")
    dialog.confirm.setText("new-password-1")
    dialog.submit()
    assert accounts.sign_in(db, "staff", "new-password-1") == (actor, False)
