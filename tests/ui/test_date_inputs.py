"""The one date box (DateBox) writes its day by the app's date setting — 2026年11月24日（火）
or 令和8年11月24日（火） — and understands a day typed in either style."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from kyodo_desk.domain.dates import DateStyle, use_date_style
from kyodo_desk.ui.date_inputs import DateBox, date_edit

_WINDOWS: list[QWidget] = []  # a window lives as long as its test


@pytest.fixture(autouse=True)
def _no_date_setting() -> Iterator[None]:
    use_date_style(None)
    yield
    use_date_style(None)
    _WINDOWS.clear()


def shown_box(qtbot, day: QDate) -> tuple[DateBox, QLineEdit]:  # type: ignore[no-untyped-def]
    """A date box after another field, on show: what staff type into and Tab away from."""
    window = QWidget()
    qtbot.addWidget(window)
    _WINDOWS.append(window)
    before = QLineEdit()
    box = date_edit(day)
    layout = QVBoxLayout(window)
    layout.addWidget(before)
    layout.addWidget(box)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    assert isinstance(box, DateBox)
    return box, before


def type_over(qtbot, box: DateBox, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select the box's text and type *text* (QTest types ASCII only: the rest is inserted as
    an input method would)."""
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    box.selectAll()
    if text.isascii():
        qtbot.keyClicks(box, text)
    else:
        box.lineEdit().insert(text)


@pytest.mark.parametrize(("style", "shown"), [
    (None, "2026年11月24日（火）"),
    (DateStyle.WESTERN, "2026年11月24日（火）"),
    (DateStyle.ERA, "令和8年11月24日（火）"),
])
def test_the_box_writes_its_day_by_the_setting(qtbot, style: DateStyle | None,  # type: ignore[no-untyped-def]
                                               shown: str) -> None:
    use_date_style(style)
    box, _ = shown_box(qtbot, QDate(2026, 11, 24))
    assert box.text() == shown
    box.setDate(QDate(2019, 5, 1))
    assert box.text() == ("令和元年5月1日（水）" if style is DateStyle.ERA else "2019年5月1日（水）")


@pytest.mark.parametrize("style", list(DateStyle))
@pytest.mark.parametrize("typed", ["2026/12/5", "R8.12.5", "令和8年12月5日", "2026年12月5日",
                                   "２０２６／１２／５"])
def test_a_day_typed_in_either_style_is_understood(qtbot, style: DateStyle,  # type: ignore[no-untyped-def]
                                                   typed: str) -> None:
    use_date_style(style)
    box, _ = shown_box(qtbot, QDate(2026, 11, 24))
    type_over(qtbot, box, typed)
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not box.hasFocus())
    assert box.date() == QDate(2026, 12, 5)
    assert box.text() == ("令和8年12月5日（土）" if style is DateStyle.ERA else "2026年12月5日（土）")


def test_text_that_is_no_day_goes_back_to_the_day_the_box_had(qtbot) -> None:  # type: ignore[no-untyped-def]
    use_date_style(DateStyle.ERA)
    box, before = shown_box(qtbot, QDate(2026, 11, 24))
    type_over(qtbot, box, "2026/2/30")
    before.setFocus()
    qtbot.waitUntil(lambda: box.text() == "令和8年11月24日（火）")
    assert box.date() == QDate(2026, 11, 24)


def test_up_and_down_move_a_day_across_the_month_and_the_era(qtbot) -> None:  # type: ignore[no-untyped-def]
    use_date_style(DateStyle.ERA)
    box, _ = shown_box(qtbot, QDate(2019, 4, 30))
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.date() == QDate(2019, 5, 1) and box.text() == "令和元年5月1日（水）"
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.text() == "平成31年4月30日（火）"


def test_a_day_outside_the_boxs_range_is_not_taken(qtbot) -> None:  # type: ignore[no-untyped-def]
    box, before = shown_box(qtbot, QDate(2026, 11, 24))
    type_over(qtbot, box, "1999/12/31")  # the boxes start at 2000
    before.setFocus()
    qtbot.waitUntil(lambda: box.text() == "2026年11月24日（火）")


def test_the_calendar_chooses_a_day_and_the_box_writes_it_by_the_setting(qtbot) -> None:  # type: ignore[no-untyped-def]
    use_date_style(DateStyle.ERA)
    box, _ = shown_box(qtbot, QDate(2026, 11, 24))
    calendar = box.calendarWidget()
    with qtbot.waitSignal(box.dateChanged):
        calendar.setSelectedDate(QDate(2026, 11, 3))
        calendar.clicked.emit(QDate(2026, 11, 3))
    assert box.text() == "令和8年11月3日（火）"
