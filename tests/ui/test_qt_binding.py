"""The Qt binding keeps Python's reference counts: a long day at a counter must not crash.

PySide6 6.12.0 dropped a reference to None on every call of a method that returns nothing
(setText, scrollTo, processEvents…); after a few thousand calls Python aborts with
"Fatal Python error: none_dealloc". The pinned version must not do that.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_calls_that_return_nothing_keep_the_reference_count_of_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(300):  # enough to see it, too few to crash the test run
        label.setText(str(i))
        label.clear()
    assert sys.getrefcount(None) >= before - 20
