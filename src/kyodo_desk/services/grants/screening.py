"""Screening (審査): reviewers' scores per criterion, each case's totals and the ranking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.grants import (
    STAGE_LABELS,
    Criterion,
    Stage,
    rank_cases,
    score_problem,
    weighted_total,
)
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import Contact, GrantCase, GrantScore
from kyodo_desk.services.grants import CriterionInfo, load_programme, programme_detail
from kyodo_desk.services.grants.cases import CaseDetail, MoveRefused, case_detail, lock_case

# Cases that take part in the screening: applied, being screened, or already decided on.
SCREENED = frozenset({Stage.APPLICATION, Stage.SCREENING, Stage.ADOPTED, Stage.REJECTED,
                      Stage.GRANT_DECIDED, Stage.IN_PROGRESS, Stage.REPORTED, Stage.SETTLED,
                      Stage.EVALUATED, Stage.PUBLISHED})


@dataclass(frozen=True)
class ScreeningRow:
    """One case in the ranking (順位表)."""

    case_id: int
    group_name: str
    title: str
    stage: Stage
    requested: int
    by_reviewer: dict[str, int]  # weighted total per reviewer
    total: int
    average: float
    rank: int  # 0: not scored yet


@dataclass(frozen=True)
class Screening:
    programme_id: int
    fiscal_year: int
    programme_name: str
    criteria: tuple[CriterionInfo, ...]
    reviewers: tuple[str, ...]
    rows: tuple[ScreeningRow, ...]
    # (case, reviewer) → criterion id → score, for the filled-in score sheets.
    scores: dict[tuple[int, str], dict[int, int]]

    @property
    def full_marks(self) -> int:
        return sum(c.weight * c.max_score for c in self.criteria)


@retry_on_contention
def record_scores(db: Database, actor: Actor, case_id: int, reviewer: str,
                  scores: Mapping[int, int]) -> CaseDetail:
    """One reviewer's scores for one case (replacing what that reviewer gave before). Only a
    case in 審査 may be scored; each score must be within the criterion's range. Returns the
    case as it now stands: scores are the case's own rows, so its version has risen."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    reviewer = " ".join(reviewer.split())
    if not reviewer:
        raise ValidationError.single("reviewer", "審査員の名前を入力してください。")
    with db.writing(actor) as session:
        programme, case = lock_case(session, case_id)
        if case.stage is not Stage.SCREENING:
            raise MoveRefused(f"採点できるのは「審査」の案件だけです（この案件は"
                              f"「{STAGE_LABELS[case.stage]}」）。")
        problems = []
        for c in programme.criteria:
            if c.id not in scores:
                problems.append(FieldProblem("scores", f"「{c.name}」の点数が入っていません。"))
            elif problem := score_problem(Criterion(c.name, c.weight, c.max_score),
                                          scores[c.id]):
                problems.append(FieldProblem("scores", problem))
        if problems:
            raise ValidationError(problems)
        # Through the ORM, row by row: the case's version rises with its scores (OwnedRow),
        # which a bulk DELETE would bypass.
        given = {s.criterion_id: s for s in session.scalars(select(GrantScore).where(
            GrantScore.case_id == case.id, GrantScore.reviewer == reviewer))}
        for c in programme.criteria:
            row = given.pop(c.id, None) or GrantScore(case_id=case.id, reviewer=reviewer,
                                                      criterion_id=c.id)
            row.score = scores[c.id]
            session.add(row)
        for row in given.values():
            session.delete(row)
        session.flush()
        return case_detail(session, actor, case)


def screening(db: Database, actor: Actor, programme_id: int) -> Screening:
    """Every screened case of the programme with its reviewers' totals, ranked best first."""
    actor.require(Action.READ, Resource.GRANT_CASES)
    with db.reading(actor) as session:
        programme = programme_detail(session, load_programme(session, programme_id))
        cases = session.execute(
            select(GrantCase.id, Contact.name, GrantCase.title, GrantCase.stage,
                   GrantCase.requested)
            .join(Contact, Contact.id == GrantCase.contact_id)
            .where(GrantCase.programme_id == programme_id,
                   GrantCase.stage.in_(SCREENED))).all()
        raw = session.execute(select(GrantScore.case_id, GrantScore.reviewer,
                                     GrantScore.criterion_id, GrantScore.score)
                              .where(GrantScore.case_id.in_([c[0] for c in cases]))).all()
    scores: dict[tuple[int, str], dict[int, int]] = {}
    for case_id, reviewer, criterion_id, score in raw:
        scores.setdefault((case_id, reviewer), {})[criterion_id] = score
    by_name = {c.id: c.name for c in programme.criteria}
    criteria = [c.as_criterion() for c in programme.criteria]
    totals: dict[int, dict[str, int]] = {c[0]: {} for c in cases}
    for (case_id, reviewer), given in scores.items():
        totals[case_id][reviewer] = weighted_total(
            criteria, {by_name[k]: v for k, v in given.items() if k in by_name})
    ranked = {r.case_id: r for r in rank_cases({k: list(v.values()) for k, v in totals.items()})}
    info = {c[0]: c for c in cases}
    rows = tuple(ScreeningRow(r.case_id, info[r.case_id][1], info[r.case_id][2],
                              info[r.case_id][3], info[r.case_id][4], totals[r.case_id],
                              r.total, r.average, r.rank) for r in ranked.values())
    reviewers = tuple(sorted({reviewer for _, reviewer in scores}))
    return Screening(programme.id, programme.fiscal_year, programme.name, programme.criteria,
                     reviewers, rows, scores)
