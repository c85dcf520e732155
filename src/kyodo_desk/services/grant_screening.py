"""Screening (審査): reviewers' scores per criterion, each case's totals and the ranking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select

from kyodo_desk.database import Database
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
from kyodo_desk.services.grant_cases import MoveRefused, load_case
from kyodo_desk.services.grants import CriterionInfo, load_programme, programme_detail

# Cases that take part in the screening: applied, being screened, or already decided on.
SCREENED = frozenset({Stage.APPLICATION, Stage.SCREENING, Stage.ADOPTED, Stage.REJECTED,
                      Stage.GRANT_DECIDED, Stage.IN_PROGRESS, Stage.REPORTED, Stage.SETTLED,
                      Stage.EVALUATED, Stage.PUBLISHED})
MAX_REVIEWER_NAME = 40


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


def record_scores(db: Database, actor: Actor, case_id: int, reviewer: str,
                  scores: Mapping[int, int]) -> None:
    """One reviewer's scores for one case (replacing what that reviewer gave before). Only a
    case in 審査 may be scored; each score must be within the criterion's range."""
    actor.require(Action.CHANGE, Resource.GRANT_CASES)
    reviewer = " ".join(reviewer.split())
    if not reviewer:
        raise ValidationError.single("reviewer", "審査員の名前を入力してください。")
    if len(reviewer) > MAX_REVIEWER_NAME:
        raise ValidationError.single("reviewer", f"審査員の名前は{MAX_REVIEWER_NAME}文字以内です。")
    with db.writing(actor) as session:
        case = load_case(session, case_id, lock=True)
        if case.stage is not Stage.SCREENING:
            raise MoveRefused(f"採点できるのは「審査」の案件だけです（この案件は"
                              f"「{STAGE_LABELS[case.stage]}」）。")
        programme = load_programme(session, case.programme_id)
        problems = []
        for c in programme.criteria:
            if c.id not in scores:
                problems.append(FieldProblem("scores", f"「{c.name}」の点数が入っていません。"))
            elif problem := score_problem(Criterion(c.name, c.weight, c.max_score),
                                          scores[c.id]):
                problems.append(FieldProblem("scores", problem))
        if problems:
            raise ValidationError(problems)
        session.execute(delete(GrantScore).where(GrantScore.case_id == case.id,
                                                 GrantScore.reviewer == reviewer))
        session.add_all(GrantScore(case_id=case.id, reviewer=reviewer, criterion_id=c.id,
                                   score=scores[c.id]) for c in programme.criteria)


def screening(db: Database, actor: Actor, programme_id: int) -> Screening:
    """Every screened case of the programme with its reviewers' totals, ranked best first."""
    actor.require(Action.READ, Resource.GRANT_CASES)
    with db.reading() as session:
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
