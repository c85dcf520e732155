"""Running service calls off the GUI thread; results come back to the GUI thread by signal.

Qt objects must be destroyed on the thread that owns them, and Python destroys an object on
whichever thread drops its last reference. So a worker thread never holds the last reference
to anything: the job's callable (whose closure may hold a window) stays referenced by the
dispatcher on the GUI thread until the result is delivered, and the result or exception
crosses in a box the GUI thread empties. No Qt object is made per job; one dispatcher, living
on the GUI thread, carries every result back.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from kyodo_desk.ui.account_watch import handled_as_revoked


class _Dispatcher(QObject):
    finished = Signal(int, bool, object)  # job number, succeeded, [result or exception]

    def __init__(self) -> None:
        super().__init__()
        self.callbacks: dict[int, tuple[QObject, Callable[[], Any], Callable[[Any], None],
                                        Callable[[Exception], None]]] = {}
        self.finished.connect(self._deliver)

    def _deliver(self, job: int, ok: bool, box: list[Any]) -> None:
        value = box.pop()  # the worker keeps only the empty box
        owner, _fn, on_done, on_error = self.callbacks.pop(job)
        if not shiboken6.isValid(owner):  # the window that asked may have closed meanwhile
            return
        if not ok and handled_as_revoked(value, owner):
            return  # the whole window answers it, not the screen that asked
        (on_done if ok else on_error)(value)


class _Job(QRunnable):
    def __init__(self, number: int, dispatcher: _Dispatcher) -> None:
        super().__init__()
        self._number, self._dispatcher = number, dispatcher

    def run(self) -> None:
        box: list[Any] = []
        ok = True
        try:
            box.append(self._dispatcher.callbacks[self._number][1]())
        except Exception as exc:  # handed to the GUI thread, which decides how to show it
            ok = False
            box.append(exc)
            del exc
        self._dispatcher.finished.emit(self._number, ok, box)


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
    _dispatcher.callbacks[number] = (owner, fn, on_done, on_error)
    (pool or QThreadPool.globalInstance()).start(_Job(number, _dispatcher))


def pending_jobs() -> int:
    """How many background results have not been delivered yet."""
    return len(_dispatcher.callbacks) if _dispatcher else 0
