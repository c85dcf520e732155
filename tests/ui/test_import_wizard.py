"""ファイル › 取り込み…: the clerk chooses a file, sees each column's guessed field, checks
every row, and imports all or nothing (ui/import_wizard.py over services/imports)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QMessageBox

from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.ui.import_wizard import ImportWizard
from tests.import_files import write_xlsx

SHOTS = Path("/tmp/shots")
HEADER = ["団体名", "フリガナ", "〒", "住所", "TEL"]
GOOD = [["秋田まちづくりの会", "アキタマチヅクリノカイ", "〒010-0001", "秋田市中通1-1-1",
         "℡018-888-1234"],
        ["山王子ども食堂", "サンノウコドモショクドウ", "0100951", "秋田市山王4-1-2",
         "018-866-0000"]]


@pytest.fixture(autouse=True)
def told(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the wizard told the clerk in its message boxes."""
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: said.append(text))
    return said


@pytest.fixture
def officer(accounts_by_login):  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def open_wizard(qtbot, db, who, path: Path) -> ImportWizard:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(db, who)
    qtbot.addWidget(wizard)
    wizard.resize(1100, 700)
    wizard.show()
    wizard.path.setText(str(path))
    wizard.path.editingFinished.emit()
    qtbot.waitUntil(lambda: wizard.sheet.count() > 0)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == 1)
    return wizard


def check_rows(qtbot, wizard: ImportWizard) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.plan is not None)


def test_columns_are_guessed_from_the_headings_under_a_title(qtbot, db, officer,
                                                            tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "団体名簿.xlsx",
                      [["令和8年度　市民活動団体名簿"], [], HEADER, *GOOD], merged=("A1:E1",))
    wizard = open_wizard(qtbot, db, officer, path)
    shown = [(wizard.columns.item(r, 0).text(), wizard.columns.item(r, 1).text(),
              wizard.columns.cellWidget(r, 2).currentText())
             for r in range(wizard.columns.rowCount())]
    assert [s[0] for s in shown] == HEADER
    assert shown[0][1] == "秋田まちづくりの会"
    assert [s[2] for s in shown] == ["氏名・団体名", "よみ", "郵便番号", "住所", "電話番号"]
    assert wizard.next_button.isEnabled()
    SHOTS.mkdir(exist_ok=True)
    assert wizard.grab().save(str(SHOTS / "import_wizard_columns.png"))
    # Without a name column nothing can be imported: said, and 次へ waits.
    combo = wizard.columns.cellWidget(0, 2)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(0)
    assert "必須の列がありません" in wizard.missing.text()
    assert not wizard.next_button.isEnabled()


def test_a_refused_row_is_listed_and_nothing_can_be_imported(qtbot, db, officer,
                                                            tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = ["八橋の会", "ヤバセノカイ", "12-345", "秋田市八橋南1-2", "018-823-0000"]
    path = write_xlsx(tmp_path / "名簿.xlsx", [HEADER, *GOOD, bad])
    wizard = open_wizard(qtbot, db, officer, path)
    check_rows(qtbot, wizard)
    problems = wizard.problems
    assert problems.rowCount() >= 1
    assert [problems.item(0, c).text() for c in range(3)] == ["4", "〒", "12-345"]
    assert problems.item(0, 3).text()  # the reason, in Japanese
    assert not wizard.import_button.isEnabled()
    assert wizard.report_button.isEnabled()
    assert "取り込めない行" in wizard.status.text()
    assert wizard.grab().save(str(SHOTS / "import_wizard_refused.png"))
    assert contact_svc.count_contacts(db, officer, "八橋の会") == 0


def test_a_clean_file_is_imported_whole_and_a_second_time_adds_nothing(
        qtbot, db, officer, tmp_path: Path, told: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "名簿.xlsx", [HEADER, *GOOD])
    for round_ in (1, 2):
        wizard = open_wizard(qtbot, db, officer, path)
        check_rows(qtbot, wizard)
        assert wizard.import_button.isEnabled()
        with qtbot.waitSignal(wizard.imported) as done:
            qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
        result = done.args[0]
        assert (result.added, result.unchanged) == ((2, 0) if round_ == 1 else (0, 2))
    assert "新規 2件" in told[0] and "登録済み 2件" in told[1]
    assert contact_svc.count_contacts(db, officer, "山王子ども食堂") == 1


def test_a_file_without_a_name_column_says_so_before_any_check(qtbot, db, officer,
                                                                tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "住所録.xlsx", [["〒", "住所", "TEL"],
                                                 ["010-0001", "秋田市中通1-1-1", "018-888-1234"]])
    wizard = open_wizard(qtbot, db, officer, path)
    assert wizard.missing.text() == "必須の列がありません: 氏名・団体名"
    assert not wizard.next_button.isEnabled()
