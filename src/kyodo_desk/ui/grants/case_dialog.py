"""The case form (交付金案件の登録・編集): the group, the project and the amount asked for.

A new case is opened at 相談 for the programme chosen in the tab (fixed here) and a group
found in the contacts with the contact picker (or registered there). Editing changes the
project's fields, 実績 and 評価 — never the stage or the money decided, which move through
their own dialogs. Drafts, saving off the GUI thread, conflicts and closing: DraftedForm.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.grants import STAGE_LABELS, parse_yen, yen
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.contacts import ContactKind
from kyodo_desk.services.grants import cases as svc
from kyodo_desk.services.grants.cases import CaseDetail, CaseDraft
from kyodo_desk.ui.conflict import VersionsDialog, differences
from kyodo_desk.ui.contact_picker import ContactPicker
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.district_choice import UNSET, choose_district, district_combo
from kyodo_desk.ui.draft_files import DraftFiles
from kyodo_desk.ui.drafted_form import DraftedForm
from kyodo_desk.ui.field_errors import text_box, with_unit
from kyodo_desk.ui.grants.model import amount_text
from kyodo_desk.ui.widgets import yen_box

FORMAT = 1
# Field → label, in form order: the order problems are listed and the first one is focused.
FIELD_LABELS = {
    "contact": "申請団体", "title": "事業名", "department": "協働担当課", "summary": "事業の概要",
    "district": "地域", "requested": "申請額", "result": "実績", "evaluation": "評価",
}
GROUPS_DISTRICT = "（申請団体の地域）"  # a new case's "": the service takes the group's


@dataclass(frozen=True)
class CaseFormState:
    draft: CaseDraft
    contact_name: str = ""  # the chosen group as shown, so a restored draft shows it again
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)


class CaseDraftStore(DraftFiles[CaseFormState]):
    """The case form's drafts: grant-case-<login>-<id or new>.json."""

    kind = "grant-case"

    def encode(self, state: CaseFormState) -> dict[str, Any]:
        return {"format": FORMAT, "saved_at": datetime.now().isoformat(timespec="seconds"),
                "base_version": state.base_version, "contact_name": state.contact_name,
                "draft": asdict(state.draft)}

    def decode(self, data: dict[str, Any]) -> CaseFormState:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown draft format {data.get('format')!r}")
        saved_at, version = data.get("saved_at"), data.get("base_version")
        return CaseFormState(CaseDraft(**data["draft"]), str(data.get("contact_name", "")),
                             None if version is None else int(version),
                             datetime.fromisoformat(saved_at) if saved_at else None)


class CaseDialog(DraftedForm):
    """Open a case for *programme_id* (detail None) or change one."""

    field_order = tuple(FIELD_LABELS)

    def __init__(self, db: Database, actor: Actor, *, programme_id: int, programme_label: str,
                 detail: CaseDetail | None = None, parent: QWidget | None = None,
                 drafts: CaseDraftStore | None = None) -> None:
        super().__init__(db, actor, detail, drafts or CaseDraftStore(), parent)
        self.programme_id = programme_id
        self.setWindowTitle("交付金案件の編集" if detail else "交付金案件の登録")
        self.setMinimumWidth(880)
        self.picker: ContactPicker | None = None
        self.group_label = QLabel()
        self.group_label.setObjectName("caseGroup")
        self.group_label.setStyleSheet("font-weight: bold;")
        self.title = QLineEdit()
        self.title.setObjectName("caseTitle")
        self.title.setPlaceholderText("例: まちなかコンサートでにぎわい創出")
        if detail is None:
            self.picker = ContactPicker(
                db, actor, role="申請団体", kinds=[ContactKind.GROUP],
                register=lambda typed: ContactForm.register(self, db, actor, ContactKind.GROUP,
                                                            typed))
            self.picker.chosen_changed.connect(self._changed)
            self.picker.picked.connect(lambda _entry: self.title.setFocus())
        self.department = QLineEdit()
        self.department.setObjectName("caseDepartment")
        self.department.setPlaceholderText("例: 観光文化スポーツ部 文化振興課")
        self.summary_text = text_box("事業の目的・内容・実施場所など", 80, "caseSummary")
        self.district = district_combo("caseDistrict",
                                       GROUPS_DISTRICT if detail is None else UNSET)
        self.district.setToolTip("事業を行う地域。新しい案件で選ばなければ、申請団体の地域になります")
        self.requested = yen_box("例: 300,000")
        self.requested.setObjectName("caseRequested")
        # Not "result": DraftedForm.closeEvent asks QDialog.result().
        self.result_text = text_box("参加者数・成果など（公表の一覧に載ります）", 70, "caseResult")
        self.evaluation = text_box("協働の成果、今後の課題など", 70, "caseEvaluation")
        self._build_layout(programme_label, detail)

        for line in (self.title, self.department, self.requested):
            line.textChanged.connect(self._changed)
        for box in (self.summary_text, self.result_text, self.evaluation):
            box.textChanged.connect(self._changed)
        self.district.currentIndexChanged.connect(self._changed)

        self._begin(self._state_of(detail) if detail is not None else CaseFormState(
            CaseDraft(programme_id, 0, "")))
        (self.picker.search if self.picker is not None else self.title).setFocus()

    def _build_layout(self, programme_label: str, detail: CaseDetail | None) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setContentsMargins(0, 0, 0, 0)
        programme = QLabel(programme_label + (f"　（段階: {STAGE_LABELS[detail.stage]}）"
                                              if detail else "　（「相談」の段階で登録します）"))
        programme.setObjectName("caseProgramme")
        form.addRow("交付金", programme)
        add = self.errors.add_row
        if self.picker is not None:
            add(form, "申請団体 *", self.picker, "contact", focus=self.picker.search)
        else:
            add(form, "申請団体", self.group_label, "contact")
        add(form, "事業名 *", self.title, "title")
        add(form, "協働担当課", self.department, "department")
        add(form, "事業の概要", self.summary_text, "summary")
        add(form, "地域", self.district, "district", narrow=True)
        add(form, "申請額", with_unit(self.requested, "円"), "requested", focus=self.requested)
        order = self.picker.tab_chain() if self.picker is not None else []
        order += [self.title, self.department, self.summary_text, self.district, self.requested]
        if detail is not None:
            add(form, "実績", self.result_text, "result")
            add(form, "評価", self.evaluation, "evaluation")
            order += [self.result_text, self.evaluation]
        else:
            self.result_text.hide()
            self.evaluation.hide()
        self.content.setLayout(form)

        self._lay_out()
        for first, second in itertools.pairwise([*order, self.save_button, self.cancel_button]):
            self.setTabOrder(first, second)

    # --- state in and out -----------------------------------------------------------------
    def _contact(self) -> tuple[int, str]:
        if self.picker is None:
            assert self.detail is not None
            return self.detail.contact_id, self.detail.group_name
        chosen = self.picker.chosen
        return (chosen.ref.id, chosen.name) if chosen is not None else (0, "")

    def state(self) -> CaseFormState:
        contact_id, contact_name = self._contact()
        return CaseFormState(CaseDraft(
            programme_id=self.programme_id, contact_id=contact_id, title=self.title.text(),
            department=self.department.text(), summary=self.summary_text.toPlainText(),
            requested=self.requested.text().strip(), result=self.result_text.toPlainText(),
            evaluation=self.evaluation.toPlainText(), district=self.district.currentData()),
            contact_name, self._base_version)

    @staticmethod
    def _state_of(detail: CaseDetail) -> CaseFormState:
        draft = replace(detail.as_draft(), requested=amount_text(detail.money.requested))
        return CaseFormState(draft, detail.group_name, detail.version)

    def _restore(self, state: CaseFormState) -> None:
        d = state.draft
        self._loading = True
        try:
            if self.picker is not None:
                self.picker.restore(state.contact_name, d.contact_id or None)
            self.group_label.setText(state.contact_name)
            self.title.setText(d.title)
            self.department.setText(d.department)
            self.summary_text.setPlainText(d.summary)
            choose_district(self.district, d.district)
            self.requested.setText(str(d.requested) if d.requested else "")
            self.result_text.setPlainText(d.result)
            self.evaluation.setPlainText(d.evaluation)
        finally:
            self._loading = False

    # --- what DraftedForm asks ------------------------------------------------------------
    def _local_problems(self, state: CaseFormState) -> list[FieldProblem]:
        problems = []
        if not state.draft.contact_id:
            typed = self.picker.search.text().strip() if self.picker is not None else ""
            problems.append(FieldProblem("contact", (
                f"「{typed}」が連絡先から選ばれていません。候補から選ぶか、「新しく登録…」で"
                "登録してください。") if typed else
                "申請団体を検索して選ぶか、「新しく登録…」で登録してください。"))
        try:
            svc.clean_case_draft(state.draft)
        except ValidationError as exc:
            problems += exc.problems
        return problems

    def _versions_dialog(self, latest: CaseDetail) -> VersionsDialog:
        return VersionsDialog("この案件は、この画面で開いた後に他の窓口で保存されました。",
                              differences(_described(self.state().draft),
                                          _described(latest.as_draft()), FIELD_LABELS), self)

    @staticmethod
    def _create(db: Database, actor: Actor, draft: CaseDraft) -> CaseDetail:
        return svc.create_case(db, actor, draft)

    @staticmethod
    def _update(db: Database, actor: Actor, record_id: int, version: int,
                draft: CaseDraft) -> CaseDetail:
        return svc.update_case(db, actor, record_id, version, draft)

    @staticmethod
    def _fetch(db: Database, actor: Actor, record_id: int) -> CaseDetail:
        return svc.get_case(db, actor, record_id)


def _described(d: CaseDraft) -> dict[str, str]:
    """The fields as a person reads them."""
    try:
        amount = parse_yen(d.requested or 0, "requested", "申請額")
        requested = yen(amount) if amount else ""
    except ValidationError:
        requested = str(d.requested)  # as typed, even where it cannot be saved
    return {"title": d.title, "department": d.department, "summary": d.summary,
            "district": d.district or UNSET, "requested": requested, "result": d.result, "evaluation": d.evaluation}


