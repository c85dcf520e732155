"""An administrator chooses 西暦 or 和暦 (日付の表記); every counter writes dates that way
from its next sign-in — the date boxes and the event form's among them — and the event form's
calendar greys the chosen venue's 休館日, none for a venue that is not a facility."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt

from kyodo_desk.domain.dates import DateStyle, screen_style, use_date_style
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.services import facilities as facility_svc
from kyodo_desk.services.date_style import load_date_style
from kyodo_desk.services.date_style_setting import save_date_style, stored_date_style
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.admin.date_style_dialog import TAKES_EFFECT, DateStyleDialog
from kyodo_desk.ui.date_inputs import DateBox
from kyodo_desk.ui.events.form import EventForm
from kyodo_desk.ui.events.tab import EventsTab


@pytest.fixture(autouse=True)
def _no_date_setting() -> Iterator[None]:
    use_date_style(None)
    yield
    use_date_style(None)


@pytest.fixture(autouse=True)
def _answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The form's questions (restore a draft? discard on close?) answered without a box."""
    monkeypatch.setattr(drafted_form, "ask", lambda *args, **kwargs: "discard")


def test_an_administrator_chooses_the_era_and_it_holds_from_the_next_sign_in(  # type: ignore[no-untyped-def]
        qtbot, db, admin, actor) -> None:
    dialog = DateStyleDialog(db, admin)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    assert dialog.buttons[DateStyle.WESTERN].isChecked()  # not set: the screens' 西暦
    assert "未設定" in dialog.current.text()
    assert "令和8年11月24日（火）" in dialog.buttons[DateStyle.ERA].text()
    assert any(TAKES_EFFECT in label.text() for label in dialog.findChildren(type(dialog.current)))
    dialog.buttons[DateStyle.ERA].setChecked(True)
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [DateStyle.ERA]
    assert screen_style() is DateStyle.WESTERN  # this window goes on as it began

    assert load_date_style(db, actor) is DateStyle.ERA  # the next sign-in, any account
    box = DateBox(QDate(2026, 11, 24))
    qtbot.addWidget(box)
    assert box.text() == "令和8年11月24日（火）"

    again = DateStyleDialog(db, admin)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.loaded):
        again.show()
    assert again.buttons[DateStyle.ERA].isChecked() and again.current.text() == "現在の設定: 和暦"


def test_only_an_administrator_sets_the_date_style(db, admin, actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        save_date_style(db, actor, DateStyle.ERA)
    save_date_style(db, admin, DateStyle.ERA)
    save_date_style(db, admin, DateStyle.WESTERN)
    assert stored_date_style(db, actor) is DateStyle.WESTERN


def open_new_form(qtbot, db, who) -> tuple[EventsTab, EventForm]:  # type: ignore[no-untyped-def]
    tab = EventsTab(db, who)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    with qtbot.waitSignal(tab.list_shown):
        tab.show()
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(f.isVisible() for f in tab.findChildren(EventForm)))
    form = next(f for f in tab.findChildren(EventForm) if f.isVisible())
    qtbot.waitUntil(lambda: form.content.isEnabled())
    return tab, form


def tooltip(box: DateBox, day: date) -> str:
    calendar = box.calendarWidget()
    calendar.setCurrentPage(day.year, day.month)
    return calendar.dateTextFormat(QDate(day.year, day.month, day.day)).toolTip()


def test_the_event_forms_date_box_writes_the_era_and_a_free_venue_has_no_closed_days(  # type: ignore[no-untyped-def]
        qtbot, db, admin, accounts_by_login, facilities) -> None:
    salon = facility_svc.get_facility(db, admin, facilities["salon"])
    facility_svc.update_facility(db, admin, salon.id, salon.version, dataclasses.replace(
        salon.as_draft(), address=salon.address or "秋田市中通一丁目4番1号",
        closed_days="年末年始（12月29日〜1月3日）"))
    save_date_style(db, admin, DateStyle.ERA)
    officer = accounts_by_login["officer"]
    load_date_style(db, officer)  # signing in
    _tab, form = open_new_form(qtbot, db, officer)
    line = form.sessions.lines[0]
    assert isinstance(line.held_on, DateBox)
    form.venue.setCurrentIndex(form.venue.findData(salon.id))
    line.held_on.setDate(QDate(2026, 12, 29))
    assert line.held_on.text() == "令和8年12月29日（火）"
    assert form.day_warnings.text() == "※ 12月29日（火）は休館日です"
    assert tooltip(line.held_on, date(2026, 12, 29)) == "休館日"

    # A venue typed in (not a facility): no 休館日, the holidays still said.
    form.venue.setCurrentIndex(form.venue.findData(None))
    assert form.day_warnings.isHidden()
    assert tooltip(line.held_on, date(2026, 12, 29)) == ""
    line.held_on.setDate(QDate(2027, 1, 11))
    assert form.day_warnings.text() == "※ 1月11日（月）は成人の日です"
    assert tooltip(line.held_on, date(2027, 1, 11)) == "成人の日"
    assert line.held_on.text() == "令和9年1月11日（月）"
