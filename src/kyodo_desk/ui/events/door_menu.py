"""The offline door's menu on the sign-up list (申込一覧 → 当日受付): make the pack for a laptop,
bring its journal back, and decide what could not simply be applied."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.events.door_crypto import MIN_PASSWORD, check_password
from kyodo_desk.services.events.door_format import (
    JOURNAL_SUFFIX,
    PACK_SUFFIX,
    DoorPack,
    journal_path,
)
from kyodo_desk.services.events.door_merge import MergeReport, merge_door_journal
from kyodo_desk.services.events.door_pack import save_door_pack
from kyodo_desk.ui.events.door_conflicts_dialog import DoorConflictsDialog
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import WriteOp


class DoorPasswordDialog(QDialog):
    """The pack's password: typed twice when a pack is made, once to bring its journal back."""

    def __init__(self, parent: QWidget | None, *, twice: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle("当日受付パックのパスワード")
        self.password = QLineEdit()
        self.password.setObjectName("doorPackPassword")
        self.again = QLineEdit()
        self.again.setObjectName("doorPackPasswordAgain")
        form = QFormLayout()
        form.addRow("パスワード", self.password)
        if twice:
            form.addRow("もう一度", self.again)
        for box in (self.password, self.again):
            box.setEchoMode(QLineEdit.EchoMode.Password)
        self.twice = twice
        note = QLabel(f"{MIN_PASSWORD}文字以上。会場で受付する人に、パックとは別に伝えてください。"
                      if twice else "パックを作ったときのパスワードです。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("やめる")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(480, 0)

    def accept(self) -> None:
        try:
            if self.twice:
                check_password(self.password.text())
                if self.again.text() != self.password.text():
                    raise ValidationError.single("again", "確認のパスワードが一致しません。")
        except UserError as exc:
            show_error(self, exc, self.windowTitle())
            return
        super().accept()


def door_menu(parent: QWidget, db: Database, actor: Actor,
              event_id: Callable[[], int | None]) -> QMenu:
    """当日受付's menu for the event *event_id()* shown in *parent*."""
    menu = QMenu(parent)
    menu.setObjectName("doorMenu")
    menu.addAction("当日受付パックを作る…", lambda: make_pack(parent, db, actor, event_id()))
    menu.addAction("当日受付の記録を取り込む…", lambda: merge_journal(parent, db, actor))
    menu.addAction("当日受付の衝突…", lambda: open_conflicts(parent, db, actor, event_id()))
    return menu


def make_pack(parent: QWidget, db: Database, actor: Actor, event_id: int | None) -> None:
    if event_id is None:
        return
    suggested = Path.home() / f"当日受付パック_{event_id}{PACK_SUFFIX}"
    chosen, _ = QFileDialog.getSaveFileName(parent, "当日受付パックを保存", str(suggested),
                                            f"当日受付パック (*{PACK_SUFFIX})")
    if not chosen:
        return
    path = Path(chosen if chosen.endswith(PACK_SUFFIX) else chosen + PACK_SUFFIX)
    asked = DoorPasswordDialog(parent, twice=True)
    if asked.exec() != QDialog.DialogCode.Accepted:
        return
    password = asked.password.text()

    def made(pack: DoorPack) -> None:
        QMessageBox.information(
            parent, "当日受付パック",
            f"「{pack.title}」の当日受付パックを作りました（申込 {len(pack.sign_ups)} 件）。\n"
            f"{path}\n\nノートパソコンにコピーし、`kyodo-desk door {path.name}` で開きます。"
            "受付の記録はパックと同じフォルダーに残ります。")

    WriteOp(parent, lambda: save_door_pack(db, actor, event_id, path, password), made).run()


def merge_journal(parent: QWidget, db: Database, actor: Actor) -> None:
    chosen, _ = QFileDialog.getOpenFileName(
        parent, "当日受付の記録を取り込む", str(Path.home()),
        f"当日受付の記録 (*{JOURNAL_SUFFIX} *{PACK_SUFFIX})")
    if not chosen:
        return
    path = Path(chosen)
    if path.name.endswith(PACK_SUFFIX):  # the pack chosen: its journal beside it
        path = journal_path(path)
    asked = DoorPasswordDialog(parent, twice=False)
    if asked.exec() != QDialog.DialogCode.Accepted:
        return
    password = asked.password.text()

    def merged(report: MergeReport) -> None:
        QMessageBox.information(parent, "当日受付の記録の取り込み", report.message())
        if report.conflicts:
            open_conflicts(parent, db, actor, report.event_id)

    WriteOp(parent, lambda: merge_door_journal(db, actor, path, password), merged).run()


def open_conflicts(parent: QWidget, db: Database, actor: Actor,
                   event_id: int | None) -> DoorConflictsDialog | None:
    if event_id is None:
        return None
    dialog = DoorConflictsDialog(db, actor, event_id, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
