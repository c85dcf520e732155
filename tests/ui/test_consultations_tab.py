"""相談記録 tab as a counter clerk uses it: the list, search, filters, follow-ups and badge,
scrolling a long list, masking for the administrator, and opening a record."""

from __future__ import annotations

import gc
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from sqlalchemy import select

from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.models import AuditEntry
from kyodo_desk.services import consultations as svc
from kyodo_desk.services import contacts
from kyodo_desk.services.consultations import ConsultationDraft, ConsultationStatus
from kyodo_desk.services.consultations import listing as consultation_list
from kyodo_desk.ui import operations
from kyodo_desk.ui.consultations.model import PLAN_COLUMN
from kyodo_desk.ui.tasks import pending_jobs
from kyodo_desk.ui.windowed import LOADING as LOADING_TEXT
from tests.consultation_fields import valid
from tests.ui.conftest import type_text

TODAY = date.today()


def record(db, actor, facility_id: int, asked: str, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("held_on", TODAY - timedelta(days=1))
    return svc.create_consultation(db, actor, ConsultationDraft(
        facility_id=facility_id, asked=asked, **valid(fields)))


@pytest.fixture
def make_tab(qtbot, db):  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.consultations.tab import ConsultationsTab

    made = []

    def make(actor):  # type: ignore[no-untyped-def]
        tab = ConsultationsTab(db, actor)
        qtbot.addWidget(tab)
        tab.resize(1280, 700)
        tab.show()
        made.append(tab)
        shown(qtbot, tab)
        return tab

    yield make
    QThreadPool.globalInstance().waitForDone()
    for tab in made:
        tab.close()
        tab.deleteLater()
    gc.collect()


def shown(qtbot, tab, action=None) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(tab.list_shown):
        (action or tab.refresh)()


def listed(qtbot, tab) -> list[str]:  # type: ignore[no-untyped-def]
    """The 相談内容 column as the user reads it, once every row has arrived."""
    model = tab.model
    qtbot.waitUntil(lambda: all(model.data(model.index(r, 7)) != LOADING_TEXT
                                for r in range(model.rowCount())))
    return [model.data(model.index(r, 7)) for r in range(model.rowCount())]


def test_the_list_shows_the_facility_s_records_newest_first(make_tab, db, actor, accounts_by_login,
                                                          facilities, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    record(db, actor, facilities["east"], "古い相談", held_on=TODAY - timedelta(days=9))
    record(db, actor, facilities["east"], "新しい相談")
    record(db, accounts_by_login["staff_west"], facilities["west"], "西部の相談")
    tab = make_tab(actor)
    assert listed(qtbot, tab) == ["新しい相談", "古い相談"]
    assert tab.count.text() == "2 件"
    model = tab.model
    assert model.data(model.index(0, 2)) == "東部市民サービスセンター"
    assert model.data(model.index(0, 3)) == "窓口 花子"
    assert tab.facility.count() == 1  # staff list their own facility only…
    assert tab.table.isColumnHidden(2)  # …so its name in every row is left out
    shot = tmp_path / "consultations.png"
    assert tab.grab().save(str(shot))


def test_the_facility_filter_shows_the_longest_name_whole(make_tab, accounts_by_login,
                                                         qtbot) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(accounts_by_login["officer"])
    tab.resize(1280, 800)  # the counter PC's screen
    tab.show()
    combo = tab.facility
    qtbot.waitUntil(lambda: combo.findText("東部市民サービスセンター") >= 0)
    longest = max((combo.itemText(i) for i in range(combo.count())),
                  key=combo.fontMetrics().horizontalAdvance)
    combo.setCurrentIndex(combo.findText(longest))
    # The box, less its arrow and frame, holds the name it shows (it was cut to 「東部市民…」).
    qtbot.waitUntil(lambda: combo.width() - 20 >= combo.fontMetrics().horizontalAdvance(longest))


def test_typing_a_two_character_word_narrows_the_list(make_tab, db, actor, facilities, qtbot) -> None:  # type: ignore[no-untyped-def]
    record(db, actor, facilities["east"], "広報誌にイベントを載せたい")
    record(db, actor, facilities["east"], "NPO法人の設立")
    tab = make_tab(actor)
    with qtbot.waitSignal(tab.list_shown):
        type_text(qtbot, tab.search, "広報")
    assert listed(qtbot, tab) == ["広報誌にイベントを載せたい"]
    with qtbot.waitSignal(tab.list_shown):
        tab.search.clear()
        type_text(qtbot, tab.search, "ﾎｳｼﾞﾝ")  # half-width katakana: no match in kanji text
    assert listed(qtbot, tab) == []
    assert tab.count.text() == "0 件"


def test_filters_for_status_and_period(make_tab, db, actor, facilities, qtbot) -> None:  # type: ignore[no-untyped-def]
    record(db, actor, facilities["east"], "期限切れ", held_on=TODAY - timedelta(days=20),
           follow_up_due=TODAY - timedelta(days=3))
    record(db, actor, facilities["east"], "完了済み", status=ConsultationStatus.DONE)
    record(db, actor, facilities["east"], "去年の相談", held_on=TODAY - timedelta(days=800),
           status=ConsultationStatus.DONE)
    tab = make_tab(actor)
    shown(qtbot, tab, lambda: tab.status.setCurrentIndex(tab.status.findText("期限切れ")))
    assert listed(qtbot, tab) == ["期限切れ"]
    model = tab.model
    assert model.data(model.index(0, 9), Qt.ItemDataRole.ToolTipRole) == \
        "フォローアップの期限を3日過ぎています"
    shown(qtbot, tab, lambda: tab.status.setCurrentIndex(0))
    shown(qtbot, tab, lambda: tab.period.setCurrentIndex(tab.period.findText("今年度")))
    this_year = listed(qtbot, tab)
    assert "去年の相談" not in this_year and "完了済み" in this_year


def test_the_follow_up_plan_is_a_column_in_view(make_tab, db, accounts_by_login,
                                               facilities) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]  # every column shown, the facility's too
    record(db, officer, facilities["east"], "NPO法人化の相談",
           follow_up_due=TODAY + timedelta(days=14), follow_up_plan="定款・設立書類の準備状況を電話で確認")
    tab = make_tab(officer)
    model, table = tab.model, tab.table
    assert model.headerData(PLAN_COLUMN, Qt.Orientation.Horizontal) == "フォローアップの予定"
    assert model.data(model.index(0, PLAN_COLUMN)) == "定款・設立書類の準備状況を電話で確認"
    # At 1280 pixels, in view with room to read, without scrolling sideways.
    assert table.columnViewportPosition(PLAN_COLUMN) + 180 <= table.viewport().width()


def test_on_the_counter_pc_the_question_has_the_most_room(make_tab, db, accounts_by_login,
                                                          facilities) -> None:  # type: ignore[no-untyped-def]
    """At 1280 pixels, every column shown (an officer's list): 相談内容 is the widest column,
    the dates, time, channel and status read whole, and a cut name shows whole in its tooltip."""
    from kyodo_desk.ui.consultations.model import (
        ASKED_COLUMN,
        CHANNEL_COLUMN,
        DATE_COLUMN,
        DUE_COLUMN,
        FACILITY_COLUMN,
        STATUS_COLUMN,
        TIME_COLUMN,
    )

    officer = accounts_by_login["officer"]
    record(db, officer, facilities["east"],
           "町内会の夏祭りで使うテントと発電機を借りたい。補助金の対象になるか、締め切りを知りたい。",
           follow_up_due=TODAY + timedelta(days=14), follow_up_plan="申請書の下書きを見る")
    tab = make_tab(officer)
    model, table = tab.model, tab.table
    header = table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(model.columnCount())]
    assert widths[ASKED_COLUMN] == max(widths)
    assert widths[ASKED_COLUMN] >= table.fontMetrics().horizontalAdvance("相" * 16)
    for column in (DATE_COLUMN, TIME_COLUMN, CHANNEL_COLUMN, STATUS_COLUMN, DUE_COLUMN):
        assert widths[column] >= table.sizeHintForColumn(column)
    assert sum(widths) <= table.viewport().width()  # no scrolling sideways
    assert model.index(0, FACILITY_COLUMN).data(Qt.ItemDataRole.ToolTipRole) == \
        "東部市民サービスセンター"
    assert model.index(0, ASKED_COLUMN).data(Qt.ItemDataRole.ToolTipRole).startswith("町内会の夏祭り")


def test_my_follow_ups_and_the_badge(qtbot, db, actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.main_window import MainWindow

    record(db, actor, facilities["east"], "来週連絡", follow_up_due=TODAY + timedelta(days=5))
    record(db, actor, facilities["east"], "連絡が遅れている", held_on=TODAY - timedelta(days=9),
           follow_up_due=TODAY - timedelta(days=1))
    record(db, actor, facilities["east"], "フォロー不要")
    record(db, accounts_by_login["officer"], facilities["east"], "他の人の", follow_up_due=TODAY)
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    tab = window.consultations
    try:
        index = window.tabs.indexOf(tab)
        qtbot.waitUntil(lambda: window.tabs.tabText(index) == "相談記録 (2・期限切れ1)")
        shown(qtbot, tab, lambda: tab.mine.setChecked(True))
        assert listed(qtbot, tab) == ["連絡が遅れている", "来週連絡"]  # overdue first
        assert tab.model.data(tab.model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None
    finally:
        QThreadPool.globalInstance().waitForDone()
        window.live.stop()
        window.close()
        window.deleteLater()
        gc.collect()


def test_a_long_list_scrolls_to_the_end_holding_only_a_few_blocks(
        make_tab, db, actor, facilities, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.consultations.model import ConsultationListModel

    monkeypatch.setattr(ConsultationListModel, "block_size", 4)
    monkeypatch.setattr(ConsultationListModel, "blocks_kept", 2)
    for i in range(19):
        record(db, actor, facilities["east"], f"相談{i:02d}", held_on=TODAY - timedelta(days=i + 1))
    tab = make_tab(actor)
    # A view taller than the blocks kept would evict what it just fetched and fetch it again,
    # forever: show three rows, which span two blocks of four at most.
    tab.table.setFixedHeight(tab.table.horizontalHeader().sizeHint().height()
                             + 3 * tab.table.verticalHeader().defaultSectionSize())
    qtbot.waitUntil(lambda: tab.model.rowCount() == 19)  # the count arrived
    assert tab.count.text() == "19 件"
    seen = []
    for row in range(19):
        tab.table.scrollTo(tab.model.index(row, 0))
        qtbot.waitUntil(lambda row=row: tab.model.data(tab.model.index(row, 7)) != LOADING_TEXT)
        seen.append(tab.model.data(tab.model.index(row, 7)))
        assert tab.model.loaded_rows() <= 8
    assert seen == [f"相談{i:02d}" for i in range(19)]
    # A jump back to the top reads the first block again.
    tab.table.scrollToTop()
    qtbot.waitUntil(lambda: tab.model.data(tab.model.index(0, 7)) == "相談00")


def test_the_administrator_sees_counts_without_personal_fields(make_tab, db, actor, admin,
                                                              facilities, qtbot) -> None:  # type: ignore[no-untyped-def]
    person = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=contacts.ContactKind.PERSON, name="秋田 太郎", reading="あきた たろう"))
    record(db, actor, facilities["east"], "家族の事情の相談", consultee_contact_id=person.id)
    tab = make_tab(admin)
    assert listed(qtbot, tab) == ["（非表示）"]
    assert tab.model.data(tab.model.index(0, 4)) == "（非表示）"
    assert not tab.search.isEnabled()
    assert not tab.new_button.isVisible()
    opened_before = audit_opens(db)
    tab.table.selectRow(0)
    with qtbot.waitSignal(tab.status_message) as message:
        qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert "開けません" in message.args[0]
    assert audit_opens(db) == opened_before


def audit_opens(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return len(session.scalars(select(AuditEntry.id).where(AuditEntry.action == "open")).all())


def test_enter_opens_the_record_in_the_form_and_is_audited(make_tab, db, actor, facilities,
                                                          qtbot) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.consultations.form import ConsultationForm

    made = record(db, actor, facilities["east"], "会場の予約について")
    tab = make_tab(actor)
    listed(qtbot, tab)
    tab.table.setFocus()
    tab.table.selectRow(0)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(tab.findChildren(ConsultationForm)))
    form = tab.findChildren(ConsultationForm)[0]
    assert form.isVisible()
    assert audit_opens(db) == 1
    form.reject()
    assert made.id == tab.current_row().id


def test_another_counter_s_new_record_appears_without_a_restart(make_tab, db, actor, facilities,
                                                                qtbot, database_url) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.database import open_database

    tab = make_tab(actor)
    assert listed(qtbot, tab) == []
    other = open_database(database_url)
    try:
        record(other, actor, facilities["east"], "隣の窓口で記録")
    finally:
        other.dispose()
    with qtbot.waitSignal(tab.list_shown):
        tab.on_data_changed(frozenset({"consultations"}))
    assert listed(qtbot, tab) == ["隣の窓口で記録"]


def test_enter_in_the_search_box_goes_to_the_list_without_opening(make_tab, db, actor, facilities,
                                                                  qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    record(db, actor, facilities["east"], "会場の予約について")
    tab = make_tab(actor)
    listed(qtbot, tab)
    tab.focus_search()
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is tab.table
    assert tab.table.currentIndex().row() == 0
    assert audit_opens(db) == 0  # opening is a choice of record, and is audited


def test_only_the_last_search_is_listed_however_slow_the_first(
        make_tab, db, actor, facilities, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    record(db, actor, facilities["east"], "広報誌にイベントを載せたい")
    record(db, actor, facilities["east"], "NPO法人の設立")
    tab = make_tab(actor)
    entered, release = threading.Event(), threading.Event()
    real = consultation_list.list_consultations

    def slow_for_the_first(db, actor, where, **kwargs):  # type: ignore[no-untyped-def]
        if where.text == "広報":  # a slow network, on the worker thread
            entered.set()
            release.wait(5)
        return real(db, actor, where, **kwargs)

    monkeypatch.setattr(consultation_list, "list_consultations", slow_for_the_first)
    try:
        type_text(qtbot, tab.search, "広報")
        qtbot.waitUntil(entered.is_set)
        with qtbot.waitSignal(tab.list_shown):
            tab.search.clear()
            type_text(qtbot, tab.search, "NPO")  # typed while the first search waits
    finally:
        release.set()
    qtbot.waitUntil(lambda: pending_jobs() == 0)  # the first answer came too…
    assert listed(qtbot, tab) == ["NPO法人の設立"]  # …and was dropped
    assert tab.count.text() == "1 件"


def test_a_lost_connection_while_listing_is_said_in_the_status_bar(
        qtbot, db, actor, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMainWindow

    from kyodo_desk.ui.consultations.tab import ConsultationsTab

    record(db, actor, facilities["east"], "会場の予約について")
    window = QMainWindow()
    qtbot.addWidget(window)
    tab = ConsultationsTab(db, actor)
    window.setCentralWidget(tab)
    window.show()
    shown(qtbot, tab)
    dialogs: list[object] = []
    monkeypatch.setattr(operations, "show_error", lambda _parent, exc, *a: dialogs.append(exc))

    def lost(*_a, **_k):  # type: ignore[no-untyped-def]
        raise ConnectionLost("データベースに接続できません。")

    monkeypatch.setattr(consultation_list, "list_consultations", lost)
    tab.refresh()  # what the live refresh does every time another counter saves
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "データベースに接続できません。")
    assert dialogs == []  # no dialog for every refresh while the link is down
    assert listed(qtbot, tab) == ["会場の予約について"]  # what was listed stays
    QThreadPool.globalInstance().waitForDone()
