"""Live refresh: changes committed at any counter reach this window without a restart.

The watcher thread (database/changes.py) hands its news to this QObject, which lives on the
GUI thread for the whole session; signals carry it across threads.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kyodo_desk.database import Database
from kyodo_desk.database.changes import ChangeWatcher


class LiveUpdates(QObject):
    changed = Signal(object)  # frozenset of table names, or None for "anything"
    connection = Signal(bool)  # the database is reachable (True) or lost (False)

    def __init__(self, db: Database, interval: float = 1.0) -> None:
        super().__init__()
        self._watcher = ChangeWatcher(db.url, self.changed.emit, self.connection.emit, interval)

    def start(self) -> None:
        self._watcher.start()

    def stop(self) -> None:
        self._watcher.stop()
