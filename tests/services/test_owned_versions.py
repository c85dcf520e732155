"""A save that changes only a record's own rows (its topics, groups, sessions, criteria,
documents; a case's documents and notes) raises the record's version, so a form opened
before it is refused with the versions dialog instead of saving over it. The other counter
is a separate process with its own connection, as at two counters (both databases)."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import ConcurrentEdit
from kyodo_desk.domain.grants import Criterion
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import consultations, contacts, events, grants
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind
from kyodo_desk.services.events import SessionDraft
from kyodo_desk.services.grants import cases as grant_cases
from tests.consultation_fields import valid
from tests.event_fixtures import make_event
from tests.grant_fixtures import group, make_case, make_programme

CLI = Actor.command_line()
MOVED_TO = date(2027, 2, 3)


def _other_counter(url: str, kind: str, record_id: int, extra: int, who: Actor) -> None:
    """At another counter: open the record fresh and change only its own rows."""
    db = open_database(url)
    try:
        if kind == "topics":
            c = consultations.get_consultation(db, who, record_id)
            consultations.update_consultation(db, who, record_id, c.version,
                                              replace(c.as_draft(), topic_ids=(extra,)))
        elif kind == "groups":
            p = contacts.get_contact(db, CLI, record_id)
            contacts.update_contact(db, CLI, record_id, p.version, replace(
                p.as_draft(), groups=(Affiliation(extra, "", "会計"),)))
        elif kind == "sessions":
            e = events.get_event(db, CLI, record_id)
            moved = tuple(replace(s, held_on=MOVED_TO) for s in e.as_draft().sessions)
            events.update_event(db, CLI, record_id, e.version, replace(e.as_draft(),
                                                                       sessions=moved))
        elif kind == "criteria":
            p = grants.get_programme(db, CLI, record_id)
            draft = p.as_draft()
            grants.update_programme(db, CLI, record_id, p.version, replace(
                draft, criteria=(*draft.criteria, Criterion("地域への波及", 1, 5))))
        elif kind == "documents":
            p = grants.get_programme(db, CLI, record_id)
            draft = p.as_draft()
            grants.update_programme(db, CLI, record_id, p.version, replace(
                draft, documents=draft.documents[:-1]))
        elif kind == "case-note":
            grant_cases.add_note(db, CLI, record_id, "団体から電話: 会場が決まった。")
    finally:
        db.dispose()


def at_another_counter(url: str, kind: str, record_id: int, extra: int = 0,
                       who: Actor = CLI) -> None:
    process = multiprocessing.get_context("spawn").Process(
        target=_other_counter, args=(url, kind, record_id, extra, who))
    process.start()
    process.join()
    assert process.exitcode == 0


def test_a_consultations_topics_alone(db, database_url, actor, facilities, topics) -> None:  # type: ignore[no-untyped-def]
    mine = consultations.create_consultation(db, actor, consultations.ConsultationDraft(
        facility_id=facilities["east"], asked="会の広報について", held_on=date.today() - timedelta(days=1),
        **valid({"topic_ids": (topics["広報・PR"],)})))
    at_another_counter(database_url, "topics", mine.id, topics["団体運営"], actor)
    with pytest.raises(ConcurrentEdit):
        consultations.update_consultation(db, actor, mine.id, mine.version, replace(
            mine.as_draft(), answered="チラシの作り方を案内した。"))
    assert consultations.get_consultation(db, actor, mine.id).topic_ids == (topics["団体運営"],)


def test_a_persons_groups_alone(db, database_url, actor) -> None:  # type: ignore[no-untyped-def]
    club = contacts.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, name="秋田川柳の会", group_type=contacts.GroupType.CIVIC_GROUP))
    mine = contacts.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON,
                                                           name="川柳 花子"))
    at_another_counter(database_url, "groups", mine.id, club.id)
    with pytest.raises(ConcurrentEdit):
        contacts.update_contact(db, actor, mine.id, mine.version,
                                replace(mine.as_draft(), phone="018-888-5640"))
    assert [g.contact_id for g in contacts.get_contact(db, actor, mine.id).groups] == [club.id]


def test_an_events_sessions_alone_the_moved_date_stays(db, database_url, facilities) -> None:  # type: ignore[no-untyped-def]
    mine = make_event(db, facilities["east"], sessions=(
        SessionDraft(date(2027, 1, 4), time(10), time(12), "第1回"),), signup_closes_on=None)
    at_another_counter(database_url, "sessions", mine.id)
    with pytest.raises(ConcurrentEdit):
        events.update_event(db, CLI, mine.id, mine.version,
                            replace(mine.as_draft(), audience="どなたでも"))
    assert [s.held_on for s in events.get_event(db, CLI, mine.id).sessions] == [MOVED_TO]


@pytest.mark.parametrize("kind", ["criteria", "documents"])
def test_a_programmes_criteria_or_documents_alone(db, database_url, kind: str) -> None:  # type: ignore[no-untyped-def]
    mine = make_programme(db)
    at_another_counter(database_url, kind, mine.id)
    with pytest.raises(ConcurrentEdit):
        grants.update_programme(db, CLI, mine.id, mine.version,
                                replace(mine.as_draft(), purpose="市民活動を支えるため"))
    theirs = grants.get_programme(db, CLI, mine.id)
    assert theirs.version == mine.version + 1
    assert (len(theirs.criteria), len(theirs.documents)) != (len(mine.criteria),
                                                             len(mine.documents))


def test_a_grant_case_after_a_note_at_another_counter(db, database_url) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db)
    mine = make_case(db, programme.id, group(db))
    at_another_counter(database_url, "case-note", mine.id)
    with pytest.raises(ConcurrentEdit):
        grant_cases.update_case(db, CLI, mine.id, mine.version,
                                replace(mine.as_draft(), summary="駅前で演奏会を開く。"))
    assert grant_cases.get_case(db, CLI, mine.id).version == mine.version + 1


def test_one_save_raises_the_version_once_however_many_rows_change(db, actor, topics, facilities) -> None:  # type: ignore[no-untyped-def]
    mine = consultations.create_consultation(db, actor, consultations.ConsultationDraft(
        facility_id=facilities["east"], asked="会の広報について", held_on=date.today() - timedelta(days=1),
        **valid({"topic_ids": (topics["広報・PR"],)})))
    saved = consultations.update_consultation(db, actor, mine.id, mine.version, replace(
        mine.as_draft(), answered="案内した。", topic_ids=(topics["団体運営"], topics["団体設立"])))
    assert saved.version == mine.version + 1
