"""An account disabled (or given another role) while its window is open: the next thing the
window asks of the database is refused, the window says why, keeps what was typed as a draft
and closes, so the counter signs in again."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QMessageBox

from kyodo_desk.domain.permissions import Role
from kyodo_desk.services import accounts
from kyodo_desk.ui.consultations.drafts import DraftStore
from kyodo_desk.ui.consultations.form import ConsultationForm
from kyodo_desk.ui.tasks import pending_jobs
from tests.ui.conftest import type_text


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a, **_k:
                        shown.append(text) or QMessageBox.StandardButton.Ok)
    return shown


@pytest.mark.parametrize(("change", "says"), [("disable", "無効にされました"),
                                               ("role", "役割または所属施設")])
def test_the_window_says_why_keeps_the_typing_and_returns_to_the_sign_in(
        qtbot, window, db, admin, facilities, tmp_path: Path, warnings: list[str],
        change: str, says: str) -> None:  # type: ignore[no-untyped-def]
    store = DraftStore(tmp_path / "drafts")
    form = ConsultationForm(db, window.actor, detail=None, drafts=store)
    qtbot.addWidget(form)
    form.show()
    type_text(qtbot, form.asked, "定款の書き方を相談したい。")

    if change == "disable":
        accounts.set_active(db, admin, "staff", False)
    else:
        accounts.set_role(db, admin, "staff", Role.ADVISOR, facilities["salon"])
    window.contacts.refresh()  # the next search goes to the database and is refused

    qtbot.waitUntil(lambda: window.signed_out and not window.isVisible())
    assert len(warnings) == 1 and says in warnings[0]
    assert "入力中の内容は下書きとして残してあります" in warnings[0]
    assert not shiboken6.isValid(form) or not form.isVisible()
    kept = store.load("staff", None)
    assert kept is not None and kept.draft.asked == "定款の書き方を相談したい。"
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, ConsultationForm) and w.isVisible()]


def test_a_second_refusal_at_the_same_moment_says_it_once(
        qtbot, window, db, admin, warnings: list[str]) -> None:  # type: ignore[no-untyped-def]
    accounts.set_active(db, admin, "staff", False)
    window.contacts.refresh()
    if window.consultations is not None:
        window.consultations.refresh()
    qtbot.waitUntil(lambda: window.signed_out and not window.isVisible())
    qtbot.waitUntil(lambda: pending_jobs() == 0)  # the other refusals, delivered too
    assert len(warnings) == 1


def test_a_refusal_meant_for_a_window_closed_before_is_not_this_ones(
        qtbot, db, actor, admin, warnings: list[str]) -> None:  # type: ignore[no-untyped-def]
    """A late answer to a window of an earlier sign-in never closes the one open now."""
    from kyodo_desk.ui.main_window import MainWindow

    old, new = MainWindow(db, actor), MainWindow(db, actor)
    for win in (old, new):
        qtbot.addWidget(win)
        win.live.stop()
    accounts.set_active(db, admin, "staff", False)
    old.contacts.refresh()
    qtbot.waitUntil(lambda: old.signed_out)
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    assert not new.signed_out and len(warnings) == 1
