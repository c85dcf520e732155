"""イベント tab: the list, the month calendar and the event form, as an officer and the counter use
them."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import shiboken6
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QLabel, QTableView

from kyodo_desk.domain.dates import full_date, short_date, weekday
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import events as svc
from kyodo_desk.services.events import SessionDraft, registrations
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.conflict import Choice, VersionsDialog
from kyodo_desk.ui.events.drafts import EventFormState, state_from_json, state_to_json
from kyodo_desk.ui.events.form import EventForm
from kyodo_desk.ui.events.tab import EventsTab
from kyodo_desk.ui.pdf_preview import PdfPreview
from kyodo_desk.ui.tasks import pending_jobs
from tests.event_fixtures import make_event, people
from tests.ui.conftest import type_text

TODAY = date.today()
HELD_BACK_S = 10  # a read held back by a test is let go by then at the latest


@pytest.fixture(autouse=True)
def _answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The form's questions (restore a draft? discard on close?) answered without a box."""
    asked: list[str] = []

    def answer(parent, title, text, choices, *, default, escape):  # type: ignore[no-untyped-def]
        asked.append(title)
        return "discard"

    monkeypatch.setattr(drafted_form, "ask", answer)
    return asked


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def open_tab(qtbot, db, who: Actor) -> EventsTab:  # type: ignore[no-untyped-def]
    tab = EventsTab(db, who)
    qtbot.addWidget(tab)
    tab.resize(1280, 760)
    with qtbot.waitSignal(tab.list_shown), \
            qtbot.waitSignal(tab.calendar_shown):
        tab.show()
    return tab


def shown_titles(tab: EventsTab) -> list[str]:
    return [tab.model.index(r, 1).data() for r in range(tab.model.rowCount())]


def open_form_of(qtbot, tab: EventsTab) -> EventForm:  # type: ignore[no-untyped-def]
    """The form a background read opened (the facilities; the event to edit or copy)."""
    qtbot.waitUntil(lambda: any(f.isVisible() for f in tab.findChildren(EventForm)))
    form = next(f for f in tab.findChildren(EventForm) if f.isVisible())
    qtbot.waitUntil(lambda: form.content.isEnabled())
    return form


def save(qtbot, form: EventForm, *, stored: bool) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.save_finished) as blocker:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [stored]


def type_over(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Tab into a box (which selects what it holds) and type over it, as a clerk does."""
    window = widget.window()
    if not window.isActiveWindow():  # focus, and so the selection, needs the active window
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    assert widget.hasFocus()
    qtbot.keyClicks(widget, text)


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every background answer delivered (or dropped as stale)."""
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


def closed(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


def event_count(db) -> int:  # type: ignore[no-untyped-def]
    return len(svc.list_events(db, Actor.command_line()))


def test_an_officer_registers_a_two_session_course_through_the_form(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, officer)
    assert tab.new_button.isVisible()
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    form = open_form_of(qtbot, tab)

    form.kind.setCurrentIndex(form.kind.findData(EventKind.TSUMUGIST))
    type_text(qtbot, form.title, "つむぎすと講座 入門編")
    type_text(qtbot, form.title_reading, "つむぎすとこうざ")
    first_day = TODAY + timedelta(days=20)
    line = form.sessions.lines[0]
    line.held_on.setDate(QDate(first_day))
    type_over(qtbot, line.start, "1000")
    type_over(qtbot, line.end, "1200")
    type_text(qtbot, line.label, "第1回")
    qtbot.mouseClick(form.sessions.add_button, Qt.MouseButton.LeftButton)
    second = form.sessions.lines[1]
    # A course meets weekly: the new line is a week on, at the same times, numbered on.
    assert second.value() == SessionDraft(first_day + timedelta(weeks=1), time(10), time(12),
                                          "第2回")
    assert form.focusWidget() is second.held_on
    type_over(qtbot, form.capacity, "20")
    type_text(qtbot, form.audience, "市内在住・在勤の方")

    with qtbot.waitSignal(tab.list_shown):
        save(qtbot, form, stored=True)
    assert closed(form)
    [summary] = svc.list_events(db, officer)
    detail = svc.get_event(db, officer, summary.id)
    assert [(s.held_on, s.start_time, s.end_time, s.label) for s in detail.sessions] == [
        (first_day, time(10), time(12), "第1回"),
        (first_day + timedelta(weeks=1), time(10), time(12), "第2回")]
    assert detail.capacity == 20 and detail.kind is EventKind.TSUMUGIST

    row = tab.model.row_of(detail.id)
    assert row >= 0 and tab.current_event().id == detail.id  # type: ignore[union-attr]
    texts = [tab.model.index(row, c).data() for c in range(tab.model.columnCount())]
    assert texts[1] == "つむぎすと講座 入門編"
    assert texts[0] == (f"{full_date(first_day)}（{weekday(first_day)}）10:00"
                        f"〜{short_date(first_day + timedelta(weeks=1), with_weekday=False)}・全2回")
    assert texts[2] == "つむぎすと講座"
    assert texts[4] == "0/20名（残り20）"
    assert tab.registrations.event_id == detail.id  # its sign-ups show below


def test_the_calendar_marks_session_days_and_a_click_lists_that_days_events(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    following = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    first, second = following + timedelta(days=9), following + timedelta(days=16)
    course = make_event(db, facilities["central"], title="地域活動講座", sessions=(
        SessionDraft(first, time(10), time(12), "第1回"),
        SessionDraft(second, time(10), time(12), "第2回")))
    make_event(db, facilities["east"], title="東部センターまつり", sessions=(
        SessionDraft(following + timedelta(days=12), time(13)),))
    tab = open_tab(qtbot, db, officer)
    assert set(shown_titles(tab)) == {"地域活動講座", "東部センターまつり"}

    with qtbot.waitSignal(tab.calendar_shown):
        tab.calendar.showNextMonth()
    assert {first, second} <= set(tab.calendar.marked_days())
    assert following + timedelta(days=11) not in tab.calendar.marked_days()
    assert [e.title for e in tab.calendar.entries_on(second)] == ["地域活動講座"]

    view = tab.calendar.findChild(QTableView, "qt_calendar_calendarview")
    with qtbot.waitSignal(tab.list_shown):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=tab.calendar.cell_center(second))
    assert tab.day == second
    assert shown_titles(tab) == ["地域活動講座"]
    assert tab.current_event().id == course.id  # type: ignore[union-attr]
    assert "の開催" in tab.day_label.text() and tab.clear_day_button.isVisible()

    # A day between the course's sessions lists only what meets that day.
    with qtbot.waitSignal(tab.list_shown):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=tab.calendar.cell_center(following + timedelta(days=12)))
    assert shown_titles(tab) == ["東部センターまつり"]
    with qtbot.waitSignal(tab.list_shown):
        qtbot.mouseClick(tab.clear_day_button, Qt.MouseButton.LeftButton)
    assert tab.day is None and len(shown_titles(tab)) == 2


def test_ctrl_enter_saves_the_event_once_and_enter_in_a_field_never_does(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    stored: list[str] = []
    real = svc.create_event
    monkeypatch.setattr(svc, "create_event", lambda db_, actor_, draft: stored.append(
        draft.title) or real(db_, actor_, draft))
    tab = open_tab(qtbot, db, officer)
    tab.open_new()
    form = open_form_of(qtbot, tab)
    type_text(qtbot, form.title, "鍵盤で保存する講座")
    form.activateWindow()  # the keys reach the active window only
    qtbot.waitUntil(form.isActiveWindow)
    qtbot.keyClick(form.title, Qt.Key.Key_Return)
    assert form.isVisible() and stored == []

    with qtbot.waitSignal(tab.list_shown), qtbot.waitSignal(form.save_finished) as finished:
        qtbot.keyClick(form.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert finished.args == [True], form.summary.text()
    assert closed(form) and stored == ["鍵盤で保存する講座"]
    assert shown_titles(tab) == ["鍵盤で保存する講座"]


def test_an_end_before_the_start_is_shown_beside_the_sessions_and_nothing_is_saved(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, officer)
    tab.open_new()
    form = open_form_of(qtbot, tab)
    type_text(qtbot, form.title, "夜の交流会")
    line = form.sessions.lines[0]
    type_over(qtbot, line.start, "1800")
    type_over(qtbot, line.end, "1630")
    assert line.value().end_time == time(16, 30)

    save(qtbot, form, stored=False)
    error = form.findChild(QLabel, "error_sessions")
    assert error.isVisible() and "終了時刻 16:30" in error.text() and "開始時刻 18:00" in error.text()
    assert "border" in line.end.styleSheet() and form.focusWidget() is line.end
    assert not form.findChild(QLabel, "error_title").isVisible()
    assert form.title.text() == "夜の交流会" and form.isVisible()  # nothing typed is lost
    assert event_count(db) == 0

    type_over(qtbot, line.end, "2000")
    with qtbot.waitSignal(tab.list_shown):
        save(qtbot, form, stored=True)
    assert shown_titles(tab) == ["夜の交流会"]


def test_copy_for_next_year_opens_the_form_52_weeks_later_and_saves_nothing(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["central"], title="令和8年度 市民活動入門セミナー",
                       session_count=2)
    tab = open_tab(qtbot, db, officer)
    assert tab.select_event(event.id)
    qtbot.mouseClick(tab.copy_button, Qt.MouseButton.LeftButton)
    form = open_form_of(qtbot, tab)

    assert "コピー" in form.windowTitle() and form.record_id is None
    assert form.title.text() == "令和9年度 市民活動入門セミナー"
    assert [s.held_on for s in form.sessions.sessions()] == [
        s.held_on + timedelta(weeks=52) for s in event.sessions]
    assert [s.held_on.weekday() for s in form.sessions.sessions()] == [
        s.held_on.weekday() for s in event.sessions]
    assert event_count(db) == 1  # nothing is stored until 保存

    form.reject()
    assert closed(form) and event_count(db) == 1


def test_counter_staff_see_events_and_sign_ups_but_no_new_or_edit(
        qtbot, window, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles.index("イベント") == titles.index("相談記録") + 1
    make_event(db, facilities["east"], title="市民協働ミーティング")
    tab = window.events
    with qtbot.waitSignal(tab.list_shown):
        window.tabs.setCurrentWidget(tab)
    assert shown_titles(tab) == ["市民協働ミーティング"]
    assert not tab.new_button.isVisible()
    assert not tab.edit_button.isVisible() and not tab.copy_button.isVisible()
    assert tab.check_in_button.isVisible() and tab.check_in_button.isEnabled()
    tab.open_new()  # nothing to read: counter staff register no events
    assert tab.registrations.event_id == tab.current_event().id  # type: ignore[union-attr]

    # The keyboard: Ctrl+F to the box, typing searches, ↓ into the list, Enter: its sign-ups.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(tab.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is tab.search
    with qtbot.waitSignal(tab.list_shown):
        type_text(qtbot, tab.search, "まつり")
    assert shown_titles(tab) == []
    with qtbot.waitSignal(tab.list_shown):
        qtbot.keyClick(tab.search, Qt.Key.Key_Escape)
    assert shown_titles(tab) == ["市民協働ミーティング"]
    qtbot.keyClick(tab.search, Qt.Key.Key_Down)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is tab.registrations.table
    assert not tab.findChildren(EventForm)


def test_a_capacity_below_the_seats_taken_shows_the_services_message(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["central"], title="防災ワークショップ", capacity=10)
    for contact_id in people(db, 3):
        registrations.sign_up(db, officer, event.id,
                              registrations.SignUpDraft(contact_id=contact_id))
    tab = open_tab(qtbot, db, officer)
    assert tab.model.index(tab.model.row_of(event.id), 4).data() == "3/10名（残り7）"
    assert tab.select_event(event.id)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    form = open_form_of(qtbot, tab)
    assert form.record_id == event.id and form.capacity.value() == 10

    type_over(qtbot, form.capacity, "2")
    save(qtbot, form, stored=False)
    error = form.findChild(QLabel, "error_capacity")
    assert error.isVisible()
    assert error.text() == ("定員を2名にはできません。すでに3名の受付が確定しています"
                            "（先にキャンセルの手続きをしてください）。")
    assert form.focusWidget() is form.capacity and form.capacity.value() == 2
    assert svc.get_event(db, officer, event.id).capacity == 10


def test_the_events_papers_are_previewed_and_its_sign_ups_written_to_excel(
        qtbot, db, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["central"], title="市民活動入門セミナー")
    for contact_id in people(db, 2, prefix="申込者"):
        registrations.sign_up(db, officer, event.id,
                              registrations.SignUpDraft(contact_id=contact_id))
    tab = open_tab(qtbot, db, officer)
    assert tab.current_event().id == event.id  # type: ignore[union-attr]
    assert list(tab.print_actions) == ["event-flyer", "event-roster", "event-sign-in",
                                       "event-badges", "lottery-result", "lottery-result-staff"]

    tab.print_actions["event-roster"].trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(tab, "preview", None), PdfPreview)
                    and tab.preview.isVisible())
    preview = tab.preview
    assert preview.pdf.startswith(b"%PDF") and preview.document.pageCount() >= 1
    assert "参加者名簿" in preview.windowTitle()
    preview.save_pdf(tmp_path / "名簿.pdf")  # the 印刷物 tab's own saving
    assert (tmp_path / "名簿.pdf").read_bytes() == preview.pdf
    preview.close()

    target = tmp_path / "参加者一覧.xlsx"
    tab.export_participants(target)
    qtbot.waitUntil(lambda: target.exists() and tab.export_button.isEnabled())
    cells = {c.value for row in load_workbook(target).active.iter_rows() for c in row}
    assert {"申込者001", "申込者002"} <= cells


def test_choosing_a_day_shows_its_month_on_the_calendar(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    later = (TODAY.replace(day=1) + timedelta(days=70)).replace(day=15)
    make_event(db, facilities["central"], title="春の交流会", sessions=(SessionDraft(later),))
    tab = open_tab(qtbot, db, officer)
    with qtbot.waitSignal(tab.list_shown), \
            qtbot.waitSignal(tab.calendar_shown):
        tab.choose_day(later)
    assert tab.calendar.shown_month() == (later.year, later.month)
    assert tab.calendar.marked_days() == [later]
    assert shown_titles(tab) == ["春の交流会"]


def test_a_change_saved_at_another_counter_first_shows_both_versions(
        qtbot, db, officer, admin, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["central"], title="市民活動フェスタ", capacity=40)
    tab = open_tab(qtbot, db, officer)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    form = open_form_of(qtbot, tab)
    type_over(qtbot, form.capacity, "60")
    theirs = svc.get_event(db, admin, event.id)  # the other counter saves first
    svc.update_event(db, admin, event.id, theirs.version,
                     replace(theirs.as_draft(), capacity=50, audience="どなたでも"))

    shown: list[list[tuple[str, ...]]] = []

    def choose(choice: Choice):  # type: ignore[no-untyped-def]
        def exec_(dialog) -> int:  # type: ignore[no-untyped-def]
            shown.append([tuple(dialog.table.item(r, c).text() for c in range(3))
                          for r in range(dialog.table.rowCount())])
            dialog.choice = choice
            return 1
        return exec_

    monkeypatch.setattr(VersionsDialog, "exec", choose(Choice.KEEP_EDITING))
    save(qtbot, form, stored=False)
    # The event was saved without a よみ: the form's suggestion is part of what saving stores.
    assert shown[-1] == [("よみ", "シミンカツドウフェスタ", ""), ("定員", "60名", "50名"),
                         ("対象", "", "どなたでも")]
    assert form.capacity.value() == 60  # what was typed stays

    monkeypatch.setattr(VersionsDialog, "exec", choose(Choice.SAVE_MINE))
    save(qtbot, form, stored=True)
    assert svc.get_event(db, officer, event.id).capacity == 60


def test_what_was_typed_is_kept_as_a_draft_and_offered_back(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    answers = {"入力内容の確認": "keep", "入力途中の内容": "restore"}
    monkeypatch.setattr(drafted_form, "ask", lambda _parent, title, *_a, **_k: answers[title])
    tab = open_tab(qtbot, db, officer)
    tab.open_new()
    form = open_form_of(qtbot, tab)
    type_text(qtbot, form.title, "秋の地域講座")
    type_over(qtbot, form.sessions.lines[0].start, "1330")
    qtbot.mouseClick(form.sessions.add_button, Qt.MouseButton.LeftButton)
    form.opens.setChecked(True)
    form.reject()  # Esc: 下書きを残して閉じる
    assert closed(form) and event_count(db) == 0

    tab.open_new()
    again = open_form_of(qtbot, tab)
    assert again.title.text() == "秋の地域講座"
    assert [s.start_time for s in again.sessions.sessions()] == [time(13, 30), time(13, 30)]
    assert again.opens.isChecked() and again.opens_on.isEnabled()


def test_a_slow_answer_to_an_older_search_never_replaces_the_newer_one(
        qtbot, db, officer, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    make_event(db, facilities["central"], title="防災ワークショップ")
    make_event(db, facilities["east"], title="子ども食堂交流会")
    tab = open_tab(qtbot, db, officer)
    let_go = threading.Event()
    listed = svc.list_events

    def list_events(*args, query: str = "", **kwargs):  # type: ignore[no-untyped-def]
        if query == "防災":  # this search's answer is held back
            let_go.wait(HELD_BACK_S)
        return listed(*args, query=query, **kwargs)

    monkeypatch.setattr(svc, "list_events", list_events)
    try:
        tab.search.setText("防災")
        tab.refresh()
        with qtbot.waitSignal(tab.list_shown):
            tab.search.setText("子ども")  # the box changed while the last search ran
            tab.refresh()
        assert shown_titles(tab) == ["子ども食堂交流会"]
    finally:
        let_go.set()
    settle(qtbot)
    assert shown_titles(tab) == ["子ども食堂交流会"]
    assert tab.count.text() == "1 件"


def test_asked_twice_before_the_event_is_read_only_the_last_form_opens(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["central"], title="市民活動入門セミナー")
    tab = open_tab(qtbot, db, officer)
    assert tab.select_event(event.id)
    tab.open_current()  # Enter on the event …
    tab.open_new()  # … and Ctrl+N before its form could open
    form = open_form_of(qtbot, tab)
    settle(qtbot)
    assert [f for f in tab.findChildren(EventForm) if f.isVisible()] == [form]
    assert form.record_id is None and form.windowTitle() == "イベントの登録"
    # The facilities were read for it, off the GUI thread, before it was built.
    names = [form.facility.itemText(i) for i in range(form.facility.count())]
    assert len(names) == len(facilities) and form.venue.count() == len(facilities) + 1
    form.reject()


# --- numbers as typed ---------------------------------------------------------------------

def error_of(form: EventForm, field: str) -> str:
    return form.errors.message(field)


def retype(qtbot, box, text: str) -> None:  # type: ignore[no-untyped-def]
    """Over what a box holds, where the cursor may already be (a refused save put it there)."""
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)


def test_numbers_are_kept_as_typed_and_a_number_that_cannot_be_stored_is_refused_under_it(
        qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, officer)
    tab.open_new()
    form = open_form_of(qtbot, tab)
    # What a number box shows when empty is what empty means.
    assert (form.capacity.text(), form.capacity.placeholderText()) == ("", "定員なし")
    assert (form.fee.text(), form.fee.placeholderText()) == ("", "無料")
    type_text(qtbot, form.title, "市民活動入門セミナー")
    type_over(qtbot, form.capacity, "100000")
    type_over(qtbot, form.fee, "1500.5")
    type_over(qtbot, form.hold_hours, "abc")

    save(qtbot, form, stored=False)
    assert (form.capacity.text(), form.fee.text(), form.hold_hours.text()) == (
        "100000", "1500.5", "abc")  # not 10000, not 15,005円
    assert error_of(form, "capacity") == "定員は1〜10,000名の範囲で入力してください。"
    assert error_of(form, "fee") == "参加費は整数で入力してください（小数は使えません）。"
    assert error_of(form, "offer_hold_hours") == (
        "繰り上げの回答期限（時間）は数字で入力してください（「abc」は数として読めません）。")
    assert all("border" in box.styleSheet() for box in (form.capacity, form.fee, form.hold_hours))
    assert form.focusWidget() is form.capacity  # the first in form order
    assert error_of(form, "title") == "" and form.isVisible()
    assert event_count(db) == 0

    retype(qtbot, form.capacity, "0")  # 0 is not 定員なし: that is an empty box
    retype(qtbot, form.fee, "1,500")
    retype(qtbot, form.hold_hours, "24")
    save(qtbot, form, stored=False)
    assert form.capacity.text() == "0"
    assert error_of(form, "capacity") == "定員は1〜10,000名の範囲で入力してください。"
    assert error_of(form, "fee") == "" and "border" not in form.fee.styleSheet()
    assert event_count(db) == 0

    form.capacity.clear()  # 定員なし
    with qtbot.waitSignal(tab.list_shown):
        save(qtbot, form, stored=True)
    [summary] = svc.list_events(db, officer)
    stored = svc.get_event(db, officer, summary.id)
    assert (stored.capacity, stored.fee, stored.offer_hold_hours) == (None, 1500, 24)


def test_a_free_event_without_a_capacity_opens_with_empty_boxes_and_saves_unchanged(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["central"], title="子ども食堂交流会", capacity=None)
    assert event.fee == 0
    tab = open_tab(qtbot, db, officer)
    assert tab.select_event(event.id)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    form = open_form_of(qtbot, tab)
    assert (form.capacity.text(), form.fee.text()) == ("", "")  # 定員なし, 無料
    assert not form.is_dirty()
    form.fee.setFocus()
    type_text(qtbot, form.fee, "３００円")  # as the IME gives it
    save(qtbot, form, stored=True)
    stored = svc.get_event(db, officer, event.id)
    assert (stored.capacity, stored.fee) == (None, 300)


def test_a_number_that_cannot_be_stored_comes_back_from_the_draft_as_typed(
        qtbot, db, officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Never as an empty box, which would read 無料 or 定員なし."""
    answers = {"入力内容の確認": "keep", "入力途中の内容": "restore"}
    monkeypatch.setattr(drafted_form, "ask", lambda _parent, title, *_a, **_k: answers[title])
    tab = open_tab(qtbot, db, officer)
    tab.open_new()
    form = open_form_of(qtbot, tab)
    type_text(qtbot, form.title, "秋の地域講座")
    type_over(qtbot, form.capacity, "0")
    type_over(qtbot, form.fee, "1500.5")
    assert form.is_dirty()
    form.reject()  # Esc: 下書きを残して閉じる
    assert closed(form) and event_count(db) == 0

    tab.open_new()
    again = open_form_of(qtbot, tab)
    assert (again.title.text(), again.capacity.text(), again.fee.text()) == (
        "秋の地域講座", "0", "1500.5")
    save(qtbot, again, stored=False)
    assert "小数" in error_of(again, "fee") and event_count(db) == 0


def test_a_draft_kept_before_the_update_shows_its_numbers_as_typed() -> None:
    """Such a draft kept the text in the number's own field; it still reads as typed, and the
    event in it carries numbers only."""
    kept = state_to_json(EventFormState(svc.EventDraft(
        kind=EventKind.SEMINAR, title="秋の地域講座", facility_id=1,
        sessions=(SessionDraft(date(2026, 12, 4)),))))
    kept["draft"] |= {"capacity": "0", "fee": "1500.5"}
    del kept["numbers_typed"]
    state = state_from_json(kept)
    assert state.numbers_typed == {"capacity": "0", "fee": "1500.5"}
    assert (state.draft.capacity, state.draft.fee) == (None, 0)
    assert state_from_json(state_to_json(state)) == state
