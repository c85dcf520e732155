"""What every record form does so that nothing typed is ever lost (入力を失わないフォーム).

A draft kept on disk a moment after each change and offered back next time; saving off the GUI
thread with the fields waiting; a lost connection keeps the text and saves again once the server
answers; a conflicting save shows both versions (ui/conflict.py); closing with unsaved text asks.
The record forms (consultation, event, grant programme and case, contact) differ only in
their fields, so each says:

- `state()` — what is on screen, a frozen state with `.draft` and `.base_version`;
- `_state_of(detail)` — the state a stored record shows, `_restore(state)` — put one on screen;
- `_local_problems(state)` — what can be said without the database;
- `field_order` — the service's fields in form order (problems are listed and the first one
  focused in it); `_show_problems` puts each problem under its row, the rest on the summary
  line (a form whose field has several inputs says which through `_show_field_problems`);
- `_create` / `_update` / `_fetch` — the service calls (run in the background);
- `_versions_dialog(latest)` — both versions side by side.

The base builds what every form shows alike: the summary line (`summary`), the rows' error
lines (`errors`, ui/field_errors.py: each problem under its field), 保存（Ctrl+Enter）and
キャンセル, the footer, and the draft timer. A form puts its rows into `content` with
`errors.add_row`, calls `_lay_out()`, and connects its inputs' changes to `_changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import date_and_time
from kyodo_desk.domain.errors import ConcurrentEdit, ConnectionLost, FieldProblem, ValidationError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.ui.conflict import Choice, VersionsDialog
from kyodo_desk.ui.draft_files import DraftFiles
from kyodo_desk.ui.field_errors import (
    ERROR_SUMMARY_STYLE,
    REFUSED,
    FieldErrors,
    say_on,
    summary_line,
)
from kyodo_desk.ui.messages import ask, show_error
from kyodo_desk.ui.number_box import NumberBox
from kyodo_desk.ui.operations import ReadOp, WriteOp
from kyodo_desk.ui.widgets import ctrl_enter

DRAFT_DELAY_MS = 1000  # the draft is written this long after the last change


class DraftedForm(QDialog):
    """Record a new record (detail None) or change one.

    After a successful save, `saved` holds the stored record and the dialog is accepted;
    `save_finished` tells every outcome of a save (True: stored).
    """

    save_finished = Signal(bool)
    field_order: ClassVar[Sequence[str]] = ()

    def __init__(self, db: Database, actor: Actor, detail: Any, drafts: DraftFiles[Any],
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.detail, self.drafts = db, actor, detail, drafts
        self.record_id: int | None = detail.id if detail else None
        self.saved: Any = None
        self.waiting_for_server = False
        self._base_version: int | None = detail.version if detail else None
        self._saving = self._closing = self._loading = False
        self._focus_before_save: QWidget | None = None
        self._busy_message = ""
        self._clean_state: Any = None
        self.errors = FieldErrors()
        self.summary = summary_line("formSummary")
        self.content = QWidget()
        self.save_button = QPushButton("保存（Ctrl+Enter）")
        self.save_button.setObjectName("saveButton")
        self.cancel_button = QPushButton("キャンセル")
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter in a field must never save by accident
            button.setDefault(False)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        ctrl_enter(self, self.save)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.write_draft)

    # --- what each form says ----------------------------------------------------------------
    def state(self) -> Any:
        raise NotImplementedError

    def _state_of(self, detail: Any) -> Any:
        raise NotImplementedError

    def _restore(self, state: Any) -> None:
        raise NotImplementedError

    def _local_problems(self, state: Any) -> list[FieldProblem]:
        return []

    def _show_problems(self, problems: Sequence[FieldProblem]) -> None:
        self._show_field_problems(problems)

    def _show_field_problems(self, problems: Sequence[FieldProblem], *,
                             inputs_for: Callable[[FieldProblem], Sequence[QWidget]] | None = None,
                             also: Sequence[QWidget] = ()) -> None:
        """Each problem on the red line under its row, the input framed, the first (in form
        order) focused; a problem about no row is said on the summary line.

        *inputs_for* and *also*: as `FieldErrors.show` (a field with several inputs)."""
        order = list(self.field_order)
        # Two inputs may refuse alike (two empty lines of a table): said once.
        ordered = sorted(dict.fromkeys(problems), key=lambda p: order.index(p.field)
                         if p.field in order else len(order))
        elsewhere = self.errors.show(ordered, inputs_for=inputs_for, also=also)
        if not problems:
            self.summary.hide()
            return
        self._say("\n".join([REFUSED, *(p.message for p in elsewhere)]))

    def _say(self, text: str) -> None:
        """The summary line, in red: what stops the save, or what became of it."""
        say_on(self.summary, text)

    def _versions_dialog(self, latest: Any) -> VersionsDialog:
        raise NotImplementedError

    @staticmethod
    def _create(db: Database, actor: Actor, draft: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def _update(db: Database, actor: Actor, record_id: int, version: int, draft: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def _fetch(db: Database, actor: Actor, record_id: int) -> Any:
        raise NotImplementedError

    def _stop_timers(self) -> None:
        self._draft_timer.stop()

    def _lay_out(self, extra_buttons: Sequence[QWidget] = ()) -> None:
        """Every form alike: the summary line, the fields, then the hint, the form's own
        buttons (*extra_buttons*), 保存 and キャンセル."""
        hint = self.hint = QLabel(
            "* は必須　　Ctrl+Enter で保存・Esc で閉じる。入力途中の内容は自動で下書きに残ります。")
        hint.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        for button in extra_buttons:
            buttons.addWidget(button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.content, 1)
        layout.addLayout(buttons)

    def _begin(self, state: Any) -> None:
        """Show *state* as the form's starting point, then offer a kept draft over it."""
        self._restore(state)
        self._clean_state = self.state()
        self._offer_draft()

    # --- drafts -----------------------------------------------------------------------------
    def is_dirty(self) -> bool:
        return self.state() != self._clean_state

    def _changed(self, *_args: object) -> None:
        """Any edit: the draft is written a moment after the last one."""
        if not self._loading and not self._closing:
            self._draft_timer.start()

    def _offer_draft(self) -> None:
        kept = self.drafts.load(self.actor.login, self.record_id)
        if kept is None:
            return
        if kept == self._clean_state:
            self.drafts.delete(self.actor.login, self.record_id)
            return
        when = f"（{date_and_time(kept.saved_at)} に自動保存）" if kept.saved_at else ""
        answer = ask(self, "入力途中の内容",
                     f"前回の入力途中の内容があります。復元しますか？\n{when}",
                     [("restore", "復元する"), ("discard", "破棄して新しく入力する")],
                     default="restore", escape="restore")
        if answer == "discard":
            self.drafts.delete(self.actor.login, self.record_id)
            return
        self._restore(kept)
        # Edits begun on an older version must not overwrite what was saved since: keep the
        # version they started from, so that saving shows the conflict instead.
        if kept.base_version is not None:
            self._base_version = kept.base_version

    def write_draft(self) -> None:
        """Keep what is typed on disk (or remove the draft when nothing differs any more)."""
        self._draft_timer.stop()
        if self.saved is not None:
            return
        state = self.state()
        try:
            if state == self._clean_state:
                self.drafts.delete(self.actor.login, self.record_id)
            else:
                self.drafts.save(self.actor.login, self.record_id, state)
        except OSError as exc:  # a full disk must not stop the counter; the form still holds it
            self._say(f"下書きを保存できませんでした（{exc.strerror or exc}）。"
                      "入力した内容は画面に残っています。")

    # --- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        if self._saving:
            return
        self._show_problems([])
        state = self.state()
        # A number box holding what cannot be stored is refused before anything else: its
        # state carries no number for it (ui/number_box.py).
        problems = [problem for box in self.findChildren(NumberBox)
                    if box.isVisibleTo(self) and (problem := box.problem()) is not None]
        problems = problems or self._local_problems(state)
        if problems:
            self._show_problems(problems)
            self.save_finished.emit(False)
            return
        self._set_saving(True)
        db, actor, draft = self.db, self.actor, state.draft
        record_id, version = self.record_id, self._base_version
        create, update = self._create, self._update

        def store() -> Any:
            if record_id is None:
                return create(db, actor, draft)
            assert version is not None
            return update(db, actor, record_id, version, draft)

        WriteOp(self, store, self._stored, failed=self._refused).run()

    def _set_saving(self, saving: bool, message: str = "保存しています…") -> None:
        """While the database works: the save button and the fields wait, the text stays."""
        self._saving = saving
        self.save_button.setEnabled(not saving)
        if saving:
            self._focus_before_save = self.focusWidget()
            self._busy_message = message
            say_on(self.summary, message, busy=True)
        self.content.setEnabled(not saving)
        if not saving:
            self.summary.setStyleSheet(ERROR_SUMMARY_STYLE)
            if self.summary.text() == self._busy_message:
                self.summary.hide()
            if self._focus_before_save is not None:
                self._focus_before_save.setFocus()

    def _stored(self, detail: Any) -> None:
        self._set_saving(False)
        self.waiting_for_server = False
        self._draft_timer.stop()
        self.drafts.delete(self.actor.login, self.record_id)  # 'new', or the record's own
        self.saved = detail
        self.detail, self.record_id, self._base_version = detail, detail.id, detail.version
        self._clean_state = self.state()
        self._closing = True
        self.save_finished.emit(True)
        self.accept()

    def _refused(self, exc: Exception) -> None:
        self._set_saving(False)
        if isinstance(exc, ValidationError):
            self._show_problems(exc.problems)
        elif isinstance(exc, ConcurrentEdit) and self.record_id is not None:
            self._resolve_conflict()
            return  # save_finished is told once the user has chosen
        elif isinstance(exc, ConnectionLost):
            self.waiting_for_server = True
            self.write_draft()
            self._say(f"{exc.message}\n入力した内容は残っています。"
                      "接続が戻りしだい、自動でもう一度保存します。")
        else:  # PermissionDenied, NotFound, a read-only database, the unexpected
            show_error(self, exc)
        self.save_finished.emit(False)

    def retry_when_connected(self) -> None:
        """The server answers again: save what was waiting (called by the tab)."""
        if self.waiting_for_server and self.isVisible() and not self._saving:
            self.save()

    def _resolve_conflict(self) -> None:
        assert self.record_id is not None
        db, actor, record_id, fetch = self.db, self.actor, self.record_id, self._fetch
        self._set_saving(True, "他の窓口で保存された内容を読み込んでいます…")

        def choose(latest: Any) -> None:
            self._set_saving(False)
            dialog = self._versions_dialog(latest)
            dialog.exec()
            if dialog.choice is Choice.LOAD_THEIRS:
                self.detail, self._base_version = latest, latest.version
                self._restore(self._state_of(latest))
                self._clean_state = self.state()
                self.write_draft()
                self.save_finished.emit(False)
            elif dialog.choice is Choice.SAVE_MINE:
                self._base_version = latest.version  # what is typed is saved over this version
                self.save()
            else:
                self.write_draft()
                self.save_finished.emit(False)

        def failed(exc: Exception) -> None:
            self._set_saving(False)
            show_error(self, exc)
            self.save_finished.emit(False)

        ReadOp(self, lambda: fetch(db, actor, record_id), choose, failed=failed).run()

    # --- closing ----------------------------------------------------------------------------
    def reject(self) -> None:
        if self._closing:  # already decided (QDialog's own closeEvent comes back here)
            super().reject()
            return
        if self._saving:
            return  # the save under way decides; closing now could lose its answer
        if self.is_dirty():
            self.write_draft()  # kept even if the question below is never answered
            answer = ask(self, "入力内容の確認",
                         "入力した内容はまだ保存されていません。\n"
                         "下書きを残すと、次にこの画面を開いたときに復元できます。",
                         [("keep", "下書きを残して閉じる"), ("discard", "破棄して閉じる"),
                          ("continue", "入力を続ける")],
                         default="continue", escape="continue")
            if answer == "continue":
                return
            if answer == "discard":
                self.drafts.delete(self.actor.login, self.record_id)
        else:
            self.drafts.delete(self.actor.login, self.record_id)
        self._closing = True
        self._stop_timers()
        super().reject()

    def close_keeping_draft(self) -> None:
        """Close without asking, what is typed kept as a draft for the next sign-in."""
        if self.is_dirty():
            self.write_draft()
        self._closing = True
        self._stop_timers()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing and self.result() != QDialog.DialogCode.Accepted:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
