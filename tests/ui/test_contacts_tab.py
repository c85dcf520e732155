from __future__ import annotations

import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind, GroupType
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.contacts.drafts import ContactDraftStore
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.tasks import pending_jobs
from tests.ui.conftest import type_text
from tests.ui.scrolling import scroll_for_more

LOST = "データベースに接続できません。しばらくしてからもう一度お試しください。"


def closed(widget) -> bool:  # type: ignore[no-untyped-def]
    """A form closes by hiding and is then deleted (WA_DeleteOnClose)."""
    return not shiboken6.isValid(widget) or not widget.isVisible()


def names(tab) -> list[str]:  # type: ignore[no-untyped-def]
    return [tab.model.entry(r).name for r in range(tab.model.rowCount())]


def open_forms() -> list[ContactForm]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, ContactForm) and w.isVisible()]


def type_query(qtbot, tab, text: str) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(tab.search_finished):
        tab.search.clear()
        type_text(qtbot, tab.search, text)


def test_start_shows_the_eight_facilities_with_focus_in_the_search_box(window, qtbot,
                                                                      tmp_path: Path) -> None:
    tab = window.contacts
    assert window.windowTitle() == "協働デスク"
    assert window.tabs.tabText(0) == "センター連絡先"
    assert names(tab)[0] == "東部市民サービスセンター"
    assert len(names(tab)) == 8
    assert QApplication.focusWidget() is tab.search
    qtbot.waitUntil(lambda: tab.detail.title.text() == "東部市民サービスセンター")
    shot = tmp_path / "contacts-tab.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize(("typed", "expected"), [
    ("ｾﾝﾀｰ", 7), ("せんたー", 7), ("8885640", 1), ("さろん", 1), ("アルヴェ", 1),
])
def test_typing_filters_as_you_type(window, qtbot, typed: str, expected: int) -> None:
    tab = window.contacts
    type_query(qtbot, tab, typed)
    assert len(names(tab)) == expected
    if typed == "8885640":
        assert names(tab) == ["中央市民サービスセンター"]
        qtbot.waitUntil(lambda: tab.detail.shown.phone == "018-888-5640")
    assert tab.count.text() == f"{expected} 件"


def test_escape_clears_the_search(window, qtbot) -> None:
    tab = window.contacts
    type_query(qtbot, tab, "河辺")
    assert names(tab) == ["河辺市民サービスセンター"]
    with qtbot.waitSignal(tab.search_finished):
        qtbot.keyClick(tab.search, Qt.Key.Key_Escape)
    assert tab.search.text() == ""
    assert len(names(tab)) == 8


def test_copy_shortcuts_put_the_field_on_the_clipboard(window, qtbot) -> None:
    tab = window.contacts
    type_query(qtbot, tab, "サロン")
    qtbot.waitUntil(lambda: tab.detail.shown.name == "秋田市市民交流サロン")
    qtbot.keyClick(tab.search, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == "018-887-5312"
    tab.detail.copy_address.click()
    assert QGuiApplication.clipboard().text() == "〒010-8506 秋田市東通仲町4番1号アルヴェ3階"
    assert "コピーしました" in window.statusBar().currentMessage()
    # The salon has no e-mail: nothing is copied, and the user is told so.
    tab.detail.copy_field("email")
    assert QGuiApplication.clipboard().text() == "〒010-8506 秋田市東通仲町4番1号アルヴェ3階"
    assert "登録されていません" in window.statusBar().currentMessage()


def test_a_bad_form_names_the_field_and_keeps_what_was_typed(window, qtbot, db, actor) -> None:
    tab = window.contacts
    form = tab.open_new(ContactKind.PERSON)
    type_text(qtbot, form.name, "山田 花子")
    type_text(qtbot, form.reading, "やまだ はなこ")
    type_text(qtbot, form.postal_code, "010-00")
    type_text(qtbot, form.phone, "888-5640")
    type_text(qtbot, form.address, "秋田市山王一丁目")
    with qtbot.waitSignal(form.save_finished):
        form.save_button.click()
    assert form.isVisible()
    # Each reason is on the red line right under its field; the summary says to look there.
    assert "郵便番号" in form.errors.message("postal_code")
    assert "市外局番" in form.errors.message("phone")
    assert form.errors.lines["postal_code"].isVisible()
    assert not form.errors.lines["name"].isVisible()
    assert form.summary.isVisible()
    # What was typed is all still there, and nothing was stored.
    assert (form.name.text(), form.postal_code.text(), form.phone.text(), form.address.text()) == (
        "山田 花子", "010-00", "888-5640", "秋田市山王一丁目")
    assert svc.search_contacts(db, actor, "山田").entries == []
    assert form.focusWidget() is form.postal_code
    # Corrected, it saves; the list shows and selects the new person.
    form.postal_code.setText("0100951")
    form.phone.setText("０１８８８８５６４０")
    form.save_button.click()
    qtbot.waitUntil(lambda: closed(form))
    saved = svc.search_contacts(db, actor, "山田").entries
    assert [(e.postal_code, e.phone) for e in saved] == [("010-0951", "018-888-5640")]
    qtbot.waitUntil(lambda: tab.detail.shown.name == "山田 花子")
    assert "保存しました" in window.statusBar().currentMessage()


def test_group_form_and_membership(window, qtbot, db, actor) -> None:
    tab = window.contacts
    form = tab.open_new(ContactKind.GROUP)
    assert form.group_type.isVisible() and not form.groups_widget.isVisible()
    form.name.setText("土崎みなと見守り隊")
    with qtbot.waitSignal(form.save_finished):
        form.save_button.click()
    assert "団体の種類" in form.errors.message("group_type")
    form.group_type.setCurrentIndex(form.group_type.findData(GroupType.COMMUNITY_ORG))
    with qtbot.waitSignal(tab.search_finished):
        form.save_button.click()
    assert names(tab) == ["土崎みなと見守り隊"] or "土崎みなと見守り隊" in names(tab)


def test_enter_opens_the_selected_contact_and_edits_are_saved(window, qtbot, db, actor) -> None:
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.NPO,
                                        name="NPO法人あきた広報サポート", reading="あきたこうほう"))
    tab = window.contacts
    type_query(qtbot, tab, "広報")
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(open_forms()) == 1)  # read first, then shown
    [form] = open_forms()
    assert form.name.text() == "NPO法人あきた広報サポート"
    form.phone.setText("0188881234")
    # Saved, then the list shows it: a refresh the watcher began before the save may finish
    # first, so the list is waited for, not the next search to end.
    with qtbot.waitSignal(form.save_finished) as saved:
        form.save_button.click()
    assert saved.args == [True]
    assert svc.search_contacts(db, actor, "広報").entries[0].phone == "018-888-1234"
    qtbot.waitUntil(lambda: tab.model.index(0, 3).data() == "018-888-1234")


def test_closing_a_changed_form_asks_before_discarding(window, qtbot, actor,  # type: ignore[no-untyped-def]
                                                       monkeypatch) -> None:
    form = window.contacts.open_new(ContactKind.PERSON)
    form.name.setText("入力途中")
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "continue")
    form.reject()
    assert form.isVisible() and form.name.text() == "入力途中"
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")
    form.reject()
    assert closed(form)
    assert not ContactDraftStore().exists(actor.login, None)


def test_a_form_closed_keeping_its_draft_offers_it_back(window, qtbot, monkeypatch) -> None:
    form = window.contacts.open_new(ContactKind.PERSON)
    type_text(qtbot, form.name, "下書き 花子")
    form.phone.setText("018-888-0000")
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "keep")
    form.reject()
    assert closed(form)
    asked: list[str] = []
    monkeypatch.setattr(drafted_form, "ask", lambda _p, title, *_a, **_k:
                        asked.append(title) or "restore")
    again = window.contacts.open_new(ContactKind.GROUP)
    assert asked == ["入力途中の内容"]
    assert (again.person_kind.isChecked(), again.name.text(), again.phone.text()) == (
        True, "下書き 花子", "018-888-0000")


def test_delete_and_undo(window, qtbot, db, actor, monkeypatch) -> None:
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="削除 太郎",
                                        reading="さくじょ たろう"))
    tab = window.contacts
    type_query(qtbot, tab, "削除")
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _parent, _title, text, *_a, **_k:
                        asked.append(text) or QMessageBox.StandardButton.Yes)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a, **_k:
                        warned.append(text))
    tab.delete_current()
    qtbot.waitUntil(lambda: names(tab) == [])
    assert svc.search_contacts(db, actor, "削除").entries == []
    assert "「削除 太郎」を一覧から削除しますか" in asked[0]
    tab.undo_remove()
    tab.undo_remove()  # Ctrl+Z pressed twice before the first was done: restored once
    qtbot.waitUntil(lambda: names(tab) == ["削除 太郎"])
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    assert "元に戻しました" in window.statusBar().currentMessage()
    assert warned == []  # no second restore refused as a conflict


def test_list_loads_more_rows_when_scrolled(window, qtbot, db, actor) -> None:
    from kyodo_desk.services.demo import add_demo_contacts

    add_demo_contacts(db, actor, 450)
    tab = window.contacts
    # Not about other counters: a refresh of the list for the rows just added, answered
    # while the test scrolls, would need one more scroll to go on loading.
    window.live.stop()
    with qtbot.waitSignal(tab.search_finished):
        tab.refresh()
    assert tab.model.rowCount() == 8 + svc.PAGE_SIZE
    # The true number, not 「208 件以上」, once counted behind the first page.
    qtbot.waitUntil(lambda: tab.count.text() == "458 件")
    assert tab.model.rowCount() == 8 + svc.PAGE_SIZE

    def shown() -> str:  # whether a search's list is on the screen, should no page come
        return f"shown {tab._shown is not None}"

    scroll_for_more(qtbot, tab, lambda: tab.model.rowCount() > 8 + svc.PAGE_SIZE, shown)
    scroll_for_more(qtbot, tab, lambda: tab.model.rowCount() == 8 + 450, shown)
    assert tab.count.text() == "458 件"


def test_the_count_is_the_true_number_of_matches_and_leading_names_come_first(
        window, qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.demo import add_demo_contacts

    add_demo_contacts(db, actor, 1200)
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="畠山 大輔",
                                               reading="はたけやま だいすけ"))
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="山田 花子",
                                               reading="やまだ はなこ"))
    tab = window.contacts
    window.live.stop()
    type_query(qtbot, tab, "やまだ")
    # 山田 begins with the words typed; 畠山 大輔 (はたけやま だいすけ) and the demo's 岩山 大子
    # (いわやま だいこ) hold them inside, after it.
    assert names(tab)[0] == "山田 花子"
    assert "畠山 大輔" in names(tab)[1:]
    inside = [tab.model.entry(r).reading for r in range(1, tab.model.rowCount())]
    assert inside and all("やまだ" in reading.replace(" ", "")
                          and not reading.startswith("やまだ") for reading in inside)
    type_query(qtbot, tab, "秋田市")  # every demo address and the facilities': many pages
    facilities = len(svc.search_facilities(db, actor, "秋田市"))
    assert tab.model.rowCount() == facilities + svc.PAGE_SIZE
    expected = facilities + svc.count_contacts(db, actor, "秋田市")
    assert expected > 1000
    qtbot.waitUntil(lambda: tab.count.text() == f"{expected:,} 件")
    with qtbot.waitSignal(tab.search_finished):
        tab.filter.setCurrentIndex(tab.filter.findText("団体"))
    groups = svc.count_contacts(db, actor, "秋田市", kinds=[ContactKind.GROUP])
    assert 0 < groups < expected
    qtbot.waitUntil(lambda: tab.count.text() == f"{groups:,} 件")
    assert {tab.model.entry(r).kind for r in range(tab.model.rowCount())} == {"group"}


def test_a_groups_grant_cases_show_to_those_who_may_read_them(qtbot, db,  # type: ignore[no-untyped-def]
                                                                accounts_by_login) -> None:
    from kyodo_desk.domain.grants import Stage
    from kyodo_desk.ui.contacts.tab import ContactsTab
    from tests.grant_fixtures import group, make_case, make_programme

    programme = make_programme(db)
    make_case(db, programme.id, group(db, "秋田まちなか音楽の会"), stage=Stage.APPLICATION)
    for login, expected in (("officer", "令和8年度 秋田市協働サポート交付金「まちなかコンサート」・申請"),
                            ("staff", "")):
        tab = ContactsTab(db, accounts_by_login[login])
        qtbot.addWidget(tab)
        tab.show()
        type_query(qtbot, tab, "まちなか")
        qtbot.waitUntil(lambda tab=tab: tab.detail.shown.name == "秋田まちなか音楽の会")
        label, value, _ = tab.detail._rows["grants"]
        assert value.text() == expected
        assert label.isVisible() == bool(expected)


def test_only_the_answer_to_the_last_words_typed_is_shown(window, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A search overtaken by typing is dropped, even when its answer comes last."""
    tab = window.contacts
    real, release = svc.search_facilities, threading.Event()

    def slow_for_kawabe(db, actor, query):  # type: ignore[no-untyped-def]
        if query == "河辺":
            release.wait(10)
        return real(db, actor, query)

    monkeypatch.setattr(svc, "search_facilities", slow_for_kawabe)
    tab.search.setText("河辺")
    tab.refresh()  # still searching when the next words are typed
    type_query(qtbot, tab, "サロン")  # the box answers while the first search waits
    assert names(tab) == ["秋田市市民交流サロン"]
    release.set()
    qtbot.waitUntil(lambda: pending_jobs() == 0)  # the overtaken answer has come back
    assert names(tab) == ["秋田市市民交流サロン"]
    assert tab.count.text() == "1 件"


def test_a_search_that_loses_the_connection_says_so_in_the_status_bar(
        window, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A list refreshing often must not raise a dialog each time the server is away."""
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a, **_k:
                        warned.append(text))

    def lost(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionLost(LOST)

    monkeypatch.setattr(svc, "search_facilities", lost)
    window.contacts.refresh()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == LOST)
    assert warned == []
    assert len(names(window.contacts)) == 8  # what was listed stays listed


def test_the_form_waits_while_it_saves_and_saves_once(window, qtbot, db, actor,  # type: ignore[no-untyped-def]
                                                       monkeypatch) -> None:
    real, release, calls = svc.create_contact, threading.Event(), []

    def slow_create(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "create_contact", slow_create)
    asked: list[str] = []
    monkeypatch.setattr(drafted_form, "ask", lambda _parent, _title, text, *_a, **_k:
                        asked.append(text) or "continue")
    form = window.contacts.open_new(ContactKind.PERSON)
    type_text(qtbot, form.name, "保存中 太郎")
    form.save_button.click()
    # The window answers while the database works; what is typed can no longer change.
    assert "保存しています" in form.summary.text()
    assert not form.save_button.isEnabled() and not form.name.isEnabled()
    form.save()  # Ctrl+Enter once more: nothing more
    qtbot.keyClick(form, Qt.Key.Key_Escape)  # nor can it be closed, its answer unheard
    assert form.isVisible() and form.name.text() == "保存中 太郎" and asked == []
    release.set()
    qtbot.waitUntil(lambda: closed(form))
    assert len(calls) == 1
    assert [e.name for e in svc.search_contacts(db, actor, "保存中").entries] == ["保存中 太郎"]


def test_a_person_is_linked_to_a_group_found_by_typing(window, qtbot, db, actor,  # type: ignore[no-untyped-def]
                                                        monkeypatch) -> None:
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.NPO,
                                               name="秋田まちなか音楽の会", reading="あきたまちなか"))
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.NPO,
                                               name="土崎みなと見守り隊", reading="つちざき"))
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="町中 太郎",
                                               reading="まちなか たろう"))
    form = window.contacts.open_new(ContactKind.PERSON)
    qtbot.waitActive(form)
    picker = form.group_picker
    assert not picker.candidates.isVisible()  # no dialog of its own: the box is in the form
    picker.search.setFocus()
    with qtbot.waitSignal(picker.search_finished):
        type_text(qtbot, picker.search, "まちなか")
    assert picker.candidate_names() == ["秋田まちなか音楽の会"]  # groups only: not 町中 太郎
    asked: list[str] = []

    def role(_parent, _title, label, *_a, **_k):  # type: ignore[no-untyped-def]
        asked.append(label)
        return "会長", True

    monkeypatch.setattr(QInputDialog, "getText", role)
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(picker.candidates, Qt.Key.Key_Return)
    assert asked == ["秋田まちなか音楽の会 での役職（なければ空欄）:"]
    assert [form.groups.item(i).text() for i in range(form.groups.count())] == [
        "秋田まちなか音楽の会（会長）"]
    assert picker.text() == "" and picker.chosen is None  # ready for the next group
    assert picker.search.hasFocus()
    # The same group found again is not listed twice, nor is its role asked again.
    with qtbot.waitSignal(picker.search_finished):
        type_text(qtbot, picker.search, "音楽")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # the only candidate
    assert len(asked) == 1 and form.groups.count() == 1 and form.groups.currentRow() == 0


def test_on_the_counter_pc_the_address_has_more_room_than_the_reading(window) -> None:  # type: ignore[no-untyped-def]
    """At 1280 pixels 住所 reads to the town, wider than よみ; 区分 and 電話番号 read whole,
    and a name, reading or address cut short shows whole in its tooltip."""
    from kyodo_desk.ui.contacts.model import ADDRESS_COLUMN, NAME_COLUMN, READING_COLUMN

    tab = window.contacts
    table, model = tab.table, tab.model
    header = table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(model.columnCount())]
    assert widths[ADDRESS_COLUMN] > widths[READING_COLUMN]
    assert widths[ADDRESS_COLUMN] >= table.fontMetrics().horizontalAdvance("〒010-0041 秋田市広面字")
    for column in (0, 3):  # 区分, 電話番号
        assert widths[column] >= table.sizeHintForColumn(column)
    assert sum(widths) <= table.viewport().width()  # no scrolling sideways
    for row in range(model.rowCount()):
        for column in (NAME_COLUMN, READING_COLUMN, ADDRESS_COLUMN):
            index = model.index(row, column)
            assert index.data(Qt.ItemDataRole.ToolTipRole) == (index.data() or None)


def test_a_role_changed_at_another_counter_is_one_of_the_differences() -> None:
    """Issue 14: the versions dialog named only the groups, so a changed role showed no
    difference at all, and 「自分の入力で保存し直す」 overwrote it unseen."""
    from kyodo_desk.ui.contacts.conflict import differences

    mine = ContactDraft(kind=ContactKind.PERSON, name="佐藤 花子",
                        groups=(svc.Affiliation(7, "あきた音楽の会", "会長"),))
    theirs = ContactDraft(kind=ContactKind.PERSON, name="佐藤 花子",
                          groups=(svc.Affiliation(7, "あきた音楽の会", "事務局"),))
    assert differences(mine, theirs) == [
        ("所属団体", "あきた音楽の会（会長）", "あきた音楽の会（事務局）")]
