"""The よみ of the event form: suggested from the title as it is typed, never over a reading the
clerk typed, and offered when an event saved without one is opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import events as svc
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.events.form import EventForm
from kyodo_desk.ui.events.tab import EventsTab
from tests.event_fixtures import make_event
from tests.ui.conftest import type_text

SHOTS = Path("/tmp/shots")


@pytest.fixture(autouse=True)
def _no_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The form's questions (restore a draft? discard on close?) answered without a box."""
    monkeypatch.setattr(drafted_form, "ask", lambda *a, **k: "discard")


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def open_form(qtbot, db, who: Actor, event_id: int | None = None) -> EventForm:  # type: ignore[no-untyped-def]
    tab = EventsTab(db, who)
    qtbot.addWidget(tab)
    tab.resize(1280, 760)
    with qtbot.waitSignal(tab.list_shown):
        tab.show()
    if event_id is None:
        qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    else:
        assert tab.select_event(event_id)
        qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(f.isVisible() for f in tab.findChildren(EventForm)))
    form = next(f for f in tab.findChildren(EventForm) if f.isVisible())
    qtbot.waitUntil(lambda: form.content.isEnabled())
    return form


def save(qtbot, form: EventForm) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.save_finished) as blocker:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]


def test_the_reading_follows_the_title_until_the_clerk_types_one(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    form = open_form(qtbot, db, officer)
    assert form.title_reading.text() == ""

    type_text(qtbot, form.title, "市民活動はじめて講座")
    assert form.title_reading.text() == "シミンカツドウハジメテコウザ"
    type_text(qtbot, form.title, " 第2回")  # still the suggestion: it follows the title
    assert form.title_reading.text() == "シミンカツドウハジメテコウザ ダイニカイ"
    form.resize(1280, 800)
    SHOTS.mkdir(parents=True, exist_ok=True)
    form.grab().save(str(SHOTS / "h11-event-form-reading.png"))

    form.title_reading.clear()
    type_text(qtbot, form.title_reading, "しみんかつどうにゅうもん")
    type_text(qtbot, form.title, "（午後）")
    assert form.title_reading.text() == "しみんかつどうにゅうもん"  # the clerk's own stays
    form.title_reading.selectAll()
    form.title_reading.del_()  # emptied: the suggestion comes back with the next change
    type_text(qtbot, form.title, "!")
    assert form.title_reading.text() == "シミンカツドウハジメテコウザ ダイニカイ ゴゴ"

    form.title_reading.clear()
    type_text(qtbot, form.title_reading, "しみんかつどうにゅうもん")
    save(qtbot, form)
    [summary] = svc.list_events(db, officer)
    assert svc.get_event(db, officer, summary.id).title_reading == "しみんかつどうにゅうもん"


def test_an_event_saved_without_a_reading_opens_with_the_suggestion(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    bare = make_event(db, facilities["central"], title="つむぎすと講座")
    form = open_form(qtbot, db, officer, bare.id)
    assert form.title_reading.text() == "ツムギストコウザ"
    assert not form.is_dirty()  # opening changed nothing the clerk must answer for
    save(qtbot, form)  # 保存 as it stands keeps the suggestion
    assert svc.get_event(db, officer, bare.id).title_reading == "ツムギストコウザ"


def test_a_stored_reading_of_the_clerks_own_is_kept_when_the_title_changes(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    typed = make_event(db, facilities["central"], title="市民活動フェスタ",
                       title_reading="しみんかつどうふぇすた")
    form = open_form(qtbot, db, officer, typed.id)
    assert form.title_reading.text() == "しみんかつどうふぇすた"
    type_text(qtbot, form.title, "2026")
    assert form.title_reading.text() == "しみんかつどうふぇすた"
