"""Running service calls off the GUI thread; results come back to the GUI thread by signal.

No Qt object is made per job: a QObject whose last reference is dropped on a worker thread
would be destroyed there, which crashes Qt. One dispatcher, living on the GUI thread, carries
every result back, and the callbacks wait for it in a plain dictionary.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from kyodo_desk.ui.account_watch import handled_as_revoked


class _Dispatcher(QObject):
    finished = Signal(int, bool, object)  # job number, succeeded, result or exception

    def __init__(self) -> None:
        super().__init__()
        self.callbacks: dict[int, tuple[QObject, Callable[[Any], None],
                                        Callable[[Exception], None]]] = {}
        self.finished.connect(self._deliver)

    def _deliver(self, job: int, ok: bool, value: Any) -> None:
        owner, on_done, on_error = self.callbacks.pop(job)
        if not shiboken6.isValid(owner):  # the window that asked may have closed meanwhile
            return
        if not ok and handled_as_revoked(value, owner):
            return  # the whole window answers it, not the screen that asked
        (on_done if ok else on_error)(value)


class _Job(QRunnable):
    def __init__(self, number: int, fn: Callable[[], Any], dispatcher: _Dispatcher) -> None:
        super().__init__()
        self._number, self._fn, self._dispatcher = number, fn, dispatcher

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # handed to the GUI thread, which decides how to show it
            self._dispatcher.finished.emit(self._number, False, exc)
        else:
            self._dispatcher.finished.emit(self._number, True, result)


_dispatcher: _Dispatcher | None = None
_numbers = itertools.count()


def run_in_background(
    owner: QObject,
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
    pool: QThreadPool | None = None,
) -> None:
    """Run *fn* on a worker thread; call *on_done* or *on_error* on the GUI thread.

    Nothing is called if *owner* (the widget that asked) has been deleted by then.
    Call from the GUI thread only.
    """
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
    number = next(_numbers)
    _dispatcher.callbacks[number] = (owner, on_done, on_error)
    (pool or QThreadPool.globalInstance()).start(_Job(number, fn, _dispatcher))


def pending_jobs() -> int:
    """How many background results have not been delivered yet."""
    return len(_dispatcher.callbacks) if _dispatcher else 0
