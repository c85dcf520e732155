"""The plan window (地域まちづくり計画): one edition of a district's plan — its fields and
actions (計画), one fiscal year of its cycle (年度の実施状況), the workshops and grant cases linked
to it, and its editions (版の履歴).

A drafted form (ui/drafted_form.py): what is typed on every page, the year's results
included, is kept as a draft and offered back; a save refused because another counter saved
first shows both versions. Unlike the other record forms the window stays open after a save:
a plan is written over an afternoon, page after page. An earlier edition (改定済み) opens read
only, as the record it is, with the way to the current one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label, fiscal_year_of, full_date
from kyodo_desk.domain.errors import ConcurrentEdit, ConnectionLost, FieldProblem, ValidationError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import ACTION_CARRIER_LABELS, ActionCarrier
from kyodo_desk.services import plans as svc
from kyodo_desk.services.contacts import ContactKind
from kyodo_desk.services.plans import (
    ActionDraft,
    PlanDetail,
    PlanDraft,
    PlanSummary,
    PlanYearDetail,
)
from kyodo_desk.services.plans.records import clean_plan_draft
from kyodo_desk.ui.conflict import Choice, VersionsDialog, differences
from kyodo_desk.ui.contact_picker import ContactPicker
from kyodo_desk.ui.date_inputs import date_edit, day_of, qdate
from kyodo_desk.ui.district_choice import choose_district, district_combo
from kyodo_desk.ui.draft_files import DraftFiles
from kyodo_desk.ui.drafted_form import DraftedForm
from kyodo_desk.ui.field_errors import REFUSED, form_column, say_on, text_box
from kyodo_desk.ui.messages import ask, show_error
from kyodo_desk.ui.operations import ReadOp, WriteOp
from kyodo_desk.ui.pdf_preview import PdfPreview
from kyodo_desk.ui.plans.actions_editor import ActionsEditor, ActionTexts
from kyodo_desk.ui.plans.links import LinksPage
from kyodo_desk.ui.plans.publish import make_plan_report, open_preview, plan_report_names
from kyodo_desk.ui.plans.year_panel import ProgressTexts, YearFormState, YearPanel
from kyodo_desk.ui.widgets import fit_to_screen

FORMAT = 1
FIELD_LABELS = {
    "district": "地域", "organisation": "地域づくり組織", "title": "計画の名称",
    "first_year": "計画期間（初年度）", "last_year": "計画期間（最終年度）", "vision": "目指す姿",
    "adopted_on": "策定日", "actions": "取組",
}
YEAR_LABELS = {"stage": "段階", "evaluation": "評価", "improvement": "改善",
               "published_on": "公表日"}
_ACTION_FIELD = re.compile(r"^actions\.(\d+)\.(\w+)$")
PLAN_PAGE, YEAR_PAGE, LINKS_PAGE, EDITIONS_PAGE = range(4)
SAVE_PLAN = "計画を保存（Ctrl+Enter）"
SAVE_YEAR = "年度の記録を保存（Ctrl+Enter）"
ROLE_PLAN = Qt.ItemDataRole.UserRole


# --- the form's state and its draft -------------------------------------------------------------

@dataclass(frozen=True)
class PlanFormState:
    draft: PlanDraft
    organisation_name: str = ""  # the chosen group as shown, so a restored draft shows it
    actions_typed: tuple[ActionTexts, ...] = ()  # the lines as typed (a target not a number)
    year: YearFormState | None = None  # the year on the year page, as typed
    base_version: int | None = field(default=None, compare=False)
    saved_at: datetime | None = field(default=None, compare=False)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class PlanDraftStore(DraftFiles[PlanFormState]):
    """The plan window's drafts: plan-<login>-<id or new>.json."""

    kind = "plan"

    def encode(self, state: PlanFormState) -> dict[str, Any]:
        draft = asdict(state.draft)
        draft["adopted_on"] = state.draft.adopted_on.isoformat() if state.draft.adopted_on \
            else None
        year = asdict(state.year) if state.year is not None else None
        if year is not None and state.year is not None:
            year["published_on"] = (state.year.published_on.isoformat()
                                    if state.year.published_on else None)
        return {"format": FORMAT, "saved_at": datetime.now().isoformat(timespec="seconds"),
                "base_version": state.base_version, "organisation_name": state.organisation_name,
                "draft": draft, "actions_typed": [asdict(t) for t in state.actions_typed],
                "year": year}

    def decode(self, data: dict[str, Any]) -> PlanFormState:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown draft format {data.get('format')!r}")
        d = dict(data["draft"])
        d["actions"] = tuple(ActionDraft(**{**a, "carrier": ActionCarrier(a["carrier"])})
                             for a in d.get("actions", ()))
        d["adopted_on"] = _day(d.get("adopted_on"))
        year = data.get("year")
        year_state = None if year is None else YearFormState(
            int(year["fiscal_year"]), str(year["stage"]), str(year["evaluation"]),
            str(year["improvement"]), _day(year.get("published_on")),
            tuple(ProgressTexts(**p) for p in year["progress"]), int(year.get("version", 0)))
        saved_at, version = data.get("saved_at"), data.get("base_version")
        return PlanFormState(PlanDraft(**d), str(data.get("organisation_name", "")),
                             tuple(ActionTexts(**t) for t in data.get("actions_typed", ())),
                             year_state, None if version is None else int(version),
                             datetime.fromisoformat(saved_at) if saved_at else None)


def ask_first_year(parent: QWidget, detail: PlanDetail, suggested: int) -> int | None:
    """「改善を次の版へ…」: the first fiscal year of the new edition, or None (cancelled)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("改善を次の版へ")
    years = QComboBox()
    years.setObjectName("reviseFrom")
    for year in range(detail.first_year + 1, detail.last_year + 2):
        years.addItem(f"{fiscal_year_label(year)}（{year}）から", year)
    years.setCurrentIndex(max(years.findData(suggested), 0))
    text = QLabel(f"第{detail.edition}版の取組を引き継いで、第{detail.edition + 1}版をつくります。\n"
                  f"第{detail.edition}版は記録として残り、変更できなくなります。\n"
                  "新しい版が始まる年度を選んでください。")
    buttons = QDialogButtonBox()
    buttons.addButton("新しい版をつくる", QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton("キャンセル", QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text)
    layout.addWidget(years)
    layout.addWidget(buttons)
    if not dialog.exec():
        return None
    return int(years.currentData())


def year_combo(name: str, years: Sequence[int]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for year in years:
        combo.addItem(f"{fiscal_year_label(year)}（{year}）", year)
    return combo


# --- the window ---------------------------------------------------------------------------------

class PlanWindow(DraftedForm):
    """A new plan (detail None) or one edition of a plan."""

    plan_saved = Signal(object)  # PlanDetail: the plan stored (the window stays open)
    year_saved = Signal(object)  # PlanYearDetail
    year_shown = Signal()  # the year page shows the year chosen
    editions_shown = Signal()
    open_requested = Signal(int, int)  # another edition (plan id, fiscal year); this one closed
    field_order = tuple(FIELD_LABELS)

    def __init__(self, db: Database, actor: Actor, detail: PlanDetail | None, *,
                 parent: QWidget | None = None, district: str = "",
                 first_year: int | None = None, fiscal_year: int | None = None,
                 drafts: PlanDraftStore | None = None) -> None:
        super().__init__(db, actor, detail, drafts or PlanDraftStore(), parent)
        fit_to_screen(self, 1240, 760)
        this_year = fiscal_year_of(date.today())
        self.may_write = not db.read_only and actor.may(
            Action.CHANGE if detail is not None else Action.CREATE, Resource.PLANS)
        self.editable = self.may_write and (detail is None or detail.current)
        self._year_saving = self._year_waiting = False
        self._current_edition_id: int | None = detail.revised_by_id if detail else None
        self._last_in_force: int | None = None  # an earlier edition's last year in force
        self._new_district, self._new_first_year = district, first_year or this_year

        # --- the plan page --------------------------------------------------------------
        self.heading = QLabel()
        self.heading.setObjectName("planHeading")
        self.heading.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.banner = QFrame()
        self.banner.setObjectName("editionBanner")
        self.banner.setStyleSheet("QFrame#editionBanner { background: #fff4d6;"
                                  " border: 1px solid #e0c36a; border-radius: 4px; }")
        self.banner_text = QLabel()
        self.banner_text.setObjectName("editionBannerText")
        self.banner_text.setStyleSheet("font-weight: bold; color: #6b4e00;")
        self.current_button = QPushButton("最新の版を開く")
        self.current_button.setObjectName("openCurrentEdition")
        self.current_button.setAutoDefault(False)
        self.current_button.clicked.connect(self.open_current_edition)
        banner_line = QHBoxLayout(self.banner)
        banner_line.setContentsMargins(10, 4, 10, 4)
        banner_line.addWidget(self.banner_text, 1)
        banner_line.addWidget(self.current_button)

        self.district = district_combo("planDistrict")
        self.picker = ContactPicker(db, actor, role="地域づくり組織", kinds=[ContactKind.GROUP])
        self.picker.search.setPlaceholderText("地域づくり組織（任意）: 団体名・よみ・電話番号の一部で検索")
        self.organisation_label = QLabel()
        self.organisation_label.setObjectName("planOrganisation")
        self.title = QLineEdit()
        self.title.setObjectName("planTitle")
        self.title.setPlaceholderText("例: 中央地域まちづくり計画")
        years = range(min(this_year, self._new_first_year) - 10, this_year + 11)
        self.first_year = year_combo("planFirstYear", years)
        self.last_year = year_combo("planLastYear", years)
        self.vision = text_box("目指す地域の姿（例: 世代をこえて支え合う、住み続けたいまち）", 52,
                               "planVision")
        self.adopted = QCheckBox("策定日")
        self.adopted.setObjectName("planAdopted")
        self.adopted_on = date_edit()
        self.adopted_on.setObjectName("planAdoptedOn")
        self.actions_editor = ActionsEditor()

        form = form_column()
        form.setContentsMargins(0, 0, 0, 0)
        add = self.errors.add_row
        facts = QHBoxLayout()
        facts.addWidget(self.district)
        facts.addSpacing(16)
        facts.addWidget(QLabel("計画期間 *"))
        facts.addWidget(self.first_year)
        facts.addWidget(QLabel("〜"))
        facts.addWidget(self.last_year)
        facts.addSpacing(16)
        facts.addWidget(self.adopted)
        facts.addWidget(self.adopted_on)
        facts.addStretch(1)
        add(form, "地域 *", facts, "district", "first_year", "last_year", "adopted_on",
            focus=self.district, frames={"first_year": self.first_year,
                                         "last_year": self.last_year,
                                         "adopted_on": self.adopted_on})
        organisation = QVBoxLayout()
        organisation.addWidget(self.picker)
        organisation.addWidget(self.organisation_label)
        add(form, "地域づくり組織", organisation, "organisation", focus=self.picker.search)
        add(form, "計画の名称 *", self.title, "title")
        add(form, "目指す姿", self.vision, "vision")
        scroll = QScrollArea()
        scroll.setObjectName("actionsScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.actions_editor)
        actions_box = QVBoxLayout()
        actions_box.setContentsMargins(0, 0, 0, 0)
        actions_heading = QLabel("取組")
        actions_heading.setStyleSheet("font-weight: bold;")
        actions_box.addWidget(actions_heading)
        self.actions_error = add(form, "", QWidget(), "actions")
        plan_page = QWidget()
        page = QVBoxLayout(plan_page)
        page.addLayout(form)
        page.addLayout(actions_box)
        page.addWidget(scroll, 1)

        # --- the other pages ------------------------------------------------------------
        self.year_panel = YearPanel()
        self.links = LinksPage(db, actor)
        self.links.linked.connect(self._linked)
        self.editions = QListWidget()
        self.editions.setObjectName("editionList")
        self.editions.itemActivated.connect(self._edition_chosen)
        editions_page = QWidget()
        editions_layout = QVBoxLayout(editions_page)
        editions_note = QLabel("改定（改善）のたびに新しい版ができ、前の版は記録として残ります。"
                               "ダブルクリック（Enter）で開きます。")
        editions_note.setStyleSheet("color: #555;")
        editions_note.setWordWrap(True)
        editions_layout.addWidget(editions_note)
        editions_layout.addWidget(self.editions, 1)

        self.pages = QTabWidget()
        self.pages.setObjectName("planPages")
        self.pages.addTab(plan_page, "計画")
        self.pages.addTab(self.year_panel, "年度の実施状況")
        self.pages.addTab(self.links, "ワークショップ・交付金")
        self.pages.addTab(editions_page, "版の履歴")
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.addWidget(self.heading)
        content.addWidget(self.banner)
        content.addWidget(self.pages, 1)
        self._lay_out()

        for line in (self.title,):
            line.textChanged.connect(self._changed)
        self.vision.textChanged.connect(self._changed)
        for combo in (self.district, self.first_year, self.last_year):
            combo.currentIndexChanged.connect(self._changed)
        self.adopted.toggled.connect(self._changed)
        self.adopted.toggled.connect(lambda on: self.adopted_on.setEnabled(on and self.editable))
        self.adopted_on.dateChanged.connect(self._changed)
        self.picker.chosen_changed.connect(self._changed)
        self.picker.search.textChanged.connect(self._changed)
        self.actions_editor.changed.connect(self._changed)
        self.year_panel.changed.connect(self._changed)
        self.year_panel.year_chosen.connect(self.choose_year)
        self.year_panel.revise_button.clicked.connect(lambda _=False: self.revise())
        self.year_panel.print_button.clicked.connect(lambda _=False: self.print_year())
        self.preview: PdfPreview | None = None  # the last report made, while it is open
        self.pages.currentChanged.connect(lambda _i: self._page_changed())

        self._show_plan(detail)
        self._begin(self._state_of(detail) if detail is not None else self._new_state())
        self._wanted_year = fiscal_year if fiscal_year is not None else this_year
        if detail is not None:
            # An earlier edition shows the years it was in force: known once its editions
            # are read. A draft may have brought the year back already.
            if self.year_panel.loaded_year is None and detail.current:
                self.load_year(self._clip_year(self._wanted_year))
            self.load_editions()
        self._page_changed()
        (self.title if self.editable else self.pages).setFocus()

    # --- showing the plan ---------------------------------------------------------------------
    def _new_state(self) -> PlanFormState:
        first = self._new_first_year
        return PlanFormState(PlanDraft(self._new_district, "", first, first + 4))

    def _show_plan(self, detail: PlanDetail | None) -> None:
        """The parts that follow the stored plan: heading, banner, the year page's lines,
        the links."""
        editable = self.editable
        if detail is None:
            self.setWindowTitle("地域まちづくり計画の登録")
            self.heading.setText("新しい地域まちづくり計画（第1版）")
        else:
            state = "現行" if detail.current else "改定済み"
            self.setWindowTitle(f"地域まちづくり計画 — {detail.district} 第{detail.edition}版")
            self.heading.setText(f"{detail.district}　{detail.title}　第{detail.edition}版"
                                 f"（{state}・{detail.period_label}）")
        self.banner.setVisible(detail is not None and not detail.current)
        if detail is not None and not detail.current:
            self.banner_text.setText(f"第{detail.edition + 1}版に改定済み（記録として表示）")
        self.picker.setVisible(editable)
        self.organisation_label.setVisible(not editable)
        for widget in (self.district, self.first_year, self.last_year, self.adopted):
            widget.setEnabled(editable)
        self.adopted_on.setEnabled(editable and self.adopted.isChecked())
        for edit in (self.title,):
            edit.setReadOnly(not editable)
        self.vision.setReadOnly(not editable)
        self.actions_editor.set_editable(editable)
        self.save_button.setVisible(self.may_write and (detail is None or detail.current))
        self.cancel_button.setText("閉じる" if detail is not None else "キャンセル")
        if not editable:
            self.hint.setText("この計画は表示のみです（変更できません）。Esc で閉じる。")
        if detail is None:
            self.year_panel.set_plan((), (), 0, editable=False,
                                     note="計画を保存すると、年度の実施状況を記録できます。")
            self.year_panel.revise_button.hide()
        else:
            chosen = self.year_panel.chosen_year() or self._clip_year(fiscal_year_of(date.today()))
            self.year_panel.set_plan(
                detail.actions, range(detail.first_year, detail.last_year + 1), chosen,
                editable=editable,
                note="" if detail.current else "改定済みの版です。記録として表示しています。")
            self.year_panel.revise_button.setVisible(editable)
        # Any edition prints, an earlier one as the record it is; a new plan once saved.
        self.year_panel.print_button.setVisible(detail is not None)
        self.links.show_plan(detail, editable=editable)

    def _clip_year(self, year: int) -> int:
        detail = self.detail
        if detail is None:
            return year
        last = self._last_in_force if self._last_in_force is not None else detail.last_year
        return min(max(year, detail.first_year), last)

    def _page_changed(self) -> None:
        on_year = self.pages.currentIndex() == YEAR_PAGE
        self.save_button.setText(SAVE_YEAR if on_year else SAVE_PLAN)
        year_editable = (self.editable and self.detail is not None
                         and self.year_panel.loaded_year is not None)
        self.save_button.setEnabled(year_editable if on_year else self.editable)
        self.year_panel.print_button.setEnabled(self.detail is not None
                                                and self.year_panel.loaded_year is not None)

    # --- state in and out (DraftedForm) -----------------------------------------------------
    def state(self) -> PlanFormState:
        chosen = self.picker.chosen
        organisation_id = chosen.ref.id if chosen is not None else None
        organisation_name = chosen.name if chosen is not None else self.picker.text()
        draft = PlanDraft(
            district=str(self.district.currentData() or ""), title=self.title.text(),
            first_year=int(self.first_year.currentData()),
            last_year=int(self.last_year.currentData()), vision=self.vision.toPlainText(),
            organisation_id=organisation_id,
            adopted_on=day_of(self.adopted_on.date()) if self.adopted.isChecked() else None,
            actions=self.actions_editor.drafts())
        return PlanFormState(draft, organisation_name, self.actions_editor.texts(),
                             self.year_panel.state(), self._base_version)

    def _state_of(self, detail: PlanDetail) -> PlanFormState:
        draft = detail.as_draft()
        return PlanFormState(draft, detail.organisation_name,
                             tuple(ActionTexts.of(a) for a in draft.actions),
                             self.year_panel.state(), detail.version)

    def _restore(self, state: PlanFormState) -> None:
        d = state.draft
        self._loading = True
        try:
            choose_district(self.district, d.district)
            self.picker.restore(state.organisation_name, d.organisation_id)
            self.organisation_label.setText(state.organisation_name or "（なし）")
            self.title.setText(d.title)
            for combo, year in ((self.first_year, d.first_year), (self.last_year, d.last_year)):
                index = combo.findData(year)
                if index < 0:
                    combo.addItem(f"{fiscal_year_label(year)}（{year}）", year)
                    index = combo.count() - 1
                combo.setCurrentIndex(index)
            self.vision.setPlainText(d.vision)
            self.adopted.setChecked(d.adopted_on is not None)
            self.adopted_on.setDate(qdate(d.adopted_on) if d.adopted_on else QDate.currentDate())
            self.adopted_on.setEnabled(self.editable and d.adopted_on is not None)
            self.actions_editor.set_texts(state.actions_typed or tuple(ActionTexts.of(a)
                                                                for a in d.actions))
            if state.year is not None and self.detail is not None:
                self.year_panel.restore(state.year)
        finally:
            self._loading = False

    def _local_problems(self, state: PlanFormState) -> list[FieldProblem]:
        problems = []
        typed = self.picker.text().strip()
        if typed and self.picker.chosen is None:
            problems.append(FieldProblem(
                "organisation", f"「{typed}」が連絡先から選ばれていません。候補から選ぶか、"
                "欄を空にしてください。"))
        try:
            clean_plan_draft(state.draft)
        except ValidationError as exc:
            problems += exc.problems
        return problems

    def _show_problems(self, problems: Sequence[FieldProblem]) -> None:
        """A line's problem (actions.N.title) under 取組, its input framed."""
        frames: dict[FieldProblem, list[QWidget]] = {}
        shown: list[FieldProblem] = []
        for problem in problems:
            match = _ACTION_FIELD.match(problem.field)
            if match is None:
                shown.append(problem)
                continue
            general = FieldProblem("actions", problem.message)
            number = int(match.group(1))
            if 0 < number <= len(self.actions_editor.lines):
                frames.setdefault(general, []).append(
                    self.actions_editor.lines[number - 1].input_for(match.group(2)))
            shown.append(general)
        if problems:
            self.pages.setCurrentIndex(PLAN_PAGE)
        self._show_field_problems(shown, inputs_for=lambda p: frames.get(p, []),
                                  also=self.actions_editor.inputs())

    def _versions_dialog(self, latest: PlanDetail) -> VersionsDialog:
        mine = self.state()
        return VersionsDialog(
            "この計画は、この画面で開いた後に他の窓口で保存されました。",
            differences(_described(mine.draft, mine.organisation_name),
                        _described(latest.as_draft(), latest.organisation_name), FIELD_LABELS),
            self)

    @staticmethod
    def _create(db: Database, actor: Actor, draft: PlanDraft) -> PlanDetail:
        return svc.create_plan(db, actor, draft)

    @staticmethod
    def _update(db: Database, actor: Actor, record_id: int, version: int,
                draft: PlanDraft) -> PlanDetail:
        return svc.update_plan(db, actor, record_id, version, draft)

    @staticmethod
    def _fetch(db: Database, actor: Actor, record_id: int) -> PlanDetail:
        return svc.get_plan(db, actor, record_id)

    # --- saving: the plan, or the year on show ----------------------------------------------
    def save(self) -> None:
        if self.pages.currentIndex() == YEAR_PAGE:
            self.save_year()
        elif self.editable:
            super().save()

    def _stored(self, detail: PlanDetail) -> None:
        """Saved: the window stays open on the stored plan (its actions now have ids the
        year page records against); the year's typed text stays as it is."""
        first_save = self.record_id is None
        self._set_saving(False)
        self.waiting_for_server = False
        self._draft_timer.stop()
        self.drafts.delete(self.actor.login, self.record_id)
        self.detail, self.record_id, self._base_version = detail, detail.id, detail.version
        year_before = self._clean_state.year if self._clean_state is not None else None
        self._show_plan(detail)
        self._restore(replace(self._state_of(detail), year=None))
        self._clean_state = replace(self.state(), year=year_before)
        self.write_draft()  # the year's typed text, if any, now under the plan's id
        say_on(self.summary, f"保存しました（{datetime.now():%H:%M}）。", busy=True)
        self.save_finished.emit(True)
        self.plan_saved.emit(detail)
        if first_save or (self.year_panel.loaded_year is not None
                          and not self._year_dirty()):
            self.load_year(self._clip_year(self.year_panel.loaded_year
                                           or fiscal_year_of(date.today())))
        self.load_editions()

    def retry_when_connected(self) -> None:
        super().retry_when_connected()
        if self._year_waiting and self.isVisible() and not self._year_saving:
            self.save_year()

    # --- the year ------------------------------------------------------------------------------
    def _year_dirty(self) -> bool:
        clean = self._clean_state.year if self._clean_state is not None else None
        return self.year_panel.state() != clean

    def choose_year(self, year: int) -> None:
        """The clerk picked another year: unsaved results of the year on show are not
        dropped without asking."""
        loaded = self.year_panel.loaded_year
        if year == loaded:
            return
        if loaded is not None and self._year_dirty():
            answer = ask(self, "年度の切り替え",
                         f"{fiscal_year_label(loaded)}の入力はまだ保存されていません。",
                         [("stay", "切り替えない"), ("discard", "入力を破棄して切り替える")],
                         default="stay", escape="stay")
            if answer == "stay":
                self.year_panel.choose_year(loaded)
                return
        self.load_year(year)

    def load_year(self, year: int) -> None:
        if self.detail is None:
            return
        db, actor, plan_id = self.db, self.actor, self.detail.id
        ReadOp(self, lambda: svc.get_year(db, actor, plan_id, year), self._show_year,
               key="year").run()

    def _show_year(self, year: PlanYearDetail) -> None:
        state = YearFormState.of(year)
        self._loading = True
        try:
            self.year_panel.restore(state)
        finally:
            self._loading = False
        if self._clean_state is not None:
            self._clean_state = replace(self._clean_state, year=self.year_panel.state())
        self._page_changed()
        self.year_shown.emit()

    def save_year(self) -> None:
        if self._year_saving or self.detail is None or not self.editable:
            return
        year = self.year_panel.loaded_year
        if year is None:
            return
        self._say("")
        problems = self.year_panel.number_problems()
        if problems:
            self._year_problems(problems)
            self.save_finished.emit(False)
            return
        db, actor, plan_id = self.db, self.actor, self.detail.id
        version, draft = self.year_panel.version, self.year_panel.draft()
        self._year_saving = True
        say_on(self.summary, f"{fiscal_year_label(year)}の実施状況を保存しています…", busy=True)
        WriteOp(self, lambda: svc.save_year(db, actor, plan_id, year, version, draft),
                self._year_stored, failed=self._year_refused,
                busy=(self.save_button, self.year_panel)).run()

    def _year_problems(self, problems: Sequence[FieldProblem]) -> None:
        self.pages.setCurrentIndex(YEAR_PAGE)
        elsewhere = self.year_panel.show_problems(problems)
        self._say("\n".join([REFUSED, *(p.message for p in elsewhere)]))

    def _year_stored(self, year: PlanYearDetail) -> None:
        self._year_saving = self._year_waiting = False
        self.year_panel.show_problems([])
        self._show_year(year)
        self.write_draft()
        say_on(self.summary, f"{year.year_label}の実施状況を保存しました"
                             f"（{datetime.now():%H:%M}）。", busy=True)
        self.save_finished.emit(True)
        self.year_saved.emit(year)

    def _year_refused(self, exc: Exception) -> None:
        self._year_saving = False
        self.summary.hide()
        if isinstance(exc, ValidationError):
            self._year_problems(exc.problems)
        elif isinstance(exc, ConcurrentEdit):
            self._resolve_year_conflict()
            return
        elif isinstance(exc, ConnectionLost):
            self._year_waiting = True
            self.write_draft()
            self._say(f"{exc.message}\n入力した内容は残っています。"
                      "接続が戻りしだい、自動でもう一度保存します。")
        else:
            show_error(self, exc)
        self.save_finished.emit(False)

    def _resolve_year_conflict(self) -> None:
        assert self.detail is not None
        year = self.year_panel.loaded_year
        assert year is not None
        db, actor, plan_id = self.db, self.actor, self.detail.id

        def choose(latest: PlanYearDetail) -> None:
            mine = self.year_panel.state()
            assert mine is not None
            theirs = YearFormState.of(latest)
            dialog = VersionsDialog(
                f"{latest.year_label}の実施状況は、この画面で開いた後に他の窓口で保存されました。",
                differences(_year_described(mine, self.year_panel),
                            _year_described(theirs, self.year_panel),
                            _year_labels(self.year_panel)), self)
            dialog.exec()
            if dialog.choice is Choice.LOAD_THEIRS:
                self._show_year(latest)
                self.write_draft()
                self.save_finished.emit(False)
            elif dialog.choice is Choice.SAVE_MINE:
                self.year_panel.version = latest.version
                self.save_year()
            else:
                self.year_panel.version = mine.version
                self.write_draft()
                self.save_finished.emit(False)

        def failed(exc: Exception) -> None:
            show_error(self, exc)
            self.save_finished.emit(False)

        ReadOp(self, lambda: svc.get_year(db, actor, plan_id, year), choose,
               failed=failed).run()

    # --- the year's report (実施状況を印刷) ----------------------------------------------------
    def print_year(self) -> None:
        """The public report of this edition's year on show, made off the GUI thread and
        previewed (保存・印刷). It prints what is stored: typing not yet saved is said to be
        left out."""
        detail, year = self.detail, self.year_panel.loaded_year
        if detail is None or year is None:
            return
        db, actor, plan_id = self.db, self.actor, detail.id
        title, file_name = plan_report_names(detail.district, detail.edition, year)
        unsaved = self.editable and self._year_dirty()
        say_on(self.summary, f"{fiscal_year_label(year)}の実施状況を作成しています…"
                             + ("（保存していない入力は含まれません）" if unsaved else ""),
               busy=True)

        def show(pdf: bytes) -> None:
            if not unsaved:
                self.summary.hide()
            self.preview = open_preview(self, title, file_name, pdf,
                                        lambda text: say_on(self.summary, text, busy=True))

        def failed(exc: Exception) -> None:
            self.summary.hide()
            show_error(self, exc)

        ReadOp(self, lambda: make_plan_report(db, actor, plan_id, year), show,
               failed=failed).run()

    # --- editions and 改善 -----------------------------------------------------------------
    def load_editions(self) -> None:
        if self.detail is None:
            return
        db, actor, plan_id = self.db, self.actor, self.detail.id
        ReadOp(self, lambda: svc.editions(db, actor, plan_id), self._show_editions,
               key="editions").run()

    def _show_editions(self, editions: list[PlanSummary]) -> None:
        self.editions.clear()
        for edition in editions:
            here = "　← この画面" if self.detail is not None and edition.id == self.detail.id \
                else ""
            state = "現行" if edition.current else "改定済み"
            item = QListWidgetItem(f"第{edition.edition}版　{edition.period_label}　"
                                   f"{edition.title}（{state}・取組{edition.actions}件）{here}")
            item.setData(ROLE_PLAN, (edition.id, edition.first_year))
            self.editions.addItem(item)
            if edition.current:
                self._current_edition_id = edition.id
        detail = self.detail
        later = next((e for e in editions
                      if detail is not None and e.edition == detail.edition + 1), None)
        if detail is not None and later is not None:
            self._last_in_force = max(min(later.first_year - 1, detail.last_year),
                                      detail.first_year)
            loaded = self.year_panel.loaded_year
            self.year_panel.set_plan(
                detail.actions, range(detail.first_year, self._last_in_force + 1),
                self._clip_year(loaded or self._wanted_year), editable=self.editable,
                note="改定済みの版です。この版が使われた年度を、記録として表示しています。")
            if loaded is None or loaded > self._last_in_force:
                self.load_year(self._clip_year(self._wanted_year))
        self.editions_shown.emit()

    def edition_texts(self) -> list[str]:
        return [self.editions.item(n).text() for n in range(self.editions.count())]

    def _edition_chosen(self, item: QListWidgetItem) -> None:
        plan_id, first_year = item.data(ROLE_PLAN)
        if self.detail is not None and plan_id != self.detail.id:
            year = self.year_panel.loaded_year or first_year
            self._go_to(int(plan_id), year)

    def open_current_edition(self) -> None:
        if self._current_edition_id is not None:
            self._go_to(self._current_edition_id, self.year_panel.loaded_year
                        or fiscal_year_of(date.today()))

    def _go_to(self, plan_id: int, year: int) -> None:
        """Close this window (asking about unsaved input) and have the tab open another."""
        self.reject()
        if not self.isVisible():
            self.open_requested.emit(plan_id, year)

    def revise(self) -> None:
        """「改善を次の版へ…」: a new edition from the year asked for; then it opens."""
        detail = self.detail
        if detail is None or not self.editable:
            return
        if self.is_dirty():
            self._say("保存していない入力があります。先に保存してから、新しい版をつくってください。")
            return
        loaded = self.year_panel.loaded_year or detail.first_year
        suggested = min(loaded + 1, detail.last_year + 1)
        from_year = ask_first_year(self, detail, suggested)
        if from_year is None:
            return
        db, actor, plan_id, version = self.db, self.actor, detail.id, self._base_version
        assert version is not None

        def done(new: PlanDetail) -> None:
            self.plan_saved.emit(new)
            self._go_to(new.id, from_year)

        def failed(exc: Exception) -> None:
            if isinstance(exc, ValidationError):
                self._say("\n".join(p.message for p in exc.problems))
            else:
                show_error(self, exc)

        WriteOp(self, lambda: svc.revise_plan(db, actor, plan_id, version, from_year=from_year),
                done, failed=failed, busy=(self.year_panel.revise_button,)).run()

    # --- links ---------------------------------------------------------------------------------
    def _linked(self, latest: PlanDetail) -> None:
        """A workshop or case linked: shown at once. A workshop counts as a change of the
        plan (its version moves one step): that step is this window's own."""
        if self._base_version is not None and latest.version == self._base_version + 1:
            self._base_version = latest.version
        if self.detail is not None:
            self.detail = replace(self.detail, workshops=latest.workshops,
                                  actions=latest.actions if _same_actions(self.detail, latest)
                                  else self.detail.actions, version=self._base_version or 0)
        self.links.show_plan(latest, editable=self.editable)




def _same_actions(a: PlanDetail, b: PlanDetail) -> bool:
    return [x.id for x in a.actions] == [x.id for x in b.actions]


def _action_line(a: ActionDraft) -> str:
    target = f"・目標 {a.target:,}{a.unit}" if a.target is not None else ""
    return f"{a.title}（{ACTION_CARRIER_LABELS[a.carrier]}{target}）"


def _described(d: PlanDraft, organisation: str) -> dict[str, str]:
    """The plan's fields as a person reads them."""
    return {"district": d.district, "organisation": organisation, "title": d.title,
            "first_year": fiscal_year_label(d.first_year),
            "last_year": fiscal_year_label(d.last_year), "vision": d.vision,
            "adopted_on": full_date(d.adopted_on) if d.adopted_on else "",
            "actions": "\n".join(f"{n}. {_action_line(a)}"
                                 for n, a in enumerate(d.actions, start=1))}


def _year_labels(panel: YearPanel) -> dict[str, str]:
    labels = dict(YEAR_LABELS)
    for line in panel.lines:
        labels[f"progress.{line.action_id}"] = line.title.text()
    return labels


def _year_described(state: YearFormState, panel: YearPanel) -> dict[str, str]:
    stages = {panel.stage.itemData(n): panel.stage.itemText(n) for n in range(panel.stage.count())}
    statuses = ({panel.lines[0].status.itemData(n): panel.lines[0].status.itemText(n)
                 for n in range(panel.lines[0].status.count())} if panel.lines else {})
    described = {"stage": stages.get(state.stage, state.stage), "evaluation": state.evaluation,
                 "improvement": state.improvement,
                 "published_on": full_date(state.published_on) if state.published_on else ""}
    for p in state.progress:
        parts = [statuses.get(p.status, p.status), p.figure, p.result]
        described[f"progress.{p.action_id}"] = "・".join(x for x in parts if x)
    return described

