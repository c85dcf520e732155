"""When another counter saved the same record first: both versions side by side, and a choice.

Every form that saves a versioned record offers the same three choices.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class Choice(enum.Enum):
    KEEP_EDITING = "keep"  # 入力を続ける: nothing changes
    LOAD_THEIRS = "theirs"  # 最新の内容を読み込む: the typed changes are dropped
    SAVE_MINE = "mine"  # 自分の入力で保存し直す: saved over theirs, knowingly


class VersionsDialog(QDialog):
    """*rows*: (field label, what the user typed, what the other counter saved)."""

    def __init__(self, intro: str, rows: list[tuple[str, str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("他の窓口で変更されています")
        self.setMinimumWidth(680)
        self.choice = Choice.KEEP_EDITING
        label = QLabel(intro + "上書きを防ぐため、まだ保存していません。違いは次のとおりです。")
        label.setWordWrap(True)
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels(["項目", "あなたの入力", "他の窓口で保存された内容"])
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()

        buttons = QHBoxLayout()
        for text, choice, tip in [
            ("最新の内容を読み込む", Choice.LOAD_THEIRS, "あなたの入力を捨て、保存された内容を表示します"),
            ("自分の入力で保存し直す", Choice.SAVE_MINE, "保存された内容を、あなたの入力で置き換えます"),
            ("入力を続ける", Choice.KEEP_EDITING, "何も保存せず、フォームに戻ります"),
        ]:
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setObjectName(f"choice_{choice.value}")
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        self.accept()


def differences(mine: Mapping[str, str], theirs: Mapping[str, str],
                labels: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(label, mine, theirs) for every field, in *labels*' order, whose shown value differs."""
    return [(label, mine.get(field, ""), theirs.get(field, ""))
            for field, label in labels.items()
            if mine.get(field, "").strip() != theirs.get(field, "").strip()]
