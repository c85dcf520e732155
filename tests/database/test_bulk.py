"""Bulk writes (database/bulk.py, audit.insert_rows, contacts.add_contacts): records written a
few thousand at a time — by COPY on PostgreSQL — are stored, found, audited and matched as
records saved one by one are."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kyodo_desk.database.bulk import _COPIED_FROM
from kyodo_desk.models import AuditEntry, Contact, ContactKind, GroupType, Membership
from kyodo_desk.models.contacts import ContactActivityField
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft
from kyodo_desk.services.contacts.duplicates import likely_duplicates
from kyodo_desk.services.contacts.registry import list_activity_fields


@pytest.mark.parametrize("count", [3, _COPIED_FROM + 7], ids=["by INSERT", "by COPY"])
def test_contacts_written_in_bulk_are_found_audited_and_matched(db, actor, admin, count: int) -> None:  # type: ignore[no-untyped-def]
    field = list_activity_fields(db, admin)[0]
    people = [svc.clean_draft(ContactDraft(
        kind=ContactKind.PERSON, name=f"一括 太郎{n}", reading="いっかつ たろう",
        phone=f"018-800-{n:04d}", email=f"taro{n}@example.jp", notes="個人のメモ"))
        for n in range(count)]
    with db.writing(admin) as session:
        ids = svc.add_contacts(session, people)
        group = svc.clean_draft(ContactDraft(
            kind=ContactKind.GROUP, name="一括の会", group_type=GroupType.CIVIC_GROUP,
            representative=Affiliation(ids[0], people[0].name), activity_fields=(field,)))
        (group_id,) = svc.add_contacts(session, [group])
        version_before = session.scalar(select(Contact.version).where(Contact.id == ids[0]))
        svc.add_memberships(session, [(ids[0], group_id, "代表")])

    assert ids == sorted(ids) and len(set(ids)) == count
    found = svc.search_contacts(db, actor, f"一括 太郎{count - 1}").entries
    assert [e.ref.id for e in found] == [ids[-1]]
    assert ids[0] in {e.ref.id for e in svc.search_contacts(db, actor, "018-800-0000").entries}
    stored = svc.get_contact(db, actor, ids[-1])
    assert (stored.name, stored.phone, stored.notes) == (people[-1].name, people[-1].phone,
                                                          "個人のメモ")
    kept = svc.get_contact(db, actor, group_id)
    assert kept.representative is not None and kept.representative.contact_id == ids[0]
    assert [f.name for f in kept.activity_fields] == [field.name]
    # The form's own duplicate check meets a record written in bulk.
    twin = ContactDraft(kind=ContactKind.PERSON, name="一括 太郎1", phone="018-800-0001")
    assert ids[1] in {d.contact_id for d in likely_duplicates(db, actor, twin)}

    # Audited as a save one by one is: one row per record, the same fields the same way.
    usual = svc.create_contact(db, admin, people[-1])
    with db.reading(None) as session:
        audited = {record: changes for record, changes in session.execute(
            select(AuditEntry.record_id, AuditEntry.changes).where(
                AuditEntry.table_name == "contacts", AuditEntry.action == "insert",
                AuditEntry.record_id.in_([*ids, usual.id])))}
        assert sorted(audited) == [*ids, usual.id]
        bulk, saved = audited[ids[-1]], audited[usual.id]
        assert bulk.keys() == saved.keys()
        assert {k: v for k, v in bulk.items() if k != "id"} == {
            k: v for k, v in saved.items() if k != "id"}
        assert session.scalar(select(func.count()).select_from(ContactActivityField)
                              .where(ContactActivityField.contact_id == group_id)) == 1
        assert session.scalar(select(func.count()).select_from(Membership)
                              .where(Membership.group_id == group_id)) == 1
        # A membership is the person's own row: their version moved, as at a save.
        assert session.scalar(select(Contact.version).where(Contact.id == ids[0])) \
            == version_before + 1

    # Numbers drawn ahead never collide with a record saved the usual way.
    assert usual.id > max([*ids, group_id])
