"""予算の状況 of the chosen programme, always in view: 予算・交付決定・支払・残り."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.grants import Budget, yen
from kyodo_desk.services.grants import ProgrammeDetail

LOW_SHARE = 0.10  # under a tenth of the budget left: said in amber
CARD = "QFrame#{name} {{ background: {background}; border: 1px solid {border}; border-radius: 4px; }}"
PLAIN = ("#f7f9f8", "#d5e2da")
LOW = ("#fff3cd", "#e0c36c")
OVER = ("#fbe3e1", "#d9534f")


def budget_state(money: Budget) -> str:
    """"over" (more decided than budgeted), "low" (under 10% left) or "ok"."""
    if money.left < 0:
        return "over"
    if money.budget and money.left < money.budget * LOW_SHARE:
        return "low"
    return "ok"


class BudgetStrip(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("budgetStrip")
        self.values: dict[str, QLabel] = {}
        self.cards: dict[str, QFrame] = {}
        cards = QHBoxLayout()
        cards.setSpacing(8)
        for key, caption in (("budget", "予算"), ("decided", "交付決定"), ("paid", "支払"),
                             ("left", "残り")):
            card = QFrame()
            card.setObjectName(f"budgetCard_{key}")
            inside = QHBoxLayout(card)
            inside.setContentsMargins(10, 2, 10, 2)
            title = QLabel(caption)
            title.setStyleSheet("color: #444; border: none; background: none;")
            value = QLabel("—")
            value.setObjectName(f"budget_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setStyleSheet("font-size: 13pt; font-weight: bold; border: none;"
                                " background: none;")
            inside.addWidget(title)
            inside.addWidget(value)
            self.values[key], self.cards[key] = value, card
            cards.addWidget(card, 1)
        self.bar = QProgressBar()
        self.bar.setObjectName("budgetBar")
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.facts = QLabel()
        self.facts.setObjectName("budgetFacts")
        self.facts.setStyleSheet("color: #555;")
        self.warning = QLabel()
        self.warning.setObjectName("budgetWarning")
        self.warning.setStyleSheet("color: #7a4f01; font-weight: bold;")
        below = QHBoxLayout()
        below.addWidget(self.facts, 1)
        below.addWidget(self.warning)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(cards)
        layout.addWidget(self.bar)
        layout.addLayout(below)
        self.show_programme(None, date.today())

    def show_programme(self, programme: ProgrammeDetail | None, today: date) -> None:
        if programme is None:
            for value in self.values.values():
                value.setText("—")
            self._colour("ok")
            self.bar.setValue(0)
            self.facts.setText("交付金を選ぶと、予算の状況が表示されます。")
            self.warning.setText("")
            self.setToolTip("")
            return
        money = programme.money
        figures = {"budget": money.budget, "decided": money.decided,
                   "paid": money.paid - money.returned, "left": money.left}
        for key, amount in figures.items():
            self.values[key].setText(yen(amount))
        state = budget_state(money)
        self._colour(state)
        self.bar.setRange(0, max(money.budget, 1))
        self.bar.setValue(min(max(money.committed, 0), money.budget))
        call = (f"募集 {full_date(programme.call_opens_on)}〜{full_date(programme.call_closes_on)}"
                + ("（募集中）" if programme.call_is_open(today) else
                   "（締切済）" if today > programme.call_closes_on else "（募集前）"))
        ceiling = f"1件の上限 {yen(programme.ceiling)}" if programme.ceiling else "1件の上限なし"
        self.facts.setText(f"{call}・{ceiling}・案件 {programme.case_count}件")
        self.warning.setText({"low": "予算の残りが1割を切っています",
                              "over": "交付決定が予算を超えています"}.get(state, ""))
        self.setToolTip(money.label())

    def _colour(self, state: str) -> None:
        for key, card in self.cards.items():
            background, border = {"low": LOW, "over": OVER}.get(state, PLAIN) \
                if key == "left" else PLAIN
            card.setStyleSheet(CARD.format(name=card.objectName(), background=background,
                                           border=border))
        chunk = {"low": "#d4a017", "over": "#c0392b"}.get(state, "#1f7a4d")
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {chunk}; }}")

    def text(self) -> str:
        """What the strip says, in one line (as Budget.label() puts it)."""
        return self.toolTip()
