from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox


def test_a_database_that_cannot_be_opened_is_explained_in_a_dialog(
        qapp, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui import app

    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda _parent, _title, text: shown.append(text))
    assert app.run_gui(f"sqlite:///{broken}") == 2
    assert len(shown) == 1 and str(broken) in shown[0] and "バックアップ" in shown[0]
    assert broken.read_bytes() == b"this is not a database" * 100


def test_mail_and_web_buttons_open_the_mail_client_and_browser(window, qtbot,
                                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    detail = window.contacts.detail
    qtbot.waitUntil(lambda: detail.shown.name == "東部市民サービスセンター")
    detail.write_mail.click()
    detail.open_web.click()
    assert opened == ["mailto:ro-sces@city.akita.lg.jp",
                      "http://www.city.akita.akita.jp/city/sc/es/default.htm"]
