"""The administrator's tabs, driven as an administrator would: 操作記録 and アカウント."""

from __future__ import annotations

import gc
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import insert

from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.domain.permissions import Role
from kyodo_desk.models import AuditEntry
from kyodo_desk.services import accounts, audit_log
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.audit_log import JAPAN_TIME, PAGE_SIZE, AuditFilter, search_audit
from kyodo_desk.services.contacts import ContactDraft, ContactKind, GroupType
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from kyodo_desk.ui.admin import format_at
from kyodo_desk.ui.admin.accounts_tab import AccountsTab, ResetPasswordDialog
from kyodo_desk.ui.admin.audit_tab import AuditTab
from kyodo_desk.ui.tasks import pending_jobs
from tests.conftest import TEST_PASSWORD
from tests.event_fixtures import make_event, person
from tests.ui.conftest import type_text
from tests.ui.scrolling import scroll_for_more

SHOTS = Path("/tmp")


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every background result delivered, so nothing calls back into a deleted widget."""
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


@pytest.fixture
def host(qtbot):  # type: ignore[no-untyped-def]
    """A plain window to hold one tab, as the main window's tab widget will."""
    widget = QWidget()
    widget.setWindowTitle("協働デスク — 管理")
    QVBoxLayout(widget)
    widget.resize(1240, 640)
    qtbot.addWidget(widget)
    yield widget
    settle(qtbot)
    widget.close()
    widget.deleteLater()
    gc.collect()


def open_audit(qtbot, host, db, actor) -> AuditTab:  # type: ignore[no-untyped-def]
    tab = AuditTab(db, actor)
    host.layout().addWidget(tab)
    with qtbot.waitSignal(tab.search_finished):
        host.show()  # the first showing searches the last 30 days
    return tab


def search(qtbot, tab: AuditTab) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(tab.search_finished):
        tab.search_button.click()


def texts(tab: AuditTab, row: int) -> list[str]:
    return [tab.model.index(row, c).data() for c in range(tab.model.columnCount())]


def open_accounts(qtbot, host, db, actor) -> AccountsTab:  # type: ignore[no-untyped-def]
    tab = AccountsTab(db, actor)
    host.layout().addWidget(tab)
    with qtbot.waitSignal(tab.refreshed):
        host.show()
    return tab


def account_row(tab: AccountsTab, login: str) -> list[str]:
    row = tab.model.row_of(login)
    assert row >= 0, login
    return [tab.model.index(row, c).data() for c in range(tab.model.columnCount())]


def ok(dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def closed(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


# --- 操作記録 -------------------------------------------------------------------------------

def test_a_new_contact_appears_in_the_audit_log(qtbot, host, db, admin, actor) -> None:
    created = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name="NPO法人あきた広報サポート",
        phone="0188885555", address="秋田市中通二丁目3番8号"))
    svc.update_contact(db, admin, created.id, created.version, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name="NPO法人あきた広報サポート",
        phone="0188886666", address="秋田市中通二丁目3番8号"))
    tab = open_audit(qtbot, host, db, admin)
    today = datetime.now(JAPAN_TIME).date()
    assert tab.date_to.date().toPython() == today
    assert tab.date_from.date().toPython() == today - timedelta(days=30)
    # Written as every other date box writes it.
    assert tab.date_to.text() == (f"{today.year}年{today.month}月{today.day}日"
                                  f"（{'月火水木金土日'[today.weekday()]}）")
    assert tab.model.rowCount() >= 2

    tab.table_combo.setCurrentIndex(tab.table_combo.findText("連絡先"))
    search(qtbot, tab)
    assert tab.model.rowCount() == 2
    assert texts(tab, 0)[1:5] == ["管理 太郎", "変更", "連絡先", str(created.id)]
    assert texts(tab, 0)[5] == "電話番号: 変更"  # that it changed, never the numbers
    when, who, action, table, number, changes = texts(tab, 1)
    assert (who, action, table, number) == ("窓口 花子", "登録", "連絡先", str(created.id))
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d\d", when)
    assert "名称: 記入あり" in changes and "団体の種類: NPO法人" in changes
    assert "広報サポート" not in changes
    assert tab.count.text() == "2 件"
    # Read-only: no cell can be edited.
    assert tab.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert all(not tab.model.flags(tab.model.index(0, c)) & tab.model.flags(
        tab.model.index(0, c)).ItemIsEditable for c in range(6))

    tab.action_combo.setCurrentIndex(tab.action_combo.findText("登録"))
    search(qtbot, tab)
    assert [texts(tab, r)[2] for r in range(tab.model.rowCount())] == ["登録"]

    assert host.grab().save(str(SHOTS / "audit_tab.png"))


def test_a_check_in_reads_in_the_log_as_the_screens_say_it(qtbot, host, db, admin, actor,
                                                           facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], fee=1200)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "横手 三太"), party_size=3,
                                                   notes="手話通訳を希望")).registration
    check_in(db, actor, reg.id, event.sessions[0].id)
    tab = open_audit(qtbot, host, db, admin)
    tab.table_combo.setCurrentIndex(tab.table_combo.findData("registrations"))
    search(qtbot, tab)
    changed, signed = (texts(tab, r) for r in range(tab.model.rowCount()))
    assert changed[2:] == ["変更", "イベントの申込", str(reg.id), "状況: 受付済 → 出席"]
    # Labels, words and names, never a column name, a code or a number to look up; the
    # sign-up's notes (personal data) only as written, not what they say.
    assert signed[5].startswith("イベント: 市民活動入門セミナー; 申込者: 横手 三太; 人数: 3名; "
                                "配慮事項: 記入あり; 状況: 受付済; 受付番号: 1")
    assert "手話" not in signed[5] and "contact_id" not in signed[5]
    tooltip = tab.model.index(1, 5).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.splitlines()[:2] == ["イベント: 市民活動入門セミナー", "申込者: 横手 三太"]
    tab.table_combo.setCurrentIndex(tab.table_combo.findData("events"))
    search(qtbot, tab)
    assert "参加費: 1,200円" in texts(tab, 0)[5] and "定員: 10名" in texts(tab, 0)[5]
    # The tooltip shows one field a line.
    created = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON,
                                                         name="湯沢 四郎", notes="第1; 第3土曜"))
    tab.table_combo.setCurrentIndex(tab.table_combo.findData("contacts"))
    search(qtbot, tab)
    tooltip = tab.model.index(0, 5).data(Qt.ItemDataRole.ToolTipRole)
    assert created.registered_on is not None
    assert tooltip.splitlines() == ["区分: 個人", "名称: 記入あり", "メモ: 記入あり", "有効: はい",
                                    "団体一覧への掲載: いいえ",
                                    f"登録日: {full_date(created.registered_on)}"]


def test_actor_name_and_record_number_narrow_the_list(qtbot, host, db, admin, actor) -> None:
    mine = svc.create_contact(db, admin, ContactDraft(kind=ContactKind.PERSON, name="佐藤 花子"))
    svc.update_contact(db, admin, mine.id, mine.version,
                       ContactDraft(kind=ContactKind.PERSON, name="佐藤 花子", phone="0188880001"))
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="鈴木 一郎"))
    tab = open_audit(qtbot, host, db, admin)
    type_text(qtbot, tab.actor_text, "管理太郎")
    search(qtbot, tab)
    assert {texts(tab, r)[1] for r in range(tab.model.rowCount())} == {"管理 太郎"}
    tab.actor_text.clear()
    tab.table_combo.setCurrentIndex(tab.table_combo.findData("contacts"))
    type_text(qtbot, tab.record_id, str(mine.id))
    search(qtbot, tab)
    rows = [texts(tab, r) for r in range(tab.model.rowCount())]
    assert [r[2] for r in rows] == ["変更", "登録"]
    assert all(r[4] == str(mine.id) for r in rows)
    # A period that ends before today finds nothing from today.
    tab.date_to.setDate(tab.date_from.date())
    search(qtbot, tab)
    assert tab.model.rowCount() == 0
    assert tab.count.text() == "条件に合う記録はありません。"


@pytest.mark.audit_tampered  # many rows put in at once, unchained
def test_the_list_pages_in_as_it_scrolls(qtbot, host, db, admin) -> None:
    already = len(search_audit(db, admin, AuditFilter(), limit=10_000))
    now = datetime.now(UTC)
    with db.begin_write() as conn:
        conn.execute(insert(AuditEntry), [
            {"at": now - timedelta(minutes=n), "account_id": None, "actor": "記録 係",
             "action": "update", "table_name": "contacts", "record_id": n,
             "changes": {"notes": [f"メモ{n}", f"メモ{n + 1}"]}}
            for n in range(PAGE_SIZE * 2 + 30)])
    tab = open_audit(qtbot, host, db, admin)
    assert tab.model.rowCount() == PAGE_SIZE
    assert tab.count.text().startswith(f"{PAGE_SIZE} 件以上")
    while tab.model.canFetchMore():
        before = tab.model.rowCount()
        scroll_for_more(qtbot, tab, lambda before=before: tab.model.rowCount() > before)
    ids = [tab.model.entry(r).id for r in range(tab.model.rowCount())]
    assert ids == sorted(set(ids), reverse=True)  # newest first, none twice
    assert len(ids) == PAGE_SIZE * 2 + 30 + already
    assert tab.count.text() == f"{len(ids)} 件"


def test_export_writes_what_the_list_shows(qtbot, host, db, admin, actor, tmp_path,
                                           monkeypatch) -> None:
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="高橋 三郎"))
    tab = open_audit(qtbot, host, db, admin)
    tab.table_combo.setCurrentIndex(tab.table_combo.findText("連絡先"))
    search(qtbot, tab)
    path = tmp_path / "操作記録.csv"
    with qtbot.waitSignal(tab.export_finished) as signal:
        tab.export_to(path, "csv")
        assert not tab.export_button.isEnabled()  # written in the background; no second copy
    assert signal.args == [str(path), 1]
    assert tab.export_button.isEnabled()
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[0] == "日時,操作者,操作,対象,番号,変更内容"
    assert "窓口 花子,登録,連絡先" in lines[1]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    # Through the file dialog: the chosen type adds the missing extension.
    chosen = tmp_path / "記録"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (str(chosen), "Excel ブック (*.xlsx)"))
    with qtbot.waitSignal(tab.export_finished):
        tab.export_button.click()
    assert (tmp_path / "記録.xlsx").stat().st_size > 0


def test_only_the_last_search_is_shown(qtbot, host, db, admin, actor) -> None:  # type: ignore[no-untyped-def]
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="高橋 三郎"))
    tab = open_audit(qtbot, host, db, admin)
    finished: list[None] = []
    tab.search_finished.connect(lambda: finished.append(None))
    tab.table_combo.setCurrentIndex(tab.table_combo.findData("contacts"))
    tab.search_button.click()
    tab.table_combo.setCurrentIndex(tab.table_combo.findData("accounts"))
    tab.search_button.click()  # changed the filter before the first answer came
    qtbot.waitUntil(lambda: bool(finished))
    settle(qtbot)
    assert len(finished) == 1
    assert {texts(tab, r)[3] for r in range(tab.model.rowCount())} == {"アカウント"}


def test_a_lost_connection_while_searching_is_told_in_the_status_bar(
        qtbot, db, admin, messages, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    tab = AuditTab(db, admin)
    window.setCentralWidget(tab)
    with qtbot.waitSignal(tab.search_finished):
        window.show()

    def lost(*_a, **_k) -> None:  # type: ignore[no-untyped-def]
        raise ConnectionLost("データベースに接続できません。")

    monkeypatch.setattr(audit_log, "search_audit", lost)
    tab.search_button.click()
    qtbot.waitUntil(lambda: tab.count.text() == "検索できませんでした。")
    assert window.statusBar().currentMessage() == "データベースに接続できません。"
    assert messages == []  # a list searched again and again must not pile up dialogs
    settle(qtbot)


def test_staff_cannot_read_the_log(qtbot, host, db, actor, messages) -> None:
    tab = AuditTab(db, actor)
    host.layout().addWidget(tab)
    host.show()
    qtbot.waitUntil(lambda: bool(messages))
    assert "操作記録を閲覧できません" in messages[0][1]
    assert tab.model.rowCount() == 0


# --- アカウント -----------------------------------------------------------------------------

def test_the_account_list(qtbot, host, db, admin) -> None:
    accounts.sign_in(db, "staff", TEST_PASSWORD)
    tab = open_accounts(qtbot, host, db, admin)
    assert [tab.model.entry(r).login for r in range(tab.model.rowCount())] == sorted(
        ["admin", "staff", "staff_west", "advisor", "officer"])
    login, name, role, facility, state, last = account_row(tab, "staff")
    assert (login, name, role, facility, state) == (
        "staff", "窓口 花子", "窓口職員", "東部市民サービスセンター", "有効")
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d\d", last)
    assert account_row(tab, "advisor")[2:6] == ["アドバイザー", "秋田市市民交流サロン", "有効",
                                                "未サインイン"]
    assert host.grab().save(str(SHOTS / "accounts_tab.png"))


def test_add_an_account_through_the_dialog(qtbot, host, db, admin) -> None:
    tab = open_accounts(qtbot, host, db, admin)
    dialog = tab.add_account()
    assert dialog.isVisible() and dialog.isModal()
    assert dialog.role.currentText() == "窓口職員"
    assert dialog.facility.currentText() == "中央市民サービスセンター"  # the admin's own
    type_text(qtbot, dialog.display_name, "山田 太郎")
    type_text(qtbot, dialog.login, "yamada.taro")
    dialog.role.setCurrentIndex(dialog.role.findText("協働担当"))
    dialog.facility.setCurrentIndex(dialog.facility.findText("西部市民サービスセンター"))
    type_text(qtbot, dialog.password, "kari-pass-2026")
    type_text(qtbot, dialog.confirm, "kari-pass-2026")
    assert dialog.grab().save(str(SHOTS / "account_dialog.png"))
    with qtbot.waitSignal(tab.refreshed):
        ok(dialog)
    assert closed(dialog)
    assert account_row(tab, "yamada.taro") == [
        "yamada.taro", "山田 太郎", "協働担当", "西部市民サービスセンター", "有効", "未サインイン"]
    assert tab.selected().login == "yamada.taro"
    assert "山田 太郎（yamada.taro）" in tab.status.text()
    signed_in, must_change = accounts.sign_in(db, "yamada.taro", "kari-pass-2026")
    assert signed_in.role is Role.OFFICER and not must_change


def test_a_bad_dialog_says_why_and_keeps_what_was_typed(qtbot, host, db, admin) -> None:
    tab = open_accounts(qtbot, host, db, admin)
    dialog = tab.add_account()
    type_text(qtbot, dialog.display_name, "伊藤 桜")
    type_text(qtbot, dialog.login, "ito.sakura")
    type_text(qtbot, dialog.password, "kari-pass-1")
    type_text(qtbot, dialog.confirm, "kari-pass-2")
    ok(dialog)
    assert dialog.isVisible()
    # Each reason is on the red line under its field.
    assert dialog.errors.lines["confirm"].isVisible()
    assert dialog.errors.message("confirm").startswith("確認のパスワードが一致しません。")
    assert (dialog.display_name.text(), dialog.login.text()) == ("伊藤 桜", "ito.sakura")

    for field in (dialog.password, dialog.confirm):
        field.clear()
        type_text(qtbot, field, "short")
    ok(dialog)
    qtbot.waitUntil(lambda: "8文字以上" in dialog.errors.message("password"))
    assert dialog.isVisible() and not dialog.errors.lines["confirm"].isVisible()
    assert dialog.login.text() == "ito.sakura"
    assert dialog.password.styleSheet()  # the field at fault is marked
    assert dialog.grab().save(str(SHOTS / "account_dialog_error.png"))

    dialog.login.clear()
    type_text(qtbot, dialog.login, "staff")
    for field in (dialog.password, dialog.confirm):
        field.clear()
        type_text(qtbot, field, "long-enough-1")
    ok(dialog)
    qtbot.waitUntil(lambda: "既に使われています" in dialog.errors.message("login"))
    assert dialog.isVisible() and dialog.display_name.text() == "伊藤 桜"
    dialog.reject()
    assert tab.model.row_of("ito.sakura") == -1


def test_disable_and_enable_an_account(qtbot, host, db, admin, monkeypatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _title, text, *_a, **_k:
                        asked.append(text) or QMessageBox.StandardButton.Yes)
    tab = open_accounts(qtbot, host, db, admin)
    tab.select("admin")
    assert not tab.disable_button.isEnabled()  # nobody disables their own account
    tab.select("staff")
    assert tab.disable_button.isEnabled() and not tab.enable_button.isEnabled()
    with qtbot.waitSignal(tab.refreshed):
        tab.disable_button.click()
    assert "窓口 花子（staff）" in asked[0]
    assert account_row(tab, "staff")[4] == "無効"
    assert tab.selected().login == "staff"
    assert tab.enable_button.isEnabled() and not tab.disable_button.isEnabled()
    with pytest.raises(accounts.SignInRefused, match="無効"):
        accounts.sign_in(db, "staff", TEST_PASSWORD)
    assert host.grab().save(str(SHOTS / "accounts_tab_disabled.png"))

    with qtbot.waitSignal(tab.refreshed):
        tab.enable_button.click()
    assert account_row(tab, "staff")[4] == "有効"
    assert len(asked) == 1  # enabling needs no confirmation

    # Both changes are in the audit log, in words.
    audit = AuditTab(db, admin)
    host.layout().addWidget(audit)
    tab.hide()
    with qtbot.waitSignal(audit.search_finished):
        audit.show()
    assert texts(audit, 0)[1:4] == ["管理 太郎", "変更", "アカウント"]
    assert texts(audit, 0)[5] == "有効: いいえ → はい"
    assert texts(audit, 1)[5] == "有効: はい → いいえ"


def test_the_buttons_wait_while_a_change_is_saved(qtbot, host, db, admin, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    tab = open_accounts(qtbot, host, db, admin)
    tab.select("officer")
    with qtbot.waitSignal(tab.refreshed):
        tab.disable_button.click()
        # Saved in the background; meanwhile no second change can be started on it.
        assert not any(b.isEnabled() for b in (tab.disable_button, tab.enable_button,
                                                 tab.reset_button, tab.role_button))
        assert tab.table.isEnabled()  # the list can still be looked through
    assert account_row(tab, "officer")[4] == "無効"
    assert tab.enable_button.isEnabled() and tab.reset_button.isEnabled()
    assert not tab.disable_button.isEnabled()


def test_change_an_accounts_role_and_facility(qtbot, host, db, admin, facilities) -> None:  # type: ignore[no-untyped-def]
    tab = open_accounts(qtbot, host, db, admin)
    tab.select("admin")
    assert not tab.role_button.isEnabled()  # nobody takes away their own administration
    tab.select("staff")
    dialog = tab.change_selected_role()
    assert dialog is not None and dialog.role.currentData() == Role.COUNTER_STAFF
    dialog.role.setCurrentIndex(dialog.role.findData(Role.ADVISOR))
    dialog.facility.setCurrentIndex(dialog.facility.findData(facilities["salon"]))
    assert dialog.grab().save(str(SHOTS / "accounts_role_dialog.png"))
    with qtbot.waitSignal(tab.refreshed):
        ok(dialog)
    assert account_row(tab, "staff")[2:4] == ["アドバイザー", "秋田市市民交流サロン"]
    assert "役割・所属施設を変更しました" in tab.status.text()
    info = accounts.find_account(db, admin, "staff")
    assert (info.role, info.facility_id) == (Role.ADVISOR, facilities["salon"])


def test_declining_the_confirmation_changes_nothing(qtbot, host, db, admin, monkeypatch) -> None:
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a, **_k: QMessageBox.StandardButton.No)
    tab = open_accounts(qtbot, host, db, admin)
    tab.select("officer")
    tab.disable_button.click()
    settle(qtbot)
    assert account_row(tab, "officer")[4] == "有効"


def test_reset_a_password(qtbot, host, db, admin, messages) -> None:
    tab = open_accounts(qtbot, host, db, admin)
    tab.select("advisor")
    tab.reset_button.click()
    [dialog] = [w for w in QApplication.topLevelWidgets()
                if isinstance(w, ResetPasswordDialog) and w.isVisible()]

    def typed(password: str, again: str) -> None:
        for field, text in ((dialog.password, password), (dialog.confirm, again)):
            field.clear()
            type_text(qtbot, field, text)
        ok(dialog)

    # Each refusal is said under its field, in the dialog, which stays open.
    typed("new-temp-1", "new-temp-2")
    assert dialog.errors.lines["confirm"].isVisible()
    assert dialog.errors.message("confirm").startswith("確認のパスワードが一致しません。")
    typed("short", "short")
    qtbot.waitUntil(lambda: "8文字以上" in dialog.errors.message("password"))
    assert dialog.isVisible() and not dialog.errors.lines["confirm"].isVisible()
    assert messages == []

    with qtbot.waitSignal(tab.refreshed):
        typed("new-temp-pass", "new-temp-pass")
    assert closed(dialog)
    assert account_row(tab, "advisor")[4] == "有効（仮パスワード）"
    assert "パスワードをリセットしました" in tab.status.text()
    _actor, must_change = accounts.sign_in(db, "advisor", "new-temp-pass")
    assert must_change


def test_format_at_is_japan_time() -> None:
    assert format_at(datetime(2026, 11, 25, 5, 3, tzinfo=UTC)) == "2026年11月25日 14:03"
    assert format_at(datetime(2026, 1, 4, 15, 3)) == "2026年1月5日 0:03"  # naive = UTC (SQLite)
    assert format_at(None) == ""
