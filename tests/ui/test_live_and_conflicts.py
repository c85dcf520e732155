"""Several counters at once, as the person at one of them sees it."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind
from kyodo_desk.ui.contacts import conflict
from kyodo_desk.ui.contacts.form import ContactForm


@pytest.fixture
def other_counter(database_url: str, accounts_by_login):  # type: ignore[no-untyped-def]
    """Another counter's PC: its own connection, its own account."""
    other = open_database(database_url)
    yield other, accounts_by_login["staff_west"]
    other.dispose()


def names(tab) -> list[str]:  # type: ignore[no-untyped-def]
    return [tab.model.entry(r).name for r in range(tab.model.rowCount())]


def test_a_contact_saved_at_another_counter_appears_without_a_restart(
        window, qtbot, other_counter) -> None:  # type: ignore[no-untyped-def]
    tab = window.contacts
    qtbot.waitUntil(lambda: window.connection_label.text() == "" and tab.model.rowCount() == 8)
    other_db, other_actor = other_counter
    selected = tab.current_ref()
    svc.create_contact(other_db, other_actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=svc.GroupType.NPO, name="NPO法人あきた見守りネット",
        reading="あきたみまもりねっと"))
    qtbot.waitUntil(lambda: "NPO法人あきた見守りネット" in names(tab))
    assert tab.current_ref() == selected  # the selection stayed where the user had it


def test_the_second_save_shows_both_versions_and_can_reload(
        window, qtbot, db, actor, other_counter, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="佐々木 健太", reading="ささき けんた", phone="018-888-1000"))
    form = ContactForm(window.db, actor, window.contacts,
                       contact=svc.get_contact(db, actor, created.id))
    qtbot.addWidget(form)
    form.phone.setText("018-888-2000")

    other_db, other_actor = other_counter
    theirs = svc.get_contact(other_db, other_actor, created.id)
    svc.update_contact(other_db, other_actor, created.id, theirs.version, ContactDraft(
        kind=ContactKind.PERSON, name="佐々木 健太", reading="ささき けんた", phone="018-888-3000"))

    shown: list[list[tuple[str, str, str]]] = []

    def choose(choice):  # type: ignore[no-untyped-def]
        def exec_(dialog) -> int:  # type: ignore[no-untyped-def]
            shown.append([tuple(dialog.table.item(r, c).text() for c in range(3))
                          for r in range(dialog.table.rowCount())])
            dialog.choice = choice
            return 1
        return exec_

    # 1. Keep editing: nothing saved, the typed phone is still in the form.
    monkeypatch.setattr(conflict.ConflictDialog, "exec", choose(conflict.Choice.KEEP_EDITING))
    with qtbot.waitSignal(form.save_finished) as finished:
        form.save()
    assert finished.args == [False]
    assert shown[-1] == [("電話番号", "018-888-2000", "018-888-3000")]
    assert form.phone.text() == "018-888-2000"
    assert svc.get_contact(db, actor, created.id).phone == "018-888-3000"

    # 2. Save mine over theirs, knowingly: my value wins, nothing else is lost.
    monkeypatch.setattr(conflict.ConflictDialog, "exec", choose(conflict.Choice.SAVE_MINE))
    with qtbot.waitSignal(form.save_finished) as finished:
        form.save()
    assert finished.args == [True]
    assert svc.get_contact(db, actor, created.id).phone == "018-888-2000"


def test_reload_replaces_the_typed_text_with_the_saved_version(
        window, qtbot, db, actor, other_counter, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="工藤 誠"))
    form = ContactForm(window.db, actor, window.contacts,
                       contact=svc.get_contact(db, actor, created.id))
    qtbot.addWidget(form)
    form.address.setText("秋田市山王一丁目")
    other_db, other_actor = other_counter
    svc.update_contact(other_db, other_actor, created.id, 1, ContactDraft(
        kind=ContactKind.PERSON, name="工藤 誠", address="秋田市手形"))
    monkeypatch.setattr(conflict.ConflictDialog, "exec",
                        lambda dialog: setattr(dialog, "choice", conflict.Choice.LOAD_THEIRS))
    with qtbot.waitSignal(form.save_finished):
        form.save()
    assert form.address.text() == "秋田市手形"
    assert not form.is_dirty()


def test_a_save_during_a_lost_connection_waits_and_goes_through_when_it_returns(
        window, qtbot, db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = window.contacts
    form = tab.open_new(ContactKind.PERSON)
    form.name.setText("再接続 待ち")
    real_create = svc.create_contact
    monkeypatch.setattr(svc, "create_contact", lambda *a, **k: (_ for _ in ()).throw(
        ConnectionLost("データベースに接続できません。今の操作は保存されていません。")))
    with qtbot.waitSignal(form.save_finished):
        form.save()
    assert form.isVisible() and form.name.text() == "再接続 待ち"
    assert "接続が戻りしだい" in form.summary.text()

    window._connection_changed(False)
    assert "接続が切れています" in window.connection_label.text()
    monkeypatch.setattr(svc, "create_contact", real_create)
    tab.on_connection(True)  # what the watcher reports when the server answers again
    qtbot.waitUntil(lambda: not any(isinstance(w, ContactForm) and w.isVisible()
                                    for w in QApplication.topLevelWidgets()))
    assert [e.name for e in svc.search_contacts(db, actor, "再接続").entries] == ["再接続 待ち"]


def test_differences_lists_only_changed_fields() -> None:
    mine = ContactDraft(kind=ContactKind.PERSON, name="A", phone="1", notes="x")
    theirs = ContactDraft(kind=ContactKind.PERSON, name="A", phone="2", notes="x ")
    assert conflict.differences(mine, theirs) == [("電話番号", "1", "2")]
