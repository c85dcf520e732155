"""Publication (公表): the adopted projects of a fiscal year and the results of finished ones,
as the leaflet and the xlsx/CSV lists print them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kyodo_desk.database import Database
from kyodo_desk.domain.grants import ADOPTED_OR_LATER, GrantKind, Stage
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import Contact, GrantCase, GrantProgramme
from kyodo_desk.services.grants import case_money

# A project whose grant is settled has a result to publish.
FINISHED = frozenset({Stage.SETTLED, Stage.EVALUATED, Stage.PUBLISHED})


@dataclass(frozen=True)
class PublishedCase:
    """One adopted project as published: who, what, with which department, how much."""

    case_id: int
    programme_id: int
    programme_name: str
    kind: GrantKind
    group_name: str
    title: str
    department: str
    summary: str
    stage: Stage
    decided: int  # 交付決定額 (0 while only adopted)
    paid: int  # 支払額 less 返還額 (the settled grant once finished)
    result: str
    evaluation: str

    @property
    def finished(self) -> bool:
        return self.stage in FINISHED


def adopted_projects(db: Database, actor: Actor, fiscal_year: int) -> list[PublishedCase]:
    """The fiscal year's adopted projects, programme by programme, then by group name."""
    actor.require(Action.READ, Resource.GRANT_CASES)
    with db.reading(actor) as session:
        rows = session.execute(
            select(GrantCase.id, GrantProgramme.id, GrantProgramme.name, GrantProgramme.kind,
                   Contact.name, GrantCase.title, GrantCase.department, GrantCase.summary,
                   GrantCase.stage, GrantCase.decided, GrantCase.result, GrantCase.evaluation)
            .join(GrantProgramme, GrantProgramme.id == GrantCase.programme_id)
            .join(Contact, Contact.id == GrantCase.contact_id)
            .where(GrantProgramme.fiscal_year == fiscal_year,
                   GrantCase.stage.in_(ADOPTED_OR_LATER))
            .order_by(GrantProgramme.id, Contact.sort_key, GrantCase.sort_key)).all()
        money = case_money(session, [r[0] for r in rows])
    return [PublishedCase(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                          money[r[0]].net_paid, r[10], r[11]) for r in rows]
