"""使い方: the manual inside the app, opened by ヘルプ → 使い方 and F1 on the screen on show."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence, QShortcut

from kyodo_desk.ui.help_window import (
    OUTSIDE_LINK,
    PAGES,
    SCREEN_PAGES,
    START_PAGE,
    HelpWindow,
    manual_dir,
)

# What each tab's F1 must open (by the tab's title; 相談記録 may carry a count after it).
TAB_PAGES = {
    "センター連絡先": "contacts.html",
    "相談記録": "consultations.html",
    "イベント": "events.html",
    "交付金": "grants.html",
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
