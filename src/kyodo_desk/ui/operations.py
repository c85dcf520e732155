"""Operations (操作): the one way a screen reads or writes the database.

The pattern of Anki's `aqt/operations`. A `ReadOp` or `WriteOp` runs its work on a worker
thread and hands the result back on the GUI thread; a result that a newer operation of the
same screen and key has made stale is dropped; a failure is shown the standard way unless the
screen handles it itself; and a write tells every open view which tables it changed, through
the same signal that carries the changes committed at other counters (`data_changes()`).

No database work runs on the GUI thread: `guard_gui_thread` makes the session factory refuse
(under test) or log (at the counter) a session opened there by the window's code.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.tasks import run_in_background

log = logging.getLogger(__name__)

T = TypeVar("T")
STATUS_MESSAGE_MS = 8000


# --- what changed ---------------------------------------------------------------------------

class DataChanges(QObject):
    """Which tables changed — here (a WriteOp) or at another counter (the live watcher).

    The payload is a frozenset of table names, or None for "anything" (SQLite's watcher
    cannot tell which)."""

    changed = Signal(object)


_data_changes: DataChanges | None = None


def data_changes() -> DataChanges:
    """The app-wide signal every open view refreshes from (made on first use, GUI thread)."""
    global _data_changes
    if _data_changes is None:
        _data_changes = DataChanges()
    return _data_changes


def touches(tables: frozenset[str] | None, *names: str) -> bool:
    """True if a change of *tables* (None: anything) may concern a view showing *names*."""
    return tables is None or not tables.isdisjoint(names)


# --- how a failure is shown -------------------------------------------------------------------

def main_window_of(widget: QWidget | None) -> QMainWindow | None:
    """The main window *widget* belongs to (through the dialogs that opened it), if any."""
    while widget is not None:
        if isinstance(widget, QMainWindow):
            return widget
        widget = widget.parentWidget()
    windows = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMainWindow) and w.isVisible()]
    return windows[0] if len(windows) == 1 else None


def show_status(widget: QWidget | None, text: str) -> bool:
    """Say *text* in the status bar of *widget*'s main window; False if there is none."""
    window = main_window_of(widget)
    if window is None:
        return False
    window.statusBar().showMessage(text, STATUS_MESSAGE_MS)
    return True


def show_failure(parent: QWidget | None, exc: Exception, *, reading: bool) -> None:
    """The standard display of a failed operation.

    A read that lost the connection says so in the status bar (which already shows the lost
    link): a list refreshing every few seconds must not raise a storm of dialogs. A failed
    write always opens a dialog, since what was typed was not saved.
    """
    if reading and isinstance(exc, ConnectionLost) and show_status(parent, exc.message):
        return
    show_error(parent, exc)


# --- operations -----------------------------------------------------------------------------

_latest: dict[tuple[int, str], int] = {}
_numbers = itertools.count(1)


@dataclass
class _Operation(Generic[T]):
    parent: QWidget
    work: Callable[[], T]
    done: Callable[[T], None]
    failed: Callable[[Exception], None] | None = None

    def run(self) -> None:
        run_in_background(self.parent, self._work, self._finished, self._failed)

    def _work(self) -> Any:
        return self.work()

    def _finished(self, value: Any) -> None:
        self.done(value)

    def _failed(self, exc: Exception) -> None:
        if self.failed is not None:
            self.failed(exc)
        else:
            show_failure(self.parent, exc, reading=isinstance(self, ReadOp))


@dataclass
class ReadOp(_Operation[T]):
    """Read in the background and show the result: `ReadOp(self, work, done).run()`.

    *key*: a newer ReadOp of the same *parent* and key makes this one's result stale, and it
    is dropped, failure included (the search box changed while the last search ran).
    *failed* replaces the standard display of a failure (`show_failure`).
    """

    key: str | None = None

    def run(self) -> None:
        if self.key is None:
            super().run()
            return
        slot, number = (id(self.parent), self.key), next(_numbers)
        _latest[slot] = number

        def fresh() -> bool:
            if _latest.get(slot) != number:
                return False
            del _latest[slot]
            return True

        def finished(value: Any) -> None:
            if fresh():
                self._finished(value)

        def failed(exc: Exception) -> None:
            if fresh():
                self._failed(exc)

        run_in_background(self.parent, self._work, finished, failed)


@dataclass
class WriteOp(_Operation[T]):
    """Write in the background; then every open view hears which tables changed.

    *busy*: widgets (the save button) disabled while the write runs, so that a second click
    cannot save twice.
    """

    busy: tuple[QWidget, ...] = ()

    def run(self) -> None:
        for widget in self.busy:
            widget.setEnabled(False)
        super().run()

    def _work(self) -> Any:
        from kyodo_desk.database.changes import committed_tables

        with committed_tables() as tables:
            value = self.work()
        return value, frozenset(tables)

    def _finished(self, value: Any) -> None:
        result, tables = value
        self._give_back()
        # Every view hears first: *done* may open a modal message, and the lists behind it
        # should not wait for the clerk to close it.
        if tables:
            data_changes().changed.emit(tables)
        self.done(result)

    def _failed(self, exc: Exception) -> None:
        self._give_back()
        super()._failed(exc)

    def _give_back(self) -> None:
        for widget in self.busy:
            if shiboken6.isValid(widget):
                widget.setEnabled(True)


# --- the guard ----------------------------------------------------------------------------

class GuiThreadDatabaseCall(RuntimeError):
    """The window's code opened a database session on the GUI thread (a freeze at the counter
    whenever the network is slow)."""


_reported: set[tuple[str, int]] = set()
_strict = False


def guard_gui_thread(*, strict: bool) -> None:
    """Check every session opened from now on: on the GUI thread, from the window's code
    (a module of kyodo_desk.ui), it is refused with GuiThreadDatabaseCall if *strict* (the
    tests), else logged once per place (at the counter, where a refusal would lose work).
    A strict guard stays strict: the app started inside a test does not loosen it."""
    # Imported here, not with this module: the sign-in shows before SQLAlchemy is loaded.
    from kyodo_desk.database import core

    global _strict
    if _strict and not strict:
        return
    _strict = strict

    def check() -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            if frame.f_globals.get("__name__", "").startswith("kyodo_desk.ui."):
                place = (frame.f_code.co_filename, frame.f_lineno)
                if strict:
                    raise GuiThreadDatabaseCall(
                        f"database session opened on the GUI thread at {place[0]}:{place[1]}")
                if place not in _reported:
                    _reported.add(place)
                    log.warning("database session opened on the GUI thread at %s:%s", *place)
                return
            frame = frame.f_back

    core.guard_sessions(check)


def unguard_gui_thread() -> None:
    from kyodo_desk.database import core

    global _strict
    _strict = False
    core.guard_sessions(None)
