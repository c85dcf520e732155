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


def test_a_full_collection_waits_until_the_old_objects_grew_by_a_quarter(
        qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A full collection walks the whole app (tens of ms on the GUI thread): as CPython does,
    it waits until the objects that reached the oldest generation since the last one are a
    quarter of those that one kept."""
    from kyodo_desk.ui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(application())
    collector._timer.stop()  # driven by hand here
    collections: list[int] = []
    old_objects = [1000]
    monkeypatch.setattr(gc, "collect", lambda generation=2: collections.append(generation))
    monkeypatch.setattr(gc, "get_count", lambda: (701, 11, 11))  # every threshold passed
    monkeypatch.setattr(gc, "get_threshold", lambda: (700, 10, 10))
    monkeypatch.setattr(gc, "get_objects", lambda generation=None: [None] * old_objects[0])

    collector.collect()
    assert collections == [2]  # none yet: the first is due
    old_objects[0] = 1200  # a fifth more
    collector.collect()
    assert collections == [2, 1]
    old_objects[0] = 1251  # more than a quarter more
    collector.collect()
    assert collections == [2, 1, 2]


def test_the_window_freezes_the_started_app_out_of_full_collections(
        qtbot, window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Once the window has answered its first search, a full collection no longer walks the
    app's own objects (the window's among them)."""
    from kyodo_desk.ui import gc_guard

    monkeypatch.setattr(gc_guard, "_frozen", False)  # as in a process that has just started
    gc.unfreeze()
    try:
        with qtbot.waitSignal(window.contacts.search_finished):
            window.contacts.refresh()
        assert gc.get_freeze_count() > 0
        assert not any(o is window for o in gc.get_objects(2))
    finally:
        gc.unfreeze()  # the next tests' windows are collected as before
