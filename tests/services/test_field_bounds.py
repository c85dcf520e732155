"""Bad input never reaches the database: each save of a value that cannot be stored is
refused with a Japanese message naming the field, and nothing is written (both databases)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import AuditEntry, Contact, Event, GrantProgramme, Registration
from kyodo_desk.services import contacts, events, grants
from kyodo_desk.services.consultations import topics
from kyodo_desk.services.events import SessionDraft, registrations
from tests.event_fixtures import event_draft, make_event, person
from tests.grant_fixtures import programme_draft

CLI = Actor.command_line()


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(model))


def refused(call, field: str, says: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.for_field(field) is not None, caught.value.problems
    assert says in caught.value.for_field(field)


@pytest.mark.parametrize(("name", "says"), [
    ("山田\x00太郎", "使えない文字"),
    ("山田\udc80太郎", "使えない文字"),
    ("長" * 3_000, "200文字までです"),  # past PostgreSQL's index entry limit, too
    ("\u200b\u3000\u2060", "見えない文字だけ"),
])
def test_a_contact_that_cannot_be_stored_is_refused_and_nothing_is_written(
        db, actor, name: str, says: str) -> None:  # type: ignore[no-untyped-def]
    before, logged = count(db, Contact), count(db, AuditEntry)
    draft = contacts.ContactDraft(kind=contacts.ContactKind.PERSON, name=name)
    refused(lambda: contacts.create_contact(db, actor, draft), "name", says)
    assert (count(db, Contact), count(db, AuditEntry)) == (before, logged)


def test_a_change_out_of_bounds_keeps_the_record_and_its_version(db, actor) -> None:
    saved = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=contacts.ContactKind.GROUP, name="あきた音楽の会",
        group_type=contacts.GroupType.CIVIC_GROUP))
    draft = replace(saved.as_draft(), notes="メモ" * 1_001)
    refused(lambda: contacts.update_contact(db, actor, saved.id, saved.version, draft),
            "notes", "備考は2,000文字までです")
    again = contacts.get_contact(db, actor, saved.id)
    assert (again.version, again.notes) == (saved.version, saved.notes)


def test_an_event_session_in_year_one_is_refused_naming_the_sessions(db, facilities) -> None:
    before = count(db, Event)
    draft = event_draft(facilities["east"], sessions=(SessionDraft(date(1, 1, 5)),),
                        signup_opens_on=None, signup_closes_on=None)
    refused(lambda: events.create_event(db, CLI, draft), "sessions", "1年1月5日は扱えない日付")
    assert count(db, Event) == before


def test_a_sign_up_note_with_a_nul_is_refused(db, actor, facilities) -> None:
    event = make_event(db, facilities["east"])
    who = person(db, "秋田 花子")
    refused(lambda: registrations.sign_up(db, actor, event.id, registrations.SignUpDraft(
        who, notes="車いす\x00")), "notes", "配慮事項・メモに使えない文字")
    assert count(db, Registration) == 0


def test_a_programme_criterion_of_invisible_characters_is_refused(db) -> None:
    before = count(db, GrantProgramme)
    draft = programme_draft()
    bad = replace(draft, criteria=(replace(draft.criteria[0], name="\u3164\u3164"),
                                   *draft.criteria[1:]))
    refused(lambda: grants.create_programme(db, CLI, bad), "criteria", "審査の観点が空白や見えない文字")
    assert count(db, GrantProgramme) == before


def test_a_topic_name_with_a_control_character_is_refused(db, admin) -> None:
    with pytest.raises(ValidationError) as caught:
        topics.add_topic(db, admin, "広報\x1b[31m")
    assert "使えない文字" in caught.value.message
