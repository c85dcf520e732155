"""The offline door's window and the conflicts dialog, as the clerk sees them: the pack opened
with its password, a scan and a name checked in, a walk-in, the big answer in the online door's
colours; and back at the office, the conflicts decided with 認める／反映しない."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from kyodo_desk.domain.events import CheckInOutcome, DoorOutcome, QuestionKind
from kyodo_desk.domain.questions import Question
from kyodo_desk.services.events.answers import get_answers
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.door_format import journal_path
from kyodo_desk.services.events.door_merge import merge_door_journal
from kyodo_desk.services.events.door_offline import OfflineDoor
from kyodo_desk.services.events.door_pack import save_door_pack
from kyodo_desk.services.events.registrations import (
    SignUpDraft,
    cancel_registration,
    list_registrations,
    sign_up,
)
from kyodo_desk.ui.events.checkin_dialog import OUTCOME_COLOURS
from kyodo_desk.ui.events.door_conflicts_dialog import DoorConflictsDialog
from kyodo_desk.ui.events.door_window import DoorOpenDialog, DoorWindow, WalkInDialog
from kyodo_desk.ui.help_window import page_for
from tests.event_fixtures import make_event, person
from tests.ui.conftest import type_text

PASSWORD = "door-password-1"


def _pack(db, actor, tmp_path: Path, capacity: int = 3):  # type: ignore[no-untyped-def]
    event = make_event(db, actor.facility_id, capacity=capacity)
    regs = [sign_up(db, actor, event.id, SignUpDraft(person(db, name))).registration
            for name in ("山田太郎", "佐藤花子")]
    pack = tmp_path / "seminar.kyodo-door"
    save_door_pack(db, actor, event.id, pack, PASSWORD)
    return event, regs, pack


def test_a_wrong_password_is_said_and_the_right_one_opens(qtbot, db, actor, tmp_path,
                                                          messages) -> None:  # type: ignore[no-untyped-def]
    _event, _regs, pack = _pack(db, actor, tmp_path)
    dialog = DoorOpenDialog(pack)
    qtbot.addWidget(dialog)
    dialog.password.setText("wrong-password")
    dialog.clerk.setText("入口 花子")
    dialog.accept()
    assert messages == [("warning", "パスワードが違うか、ファイルが壊れています。")]
    assert dialog.door is None
    dialog.password.setText(PASSWORD)
    dialog.accept()
    assert dialog.door is not None and dialog.door.clerk == "入口 花子"
    assert page_for(dialog) == "events.html#offline-door"
    dialog.door.close()


def test_scan_name_and_walk_in_at_the_offline_door(qtbot, db, actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event, regs, pack = _pack(db, actor, tmp_path)
    window = DoorWindow(OfflineDoor.open(pack, PASSWORD, "入口 花子"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    assert window.count.text() == "出席 0名　当日参加の残り 1席"
    qtbot.keyClicks(window.scan, regs[0].ticket.text())
    with qtbot.waitSignal(window.answered) as answered:
        qtbot.keyClick(window.scan, Qt.Key.Key_Return)
    assert answered.args[0].outcome is CheckInOutcome.CHECKED_IN
    assert "出席にしました" in window.outcome.text() and "山田太郎さんを出席にしました。" in \
        window.outcome.text()
    assert OUTCOME_COLOURS[CheckInOutcome.CHECKED_IN] in window.outcome.styleSheet()
    assert window.scan.text() == ""

    type_text(qtbot, window.name_search, "佐藤")
    assert window.model.rowCount() == 1
    window.table.selectRow(0)
    with qtbot.waitSignal(window.answered):
        window.check_in_button.click()
    assert "佐藤花子さんを出席にしました。" in window.outcome.text()
    assert window.model.index(0, 4).data() == "出席"  # 状況 as the online door has it now
    with qtbot.waitSignal(window.answered) as again:
        window.check_in_button.click()
    assert again.args[0].outcome is CheckInOutcome.ALREADY and "出席済みです" in window.outcome.text()

    dialog = window.open_walk_in()
    assert isinstance(dialog, WalkInDialog)
    type_text(qtbot, dialog.name, "当日 一郎")
    with qtbot.waitSignal(window.answered):
        dialog.accept()
    assert "当日 一郎さんを当日参加として出席にしました。" in window.outcome.text()
    assert window.count.text() == "出席 3名　当日参加の残り 0席"
    assert window.open_walk_in() is None and "満席のため" in window.outcome.text()
    assert "（3件）" in window.journal_note.text()
    window.close()

    assert merge_door_journal(db, actor, journal_path(pack), PASSWORD).applied == 3
    attended = [r.contact_name for r in list_registrations(db, actor, event.id)
                if r.attended_session_ids]
    assert sorted(attended) == ["佐藤花子", "山田太郎", "当日 一郎"]


def test_conflicts_are_decided_in_the_dialog(qtbot, db, actor, tmp_path,
                                             messages) -> None:  # type: ignore[no-untyped-def]
    event, regs, pack = _pack(db, actor, tmp_path)
    door = OfflineDoor.open(pack, PASSWORD, "入口 花子")
    session_id = event.sessions[0].id
    door.check_in(session_id, regs[0].id)
    door.check_in(session_id, regs[1].id)
    door.close()
    check_in(db, actor, regs[0].id, session_id)
    cancel_registration(db, actor, regs[1].id)
    merge_door_journal(db, actor, journal_path(pack), PASSWORD)

    dialog = DoorConflictsDialog(db, actor, event.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert [dialog.model.entry(n).outcome for n in range(2)] == [  # type: ignore[union-attr]
        DoorOutcome.BOTH, DoorOutcome.CANCELLED]
    assert dialog.count.text() == "判断待ち 2件"
    assert page_for(dialog) == "events.html#offline-door"
    with qtbot.waitSignal(dialog.refreshed):
        dialog.accept_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    with qtbot.waitSignal(dialog.refreshed):
        dialog.aside_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0)
    assert dialog.count.text() == "判断を待つ記録はありません。"


def test_the_sign_up_list_offers_the_offline_door(qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.events.registrations_panel import RegistrationsPanel

    panel = RegistrationsPanel(db, actor)
    qtbot.addWidget(panel)
    menu = panel.door_button.menu()
    assert [a.text() for a in menu.actions()] == [
        "当日受付パックを作る…", "当日受付の記録を取り込む…", "当日受付の衝突…"]


def test_kyodo_desk_door_opens_the_pack_dialog_first(qtbot, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk import cli

    asked: list[str] = []

    def cancel(dialog: DoorOpenDialog) -> int:
        asked.append(dialog.pack_path.name)
        return 0  # やめる: the window never opens, and nothing is written

    monkeypatch.setattr(DoorOpenDialog, "exec", cancel)
    assert cli.main(["door", str(tmp_path / "seminar.kyodo-door")]) == 0
    assert asked == ["seminar.kyodo-door"]
    assert list(tmp_path.iterdir()) == []


def test_a_walk_in_answers_the_questions_as_at_the_online_door(qtbot, db, actor, tmp_path,
                                                               messages) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, actor.facility_id, capacity=5, questions=(
        Question("食物アレルギーはありますか", QuestionKind.YES_NO, required=True),
        Question("参加する回", QuestionKind.CHOICE, ("午前の部", "午後の部"))))
    allergy, course = (q.id for q in event.questions)
    pack = tmp_path / "seminar.kyodo-door"
    save_door_pack(db, actor, event.id, pack, PASSWORD)
    window = DoorWindow(OfflineDoor.open(pack, PASSWORD, "入口 花子"))
    qtbot.addWidget(window)
    window.show()
    dialog = window.open_walk_in()
    assert isinstance(dialog, WalkInDialog)
    assert dialog.answers.labels == ["食物アレルギーはありますか　※必須", "参加する回"]
    type_text(qtbot, dialog.name, "当日 一郎")
    dialog.accept()  # the required question unanswered: said under it, nothing recorded
    assert dialog.answers.message(allergy) == (
        "質問1「食物アレルギーはありますか」は必須です。回答を入力してください。")
    assert messages == [] and window.door.acts == 0 and dialog.isVisible()
    dialog.answers.fill({allergy: "yes", course: "午後の部"})
    with qtbot.waitSignal(window.answered):
        dialog.accept()
    window.close()

    assert merge_door_journal(db, actor, journal_path(pack), PASSWORD).applied == 1
    [walked] = list_registrations(db, actor, event.id)
    assert get_answers(db, actor, walked.id) == {allergy: "yes", course: "午後の部"}
