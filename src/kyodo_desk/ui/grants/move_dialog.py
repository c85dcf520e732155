"""Moving a case on (段階を進める・不採択・取下げ): a comment, the decided amount at 交付決定.

What would stop the move is said before the officer tries — the required documents not yet
received, no payment recorded before 確定・支払 — and what the service refuses (the workflow,
the ceiling, the budget left, another counter's change) is said in the dialog, with nothing
changed and every field as typed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from kyodo_desk.database import Database
from kyodo_desk.domain.grants import STAGE_LABELS, Stage, yen
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.grants import ProgrammeDetail
from kyodo_desk.services.grants import cases as svc
from kyodo_desk.services.grants.cases import CaseDetail
from kyodo_desk.ui.field_errors import with_unit
from kyodo_desk.ui.grants.action_dialog import ActionDialog, warning_label
from kyodo_desk.ui.grants.model import amount_text
from kyodo_desk.ui.widgets import yen_box


def move_text(target: Stage) -> str:
    """The words of a move's button: 「申請へ進める」「不採択にする」「取下げ」."""
    if target is Stage.WITHDRAWN:
        return "取下げ"
    if target is Stage.REJECTED:
        return "不採択にする"
    return f"{STAGE_LABELS[target]}へ進める"


class MoveDialog(ActionDialog):
    """Move *detail* to *target*; after a success `outcome` is the case as it now stands."""

    def __init__(self, db: Database, actor: Actor, detail: CaseDetail, target: Stage,
                 programme: ProgrammeDetail | None = None, parent: QWidget | None = None) -> None:
        withdraw = target is Stage.WITHDRAWN
        super().__init__("案件の取下げ" if withdraw else "段階を進める",
                         "取り下げる" if withdraw else move_text(target), parent)
        self.db, self.actor, self.detail, self.target = db, actor, detail, target
        self.setMinimumWidth(600)

        heading = QLabel(f"{detail.group_name}「{detail.title}」\n"
                         f"「{STAGE_LABELS[detail.stage]}」→「{STAGE_LABELS[target]}」")
        heading.setObjectName("moveHeading")
        heading.setWordWrap(True)
        heading.setStyleSheet("font-weight: bold; font-size: 12pt;")
        self.top.addWidget(heading)
        self.missing = warning_label("missingDocuments")
        self.top.addWidget(self.missing)
        self._say_what_stops_it()

        self.amount = yen_box("300,000")
        self.amount.setObjectName("decidedAmount")
        if target is Stage.GRANT_DECIDED:
            ceiling = programme.ceiling if programme else 0
            asked = detail.money.requested
            self.amount.setText(amount_text(min(asked, ceiling) if ceiling and asked else asked))
            self.errors.add_row(self.form, "交付決定額 *", with_unit(self.amount, "円"), "decided",
                                focus=self.amount)
            facts = [f"申請額 {yen(asked)}"]
            if ceiling:
                facts.append(f"1件あたりの上限 {yen(ceiling)}")
            if programme is not None:
                facts.append(f"予算の残り {yen(programme.money.left)}")
            hint = QLabel("・".join(facts))
            hint.setObjectName("decisionFacts")
            hint.setStyleSheet("color: #555;")
            self.form.addRow("", hint)
        else:
            self.amount.hide()
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("moveComment")
        self.comment.setTabChangesFocus(True)
        self.comment.setFixedHeight(72)
        self.comment.setPlaceholderText(
            "取下げの理由（必須）" if withdraw else "審査会の結果、団体への連絡など（経過に残ります）")
        self.errors.add_row(self.form, "取下げの理由 *" if withdraw else "コメント", self.comment,
                            "comment")
        (self.amount if target is Stage.GRANT_DECIDED else self.comment).setFocus()

    def _say_what_stops_it(self) -> None:
        """The documents still missing for the target, and a payment still to record."""
        lines = []
        missing = self.detail.missing_for(self.target)
        if missing:
            lines.append(f"「{STAGE_LABELS[self.target]}」に進むには、次の書類の受理が必要です"
                         "（まだ受理していません）:")
            lines += [f"・{name}" for name in missing]
            lines.append("受理したら、書類の欄でチェックしてから進めてください。")
        if self.target is Stage.SETTLED and self.detail.money.net_paid <= 0:
            lines.append("「確定・支払」に進む前に、お金の欄の「支払を記録…」で支払額を記録してください。")
        self.missing.setText("\n".join(lines))
        self.missing.setVisible(bool(lines))

    def work(self) -> Callable[[], CaseDetail]:
        db, actor, case_id, version = self.db, self.actor, self.detail.id, self.detail.version
        target, comment = self.target, self.comment.toPlainText()
        amount = self.amount.text().strip() if target is Stage.GRANT_DECIDED else None
        return lambda: svc.move_case(db, actor, case_id, version, target, comment=comment,
                                     decided_amount=amount)
