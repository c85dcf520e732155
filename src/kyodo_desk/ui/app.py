"""Starting the window: Qt application, bundled font, database, last-resort error handling."""

from __future__ import annotations

import logging
import os
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.paths import font_path
from kyodo_desk.ui.gc_guard import collect_on_gui_thread

if TYPE_CHECKING:
    from kyodo_desk.ui.damaged_database import WholeFileWatch
    from kyodo_desk.ui.main_window import MainWindow

log = logging.getLogger(__name__)
_STARTED = time.perf_counter()
PROBE_CREDENTIALS = "KYODO_PROBE_SIGN_IN"  # login:password, read only with --startup-probe

STYLE_SHEET = """
#detailTitle { font-size: 17pt; font-weight: bold; color: #1f4e3d; }
#detailSubtitle { color: #555; }
#detailLabel { color: #666; }
#detailNote { color: #666; }
#resultCount { color: #444; padding: 0 6px; }
QTabBar::tab:selected { font-weight: bold; }
"""


def register_font() -> str | None:
    """Register IPAexGothic and make it the UI font, so every PC shows the same Japanese."""
    font_id = QFontDatabase.addApplicationFont(str(font_path()))
    if font_id < 0:
        log.warning("could not register %s", font_path())
        return None
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    QApplication.setFont(QFont(family, 10))
    return family


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("協働デスク")
    app.setOrganizationName("秋田市")
    app.setStyle("Fusion")  # the same look on every counter PC
    register_font()
    app.setStyleSheet(STYLE_SHEET)
    collect_on_gui_thread(app)
    return app


def _excepthook(kind: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
    from kyodo_desk.ui.messages import show_error

    log.error("unhandled error", exc_info=(kind, exc, tb))
    show_error(QApplication.activeWindow(), exc)


def sign_in(db: Database, *, probe_credentials: str | None = None) -> Actor | None:
    """The account to work as: a new embedded database first gets its administrator.

    The sign-in shows at once and finds out itself (off the GUI thread) whether there is an
    account yet; a database without one closes it for the first administrator's dialog.
    """
    from kyodo_desk.ui.sign_in import ChangePasswordDialog, FirstAdministratorDialog, SignInDialog

    dialog = SignInDialog(db)
    if probe_credentials:  # benchmarks only: sign in without a person at the keyboard
        login, _, password = probe_credentials.partition(":")
        dialog.login.setText(login)
        dialog.password.setText(password)
        dialog.submit()
    signed_in = dialog.exec() == QDialog.DialogCode.Accepted
    if dialog.no_accounts:
        if not db.backend.is_sqlite:
            QMessageBox.critical(
                None, "協働デスク",
                f"{db.describe()} にはアカウントがありません。管理者が kyodo-desk user add で"
                "最初の管理者アカウントを作成してください（README「複数の窓口で使う」）。")
            return None
        first = FirstAdministratorDialog(db)
        return first.actor if first.exec() == QDialog.DialogCode.Accepted else None
    if not signed_in or dialog.actor is None:
        return None
    if dialog.must_change_password:
        change = ChangePasswordDialog(db, dialog.actor, required=True)
        if change.exec() != QDialog.DialogCode.Accepted:
            return None
    return dialog.actor


def _report_ready(app: QApplication, window: MainWindow) -> None:
    """Start-up benchmark: print the time to a searchable window, then quit."""
    def ready() -> None:
        print(f"ready {time.perf_counter() - _STARTED:.3f} s "
              f"rows={window.contacts.model.rowCount()}", flush=True)
        app.quit()
    window.contacts.search_finished.connect(ready)


def run_gui(database_option: str | None, *, startup_probe: bool = False) -> int:
    from kyodo_desk.config import choose_database
    from kyodo_desk.ui.damaged_database import WholeFileWatch, open_or_restore, restore
    from kyodo_desk.ui.operations import guard_gui_thread

    app = application()
    guard_gui_thread(strict=False)  # a session opened by the window's code is logged
    url = choose_database(database_option).url
    while True:  # once more after a damage found while the window was up was restored
        db = open_or_restore(url)
        if db is None:
            return 2
        sys.excepthook = _excepthook
        watch = WholeFileWatch(db)
        try:
            code = _serve(app, db, watch, startup_probe=startup_probe)
        finally:
            watch.stop()
            QThreadPool.globalInstance().waitForDone()  # no query may outlive the database
            db.dispose()
        if watch.restore_chosen is None:
            return code
        restore(None, watch.restore_chosen)


def _serve(app: QApplication, db: Database, watch: WholeFileWatch, *,
           startup_probe: bool) -> int:
    """Sign in and show the window until it is closed; the whole file is checked meanwhile."""
    from kyodo_desk.ui.main_window import MainWindow

    while True:  # again after an account lost its rights at this counter
        actor = sign_in(db, probe_credentials=os.environ.get(PROBE_CREDENTIALS)
                        if startup_probe else None)
        if actor is None:
            return 0
        window = MainWindow(db, actor)
        if startup_probe:
            _report_ready(app, window)
        window.show()
        window.contacts.search.setFocus()
        window.contacts.refresh()
        watch.start(window)
        code = app.exec()
        window.deleteLater()
        if not window.signed_out or watch.restore_chosen is not None:
            return code
