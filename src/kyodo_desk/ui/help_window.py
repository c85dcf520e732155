"""The user manual inside the app (使い方): ヘルプ → 使い方 and F1 open it on the page of the tab
or window on show.

The manual is a folder of plain HTML pages shipped with the package (resources/manual), read
from disk: no network, and a link that leads out of the folder is never followed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence
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
ROLE_PAGE = Qt.ItemDataRole.UserRole  # a contents row's page file name

# The contents list, in the order of the tabs (目次).
PAGES: tuple[tuple[str, str], ...] = (
    (START_PAGE, "はじめに"),
    ("contacts.html", "センター連絡先"),
    ("consultations.html", "相談記録"),
    ("events.html", "イベント"),
    ("grants.html", "交付金"),
    ("leaflets.html", "印刷物"),
    ("import.html", "取り込み"),
    ("accounts.html", "アカウント（管理者）"),
    ("audit.html", "操作記録（管理者）"),
    ("admin.html", "管理メニュー（管理者）"),
)

# The page (and section) of each screen, by class name: most screens' modules load only when
# first opened, and a name keeps this module from loading them all. A subclass finds its
# parent's page (the lookup walks the class's bases).
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
    "GrantsTab": "grants.html",
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
    "DatabaseSettingsDialog": "admin.html#database",
    "ChangePasswordDialog": "index.html#sign-in",
}

OUTSIDE_LINK = "この使い方の外へのリンクは開きません。"


def manual_dir() -> Path:
    return paths.resources_dir() / "manual"


def page_for(widget: QWidget | None) -> str:
    """The manual's page (with its section) for *widget*: a tab, a dialog or a window."""
    if widget is not None:
        for cls in type(widget).__mro__:
            page = SCREEN_PAGES.get(cls.__name__)
            if page is not None:
                return page
    return START_PAGE


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



class HelpOpener(QObject):
    """ヘルプ → 使い方 (F1) of one main window: opens its help window on the page of the tab on
    show, or of the window of the main window in front (a form, the import, the duplicates
    list): the menu's F1 is an application shortcut, heard in every window of the app that no
    modal dialog blocks.

    Not an application event filter: Qt calls one for every event of every object, including
    objects being destroyed, whose wrappers PySide then makes — that crashed the process (a
    segmentation fault in one UI test run in three).
    """

    def __init__(self, window: QWidget, current_screen: Callable[[], QWidget | None]) -> None:
        super().__init__(window)
        self._window = window
        self._current_screen = current_screen
        self.help: HelpWindow | None = None
        self.action = QAction("使い方(&H)", window)
        self.action.setShortcut(QKeySequence(HELP_KEY))
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action.triggered.connect(lambda: self.open(self._window_in_front()))

    def open(self, screen: QWidget | None = None) -> HelpWindow:
        """Show the manual on *screen*'s page (default: the main window's current tab)."""
        target = page_for(screen if screen is not None else self._current_screen())
        modal = QApplication.activeModalWidget()
        owner = modal if modal is not None and modal is not self.help else self._window
        help_window = self.help
        if help_window is None or not shiboken6.isValid(help_window):
            help_window = self.help = HelpWindow(owner)
        elif help_window.parentWidget() is not owner:
            help_window.setParent(owner, help_window.windowFlags())
        help_window.show_page(target)
        return help_window

    def _window_in_front(self) -> QWidget | None:
        """The window of this main window where F1 was pressed, if not the main window itself
        nor the help."""
        screen = QApplication.activeWindow()
        help_window = self.help if self.help is not None and shiboken6.isValid(self.help) else None
        if (screen is None or screen is self._window or screen is help_window
                or not belongs_to(screen, self._window)):
            return None
        return screen
