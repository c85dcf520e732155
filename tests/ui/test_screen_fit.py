"""Every tab, dialog and print preview on the counter PC's screen (1280×800, the test screen):
the window with its title bar lies on the screen, and every button it shows is inside it, wide
enough for its text. benchmarks/screenshots.py shows the same windows as pictures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from functools import partial

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, QThreadPool
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QMessageBox,
    QPushButton,
    QToolButton,
    QWidget,
)

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import ContactKind
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.tasks import pending_jobs
from kyodo_desk.ui.widgets import WINDOW_FRAME

TODAY = date.today()
# What a standard button of a QDialogButtonBox or QMessageBox says unless given Japanese text
# ("OK" is Japanese Windows' own word too).
QT_ENGLISH = frozenset({"Cancel", "Close", "Save", "Yes", "No", "Apply", "Open",
                        "Discard", "Reset", "Help", "Abort", "Retry", "Ignore"})
CLI = Actor.command_line()


@pytest.fixture(autouse=True)
def _no_questions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for kind in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind,
                            lambda *_a, **_k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "discard")
    yield
    QThreadPool.globalInstance().waitForDone()


def misfits(window: QWidget) -> list[str]:
    """What of *window* a person at the counter could not see or reach on its screen."""
    name = type(window).__name__
    problems = []
    screen, frame = window.screen().availableGeometry(), window.frameGeometry()
    # Headless, the frame has no title bar: room is left for the one a window manager adds.
    if not screen.contains(frame) or window.height() + WINDOW_FRAME > screen.height():
        problems.append(f"{name}: {frame.width()}×{frame.height()} at ({frame.x()}, "
                        f"{frame.y()}) with its title bar is not on the {screen.width()}×"
                        f"{screen.height()} screen")
    inside = QRect(QPoint(0, 0), window.size())
    buttons: list[QPushButton | QToolButton] = [*window.findChildren(QPushButton),
                                                *window.findChildren(QToolButton)]
    for button in buttons:
        if not button.isVisibleTo(window) or _scrolls(button, window):
            continue  # hidden on purpose (a right the account lacks), or reached by scrolling
        place = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        if not button.isVisible() or not inside.contains(place):
            problems.append(f"{name}: 「{button.text()}」 at {place.getRect()} is not in "
                            f"the window's {inside.width()}×{inside.height()}")
        elif button.text() and button.width() < button.minimumSizeHint().width():
            problems.append(f"{name}: 「{button.text()}」 is {button.width()} px wide, "
                            f"its text needs {button.minimumSizeHint().width()}")
        if button.text().replace("&", "") in QT_ENGLISH:
            problems.append(f"{name}: 「{button.text()}」 is Qt's English, not the app's Japanese")
    return problems


def _scrolls(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: pending_jobs() == 0)


class Checker:
    """Opens dialogs one after the other and keeps what does not fit."""

    def __init__(self, qtbot) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.problems: list[str] = []
        self.seen: list[str] = []

    def dialog(self, open_it: Callable[[], object]) -> None:
        before = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        found: list[QDialog] = []

        def opened() -> bool:
            found[:] = [w for w in QApplication.topLevelWidgets()
                        if isinstance(w, QDialog) and w.isVisible()
                        and not any(w is b for b in before)]
            return bool(found)

        open_it()
        self.qtbot.waitUntil(opened)
        settle(self.qtbot)
        dialog = found[-1]
        self.seen.append(type(dialog).__name__)
        self.problems += misfits(dialog)
        if shiboken6.isValid(dialog):
            dialog.reject()
        settle(self.qtbot)


def test_the_main_window_fits_the_counter_screen(main_window, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    window = main_window(accounts_by_login["officer"])
    assert misfits(window) == []


def test_every_tab_shows_its_buttons_whole(qtbot, main_window, db, admin,  # type: ignore[no-untyped-def]
                                           accounts_by_login) -> None:
    from kyodo_desk.services.demo.events import add_demo_events
    from kyodo_desk.services.demo.grants import load_demo_grants

    add_demo_events(db, CLI, today=TODAY)
    load_demo_grants(db, CLI, today=TODAY)
    problems = []
    for actor in (accounts_by_login["officer"], admin):
        window = main_window(actor)
        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            settle(qtbot)
            problems += [p for p in misfits(window) if "title bar" not in p]
    assert problems == []


def test_the_contact_and_consultation_dialogs_fit(qtbot, main_window, db,  # type: ignore[no-untyped-def]
                                                  accounts_by_login) -> None:
    from kyodo_desk.services import contacts as contact_svc
    from kyodo_desk.services.demo import add_demo_consultations, add_demo_contacts
    from kyodo_desk.ui.consultations.form import ConsultationConflictDialog
    from kyodo_desk.ui.contacts.conflict import ConflictDialog
    from kyodo_desk.ui.sign_in import ChangePasswordDialog, FirstAdministratorDialog, SignInDialog

    officer = accounts_by_login["officer"]
    add_demo_contacts(db, CLI, 30)
    add_demo_consultations(db, CLI, 20)
    window = main_window(officer)
    check = Checker(qtbot)
    check.dialog(lambda: SignInDialog(db, window).show())
    check.dialog(lambda: FirstAdministratorDialog(db, window).show())
    check.dialog(lambda: ChangePasswordDialog(db, officer, window).show())

    contacts = window.contacts
    check.dialog(lambda: contacts.open_new(ContactKind.PERSON))
    check.dialog(lambda: contacts.open_new(ContactKind.GROUP))
    contacts.table.selectRow(next(r for r in range(contacts.model.rowCount())
                                  if contacts.model.entry(r).ref.table == "contact"))
    check.dialog(contacts.open_current)
    theirs = contact_svc.get_contact(db, officer, contacts.current_ref().id)
    mine = replace(theirs.as_draft(), name=f"{theirs.name}（旧）", notes="代表者が交代")
    check.dialog(lambda: ConflictDialog(mine, theirs, window).show())

    consultations = window.consultations
    window.tabs.setCurrentWidget(consultations)
    settle(qtbot)
    check.dialog(consultations.open_new)
    consultations.table.selectRow(0)
    check.dialog(consultations.open_current)
    check.dialog(lambda: ConsultationConflictDialog(
        {"asked": "夏祭りのテントを借りたい。補助金の対象か知りたい。", "status": "対応中"},
        {"asked": "夏祭りのテントを借りたい。", "status": "完了"}, window).show())
    assert len(check.seen) == 10
    assert check.problems == []


def test_the_event_dialogs_and_previews_fit(qtbot, main_window, db,  # type: ignore[no-untyped-def]
                                           accounts_by_login) -> None:
    from kyodo_desk.services.demo.events import add_demo_events
    from kyodo_desk.ui.events.prints import AFTER_DRAW

    add_demo_events(db, CLI, today=TODAY)
    window = main_window(accounts_by_login["officer"])
    events = window.events
    window.tabs.setCurrentWidget(events)
    settle(qtbot)
    entries = [events.model.entry(r) for r in range(events.model.rowCount())]
    # The fullest event taken first come, and the demo's cooking class, drawn by lottery.
    fullest = max((e for e in entries if e.lottery_until is None), key=lambda e: e.seats.taken)
    drawn = next(e for e in entries if e.lottery_drawn)
    _select(qtbot, events, fullest.id)
    check = Checker(qtbot)
    check.dialog(events.open_new)
    check.dialog(events.open_current)
    check.dialog(events.registrations.open_sign_up)
    check.dialog(events.open_check_in)
    door = events.open_check_in()
    settle(qtbot)
    check.dialog(door.open_walk_in)
    door.reject()
    printable = [p for p, action in events.print_actions.items() if action.isEnabled()]
    # 抽選結果 is made for a drawn lottery only: disabled for this event (first come), and
    # previewed below for the drawn one.
    assert set(events.print_actions) - set(printable) == AFTER_DRAW
    for paper in printable:
        check.dialog(partial(events.print_event, paper))
    events.registrations.table.selectRow(0)
    check.dialog(events.registrations.print_selected_receipt)
    assert check.seen.count("PdfPreview") == len(printable) + 1
    _select(qtbot, events, drawn.id)
    assert all(events.print_actions[p].isEnabled() for p in AFTER_DRAW)
    for paper in sorted(AFTER_DRAW):
        check.dialog(partial(events.print_event, paper))
    assert check.seen.count("PdfPreview") == len(events.print_actions) + 1
    assert check.problems == []



def _select(qtbot, events, event_id: int) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(events.list_shown):
        events.refresh(keep_id=event_id)
    assert events.current_event().id == event_id
    settle(qtbot)


def test_the_grant_dialogs_and_previews_fit(qtbot, main_window, db,  # type: ignore[no-untyped-def]
                                           accounts_by_login) -> None:
    from kyodo_desk.services.demo.grants import load_demo_grants
    from kyodo_desk.ui.grants.deadlines_view import DeadlinesDialog
    from kyodo_desk.ui.grants.screening import ScreeningDialog

    officer = accounts_by_login["officer"]
    load_demo_grants(db, CLI, today=TODAY)
    window = main_window(officer)
    grants = window.grants
    window.tabs.setCurrentWidget(grants)
    qtbot.waitUntil(lambda: grants.programme is not None and grants.panel.detail is not None)
    settle(qtbot)
    check = Checker(qtbot)
    actions, panel = grants.programme_actions, grants.panel
    check.dialog(actions.new_programme)
    check.dialog(actions.edit_programme)
    check.dialog(grants.open_new_case)
    check.dialog(panel.open_edit)
    for target in list(panel.move_buttons):
        check.dialog(partial(panel.open_move, target))
    check.dialog(lambda: panel.open_payment(refund=False))
    check.dialog(lambda: panel.open_payment(refund=True))
    check.dialog(panel.open_deadline)
    check.dialog(panel.open_document)
    check.dialog(lambda: ScreeningDialog(db, officer, grants.programme.id, window).show())
    check.dialog(lambda: DeadlinesDialog(db, officer, window).show())
    for paper in list(grants.prints.actions):
        check.dialog(partial(grants.prints.print_paper, paper))
    assert {"ProgrammeForm", "CaseDialog", "MoveDialog", "PaymentDialog", "DeadlineDialog",
            "DocumentDialog", "ScreeningDialog", "DeadlinesDialog", "PdfPreview"} <= set(check.seen)
    assert check.problems == []


def test_the_administrator_s_dialogs_fit(qtbot, main_window, db, admin) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.config import current_database_settings
    from kyodo_desk.ui.admin.retention_dialog import RetentionDialog
    from kyodo_desk.ui.settings_dialog import DatabaseSettingsDialog

    window = main_window(admin)
    accounts = window.accounts_tab
    window.tabs.setCurrentWidget(accounts)
    qtbot.waitUntil(lambda: accounts.model.rowCount() > 0)
    check = Checker(qtbot)
    check.dialog(accounts.add_account)
    accounts.table.selectRow(0)
    check.dialog(accounts.change_selected_role)
    check.dialog(lambda: RetentionDialog(db, admin, window).show())
    check.dialog(lambda: DatabaseSettingsDialog(current_database_settings(), admin,
                                                window).show())
    assert len(check.seen) == 4
    assert check.problems == []


def test_the_topics_dialog_fits_and_speaks_japanese(qtbot, main_window, db, admin) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.admin.topics_dialog import TopicsDialog

    window = main_window(admin)
    check = Checker(qtbot)
    check.dialog(lambda: TopicsDialog(db, admin, window).show())
    assert check.problems == []
