"""One place that decides how each kind of error looks to the person at the counter."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from kyodo_desk.domain.errors import UserError
from kyodo_desk.paths import log_path
from kyodo_desk.ui.account_watch import handled_as_revoked

log = logging.getLogger(__name__)


def show_error(parent: QWidget | None, exc: BaseException, title: str = "協働デスク") -> None:
    """A user error shows its own message; anything else is logged and apologised for."""
    if handled_as_revoked(exc, parent):
        return
    if isinstance(exc, UserError):
        QMessageBox.warning(parent, title, exc.message)
        return
    log.error("unexpected error", exc_info=exc)
    QMessageBox.critical(
        parent, title,
        "申し訳ありません。予期しないエラーが発生しました。\n"
        "入力中の内容は画面に残っています。もう一度お試しください。\n"
        f"繰り返す場合は、次のログファイルを添えて管理者に連絡してください:\n{log_path()}",
    )


def ask(parent: QWidget | None, title: str, text: str, choices: Sequence[tuple[str, str]], *,
        default: str, escape: str) -> str:
    """A question with Japanese buttons; returns the key of the chosen (key, label) pair.

    Esc (or closing the box) answers *escape*.
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    keys: dict[QAbstractButton, str] = {}
    for key, label in choices:
        button = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
        keys[button] = key
        if key == default:
            box.setDefaultButton(button)
        if key == escape:
            box.setEscapeButton(button)
    box.exec()
    return keys.get(box.clickedButton(), escape)
