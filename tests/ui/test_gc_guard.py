"""Cycles are collected on the GUI thread, never on a background job's thread."""

from __future__ import annotations

import gc
import threading
import weakref

from kyodo_desk.ui.app import application


class _Node:
    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:  # records where the collector freed it
        _threads.append(threading.current_thread().name)


_threads: list[str] = []


def test_the_app_collects_cycles_itself_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    application()
    assert not gc.isenabled()  # no collection may start on whatever thread allocates
    node = _Node()
    alive = weakref.ref(node)
    del node
    # A background job that allocates enough to reach the collector's threshold.
    worker = threading.Thread(target=lambda: [[] for _ in range(5_000)], name="worker")
    worker.start()
    worker.join()
    kept = [[] for _ in range(3 * gc.get_threshold()[0])]  # a busy screen's allocations
    qtbot.waitUntil(lambda: alive() is None)
    del kept
    assert _threads and set(_threads) == {threading.main_thread().name}


def test_thousands_of_jobs_never_release_a_qt_object_on_a_worker_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Each job's closures hold a Qt object that nothing else holds once the job is started,
    its work makes garbage cycles holding it, and collections are forced all along (on the GUI
    thread, where the app runs them): every object must still die on the GUI thread. (When a
    job dropped its callable and result on the worker thread, some died there.)"""
    from PySide6.QtCore import QObject, Qt

    from kyodo_desk.ui import tasks

    application()
    owner = QObject()
    died_on: list[str] = []
    delivered: list[int] = []

    def note_death(*_args: object) -> None:
        died_on.append(threading.current_thread().name)

    def start(n: int) -> None:
        held = QObject()  # no parent: Python's last reference decides where it dies
        held.destroyed.connect(note_death, Qt.ConnectionType.DirectConnection)

        def work() -> object:
            cycle: list[object] = [held]
            cycle.append(cycle)  # garbage for the collections forced below
            if n % 7 == 0:
                raise ValueError(n)
            return QObject.objectName(held) or n

        def done(_value: object) -> None:
            delivered.append(n)
            if n % 50 == 0:
                gc.collect()

        tasks.run_in_background(owner, work, done, done)

    jobs = 3_000
    for n in range(jobs):
        start(n)
    qtbot.waitUntil(lambda: len(delivered) == jobs)
    gc.collect()
    assert len(died_on) == jobs
    assert set(died_on) == {threading.main_thread().name}
