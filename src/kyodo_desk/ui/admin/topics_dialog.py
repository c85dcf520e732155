"""相談の分野の管理: the administrator adds, renames, orders and retires consultation topics.

Each change is written off the GUI thread and the list read again in the same operation, so
the buttons come back only once the list shows what the change did.
"""

from __future__ import annotations

from collections.abc import Callable

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
from kyodo_desk.services.consultations import Topic
from kyodo_desk.services.consultations import topics as svc
from kyodo_desk.ui.operations import ReadOp, WriteOp

RETIRED = "（使用停止）"


class TopicsDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("相談の分野")
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
        intro = QLabel("相談記録の入力で選べる分野です。使用停止にした分野は新しい記録で"
                       "選べなくなりますが、これまでの記録と統計には残ります。")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row, 1)
        layout.addWidget(close)

        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.retire_button.clicked.connect(self.toggle_active)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        db, actor = self.db, self.actor
        ReadOp(self, lambda: svc.list_topics(db, actor, include_inactive=True),
               lambda topics: self._show(topics, select_id), key="topics").run()

    def _show(self, topics: list[Topic], select_id: int | None) -> None:
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

    def current(self) -> Topic | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _update_buttons(self) -> None:
        topic = self.current()
        for button in (self.rename_button, self.up_button, self.down_button, self.retire_button):
            button.setEnabled(topic is not None)
        self.retire_button.setText("使用を再開" if topic and not topic.active else "使用停止")

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, "分野の追加", "新しい分野の名前:")
        if ok:
            db, actor = self.db, self.actor
            self._run(lambda: svc.add_topic(db, actor, name))

    def rename(self) -> None:
        topic = self.current()
        if topic is None:
            return
        name, ok = QInputDialog.getText(self, "分野の名前の変更",
                                        "新しい名前（これまでの記録も新しい名前で表示されます）:",
                                        text=topic.name)
        if ok and name != topic.name:
            db, actor = self.db, self.actor
            self._run(lambda: svc.rename_topic(db, actor, topic.id, name))

    def move_current(self, step: int) -> None:
        topic = self.current()
        if topic is not None:
            db, actor = self.db, self.actor
            self._run(lambda: svc.move_topic(db, actor, topic.id, step), topic.id)

    def toggle_active(self) -> None:
        topic = self.current()
        if topic is not None:
            db, actor = self.db, self.actor
            self._run(lambda: svc.set_topic_active(db, actor, topic.id, not topic.active))

    def _run(self, change: Callable[[], object], select_id: int | None = None) -> None:
        """Write *change*, then show the list as stored, on *select_id* or what it returned."""
        db, actor = self.db, self.actor

        def work() -> tuple[object, list[Topic]]:
            return change(), svc.list_topics(db, actor, include_inactive=True)

        def done(result: tuple[object, list[Topic]]) -> None:
            changed, topics = result
            self._show(topics, select_id if select_id is not None
                       else getattr(changed, "id", None))

        WriteOp(self, work, done, busy=(self.action_panel,)).run()
