"""地域 on screen: the administrator's town table, the event form's suggestion from the venue,
the event and grant lists' 地域 filter, and the statistics counted for one 地域."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import audit_log, districts
from kyodo_desk.services import events as event_svc
from kyodo_desk.services.audit_log import AuditFilter
from kyodo_desk.services.contacts import list_facilities
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.admin.districts_dialog import INTRO, DistrictsDialog
from kyodo_desk.ui.consultations.stats_view import ConsultationStatsView
from kyodo_desk.ui.events.form import EventForm
from kyodo_desk.ui.events.tab import EventsTab
from kyodo_desk.ui.grants.tab import GrantsTab
from kyodo_desk.ui.tasks import pending_jobs
from tests.event_fixtures import make_event
from tests.services.test_districts_records import consultations_by_district, set_contact_district
from tests.ui.conftest import type_text

SHOTS = Path("/tmp/shots")


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")
    yield
    QThreadPool.globalInstance().waitForDone()


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


@pytest.fixture
def facilities(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {f.code: f.id for f in list_facilities(db, Actor.command_line())}


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


def shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(SHOTS / name))


def choose_by_keyboard(qtbot, combo, text: str) -> None:  # type: ignore[no-untyped-def]
    """Step through a closed choice box with the arrow keys, as a clerk does, until *text*."""
    combo.setFocus()
    start = combo.currentIndex()
    target = combo.findText(text)
    assert target >= 0
    key = Qt.Key.Key_Down if target > start else Qt.Key.Key_Up
    for _ in range(abs(target - start)):
        qtbot.keyClick(combo, key)
    assert combo.currentText() == text


# --- 管理 → 地域と町名 --------------------------------------------------------------------

def test_the_administrator_filters_the_towns_and_moves_one(qtbot, db, admin) -> None:  # type: ignore[no-untyped-def]
    dialog = DistrictsDialog(db, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 323)
    assert dialog.count.text() == "323 町名"
    assert dialog.findChild(type(dialog.count), "districtsIntro").text() == INTRO

    type_text(qtbot, dialog.search, "河辺")
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 14)
    assert all(t.startswith("河辺") for t in dialog.towns_shown())

    dialog.search.clear()
    type_text(qtbot, dialog.search, "広面")
    qtbot.waitUntil(lambda: dialog.towns_shown() == ["広面"])
    assert dialog.district_of("広面") == "東部"
    box = dialog.table.cellWidget(0, 1)
    choose_by_keyboard(qtbot, box, "中央")
    qtbot.waitUntil(lambda: dialog.message.text() == "「広面」を中央にしました。")
    settle(qtbot)
    assert districts.towns(db, admin)["広面"] == "中央"
    assert districts.suggest(db, admin, "秋田市広面字鍋沼") == "中央"
    [entry] = audit_log.search_audit(db, admin, AuditFilter(table_name="district_towns"))
    assert entry.changes["district"] == ["東部", "中央"]

    dialog.search.clear()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 323)
    dialog.resize(520, 640)
    shot(dialog, "districts_dialog.png")


def test_other_accounts_see_the_table_but_cannot_change_it(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    dialog = DistrictsDialog(db, officer)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 323)
    assert not dialog.table.cellWidget(0, 1).isEnabled()


def test_the_admin_menu_opens_the_town_table(main_window, admin) -> None:  # type: ignore[no-untyped-def]
    window = main_window(admin)
    titles = [a.text() for m in window.menuBar().actions() if m.menu()
              for a in m.menu().actions()]
    assert "地域と町名(&W)…" in titles


# --- the event form -----------------------------------------------------------------------

def open_form(qtbot, db, who) -> tuple[EventsTab, EventForm]:  # type: ignore[no-untyped-def]
    tab = EventsTab(db, who)
    qtbot.addWidget(tab)
    tab.resize(1280, 760)
    with qtbot.waitSignal(tab.list_shown), qtbot.waitSignal(tab.calendar_shown):
        tab.show()
    tab.open_new()
    qtbot.waitUntil(lambda: any(f.isVisible() for f in tab.findChildren(EventForm)))
    form = next(f for f in tab.findChildren(EventForm) if f.isVisible())
    qtbot.waitUntil(lambda: form.content.isEnabled())
    return tab, form


def test_the_event_form_suggests_the_district_from_the_venue_until_one_is_chosen(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    _tab, form = open_form(qtbot, db, officer)
    form.resize(1280, 760)
    form.venue.setCurrentIndex(form.venue.findData(facilities["kawabe"]))
    assert form.district.currentText() == "河辺"
    assert form.district_note.text() == "会場の住所からの候補"
    form.venue.setCurrentIndex(form.venue.findData(facilities["west"]))
    assert form.district.currentText() == "西部"

    form.venue.setCurrentIndex(form.venue.findData(None))  # その他の会場: the typed address
    assert form.district.currentText() == "（未設定）"
    type_text(qtbot, form.venue_name, "雄和農村環境改善センター")
    type_text(qtbot, form.venue_address, "秋田市雄和妙法字上大部")
    assert form.district.currentText() == "雄和"
    type_text(qtbot, form.title, "里山の収穫祭")
    shot(form, "event_form_district.png")

    choose_by_keyboard(qtbot, form.district, "中央")  # the clerk knows better
    assert form.district_note.text() == ""
    form.venue_address.clear()
    type_text(qtbot, form.venue_address, "潟上市天王")
    form.venue.setCurrentIndex(form.venue.findData(facilities["east"]))
    assert form.district.currentText() == "中央"  # a hand choice stays

    with qtbot.waitSignal(form.save_finished) as blocker:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    saved = next(e for e in event_svc.list_events(db, officer) if e.title == "里山の収穫祭")
    assert saved.district == "中央"
    assert event_svc.get_event(db, officer, saved.id).district == "中央"


def test_an_event_opened_again_keeps_its_district(qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], title="出張講座", district="北部")
    tab = EventsTab(db, officer)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.list_shown), qtbot.waitSignal(tab.calendar_shown):
        tab.show()
    assert tab.select_event(event.id)
    tab.open_current()
    qtbot.waitUntil(lambda: any(f.isVisible() for f in tab.findChildren(EventForm)))
    form = next(f for f in tab.findChildren(EventForm) if f.isVisible())
    qtbot.waitUntil(lambda: form.content.isEnabled())
    assert form.district.currentText() == "北部"  # not the venue's 東部
    form.venue.setCurrentIndex(form.venue.findData(facilities["west"]))
    assert form.district.currentText() == "北部"
    assert form.state().draft.district == "北部"


# --- the lists ----------------------------------------------------------------------------

def test_the_event_list_shows_and_filters_by_district(qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    make_event(db, facilities["east"], title="東部の講座", district="東部")
    make_event(db, facilities["kawabe"], title="河辺の講座", district="河辺")
    make_event(db, facilities["salon"], title="未設定の講座")
    tab = EventsTab(db, officer)
    qtbot.addWidget(tab)
    tab.resize(1280, 760)
    with qtbot.waitSignal(tab.list_shown), qtbot.waitSignal(tab.calendar_shown):
        tab.show()
    assert tab.model.rowCount() == 3
    with qtbot.waitSignal(tab.list_shown):
        tab.district.setCurrentIndex(tab.district.findData("河辺"))
    assert [tab.model.index(r, 1).data() for r in range(tab.model.rowCount())] == ["河辺の講座"]
    assert tab.model.index(0, 5).data() == "河辺"
    with qtbot.waitSignal(tab.list_shown):
        tab.district.setCurrentIndex(tab.district.findData(""))
    assert [tab.model.index(r, 1).data() for r in range(tab.model.rowCount())] == ["未設定の講座"]


def test_the_grant_list_filters_by_district(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.grants import cases as grant_cases
    from kyodo_desk.services.grants.cases import CaseDraft
    from tests.grant_fixtures import group
    from tests.ui.test_grants_tab import this_years_programme

    p = this_years_programme(db)
    north, south = group(db, "土崎の会"), group(db, "御所野の会")
    set_contact_district(db, north, "北部")
    set_contact_district(db, south, "南部")
    grant_cases.create_case(db, officer, CaseDraft(p.id, north, "港まつり"))
    grant_cases.create_case(db, officer, CaseDraft(p.id, south, "夏まつり"))
    tab = GrantsTab(db, officer)
    qtbot.addWidget(tab)
    tab.resize(1280, 760)
    with qtbot.waitSignals([tab.programme_shown, tab.list_shown]):
        tab.show()
    settle(qtbot)
    assert tab.model.rowCount() == 2
    with qtbot.waitSignal(tab.list_shown):
        tab.district_filter.setCurrentIndex(tab.district_filter.findData("南部"))
    assert [tab.model.entry(r).title for r in range(tab.model.rowCount())] == ["夏まつり"]


# --- statistics ---------------------------------------------------------------------------

def test_the_statistics_count_one_district_and_say_which(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    consultations_by_district(db, officer, facilities)
    view = ConsultationStatsView(db, officer)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    with qtbot.waitSignal(view.loaded):
        view.show()
    if view.year.currentData() != 2026:
        with qtbot.waitSignal(view.loaded):
            view.year.setCurrentIndex(view.year.findData(2026))
    assert view.summary.text() == "令和8年度 相談件数　合計 9 件"
    with qtbot.waitSignal(view.loaded):
        view.district.setCurrentIndex(view.district.findData("東部"))
    assert view.summary.text() == "令和8年度 相談件数（地域: 東部）　合計 3 件"
    with qtbot.waitSignal(view.loaded):
        view.district.setCurrentIndex(view.district.findData("不明"))
    assert view.summary.text().endswith("（地域: 不明）　合計 3 件")


def test_a_postal_code_typed_as_the_venue_address_becomes_the_address(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    _tab, form = open_form(qtbot, db, officer)
    form.venue.setCurrentIndex(form.venue.findData(None))  # その他の会場
    type_text(qtbot, form.venue_address, "〒019-260")
    assert form.venue_address.text() == "〒019-260"  # not a whole code yet
    type_text(qtbot, form.venue_address, "1")
    assert form.venue_address.text() == "秋田県秋田市河辺和田"
    assert form.district.currentText() == "河辺"  # the filled address suggests it too
    type_text(qtbot, form.venue_address, "字北條ケ崎")  # the clerk finishes it: kept
    assert form.venue_address.text() == "秋田県秋田市河辺和田字北條ケ崎"
