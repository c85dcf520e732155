"""The contact picker (連絡先を選ぶ欄) as a clerk uses it: type, ↓, Enter — and Esc to back out."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QPushButton, QVBoxLayout

from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.services import contacts
from kyodo_desk.services.contacts import ContactDetail, ContactDraft, ContactKind, GroupType
from kyodo_desk.ui import operations
from kyodo_desk.ui.contact_picker import SEARCH_FAILED, SEARCH_LIMIT, ContactPicker
from kyodo_desk.ui.tasks import pending_jobs
from tests.ui.conftest import type_text

HELD_BACK_S = 10  # a search held back by a test is let go by then at the latest


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    """The standard error dialog, recorded instead of shown."""
    shown: list[BaseException] = []
    monkeypatch.setattr(operations, "show_error", lambda _parent, exc, *a: shown.append(exc))
    return shown


@pytest.fixture
def people(db, actor) -> dict[str, int]:  # type: ignore[no-untyped-def]
    made = {}
    for name, reading, phone in (("山田 花子", "やまだ はなこ", "018-888-1111"),
                                 ("山田 太郎", "やまだ たろう", ""),
                                 ("佐藤 一郎", "さとう いちろう", "")):
        made[name] = contacts.create_contact(db, actor, ContactDraft(
            kind=ContactKind.PERSON, name=name, reading=reading, phone=phone)).id
    made["やまだ文庫の会"] = contacts.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name="やまだ文庫の会",
        reading="やまだぶんこのかい")).id
    return made


@pytest.fixture
def open_picker(qtbot, db, actor):  # type: ignore[no-untyped-def]
    """A picker in a dialog of its own, shown and focused, as a form holds it."""
    dialogs: list[QDialog] = []  # kept alive until the test ends

    def make(**options) -> ContactPicker:  # type: ignore[no-untyped-def]
        dialog = QDialog()
        dialogs.append(dialog)
        qtbot.addWidget(dialog)
        picker = ContactPicker(db, actor, role=options.pop("role", "申込者"), **options)
        QVBoxLayout(dialog).addWidget(picker)
        dialog.resize(600, 200)
        dialog.show()
        qtbot.waitActive(dialog)
        picker.setFocus()
        qtbot.waitUntil(picker.search.hasFocus)
        return picker
    yield make
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)  # no answer left for a deleted picker


def search(qtbot, picker: ContactPicker, words: str) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(picker.search_finished):
        type_text(qtbot, picker.search, words)


def shown(picker: ContactPicker) -> list[str]:
    """The candidates as the list reads."""
    view = picker.candidates
    return [view.model().index(row, 0).data() for row in range(view.model().rowCount())]


# --- finding and choosing ------------------------------------------------------------------

def test_the_candidates_follow_the_typing_and_the_keyboard_takes_one(
        qtbot, open_picker, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    threads: list[bool] = []
    real = contacts.search_contacts

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(contacts, "search_contacts", watched)
    picker = open_picker()
    picked = []
    picker.picked.connect(picked.append)
    search(qtbot, picker, "ﾔﾏﾀﾞ")  # half-width katakana finds やまだ, people and groups alike
    # On a worker, every search: the window never waits. (How many: one for the pause, and
    # perhaps one more should the people just written be announced late on a busy machine.)
    assert threads and not any(threads)
    assert shown(picker) == ["山田 太郎　（個人・やまだ たろう）",
                             "山田 花子　（個人・やまだ はなこ・018-888-1111）",
                             "やまだ文庫の会　（市民活動団体・やまだぶんこのかい）"]
    assert picker.candidates.isVisible() and not picker.candidates.currentIndex().isValid()
    assert picker.note.text() == "候補から選んでください（↓で候補へ、Enterで決定）。"

    qtbot.keyClick(picker.candidates, Qt.Key.Key_Down)  # into the list: the first
    qtbot.keyClick(picker.candidates, Qt.Key.Key_Down)
    qtbot.keyClick(picker.candidates, Qt.Key.Key_Return)
    assert not picker.candidates.isVisible()
    assert picker.chosen_id() == people["山田 花子"] and picker.text() == "山田 花子"
    assert [entry.name for entry in picked] == ["山田 花子"]
    assert picker.note.text() == "申込者: 山田 花子　（個人・やまだ はなこ・018-888-1111）"
    assert picker.search.font().bold()  # a chosen contact reads apart from typed words

    # Typing over the chosen name lets go of it at once.
    with qtbot.waitSignal(picker.chosen_changed):
        qtbot.keyClick(picker.search, Qt.Key.Key_Backspace)
    assert picker.chosen is None and not picker.search.font().bold()


def test_enter_takes_the_only_candidate_or_goes_into_several(
        qtbot, open_picker, people) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker()
    search(qtbot, picker, "さとう")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picker.chosen_id() == people["佐藤 一郎"]

    picker.search.clear()
    search(qtbot, picker, "やまだ")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # several: into them, nothing taken
    assert picker.chosen is None
    assert picker.candidates.isVisible() and picker.candidates.currentIndex().row() == 0
    qtbot.keyClick(picker.candidates, Qt.Key.Key_Return)
    assert picker.chosen_id() == people["山田 太郎"]


def test_enter_before_the_pause_looks_up_at_once_and_takes_nothing_unseen(
        qtbot, open_picker, people) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker()
    type_text(qtbot, picker.search, "やまだ")
    with qtbot.waitSignal(picker.search_finished):
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picker.chosen is None  # the answer is shown, the first ready for the next Enter
    assert picker.candidates.isVisible() and picker.candidates.currentIndex().row() == 0


def test_down_in_an_empty_box_lists_the_first_of_the_kind(
        qtbot, open_picker, people) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker(role="申請団体", kinds=[ContactKind.GROUP])
    assert "団体名" in picker.search.placeholderText()
    with qtbot.waitSignal(picker.search_finished):
        qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    assert picker.candidate_names() == ["やまだ文庫の会"]  # groups only
    assert picker.candidates.currentIndex().row() == 0
    search(qtbot, picker, "やまだ")
    assert picker.candidate_names() == ["やまだ文庫の会"]  # not 山田 花子, 山田 太郎


def test_a_long_answer_says_that_typing_on_narrows_it(
        qtbot, open_picker, db, actor) -> None:  # type: ignore[no-untyped-def]
    for n in range(SEARCH_LIMIT + 1):
        contacts.create_contact(db, actor, ContactDraft(
            kind=ContactKind.PERSON, name=f"秋田 {n:02d}", reading="あきた"))
    picker = open_picker()
    search(qtbot, picker, "あきた")
    assert len(picker.candidate_names()) == SEARCH_LIMIT
    assert f"先頭の{SEARCH_LIMIT}件です。続けて入力すると絞り込めます。" in picker.note.text()


# --- backing out ---------------------------------------------------------------------------

def test_esc_backs_out_one_step_at_a_time(qtbot, open_picker, people) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker()
    dialog = picker.window()
    search(qtbot, picker, "やまだ")
    qtbot.keyClick(picker.candidates, Qt.Key.Key_Escape)  # the list closes…
    assert not picker.candidates.isVisible() and picker.text() == "やまだ"
    qtbot.keyClick(picker.search, Qt.Key.Key_Escape)  # …then the words go…
    assert picker.text() == "" and picker.candidate_names() == [] and picker.note.text() == ""
    assert dialog.isVisible()
    qtbot.keyClick(picker.search, Qt.Key.Key_Escape)  # …then the dialog hears it
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected


def test_esc_on_a_chosen_contact_leaves_the_choice_and_closes(
        qtbot, open_picker, people) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker()
    search(qtbot, picker, "さとう")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.keyClick(picker.search, Qt.Key.Key_Escape)
    assert not picker.window().isVisible()
    assert picker.chosen_id() == people["佐藤 一郎"] and picker.text() == "佐藤 一郎"


def test_enter_in_the_box_never_reaches_the_dialog(qtbot, open_picker, people) -> None:  # type: ignore[no-untyped-def]
    """A dialog's default button (保存) must not be pressed by an Enter meant for the picker."""
    picker = open_picker()
    dialog = picker.window()
    save = QPushButton("保存", dialog)
    save.setDefault(True)
    save.clicked.connect(dialog.accept)
    save.show()
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # empty
    search(qtbot, picker, "存在しない")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # no candidate
    picker.search.clear()
    search(qtbot, picker, "さとう")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # the only candidate: taken…
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # …and Enter again: still not saved
    assert picker.chosen is not None
    assert dialog.isVisible() and dialog.result() == 0


# --- what the box says -------------------------------------------------------------------------

def test_only_the_answer_to_the_last_words_is_shown(
        qtbot, open_picker, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    release, entered = threading.Event(), threading.Event()
    real = contacts.search_contacts

    def held(db_, actor_, words, **kwargs):  # type: ignore[no-untyped-def]
        if words == "やまだ":  # the first search is slow…
            entered.set()
            release.wait(HELD_BACK_S)
        return real(db_, actor_, words, **kwargs)

    monkeypatch.setattr(contacts, "search_contacts", held)
    picker = open_picker()
    try:
        type_text(qtbot, picker.search, "やまだ")
        qtbot.waitUntil(entered.is_set)
        assert picker.note.text() == "検索しています…"
        picker.search.clear()
        search(qtbot, picker, "さとう")  # …the next is typed and answered meanwhile
    finally:
        release.set()
    qtbot.waitUntil(lambda: pending_jobs() == 0)  # the slow answer came too…
    assert picker.candidate_names() == ["佐藤 一郎"]  # …and was dropped


def test_a_lost_connection_while_searching_is_said_in_the_status_bar(
        qtbot, db, actor, errors, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lost = ConnectionLost("データベースに接続できません。")

    def unreachable(*_a, **_k):  # type: ignore[no-untyped-def]
        raise lost

    monkeypatch.setattr(contacts, "search_contacts", unreachable)
    window = QMainWindow()
    qtbot.addWidget(window)
    picker = ContactPicker(db, actor, role="相談者")
    window.setCentralWidget(picker)
    window.show()
    qtbot.waitActive(window)
    picker.setFocus()
    search(qtbot, picker, "やまだ")
    assert window.statusBar().currentMessage() == lost.message
    assert errors == []  # no dialog over the form being filled in
    assert picker.note.text() == SEARCH_FAILED and picker.text() == "やまだ"


def test_a_restored_choice_shows_at_once_without_a_search(qtbot, open_picker, people) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker(role="相談者")
    picked = []
    picker.picked.connect(picked.append)
    picker.restore("山田 花子", people["山田 花子"])
    assert pending_jobs() == 0 and picked == []
    assert picker.chosen_id() == people["山田 花子"] and picker.note.text() == "相談者: 山田 花子"
    picker.restore("まだ選んでいない", None)
    assert picker.chosen is None and picker.text() == "まだ選んでいない"


def test_disabled_the_picker_says_why(qtbot, open_picker, people) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker(disabled_note="名前は記録しません。")
    search(qtbot, picker, "やまだ")
    picker.setEnabled(False)
    assert not picker.candidates.isVisible() and picker.note.text() == "名前は記録しません。"
    picker.setEnabled(True)
    assert picker.note.text().startswith("候補から選んでください")


# --- 「新しく登録…」 ---------------------------------------------------------------------------

def test_without_a_register_hook_there_is_no_button(qtbot, open_picker) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker()
    assert picker.new_button is None and picker.tab_chain() == [picker.search]
    search(qtbot, picker, "存在しない")
    assert picker.note.text() == "該当する連絡先はありません。"


def test_a_contact_registered_from_the_picker_is_chosen(
        qtbot, open_picker, db, actor) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    # What the contact form would save (the form itself: tests of the screens).
    made = contacts.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name="新しい会", reading="あたらしいかい"))

    def register(typed: str) -> ContactDetail | None:
        asked.append(typed)
        return None if typed == "やめる" else made

    picker = open_picker(role="申請団体", kinds=[ContactKind.GROUP], register=register)
    assert picker.new_button is not None
    assert picker.tab_chain() == [picker.search, picker.new_button]
    search(qtbot, picker, "やめる")
    assert picker.note.text() == "該当する連絡先はありません。「新しく登録…」で登録できます。"
    picker.new_button.click()
    assert picker.chosen is None and picker.text() == "やめる"
    assert QApplication.focusWidget() is picker.search  # back to typing

    picker.search.clear()
    type_text(qtbot, picker.search, "新しい会")
    picked = []
    picker.picked.connect(picked.append)
    picker.new_button.click()
    assert asked == ["やめる", "新しい会"]  # what was typed becomes the name
    assert [entry.name for entry in picked] == ["新しい会"]
    assert picker.note.text() == "申請団体: 新しい会　（NPO法人・あたらしいかい）"
