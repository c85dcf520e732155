"""Starting the window: Qt application, bundled font, database, last-resort error handling."""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from kyodo_desk.paths import font_path

log = logging.getLogger(__name__)
_STARTED = time.perf_counter()

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
    return app


def _excepthook(kind: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
    from kyodo_desk.ui.messages import show_error

    log.error("unhandled error", exc_info=(kind, exc, tb))
    show_error(QApplication.activeWindow(), exc)


def run_gui(database_option: str | None, *, startup_probe: bool = False) -> int:
    from kyodo_desk.config import choose_database
    from kyodo_desk.database import open_database
    from kyodo_desk.domain.errors import UserError

    app = application()
    try:
        db = open_database(choose_database(database_option).url)
    except UserError as exc:
        QMessageBox.critical(None, "協働デスク — データベースを開けません", exc.message)
        return 2
    from kyodo_desk.ui.main_window import MainWindow

    sys.excepthook = _excepthook
    window = MainWindow(db)
    if startup_probe:
        def ready() -> None:
            print(f"ready {time.perf_counter() - _STARTED:.3f} s "
                  f"rows={window.contacts.model.rowCount()}", flush=True)
            app.quit()
        window.contacts.search_finished.connect(ready)
    window.show()
    window.contacts.search.setFocus()
    window.contacts.refresh()
    try:
        return app.exec()
    finally:
        QThreadPool.globalInstance().waitForDone()  # no query may outlive the database
        db.dispose()
