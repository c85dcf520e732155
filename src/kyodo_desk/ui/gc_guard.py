"""Python's cycle collector runs on the GUI thread only.

Left to itself, the collector runs on whichever thread happens to allocate when a threshold is
reached — often a background search — and destroys any Qt object in the cycles it frees right
there, which crashes Qt (seen: "Fatal Python error: Segmentation fault … Garbage-collecting" on
a worker thread). Automatic collection is turned off and a timer on the GUI thread collects
instead, as often as the thresholds ask (checked a few times a second).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(_INTERVAL_MS)

    def collect(self) -> None:
        """Collect the generations whose thresholds are passed, as the automatic collector
        would, but here on the GUI thread."""
        threshold0, threshold1, threshold2 = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count0 > threshold0:
            generation = 2 if count2 > threshold2 else 1 if count1 > threshold1 else 0
            gc.collect(generation)


_collector: GuiThreadCollector | None = None


def collect_on_gui_thread(app: QObject) -> None:
    """Install the collector once per application."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector(app)
