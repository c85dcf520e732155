"""Screenshots of every tab, dialog and print preview at 1280×800 (a counter PC) and 1600×1000,
on a scratch SQLite database filled with the demo data, to look at before a screen is called
done (issue 15 item 6).

    python benchmarks/screenshots.py [FOLDER]   # PNGs go to FOLDER (default /tmp/shots)

Each screen size runs in a process of its own (the offscreen screen is fixed when Qt starts).
For each window it writes `<size>_<name>.png` (the window itself) and, for dialogs,
`<size>_<name>_screen.png` (the whole screen as the user sees it, the dialog over the main
window); `<size>_report.txt` lists every window's frame and whatever falls outside the screen
or is drawn narrower than it asks (a button cut, a list too narrow for its names).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

SIZES = ((1280, 800), (1600, 1000))
SIZE_ENV = "KYODO_SHOTS_SIZE"
QUIET_S = 0.3  # no background answer outstanding for this long: the window shows its data
GIVE_UP_S = 20.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", default="/tmp/shots", type=Path)
    parser.add_argument("--size", choices=[f"{w}x{h}" for w, h in SIZES],
                        help="one screen size only (default: each)")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    if os.environ.get(SIZE_ENV):
        shoot(args.folder, os.environ[SIZE_ENV])
        return
    for width, height in SIZES:
        if args.size and args.size != f"{width}x{height}":
            continue
        with tempfile.TemporaryDirectory(prefix="kyodo-shots-") as scratch:
            config = Path(scratch) / "screen.json"
            config.write_text(json.dumps({"screens": [{
                "name": f"screen-{width}x{height}", "x": 0, "y": 0, "width": width,
                "height": height, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
            env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
                       KYODO_DATA_DIR=f"{scratch}/data", KYODO_CONFIG_DIR=f"{scratch}/config",
                       **{SIZE_ENV: f"{width}x{height}"})
            env.pop("KYODO_DATABASE_URL", None)
            subprocess.run([sys.executable, __file__, str(args.folder)], env=env, check=True)
    print(f"screenshots in {args.folder}")


# --- one screen size ------------------------------------------------------------------------

class Camera:
    """Waits for the window to show its data, saves what it shows, notes what does not fit."""

    def __init__(self, folder: Path, size: str) -> None:
        self.folder, self.size = folder, size
        self.notes: list[str] = []

    def settle(self) -> None:
        from PySide6.QtWidgets import QApplication

        from kyodo_desk.ui.tasks import pending_jobs

        quiet_since, deadline = time.monotonic(), time.monotonic() + GIVE_UP_S
        while time.monotonic() < deadline:
            QApplication.processEvents()
            if pending_jobs():
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > QUIET_S:
                return
            time.sleep(0.01)

    def shot(self, name: str, widget: Any, *, whole_screen: bool = False) -> None:
        from PySide6.QtGui import QGuiApplication

        self.settle()
        widget.grab().save(str(self.folder / f"{self.size}_{name}.png"))
        if whole_screen:
            screen = QGuiApplication.primaryScreen()
            screen.grabWindow(0).save(str(self.folder / f"{self.size}_{name}_screen.png"))
        problems = misfits(widget)
        frame = widget.frameGeometry()
        self.notes.append(f"{name}: {frame.width()}×{frame.height()} at "
                          f"({frame.x()}, {frame.y()})" + "".join(f"\n    ! {p}" for p in problems))

    def dialog(self, name: str, trigger: Callable[[], object]) -> None:
        """Call *trigger*, which opens a dialog (shown, or run modally by exec()); shoot the
        dialog once it shows its data, then close it."""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication, QDialog

        before = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        taken: list[QDialog] = []

        def look() -> None:
            if taken:
                return
            new = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QDialog) and w.isVisible() and not any(w is b for b in before)]
            if new:
                timer.stop()
                self.shot(name, new[-1], whole_screen=True)
                taken.append(new[-1])
                new[-1].reject()

        timer = QTimer()
        timer.setInterval(50)
        timer.timeout.connect(look)
        timer.start()
        try:
            trigger()  # returns when a modal exec() has been closed by look()
        except Exception as exc:  # noted; the other windows are still shot
            self.notes.append(f"{name}: {exc!r}")
        deadline = time.monotonic() + GIVE_UP_S
        while not taken and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.01)
        timer.stop()
        if not taken:
            said = [w.statusBar().currentMessage() for w in QApplication.topLevelWidgets()
                    if hasattr(w, "statusBar") and w.isVisible()]
            self.notes.append(f"{name}: no dialog opened (the status bar says {said})")
        self.settle()

    def columns(self, name: str, table: Any) -> None:
        """A list's column widths as shown, for the report (hidden columns left out)."""
        header, model = table.horizontalHeader(), table.model()
        widths = [f"{model.headerData(c, header.orientation())} {header.sectionSize(c)}"
                  for c in range(model.columnCount()) if not table.isColumnHidden(c)]
        self.notes.append(f"{name} columns (of {table.viewport().width()} px): "
                          + ", ".join(widths))

    def write_report(self) -> None:
        (self.folder / f"{self.size}_report.txt").write_text("\n".join(self.notes) + "\n")
        print("\n".join(self.notes))


def misfits(window: Any) -> list[str]:
    """What of *window* the user could not see or reach on its screen."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea

    from kyodo_desk.ui.widgets import WINDOW_FRAME

    problems = []
    screen = window.screen().availableGeometry()
    if not screen.contains(window.frameGeometry()):
        problems.append(f"the frame {window.frameGeometry().getRect()} leaves the screen "
                        f"{screen.getRect()}")
    # Headless frames have no title bar; a maximized window's is on the screen already.
    if not window.isMaximized() and window.height() + WINDOW_FRAME > screen.height():
        problems.append(f"{window.height()} px tall and a title bar is more than the screen's "
                        f"{screen.height()}")
    inside = QRect(QPoint(0, 0), window.size())
    for button in window.findChildren(QAbstractButton):
        if not button.isVisibleTo(window) or _scrolled(button, window, QAbstractScrollArea):
            continue
        place = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        if not inside.contains(place):
            problems.append(f"button 「{button.text()}」 at {place.getRect()} is outside the window")
        elif button.text() and button.width() < button.minimumSizeHint().width():
            problems.append(f"button 「{button.text()}」 is {button.width()} px wide, "
                            f"needs {button.minimumSizeHint().width()}")
    return problems


def _scrolled(widget: Any, window: Any, area_type: type) -> bool:
    """Inside a scroll area (reached by scrolling), or a table's own buttons."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, area_type):
            return True
        parent = parent.parentWidget()
    return False


def shoot(folder: Path, size: str) -> None:
    from kyodo_desk.database import open_database
    from kyodo_desk.ui.app import application

    app = application()
    quiet_messages()
    camera = Camera(folder, size)
    with tempfile.TemporaryDirectory(prefix="kyodo-shots-db-") as scratch:
        db = open_database(f"sqlite:///{scratch}/kyodo-desk.sqlite3")
        officer, admin = fill(db)
        for part in (shoot_officer, shoot_admin):
            try:
                part(camera, db, officer if part is shoot_officer else admin)
            except Exception as exc:  # what failed is reported, the rest still shot
                camera.notes.append(f"{part.__name__} stopped: {exc!r}")
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone()
        db.dispose()
    camera.write_report()
    app.quit()


def quiet_messages() -> None:
    """Message boxes and questions answered at once: nobody sits at this screen."""
    from PySide6.QtWidgets import QMessageBox

    from kyodo_desk.ui import drafted_form

    for kind in ("information", "warning", "critical", "question"):
        setattr(QMessageBox, kind, staticmethod(lambda *_a, **_k: QMessageBox.StandardButton.Ok))
    drafted_form.ask = lambda *_a, **_k: "discard"


def fill(db: Any) -> tuple[Any, Any]:
    """The demo data, and an officer (協働担当) and an administrator to look at it."""
    from kyodo_desk.domain.permissions import Actor, Role
    from kyodo_desk.services import accounts, demo
    from kyodo_desk.services.contacts import list_facilities
    from kyodo_desk.services.demo import events as demo_events
    from kyodo_desk.services.demo import grants as demo_grants

    cli = Actor.command_line()
    demo.add_demo_contacts(db, cli, 400)
    demo.add_demo_consultations(db, cli, 600)
    demo_events.add_demo_events(db, cli)
    demo_grants.load_demo_grants(db, cli)
    central = next(f.id for f in list_facilities(db, cli) if f.code == "central")
    made = []
    for login, name, role in (("officer", "協働 三郎", Role.OFFICER),
                              ("admin", "管理 太郎", Role.ADMIN)):
        info = accounts.create_account(db, cli, accounts.AccountDraft(
            login=login, display_name=name, role=role, facility_id=central,
            password="screenshots-pass-1"))
        made.append(Actor(info.id, info.login, info.display_name, info.role, info.facility_id))
    return made[0], made[1]


def open_window(camera: Camera, db: Any, actor: Any) -> Any:
    from kyodo_desk.ui.main_window import MainWindow

    window = MainWindow(db, actor)
    window.show()
    camera.shot(f"window_as_opened_{actor.login}", window)  # the size the app gives itself
    # Then as the counter uses it, filling the screen: a wider screen shows where the room goes.
    window.showMaximized()
    window.contacts.refresh()
    camera.settle()
    return window


def shoot_tabs(camera: Camera, window: Any, prefix: str) -> None:
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        camera.shot(f"{prefix}tab{index}_{type(window.tabs.widget(index)).__name__}", window)


def shoot_officer(camera: Camera, db: Any, officer: Any) -> None:
    from kyodo_desk.models import ContactKind
    from kyodo_desk.ui.sign_in import ChangePasswordDialog, FirstAdministratorDialog, SignInDialog

    camera.dialog("sign_in", lambda: SignInDialog(db).exec())
    camera.dialog("first_administrator", lambda: FirstAdministratorDialog(db).exec())
    window = open_window(camera, db, officer)
    shoot_tabs(camera, window, "")
    assert window.consultations is not None and window.events is not None
    assert window.grants is not None
    camera.dialog("change_password",
                  lambda: ChangePasswordDialog(db, officer, window).exec())

    contacts = window.contacts
    window.tabs.setCurrentWidget(contacts)
    camera.dialog("contact_form_person", lambda: contacts.open_new(ContactKind.PERSON))
    camera.dialog("contact_form_group", lambda: contacts.open_new(ContactKind.GROUP))
    camera.columns("contacts", contacts.table)
    first_contact = next(r for r in range(contacts.model.rowCount())
                         if contacts.model.entry(r).ref.table == "contact")
    contacts.table.selectRow(first_contact)
    camera.dialog("contact_form_edit", contacts.open_current)
    camera.dialog("contact_conflict", lambda: contact_conflict(db, officer, window))
    camera.dialog("contact_record", contacts.open_record)
    camera.dialog("duplicates", window.open_duplicates)

    consultations = window.consultations
    window.tabs.setCurrentWidget(consultations)
    consultations.pages.setCurrentIndex(1)
    camera.shot("consultation_stats", window)
    consultations.pages.setCurrentIndex(0)
    camera.settle()
    camera.columns("consultations", consultations.table)
    camera.dialog("consultation_form_new", consultations.open_new)
    consultations.table.selectRow(0)
    camera.dialog("consultation_form_edit", consultations.open_current)
    camera.dialog("consultation_conflict", lambda: consultation_conflict(window))

    events = window.events
    window.tabs.setCurrentWidget(events)
    events.period.setCurrentIndex(0)
    camera.settle()
    busiest = max(range(events.model.rowCount()),
                  key=lambda r: events.model.entry(r).seats.taken)
    events.table.selectRow(busiest)
    camera.shot("events_chosen", window)
    camera.columns("events", events.table)
    camera.columns("registrations", events.registrations.table)
    camera.dialog("event_form_new", events.open_new)
    camera.dialog("event_form_edit", events.open_current)
    camera.dialog("signup", events.registrations.open_sign_up)
    camera.dialog("checkin", events.open_check_in)
    door = events.open_check_in()
    camera.settle()
    if door is not None:
        camera.dialog("checkin_walk_in", door.open_walk_in)
        door.reject()
    for paper in list(events.print_actions):
        camera.dialog(f"preview_{paper}", partial(events.print_event, paper))
    events.registrations.table.selectRow(0)
    camera.dialog("preview_receipt", events.registrations.print_selected_receipt)

    grants = window.grants
    window.tabs.setCurrentWidget(grants)
    camera.settle()
    longest = max(range(grants.model.rowCount()),
                  key=lambda r: len(grants.model.entry(r).title + grants.model.entry(r).group_name))
    grants.table.selectRow(longest)
    camera.shot("grants_chosen", window)
    camera.columns("grants", grants.table)
    actions = grants.programme_actions
    camera.dialog("programme_form_new", actions.new_programme)
    camera.dialog("programme_form_edit", actions.edit_programme)
    camera.dialog("case_form_new", grants.open_new_case)
    panel = grants.panel
    camera.dialog("case_form_edit", panel.open_edit)
    for target in list(panel.move_buttons):
        camera.dialog(f"move_{target.value}", partial(panel.open_move, target))
    camera.dialog("payment", lambda: panel.open_payment(refund=False))
    camera.dialog("refund", lambda: panel.open_payment(refund=True))
    camera.dialog("deadline", panel.open_deadline)
    camera.dialog("document", panel.open_document)
    camera.dialog("screening", actions.open_screening)
    camera.dialog("deadlines", actions.open_deadlines)
    for paper in list(grants.prints.actions):
        camera.dialog(f"preview_{paper}", partial(grants.prints.print_paper, paper))
    close(window)


def contact_conflict(db: Any, actor: Any, parent: Any) -> None:
    from kyodo_desk.services import contacts as svc
    from kyodo_desk.ui.contacts.conflict import ConflictDialog

    entry = svc.search_contacts(db, actor, "").entries[0]
    theirs = svc.get_contact(db, actor, entry.ref.id)
    mine = replace(theirs.as_draft(), name=theirs.name + "（旧）",
                   notes="総会の資料を毎年3月に送付。代表者の交代があったため連絡先の確認を依頼済み。")
    ConflictDialog(mine, theirs, parent).exec()


def consultation_conflict(parent: Any) -> None:
    from kyodo_desk.ui.consultations.form import ConsultationConflictDialog

    mine = {"asked": "町内会の夏祭りで使うテントと発電機を借りたい。補助金の対象になるか、"
                     "申請の締め切りと必要書類を知りたい。",
            "follow_up_plan": "6月末までに申請書の下書きを見る", "status": "対応中"}
    theirs = {"asked": "町内会の夏祭りで使うテントを借りたい。", "follow_up_plan": "",
              "status": "完了"}
    ConsultationConflictDialog(mine, theirs, parent).exec()


def shoot_admin(camera: Camera, db: Any, admin: Any) -> None:
    window = open_window(camera, db, admin)
    shoot_tabs(camera, window, "admin_")
    accounts = window.accounts_tab
    window.tabs.setCurrentWidget(accounts)
    camera.settle()
    camera.dialog("account_new", accounts.add_account)
    accounts.table.selectRow(0)
    camera.dialog("account_role", accounts.change_selected_role)
    camera.dialog("topics", window._topics)
    camera.dialog("facilities", window._facilities)
    camera.dialog("retention", window._retention)
    camera.dialog("database_settings", window._database_settings)
    close(window)


def close(window: Any) -> None:
    window.live.stop()
    window.close()
    window.deleteLater()


if __name__ == "__main__":
    main()
