"""What is recorded on a case besides its moves: a payment or refund (支払・返還), a deadline
(期限), a document outside the programme's list (書類を追加). Each is one service call; what the
service refuses is said under the field, with nothing recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from kyodo_desk.database import Database
from kyodo_desk.domain.grants import MAIN_LINE, STAGE_LABELS, yen
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.grants import cases as svc
from kyodo_desk.services.grants.cases import CaseDetail
from kyodo_desk.ui.date_inputs import date_edit, day_of, qdate
from kyodo_desk.ui.field_errors import with_unit
from kyodo_desk.ui.grants.action_dialog import ActionDialog
from kyodo_desk.ui.grants.model import amount_text
from kyodo_desk.ui.widgets import yen_box

DEFAULT_DEADLINE_DAYS = 14


def _heading(dialog: ActionDialog, detail: CaseDetail, facts: str) -> None:
    label = QLabel(f"{detail.group_name}「{detail.title}」\n{facts}")
    label.setObjectName("recordHeading")
    label.setWordWrap(True)
    label.setStyleSheet("font-weight: bold;")
    dialog.top.addWidget(label)


class PaymentDialog(ActionDialog):
    """支払を記録 (or, with *refund*, 返還を記録): an amount and the day it moved."""

    def __init__(self, db: Database, actor: Actor, detail: CaseDetail, *, refund: bool,
                 today: date, parent: QWidget | None = None) -> None:
        what = "返還" if refund else "支払"
        super().__init__(f"{what}を記録", f"{what}を記録する", parent)
        self.db, self.actor, self.detail, self.refund = db, actor, detail, refund
        money = detail.money
        unpaid = max(money.decided - money.net_paid, 0)
        _heading(self, detail, f"交付決定額 {yen(money.decided)}・支払済み {yen(money.net_paid)}"
                               f"・未払い {yen(unpaid)}")
        self.amount = yen_box("250,000")
        self.amount.setObjectName("paymentAmount")
        if not refund:
            self.amount.setText(amount_text(unpaid))
        field = "refund" if refund else "payment"
        self.errors.add_row(self.form, f"{what}額 *", with_unit(self.amount, "円"), field,
                            focus=self.amount)
        self.paid_on = date_edit()
        self.paid_on.setObjectName("paidOn")
        self.paid_on.setDate(qdate(today))
        self.errors.add_row(self.form, f"{what}日", self.paid_on, "paid_on")
        self.note = QLineEdit()
        self.note.setPlaceholderText("例: 概算払い、精算による返還" if refund else "例: 概算払い（前金）")
        self.errors.add_row(self.form, "メモ", self.note, "note")
        self.amount.setFocus()
        self.amount.selectAll()

    def work(self) -> Callable[[], CaseDetail]:
        db, actor, case_id = self.db, self.actor, self.detail.id
        amount, paid_on = self.amount.text().strip(), day_of(self.paid_on.date())
        refund, note = self.refund, self.note.text()
        return lambda: svc.record_payment(db, actor, case_id, amount, paid_on, refund=refund,
                                          note=note)


class DeadlineDialog(ActionDialog):
    """期限を追加: what is due, when, and optionally the stage whose reaching completes it."""

    def __init__(self, db: Database, actor: Actor, detail: CaseDetail, *, today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__("期限を追加", "期限を追加する", parent)
        self.db, self.actor, self.detail = db, actor, detail
        _heading(self, detail, f"いまの段階: {STAGE_LABELS[detail.stage]}")
        self.label = QLineEdit()
        self.label.setObjectName("deadlineLabel")
        self.label.setPlaceholderText("例: 実績報告書の提出")
        self.errors.add_row(self.form, "内容 *", self.label, "deadline_label")
        self.due_on = date_edit()
        self.due_on.setObjectName("deadlineDue")
        self.due_on.setDate(qdate(today + timedelta(days=DEFAULT_DEADLINE_DAYS)))
        self.errors.add_row(self.form, "期限 *", self.due_on, "deadline_due")
        self.closes = QComboBox()
        self.closes.setObjectName("deadlineCloses")
        self.closes.addItem("（手で「完了」にする）", None)
        later = MAIN_LINE[MAIN_LINE.index(detail.stage) + 1:] if detail.stage in MAIN_LINE else ()
        for stage in later:
            self.closes.addItem(f"「{STAGE_LABELS[stage]}」に進んだら完了", stage)
        self.errors.add_row(self.form, "自動で完了", self.closes, "closes_with")
        self.label.setFocus()

    def work(self) -> Callable[[], CaseDetail]:
        db, actor, case_id = self.db, self.actor, self.detail.id
        label, due_on = self.label.text(), day_of(self.due_on.date())
        closes = self.closes.currentData()
        return lambda: svc.add_deadline(db, actor, case_id, label, due_on, closes_with=closes)


class DocumentDialog(ActionDialog):
    """書類を追加: a document received that the programme's list does not name (or one of the
    list, received on another day than today)."""

    def __init__(self, db: Database, actor: Actor, detail: CaseDetail, *, today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__("書類を追加", "受理を記録する", parent)
        self.db, self.actor, self.detail = db, actor, detail
        _heading(self, detail, "受理した書類を記録します（経過に残ります）")
        self.name = QComboBox()
        self.name.setObjectName("documentName")
        self.name.setEditable(True)
        self.name.addItem("")
        for info in detail.documents:
            if info.required_for is not None and info.received_on is None:
                self.name.addItem(info.name)
        typed = self.name.lineEdit()
        assert typed is not None  # an editable combo box has its line edit
        typed.setPlaceholderText("例: 変更承認申請書")
        self.errors.add_row(self.form, "書類 *", self.name, "document")
        self.received_on = date_edit()
        self.received_on.setObjectName("receivedOn")
        self.received_on.setDate(qdate(today))
        self.errors.add_row(self.form, "受理日", self.received_on, "received_on")
        self.note = QLineEdit()
        self.note.setPlaceholderText("例: 原本は中央市民サービスセンターで保管")
        self.errors.add_row(self.form, "メモ", self.note, "note")
        self.name.setFocus()

    def work(self) -> Callable[[], CaseDetail]:
        db, actor, case_id = self.db, self.actor, self.detail.id
        name, received_on = self.name.currentText(), day_of(self.received_on.date())
        note = self.note.text()
        return lambda: svc.receive_document(db, actor, case_id, name, received_on, note=note)
