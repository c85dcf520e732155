"""What a plan is linked to: the workshops in which it was made (events, those of kind
まちづくり計画ワークショップ first) and, per action, the grant cases that fund it. Each link is
recorded at once (services.plans.link_workshop / link_case); the page says by signal which
plan came back."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label, full_date
from kyodo_desk.domain.events import EVENT_KIND_LABELS, EventKind
from kyodo_desk.domain.grants import STAGE_LABELS, yen
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.services import events as event_svc
from kyodo_desk.services import plans as svc
from kyodo_desk.services.grants import cases as case_svc
from kyodo_desk.services.plans import PlanDetail
from kyodo_desk.ui.operations import ReadOp, WriteOp
from kyodo_desk.ui.widgets import single_shot

SEARCH_DELAY_MS = 200
ROLE_ID = Qt.ItemDataRole.UserRole

Choices = list[tuple[str, int]]


class PickDialog(QDialog):
    """Choose one record from a list read in the background, narrowed by the words typed."""

    def __init__(self, title: str, placeholder: str, load: Callable[[str], Choices],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumSize(640, 420)
        self.chosen: int | None = None
        self._load = load
        self.search = QLineEdit()
        self.search.setObjectName("pickSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(placeholder)
        self.list = QListWidget()
        self.list.setObjectName("pickList")
        self.count = QLabel()
        self.count.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("結び付ける", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("キャンセル", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._take)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self._timer = single_shot(self, SEARCH_DELAY_MS, self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.list.itemActivated.connect(lambda _item: self._take())
        self.list.currentRowChanged.connect(lambda _r: self._update())
        self.refresh()
        self._update()

    def refresh(self) -> None:
        words, load = self.search.text().strip(), self._load
        ReadOp(self, lambda: load(words), self._fill, key="pick").run()

    def _fill(self, choices: Choices) -> None:
        self.list.clear()
        for text, record_id in choices:
            item = QListWidgetItem(text)
            item.setData(ROLE_ID, record_id)
            self.list.addItem(item)
        if choices:
            self.list.setCurrentRow(0)
        self.count.setText(f"{len(choices)} 件" if choices else "該当するものはありません。")
        self._update()

    def _update(self) -> None:
        self.ok.setEnabled(self.list.currentItem() is not None)

    def _take(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.chosen = int(item.data(ROLE_ID))
        self.accept()


def workshop_choices(db: Database, actor: Actor, words: str) -> Choices:
    """Events matching *words*, workshops first, then the latest first."""
    events = event_svc.list_events(db, actor, query=words)
    events.sort(key=lambda e: (e.kind is not EventKind.WORKSHOP, -e.first_day.toordinal()))
    return [(f"{e.title}　（{EVENT_KIND_LABELS.get(e.kind, '')}・{full_date(e.first_day)}"
             f"{'・' + e.district if e.district else ''}）", e.id) for e in events[:200]]


def case_choices(db: Database, actor: Actor, district: str, words: str) -> Choices:
    """Grant cases matching *words*, the plan's district first, then the latest year first."""
    cases = case_svc.list_cases(db, actor, query=words)
    cases.sort(key=lambda c: (c.district != district, -c.fiscal_year, c.title))
    return [(f"{c.title}　（{c.group_name}・{fiscal_year_label(c.fiscal_year)} {c.programme_name}"
             f"・{STAGE_LABELS[c.stage]}{'・' + c.district if c.district else ''}）", c.id)
            for c in cases[:200]]


class LinksPage(QWidget):
    """The plan's workshops, and each action's grant cases, with 追加 and 外す."""

    linked = Signal(object)  # the PlanDetail the service gave back after a link

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.detail: PlanDetail | None = None
        self.may_read_cases = actor.may(Action.READ, Resource.GRANT_CASES)
        self.note = QLabel()
        self.note.setObjectName("linksNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.workshops = QListWidget()
        self.workshops.setObjectName("workshopList")
        self.add_workshop = self._button("ワークショップを追加…", "addWorkshop",
                                         self.pick_workshop)
        self.remove_workshop = self._button("外す", "removeWorkshop", self._unlink_workshop)
        self.cases = QTreeWidget()
        self.cases.setObjectName("caseLinks")
        self.cases.setHeaderLabels(["取組 / 交付金案件", "団体", "交付決定額"])
        self.cases.setRootIsDecorated(True)
        header = self.cases.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.add_case = self._button("交付金案件を結び付ける…", "addCase", self.pick_case)
        self.remove_case = self._button("外す", "removeCase", self._unlink_case)
        self.cases_hidden = QLabel("交付金案件は、交付金を閲覧できるアカウントで表示されます。")
        self.cases_hidden.setStyleSheet("color: #555;")

        workshop_buttons = QHBoxLayout()
        workshop_buttons.addWidget(self.add_workshop)
        workshop_buttons.addWidget(self.remove_workshop)
        workshop_buttons.addStretch(1)
        case_buttons = QHBoxLayout()
        case_buttons.addWidget(self.add_case)
        case_buttons.addWidget(self.remove_case)
        case_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        heading = QLabel("計画をつくったワークショップ")
        heading.setStyleSheet("font-weight: bold;")
        layout.addWidget(heading)
        layout.addWidget(self.workshops, 1)
        layout.addLayout(workshop_buttons)
        heading = QLabel("取組を支える交付金案件（地域づくり交付金など）")
        heading.setStyleSheet("font-weight: bold;")
        layout.addWidget(heading)
        layout.addWidget(self.cases, 2)
        layout.addLayout(case_buttons)
        layout.addWidget(self.cases_hidden)
        self.workshops.currentRowChanged.connect(lambda _r: self._update())
        self.cases.currentItemChanged.connect(lambda *_: self._update())
        self._editable = False
        self._update()

    @staticmethod
    def _button(text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _=False: slot())
        return button

    def show_plan(self, detail: PlanDetail | None, *, editable: bool) -> None:
        self.detail, self._editable = detail, editable and detail is not None
        self.workshops.clear()
        self.cases.clear()
        if detail is None:
            self.note.setText("計画を保存すると、ワークショップと交付金案件を結び付けられます。")
        elif not editable:
            self.note.setText("この版は記録として表示しています（結び付けは変更できません）。")
        else:
            self.note.setText("追加・外すは、その場で記録されます。")
        if detail is not None:
            for event in detail.workshops:
                when = f"（{full_date(event.first_day)}）" if event.first_day else ""
                item = QListWidgetItem(f"{event.title}{when}")
                item.setData(ROLE_ID, event.id)
                self.workshops.addItem(item)
            if not detail.workshops:
                placeholder = QListWidgetItem("（結び付けたワークショップはありません）")
                placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
                self.workshops.addItem(placeholder)
            for action in detail.actions:
                top = QTreeWidgetItem([f"{action.position}. {action.title}", "", ""])
                top.setData(0, ROLE_ID, ("action", action.id))
                for case in action.cases:
                    child = QTreeWidgetItem([case.title, case.group_name,
                                             yen(case.decided) if case.decided else "—"])
                    child.setData(0, ROLE_ID, ("case", case.id))
                    child.setTextAlignment(2, Qt.AlignmentFlag.AlignRight
                                           | Qt.AlignmentFlag.AlignVCenter)
                    top.addChild(child)
                self.cases.addTopLevelItem(top)
            self.cases.expandAll()
        self.cases.setVisible(self.may_read_cases)
        self.cases_hidden.setVisible(not self.may_read_cases)
        self._update()

    def _update(self) -> None:
        editable = self._editable
        for button in (self.add_workshop, self.remove_workshop, self.add_case,
                       self.remove_case):
            button.setVisible(editable)
        for button in (self.add_case, self.remove_case):
            button.setVisible(editable and self.may_read_cases)
        item = self.workshops.currentItem()
        self.remove_workshop.setEnabled(item is not None and item.data(ROLE_ID) is not None)
        chosen = self._chosen_case_item()
        self.add_case.setEnabled(chosen is not None)
        self.remove_case.setEnabled(chosen is not None and chosen[1] is not None)

    def _chosen_case_item(self) -> tuple[int, int | None] | None:
        """(action id, case id or None) of the row chosen in the cases tree."""
        item = self.cases.currentItem()
        if item is None:
            return None
        kind, record_id = item.data(0, ROLE_ID)
        if kind == "action":
            return record_id, None
        parent = item.parent()
        assert parent is not None
        return parent.data(0, ROLE_ID)[1], record_id

    # --- linking --------------------------------------------------------------------------
    def pick_workshop(self) -> int | None:
        if self.detail is None:
            return None
        db, actor = self.db, self.actor
        dialog = PickDialog("ワークショップを結び付ける", "イベント名で検索（ワークショップが先）",
                            lambda words: workshop_choices(db, actor, words), self)
        if not dialog.exec() or dialog.chosen is None:
            return None
        self.link_workshop(dialog.chosen)
        return dialog.chosen

    def link_workshop(self, event_id: int, *, linked: bool = True) -> None:
        assert self.detail is not None
        db, actor, plan_id = self.db, self.actor, self.detail.id
        WriteOp(self, lambda: svc.link_workshop(db, actor, plan_id, event_id, linked=linked),
                self.linked.emit).run()

    def _unlink_workshop(self) -> None:
        item = self.workshops.currentItem()
        if item is not None and item.data(ROLE_ID) is not None:
            self.link_workshop(int(item.data(ROLE_ID)), linked=False)

    def pick_case(self) -> int | None:
        chosen = self._chosen_case_item()
        if self.detail is None or chosen is None:
            return None
        db, actor, district = self.db, self.actor, self.detail.district
        dialog = PickDialog("交付金案件を結び付ける", "事業名・団体名で検索（この地域の案件が先）",
                            lambda words: case_choices(db, actor, district, words), self)
        if not dialog.exec() or dialog.chosen is None:
            return None
        self.link_case(chosen[0], dialog.chosen)
        return dialog.chosen

    def link_case(self, action_id: int, case_id: int, *, linked: bool = True) -> None:
        db, actor = self.db, self.actor
        WriteOp(self, lambda: svc.link_case(db, actor, action_id, case_id, linked=linked),
                self.linked.emit).run()

    def _unlink_case(self) -> None:
        chosen = self._chosen_case_item()
        if chosen is not None and chosen[1] is not None:
            self.link_case(chosen[0], chosen[1], linked=False)
