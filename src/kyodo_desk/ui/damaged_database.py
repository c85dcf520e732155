"""A damaged database file, as the window meets it: when it opens, or found once it is up.

Either way the person is told what is wrong and offered the newest intact backup beside the
file; restoring keeps the damaged file under a timestamped name (sqlite_files.restore_from).
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from kyodo_desk.database import Database, sqlite_files
from kyodo_desk.database.sqlite_files import DamagedDatabase
from kyodo_desk.domain.errors import UserError
from kyodo_desk.ui.account_watch import revocations
from kyodo_desk.ui.messages import ask
from kyodo_desk.ui.operations import ReadOp

log = logging.getLogger(__name__)

TITLE = "協働デスク — データベースが壊れています"
_RESTORE, _KEEP = "restore", "keep"


def restore_if_wanted(parent: QWidget | None, damage: DamagedDatabase, refuse: str) -> bool:
    """Ask whether to put the newest intact backup back; True once it is back."""
    if damage.backup is None:
        QMessageBox.critical(parent, TITLE, damage.message)
        return False
    question = damage.explained("このバックアップから復元しますか（今のファイルは日時付きの名前で"
                                "残ります。バックアップより後の記録は復元されません）。")
    choice = ask(parent, TITLE, question, [(_RESTORE, "バックアップから復元する"), (_KEEP, refuse)],
                 default=_RESTORE, escape=_KEEP)
    return choice == _RESTORE and restore(parent, damage)


def restore(parent: QWidget | None, damage: DamagedDatabase) -> bool:
    """Put *damage*'s backup in place of the damaged file, and say where the damaged one is."""
    assert damage.backup is not None
    try:
        kept = sqlite_files.restore_from(damage.backup, damage.path)
    except UserError as exc:
        QMessageBox.critical(parent, TITLE, exc.message)
        return False
    QMessageBox.information(
        parent, "協働デスク — 復元しました",
        f"「{damage.backup}」（{sqlite_files.backup_time(damage.backup)}の状態）から復元しました。\n"
        + (f"壊れていたファイルは「{kept}」に残してあります。" if kept else ""))
    return True


class WholeFileWatch:
    """The whole embedded file's check, run once per start after the window is shown.

    A damage found is said at once; if the person chooses the backup, the window closes
    keeping every open form as a draft, and `restore_chosen` tells the start to restore and
    open again. PostgreSQL and in-memory databases have no file to check.
    """

    def __init__(self, db: Database) -> None:
        path = sqlite_files.database_path(db.url) if db.backend.is_sqlite else None
        self._check = sqlite_files.WholeFileCheck(path) if path is not None else None
        self._started = False
        self.restore_chosen: DamagedDatabase | None = None

    def start(self, window: QWidget) -> None:
        if self._check is None or self._started:
            return
        self._started = True
        # A check that could not finish only goes to the log: the file is checked again at
        # the next start, and the person at the counter can do nothing about it meanwhile.
        ReadOp(window, self._check.run, lambda found: self._found(window, found),
               failed=lambda exc: log.warning("whole-file check failed", exc_info=exc)).run()

    def stop(self) -> None:
        if self._check is not None:
            self._check.stop()

    def _found(self, window: QWidget, damage: DamagedDatabase | None) -> None:
        if damage is None:
            return
        if damage.backup is None:
            QMessageBox.warning(window, TITLE, damage.message)
            return
        question = damage.explained(
            "このバックアップから復元しますか。画面をいったん閉じて復元し、開き直します"
            "（入力中の内容は下書きとして残ります。今のファイルは日時付きの名前で残ります。"
            "バックアップより後の記録は復元されません）。")
        choice = ask(window, TITLE, question,
                     [(_RESTORE, "バックアップから復元する"), (_KEEP, "このまま使う")],
                     default=_RESTORE, escape=_KEEP)
        if choice != _RESTORE:
            return
        self.restore_chosen = damage
        # The main window answers this as it does a lost account: every open form is kept as
        # a draft and the window closes, which ends the run; the start then restores and
        # opens again.
        revocations().revoked.emit("データベースをバックアップから復元するため、画面を閉じます。"
                                   "復元のあと、サインインし直してください。", window)
