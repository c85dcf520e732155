"""The user manual inside the app (使い方): ヘルプ → 使い方 and F1 open it on the page of the tab
or window on show; F1 in a dialog, modal or not, on that dialog's page.

The manual is a folder of plain HTML pages shipped with the package (resources/manual), read
from disk: no network, and a link that leads out of the folder is never followed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk import paths
from kyodo_desk.ui.account_watch import belongs_to
from kyodo_desk.ui.widgets import fit_to_screen

START_PAGE = "index.html"
HELP_KEY = "F1"
HELP_SHORTCUT = "helpKey"  # the object name of a window's own F1
ROLE_PAGE = Qt.ItemDataRole.UserRole  # a contents row's page file name

# The contents list, in the order of the tabs (目次).
PAGES: tuple[tuple[str, str], ...] = (
    (START_PAGE, "はじめに"),
    ("contacts.html", "センター連絡先"),
    ("consultations.html", "相談記録"),
    ("events.html", "イベント"),
    ("grants.html", "交付金"),
    ("plans.html", "地域計画"),
    ("leaflets.html", "印刷物"),
    ("import.html", "取り込み"),
    ("accounts.html", "アカウント（管理者）"),
    ("audit.html", "操作記録（管理者）"),
    ("admin.html", "管理メニュー（管理者）"),
)

# The page (and section) of each screen, by class name: most screens' modules load only when
# first opened, and a name keeps this module from loading them all. A subclass finds its
# parent's page (the lookup walks the class's bases); a screen not named here (a message box, a
# conflict's two versions) finds the page of the window it was opened from.
SCREEN_PAGES: dict[str, str] = {
    "ContactsTab": "contacts.html",
    "ContactForm": "contacts.html#register",
    "RecordWindow": "contacts.html#record",
    "DuplicatesWindow": "contacts.html#duplicates",
    "MergeDialog": "contacts.html#duplicates",
    "UnconfirmedGroupsDialog": "contacts.html#group-registry",
    "ConsultationsTab": "consultations.html",
    "ConsultationForm": "consultations.html#record",
    "EventsTab": "events.html",
    "EventForm": "events.html#event",
    "SignUpDialog": "events.html#signup",
    "CheckInDialog": "events.html#check-in",
    "DoorWindow": "events.html#offline-door",
    "DoorOpenDialog": "events.html#offline-door",
    "WalkInDialog": "events.html#offline-door",
    "DoorConflictsDialog": "events.html#offline-door",
    "DoorPasswordDialog": "events.html#offline-door",
    "GraduatesDialog": "events.html#tsumugist",
    "GrantsTab": "grants.html",
    "PlansTab": "plans.html",
    "PlanWindow": "plans.html#plan",
    "PickDialog": "plans.html#links",
    "DirectionsDialog": "admin.html#directions",
    "CaseDialog": "grants.html#case",
    "MoveDialog": "grants.html#case",
    "PaymentDialog": "grants.html#money",
    "ScreeningDialog": "grants.html#screening",
    "DeadlinesDialog": "grants.html#deadlines",
    "ProgrammeForm": "grants.html#programme",
    "LeafletsTab": "leaflets.html",
    "ImportWizard": "import.html",
    "AccountsTab": "accounts.html",
    "AccountDialog": "accounts.html#add",
    "ResetPasswordDialog": "accounts.html#change",
    "RoleDialog": "accounts.html#change",
    "AuditTab": "audit.html",
    "FacilitiesDialog": "admin.html#facilities",
    "ChoiceListDialog": "admin.html#topics",
    "DistrictsDialog": "admin.html#districts",
    "RetentionDialog": "admin.html#retention",
    "DateStyleDialog": "admin.html#date-style",
    "DatabaseSettingsDialog": "admin.html#database",
    "ChangePasswordDialog": "index.html#sign-in",
    "SignInDialog": "index.html#sign-in",
    "FirstAdministratorDialog": "index.html#sign-in",
    "EraseDialog": "contacts.html#delete",
    "ActionDialog": "grants.html#case",
    "DeadlineDialog": "grants.html#deadlines",
}

OUTSIDE_LINK = "この使い方の外へのリンクは開きません。"


def manual_dir() -> Path:
    return paths.resources_dir() / "manual"


def page_for(widget: QWidget | None) -> str:
    """The manual's page (with its section) for *widget*: a tab, a dialog or a window."""
    page = _screen_page(widget) if widget is not None else None
    return page if page is not None else START_PAGE


class HelpWindow(QDialog):
    """使い方: the contents on the left, the page on the right; one per main window, reused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowTitle("協働デスク — 使い方")
        self.setModal(False)
        self._folder = manual_dir().resolve()

        self.contents = QListWidget()
        self.contents.setObjectName("helpContents")
        for name, title in PAGES:
            item = QListWidgetItem(title)
            item.setData(ROLE_PAGE, name)
            self.contents.addItem(item)
        self.contents.itemActivated.connect(lambda item: self.show_page(item.data(ROLE_PAGE)))
        self.contents.itemClicked.connect(lambda item: self.show_page(item.data(ROLE_PAGE)))

        self.browser = QTextBrowser()
        self.browser.setObjectName("helpBrowser")
        # Links are followed here, never handed to the system's browser or mail client.
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(self.follow)
        self.browser.sourceChanged.connect(self._source_changed)
        # QTextBrowser does not read a page's <link> stylesheet (a web browser does).
        style = self._folder / "manual.css"
        if style.is_file():
            self.browser.document().setDefaultStyleSheet(style.read_text(encoding="utf-8"))

        back = QPushButton("← 戻る")
        back.clicked.connect(self.browser.backward)
        self.browser.backwardAvailable.connect(back.setEnabled)
        back.setEnabled(False)
        forward = QPushButton("進む →")
        forward.clicked.connect(self.browser.forward)
        self.browser.forwardAvailable.connect(forward.setEnabled)
        forward.setEnabled(False)
        home = QPushButton("はじめに")
        home.clicked.connect(lambda: self.show_page(START_PAGE))
        close = QPushButton("閉じる")
        close.clicked.connect(self.close)
        self.note = QLabel()
        self.note.setObjectName("helpNote")
        self.note.setStyleSheet("color: #c0392b;")

        bar = QHBoxLayout()
        for button in (back, forward, home):
            bar.addWidget(button)
        bar.addWidget(self.note, 1)
        bar.addWidget(close)
        splitter = QSplitter()
        splitter.addWidget(self.contents)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 760])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        fit_to_screen(self, 980, 720)

    def show_page(self, target: str) -> None:
        """Open *target* ("events.html#check-in") and bring the window to the front."""
        name, _, section = target.partition("#")
        url = QUrl.fromLocalFile(str(self._folder / name))
        if section:
            url.setFragment(section)
        self.note.clear()
        self.browser.setSource(url)
        if not self.isVisible():
            self.show()
        self.raise_()
        self.activateWindow()

    def follow(self, link: QUrl) -> None:
        """A link clicked in a page: another page or section of the manual, nothing else."""
        url = self.browser.source().resolved(link)
        page = self.page_name(url)
        if page is None:
            self.note.setText(OUTSIDE_LINK)
            return
        self.show_page(f"{page}#{url.fragment()}" if url.hasFragment() else page)

    def page_name(self, url: QUrl) -> str | None:
        """The file name of the manual's page *url* leads to, or None if it leads elsewhere."""
        if not url.isLocalFile():
            return None
        path = Path(url.toLocalFile()).resolve()
        if path.parent != self._folder or not path.is_file():
            return None
        return path.name

    def current_page(self) -> str:
        """The page on show, with its section if any ("events.html#check-in")."""
        source = self.browser.source()
        name = Path(source.toLocalFile()).name
        return f"{name}#{source.fragment()}" if source.hasFragment() else name

    def _source_changed(self, url: QUrl) -> None:
        name = Path(url.toLocalFile()).name
        for row in range(self.contents.count()):
            if self.contents.item(row).data(ROLE_PAGE) == name:
                self.contents.blockSignals(True)
                self.contents.setCurrentRow(row)
                self.contents.blockSignals(False)
                break


def _screen_page(widget: QWidget) -> str | None:
    for cls in type(widget).__mro__:
        page = SCREEN_PAGES.get(cls.__name__)
        if page is not None:
            return page
    return None


def _has_help_key(window: QWidget) -> bool:
    """True if *window* has its own F1 already: one given here, or a menu's (the main window's
    使い方)."""
    direct = Qt.FindChildOption.FindDirectChildrenOnly
    if window.findChild(QShortcut, HELP_SHORTCUT, direct) is not None:
        return True
    help_key = QKeySequence(HELP_KEY)
    return any(action.shortcut() == help_key for action in window.findChildren(QAction, "", direct))


class HelpOpener(QObject):
    """使い方 of one main window (ヘルプ → 使い方, F1): the one way the manual opens. Its help
    window opens on the page of the dialog or window where F1 was pressed, else of the tab on
    show, else はじめに; one help window, reused.

    The menu's F1 is the main window's own (a window shortcut); every other window and dialog
    gets its own F1 from `DialogHelpKeys`: an application shortcut is not heard while a modal
    dialog is open, and beside a window's own F1 it would make the key ambiguous (neither
    runs). *with_key* False: an opener for a window outside any main window (the sign-in),
    without a menu.
    """

    def __init__(self, window: QWidget, current_screen: Callable[[], QWidget | None], *,
                 with_key: bool = True) -> None:
        super().__init__(window)
        self.served = window
        self.with_key = with_key
        self._current_screen = current_screen
        self.help: HelpWindow | None = None
        self.action = QAction("使い方(&H)", window)
        if with_key:
            self.action.setShortcut(QKeySequence(HELP_KEY))
            self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(lambda: self.open())
        if with_key:
            help_keys().register(self)

    def open(self, screen: QWidget | None = None) -> HelpWindow:
        """Show the manual on *screen*'s page (default: the main window's current tab)."""
        target = self.page_of(screen)
        owner = self._owner()
        help_window = self._help()
        if help_window is None:
            help_window = self.help = HelpWindow(owner)
        elif help_window.parentWidget() is not owner:
            self._move(help_window, owner)
        help_window.show_page(target)
        return help_window

    def page_of(self, screen: QWidget | None) -> str:
        """The page of *screen*, else of the window or dialog it was opened from (a message
        box over a form: the form's), else of the tab on show, else はじめに."""
        widget = screen
        while widget is not None and widget is not self.served:
            page = _screen_page(widget)
            if page is not None:
                return page
            widget = widget.parentWidget()
        # An opener serving a lone dialog (the sign-in) has no tabs: that dialog's page.
        return page_for(self._current_screen() or self.served)

    def keep_help_reachable(self) -> None:
        """A help window opened over a dialog that has since closed goes back to the window it
        serves (or the modal dialog now in front), still on show: it would otherwise vanish
        when that dialog is deleted, or stay blocked behind the next modal one."""
        help_window = self._help()
        if help_window is None or not help_window.isVisible():
            return
        owner = help_window.parentWidget()
        if owner is None or owner.isVisible():
            return
        new_owner = self._owner()
        if new_owner is owner or not new_owner.isVisible():
            return
        self._move(help_window, new_owner)

    def _help(self) -> HelpWindow | None:
        # Owned by the dialog it was last opened over: gone when that dialog was deleted.
        if self.help is not None and not shiboken6.isValid(self.help):
            self.help = None
        return self.help

    def _owner(self) -> QWidget:
        """A modal dialog blocks every window outside it: the help opens as its child."""
        modal = QApplication.activeModalWidget()
        if modal is not None and modal is not self.help and modal.isVisible():
            return modal
        return self.served

    @staticmethod
    def _move(help_window: HelpWindow, owner: QWidget) -> None:
        """Make *owner* the help window's parent, where it was, on show if it was; the
        keyboard stays with the window that has it (the one behind a dialog just closed)."""
        visible, active, place = (help_window.isVisible(), help_window.isActiveWindow(),
                                  help_window.pos())
        help_window.setParent(owner, help_window.windowFlags())  # this hides it
        help_window.move(place)
        if visible:
            help_window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, not active)
            help_window.show()
            help_window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, False)
            if active:
                help_window.activateWindow()


class DialogHelpKeys(QObject):
    """F1 (使い方) in every dialog and window of the app: each gets its own F1 — a window
    shortcut whose parent is that window, so it dies with it — the first time it becomes the
    active window.

    Found through QGuiApplication.focusWindowChanged, a signal. Not an event filter on the
    application nor on every widget: Qt calls one for every event of every object, including
    objects being destroyed, whose wrappers PySide then makes — that crashed the process (a
    segmentation fault in one UI test run in three). No window's wrapper is kept here but
    through its opener, a child of that window, checked with shiboken6.isValid before use.
    """

    def __init__(self, app: QGuiApplication) -> None:
        super().__init__(app)
        self._openers: list[HelpOpener] = []
        self._busy = False
        app.focusWindowChanged.connect(self._window_activated)

    def register(self, opener: HelpOpener) -> None:
        self._openers.append(opener)

    def openers(self) -> list[HelpOpener]:
        """The openers still alive (one per main window, and any made for a lone dialog)."""
        self._openers = [o for o in self._openers if shiboken6.isValid(o)]
        return list(self._openers)

    def opener_for(self, screen: QWidget) -> HelpOpener:
        """The opener of the main window *screen* belongs to; for a window outside any (the
        sign-in), the last main window's, or else one made for it, which dies with it."""
        openers = self.openers()
        for opener in openers:
            if belongs_to(screen, opener.served):
                return opener
        mains = [o for o in openers if o.with_key]
        if mains:
            return mains[-1]
        opener = HelpOpener(screen, lambda: None, with_key=False)
        self.register(opener)
        return opener

    @Slot(QWindow)
    def _window_activated(self, _window: QWindow | None) -> None:
        if self._busy:  # a help window moved or shown from here
            return
        self._busy = True
        try:
            self._keep_help_reachable()
            active = QApplication.activeWindow()
            if active is not None and self._wants_key(active):
                key = QShortcut(QKeySequence(HELP_KEY), active)
                key.setObjectName(HELP_SHORTCUT)
                key.setContext(Qt.ShortcutContext.WindowShortcut)
                key.activated.connect(self._help_key_pressed)
                if isinstance(active, QDialog):
                    # Its closing need not change the active window (the help over it may
                    # have the keyboard): the help must move before the dialog is deleted.
                    active.finished.connect(self._dialog_finished)
        finally:
            self._busy = False

    def _keep_help_reachable(self) -> None:
        for opener in self.openers():
            opener.keep_help_reachable()

    @Slot()
    def _dialog_finished(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            self._keep_help_reachable()
        finally:
            self._busy = False

    @staticmethod
    def _wants_key(window: QWidget) -> bool:
        # Popups and tool tips are not where a person reads; the help window needs no help.
        kind = window.windowType()
        return (kind in (Qt.WindowType.Window, Qt.WindowType.Dialog)
                and not isinstance(window, HelpWindow) and not _has_help_key(window))

    @Slot()
    def _help_key_pressed(self) -> None:
        key = self.sender()
        screen = key.parent() if isinstance(key, QShortcut) else QApplication.activeWindow()
        if isinstance(screen, QWidget):
            self.opener_for(screen).open(screen)


_help_keys: DialogHelpKeys | None = None


def help_keys() -> DialogHelpKeys:
    """The application's F1 for dialogs, made once (on first use, a child of the app)."""
    global _help_keys
    if _help_keys is None or not shiboken6.isValid(_help_keys):
        app = QApplication.instance()
        assert isinstance(app, QGuiApplication)
        _help_keys = DialogHelpKeys(app)
    return _help_keys
