"""Signing in at the counter, and the first start of a new embedded database."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from kyodo_desk.database import open_database
from kyodo_desk.domain.dates import era_date, use_date_style
from kyodo_desk.domain.permissions import Role
from kyodo_desk.models import Setting
from kyodo_desk.services import accounts
from kyodo_desk.services.date_style import DATE_STYLE_KEY
from kyodo_desk.ui.events.tab import EventsTab
from kyodo_desk.ui.sign_in import ChangePasswordDialog, FirstAdministratorDialog, SignInDialog
from tests.conftest import TEST_PASSWORD
from tests.event_fixtures import make_event
from tests.ui.conftest import type_text


def test_wrong_password_is_explained_and_the_login_kept(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    dialog = SignInDialog(db)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.login, "staff")
    type_text(qtbot, dialog.password, "wrong-password")
    dialog.submit()
    # The password is checked off the GUI thread (argon2 is slow on purpose): the window
    # answers meanwhile, and a second press cannot check it twice.
    assert not dialog.buttons.isEnabled()
    qtbot.waitUntil(lambda: dialog.error.text() == "ログイン名またはパスワードが違います。")
    assert dialog.actor is None and dialog.result() == 0 and dialog.buttons.isEnabled()
    assert dialog.login.text() == "staff" and dialog.password.text() == ""

    type_text(qtbot, dialog.password, TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        dialog.submit()
    assert dialog.actor is not None
    assert (dialog.actor.login, dialog.actor.role) == ("staff", Role.COUNTER_STAFF)


def test_the_date_style_the_city_chose_is_taken_at_sign_in(qtbot, db, admin, facilities) -> None:  # type: ignore[no-untyped-def]
    """The shared settings say 和暦: once signed in, the screens write 令和 too."""
    event = make_event(db, facilities["east"])
    with db.writing(admin) as session:
        session.add(Setting(key=DATE_STYLE_KEY, value="和暦"))
    try:
        dialog = SignInDialog(db)
        qtbot.addWidget(dialog)
        type_text(qtbot, dialog.login, "staff")
        type_text(qtbot, dialog.password, TEST_PASSWORD)
        with qtbot.waitSignal(dialog.accepted):
            dialog.submit()
        assert dialog.actor is not None
        tab = EventsTab(db, dialog.actor)
        qtbot.addWidget(tab)
        with qtbot.waitSignal(tab.list_shown):
            tab.show()
        first_day = event.sessions[0].held_on
        assert tab.model.index(tab.model.row_of(event.id), 0).data().startswith(
            f"{era_date(first_day)}（")
    finally:
        use_date_style(None)  # the next test starts, as a new database would, without it


def test_a_new_embedded_database_asks_for_its_administrator(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = open_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        assert not accounts.has_accounts(db)
        dialog = FirstAdministratorDialog(db)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.facility.currentText() == "中央市民サービスセンター")
        type_text(qtbot, dialog.display_name, "秋田 管理")
        type_text(qtbot, dialog.login, "akita.admin")
        type_text(qtbot, dialog.password, "first-pass-1")
        type_text(qtbot, dialog.confirm, "first-pass-2")
        dialog.submit()
        # Said under the field at fault, as every form says it.
        assert dialog.errors.message("confirm").startswith("確認のパスワードが一致しません。")
        assert dialog.confirm.hasFocus() and not dialog.error.isVisible()
        assert not accounts.has_accounts(db)

        dialog.confirm.setText("first-pass-1")
        type_text(qtbot, dialog.login, "秋田")  # the service's refusal, under its field
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.errors.message("login") != "")
        assert dialog.errors.message("login").startswith("ログイン名は半角英数字で")
        assert dialog.errors.message("confirm") == ""
        dialog.login.setText("akita.admin")

        dialog.confirm.setText("first-pass-1")
        with qtbot.waitSignal(dialog.accepted):
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
    dialog.show()
    dialog.current.setText("temporary-1")
    dialog.new.setText("short")
    dialog.confirm.setText("short")
    dialog.submit()
    # Under the new password's field, which the service names "password".
    qtbot.waitUntil(lambda: "8文字以上" in dialog.errors.message("password"))
    assert dialog.new.hasFocus()
    dialog.new.setText("new-password-1")
    dialog.confirm.setText("new-password-1")
    dialog.current.setText("wrong-current")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.errors.message("current") == "現在のパスワードが違います。")
    assert dialog.errors.message("password") == ""
    dialog.current.setText("temporary-1")
    dialog.new.setText("new-password-1")
    dialog.confirm.setText("new-password-1")
    with qtbot.waitSignal(dialog.accepted):
        dialog.submit()
    assert accounts.sign_in(db, "staff", "new-password-1") == (actor, False)


def test_the_start_on_a_database_without_accounts_asks_for_its_administrator(
        qtbot, empty_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The sign-in shows at once and finds out itself that there is no account yet: an
    embedded database then asks for its administrator; a server's is made on the command
    line, and the start says so."""
    from kyodo_desk.ui import app

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text, *_a, **_k:
                        said.append(text))

    def fill_in(dialog: FirstAdministratorDialog) -> int:
        qtbot.waitUntil(dialog.ok_button.isEnabled)  # the facilities have been read
        assert dialog.facility.currentText() == "中央市民サービスセンター"
        for field, text in ((dialog.display_name, "秋田 管理"), (dialog.login, "akita.admin"),
                            (dialog.password, "first-pass-1"), (dialog.confirm, "first-pass-1")):
            field.setText(text)
        with qtbot.waitSignal(dialog.accepted):
            dialog.submit()
        return dialog.result()

    monkeypatch.setattr(FirstAdministratorDialog, "exec", fill_in)
    db = open_database(empty_url)
    try:
        actor = app.sign_in(db)[1]
        if db.backend.is_sqlite:
            assert actor is not None and (actor.login, actor.role) == ("akita.admin", Role.ADMIN)
            assert said == []
        else:
            assert actor is None
            assert len(said) == 1 and "kyodo-desk user add" in said[0]
    finally:
        db.dispose()


def test_the_start_up_probe_signs_in_without_a_person_at_the_keyboard(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui import app

    assert app.sign_in(db, probe_credentials=f"staff:{TEST_PASSWORD}")[0] is db
    actor = app.sign_in(db, probe_credentials=f"staff:{TEST_PASSWORD}")[1]
    assert actor is not None and (actor.login, actor.role) == ("staff", Role.COUNTER_STAFF)


def test_the_sign_in_shows_before_the_database_is_open_and_signs_in_once_it_is(
        qtbot, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """At the start the person may type at once: the database opens on a worker meanwhile,
    and a sign-in sent before it is open goes through as soon as it is."""
    dialog = SignInDialog(database_url)
    qtbot.addWidget(dialog)
    assert dialog.db is None and dialog.where.text() == "データベースに接続しています…"
    type_text(qtbot, dialog.login, "staff")
    type_text(qtbot, dialog.password, TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        dialog.submit()
        assert not dialog.buttons.isEnabled()  # no second press while it waits
        assert dialog.where.text() == "データベースに接続しています…（接続しだいサインインします）"
    try:
        assert dialog.actor is not None and dialog.actor.login == "staff"
        assert dialog.where.text() == f"接続先 {dialog.db.describe()}"
    finally:
        dialog.db.dispose()


def test_the_sign_in_needs_no_database_library_to_show() -> None:
    """What runs before the sign-in can be typed in loads Qt and no SQLAlchemy: that loads
    while the person types (the start-up figure of benchmarks/startup.py)."""
    import subprocess
    import sys

    script = ("import sys, kyodo_desk.cli, kyodo_desk.config, kyodo_desk.ui.app, "
              "kyodo_desk.ui.sign_in; "
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic', "
              "'reportlab', 'argon2', 'psycopg'}))")
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert shown == "[]"
