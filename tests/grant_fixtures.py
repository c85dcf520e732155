"""Grant programmes, groups and cases for the grant tests (made through the services)."""

from __future__ import annotations

from datetime import date

from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import ContactKind, GroupType
from kyodo_desk.services.contacts import ContactDraft, create_contact
from kyodo_desk.services.demo.grants import advance_case, support_programme
from kyodo_desk.services.grants import ProgrammeDetail, ProgrammeDraft, create_programme
from kyodo_desk.services.grants import cases as grant_cases

FISCAL_YEAR = 2026


def programme_draft(**fields) -> ProgrammeDraft:  # type: ignore[no-untyped-def]
    """協働サポート交付金 2026: call 2026-04-01..05-31, budget 3,000,000円, ceiling 500,000円,
    the standard criteria and documents; *fields* override."""
    from dataclasses import replace

    return replace(support_programme(FISCAL_YEAR), **fields)


def make_programme(db, **fields) -> ProgrammeDetail:  # type: ignore[no-untyped-def]
    return create_programme(db, Actor.command_line(), programme_draft(**fields))


def group(db, name: str = "秋田まちなか音楽の会") -> int:  # type: ignore[no-untyped-def]
    """A new group in the contacts; returns the contact id."""
    return create_contact(db, Actor.command_line(), ContactDraft(
        kind=ContactKind.GROUP, name=name, group_type=GroupType.CIVIC_GROUP)).id


def make_case(db, programme_id: int, contact_id: int, title: str = "まちなかコンサート",  # type: ignore[no-untyped-def]
              *, requested: int = 300_000, stage: Stage = Stage.CONSULTATION,
              decided: int = 0) -> grant_cases.CaseDetail:
    """A case opened on 2026-04-10 and walked to *stage* (documents received on the way)."""
    from datetime import UTC, datetime

    actor = Actor.command_line()
    case = grant_cases.create_case(db, actor, grant_cases.CaseDraft(
        programme_id, contact_id, title, "観光文化スポーツ部 文化振興課", requested=requested),
        now=datetime(2026, 4, 10, 1, tzinfo=UTC))
    if stage is Stage.CONSULTATION:
        return case
    return advance_case(db, actor, case.id, stage, decided=decided,
                        when=datetime(2026, 4, 10, 1, tzinfo=UTC))


CALL_OPENS = date(FISCAL_YEAR, 4, 1)
