"""審査・順位: officers type the reviewers' score sheets; the ranking follows."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QGroupBox

from kyodo_desk.domain.grants import Criterion, Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import grants as programmes
from kyodo_desk.services.demo.grants import advance_case
from kyodo_desk.services.grants import screening as grant_screening
from kyodo_desk.ui.grants import screening as screening_module
from kyodo_desk.ui.grants.screening import ScreeningDialog, open_screening
from kyodo_desk.ui.operations import data_changes
from tests.grant_fixtures import group, make_case, make_programme
from tests.ui.conftest import type_text

# 公益性 ×2 (5点満点), 実現性 ×1 (5点満点), 独自性 ×3 (10点満点): 45 points per reviewer.
CRITERIA = (Criterion("公益性", 2, 5), Criterion("実現性", 1, 5), Criterion("独自性", 3, 10))


@pytest.fixture(autouse=True)
def errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    shown: list[BaseException] = []
    monkeypatch.setattr(screening_module, "show_error", lambda _p, exc, *a: shown.append(exc))
    return shown


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


@pytest.fixture
def call(db):  # type: ignore[no-untyped-def]
    """A programme with two cases in 審査 and one still at 申請."""
    programme = make_programme(db, criteria=CRITERIA)
    concert = make_case(db, programme.id, group(db, "秋田まちなか音楽の会"),
                        "まちなかコンサート", requested=300_000, stage=Stage.SCREENING)
    kitchen = make_case(db, programme.id, group(db, "NPO法人あきた子ども未来ネット"),
                        "放課後こども食堂", requested=450_000, stage=Stage.SCREENING)
    later = make_case(db, programme.id, group(db, "川反まちあるきガイドの会"),
                      "まちあるきマップ", requested=200_000, stage=Stage.APPLICATION)
    return programme, concert, kitchen, later


def open_dialog(qtbot, db, who: Actor, programme_id: int) -> ScreeningDialog:  # type: ignore[no-untyped-def]
    dialog = ScreeningDialog(db, who, programme_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.shown):
        dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    return dialog


def table(dialog: ScreeningDialog) -> list[tuple[str, ...]]:
    model = dialog.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def type_score(qtbot, box, text: str) -> None:  # type: ignore[no-untyped-def]
    """Into the box over what it shows (未入力 or a score), as a clerk types."""
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)


def enter_sheet(qtbot, dialog: ScreeningDialog, case_id: int, reviewer: str,  # type: ignore[no-untyped-def]
                scores: tuple[int, ...]) -> None:
    dialog.case.setCurrentIndex(dialog.case.findData(case_id))
    dialog.reviewer.setFocus()
    dialog.reviewer.lineEdit().selectAll()
    type_text(qtbot, dialog.reviewer.lineEdit(), reviewer)
    for box, score in zip(dialog.score_boxes.values(), scores, strict=True):
        type_score(qtbot, box, str(score))


def save(qtbot, dialog: ScreeningDialog, *, stored: bool) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.save_finished) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [stored]
    if stored:  # the ranking is read again after each sheet
        qtbot.waitSignal(dialog.shown).wait()


def test_two_reviewers_score_two_cases_and_the_ranking_follows(
        qtbot, db, officer, call) -> None:  # type: ignore[no-untyped-def]
    programme, concert, kitchen, _later = call
    dialog = open_dialog(qtbot, db, officer, programme.id)
    assert "対象 3件（採点済み 0件）・審査員 0人・1人あたりの満点 45点" in dialog.heading.text()
    # Only the cases in 審査 may be scored; the one at 申請 is listed, unranked.
    assert [dialog.case.itemData(i) for i in range(dialog.case.count())] == [
        concert.id, kitchen.id]
    assert table(dialog)[-1][:3] == ("—", "川反まちあるきガイドの会", "まちあるきマップ")
    assert [(b.text(), b.placeholderText()) for b in dialog.score_boxes.values()] == [
        ("", "未入力")] * 3
    assert dialog.subtotal.text() == "0点 / 45点"

    # 審査員A on the concert: 5×2 + 4×1 + 8×3 = 38, shown while typing.
    enter_sheet(qtbot, dialog, concert.id, "審査員A", (5, 4, 8))
    assert dialog.subtotal.text() == "38点 / 45点"
    assert dialog.subtotal_note.text() == "すべて入力済み"
    save(qtbot, dialog, stored=True)
    assert "保存しました" in dialog.entry_status.text()
    assert dialog.model.columns[3] == "審査員A"
    assert table(dialog)[0] == ("1", "秋田まちなか音楽の会", "まちなかコンサート", "38", "38",
                                "38", "300,000円", "審査")

    # The name typed once is offered again; A on the kitchen: 4×2 + 5 + 9×3 = 40.
    assert [dialog.reviewer.itemText(i) for i in range(dialog.reviewer.count())] == ["審査員A"]
    enter_sheet(qtbot, dialog, kitchen.id, "審査員A", (4, 5, 9))
    save(qtbot, dialog, stored=True)
    # 審査員B: the concert 3×2 + 3 + 6×3 = 27, the kitchen 5×2 + 2 + 10×3 = 42.
    enter_sheet(qtbot, dialog, concert.id, "審査員B", (3, 3, 6))
    assert dialog.subtotal.text() == "27点 / 45点"
    save(qtbot, dialog, stored=True)
    enter_sheet(qtbot, dialog, kitchen.id, "審査員B", (5, 2, 10))
    save(qtbot, dialog, stored=True)

    # Ranked by the average per reviewer: the kitchen (40 + 42) / 2 = 41 before the concert
    # (38 + 27) / 2 = 32.5.
    assert dialog.model.columns == ("順位", "団体名", "事業名", "審査員A", "審査員B", "合計",
                                    "平均", "申請額", "段階")
    assert table(dialog) == [
        ("1", "NPO法人あきた子ども未来ネット", "放課後こども食堂", "40", "42", "82", "41",
         "450,000円", "審査"),
        ("2", "秋田まちなか音楽の会", "まちなかコンサート", "38", "27", "65", "32.5",
         "300,000円", "審査"),
        ("—", "川反まちあるきガイドの会", "まちあるきマップ", "—", "—", "—", "—",
         "200,000円", "申請"),
    ]
    stored = grant_screening.screening(db, officer, programme.id)
    assert [(r.case_id, r.total, r.rank) for r in stored.rows[:2]] == [
        (kitchen.id, 82, 1), (concert.id, 65, 2)]

    # Choosing a reviewer and a case already scored shows that sheet, ready to correct.
    dialog.case.setCurrentIndex(dialog.case.findData(concert.id))
    dialog.reviewer.setCurrentText("審査員A")
    assert [b.value() for b in dialog.score_boxes.values()] == [5, 4, 8]
    type_score(qtbot, list(dialog.score_boxes.values())[2], "10")
    assert dialog.subtotal.text() == "44点 / 45点"
    save(qtbot, dialog, stored=True)
    assert table(dialog)[1][3] == "44"


def test_scores_out_of_range_or_missing_are_refused_in_the_dialog(
        qtbot, db, officer, admin, call) -> None:  # type: ignore[no-untyped-def]
    programme, concert, _kitchen, _later = call
    dialog = open_dialog(qtbot, db, officer, programme.id)
    public, practical, original = dialog.score_boxes.values()
    assert (public.highest, practical.highest, original.highest) == (5, 5, 10)

    # A score above the criterion's highest stays as typed and is refused, the box named.
    enter_sheet(qtbot, dialog, concert.id, "審査員A", (7, 4, 8))
    assert public.text() == "7" and dialog.subtotal_note.text() == "点数にならない入力 1項目"
    save(qtbot, dialog, stored=False)
    assert dialog.entry_error.text() == "「公益性」の点数は0〜5点の範囲で入力してください。"
    assert "border" in public.styleSheet() and "border" not in original.styleSheet()
    assert public.text() == "7" and public.hasFocus()
    type_score(qtbot, public, "5")
    assert public.value() == 5

    # A box left 未入力 is named by the service, and nothing is stored.
    original.clear()
    assert dialog.subtotal_note.text() == "未入力 1項目"
    save(qtbot, dialog, stored=False)
    assert dialog.entry_error.isVisible()
    assert dialog.entry_error.text() == "「独自性」の点数が入っていません。"
    assert "border" in original.styleSheet() and "border" not in public.styleSheet()

    # Another officer lowered 公益性 to 3 points meanwhile: the service refuses the 5.
    current = programmes.get_programme(db, admin, programme.id)
    programmes.update_programme(db, admin, programme.id, current.version, replace(
        current.as_draft(), criteria=(Criterion("公益性", 2, 3), *CRITERIA[1:])))
    type_score(qtbot, original, "8")
    save(qtbot, dialog, stored=False)
    assert dialog.entry_error.text() == "「公益性」の点数は0～3点で入力してください。"
    assert "border" in public.styleSheet() and "border" not in original.styleSheet()
    assert [b.value() for b in dialog.score_boxes.values()] == [5, 4, 8]  # the text stays

    # No reviewer named.
    public.setValue(3)
    dialog.reviewer.setCurrentText("  ")
    save(qtbot, dialog, stored=False)
    assert dialog.entry_error.text() == "審査員の名前を入力してください。"
    assert "border" in dialog.reviewer.styleSheet()
    assert grant_screening.screening(db, officer, programme.id).scores == {}


def test_a_case_moved_on_meanwhile_is_refused_and_leaves_the_choice(
        qtbot, db, officer, call) -> None:  # type: ignore[no-untyped-def]
    programme, concert, kitchen, _later = call
    dialog = open_dialog(qtbot, db, officer, programme.id)
    enter_sheet(qtbot, dialog, concert.id, "審査員A", (5, 4, 8))
    advance_case(db, Actor.command_line(), concert.id, Stage.ADOPTED)  # another counter
    with qtbot.waitSignal(dialog.shown):
        save(qtbot, dialog, stored=False)
    assert dialog.entry_error.text() == ("採点できるのは「審査」の案件だけです"
                                         "（この案件は「採択」）。")
    assert [dialog.case.itemData(i) for i in range(dialog.case.count())] == [kitchen.id]
    assert table(dialog)[0][-1] == "採択"


def test_advisors_see_the_ranking_only(qtbot, db, officer, accounts_by_login, call) -> None:  # type: ignore[no-untyped-def]
    programme, concert, _kitchen, _later = call
    grant_screening.record_scores(db, officer, concert.id, "審査員A",
                                  {c.id: 3 for c in programme.criteria})
    dialog = open_dialog(qtbot, db, accounts_by_login["advisor"], programme.id)
    assert dialog.findChild(QGroupBox, "scoreEntry") is None and not dialog.score_boxes
    assert table(dialog)[0][:6] == ("1", "秋田まちなか音楽の会", "まちなかコンサート",
                                    "18", "18", "18")


def test_open_screening_is_modal_until_closed(qtbot, db, officer, call) -> None:  # type: ignore[no-untyped-def]
    programme = call[0]
    seen: list[str] = []

    def close() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ScreeningDialog):
            QTimer.singleShot(20, close)
            return
        seen.append(dialog.windowTitle())
        dialog.close_button.click()

    QTimer.singleShot(0, close)
    assert open_screening(None, db, officer, programme.id) is None
    assert seen and seen[0].startswith("審査・順位")


def test_a_sheet_is_typed_by_keyboard_alone(qtbot, db, officer, call) -> None:  # type: ignore[no-untyped-def]
    programme, concert, _kitchen, _later = call
    dialog = open_dialog(qtbot, db, officer, programme.id)
    dialog.reviewer.setFocus()
    type_text(qtbot, dialog.reviewer.lineEdit(), "審査員A")
    for score in ("5", "4", "8"):  # Tab goes from the reviewer through the scores in order
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert isinstance(QApplication.focusWidget(), screening_module.ScoreBox)
        qtbot.keyClicks(QApplication.focusWidget(), score)
    assert dialog.subtotal.text() == "38点 / 45点"
    with qtbot.waitSignal(dialog.save_finished) as blocker, \
            qtbot.waitSignal(dialog.shown):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return,
                       Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [True]
    assert table(dialog)[0][:4] == ("1", "秋田まちなか音楽の会", "まちなかコンサート", "38")
    assert concert.id == dialog.case.currentData()


def test_a_saved_sheet_is_told_to_every_open_view(qtbot, db, officer, call) -> None:  # type: ignore[no-untyped-def]
    """The 交付金 tab's list and case follow a sheet stored here (the case's version rose)."""
    programme, concert, _kitchen, _later = call
    dialog = open_dialog(qtbot, db, officer, programme.id)
    enter_sheet(qtbot, dialog, concert.id, "審査員A", (5, 4, 8))
    with qtbot.waitSignal(data_changes().changed) as told:
        save(qtbot, dialog, stored=True)
    assert {"grant_scores", "grant_cases"} <= told.args[0]
