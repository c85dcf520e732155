"""The programme's buttons of the 交付金 tab: 交付金の登録・編集・来年度用にコピー, 審査・採点 and
期限の一覧. The dialogs live in programme_form.py, screening.py and deadlines_view.py and are
imported when first used, so the tab opens without loading them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import grants as svc
from kyodo_desk.services.grants import ProgrammeDetail
from kyodo_desk.ui.grants.case_sections import small_button
from kyodo_desk.ui.operations import ReadOp


class ProgrammeActions(QObject):
    """Acts on the programme *current()* returns, for the tab *parent*."""

    saved = Signal(int)  # a programme was saved: the tab chooses it
    screened = Signal()  # the screening closed: stages and scores may have moved
    case_chosen = Signal(int)  # a case picked in the deadline list, to be shown
    status_message = Signal(str)

    def __init__(self, db: Database, actor: Actor,
                 current: Callable[[], ProgrammeDetail | None], parent: QWidget, *,
                 may_write: bool) -> None:
        super().__init__(parent)
        self.db, self.actor, self._current, self._parent = db, actor, current, parent
        self.new_button = small_button("交付金の登録…", "newProgramme", self.new_programme,
                                       "新しい年度・交付金の募集を登録します")
        self.edit_button = small_button(
            "編集…", "editProgramme", self.edit_programme,
            "選んだ交付金の予算・上限・募集期間・必要書類・審査の観点を変更します")
        self.copy_button = small_button("来年度用にコピー…", "copyProgramme", self.copy_programme,
                                        "同じ内容で来年度の募集を作ります。保存するまで登録されません")
        # Readers see the ranking only; the dialog itself offers scoring to those who may.
        self.screening_button = small_button(
            "審査・採点…" if may_write else "審査・順位…", "openScreening", self.open_screening,
            "審査員ごとの点数を入力し、順位を確かめます" if may_write else "審査の点数と順位を見ます")
        self.deadlines_button = small_button("期限の一覧…", "openDeadlines", self.open_deadlines,
                                             "すべての案件の、これからの期限と期限切れ")
        for button in (self.new_button, self.edit_button, self.copy_button):
            button.setVisible(may_write)  # advisors read the grants only

    def new_programme(self) -> None:
        from kyodo_desk.ui.grants.programme_form import open_programme_form

        open_programme_form(self._parent, self.db, self.actor, saved=self._saved)

    def edit_programme(self) -> None:
        from kyodo_desk.ui.grants.programme_form import open_programme_form

        if (programme := self._current()) is not None:
            open_programme_form(self._parent, self.db, self.actor, programme_id=programme.id,
                                saved=self._saved)

    def copy_programme(self) -> None:
        """Next year's call as a draft in the programme form; nothing is stored until 保存."""
        from kyodo_desk.ui.grants.programme_form import open_programme_form

        if (programme := self._current()) is None:
            return
        db, actor, parent, programme_id = self.db, self.actor, self._parent, programme.id
        ReadOp(parent, lambda: svc.copy_programme_for_next_year(db, actor, programme_id),
               lambda draft: open_programme_form(parent, db, actor, draft=draft,
                                                 saved=self._saved)).run()

    def _saved(self, saved: ProgrammeDetail) -> None:
        self.status_message.emit(
            f"「{fiscal_year_label(saved.fiscal_year)} {saved.name}」を保存しました。")
        self.saved.emit(saved.id)

    def open_screening(self) -> None:
        from kyodo_desk.ui.grants.screening import open_screening

        if (programme := self._current()) is not None:
            open_screening(self._parent, self.db, self.actor, programme.id)
            self.screened.emit()

    def open_deadlines(self) -> None:
        from kyodo_desk.ui.grants.deadlines_view import open_deadlines

        case_id = open_deadlines(self._parent, self.db, self.actor)
        if case_id is not None:
            self.case_chosen.emit(case_id)
