"""重複候補の確認: every likely pair of the registry for officers, with its reasons; 別の方です
takes a pair out for good; the list is read on a worker with its progress shown."""

from __future__ import annotations

import gc
import threading

import pytest
from PySide6.QtCore import Qt, QThreadPool

from kyodo_desk.domain.likeness import SAME_PHONE, SAME_READING
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind
from kyodo_desk.services.contacts import duplicates as duplicate_svc
from kyodo_desk.ui.contacts import duplicates_window
from kyodo_desk.ui.contacts.duplicates_window import (
    REASONS_COLUMN,
    SCORE_COLUMN,
    DuplicatesWindow,
)
from kyodo_desk.ui.tasks import pending_jobs
from tests.ui.test_screen_fit import misfits

CLI = Actor.command_line()


def person(db, name: str, reading: str = "", **fields: str) -> int:  # type: ignore[no-untyped-def]
    return contact_svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name=name, reading=reading, **fields)).id


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


@pytest.fixture
def registry(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """山田 太郎 twice (kanji, and half-width kana typed at another counter, the same phone);
    佐藤 花子 twice with one phone, already said to be two people; and someone else."""
    ids = {
        "taro": person(db, "山田 太郎", "やまだ たろう", phone="018-888-5640"),
        "taro_kana": person(db, "ﾔﾏﾀﾞ ﾀﾛｳ", phone="0188885640"),
        "hanako": person(db, "佐藤 花子", "さとう はなこ", phone="018-823-1111"),
        "hanako_2": person(db, "佐藤 花子", "さとう はなこ", phone="018-823-1111"),
        "ichiro": person(db, "鈴木 一郎", "すずき いちろう", phone="018-866-2222"),
    }
    duplicate_svc.mark_distinct(db, CLI, ids["hanako"], ids["hanako_2"])
    return ids


def open_list(qtbot, db, who: Actor) -> DuplicatesWindow:  # type: ignore[no-untyped-def]
    window = DuplicatesWindow(db, who)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.loaded):
        window.show()
    return window


def shown(window: DuplicatesWindow) -> list[tuple[str, ...]]:
    model = window.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def test_the_list_shows_a_likely_pair_with_its_reasons_and_not_a_distinct_pair(
        qtbot, db, officer, registry, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    threads: list[bool] = []
    reading = duplicate_svc.duplicate_pairs

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return reading(*args, **kwargs)

    monkeypatch.setattr(duplicates_window.svc, "duplicate_pairs", watched)
    window = open_list(qtbot, db, officer)
    assert threads == [False]  # compared on a worker, never on the GUI thread
    taro, kana = registry["taro"], registry["taro_kana"]
    [(score, first, name, reading_1, second, name_2, _reading_2, reasons)] = shown(window)
    assert (first, name, reading_1) == (str(taro), "山田 太郎", "やまだ たろう")
    assert (second, name_2) == (str(kana), "ﾔﾏﾀﾞ ﾀﾛｳ")
    assert set(reasons.split("、")) == {SAME_PHONE, SAME_READING}
    assert int(score) >= 90
    assert window.count.text() == "1 組"
    assert not window.busy.isVisible() and not window.progress_bar.isVisible()
    # The selected pair's details, side by side under the list.
    assert "018-888-5640" in window.sides[0].text()
    assert "0188885640" in window.sides[1].text() or "018-888-5640" in window.sides[1].text()
    assert window.merge_button.isEnabled() and window.distinct_button.isEnabled()


def test_the_busy_note_shows_while_the_registry_is_compared(qtbot, db, officer, registry,  # type: ignore[no-untyped-def]
                                                           monkeypatch) -> None:
    release = threading.Event()
    reading = duplicate_svc.duplicate_pairs

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["progress"](1, 5)
        release.wait()
        return reading(*args, **kwargs)

    monkeypatch.setattr(duplicates_window.svc, "duplicate_pairs", slow)
    window = DuplicatesWindow(db, officer)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.progress_bar.maximum() == 5)
        assert window.busy.isVisible() and "重複候補を探しています" in window.busy.text()
        assert window.progress_bar.value() == 1
        assert not window.reload_button.isEnabled()
    finally:
        release.set()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert not window.busy.isVisible()


def test_different_people_are_taken_out_for_good(qtbot, db, officer, registry) -> None:  # type: ignore[no-untyped-def]
    window = open_list(qtbot, db, officer)
    assert window.select(registry["taro"], registry["taro_kana"])
    qtbot.mouseClick(window.distinct_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert "別の方として記録しました" in window.status.text()
    assert window.count.text() == "重複候補はありません"
    assert not window.merge_button.isEnabled() and not window.distinct_button.isEnabled()
    with qtbot.waitSignal(window.loaded):
        qtbot.mouseClick(window.reload_button, Qt.MouseButton.LeftButton)
    assert shown(window) == []
    assert duplicate_svc.duplicate_pairs(db, officer) == []


def test_the_list_sorts_by_score(qtbot, db, officer, registry) -> None:  # type: ignore[no-untyped-def]
    # A weaker pair: the same reading only.
    person(db, "佐々木 誠", "ささき まこと")
    person(db, "佐々木 眞", "ささき まこと")
    window = open_list(qtbot, db, officer)

    def scores() -> list[int]:
        return [int(row[SCORE_COLUMN]) for row in shown(window)]

    assert len(scores()) == 2
    assert scores() == sorted(scores(), reverse=True)  # best first
    assert shown(window)[1][REASONS_COLUMN] == SAME_READING
    window.table.sortByColumn(SCORE_COLUMN, Qt.SortOrder.AscendingOrder)  # the heading clicked
    assert scores() == sorted(scores())
    # The pair taken out leaves the next one selected, ready to look at.
    window.table.selectRow(0)
    qtbot.mouseClick(window.distinct_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.current_pair() is window.model.entry(0)
    assert "山田 太郎" in window.sides[0].text() and window.merge_button.isEnabled()


def test_a_removed_contact_s_pairs_are_gone_when_read_again(qtbot, db, officer, registry) -> None:  # type: ignore[no-untyped-def]
    window = open_list(qtbot, db, officer)
    assert window.model.rowCount() == 1
    kana = contact_svc.get_contact(db, CLI, registry["taro_kana"])
    contact_svc.set_contact_active(db, CLI, kana.id, kana.version, False)
    with qtbot.waitSignal(window.loaded):
        window.refresh()
    assert shown(window) == []


def test_counter_staff_have_no_menu_entry_and_officers_do(qtbot, db, actor, officer,  # type: ignore[no-untyped-def]
                                                         registry) -> None:
    from kyodo_desk.ui.main_window import MainWindow

    def entries(window: MainWindow) -> list[str]:
        return [action.text() for menu in window.menuBar().actions() if menu.menu()
                for action in menu.menu().actions()]

    made = []
    try:
        for who in (actor, officer):
            window = MainWindow(db, who)
            qtbot.addWidget(window)
            made.append(window)
        staff, officer_window = made
        assert not [text for text in entries(staff) if "重複" in text]
        assert "連絡先の重複を確認(&D)…" in entries(officer_window)
        officer_window.show()
        opened = officer_window.open_duplicates()
        assert isinstance(opened, DuplicatesWindow)
        qtbot.waitUntil(lambda: opened.model.rowCount() == 1)
        assert officer_window.open_duplicates() is opened  # one list, brought to the front
        assert misfits(opened) == []
    finally:
        QThreadPool.globalInstance().waitForDone()
        qtbot.waitUntil(lambda: pending_jobs() == 0)
        for window in made:
            window.live.stop()
            window.close()
        gc.collect()


def test_the_list_is_written_to_a_csv_file(qtbot, db, officer, registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = open_list(qtbot, db, officer)
    window.export(tmp_path / "重複候補", "csv")
    qtbot.waitUntil(lambda: "書き出しました" in window.status.text())
    written = (tmp_path / "重複候補.csv").read_text(encoding="utf-8-sig")
    assert "山田 太郎" in written and "ﾔﾏﾀﾞ ﾀﾛｳ" in written and "佐藤 花子" not in written
    assert "取扱いに注意" in window.status.text()
