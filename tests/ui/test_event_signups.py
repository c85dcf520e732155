"""Event sign-ups at the counter and check-in at the door, driven as the clerk would."""

from __future__ import annotations

import gc
import threading
from datetime import timedelta

import pytest
import shiboken6
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QInputDialog, QVBoxLayout, QWidget
from sqlalchemy import func, select

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Attendance, Registration
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services.events import checkin
from kyodo_desk.services.events.checkin import CheckInOutcome, CheckInResult, check_in
from kyodo_desk.services.events.registrations import SignUpDraft, list_registrations, sign_up
from kyodo_desk.ui.events import registrations_panel, signup_dialog
from kyodo_desk.ui.events.checkin_dialog import OUTCOME_COLOURS, CheckInDialog
from kyodo_desk.ui.events.registrations_panel import RegistrationsPanel
from kyodo_desk.ui.events.signup_dialog import SignUpDialog
from kyodo_desk.ui.operations import data_changes
from kyodo_desk.ui.tasks import pending_jobs
from tests.event_fixtures import TODAY, make_event, person
from tests.ui.conftest import type_text

HELD_BACK_S = 10  # a call held back by a test is let go by then at the latest


# --- fixtures and helpers ----------------------------------------------------------------

def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every background result delivered, so nothing calls back into a deleted widget."""
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


class Questions:
    """Stands in for the questions (ask): records them and answers as told, by title."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.answers = {"申込を受け付けました": "close", "申込のキャンセル": "cancel",
                        "同じ方かもしれません": "another", "受付期間外": "override",
                        "入力内容の確認": "discard", "欠席の記録": "mark"}

    def __call__(self, parent, title, text, choices, *, default, escape):  # type: ignore[no-untyped-def]
        self.asked.append((title, text))
        answer = self.answers[title]
        assert answer in [key for key, _label in choices]
        return answer

    def texts(self, title: str) -> list[str]:
        return [text for t, text in self.asked if t == title]


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    q = Questions()
    monkeypatch.setattr(registrations_panel, "ask", q)
    monkeypatch.setattr(signup_dialog, "ask", q)
    return q


pytestmark = pytest.mark.usefixtures("messages")  # message boxes recorded, never blocking


@pytest.fixture
def host(qtbot):  # type: ignore[no-untyped-def]
    """A plain window holding the panel, as the events tab will."""
    widget = QWidget()
    QVBoxLayout(widget)
    widget.resize(1240, 560)
    qtbot.addWidget(widget)
    yield widget
    settle(qtbot)
    widget.close()
    widget.deleteLater()
    gc.collect()


@pytest.fixture
def open_panel(qtbot, host, db):  # type: ignore[no-untyped-def]
    def make(event_id: int, who) -> RegistrationsPanel:  # type: ignore[no-untyped-def]
        panel = RegistrationsPanel(db, who)
        host.layout().addWidget(panel)
        host.show()
        with qtbot.waitSignal(panel.refreshed):
            panel.show_event(event_id)
        return panel
    return make


def column(panel: RegistrationsPanel, title: str) -> int:
    return panel.model.columns.index(title)


def table(panel: RegistrationsPanel, *titles: str) -> list[tuple[str, ...]]:
    """The list as it reads on screen, in the named columns."""
    columns = [column(panel, t) for t in titles]
    return [tuple(panel.model.index(r, c).data() for c in columns)
            for r in range(panel.model.rowCount())]


def row_of(panel: RegistrationsPanel, name: str) -> int:
    names = [panel.model.index(r, 1).data() for r in range(panel.model.rowCount())]
    return names.index(name)


def open_sign_up(qtbot, panel: RegistrationsPanel) -> SignUpDialog:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(panel.sign_up_button, Qt.MouseButton.LeftButton)
    dialog = QApplication.activeModalWidget() or panel.findChild(SignUpDialog)
    assert isinstance(dialog, SignUpDialog)
    qtbot.waitActive(dialog)
    return dialog


def choose_contact(qtbot, dialog: SignUpDialog, typed: str) -> None:  # type: ignore[no-untyped-def]
    """Type part of the name, ↓ into the candidates, Enter on the first: focus moves on."""
    picker = dialog.picker
    picker.search.setFocus()
    with qtbot.waitSignal(picker.search_finished):
        type_text(qtbot, picker.search, typed)
    assert picker.candidate_names(), typed
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.candidates, Qt.Key.Key_Return)
    assert dialog.party.hasFocus()


def save(qtbot, dialog: SignUpDialog, *, stored: bool) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.save_finished) as blocker:
        qtbot.keyClick(dialog.party, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [stored]


def sign_up_through_dialog(qtbot, panel: RegistrationsPanel, typed: str,  # type: ignore[no-untyped-def]
                           party: int = 1) -> None:
    dialog = open_sign_up(qtbot, panel)
    choose_contact(qtbot, dialog, typed)
    dialog.party.setValue(party)
    with qtbot.waitSignal(panel.refreshed):
        save(qtbot, dialog, stored=True)


def closed(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


def stored_sign_ups(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(Registration))


def attendances(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(Attendance))


# --- the sign-up panel and dialog --------------------------------------------------------

def test_signing_up_until_full_puts_the_next_on_the_waitlist(
        qtbot, open_panel, db, actor, facilities, questions) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=3)
    person(db, "秋田 一郎", reading="あきた いちろう", phone="018-888-1111")
    person(db, "能代 二葉", reading="のしろ ふたば", phone="018-888-2222")
    person(db, "横手 三太", reading="よこて さんた", phone="018-888-3333")
    panel = open_panel(event.id, actor)
    assert panel.seats.text() == "席: 0/3名（残り3）"
    assert "受付順（先頭の組が入るまで待つ）" in panel.rule.text()

    sign_up_through_dialog(qtbot, panel, "あきた")
    sign_up_through_dialog(qtbot, panel, "のしろ", party=2)
    assert panel.seats.text() == "席: 3/3名（残り0）"
    sign_up_through_dialog(qtbot, panel, "0188883333")  # the phone finds her too

    said = questions.texts("申込を受け付けました")
    assert "受付済です（残り2席）" in said[0] and "受付済です（残り0席）" in said[1]
    assert "満席のため、キャンセル待ち1番目で受け付けました" in said[2]
    assert table(panel, "受付番号", "氏名・団体名", "人数", "状況") == [
        ("1", "秋田 一郎", "1名", "受付済"),
        ("2", "能代 二葉", "2名", "受付済"),
        ("3", "横手 三太", "1名", "キャンセル待ち1番"),
    ]
    assert panel.seats.text() == "席: 3/3名（残り0）・キャンセル待ち1組"
    assert panel.selected() is not None and panel.selected().contact_name == "横手 三太"
    assert stored_sign_ups(db) == 3


def test_cancelling_a_confirmed_sign_up_names_whom_to_call(
        qtbot, open_panel, db, actor, facilities, messages) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=2)
    first = sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎"), 2)).registration
    sign_up(db, actor, event.id, SignUpDraft(person(db, "横手 三太", phone="0188883333")))
    panel = open_panel(event.id, actor)
    assert not panel.awaiting.isVisible()

    panel.table.selectRow(row_of(panel, "秋田 一郎"))
    assert panel.selected().id == first.id
    with (qtbot.waitSignal(panel.refreshed),
          qtbot.waitSignal(data_changes().changed) as told):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)

    kind, text = messages[-1]
    assert kind == "information"
    assert "秋田 一郎さんの申込をキャンセルしました" in text
    assert "連絡してください: 横手 三太（1名・018-888-3333）" in text
    assert "全員繰り上がりました" in text
    assert "registrations" in told.args[0]  # the tab's seat column and every other view follow
    rows = dict(table(panel, "氏名・団体名", "状況"))
    assert rows["秋田 一郎"] == "キャンセル"
    assert rows["横手 三太"].startswith("受付済・連絡待ち（") and rows["横手 三太"].endswith("まで）")
    assert panel.awaiting.isVisible()
    assert "横手 三太（1名・018-888-3333）" in panel.awaiting.text()

    # The call is made: 参加. The highlight goes, the seat stays.
    panel.table.selectRow(row_of(panel, "横手 三太"))
    assert panel.accept_button.isEnabled() and panel.decline_button.isEnabled()
    with qtbot.waitSignal(panel.refreshed):
        qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    assert dict(table(panel, "氏名・団体名", "状況"))["横手 三太"] == "受付済"
    assert not panel.awaiting.isVisible() and not panel.accept_button.isEnabled()


def test_a_second_sign_up_of_the_same_contact_is_refused_and_adds_no_row(
        qtbot, open_panel, db, actor, facilities, messages) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    person(db, "秋田 一郎", reading="あきた いちろう")
    panel = open_panel(event.id, actor)
    sign_up_through_dialog(qtbot, panel, "秋田")

    dialog = open_sign_up(qtbot, panel)
    choose_contact(qtbot, dialog, "秋田")
    dialog.notes.setPlainText("車いすで来場")
    save(qtbot, dialog, stored=False)
    assert messages[-1][0] == "warning"
    assert "秋田 一郎さんは、このイベントにすでに申込があります（受付番号 1・受付済）" in messages[-1][1]
    assert dialog.isVisible()  # the clerk reads it; nothing typed is lost
    assert dialog.notes.toPlainText() == "車いすで来場"
    assert "すでに申込があります" in dialog.errors.message("contact_id")  # under 申込者
    settle(qtbot)
    assert panel.model.rowCount() == 1 and stored_sign_ups(db) == 1


def test_a_similar_name_is_asked_about_and_taken_as_another_person(
        qtbot, open_panel, db, actor, facilities, questions) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    person(db, "佐藤 花子", reading="さとう はなこ", phone="018-862-1111")
    person(db, "佐藤　花子", reading="サトウ ハナコ", phone="018-863-2222")
    panel = open_panel(event.id, actor)
    sign_up_through_dialog(qtbot, panel, "0188621111")
    sign_up_through_dialog(qtbot, panel, "0188632222")
    assert "別の方であることを確かめてから" in questions.texts("同じ方かもしれません")[0]
    assert panel.model.rowCount() == 2 and stored_sign_ups(db) == 2


def test_outside_the_window_only_an_officer_may_accept(
        qtbot, open_panel, db, accounts_by_login, facilities, messages,
        questions) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], signup_opens_on=TODAY + timedelta(days=3))
    person(db, "秋田 一郎", reading="あきた いちろう")
    panel = open_panel(event.id, accounts_by_login["staff"])
    dialog = open_sign_up(qtbot, panel)
    assert dialog.window_note.isVisible() and "協働担当のアカウントでのみ" in dialog.window_note.text()
    choose_contact(qtbot, dialog, "あきた")
    save(qtbot, dialog, stored=False)
    assert messages[-1][0] == "warning" and "受付期間外です" in messages[-1][1]
    assert questions.texts("受付期間外") == [] and stored_sign_ups(db) == 0
    qtbot.keyClick(dialog.party, Qt.Key.Key_Escape)  # the clerk gives up
    assert questions.texts("入力内容の確認") and closed(dialog)

    officer = open_panel(event.id, accounts_by_login["officer"])
    sign_up_through_dialog(qtbot, officer, "あきた")
    assert "期間外でも受け付けますか" in questions.texts("受付期間外")[0]
    assert stored_sign_ups(db) == 1


def test_the_sign_ups_of_an_event_no_longer_chosen_never_appear(
        qtbot, open_panel, db, actor, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎")))
    panel = open_panel(event.id, actor)
    assert panel.model.rowCount() == 1
    let_go = threading.Event()
    loaded = registrations_panel.load_sign_ups

    def held_back(*args):  # type: ignore[no-untyped-def]
        let_go.wait(HELD_BACK_S)
        return loaded(*args)

    monkeypatch.setattr(registrations_panel, "load_sign_ups", held_back)
    try:
        panel.refresh()  # read again (something changed at another counter) …
        panel.show_event(None)  # … while the tab's list comes to choose no event
    finally:
        let_go.set()
    settle(qtbot)
    assert panel.model.rowCount() == 0 and panel.detail is None
    assert panel.title.text() == "イベントを選ぶと、申込の一覧が表示されます。"
    assert not panel.sign_up_button.isEnabled()


def test_only_the_last_name_looked_up_fills_the_candidates(
        qtbot, open_panel, db, actor, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    person(db, "秋田 一郎", reading="あきた いちろう")
    person(db, "能代 二葉", reading="のしろ ふたば")
    panel = open_panel(event.id, actor)
    picker = open_sign_up(qtbot, panel).picker
    let_go = threading.Event()
    searched = contact_svc.search_contacts

    def search(db_, actor_, query, **kwargs):  # type: ignore[no-untyped-def]
        if query == "あきた":  # this lookup's answer is held back
            let_go.wait(HELD_BACK_S)
        return searched(db_, actor_, query, **kwargs)

    monkeypatch.setattr(contact_svc, "search_contacts", search)
    try:
        picker.search.setText("あきた")
        picker.search_now()  # Enter: no waiting for a pause in the typing
        with qtbot.waitSignal(picker.search_finished):
            picker.search.setText("のしろ")  # typed over before the answer came
            picker.search_now()
        assert picker.candidate_names() == ["能代 二葉"]
    finally:
        let_go.set()
    settle(qtbot)
    assert picker.candidate_names() == ["能代 二葉"]


def test_someone_not_in_the_contacts_is_registered_from_the_dialog_and_signed_up(
        qtbot, open_panel, db, actor, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.contacts.form import ContactForm

    event = make_event(db, facilities["east"])
    panel = open_panel(event.id, actor)
    dialog = open_sign_up(qtbot, panel)
    picker = dialog.picker
    picker.search.setFocus()
    with qtbot.waitSignal(picker.search_finished):
        type_text(qtbot, picker.search, "大館 三郎")
    assert picker.note.text() == "該当する連絡先はありません。「新しく登録…」で登録できます。"
    named: list[str] = []

    def fill_in(form: ContactForm) -> int:
        named.append(form.name.text())  # what was typed is carried over as the name
        form.reading.setText("おおだて さぶろう")
        form.save()
        qtbot.waitUntil(lambda: form.saved is not None)  # in the background
        return form.result()

    monkeypatch.setattr(ContactForm, "exec", fill_in)
    assert picker.new_button is not None
    qtbot.mouseClick(picker.new_button, Qt.MouseButton.LeftButton)
    assert named == ["大館 三郎"] and dialog.party.hasFocus()  # chosen: on to 人数
    assert picker.note.text() == "申込者: 大館 三郎　（個人・おおだて さぶろう）"
    with qtbot.waitSignal(panel.refreshed):
        save(qtbot, dialog, stored=True)
    assert "大館 三郎" in [name for (name,) in table(panel, "氏名・団体名")]


def test_the_receipt_of_the_selected_sign_up_is_shown_for_printing(
        qtbot, open_panel, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎")))
    panel = open_panel(event.id, actor)
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.receipt_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(panel, "last_preview", None) is not None)
    preview = panel.last_preview
    assert preview.isVisible() and preview.pdf.startswith(b"%PDF")
    assert preview.document.pageCount() == 1
    preview.close()


def test_after_the_event_the_absent_are_recorded_as_no_shows(
        qtbot, open_panel, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], days=-1)
    late = Actor.command_line()  # the window is closed: the sign-ups came in before it was
    came = sign_up(db, late, event.id, SignUpDraft(person(db, "秋田 一郎")),
                   override_window=True).registration
    sign_up(db, late, event.id, SignUpDraft(person(db, "能代 二葉")), override_window=True)
    check_in(db, actor, came.id, event.sessions[0].id)
    panel = open_panel(event.id, actor)
    assert panel.no_show_button.isEnabled()
    with qtbot.waitSignal(panel.refreshed):
        qtbot.mouseClick(panel.no_show_button, Qt.MouseButton.LeftButton)
    assert table(panel, "氏名・団体名", "状況", "出席") == [
        ("秋田 一郎", "出席", "○"), ("能代 二葉", "欠席", "")]
    assert "1件の申込を欠席にしました" in panel.status.text()


def test_booth_numbers_are_given_by_hand_and_the_rest_in_order(
        qtbot, open_panel, db, actor, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=None, has_booths=True)
    for name in ("あきた環境ネット", "川反まちづくり会", "土崎みなと会"):
        sign_up(db, actor, event.id, SignUpDraft(person(db, name), 2, booth_tables=1,
                                                 booth_power=True))
    panel = open_panel(event.id, actor)
    assert panel.booth_button.isVisible() and panel.allocate_button.isVisible()
    panel.table.selectRow(row_of(panel, "川反まちづくり会"))
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("1", True))
    with qtbot.waitSignal(panel.refreshed):
        qtbot.mouseClick(panel.booth_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.refreshed):
        qtbot.mouseClick(panel.allocate_button, Qt.MouseButton.LeftButton)
    assert table(panel, "氏名・団体名", "ブース") == [
        ("あきた環境ネット", "2（机1・電源）"), ("川反まちづくり会", "1（机1・電源）"),
        ("土崎みなと会", "3（机1・電源）")]


LONG_GROUP = "NPO法人あきた子育て支援ネットワーク協議会"


def test_the_short_columns_fit_their_text_and_the_name_takes_the_room(
        qtbot, open_panel, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    """受付番号, 人数, 状況, ブース and 出席 as wide as their text, so that a long group name
    reads whole; a ブース wish longer than its column shows whole in its tooltip."""
    from kyodo_desk.ui.events.registrations_panel import NAME_COLUMN, NOTES_COLUMN

    event = make_event(db, facilities["east"], capacity=None, has_booths=True)
    wish = "壁際で、搬入口に近い場所を希望（大型パネル3枚・机を横に並べて展示）"
    sign_up(db, actor, event.id, SignUpDraft(person(db, LONG_GROUP), 2, booth_tables=2,
                                             booth_power=True, booth_space=wish))
    sign_up(db, actor, event.id, SignUpDraft(person(db, "土崎みなと会"), notes="車いすを使用"))
    panel = open_panel(event.id, actor)
    table_view, model = panel.table, panel.model
    header = table_view.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(model.columnCount())]
    assert widths[NAME_COLUMN] >= table_view.sizeHintForColumn(NAME_COLUMN)  # read whole
    short = [c for c in range(model.columnCount()) if c not in (NAME_COLUMN, NOTES_COLUMN)]
    booth = column(panel, "ブース")
    for c in short:
        if c != booth:
            assert widths[c] >= table_view.sizeHintForColumn(c)
    assert widths[booth] < widths[NAME_COLUMN]  # the wish does not take the name's room
    assert sum(widths) <= table_view.viewport().width()  # no scrolling sideways
    first = row_of(panel, LONG_GROUP)
    assert wish in model.index(first, booth).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(first, NAME_COLUMN).data(Qt.ItemDataRole.ToolTipRole).startswith(
        LONG_GROUP)


def retype(qtbot, box, text: str) -> None:  # type: ignore[no-untyped-def]
    """Over what the box holds, as typed (full-width as the IME gives it)."""
    box.setFocus()
    box.selectAll()
    type_text(qtbot, box, text)


def test_a_number_is_taken_as_typed_or_refused_under_its_box(
        qtbot, open_panel, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=None, has_booths=True)
    person(db, "あきた環境ネット", reading="あきたかんきょうねっと")
    panel = open_panel(event.id, actor)
    dialog = open_sign_up(qtbot, panel)
    assert dialog.party.text() == "1" and dialog.tables.placeholderText() == "なし"
    choose_contact(qtbot, dialog, "あきた")
    qtbot.keyClicks(dialog.party, "500")  # over the 1, selected when the contact was taken
    retype(qtbot, dialog.tables, "abc")

    save(qtbot, dialog, stored=False)
    assert (dialog.party.text(), dialog.tables.text()) == ("500", "abc")  # not 50
    assert dialog.errors.message("party_size") == "人数は1〜50名の範囲で入力してください。"
    assert dialog.errors.message("booth_tables") == (
        "机の数は数字で入力してください（「abc」は数として読めません）。")
    assert "border" in dialog.party.styleSheet() and "border" in dialog.tables.styleSheet()
    assert "border" not in dialog.chairs.styleSheet()
    assert dialog.party.hasFocus() and dialog.isVisible()
    assert list_registrations(db, actor, event.id) == []

    retype(qtbot, dialog.party, "0")  # never raised to 1
    retype(qtbot, dialog.tables, "２")
    save(qtbot, dialog, stored=False)
    assert dialog.party.text() == "0"
    assert dialog.errors.message("party_size") == "人数は1〜50名の範囲で入力してください。"
    assert dialog.errors.message("booth_tables") == "" and "border" not in dialog.tables.styleSheet()
    assert list_registrations(db, actor, event.id) == []

    retype(qtbot, dialog.party, "３名")
    with qtbot.waitSignal(panel.refreshed):
        save(qtbot, dialog, stored=True)
    [stored] = list_registrations(db, actor, event.id)
    assert (stored.party_size, stored.booth_tables, stored.booth_chairs) == (3, 2, 0)


def test_booth_boxes_of_an_event_without_booths_are_not_asked_about(
        qtbot, open_panel, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    person(db, "秋田 一郎", reading="あきた いちろう")
    panel = open_panel(event.id, actor)
    dialog = open_sign_up(qtbot, panel)
    assert not dialog.tables.isVisibleTo(dialog)
    dialog.tables.setText("abc")  # out of sight, so never typed; and if it were, not asked
    choose_contact(qtbot, dialog, "秋田")
    with qtbot.waitSignal(panel.refreshed):
        save(qtbot, dialog, stored=True)
    [stored] = list_registrations(db, actor, event.id)
    assert (stored.party_size, stored.booth_tables) == (1, 0)


# --- at the door ---------------------------------------------------------------------------

@pytest.fixture
def open_door(qtbot, db, actor):  # type: ignore[no-untyped-def]
    opened: list[CheckInDialog] = []

    def make(event_id: int) -> CheckInDialog:
        dialog = CheckInDialog(db, actor, event_id)
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.refreshed):
            dialog.show()
        qtbot.waitActive(dialog)
        opened.append(dialog)
        return dialog

    yield make
    settle(qtbot)
    for dialog in opened:
        if shiboken6.isValid(dialog):  # pytest-qt may have closed it already
            dialog.close()


def scan(qtbot, door: CheckInDialog, text: str) -> CheckInResult:  # type: ignore[no-untyped-def]
    """The scanner types the code and Enter into the box that has the focus."""
    assert door.scan.hasFocus()
    with (qtbot.waitSignal(door.refreshed),
          qtbot.waitSignal(door.checked) as blocker):
        qtbot.keyClicks(door.scan, text)
        qtbot.keyClick(door.scan, Qt.Key.Key_Return)
    assert door.scan.text() == "" and door.scan.hasFocus()  # ready for the next person
    return blocker.args[0]


def shown_in(door: CheckInDialog, outcome: CheckInOutcome) -> bool:
    return (outcome.value in door.outcome.text()
            and OUTCOME_COLOURS[outcome] in door.outcome.styleSheet())


def test_scanning_a_receipt_checks_in_once(qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], session_count=2)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎"), 2)).registration
    sign_up(db, actor, event.id, SignUpDraft(person(db, "能代 二葉"), 3))
    door = open_door(event.id)
    assert door.session.currentData() == event.sessions[0].id  # the next session by date
    assert door.count.text() == "出席 0名 / 予定 5名"

    first = scan(qtbot, door, reg.ticket.text())
    assert first.outcome is CheckInOutcome.CHECKED_IN
    assert shown_in(door, CheckInOutcome.CHECKED_IN) and "秋田 一郎さん（2名）を出席にしました" in door.outcome.text()
    assert door.count.text() == "出席 2名 / 予定 5名"
    assert table(door, "氏名・団体名", "状況", "この回") == [  # type: ignore[arg-type]
        ("秋田 一郎", "出席", "出席"), ("能代 二葉", "受付済", "")]
    # The door's words are 出席: 受付 is the accepting of a sign-up, before the day.
    assert (door.windowTitle(), door.check_in_button.text()) == ("出席確認", "出席にする")
    assert "受付" not in door.outcome.text() + door.count.text()

    again = scan(qtbot, door, reg.ticket.text())
    assert again.outcome is CheckInOutcome.ALREADY
    assert shown_in(door, CheckInOutcome.ALREADY) and actor.name in door.outcome.text()
    assert door.count.text() == "出席 2名 / 予定 5名"
    assert attendances(db) == 1
    assert door.history.count() == 2


def test_unknown_and_other_event_codes_are_refused_and_change_nothing(
        qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    other = make_event(db, facilities["west"], title="市民協働ミーティング")
    sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎")))
    elsewhere = sign_up(db, actor, other.id, SignUpDraft(person(db, "横手 三太"))).registration
    door = open_door(event.id)

    made_up = scan(qtbot, door, "4901234567894")
    assert made_up.outcome is CheckInOutcome.REFUSED
    assert shown_in(door, CheckInOutcome.REFUSED) and "受付票のものではありません" in door.outcome.text()

    wrong = scan(qtbot, door, elsewhere.ticket.text())
    assert wrong.outcome is CheckInOutcome.REFUSED
    assert shown_in(door, CheckInOutcome.REFUSED)
    assert "別のイベント「市民協働ミーティング」の受付票です" in door.outcome.text()
    assert door.count.text() == "出席 0名 / 予定 1名"
    assert attendances(db) == 0
    assert list_registrations(db, actor, other.id)[0].attended_session_ids == ()


def test_checking_in_by_name_from_the_list(qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎", reading="あきた いちろう")))
    sign_up(db, actor, event.id, SignUpDraft(person(db, "能代 二葉", reading="のしろ ふたば")))
    door = open_door(event.id)
    door.name_search.setFocus()
    type_text(qtbot, door.name_search, "のしろ")
    assert door.model.rowCount() == 1
    qtbot.keyClick(door.name_search, Qt.Key.Key_Down)  # into the list, the first row chosen
    with (qtbot.waitSignal(door.refreshed),
          qtbot.waitSignal(door.checked) as blocker):
        qtbot.keyClick(door.table, Qt.Key.Key_Return)
    assert blocker.args[0].outcome is CheckInOutcome.CHECKED_IN
    assert "能代 二葉さんを出席にしました" in door.outcome.text()
    assert door.scan.hasFocus() and door.name_search.text() == ""
    assert door.count.text() == "出席 1名 / 予定 2名"


def test_at_the_door_a_long_name_reads_whole(
        qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    """The door list: a long group name whole, the number, party, status and この回 columns
    as wide as their text, and a cut よみ whole in its tooltip."""
    from kyodo_desk.ui.events.checkin_dialog import DoorListModel

    name, reading = "NPO法人あきた子育て支援ネットワーク", "えぬぴーおーほうじんあきたこそだてしえんねっとわーく"
    event = make_event(db, facilities["east"])
    sign_up(db, actor, event.id, SignUpDraft(person(db, name, reading=reading)))
    sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎", reading="あきた いちろう")))
    door = open_door(event.id)
    table_view, model = door.table, door.model
    header = table_view.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(model.columnCount())]
    assert widths[DoorListModel.NAME_COLUMN] >= table_view.sizeHintForColumn(
        DoorListModel.NAME_COLUMN)
    for c in (0, 3, 4, 5):  # 受付番号, 人数, 状況, この回
        assert widths[c] >= table_view.sizeHintForColumn(c)
    assert sum(widths) <= table_view.viewport().width()  # no scrolling sideways
    row = next(r for r in range(model.rowCount()) if model.index(r, 1).data() == name)
    assert model.index(row, DoorListModel.NAME_COLUMN).data(Qt.ItemDataRole.ToolTipRole) == name
    assert model.index(row, DoorListModel.READING_COLUMN).data(
        Qt.ItemDataRole.ToolTipRole) == reading


def test_a_walk_in_is_refused_politely_when_full(
        qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=2)
    sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎"), 2))
    door = open_door(event.id)
    with qtbot.waitSignal(door.checked) as blocker:
        qtbot.mouseClick(door.walk_in_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].outcome is CheckInOutcome.REFUSED
    assert QApplication.activeModalWidget() is None  # no form to fill in for nothing
    assert shown_in(door, CheckInOutcome.REFUSED)
    assert "申し訳ありません。満席のため、当日参加はできません（2/2名（残り0））" in door.outcome.text()
    assert "受付" not in door.outcome.text() + door.walk_in_button.toolTip()  # the door says 出席
    assert stored_sign_ups(db) == 1


def test_a_walk_in_the_service_refuses_closes_the_form_and_says_why(
        qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    # One seat is free, but a party of two waits first (受付順): the walk-in may not pass it.
    event = make_event(db, facilities["east"], capacity=3)
    sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎"), 2))
    sign_up(db, actor, event.id, SignUpDraft(person(db, "能代 二葉"), 2))
    person(db, "横手 三太", reading="よこて さんた")
    door = open_door(event.id)
    dialog = door.open_walk_in()
    assert isinstance(dialog, SignUpDialog)
    # A walk-in is made 出席 at the door: 受付 is the accepting of a sign-up, before the day.
    assert (dialog.windowTitle(), dialog.save_button.text()) == ("当日参加", "出席にする（Ctrl+Enter）")
    qtbot.waitActive(dialog)
    choose_contact(qtbot, dialog, "よこて")
    with qtbot.waitSignal(door.checked):
        save(qtbot, dialog, stored=False)
    assert closed(dialog)
    assert shown_in(door, CheckInOutcome.REFUSED) and "満席のため" in door.outcome.text()
    assert stored_sign_ups(db) == 2


def test_a_walk_in_with_the_name_of_a_sign_up_is_sent_to_the_name_list(
        qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    # Most likely the one who signed up, come without the receipt: found by name, not signed
    # up twice (the door offers no 「別の方として受け付ける」).
    event = make_event(db, facilities["east"], capacity=5)
    sign_up(db, actor, event.id, SignUpDraft(person(db, "佐藤 花子", phone="018-862-1111")))
    person(db, "佐藤　花子", reading="さとう はなこ", phone="018-863-2222")
    door = open_door(event.id)
    dialog = door.open_walk_in()
    assert isinstance(dialog, SignUpDialog)
    qtbot.waitActive(dialog)
    choose_contact(qtbot, dialog, "0188632222")
    save(qtbot, dialog, stored=False)
    said = dialog.summary.text()
    assert dialog.isVisible() and "「佐藤 花子」さんの申込がすでにあります（受付番号 1・受付済）" in said
    assert "出席確認の画面で名前を検索して出席にしてください" in said
    assert "別の方として受け付ける" not in said and "受付して" not in said
    assert stored_sign_ups(db) == 1


def test_a_walk_in_with_a_free_seat_is_signed_up_and_checked_in(
        qtbot, open_door, db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=5)
    person(db, "横手 三太", reading="よこて さんた")
    door = open_door(event.id)
    dialog = door.open_walk_in()
    assert isinstance(dialog, SignUpDialog)
    qtbot.waitActive(dialog)
    choose_contact(qtbot, dialog, "よこて")
    dialog.party.setValue(2)
    with qtbot.waitSignal(door.refreshed):
        save(qtbot, dialog, stored=True)
    assert shown_in(door, CheckInOutcome.CHECKED_IN)
    assert door.count.text() == "出席 2名 / 予定 2名"
    assert [r.walk_in for r in list_registrations(db, actor, event.id)] == [True]


def test_scans_read_quicker_than_the_answers_are_all_answered_in_turn(
        qtbot, open_door, db, actor, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    first = sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 一郎"))).registration
    second = sign_up(db, actor, event.id, SignUpDraft(person(db, "能代 二葉"))).registration
    door = open_door(event.id)
    a, b = first.ticket.text(), second.ticket.text()
    let_go = threading.Event()
    calls: list[str] = []
    by_code = checkin.check_in_by_code

    def held_back(db_, actor_, session_id, scanned, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(f"start {scanned}")
        if scanned == a:  # the first answer is slow in coming
            let_go.wait(HELD_BACK_S)
        try:
            return by_code(db_, actor_, session_id, scanned, **kwargs)
        finally:
            calls.append(f"end {scanned}")

    monkeypatch.setattr(checkin, "check_in_by_code", held_back)
    answers: list[CheckInResult] = []
    door.checked.connect(answers.append)
    try:
        for code in (a, b):
            qtbot.keyClicks(door.scan, code)
            qtbot.keyClick(door.scan, Qt.Key.Key_Return)
            assert door.scan.text() == "" and door.scan.hasFocus()  # the next one, at once
    finally:
        let_go.set()
    qtbot.waitUntil(lambda: len(answers) == 2)
    assert [r.outcome for r in answers] == [CheckInOutcome.CHECKED_IN] * 2
    assert "秋田 一郎さん" in answers[0].message and "能代 二葉さん" in answers[1].message
    assert calls == [f"start {a}", f"end {a}", f"start {b}", f"end {b}"]  # one after the other
    assert "能代 二葉さんを出席にしました" in door.outcome.text()  # the big answer: the last person
    assert [door.history.item(i).text() for i in range(door.history.count())] == [
        f"{r.outcome.value}　{r.message}" for r in reversed(answers)]
    settle(qtbot)
    assert door.count.text() == "出席 2名 / 予定 2名"
    assert attendances(db) == 2
