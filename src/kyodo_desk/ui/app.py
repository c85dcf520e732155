"""Starting the window: Qt application, bundled font, database, last-resort error handling.

The sign-in shows first, with only Qt loaded; the database opens and the window's modules load
on a worker while the person types, so the wait is at the start and after the password, not
before the sign-in can be typed in.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from kyodo_desk.domain.errors import UserError
from kyodo_desk.paths import font_path
from kyodo_desk.ui.gc_guard import collect_on_gui_thread
from kyodo_desk.ui.help_window import help_keys

if TYPE_CHECKING:
    from kyodo_desk.database import Database
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.ui.damaged_database import WholeFileWatch
    from kyodo_desk.ui.main_window import MainWindow
    from kyodo_desk.ui.sign_in import SignInDialog

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
    help_keys()  # F1 in every dialog, the sign-in's first
    return app


def _excepthook(kind: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
    from kyodo_desk.ui.messages import show_error

    log.error("unhandled error", exc_info=(kind, exc, tb))
    show_error(QApplication.activeWindow(), exc)


def sign_in(source: Database | str, *,
            probe_credentials: str | None = None) -> tuple[Database | None, Actor | None]:
    """The open database and the account to work as: a new embedded database first gets its
    administrator. *source* is an open database, or the address of one to open meanwhile.

    The sign-in shows at once and finds out itself (off the GUI thread) whether there is an
    account yet; a database without one closes it for the first administrator's dialog.
    Raises what opening the database raised (DamagedDatabase, UserError).
    """
    from kyodo_desk.ui.sign_in import ChangePasswordDialog, FirstAdministratorDialog, SignInDialog

    dialog = SignInDialog(source, prepare=_load_the_window)
    if probe_credentials:  # benchmarks only: sign in without a person at the keyboard
        QTimer.singleShot(0, lambda: _probe_sign_in(dialog, probe_credentials))
    signed_in = dialog.exec() == QDialog.DialogCode.Accepted
    db = dialog.db
    if db is None:
        if dialog.open_failure is not None:
            raise dialog.open_failure
        return None, None
    if dialog.no_accounts:
        if not db.backend.is_sqlite:
            QMessageBox.critical(
                None, "協働デスク",
                f"{db.describe()} にはアカウントがありません。管理者が kyodo-desk user add で"
                "最初の管理者アカウントを作成してください（README「複数の窓口で使う」）。")
            return db, None
        first = FirstAdministratorDialog(db)
        return db, first.actor if first.exec() == QDialog.DialogCode.Accepted else None
    if not signed_in or dialog.actor is None:
        return db, None
    if dialog.must_change_password:
        change = ChangePasswordDialog(db, dialog.actor, required=True)
        if change.exec() != QDialog.DialogCode.Accepted:
            return db, None
    return db, dialog.actor


def _load_the_window() -> None:
    """On the sign-in's worker, once the database is open: what the window needs, loaded while
    the person types (the guard first, before any session of the window's code)."""
    from kyodo_desk.services.accounts import load_password_check
    from kyodo_desk.ui.operations import guard_gui_thread

    guard_gui_thread(strict=False)  # a session opened by the window's code is logged
    load_password_check()
    from kyodo_desk.ui import main_window  # noqa: F401


def _probe_sign_in(dialog: SignInDialog, credentials: str) -> None:
    """Start-up benchmark: say when the sign-in can be typed in and when the database is open,
    then sign in as if typed."""
    print(f"shown {time.perf_counter() - _STARTED:.3f} s", flush=True)
    dialog.opened.connect(lambda: print(f"opened {time.perf_counter() - _STARTED:.3f} s",
                                        flush=True))
    login, _, password = credentials.partition(":")
    dialog.login.setText(login)
    dialog.password.setText(password)
    dialog.submit()


def _report_ready(app: QApplication, window: MainWindow) -> None:
    """Start-up benchmark: print the time to a searchable window, then quit."""
    def ready() -> None:
        print(f"ready {time.perf_counter() - _STARTED:.3f} s "
              f"rows={window.contacts.model.rowCount()}", flush=True)
        app.quit()
    window.contacts.search_finished.connect(ready)


def run_gui(database_option: str | None, *, startup_probe: bool = False) -> int:
    from kyodo_desk.config import choose_database

    app = application()
    sys.excepthook = _excepthook
    url = choose_database(database_option).url
    probe = os.environ.get(PROBE_CREDENTIALS) if startup_probe else None
    while True:  # once more after a damaged file was restored
        try:
            db, actor = sign_in(url, probe_credentials=probe)
        except UserError as exc:
            from kyodo_desk.database.sqlite_files import DamagedDatabase
            from kyodo_desk.ui.damaged_database import restore_if_wanted

            if isinstance(exc, DamagedDatabase):
                if restore_if_wanted(None, exc, "閉じる"):
                    continue
            else:
                QMessageBox.critical(None, "協働デスク — データベースを開けません", exc.message)
            return 2
        if db is None:
            return 0
        from kyodo_desk.ui.damaged_database import WholeFileWatch, restore

        watch = WholeFileWatch(db)
        try:
            code = _serve(app, db, watch, actor, startup_probe=startup_probe)
        finally:
            watch.stop()
            QThreadPool.globalInstance().waitForDone()  # no query may outlive the database
            db.dispose()
        if watch.restore_chosen is None:
            return code
        restore(None, watch.restore_chosen)


def _serve(app: QApplication, db: Database, watch: WholeFileWatch, actor: Actor | None, *,
           startup_probe: bool) -> int:
    """Show the window until it is closed, and sign in again after an account lost its rights
    at this counter; the whole file is checked meanwhile."""
    from kyodo_desk.ui.main_window import MainWindow

    code = 0
    while actor is not None:
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
        actor = sign_in(db)[1]
    return code
