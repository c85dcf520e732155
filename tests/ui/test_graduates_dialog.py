"""つむぎすと講座 in the window (issue 20, items 5 and 6): the completion rule and 期生 in the
event form, 所属の区分 in the sign-up dialog (asked first for a 市民協働ミーティング), and the
修了者 dialog with the course's completers, the 修了者名簿 and the 修了証."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import Sector
from kyodo_desk.services import events as svc
from kyodo_desk.services.events import registrations
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.events.graduates_dialog import GraduatesDialog, table_texts
from kyodo_desk.ui.events.signup_dialog import SignUpDialog
from kyodo_desk.ui.pdf_preview import PdfPreview
from tests.services.test_course_completion import CLI, add_course, attend, group, person
from tests.ui.conftest import type_text
from tests.ui.test_events_tab import open_form_of, open_tab, save, settle, type_over

TODAY = date.today()
SHOTS = Path("/tmp/shots")


def shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(SHOTS / f"h8-{name}.png"))


@pytest.fixture(autouse=True)
def _answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


# --- the event form -----------------------------------------------------------------------

def test_the_form_asks_the_rule_and_cohort_of_a_course_only(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, officer)
    tab.resize(1280, 800)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    form = open_form_of(qtbot, tab)
    assert not form.completion.isVisibleTo(form)  # a seminar has no 修了
    form.kind.setCurrentIndex(form.kind.findData(EventKind.TSUMUGIST))
    assert form.completion.isVisibleTo(form) and form.cohort.isVisibleTo(form)
    type_text(qtbot, form.title, "つむぎすと養成講座")
    line = form.sessions.lines[0]
    line.held_on.setDate(QDate(TODAY + timedelta(days=20)))
    qtbot.mouseClick(form.sessions.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.sessions.add_button, Qt.MouseButton.LeftButton)
    type_over(qtbot, form.completion, "4")  # more than the three sessions
    type_over(qtbot, form.cohort, "3")
    save(qtbot, form, stored=False)
    problem = form.errors.lines["completion_sessions"]
    assert problem.isVisible() and "1～3回" in problem.text()
    shot(form, "event-form")
    form.completion.clear()
    type_over(qtbot, form.completion, "2")
    with qtbot.waitSignal(tab.list_shown):
        save(qtbot, form, stored=True)
    [summary] = svc.list_events(db, officer)
    saved = svc.get_event(db, officer, summary.id)
    assert (saved.completion_sessions, saved.cohort) == (2, 3)


# --- the sign-up dialog -------------------------------------------------------------------

def test_a_meeting_asks_the_sector_first_and_keeps_it(qtbot, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    meeting = add_course(db, facilities["east"], start=TODAY + timedelta(days=5), sessions=1,
                         required=None, cohort=None, title="市民協働ミーティング",
                         kind=EventKind.MEETING)
    person(db, "秋田 一郎", "あきた いちろう")
    dialog = SignUpDialog(db, actor, svc.get_event(db, actor, meeting.id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitActive(dialog)
    picker = dialog.picker
    picker.search.setFocus()
    with qtbot.waitSignal(picker.search_finished):
        type_text(qtbot, picker.search, "秋田")
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.candidates, Qt.Key.Key_Return)
    assert dialog.sector.hasFocus()  # asked first
    dialog.sector.setCurrentIndex(dialog.sector.findData(Sector.COMPANY.value))
    assert dialog.sector.currentText() == "企業"
    shot(dialog, "signup-meeting")
    with qtbot.waitSignal(dialog.save_finished) as finished:
        qtbot.keyClick(dialog.party, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert finished.args == [True]
    [signed] = registrations.list_registrations(db, actor, meeting.id)
    assert signed.sector == "company"


def test_a_seminar_offers_the_sector_after_the_notes(qtbot, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    seminar = add_course(db, facilities["east"], start=TODAY + timedelta(days=5), sessions=1,
                         required=None, cohort=None, kind=EventKind.SEMINAR)
    dialog = SignUpDialog(db, actor, svc.get_event(db, actor, seminar.id))
    qtbot.addWidget(dialog)
    assert not dialog.sector_first
    assert dialog.sector.currentText() == "（回答なし）"
    assert dialog.draft().sector == ""


# --- the 修了者 dialog ---------------------------------------------------------------------

@pytest.fixture
def courses(db, facilities):  # type: ignore[no-untyped-def]
    f = facilities["east"]
    second = add_course(db, f, start=TODAY - timedelta(weeks=5), sessions=4, required=3,
                        cohort=2, title="つむぎすと養成講座 第2期")
    first = add_course(db, f, start=TODAY - timedelta(weeks=60), sessions=3, required=2,
                       cohort=1, title="つむぎすと養成講座 第1期")
    seminar = add_course(db, f, start=TODAY + timedelta(days=3), sessions=1, required=None,
                         cohort=None, title="市民活動入門セミナー", kind=EventKind.SEMINAR)
    joined = group(db, "川反まちづくりの会")  # joined after the course: listed
    attend(db, second, person(db, "秋田 一郎", "あきた いちろう", district="東部",
                              groups=(joined,)), 4)
    attend(db, second, person(db, "湯沢 四郎", "ゆざわ しろう", district="南部"), 3,
           sector=Sector.GOVERNMENT)
    attend(db, second, person(db, "能代 二葉", "のしろ ふたば"), 2)
    attend(db, first, person(db, "横手 三太", "よこて さんた", district="中央"), 2)
    return {"second": second, "first": first, "seminar": seminar}


def test_the_graduates_button_shows_for_a_course_and_opens_its_completers(
        qtbot, db, officer, courses, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, db, officer)
    tab.period.setCurrentIndex(3)  # すべて
    qtbot.waitUntil(lambda: tab.model.row_of(courses["first"].id) >= 0)
    assert tab.select_event(courses["seminar"].id)
    assert not tab.graduates_button.isVisible()
    assert tab.select_event(courses["second"].id)
    assert tab.graduates_button.isVisible()
    tab.resize(1280, 800)
    shot(tab, "events-tab")

    qtbot.mouseClick(tab.graduates_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(GraduatesDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.course_model.rowCount() == 3
                    and dialog.registry_model.rowCount() == 3)
    course = table_texts(dialog.course_table)
    assert [row[:5] for row in course] == [
        ["修了", "秋田 一郎", "あきた いちろう", "", "4/4回"],
        ["修了", "湯沢 四郎", "ゆざわ しろう", "市職員", "3/4回"],
        ["", "能代 二葉", "のしろ ふたば", "", "2/4回"]]
    assert course[2][5:] == ["○", "○", "", ""]  # the sessions attended
    assert "全4回のうち3回以上の出席で修了。修了者 2名" in dialog.rule.text()
    assert dialog.certificates_button.isEnabled()
    dialog.resize(1100, 640)
    shot(dialog, "graduates-course")

    dialog.tabs.setCurrentIndex(1)
    registry = table_texts(dialog.registry_table)
    assert [(r[0], r[1], r[3], r[4], r[8]) for r in registry] == [
        ("第1期生", "横手 三太", "中央", "", ""),
        ("第2期生", "秋田 一郎", "東部", "", "川反まちづくりの会"),
        ("第2期生", "湯沢 四郎", "南部", "市職員", "")]
    qtbot.waitUntil(lambda: dialog.cohort.count() == 3)
    with qtbot.waitSignal(dialog.registry_shown):
        dialog.cohort.setCurrentIndex(dialog.cohort.findData(1))
    assert [r[1] for r in table_texts(dialog.registry_table)] == ["横手 三太"]
    assert dialog.registry_count.text() == "1 名"
    with qtbot.waitSignal(dialog.registry_shown):
        dialog.cohort.setCurrentIndex(0)
    dialog.resize(1100, 640)
    shot(dialog, "graduates-registry")

    dialog.tabs.setCurrentIndex(0)
    qtbot.mouseClick(dialog.certificates_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.preview.isVisible())
    preview = dialog.preview
    assert isinstance(preview, PdfPreview)
    assert preview.document.pageCount() == 2  # one certificate a completer
    assert preview.file_name == "修了証_つむぎすと養成講座 第2期.pdf"
    preview.close()
    dialog.close()
    settle(qtbot)


def test_a_new_attendance_elsewhere_updates_the_open_dialog(
        qtbot, db, officer, courses) -> None:  # type: ignore[no-untyped-def]
    dialog = GraduatesDialog(db, officer, courses["second"].id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.course_model.rowCount() == 3)
    assert len(dialog.found.completers) == 2  # type: ignore[union-attr]
    [late] = [r for r in registrations.list_registrations(db, CLI, courses["second"].id)
              if r.contact_name == "能代 二葉"]
    from kyodo_desk.services.events.checkin import check_in
    from kyodo_desk.ui.operations import data_changes

    check_in(db, CLI, late.id, courses["second"].sessions[3].id)
    with qtbot.waitSignal(dialog.course_shown):
        data_changes().changed.emit(frozenset({"attendances"}))
    assert len(dialog.found.completers) == 3  # type: ignore[union-attr]
    assert QApplication.instance() is not None
