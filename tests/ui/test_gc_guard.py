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
