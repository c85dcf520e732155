"""削除・利用停止 (administrators): the confirmation for erasing one contact.

It says whom (the name and number), what will be removed and what kept, asks the reason (kept
in the audit log, so it should name no one) and a tick that the officer knows it cannot be
undone. The rules, the permission check and the audit are in services.contacts.erasure; the
erasure runs off the GUI thread (it also compacts the search indexes of the SQLite file).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.contacts.erasure import (
    KEPT,
    MAX_REASON,
    REMOVED,
    ErasurePreview,
    ErasureResult,
    erase_contact,
)
from kyodo_desk.ui.field_errors import ERROR_STYLE
from kyodo_desk.ui.operations import WriteOp, show_failure

TITLE = "削除・利用停止"
_NOTE_STYLE = "color: #666;"


def _bullets(lines: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"・{line}" for line in lines)


class EraseDialog(QDialog):
    """Asks the reason and the confirmation, then erases; `erased` carries the result."""

    erased = Signal(object)  # ErasureResult

    def __init__(self, db: Database, actor: Actor, preview: ErasurePreview,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.preview = db, actor, preview
        self.busy = False
        self.setWindowTitle(f"{TITLE} — 番号 {preview.contact_id}")
        self.setMinimumWidth(620)

        who = QLabel(f"番号 {preview.contact_id}「{preview.name}」の個人情報を消去します。"
                     "元に戻すことはできません。")
        who.setObjectName("eraseWho")
        who.setWordWrap(True)
        who.setStyleSheet("font-weight: bold;")
        counted = [f"相談 {preview.consultations} 件・申込 {preview.registrations} 件・"
                   f"所属 {preview.memberships} 件が対象です。"]
        if preview.merged_ids:
            counted.append("統合された記録（番号 " + "、".join(map(str, preview.merged_ids))
                           + "）も同じ方の記録として消去します。")
        self.removed = QLabel("消去するもの:\n" + _bullets(REMOVED) + "\n" + "".join(counted))
        self.removed.setObjectName("eraseRemoved")
        self.removed.setWordWrap(True)
        self.kept = QLabel("残るもの（統計の件数は変わりません）:\n" + _bullets(KEPT)
                           + "\n・連絡先は「（削除済み）番号」として無効のまま残ります。")
        self.kept.setObjectName("eraseKept")
        self.kept.setWordWrap(True)

        self.reason = QPlainTextEdit()
        self.reason.setObjectName("eraseReason")
        self.reason.setPlaceholderText("例: 本人からの利用停止の申出（受付番号 18-4）")
        self.reason.setFixedHeight(70)
        self.reason.textChanged.connect(self._update)
        reason_note = QLabel(f"理由は操作記録に残ります（{MAX_REASON}文字まで）。"
                             "氏名・連絡先などの個人情報は書かないでください。")
        reason_note.setStyleSheet(_NOTE_STYLE)
        reason_note.setWordWrap(True)
        self.understood = QCheckBox("元に戻せないことを確認しました")
        self.understood.setObjectName("eraseUnderstood")
        self.understood.toggled.connect(self._update)
        self.status = QLabel()
        self.status.setObjectName("eraseStatus")
        self.status.setWordWrap(True)

        self.erase_button = QPushButton("削除・利用停止する")
        self.erase_button.setObjectName("eraseButton")
        self.erase_button.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.erase_button.clicked.connect(self.erase)
        self.cancel_button = QPushButton("キャンセル")
        self.cancel_button.clicked.connect(self.reject)
        for button in (self.erase_button, self.cancel_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.erase_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(self.removed)
        layout.addWidget(self.kept)
        layout.addWidget(QLabel("削除・利用停止の理由（申出の内容・受付番号など）:"))
        layout.addWidget(self.reason)
        layout.addWidget(reason_note)
        layout.addWidget(self.understood)
        layout.addLayout(buttons)
        self._update()

    def _update(self) -> None:
        ready = bool(self.reason.toPlainText().strip()) and self.understood.isChecked()
        self.erase_button.setEnabled(ready and not self.busy)

    def erase(self) -> None:
        if self.busy or not self.erase_button.isEnabled():
            return
        db, actor, contact_id = self.db, self.actor, self.preview.contact_id
        reason = self.reason.toPlainText()
        self.busy = True
        self.status.setStyleSheet(_NOTE_STYLE)
        self.status.setText("消去しています…")
        WriteOp(self, lambda: erase_contact(db, actor, contact_id, reason), self._done,
                failed=self._failed, busy=(self.erase_button, self.cancel_button)).run()

    def _done(self, result: ErasureResult) -> None:
        self.busy = False
        self.erased.emit(result)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self._update()
        self.status.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, UserError):
            self.status.setText(exc.message)  # said here, where the reason is typed
        else:
            self.status.setText("消去できませんでした。")
            show_failure(self, exc, reading=False)

    def reject(self) -> None:
        if not self.busy:  # the erasure runs to its end: it is one transaction
            super().reject()
