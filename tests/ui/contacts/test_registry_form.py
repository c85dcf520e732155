"""The contact form's 団体の登録情報 and 地域: every field round trip, a draft restored, the
地域 following the address until the clerk picks one; the detail pane, 確認済みにする, the
地域 filter, the unconfirmed list and the administrator's 活動分野 dialog."""

from __future__ import annotations

import gc
from datetime import date

import pytest
from PySide6.QtCore import QDate, QThreadPool
from PySide6.QtWidgets import QInputDialog

from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType, registry
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.admin.topics_dialog import RETIRED, ActivityFieldsDialog
from kyodo_desk.ui.contacts.form import ContactForm
from kyodo_desk.ui.contacts.unconfirmed_window import UnconfirmedGroupsDialog
from kyodo_desk.ui.tasks import pending_jobs
from tests.ui.conftest import type_text

SHOTS = "/tmp/shots"


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


def fill_registry(form, chair_id: int, fields) -> None:  # type: ignore[no-untyped-def]
    page = form.registry
    page.legal_form.setCurrentIndex(page.legal_form.findData("特定非営利活動法人"))
    page.representative.restore("川辺 一郎", chair_id)
    for box, wanted in zip(page.field_boxes, fields, strict=False):
        box.setCurrentIndex(next(i for i in range(box.count())
                                 if box.itemData(i) is not None and box.itemData(i).id == wanted.id))
    page.activity_area.setText("河辺地域")
    page.member_count.setText("24")
    page.founded_on.setDate(QDate(2015, 4, 1))
    page.sns.setPlainText("https://x.com/kawabe")
    page.listed.setChecked(True)
    page.public_boxes["phone"].setChecked(True)
    page.public_boxes["activity_fields"].setChecked(True)
    page.confirmed.setChecked(True)


def test_every_registry_field_round_trips_through_the_form(window, qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    chair = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="川辺 一郎"))
    fields = registry.list_activity_fields(db, actor)
    form = window.contacts.open_new(ContactKind.GROUP)
    assert form.tabs.isTabVisible(1)
    qtbot.waitUntil(lambda: form.registry.field_boxes[0].count() > 20)
    form.group_type.setCurrentIndex(form.group_type.findData(GroupType.NPO))
    type_text(qtbot, form.name, "川辺の森の会")
    form.district.combo.setCurrentIndex(form.district.combo.findData("河辺"))
    form.district.by_hand = True
    fill_registry(form, chair.id, [fields[2], fields[0]])
    form.tabs.setCurrentIndex(1)
    form.grab().save(f"{SHOTS}/group_form_registry.png")
    assert form.frameGeometry().height() <= 800
    with qtbot.waitSignal(form.save_finished):
        form.save()
    saved = form.saved
    assert saved is not None
    got = svc.get_contact(db, actor, saved.id)
    assert (got.district, got.legal_form, got.activity_area, got.member_count) == (
        "河辺", "特定非営利活動法人", "河辺地域", 24)
    assert got.representative == Affiliation(chair.id, "川辺 一郎")
    assert [f.id for f in got.activity_fields] == [fields[2].id, fields[0].id]
    assert got.founded_on == date(2015, 4, 1) and got.sns == "https://x.com/kawabe"
    assert got.listed_publicly and got.public_fields == ("phone", "activity_fields")
    assert got.confirmed_on == date.today()
    # Opened again, the form shows exactly what is stored.
    reopened = ContactForm(db, actor, window.contacts, contact=got)
    qtbot.addWidget(reopened)
    qtbot.waitUntil(lambda: reopened.registry.field_boxes[0].count() > 20)
    assert reopened.draft() == got.as_draft()
    assert "最終確認日" in reopened.registry.confirmed_on.text()
    reopened.close_keeping_draft()
    settle(qtbot)


def test_a_draft_keeps_every_registry_field(window, qtbot, db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    chair = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="川辺 一郎"))
    fields = registry.list_activity_fields(db, actor)
    form = window.contacts.open_new(ContactKind.GROUP)
    qtbot.waitUntil(lambda: form.registry.field_boxes[0].count() > 20)
    type_text(qtbot, form.name, "下書きの会")
    fill_registry(form, chair.id, [fields[1]])
    form.registry.member_count.setText("たくさん")  # not a number: kept as typed
    typed = form.state()
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "keep")
    form.reject()
    monkeypatch.setattr(drafted_form, "ask", lambda *_a, **_k: "restore")
    again = window.contacts.open_new(ContactKind.GROUP)
    assert again.state() == typed
    assert again.registry.member_count.text() == "たくさん"
    assert again.registry.representative.chosen_id() == chair.id
    assert again.registry.public_boxes["phone"].isChecked()
    again.close_keeping_draft()
    settle(qtbot)


def test_the_district_follows_the_address_until_picked_by_hand(window, qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    form = window.contacts.open_new(ContactKind.PERSON)
    district = form.district
    type_text(qtbot, form.address, "秋田市広面字鍋沼")
    qtbot.waitUntil(lambda: district.hint.text() == "住所から: 東部")
    assert district.value() == "東部"
    form.address.clear()
    type_text(qtbot, form.address, "秋田市河辺和田")
    qtbot.waitUntil(lambda: district.hint.text() == "住所から: 河辺")
    assert district.value() == "河辺"
    # The clerk picks one: a later address only says what it suggests.
    district.combo.activated.emit(district.combo.findData("中央"))
    district.combo.setCurrentIndex(district.combo.findData("中央"))
    form.address.clear()
    type_text(qtbot, form.address, "秋田市広面")
    qtbot.waitUntil(lambda: district.hint.text() == "住所から: 東部")
    assert district.value() == "中央"
    form.close_keeping_draft()
    settle(qtbot)


def test_a_registry_problem_shows_on_its_page(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    form = window.contacts.open_new(ContactKind.GROUP)
    form.group_type.setCurrentIndex(1)
    type_text(qtbot, form.name, "SNSの会")
    form.registry.sns.setPlainText("フェイスブックで検索")
    with qtbot.waitSignal(form.save_finished):
        form.save()
    assert form.tabs.currentIndex() == 1
    assert "https://" in form.errors.message("sns")
    form.close_keeping_draft()
    settle(qtbot)


def test_the_detail_pane_shows_the_registry_and_confirms_in_one_click(window, qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    chair = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="川辺 一郎"))
    field = registry.list_activity_fields(db, actor)[0]
    svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name="川辺の森の会", reading="かわべのもりのかい",
        address="秋田市河辺和田", district="河辺", legal_form="特定非営利活動法人",
        representative=Affiliation(chair.id, ""), activity_fields=(field,), member_count=24,
        founded_on=date(2015, 4, 1), sns="https://x.com/kawabe", activity_area="河辺地域"))
    tab = window.contacts
    with qtbot.waitSignal(tab.search_finished):
        tab.search.setText("かわべのもり")
    qtbot.waitUntil(lambda: tab.detail.title.text() == "川辺の森の会")
    pane = tab.detail
    shown = {key: pane._rows[key][1].text() for key in ("district", "legal_form",
                                                        "representative", "activity_fields",
                                                        "member_count", "confirmed_on")}
    assert shown == {"district": "河辺", "legal_form": "特定非営利活動法人",
                     "representative": "川辺 一郎", "activity_fields": field.name,
                     "member_count": "24人", "confirmed_on": "未確認"}
    window.resize(1280, 800)
    window.grab().save(f"{SHOTS}/contact_detail_registry.png")
    assert pane.confirm_button.isVisible()
    pane.confirm_button.click()
    qtbot.waitUntil(lambda: pane._rows["confirmed_on"][1].text() not in ("", "未確認"))
    assert svc.search_contacts(db, actor, "かわべのもり").entries
    settle(qtbot)


def test_the_district_filter_narrows_the_list_and_its_count(window, qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    for name, district in (("河辺の会", "河辺"), ("雄和の会", "雄和"), ("地域なしの会", "")):
        svc.create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, name=name,
                                                   group_type=GroupType.CIVIC_GROUP,
                                                   district=district))
    tab = window.contacts
    with qtbot.waitSignal(tab.search_finished):
        tab.district_filter.setCurrentIndex(tab.district_filter.findData("河辺"))
    assert [tab.model.entry(r).name for r in range(tab.model.rowCount())] == ["河辺の会"]
    assert tab.count.text() == "1 件"
    with qtbot.waitSignal(tab.search_finished):
        tab.district_filter.setCurrentIndex(tab.district_filter.findData(""))
    assert "地域なしの会" in [tab.model.entry(r).name for r in range(tab.model.rowCount())]
    assert "雄和の会" not in [tab.model.entry(r).name for r in range(tab.model.rowCount())]
    settle(qtbot)


def test_the_unconfirmed_list_opens_the_group(qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    old = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, name="古い会",
                                                     group_type=GroupType.CIVIC_GROUP))
    registry.confirm_contact(db, actor, old.id, old.version, today=date(2020, 1, 1))
    fresh = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, name="新しい会",
                                                       group_type=GroupType.CIVIC_GROUP))
    registry.confirm_contact(db, actor, fresh.id, fresh.version)
    dialog = UnconfirmedGroupsDialog(db, actor)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert "古い会" in names and "新しい会" not in names
    row = names.index("古い会")
    assert dialog.table.item(row, 5).text().startswith(("2020年", "令和2年"))
    dialog.table.selectRow(row)
    with qtbot.waitSignal(dialog.open_requested) as opened:
        dialog.open_button.click()
    assert opened.args == [old.id]
    settle(qtbot)


@pytest.fixture
def fields_dialog(qtbot, db, admin):  # type: ignore[no-untyped-def]
    dialog = ActivityFieldsDialog(db, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    yield dialog
    settle(qtbot)
    dialog.close()
    dialog.deleteLater()
    gc.collect()


def test_the_activity_fields_are_kept_by_the_same_dialog_as_the_topics(
        qtbot, db, actor, fields_dialog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dialog = fields_dialog
    qtbot.waitUntil(lambda: dialog.list.count() == 20)
    assert dialog.windowTitle() == "団体の活動分野"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("地域の見守り", True))
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 21)
    dialog.up_button.click()
    qtbot.waitUntil(lambda: dialog.list.item(19).text() == "地域の見守り")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("見守り・防犯", True))
    dialog.rename_button.click()
    qtbot.waitUntil(lambda: dialog.list.item(19).text() == "見守り・防犯")
    dialog.retire_button.click()
    qtbot.waitUntil(lambda: dialog.list.item(19).text() == f"見守り・防犯　{RETIRED}")
    dialog.resize(520, 560)
    dialog.grab().save(f"{SHOTS}/activity_fields_dialog.png")
    offered = [f.name for f in registry.list_activity_fields(db, actor)]
    assert "見守り・防犯" not in offered and len(offered) == 20
    names = [f.name for f in registry.list_activity_fields(db, actor, include_inactive=True)]
    assert names[19] == "見守り・防犯"


def test_a_person_form_has_no_registry_page(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    form = window.contacts.open_new(ContactKind.PERSON)
    assert not form.tabs.isTabVisible(1)
    form.group_kind.setChecked(True)
    assert form.tabs.isTabVisible(1)
    form.close_keeping_draft()
    settle(qtbot)


def test_a_person_draft_drops_what_a_group_would_have(db, actor) -> None:  # type: ignore[no-untyped-def]
    draft = ContactDraft(kind=ContactKind.PERSON, name="個人 さん", legal_form="株式会社")
    assert svc.clean_draft(draft).legal_form == ""
