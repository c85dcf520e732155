"""What each role sees in the main window."""

from __future__ import annotations

from kyodo_desk.ui.main_window import MainWindow


def tab_titles(window: MainWindow) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def test_counter_staff_sees_the_lookup_consultations_and_prints(window) -> None:  # type: ignore[no-untyped-def]
    assert tab_titles(window) == ["センター連絡先", "相談記録", "イベント", "地域計画", "印刷物"]
    assert "管理(&A)" not in [a.text() for a in window.menuBar().actions()]
    labels = [w.text() for w in window.statusBar().findChildren(type(window.connection_label))]
    assert "窓口 花子（窓口職員）" in labels


def test_an_administrator_also_sees_accounts_and_the_audit_log(qtbot, db, admin) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(db, admin)
    qtbot.addWidget(window)
    try:
        # The administrator counts consultations (件数のみ) and keeps accounts and the log.
        assert tab_titles(window) == ["センター連絡先", "相談記録", "イベント", "交付金", "地域計画",
                                      "印刷物",
                                      "アカウント", "操作記録"]
        menus = [a.text() for a in window.menuBar().actions()]
        assert "管理(&A)" in menus
    finally:
        window.live.stop()


def test_ctrl_f_goes_to_the_search_box_of_the_tab_on_show(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    for tab in (window.consultations, window.events, window.contacts):
        window.tabs.setCurrentWidget(tab)
        window.tabs.setFocus()
        qtbot.keyClick(window.tabs, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda tab=tab: tab.search.hasFocus())
