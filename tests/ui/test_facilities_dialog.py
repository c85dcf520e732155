"""管理 → 施設の情報: the administrator keeps a facility's contacts and opening hours current,
as the administrator would, reading and writing off the GUI thread (the strict guard)."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QThreadPool, QTime
from PySide6.QtWidgets import QMessageBox

from kyodo_desk.services import facilities as svc
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.admin import facilities_dialog
from kyodo_desk.ui.admin.facilities_dialog import NOT_ADMIN, FacilitiesDialog
from kyodo_desk.ui.conflict import Choice
from kyodo_desk.ui.main_window import MainWindow
from kyodo_desk.ui.tasks import pending_jobs
from tests.ui.conftest import type_text

NAMES = ["東部市民サービスセンター", "西部市民サービスセンター", "南部市民サービスセンター",
         "北部市民サービスセンター", "中央市民サービスセンター", "河辺市民サービスセンター",
         "雄和市民サービスセンター", "秋田市市民交流サロン"]


@pytest.fixture(autouse=True)
def _closing_discards(monkeypatch: pytest.MonkeyPatch) -> None:
    """A form left with text in it is closed at the end of a test without a question."""
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")


@pytest.fixture
def open_dialog(qtbot):  # type: ignore[no-untyped-def]
    made: list[FacilitiesDialog] = []

    def open_dialog(db, actor) -> FacilitiesDialog:  # type: ignore[no-untyped-def]
        dialog = FacilitiesDialog(db, actor)
        qtbot.addWidget(dialog)
        made.append(dialog)
        with qtbot.waitActive(dialog):  # the keys reach the active window only
            dialog.show()
            dialog.activateWindow()
        qtbot.waitUntil(lambda: dialog.facility_list.count() == 8 and dialog.content.isEnabled())
        return dialog

    yield open_dialog
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    for dialog in made:
        dialog.close_keeping_draft()
        dialog.deleteLater()
    gc.collect()


def choose(dialog: FacilitiesDialog, name: str) -> None:
    dialog.facility_list.setCurrentRow(NAMES.index(name))
    assert dialog.heading.text() == name


def save(qtbot, dialog: FacilitiesDialog) -> bool:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.save_finished) as finished:
        dialog.save_button.click()
    return bool(finished.args[0])


def test_the_administrator_finds_it_in_the_admin_menu(qtbot, db, admin) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(db, admin)
    qtbot.addWidget(window)
    try:
        admin_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "管理(&A)")
        assert "施設の情報(&F)…" in [a.text() for a in admin_menu.actions()]
    finally:
        window.live.stop()


def test_hours_and_a_phone_saved_show_in_a_fresh_read_and_the_window_stays(
        qtbot, db, admin, actor, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(db, admin)
    assert dialog.facility_names() == NAMES
    choose(dialog, "秋田市市民交流サロン")
    assert dialog.building.text() == "アルヴェ3階"
    assert dialog.opens_at.text() == "未入力"  # the seed states no hours

    dialog.opens_at.setTime(QTime(9, 0))
    dialog.closes_at.setTime(QTime(21, 0))
    dialog.preset_buttons["月〜土"].linkActivated.emit("月火水木金土")
    type_text(qtbot, dialog.closed_days, "年末年始")
    dialog.phone.setText("0188875313")
    assert dialog.preview.text() == "9:00〜21:00（月〜土）　休館日: 年末年始"

    assert save(qtbot, dialog)
    stored = svc.get_facility(db, actor, dialog.record_id)  # as another counter reads it
    assert (stored.opening_hours, stored.phone) == (
        "9:00〜21:00（月〜土）　休館日: 年末年始", "018-887-5313")
    assert dialog.isVisible() and dialog.summary.text() == "「秋田市市民交流サロン」を保存しました。"
    assert dialog.phone.text() == "018-887-5313"  # as stored
    assert not dialog.is_dirty()

    # The next facility in the same window, then back: the saved version, not the one read
    # when the window opened, so a second save is no conflict.
    choose(dialog, "中央市民サービスセンター")
    choose(dialog, "秋田市市民交流サロン")
    assert dialog.closed_days.text() == "年末年始"
    dialog.hours.setText("日曜は17:00まで")
    assert save(qtbot, dialog)
    assert svc.get_facility(db, actor, stored.id).hours == "日曜は17:00まで"


def test_a_closing_time_before_the_opening_is_said_under_the_hours_and_nothing_is_saved(
        qtbot, db, admin, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(db, admin)
    choose(dialog, "東部市民サービスセンター")
    before = svc.get_facility(db, admin, dialog.record_id)
    dialog.opens_at.setTime(QTime(17, 0))
    dialog.closes_at.setTime(QTime(9, 0))
    dialog.email.setText("ro-sces@")
    assert not save(qtbot, dialog)
    assert "閉館時刻（9:00）は開館時刻（17:00）より後に" in dialog.errors.message("closes_at")
    assert "メールアドレス「ro-sces@」" in dialog.errors.message("email")  # all at once
    assert dialog.email.hasFocus()  # the first at fault, in form order
    assert svc.get_facility(db, admin, dialog.record_id) == before


def test_the_services_refusal_names_each_field_and_keeps_what_was_typed(
        qtbot, db, admin, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(db, admin)
    choose(dialog, "西部市民サービスセンター")
    dialog.phone.setText("123")
    dialog.address.clear()
    assert not save(qtbot, dialog)
    assert "電話番号「123」" in dialog.errors.message("phone")
    assert dialog.errors.message("address") == "住所を入力してください。"
    assert dialog.phone.text() == "123"
    assert dialog.address.hasFocus()  # the first field at fault, in form order
    assert svc.get_facility(db, admin, dialog.record_id).phone == "018-888-8080"


def test_typing_a_postal_code_fills_an_emptied_address(qtbot, db, admin, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(db, admin)
    choose(dialog, "東部市民サービスセンター")
    dialog.address.clear()
    dialog.postal_code.clear()
    type_text(qtbot, dialog.postal_code, "010-0001")
    assert dialog.address.text() == "秋田県秋田市中通"


def test_counter_staff_may_read_but_the_save_is_refused(qtbot, db, actor, open_dialog,
                                                        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(db, actor)
    choose(dialog, "東部市民サービスセンター")
    assert not dialog.save_button.isEnabled()
    assert dialog.summary.text() == NOT_ADMIN
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: said.append(text))
    dialog.phone.setText("018-853-1040")
    with qtbot.waitSignal(dialog.save_finished) as finished:
        dialog.save()  # Ctrl+Enter: the service, not the button, is the guard
    assert finished.args == [False]
    assert said == ["窓口職員のアカウントでは、拠点施設を変更できません。必要なときは管理者に依頼してください。"]
    assert svc.get_facility(db, actor, dialog.record_id).phone == "018-853-1039"
    assert not dialog.save_button.isEnabled()


def test_a_save_made_meanwhile_is_shown_beside_mine(qtbot, db, admin, open_dialog,
                                                    monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(db, admin)
    choose(dialog, "北部市民サービスセンター")
    theirs = svc.get_facility(db, admin, dialog.record_id)
    svc.update_facility(db, admin, theirs.id, theirs.version,
                        svc.FacilityDraft(**{**theirs.as_draft().__dict__, "closed_days": "祝日"}))
    dialog.closed_days.setText("年末年始")
    shown: list[list[tuple[str, ...]]] = []

    def keep_editing(versions) -> int:  # type: ignore[no-untyped-def]
        shown.append([tuple(versions.table.item(r, c).text() for c in range(3))
                      for r in range(versions.table.rowCount())])
        versions.choice = Choice.KEEP_EDITING
        return 1

    monkeypatch.setattr(facilities_dialog.FacilityVersionsDialog, "exec", keep_editing)
    assert not save(qtbot, dialog)
    assert shown == [[("休館日", "年末年始", "祝日")]]
    assert dialog.closed_days.text() == "年末年始"
    assert svc.get_facility(db, admin, theirs.id).closed_days == "祝日"


def test_choosing_another_facility_with_unsaved_changes_asks_and_keeps_them_as_a_draft(
        qtbot, db, admin, open_dialog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(db, admin)
    choose(dialog, "南部市民サービスセンター")
    dialog.closed_days.setText("年末年始")
    answers = iter(["continue", "keep"])
    monkeypatch.setattr(facilities_dialog, "ask", lambda *_a, **_k: next(answers))

    dialog.facility_list.setCurrentRow(NAMES.index("河辺市民サービスセンター"))  # 入力を続ける
    assert dialog.heading.text() == "南部市民サービスセンター"
    assert dialog.facility_list.currentRow() == NAMES.index("南部市民サービスセンター")
    assert dialog.closed_days.text() == "年末年始"

    choose(dialog, "河辺市民サービスセンター")  # 下書きを残して切り替える
    assert dialog.closed_days.text() == ""
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "restore")
    choose(dialog, "南部市民サービスセンター")
    assert dialog.closed_days.text() == "年末年始"  # the draft, offered back
    assert svc.get_facility(db, admin, dialog.record_id).closed_days == ""


def test_the_dialog_fits_the_counter_screen(qtbot, db, admin, open_dialog) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.test_screen_fit import misfits

    dialog = open_dialog(db, admin)
    choose(dialog, "秋田市市民交流サロン")
    assert misfits(dialog) == []
    assert dialog.minimumSizeHint().height() <= dialog.height()
