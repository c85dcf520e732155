"""A window left open keeps no right its account has lost: disabling an account, or changing
its role or facility, takes effect at its very next service call (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import AccountChanged
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.models import AuditEntry, Consultation, Contact
from kyodo_desk.services import accounts, consultations, contacts, events
from kyodo_desk.services.consultations.listing import ConsultationFilter, list_consultations
from kyodo_desk.services.events import registrations
from tests.consultation_fields import valid
from tests.event_fixtures import make_event, person


def counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return tuple(session.scalar(select(func.count()).select_from(m))  # type: ignore[return-value]
                     for m in (Contact, Consultation, AuditEntry))


def calls(db, actor, facilities):  # type: ignore[no-untyped-def]
    """What a counter does all day, read and write, in every part of the app."""
    event = make_event(db, facilities["east"])
    who = person(db, "秋田 花子")
    return {
        "連絡先の検索": lambda: contacts.search_contacts(db, actor, "秋田"),
        "施設の一覧": lambda: contacts.search_facilities(db, actor),
        "連絡先の登録": lambda: contacts.create_contact(db, actor, contacts.ContactDraft(
            kind=contacts.ContactKind.PERSON, name="新規 一郎")),
        "相談記録の一覧": lambda: list_consultations(db, actor, ConsultationFilter()),
        "相談の記録": lambda: consultations.create_consultation(db, actor, consultations.ConsultationDraft(
            facility_id=facilities["east"], asked="手続きの相談", held_on=date.today() - timedelta(days=1),
            **valid({}))),
        "イベントの一覧": lambda: events.list_events(db, actor),
        "イベントの受付": lambda: registrations.sign_up(db, actor, event.id,
                                                      registrations.SignUpDraft(who)),
    }


def test_every_call_works_while_the_account_is_as_it_was(db, actor, facilities) -> None:
    for call in calls(db, actor, facilities).values():
        call()


@pytest.mark.parametrize(("change", "says"), [
    ("disable", "無効にされました"),
    ("role", "役割または所属施設が管理者によって変更されました"),
    ("facility", "役割または所属施設が管理者によって変更されました"),
])
def test_after_the_change_every_call_is_refused_and_nothing_is_written(
        db, actor, admin, facilities, change: str, says: str) -> None:  # type: ignore[no-untyped-def]
    todo = calls(db, actor, facilities)
    if change == "disable":
        accounts.set_active(db, admin, "staff", False)
    elif change == "role":
        accounts.set_role(db, admin, "staff", Role.ADVISOR, facilities["east"])
    else:
        accounts.set_role(db, admin, "staff", Role.COUNTER_STAFF, facilities["west"])
    before = counts(db)
    for name, call in todo.items():
        with pytest.raises(AccountChanged) as refused:
            call()
        assert says in refused.value.message, name
    assert counts(db) == before


def test_signing_in_again_gives_the_new_rights(db, actor, admin, facilities) -> None:
    accounts.set_role(db, admin, "staff", Role.COUNTER_STAFF, facilities["west"])
    fresh, _ = accounts.sign_in(db, "staff", "kyodo-test-pass")
    assert fresh.facility_id == facilities["west"]
    assert contacts.search_facilities(db, fresh)


def test_the_command_line_acts_for_no_account_and_is_never_refused(db, admin) -> None:
    accounts.set_active(db, admin, "staff", False)
    assert contacts.search_facilities(db, Actor.command_line())
