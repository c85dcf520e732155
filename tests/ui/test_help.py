"""使い方: the manual inside the app, opened by ヘルプ → 使い方 and F1 on the screen on show."""

from __future__ import annotations

import gc
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from kyodo_desk.models import ContactKind
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.help_window import (
    HELP_SHORTCUT,
    OUTSIDE_LINK,
    PAGES,
    SCREEN_PAGES,
    START_PAGE,
    HelpWindow,
    help_keys,
    manual_dir,
)
from kyodo_desk.ui.tasks import pending_jobs

# What each tab's F1 must open (by the tab's title; 相談記録 may carry a count after it).
TAB_PAGES = {
    "センター連絡先": "contacts.html",
    "相談記録": "consultations.html",
    "イベント": "events.html",
    "交付金": "grants.html",
    "地域計画": "plans.html",
    "印刷物": "leaflets.html",
    "アカウント": "accounts.html",
    "操作記録": "audit.html",
}
# Keys every form has, which no tab owns: a QDialog closes on Esc, and every form saves on
# Ctrl+Enter (widgets.ctrl_enter).
FORM_KEYS = {"Ctrl+Enter", "Esc"}


class _Page(HTMLParser):
    """A manual page as the test reads it: its title, ids, links and the keys it names."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.styles: list[str] = []
        self.keys: set[str] = set()
        self.h1 = ""
        self._in: str | None = None
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "link":
            self.styles.append(str(found.get("href")))
        # A key marked "system" (Alt+F4) is the operating system's, not the app's.
        self._in = tag if tag == "h1" or (tag == "kbd" and found.get("class") != "system") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "kbd":
            self.keys.add(data.strip())
        elif self._in == "h1":
            self.h1 += data


def page(name: str) -> _Page:
    return _Page(manual_dir() / name)


def portable(key: str) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)


def test_the_contents_list_every_page_of_the_manual_and_nothing_else() -> None:
    shipped = {p.name for p in manual_dir().glob("*.html")}
    assert shipped == {name for name, _title in PAGES}
    for name, title in PAGES:
        assert page(name).h1, name
        assert title.split("（")[0] in page(name).h1, (name, title)


def test_every_link_of_the_manual_leads_to_a_page_and_section_of_it() -> None:
    targets = [f"{name}#{link}" if link.startswith("#") else link
               for name, _title in PAGES for link in page(name).links]
    targets += list(SCREEN_PAGES.values())
    assert len(targets) > 30
    for target in targets:
        file, _, section = target.partition("#")
        assert ":" not in file and "/" not in file, target  # no outside or other-folder link
        assert (manual_dir() / file).is_file(), target
        assert not section or section in page(file).ids, target
    for name, _title in PAGES:
        for style in page(name).styles:
            assert (manual_dir() / style).is_file(), (name, style)


def test_links_in_the_help_window_open_pages_and_never_leave_the_manual(qtbot) -> None:  # type: ignore[no-untyped-def]
    help_window = HelpWindow()
    qtbot.addWidget(help_window)
    for name, _title in PAGES:
        for link in page(name).links:
            help_window.show_page(name)
            help_window.follow(QUrl(link))
            target = f"{name}{link}" if link.startswith("#") else link
            assert help_window.current_page() == target
            assert help_window.note.text() == ""
            assert help_window.browser.toPlainText().strip()
    help_window.show_page("events.html")
    for outside in ("https://www.city.akita.lg.jp/", "mailto:a@example.jp", "../README.md"):
        help_window.follow(QUrl(outside))
        assert help_window.current_page() == "events.html"
        assert help_window.note.text() == OUTSIDE_LINK
    # The contents list follows the page on show, and opens the page clicked.
    assert help_window.contents.currentItem().text() == "イベント"
    item = help_window.contents.item(0)
    help_window.contents.itemClicked.emit(item)
    assert help_window.current_page() == START_PAGE
    assert "協働デスク 使い方" in help_window.browser.toPlainText()


def _tab_keys(tab) -> set[str]:  # type: ignore[no-untyped-def]
    return {portable(s.key().toString()) for s in tab.findChildren(QShortcut)}


def test_f1_on_each_tab_opens_its_page(qtbot, main_window, admin) -> None:  # type: ignore[no-untyped-def]
    window = main_window(admin)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert len(titles) == len(TAB_PAGES)
    opened = None
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        window.tabs.setFocus()
        qtbot.keyClick(window.tabs, Qt.Key.Key_F1)
        help_window = window.help.help
        assert help_window is not None
        qtbot.waitUntil(help_window.isVisible)
        expected = next(p for t, p in TAB_PAGES.items()
                        if window.tabs.tabText(index).startswith(t))
        assert help_window.current_page() == expected
        assert page(expected).h1 in help_window.browser.toPlainText()
        assert opened in (None, help_window)  # one window, reused
        opened = help_window
        help_window.hide()
        window.activateWindow()
    # The menu: ヘルプ → 使い方 with F1, on the page of the tab on show.
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "ヘルプ(&H)")
    action = next(a for a in help_menu.actions() if a.text() == "使い方(&H)")
    assert action.shortcut().toString() == "F1"
    window.tabs.setCurrentWidget(window.events)
    action.trigger()
    assert window.help.help.current_page() == "events.html"


def test_f1_in_another_window_opens_its_page(qtbot, main_window, admin) -> None:  # type: ignore[no-untyped-def]
    window = main_window(admin)
    wizard = window.open_import()
    qtbot.waitExposed(wizard)
    wizard.activateWindow()
    qtbot.waitUntil(lambda: wizard.isActiveWindow())
    qtbot.keyClick(wizard, Qt.Key.Key_F1)
    help_window = window.help.help
    assert help_window is not None and help_window.isVisible()
    assert help_window.current_page() == "import.html"
    wizard.close()
    # Back on the main window, the same help window serves it again.
    window.tabs.setCurrentWidget(window.grants)
    window.help.action.trigger()
    assert window.help.help is help_window
    assert help_window.current_page() == "grants.html"


def test_the_keys_a_page_lists_are_the_keys_of_its_tab(main_window, admin) -> None:  # type: ignore[no-untyped-def]
    """Every shortcut a tab defines is in its page; every combination the page names exists
    (on the tab, in the menus, or on every form)."""
    from kyodo_desk.ui.widgets import SearchListKeys

    window = main_window(admin)
    # 終了's key is the system's (none on Windows, Ctrl+Q elsewhere): the manual names Alt+F4.
    system = {portable(k.toString())
              for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)}
    menu_keys = {portable(a.shortcut().toString()) for menu in window.menuBar().actions()
                 for a in menu.menu().actions() if not a.shortcut().isEmpty()} - system
    assert {"F1", "Ctrl+F", "Ctrl+Z"} <= menu_keys
    # The start page lists every key of the menus.
    assert menu_keys <= {portable(k) for k in page(START_PAGE).keys}
    for index in range(window.tabs.count()):
        tab = window.tabs.widget(index)
        name = next(p for t, p in TAB_PAGES.items() if window.tabs.tabText(index).startswith(t))
        listed = page(name).keys | page(START_PAGE).keys
        named = {portable(k) for k in listed if "+" in k or k in ("Esc", "F1")}
        assert _tab_keys(tab) <= named, name
        assert named <= _tab_keys(tab) | menu_keys | {portable(k) for k in FORM_KEYS}, name
        if "↓" in page(name).keys:  # into the list from the search box
            assert tab.findChildren(SearchListKeys), name


@pytest.fixture(autouse=True)
def _closing_discards(monkeypatch: pytest.MonkeyPatch) -> None:
    """A form closed at the end of a test goes without the question about its draft."""
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")


def shown_help() -> list[HelpWindow]:
    """The help windows on show, wherever they belong."""
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, HelpWindow) and w.isVisible()]


def open_modal(qtbot, make: Callable[[], QDialog]) -> QDialog:  # type: ignore[no-untyped-def]
    """*make*'s dialog opened modal as the app opens it (open(), which does not block the
    test as exec() would), active and done loading."""
    dialog = make()
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if not dialog.isVisible():
        dialog.open()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    assert QApplication.activeModalWidget() is dialog
    return dialog


def press_f1(qtbot, where: QWidget) -> HelpWindow:  # type: ignore[no-untyped-def]
    qtbot.keyClick(where, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: len(shown_help()) == 1)
    help_window = shown_help()[0]
    # Usable over the modal dialog: the keyboard is the help's, not blocked behind it.
    qtbot.waitUntil(help_window.isActiveWindow)
    return help_window


def close_and_wait(qtbot, dialog: QDialog) -> None:  # type: ignore[no-untyped-def]
    """Esc, as a person closes it (back in it first); the dialog is deleted."""
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))


def test_f1_in_a_modal_dialog_opens_its_page(qtbot, main_window, admin) -> None:  # type: ignore[no-untyped-def]
    """F1 in a modal dialog, where the main window's F1 is not heard, opens the dialog's page
    over it; closing the dialog leaves the help on show over the main window."""
    from kyodo_desk.config import current_database_settings
    from kyodo_desk.ui.admin.facilities_dialog import FacilitiesDialog
    from kyodo_desk.ui.admin.retention_dialog import RetentionDialog
    from kyodo_desk.ui.admin.topics_dialog import TopicsDialog
    from kyodo_desk.ui.settings_dialog import DatabaseSettingsDialog

    window = main_window(admin)
    window.tabs.setCurrentWidget(window.events)
    dialogs: list[tuple[Callable[[], QDialog], str]] = [
        (lambda: window.contacts.open_new(ContactKind.PERSON), "contacts.html#register"),
        (lambda: FacilitiesDialog(window.db, admin, window), "admin.html#facilities"),
        (lambda: RetentionDialog(window.db, admin, window), "admin.html#retention"),
        (lambda: TopicsDialog(window.db, admin, window), "admin.html#topics"),
        (lambda: DatabaseSettingsDialog(current_database_settings(), admin, window),
         "admin.html#database"),
    ]
    opened = []
    for make, expected in dialogs:
        dialog = open_modal(qtbot, make)
        help_window = press_f1(qtbot, dialog)
        assert help_window.current_page() == expected, type(dialog).__name__
        section = expected.partition("#")[2]
        assert section in page(expected.partition("#")[0]).ids
        assert page(expected.partition("#")[0]).h1 in help_window.browser.toPlainText()
        opened.append(help_window)
        # Over the dialog, which it may not hide; the dialog keeps its own F1, once.
        assert help_window.parentWidget() is dialog
        assert len(dialog.findChildren(QShortcut, HELP_SHORTCUT)) == 1
        close_and_wait(qtbot, dialog)
        # The help stays on show, back with the main window, which no dialog blocks now.
        qtbot.waitUntil(lambda shown=help_window: shown.parentWidget() is window)
        assert shown_help() == [help_window]
        assert QApplication.activeModalWidget() is None
        assert help_window.current_page() == expected
    assert all(h is opened[0] for h in opened)  # one help window, moved, never a second
    # The main window's F1 still opens its tab's page, in that same window.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.tabs, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: opened[0].current_page() == "events.html")
    assert shown_help() == [opened[0]]


def test_f1_in_a_message_over_a_form_opens_the_form_page(qtbot, main_window, admin) -> None:  # type: ignore[no-untyped-def]
    window = main_window(admin)
    form = open_modal(qtbot, lambda: window.contacts.open_new(ContactKind.GROUP))
    message = QMessageBox(QMessageBox.Icon.Question, "協働デスク", "閉じますか？",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, form)
    message.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    message.open()
    qtbot.waitUntil(message.isActiveWindow)
    help_window = press_f1(qtbot, message)
    assert help_window.current_page() == "contacts.html#register"
    assert help_window.parentWidget() is message
    close_and_wait(qtbot, message)
    # Back over the form, still modal: the help moves to it, and is not blocked.
    qtbot.waitUntil(lambda: help_window.parentWidget() is form)
    assert help_window.isVisible()
    close_and_wait(qtbot, form)


def test_f1_in_the_sign_in_opens_the_sign_in_section(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    """Before any main window: the sign-in's own help, which goes with the dialog."""
    from kyodo_desk.ui.sign_in import SignInDialog

    dialog = open_modal(qtbot, lambda: SignInDialog(db))
    help_window = press_f1(qtbot, dialog.login)
    assert help_window.current_page() == "index.html#sign-in"
    assert "サインイン" in help_window.browser.toPlainText()
    close_and_wait(qtbot, dialog)
    qtbot.waitUntil(lambda: not shown_help())


def test_the_help_window_gets_no_f1_of_its_own(qtbot, main_window, admin) -> None:  # type: ignore[no-untyped-def]
    window = main_window(admin)
    window.tabs.setCurrentWidget(window.grants)
    help_window = press_f1(qtbot, window.tabs)
    assert help_window.current_page() == "grants.html"
    help_window.show_page("index.html#keys")
    qtbot.keyClick(help_window.browser, Qt.Key.Key_F1)
    qtbot.keyClick(help_window, Qt.Key.Key_F1)
    assert help_window.findChildren(QShortcut, HELP_SHORTCUT) == []
    assert help_window.current_page() == "index.html#keys"
    assert shown_help() == [help_window]


def test_dialogs_closed_leave_no_shortcut_behind(qtbot, main_window, admin) -> None:  # type: ignore[no-untyped-def]
    """Twenty dialogs opened and closed: each had its own F1, gone with it; the main window
    gains none, and no opener is left over."""
    from kyodo_desk.ui.admin.retention_dialog import RetentionDialog
    from kyodo_desk.ui.admin.topics_dialog import TopicsDialog

    window = main_window(admin)
    shortcuts = len(window.findChildren(QShortcut))
    openers = len(help_keys().openers())
    for round_ in range(20):
        dialog = open_modal(qtbot, (lambda: TopicsDialog(window.db, admin, window)) if round_ % 2
                            else (lambda: RetentionDialog(window.db, admin, window)))
        assert len(dialog.findChildren(QShortcut, HELP_SHORTCUT)) == 1
        if round_ % 5 == 0:
            help_window = press_f1(qtbot, dialog)
            assert help_window.current_page() in ("admin.html#retention", "admin.html#topics")
        close_and_wait(qtbot, dialog)
        gc.collect()
    assert len(window.findChildren(QShortcut)) == shortcuts
    assert window.findChildren(QShortcut, HELP_SHORTCUT) == []
    assert len(help_keys().openers()) == openers
    assert len(shown_help()) == 1
