"""連絡先の統合: two records side by side, the clerk picks each field, every linked row moves to
the kept record, refusals are said in the dialog, and the merge is undone from its result, from
the duplicates list or by 編集 → 元に戻す."""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt, QThreadPool

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import consultations
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType
from kyodo_desk.services.events.registrations import SignUpDraft, get_registration, sign_up
from kyodo_desk.ui.contacts.duplicates_window import DuplicatesWindow
from kyodo_desk.ui.contacts.merge_dialog import KEEP, MERGE, MergeDialog
from kyodo_desk.ui.tasks import pending_jobs
from tests.consultation_fields import valid
from tests.event_fixtures import TODAY, make_event
from tests.ui.test_screen_fit import misfits

CLI = Actor.command_line()


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def group(db, name: str) -> int:  # type: ignore[no-untyped-def]
    return contact_svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name)).id


@pytest.fixture
def pair(db, actor, facilities):  # type: ignore[no-untyped-def]
    """山田 太郎 (kept) and his second record ﾔﾏﾀﾞ ﾀﾛｳ, with another phone, an e-mail, a
    consultation, a sign-up and a group of his own."""
    garden = group(db, "広面花壇の会")
    keep = contact_svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="山田 太郎", reading="やまだ たろう",
        phone="018-888-5640", postal_code="010-0041", address="秋田市広面字釣瓶町1")).id
    gone = contact_svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="ﾔﾏﾀﾞ ﾀﾛｳ", phone="090-1234-5678",
        email="taro@example.jp", postal_code="010-0041", address="秋田市広面字釣瓶町1",
        groups=(Affiliation(garden, "", "事務局"),))).id
    consultation = consultations.create_consultation(db, actor, consultations.ConsultationDraft(
        held_on=TODAY - timedelta(days=3), facility_id=facilities["east"],
        asked="団体を作りたい", **valid({"consultee_contact_id": gone}))).id
    seminar = make_event(db, facilities["east"], title="市民活動入門セミナー")
    signed = sign_up(db, actor, seminar.id, SignUpDraft(gone), today=TODAY).registration.id
    return {"keep": keep, "gone": gone, "consultation": consultation, "signed": signed,
            "garden": garden}


def open_dialog(qtbot, db, who: Actor, keep: int, gone: int) -> MergeDialog:  # type: ignore[no-untyped-def]
    dialog = MergeDialog(db, who, keep, gone)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    return dialog


def merge_and_wait(qtbot, dialog: MergeDialog) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.merged):
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)


def consultee(db, actor, consultation_id: int) -> int | None:  # type: ignore[no-untyped-def]
    return consultations.get_consultation(db, actor, consultation_id).consultee_contact_id


def test_both_records_side_by_side_with_a_choice_where_they_differ(
        qtbot, db, officer, pair) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, db, officer, pair["keep"], pair["gone"])
    assert f"番号 {pair['keep']}" in dialog.findChild(object, "keepHeading").text()
    assert f"番号 {pair['gone']}" in dialog.findChild(object, "mergeHeading").text()
    assert dialog.findChild(object, "keep_name_value").text() == "山田 太郎"
    assert dialog.findChild(object, "merge_name_value").text() == "ﾔﾏﾀﾞ ﾀﾛｳ"
    # The kept side by default; the other side where the kept one is empty.
    assert dialog.chosen_side("phone") == KEEP
    assert dialog.chosen_side("email") == MERGE
    assert dialog.chosen_side("reading") == KEEP
    # The same value on both sides is shown once, with nothing to choose.
    assert dialog.chosen_side("address") is None
    assert dialog.findChild(object, "same_address").text() == "秋田市広面字釣瓶町1"
    assert dialog.findChild(object, "keep_address") is None
    assert "group_type" not in dialog.rows  # people have no 団体の種類
    assert dialog.findChild(object, "keepLinks").text() == (
        "相談 0件・申込 0件・出席 0件・交付金案件 0件・所属 0件")
    assert dialog.findChild(object, "mergeLinks").text() == (
        "相談 1件・申込 1件・出席 0件・交付金案件 0件・所属 1件")
    assert dialog.merge_button.isEnabled()
    assert misfits(dialog) == []


def test_the_picked_phone_is_kept_the_linked_rows_move_and_the_undo_restores_them(
        qtbot, db, actor, officer, pair) -> None:  # type: ignore[no-untyped-def]
    keep, gone = pair["keep"], pair["gone"]
    dialog = open_dialog(qtbot, db, officer, keep, gone)
    qtbot.mouseClick(dialog.findChild(object, "merge_phone_value"), Qt.MouseButton.LeftButton)
    assert dialog.chosen_side("phone") == MERGE
    merge_and_wait(qtbot, dialog)

    kept = contact_svc.get_contact(db, CLI, keep)
    assert (kept.name, kept.phone, kept.email) == ("山田 太郎", "090-1234-5678", "taro@example.jp")
    assert [g.name for g in kept.groups] == ["広面花壇の会"]
    assert consultee(db, actor, pair["consultation"]) == keep
    assert get_registration(db, actor, pair["signed"]).contact_id == keep
    merged = contact_svc.get_contact(db, CLI, gone)
    assert (merged.active, merged.merged_into_id) == (False, keep)
    # The result: what moved, and the undo.
    assert dialog.pages.currentIndex() == 1
    assert dialog.result_text.text() == (
        f"山田 太郎（番号 {keep}）に ﾔﾏﾀﾞ ﾀﾛｳ（番号 {gone}）を統合しました"
        "（相談 1件・申込 1件・所属 1件）。")
    assert "090-1234-5678" in dialog.kept_fields.text()
    assert dialog.undo_button.isEnabled()

    with qtbot.waitSignal(dialog.undone):
        qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    assert "統合を取り消しました" in dialog.result_text.text()
    assert not dialog.undo_button.isEnabled()
    restored = contact_svc.get_contact(db, CLI, keep)
    assert (restored.phone, restored.email, restored.groups) == ("018-888-5640", "", ())
    back = contact_svc.get_contact(db, CLI, gone)
    assert (back.active, back.merged_into_id) == (True, None)
    assert consultee(db, actor, pair["consultation"]) == gone
    assert get_registration(db, actor, pair["signed"]).contact_id == gone


def test_the_swap_keeps_the_other_record_and_the_values_picked(qtbot, db, officer, pair) -> None:  # type: ignore[no-untyped-def]
    keep, gone = pair["keep"], pair["gone"]
    dialog = open_dialog(qtbot, db, officer, keep, gone)
    dialog.choose("phone", MERGE)  # ﾔﾏﾀﾞ ﾀﾛｳ's mobile
    qtbot.mouseClick(dialog.swap_button, Qt.MouseButton.LeftButton)
    assert f"番号 {gone}" in dialog.findChild(object, "keepHeading").text()
    assert dialog.findChild(object, "keep_name_value").text() == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert dialog.chosen_side("phone") == KEEP  # still the mobile, now on the left
    assert dialog.chosen_side("reading") == MERGE  # the left is empty: やまだ たろう
    assert dialog.findChild(object, "keepLinks").text().startswith("相談 1件")
    dialog.choose("name", MERGE)
    merge_and_wait(qtbot, dialog)
    kept = contact_svc.get_contact(db, CLI, gone)
    assert (kept.name, kept.reading, kept.phone) == ("山田 太郎", "やまだ たろう", "090-1234-5678")
    assert contact_svc.get_contact(db, CLI, keep).merged_into_id == gone


def test_a_record_removed_meanwhile_is_refused_in_the_dialog(qtbot, db, officer, pair) -> None:  # type: ignore[no-untyped-def]
    keep, gone = pair["keep"], pair["gone"]
    dialog = open_dialog(qtbot, db, officer, keep, gone)
    removed = contact_svc.get_contact(db, CLI, gone)
    contact_svc.set_contact_active(db, CLI, gone, removed.version, False)  # at another counter
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "削除されているため統合できません" in dialog.error.text())
    assert dialog.error.isVisible()
    assert dialog.pages.currentIndex() == 0  # still the comparison; nothing merged
    assert contact_svc.get_contact(db, CLI, keep).phone == "018-888-5640"
    assert contact_svc.get_contact(db, CLI, gone).merged_into_id is None

    # Opened again afterwards, the pair is refused at once, with nothing to confirm.
    again = open_dialog(qtbot, db, officer, keep, gone)
    assert "削除されているため統合できません" in again.error.text()
    assert not again.merge_button.isEnabled()


def test_a_person_and_a_group_are_refused_with_the_reason(qtbot, db, officer, pair) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, db, officer, pair["keep"], pair["garden"])
    assert "個人と団体は統合できません" in dialog.error.text()
    assert not dialog.merge_button.isEnabled() and not dialog.swap_button.isEnabled()


def test_a_record_changed_meanwhile_shows_the_conflict_and_what_is_stored_now(
        qtbot, db, officer, pair) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    keep, gone = pair["keep"], pair["gone"]
    dialog = open_dialog(qtbot, db, officer, keep, gone)
    dialog.choose("phone", MERGE)
    theirs = contact_svc.get_contact(db, CLI, gone)
    contact_svc.update_contact(db, CLI, gone, theirs.version,
                               replace(theirs.as_draft(), phone="090-8765-4321"))
    with qtbot.waitSignal(dialog.loaded):  # refused, then read again
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    assert "他の窓口で変更されました" in dialog.error.text()
    assert dialog.findChild(object, "merge_phone_value").text() == "090-8765-4321"
    assert dialog.chosen_side("phone") == MERGE  # the choice made is kept
    assert contact_svc.get_contact(db, CLI, gone).merged_into_id is None
    merge_and_wait(qtbot, dialog)  # looked at again, confirmed again
    assert contact_svc.get_contact(db, CLI, keep).phone == "090-8765-4321"


def test_a_merge_from_the_list_is_undone_by_edit_undo(qtbot, db, actor, officer, pair) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.main_window import MainWindow

    keep, gone = pair["keep"], pair["gone"]
    window = MainWindow(db, officer)
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.undo_action.text() == "元に戻す（連絡先の削除・統合）(&U)"
        listing = window.open_duplicates()
        assert isinstance(listing, DuplicatesWindow)
        qtbot.waitUntil(lambda: listing.select(keep, gone))
        dialog = listing.open_merge()
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.preview is not None)
        merge_and_wait(qtbot, dialog)
        # The list: the pair is gone, and says what moved.
        assert not listing.select(keep, gone)
        assert "を統合しました" in listing.status.text()
        assert listing.undo_button.isVisible()
        dialog.accept()
        assert consultee(db, actor, pair["consultation"]) == keep

        window.activateWindow()
        window.undo_action.trigger()
        qtbot.waitUntil(lambda: "統合を取り消しました" in window.statusBar().currentMessage())
        assert consultee(db, actor, pair["consultation"]) == gone
        assert contact_svc.get_contact(db, CLI, gone).merged_into_id is None
        assert listing.select(keep, gone)  # the pair is back in the list
        assert not listing.undo_button.isVisible()
        window.undo_action.trigger()  # nothing more to undo: nothing happens
        qtbot.waitUntil(lambda: pending_jobs() == 0)
        assert contact_svc.get_contact(db, CLI, gone).merged_into_id is None
    finally:
        QThreadPool.globalInstance().waitForDone()
        qtbot.waitUntil(lambda: pending_jobs() == 0)
        window.live.stop()
        window.close()
        gc.collect()


def test_a_merge_is_undone_from_the_list_after_the_dialog_closed(qtbot, db, actor, officer,  # type: ignore[no-untyped-def]
                                                                pair) -> None:
    keep, gone = pair["keep"], pair["gone"]
    listing = DuplicatesWindow(db, officer)
    qtbot.addWidget(listing)
    with qtbot.waitSignal(listing.loaded):
        listing.show()
    assert listing.select(keep, gone)
    dialog = listing.open_merge()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview is not None)
    merge_and_wait(qtbot, dialog)
    dialog.accept()
    qtbot.mouseClick(listing.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "統合を取り消しました" in listing.status.text())
    assert listing.select(keep, gone)
    assert consultee(db, actor, pair["consultation"]) == gone


def test_counter_staff_may_not_merge(qtbot, db, actor, pair) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, db, actor, pair["keep"], pair["gone"])
    assert dialog.error.isVisible() and dialog.error.text()
    assert not dialog.merge_button.isEnabled()


def test_two_groups_offer_their_registry_fields_side_by_side(qtbot, db, officer) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    keep = contact_svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name="あきた子ども食堂",
        legal_form="特定非営利活動法人", member_count=24, activity_area="市内全域",
        district="中央")).id
    gone = contact_svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name="（特非）あきた子ども食堂",
        legal_form="任意団体（法人格なし）", member_count=30, district="東部",
        sns="https://x.com/kodomo")).id
    dialog = open_dialog(qtbot, db, officer, keep, gone)
    dialog.resize(1280, 760)
    assert dialog.chosen_side("legal_form") == KEEP
    assert dialog.chosen_side("member_count") == KEEP
    assert dialog.chosen_side("district") == KEEP
    assert dialog.chosen_side("sns") == MERGE  # empty on the kept side
    assert dialog.findChild(object, "merge_member_count_value").text() == "30人"
    name = dialog.findChild(object, "keep_name_value")
    qtbot.waitUntil(lambda: name.isVisible() and not name.visibleRegion().isEmpty())
    Path("/tmp/shots").mkdir(exist_ok=True)
    assert dialog.grab().save("/tmp/shots/merge_dialog_groups.png")
