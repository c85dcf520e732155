"""The lottery (抽選) on screen: the event form's 「抽選にする」 with its closing day, and the
sign-up panel's applications (抽選待ち) and 「抽選する…」, driven as the clerk would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from kyodo_desk.ui.date_inputs import day_of, qdate
from kyodo_desk.ui.events import registrations_panel
from kyodo_desk.ui.events.form import EventForm
from kyodo_desk.ui.events.tab import EventsTab
from kyodo_desk.ui.pdf_preview import PdfPreview
from tests.event_fixtures import TODAY, make_event, people
from tests.ui.test_event_signups import Questions, host, open_panel, table

__all__ = ["host", "open_panel"]  # fixtures, used by name
pytestmark = pytest.mark.usefixtures("messages")

CLOSED = TODAY - timedelta(days=1)  # the lottery's closing day, passed


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    q = Questions()
    q.answers.update({"抽選結果": "public"})
    monkeypatch.setattr(registrations_panel, "ask", q)
    return q


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def _confirmation(qtbot) -> QMessageBox:  # type: ignore[no-untyped-def]
    """The 抽選 confirmation, once it is open."""
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox) and box.windowTitle() == "抽選"
    return box


def _button(box: QMessageBox, text: str) -> QAbstractButton:
    return next(b for b in box.buttons() if b.text() == text)


def _applied(db, actor, facilities, sizes: list[int]):  # type: ignore[no-untyped-def]
    """A lottery of 6 seats whose closing day passed yesterday, applied to before it."""
    event = make_event(db, facilities["east"], capacity=6, lottery_until=CLOSED,
                       title="抽選の料理教室")
    for contact, size in zip(people(db, len(sizes), prefix="応募者"), sizes, strict=True):
        sign_up(db, actor, event.id, SignUpDraft(contact, party_size=size),
                today=CLOSED - timedelta(days=1))
    return event


def test_applications_show_as_waiting_for_the_draw_and_the_draw_seats_them_from_the_panel(
        qtbot, db, actor, facilities, open_panel, questions) -> None:  # type: ignore[no-untyped-def]
    event = _applied(db, actor, facilities, [2, 3, 1, 4, 2])
    panel = open_panel(event.id, actor)
    assert {s for _n, s in table(panel, "受付番号", "状況")} == {"抽選待ち"}
    assert "抽選待ち" in panel.rule.text() and "その後に抽選" in panel.rule.text()
    assert panel.draw_button.isVisible() and panel.draw_button.isEnabled()
    panel.window().grab().save("/tmp/shots/lottery_panel_before.png")

    qtbot.mouseClick(panel.draw_button, Qt.MouseButton.LeftButton)
    confirm = _confirmation(qtbot)
    assert "申込5組12名・定員6名" in confirm.text()
    assert confirm.checkBox() is None  # after the closing day: no early draw to tick
    with qtbot.waitSignal(panel.refreshed):
        qtbot.mouseClick(_button(confirm, "抽選する"), Qt.MouseButton.LeftButton)

    [told] = questions.texts("抽選結果")
    assert told.startswith("申込5組12名・定員6名 → 当選") and "抽選の種: " in told
    statuses = [s for _n, s in table(panel, "受付番号", "状況")]
    assert "抽選待ち" not in statuses and "受付済" in statuses
    waiting = [s for s in statuses if s.startswith("キャンセル待ち")]
    assert waiting == [f"キャンセル待ち{n}番" for n in range(1, len(waiting) + 1)]
    assert not panel.draw_button.isEnabled() and "抽選済" in panel.rule.text()
    # The posting was asked for: its preview opens.
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), PdfPreview))
    preview = QApplication.activeModalWidget()
    assert preview.windowTitle().startswith("抽選結果")
    panel.window().grab().save("/tmp/shots/lottery_panel_after.png")
    preview.close()


def test_the_draw_button_waits_for_the_closing_day_and_is_absent_first_come(
        qtbot, db, actor, facilities, open_panel) -> None:  # type: ignore[no-untyped-def]
    open_lottery = make_event(db, facilities["east"], capacity=6, lottery_until=TODAY)
    panel = open_panel(open_lottery.id, actor)
    assert panel.draw_button.isVisible() and not panel.draw_button.isEnabled()
    first_come = make_event(db, facilities["east"], capacity=6, title="先着順の講座")
    with qtbot.waitSignal(panel.refreshed):
        panel.show_event(first_come.id)
    assert not panel.draw_button.isVisible()


def _open_form(qtbot, db, who, event_id: int | None = None) -> EventForm:  # type: ignore[no-untyped-def]
    tab = EventsTab(db, who)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    with qtbot.waitSignal(tab.list_shown), qtbot.waitSignal(tab.calendar_shown):
        tab.show()
    if event_id is None:
        tab.open_new()
    else:
        assert tab.select_event(event_id)
        tab.open_current()
    qtbot.waitUntil(lambda: any(f.isVisible() for f in tab.findChildren(EventForm)))
    form = next(f for f in tab.findChildren(EventForm) if f.isVisible())
    qtbot.waitUntil(lambda: form.content.isEnabled())
    return form


def test_the_event_form_keeps_a_lottery_and_its_closing_day_and_can_make_it_first_come(
        qtbot, db, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=6, lottery_until=TODAY,
                       title="抽選の料理教室")
    form = _open_form(qtbot, db, officer, event.id)
    assert form.lottery.isChecked() and form.lottery_until.isEnabled()
    assert day_of(form.lottery_until.date()) == TODAY
    form.resize(1280, 800)
    form.grab().save("/tmp/shots/lottery_event_form.png")
    form.lottery_until.setDate(qdate(TODAY + timedelta(days=2)))
    assert form.state().draft.lottery_until == TODAY + timedelta(days=2)
    qtbot.mouseClick(form.lottery, Qt.MouseButton.LeftButton)
    assert not form.lottery_until.isEnabled()
    assert form.state().draft.lottery_until is None


def test_an_officer_may_draw_before_the_closing_day_by_ticking_it_and_a_clerk_may_not(
        qtbot, db, actor, officer, facilities, open_panel) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=6, lottery_until=TODAY,
                       title="抽選の料理教室")
    for contact in people(db, 3, prefix="応募者"):
        sign_up(db, actor, event.id, SignUpDraft(contact), today=TODAY)
    clerk = open_panel(event.id, actor)
    assert clerk.draw_button.isVisible() and not clerk.draw_button.isEnabled()
    clerk.setParent(None)
    clerk.deleteLater()

    panel = open_panel(event.id, officer)
    assert panel.draw_button.isEnabled()
    qtbot.mouseClick(panel.draw_button, Qt.MouseButton.LeftButton)
    confirm = _confirmation(qtbot)
    early = confirm.checkBox()
    assert early is not None and early.text() == "締切前に抽選する" and not early.isChecked()
    assert "申込締切" in confirm.text() and "まだ過ぎていません" in confirm.text()
    draw = _button(confirm, "抽選する")
    assert not draw.isEnabled()
    confirm.grab().save("/tmp/shots/lottery_early_confirm.png")
    early.click()
    assert draw.isEnabled()
    with qtbot.waitSignal(panel.refreshed):
        qtbot.mouseClick(draw, Qt.MouseButton.LeftButton)
    statuses = [s for _n, s in table(panel, "受付番号", "状況")]
    assert statuses == ["受付済"] * 3 and "抽選済" in panel.rule.text()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), PdfPreview))
    QApplication.activeModalWidget().close()


def test_the_lottery_prints_are_offered_for_a_drawn_lottery_only(
        qtbot, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.events.lottery import draw_lottery

    first_come = make_event(db, facilities["east"], capacity=6, title="先着順の講座")
    waiting = make_event(db, facilities["east"], capacity=6, lottery_until=TODAY,
                         title="抽選前の講座")
    drawn = _applied(db, actor, facilities, [1, 2])
    draw_lottery(db, actor, drawn.id)
    tab = EventsTab(db, actor)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    with qtbot.waitSignal(tab.list_shown):
        tab.show()
    papers = ("lottery-result", "lottery-result-staff")
    for event, tip in ((first_come, "先着順のイベントです"), (waiting, "まだ抽選していません")):
        assert tab.select_event(event.id)
        for name in papers:
            assert not tab.print_actions[name].isEnabled()
            assert tab.print_actions[name].toolTip().startswith(tip)
        assert tab.print_actions["event-roster"].isEnabled()
    assert tab.select_event(drawn.id)
    assert all(tab.print_actions[name].isEnabled() for name in papers)
    tab.print_actions["lottery-result"].trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), PdfPreview))
    preview = QApplication.activeModalWidget()
    assert preview.windowTitle().startswith("抽選結果（掲示用） — 抽選の料理教室")
    preview.close()
