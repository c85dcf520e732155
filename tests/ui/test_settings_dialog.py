"""The administrator's database settings dialog, against the local PostgreSQL server."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from kyodo_desk import config
from kyodo_desk.config import DatabaseSettings
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.services import connection
from kyodo_desk.ui.settings_dialog import DatabaseSettingsDialog
from tests.ui.conftest import type_text

ADMIN = Actor(1, "admin", "管理 太郎", Role.ADMIN, None)
STAFF = Actor(2, "staff", "窓口 花子", Role.COUNTER_STAFF, 1)


@pytest.fixture(autouse=True)
def pass_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real keyring and no real ~/.pgpass: passwords go to a pass file in tmp."""
    import keyring
    from keyring.backends import fail

    path = tmp_path / "pgpass.conf"
    monkeypatch.setenv("PGPASSFILE", str(path))
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield path
    keyring.set_keyring(previous)


@pytest.fixture
def informed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the dialog told the user in a message box (none is shown in tests)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda _parent, _title, text: shown.append(text))
    return shown


def open_dialog(qtbot, current: DatabaseSettings | None = None,  # type: ignore[no-untyped-def]
                actor: Actor = ADMIN) -> DatabaseSettingsDialog:
    dialog = DatabaseSettingsDialog(current or DatabaseSettings(), actor)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def choose(qtbot, radio) -> None:  # type: ignore[no-untyped-def]
    """Click a radio button on its circle, as a person would (its row is wider than it)."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))


def fill(qtbot, dialog: DatabaseSettingsDialog, *, host: str, port: str, name: str,  # type: ignore[no-untyped-def]
         user: str, password: str = "") -> None:
    choose(qtbot, dialog.server)
    for edit, text in ((dialog.host, host), (dialog.port, port), (dialog.name, name),
                       (dialog.user, user), (dialog.password, password)):
        edit.clear()
        type_text(qtbot, edit, text)


@pytest.fixture
def local(pg_server, fresh_pg_url: str):  # type: ignore[no-untyped-def]
    """The local test server: host, port, an empty database of this run, and the user."""
    from sqlalchemy import make_url

    url = make_url(fresh_pg_url)
    return url.host or "localhost", str(url.port or 5432), url.database, url.username


def test_the_connection_test_runs_in_the_background_and_reports_the_server(
        qtbot, local, pg_server) -> None:  # type: ignore[no-untyped-def]
    host, port, name, user = local
    dialog = open_dialog(qtbot)
    assert not dialog.server_box.isEnabled()
    fill(qtbot, dialog, host=host, port=port, name=name, user=user)
    assert dialog.server_box.isEnabled()

    with qtbot.waitSignal(dialog.connection_tested) as tested:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert "接続しています" in dialog.test_result.text()  # the window did not wait
        assert not dialog.test_button.isEnabled()

    with pg_server._admin() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    assert tested.args[0].ok
    assert dialog.test_result.text().startswith(f"接続できました（PostgreSQL {version}、形式の版 未作成）")
    assert dialog.test_button.isEnabled()
    # The dialog grows to show the whole message.
    qtbot.waitUntil(lambda: dialog.test_result.geometry().bottom()
                    < dialog.buttons.geometry().top())
    shot = Path("/tmp/settings.png") if sys.platform != "win32" else Path("settings.png")
    assert dialog.grab().save(str(shot))


def test_a_test_that_breaks_down_is_answered_beside_its_button(
        qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    boxes: list[str] = []
    for kind in ("warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *_a, **_k: boxes.append(text))

    def broken(*_a, **_k) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("証明書ストアを開けません")

    monkeypatch.setattr(connection, "try_connection", broken)
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, host="kyodo-db", port="5432", name="kyodo", user="madoguchi")
    with qtbot.waitSignal(dialog.connection_tested) as tested:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert not tested.args[0].ok
    assert dialog.test_result.text() == "接続を確認できませんでした。（詳細: 証明書ストアを開けません）"
    assert boxes == []  # the answer to the test, not an error dialog
    assert dialog.test_button.isEnabled() and dialog.isVisible()


def test_a_wrong_database_name_is_explained(qtbot, local) -> None:  # type: ignore[no-untyped-def]
    host, port, _, user = local
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, host=host, port=port, name="kyodo_no_such_db", user=user)
    with qtbot.waitSignal(dialog.connection_tested):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "データベース「kyodo_no_such_db」がありません" in dialog.test_result.text()


def test_changing_a_field_clears_the_old_result(qtbot, local) -> None:  # type: ignore[no-untyped-def]
    host, port, name, user = local
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, host=host, port=port, name=name, user=user)
    with qtbot.waitSignal(dialog.connection_tested):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_result.text()
    type_text(qtbot, dialog.name, "x")
    assert dialog.test_result.text() == ""


def test_save_writes_config_toml_and_the_password_elsewhere(
        qtbot, informed: list[str], pass_file: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, host="kyodo-db", port="5433", name="kyodo", user="madoguchi",
         password="himitsu-42")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.result() == DatabaseSettingsDialog.DialogCode.Accepted
    text = config.config_file().read_text(encoding="utf-8")
    assert tomllib.loads(text)["database"] == {
        "kind": "postgresql", "host": "kyodo-db", "port": 5433, "name": "kyodo",
        "user": "madoguchi"}
    assert "himitsu" not in text
    assert pass_file.read_text(encoding="utf-8") == "kyodo-db:5433:kyodo:madoguchi:himitsu-42\n"
    [message] = informed
    assert "次回の起動時から" in message
    assert f"パスワードファイル {pass_file}" in message


def test_a_missing_host_is_shown_beside_it_and_what_was_typed_stays(
        qtbot, informed: list[str]) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, host="", port="5432", name="協働", user="madoguchi", password="himitsu")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    host_error = dialog.errors.lines["host"]
    assert host_error.isVisible()
    assert host_error.text() == "サーバーを入力してください。"
    # Right under the field, which is framed.
    assert host_error.geometry().top() >= dialog.host.geometry().bottom()
    assert abs(host_error.geometry().left() - dialog.host.geometry().left()) <= 2
    assert "#c0392b" in dialog.host.styleSheet()
    assert not dialog.errors.lines["name"].isVisible() and dialog.name.styleSheet() == ""
    assert (dialog.port.text(), dialog.name.text(), dialog.user.text(),
            dialog.password.text()) == ("5432", "協働", "madoguchi", "himitsu")
    assert dialog.focusWidget() is dialog.host
    assert not config.config_file().exists()
    assert informed == []


def test_a_bad_port_is_named(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, host="kyodo-db", port="99999", name="kyodo", user="madoguchi")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.message("port").startswith("ポートは 1〜65535")
    assert dialog.test_result.text() == ""  # nothing was tried


def test_the_current_setting_is_shown_and_embedded_can_be_chosen_again(
        qtbot, informed: list[str]) -> None:  # type: ignore[no-untyped-def]
    current = DatabaseSettings("postgresql", host="kyodo-db", port=5433, name="kyodo",
                               user="madoguchi")
    config.save_database_settings(current)
    dialog = open_dialog(qtbot, config.current_database_settings())
    assert dialog.server.isChecked()
    assert (dialog.host.text(), dialog.port.text(), dialog.name.text(), dialog.user.text()) == (
        "kyodo-db", "5433", "kyodo", "madoguchi")
    assert dialog.password.text() == ""

    choose(qtbot, dialog.embedded)
    assert not dialog.server_box.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert config.current_database_settings() == DatabaseSettings()
    assert "内蔵データベース" in informed[0]


def test_counter_staff_cannot_save_even_past_the_button(qtbot, informed: list[str]) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, actor=STAFF)
    assert not dialog.save_button.isEnabled()
    fill(qtbot, dialog, host="kyodo-db", port="5432", name="kyodo", user="madoguchi")
    dialog.submit()  # as if the button were not there to stop it
    assert dialog.error.isVisible()
    assert "管理者に依頼してください" in dialog.error.text()
    assert not config.config_file().exists()
    assert informed == []
