"""The administrator's ordered lists (選択肢の一覧の管理): add, rename, order and retire the
entries of 相談の分野 (TopicsDialog) or 団体の活動分野 (ActivityFieldsDialog) — one dialog
over services/choice_lists.py, told which list by a `ChoiceList` and its words.

Each change is written off the GUI thread and the list read again in the same operation, so
the buttons come back only once the list shows what the change did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import choice_lists as svc
from kyodo_desk.services.choice_lists import ChoiceList
from kyodo_desk.services.consultations.topics import TOPIC_LIST
from kyodo_desk.services.contacts.registry import ACTIVITY_FIELD_LIST
from kyodo_desk.ui.operations import ReadOp, WriteOp

RETIRED = "（使用停止）"


class ChoiceListDialog(QDialog):
    """One administrator's list (*spec*), titled *title*; *intro* says where it is offered.
    *noun* names an entry in the prompts (分野)."""

    def __init__(self, db: Database, actor: Actor, spec: ChoiceList[Any], *, title: str,
                 intro: str, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.spec, self.noun = db, actor, spec, noun
        self.setWindowTitle(title)
        self.resize(420, 460)
        self.list = QListWidget()
        self.list.setObjectName("topicList")
        self.add_button = QPushButton("追加…")
        self.rename_button = QPushButton("名前を変更…")
        self.up_button = QPushButton("上へ")
        self.down_button = QPushButton("下へ")
        self.retire_button = QPushButton("使用停止")
        # Waits, as a whole, until the list is read and while a change is being written: a
        # change made before the first list arrives could be hidden by that older list.
        self.action_panel = QWidget()
        self.action_panel.setEnabled(False)
        buttons = QVBoxLayout(self.action_panel)
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.add_button, self.rename_button, self.up_button, self.down_button,
                       self.retire_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.action_panel)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("閉じる")
        close.rejected.connect(self.reject)
        intro_label = QLabel(intro)
        intro_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro_label)
        layout.addLayout(row, 1)
        layout.addWidget(close)

        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.retire_button.clicked.connect(self.toggle_active)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.reload()

    def _entries(self) -> Callable[[], list[Any]]:
        """The read of the whole list, holding no Qt object: it runs on a worker thread."""
        db, actor, spec = self.db, self.actor, self.spec
        return lambda: svc.list_entries(db, actor, spec, include_inactive=True)

    def reload(self, select_id: int | None = None) -> None:
        ReadOp(self, self._entries(), lambda topics: self._show(topics, select_id),
               key="entries").run()

    def _show(self, topics: list[Any], select_id: int | None) -> None:
        self.list.clear()
        for topic in topics:
            item = QListWidgetItem(topic.name + ("" if topic.active else f"　{RETIRED}"))
            item.setData(Qt.ItemDataRole.UserRole, topic)
            if not topic.active:
                item.setForeground(QColor("#888888"))
            self.list.addItem(item)
            if topic.id == select_id:
                self.list.setCurrentItem(item)
        self.action_panel.setEnabled(True)
        self._update_buttons()

    def current(self) -> Any:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _update_buttons(self) -> None:
        topic = self.current()
        for button in (self.rename_button, self.up_button, self.down_button, self.retire_button):
            button.setEnabled(topic is not None)
        self.retire_button.setText("使用を再開" if topic and not topic.active else "使用停止")

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, f"{self.noun}の追加", f"新しい{self.noun}の名前:")
        if ok:
            db, actor, spec = self.db, self.actor, self.spec
            self._run(lambda: svc.add_entry(db, actor, spec, name))

    def rename(self) -> None:
        topic = self.current()
        if topic is None:
            return
        name, ok = QInputDialog.getText(self, f"{self.noun}の名前の変更",
                                        "新しい名前（これまでの記録も新しい名前で表示されます）:",
                                        text=topic.name)
        if ok and name != topic.name:
            db, actor, spec = self.db, self.actor, self.spec
            self._run(lambda: svc.rename_entry(db, actor, spec, topic.id, name))

    def move_current(self, step: int) -> None:
        topic = self.current()
        if topic is not None:
            db, actor, spec = self.db, self.actor, self.spec
            self._run(lambda: svc.move_entry(db, actor, spec, topic.id, step), topic.id)

    def toggle_active(self) -> None:
        topic = self.current()
        if topic is not None:
            db, actor, spec = self.db, self.actor, self.spec
            self._run(lambda: svc.set_entry_active(db, actor, spec, topic.id, not topic.active))

    def _run(self, change: Callable[[], object], select_id: int | None = None) -> None:
        """Write *change*, then show the list as stored, on *select_id* or what it returned."""
        entries = self._entries()

        def work() -> tuple[object, list[Any]]:
            return change(), entries()

        def done(result: tuple[object, list[Any]]) -> None:
            changed, topics = result
            self._show(topics, select_id if select_id is not None
                       else getattr(changed, "id", None))

        WriteOp(self, work, done, busy=(self.action_panel,)).run()


class TopicsDialog(ChoiceListDialog):
    """相談の分野: the topics the consultation form offers."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(db, actor, TOPIC_LIST, title="相談の分野", noun="分野", parent=parent,
                         intro="相談記録の入力で選べる分野です。使用停止にした分野は新しい記録で"
                               "選べなくなりますが、これまでの記録と統計には残ります。")


class ActivityFieldsDialog(ChoiceListDialog):
    """活動分野: the fields of activity the group registry offers (up to three a group)."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(db, actor, ACTIVITY_FIELD_LIST, title="団体の活動分野", noun="活動分野",
                         parent=parent,
                         intro="団体の登録情報で選べる活動分野です（1団体に3つまで）。使用停止に"
                               "した分野は新しく選べなくなりますが、すでに登録した団体には残ります。")
