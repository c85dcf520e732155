"""Python's cycle collector runs on the GUI thread only.

Left to itself, the collector runs on whichever thread happens to allocate when a threshold is
reached — often a background search — and destroys any Qt object in the cycles it frees right
there, which crashes Qt (seen: "Fatal Python error: Segmentation fault … Garbage-collecting" on
a worker thread). Automatic collection is turned off and a timer on the GUI thread collects
instead, as often as the thresholds ask (checked a few times a second).

A full collection walks every object (about 100,000 once the window is up: 40–70 ms, a stall
a person feels), so what lives once the window has answered its first search — the app itself:
modules, classes, the window — is frozen out of every later one (`freeze_the_started_app`),
and a full collection is kept as rare as CPython keeps it: only once the objects that reached
the oldest generation since the last one are a quarter of those it kept.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self._kept = 0  # objects the last full collection left in the oldest generation
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(_INTERVAL_MS)

    def collect(self) -> None:
        """Collect the generations whose thresholds are passed, as the automatic collector
        would, but here on the GUI thread."""
        threshold0, threshold1, threshold2 = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count0 <= threshold0:
            return
        if count2 > threshold2 and self._full_collection_due():
            gc.collect(2)
            self._kept = len(gc.get_objects(2))
        else:
            gc.collect(1 if count1 > threshold1 else 0)

    def _full_collection_due(self) -> bool:
        return len(gc.get_objects(2)) - self._kept > self._kept // 4


_frozen = False


def freeze_the_started_app() -> None:
    """Once, when the window is up and has answered its first search: what lives now is the
    app itself, never garbage, and no full collection walks it again. Only the young
    generations are collected first (cheap); the start's few old leftovers stay."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect(1)
        gc.freeze()


_collector: GuiThreadCollector | None = None


def collect_on_gui_thread(app: QObject) -> None:
    """Install the collector once per application."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector(app)
