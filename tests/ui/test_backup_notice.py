"""A day's backup that failed is said once in the window's status bar; the window opens."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QLabel

from kyodo_desk.config import config_file
from kyodo_desk.database import open_database
from kyodo_desk.ui.main_window import MainWindow
from tests.conftest import _actor_for

SHOTS = Path("/tmp/shots")


def test_a_failed_daily_backup_is_shown_once_in_the_status_bar(  # type: ignore[no-untyped-def]
        qtbot, template_databases: dict[str, str], tmp_path: Path) -> None:
    database = tmp_path / "kyodo-desk.sqlite3"
    shutil.copyfile(template_databases["sqlite"], database)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    config_file().parent.mkdir(parents=True)
    config_file().write_text(f"[backup]\nfolder = '{blocker}/share'\n", encoding="utf-8")
    db = open_database(f"sqlite:///{database}")
    windows = []
    try:
        for _ in range(2):  # signed out and in again: the second window stays quiet
            window = MainWindow(db, _actor_for(db, "staff"))
            qtbot.addWidget(window)
            windows.append(window)
            window.resize(1280, 800)
            with qtbot.waitSignal(window.contacts.search_finished):
                window.show()
                window.contacts.refresh()
            message = window.statusBar().currentMessage()
            label = window.statusBar().findChild(QLabel, "startupNoticeLabel")
            if len(windows) == 1:
                assert message == ("今日のバックアップを作成できませんでした（作業は続けられます。"
                                   "次に起動したときにもう一度作成します）。")
                assert label.text() == "バックアップ未作成" and label.isVisible()
                assert f"バックアップ先「{blocker}" in label.toolTip()  # why, on pointing
                assert "書き込めません" in label.toolTip()
                SHOTS.mkdir(exist_ok=True)
                assert window.grab().save(str(SHOTS / "backup_failed_status_bar.png"))
            else:
                assert "バックアップ" not in message and label is None
            window.live.stop()
            window.close()
    finally:
        QThreadPool.globalInstance().waitForDone()
        db.dispose()
