"""When another counter saved the same record first: show both versions, let the user choose."""

from __future__ import annotations

import enum

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

from kyodo_desk.services.contacts import ContactDetail, ContactDraft
from kyodo_desk.ui.contacts.labels import GROUP_TYPE_LABELS, KIND_LABELS

FIELD_LABELS = {
    "kind": "区分", "group_type": "団体の種類", "name": "名称・氏名", "reading": "よみ",
    "postal_code": "郵便番号", "address": "住所", "phone": "電話番号", "email": "E-mail",
    "website": "ホームページ", "notes": "メモ", "groups": "所属団体",
}


class Choice(enum.Enum):
    KEEP_EDITING = "keep"  # 入力を続ける: nothing changes
    LOAD_THEIRS = "theirs"  # 最新の内容を読み込む: the typed changes are dropped
    SAVE_MINE = "mine"  # 自分の入力で保存し直す: saved over theirs, knowingly


def _shown(draft: ContactDraft, field: str) -> str:
    value = getattr(draft, field)
    if field == "groups":
        return "、".join(a.name for a in value)
    if field == "kind":
        return KIND_LABELS[value.value]
    if field == "group_type":
        return GROUP_TYPE_LABELS[value] if value else ""
    return str(value or "")


def differences(mine: ContactDraft, theirs: ContactDraft) -> list[tuple[str, str, str]]:
    """(label, mine, theirs) for every field whose shown value differs."""
    rows = []
    for field, label in FIELD_LABELS.items():
        a, b = _shown(mine, field), _shown(theirs, field)
        if a.strip() != b.strip():
            rows.append((label, a, b))
    return rows


class ConflictDialog(QDialog):
    def __init__(self, mine: ContactDraft, theirs: ContactDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("他の窓口で変更されています")
        self.setMinimumWidth(640)
        self.choice = Choice.KEEP_EDITING
        rows = differences(mine, theirs.as_draft())
        intro = QLabel(
            f"「{theirs.name}」は、この画面で開いた後に他の窓口で保存されました。"
            "上書きを防ぐため、まだ保存していません。違いは次のとおりです。"
        )
        intro.setWordWrap(True)
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
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        self.accept()
