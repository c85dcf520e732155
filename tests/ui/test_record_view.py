"""カルテ: opened from the contacts tab's detail pane, one window with the contact's steps,
consultations (another facility's only as 相談あり), sign-ups, grant cases and memberships,
read again when a record changes, and printed through the preview."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton

from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import ContactKind
from kyodo_desk.services.contacts import Affiliation, ContactDraft, create_contact, get_contact
from kyodo_desk.services.demo.grants import community_programme
from kyodo_desk.services.grants import create_programme
from kyodo_desk.ui.contacts.detail import DetailPane
from kyodo_desk.ui.contacts.record_view import HIDDEN_TEXT, RecordWindow
from kyodo_desk.ui.operations import data_changes
from kyodo_desk.ui.pdf_preview import PdfPreview
from kyodo_desk.ui.tasks import pending_jobs
from tests.grant_fixtures import group
from tests.services.test_contact_record import adopted_case, attend, consult
from tests.ui.test_contacts_tab import type_query
from tests.ui.test_grants_tab import click
from tests.ui.test_screen_fit import misfits

CLI = Actor.command_line()
WEST_ASKED = "西部で子ども食堂を始めたい。会場を借りられるか相談したい。"


@pytest.fixture
def group_id(db, accounts_by_login, facilities) -> int:  # type: ignore[no-untyped-def]
    """あきた川辺の会: its representative, a consultation at 東部 and one at 西部, a course it
    came to, and a 地域づくり交付金 case adopted on 2026-05-07 and under way."""
    g = group(db, "あきた川辺の会")
    create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, name="川辺 一郎",
                                         reading="かわべ いちろう",
                                         groups=(Affiliation(g, "", "代表"),)))
    consult(db, accounts_by_login["staff"], facilities["east"], g, date(2026, 6, 20),
            "NPO法人を設立したいが、定款の作り方を知りたい。")
    consult(db, accounts_by_login["staff_west"], facilities["west"], g, date(2026, 7, 1),
            WEST_ASKED)
    attend(db, facilities["east"], g, (date(2026, 2, 7), date(2026, 2, 21)), (date(2026, 2, 21),))
    programme = create_programme(db, CLI, community_programme(2026)).id
    adopted_case(db, programme, g, "川辺の夏まつり", date(2026, 4, 1), stage=Stage.IN_PROGRESS,
                 decided=250_000)
    return g


def open_record(qtbot, window, name: str) -> RecordWindow:  # type: ignore[no-untyped-def]
    """Find *name* in the contacts tab and press カルテ in its detail pane."""
    tab = window.contacts
    type_query(qtbot, tab, name)
    qtbot.waitUntil(lambda: tab.detail.title.text() == name and tab.detail.record_button.isVisible())
    button: QAbstractButton = tab.detail.record_button
    click(qtbot, button)
    qtbot.waitUntil(lambda: tab.record_window is not None and tab.record_window.record is not None)
    record = tab.record_window
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    return record


def column(view: RecordWindow, model: Any, col: int) -> list[str]:
    return [model.text(r, col) for r in range(model.rowCount())]


def test_counter_staff_see_the_history_with_another_facility_s_consultation_as_consulted(  # type: ignore[no-untyped-def]
        qtbot, main_window, accounts_by_login, group_id) -> None:
    window = main_window(accounts_by_login["staff"])  # 東部の窓口職員
    view = open_record(qtbot, window, "あきた川辺の会")
    assert view.windowTitle() == "団体カルテ — あきた川辺の会"
    assert "代表者: 川辺 一郎（代表）" in view.subtitle.text()
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert tabs == ["歩み", "相談（2）", "イベント（1）", "交付金（表示なし）", "構成員（1）"]

    model = view.consultations
    assert column(view, model, 0) == ["2026年7月1日", "2026年6月20日"]
    assert column(view, model, 1) == ["西部市民サービスセンター", "東部市民サービスセンター"]
    assert column(view, model, 4) == ["相談あり", "NPO法人を設立したいが、定款の作り方を知りたい。"]
    assert column(view, model, 5) == ["", "窓口 花子"]
    assert model.data(model.index(0, 4), Qt.ItemDataRole.ForegroundRole) == HIDDEN_TEXT
    assert "うち1件は、このアカウントでは内容を表示できない相談" in view.consultation_note.text()

    assert "交付金案件は、窓口職員のアカウントでは表示されません" in view.grant_note.text()
    assert view.grants.rowCount() == 0 and not view.grant_table.isVisibleTo(view)
    assert column(view, view.sign_ups, 4) == ["出席 1/2回（2/21）"]

    # これまでの記録: every dated record in one list, the steps reached in bold among them.
    moments = column(view, view.moments, 2)
    assert moments[0] == "西部市民サービスセンター　相談あり"
    assert "ステップアップ（相談（東部市民サービスセンター））" in moments
    assert "交付金" not in column(view, view.moments, 1)

    # Without the grant cases, the steps come from the course and the consultations.
    cards = [(c.name.text(), c.reached.text(), c.by.text()) for c in view.step_cards]
    assert cards == [("1　チャレンジ", "2026年2月21日", "「市民活動入門セミナー」に出席"),
                     ("2　ステップアップ", "2026年6月20日", "相談（東部市民サービスセンター）"),
                     ("3　パートナーシップ", "まだ記録がありません", "")]
    view.reject()


def test_an_officer_sees_the_grant_cases_and_the_steps_they_reach(  # type: ignore[no-untyped-def]
        qtbot, main_window, accounts_by_login, group_id) -> None:
    window = main_window(accounts_by_login["officer"])
    view = open_record(qtbot, window, "あきた川辺の会")
    assert view.tabs.tabText(3) == "交付金（1）"
    assert [view.grants.text(0, c) for c in range(8)] == [
        "令和8年度", "秋田市地域づくり交付金", "川辺の夏まつり", "実施", "2026年5月7日",
        "300,000円", "250,000円", ""]
    assert column(view, view.consultations, 4)[0] == WEST_ASKED  # every facility's, in full
    assert view.step_cards[1].reached.text() == "2026年5月7日"
    assert view.step_cards[1].by.text() == "秋田市地域づくり交付金「川辺の夏まつり」採択"
    assert view.left_out.isHidden()
    assert misfits(view) == []


def test_the_record_is_read_again_when_a_consultation_is_added(  # type: ignore[no-untyped-def]
        qtbot, main_window, db, accounts_by_login, facilities, group_id) -> None:
    window = main_window(accounts_by_login["staff"])
    view = open_record(qtbot, window, "あきた川辺の会")
    consult(db, accounts_by_login["staff"], facilities["east"], group_id, date(2026, 8, 3),
            "夏まつりの報告書の書き方を知りたい。")
    with qtbot.waitSignal(view.shown):
        data_changes().changed.emit(frozenset({"consultations"}))  # as another counter's save
    assert view.tabs.tabText(1) == "相談（3）"
    assert view.consultations.text(0, 4) == "夏まつりの報告書の書き方を知りたい。"


def test_the_print_is_previewed_for_saving_and_printing(  # type: ignore[no-untyped-def]
        qtbot, main_window, accounts_by_login, group_id, tmp_path) -> None:
    window = main_window(accounts_by_login["officer"])
    view = open_record(qtbot, window, "あきた川辺の会")
    click(qtbot, view.print_button)
    qtbot.waitUntil(lambda: isinstance(view.preview, PdfPreview) and view.preview.isVisible())
    preview = view.preview
    assert preview.pdf.startswith(b"%PDF") and preview.document.pageCount() >= 1
    assert preview.windowTitle() == "団体カルテ — あきた川辺の会"
    preview.save_pdf(tmp_path / "カルテ.pdf")
    assert (tmp_path / "カルテ.pdf").read_bytes() == preview.pdf
    assert misfits(preview) == []
    preview.close()


def test_the_detail_pane_says_a_merged_record_lives_on_in_another(  # type: ignore[no-untyped-def]
        qtbot, db, accounts_by_login, group_id) -> None:
    from dataclasses import replace

    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show()
    stored = get_contact(db, CLI, group_id)
    pane.show_contact(stored)
    assert pane.merged.isHidden() and pane.record_button.isVisible()
    pane.show_contact(replace(stored, merged_into_id=4321, active=False))
    assert pane.merged.isVisible() and pane.merged.text() == "統合済み（番号 4321 へ）"
    pane.clear()
    assert pane.merged.isHidden() and pane.record_button.isHidden()
