"""The grant workflow, money and screening rules, without a database."""

from __future__ import annotations

import itertools

import pytest

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.grants import (
    MAIN_LINE,
    MOVES,
    STAGE_LABELS,
    Budget,
    CaseMoney,
    Criterion,
    Stage,
    decision_problem,
    missing_documents,
    move_problem,
    next_moves,
    parse_yen,
    payment_problem,
    rank_cases,
    refund_problem,
    weighted_total,
)

S = Stage
# The workflow as the guideline draws it, written out by hand: every allowed move.
ALLOWED = {
    (S.CONSULTATION, S.APPLICATION), (S.APPLICATION, S.SCREENING),
    (S.SCREENING, S.ADOPTED), (S.SCREENING, S.REJECTED), (S.ADOPTED, S.GRANT_DECIDED),
    (S.GRANT_DECIDED, S.IN_PROGRESS), (S.IN_PROGRESS, S.REPORTED), (S.REPORTED, S.SETTLED),
    (S.SETTLED, S.EVALUATED), (S.EVALUATED, S.PUBLISHED),
    # 取下げ at any point before payment
    (S.CONSULTATION, S.WITHDRAWN), (S.APPLICATION, S.WITHDRAWN), (S.SCREENING, S.WITHDRAWN),
    (S.ADOPTED, S.WITHDRAWN), (S.GRANT_DECIDED, S.WITHDRAWN), (S.IN_PROGRESS, S.WITHDRAWN),
    (S.REPORTED, S.WITHDRAWN),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Stage, Stage)),
                         ids=lambda s: s.value)
def test_every_state_and_every_move(current: Stage, target: Stage) -> None:
    problem = move_problem(current, target)
    if (current, target) in ALLOWED:
        assert problem is None
        assert target in next_moves(current)
    else:
        assert problem, f"{current} → {target} must be refused with a reason"
        assert target not in next_moves(current)


def test_the_table_and_the_hand_written_list_agree() -> None:
    assert {(a, b) for a, targets in MOVES.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("current", "target", "words"), [
    (S.IN_PROGRESS, S.ADOPTED, "前の段階"),
    (S.SCREENING, S.CONSULTATION, "戻せません"),
    (S.CONSULTATION, S.SCREENING, "「相談」の次は「申請」です"),
    (S.SCREENING, S.GRANT_DECIDED, "「採択」または「不採択」"),
    (S.SETTLED, S.WITHDRAWN, "支払いの済んだ案件は取下げできません"),
    (S.PUBLISHED, S.WITHDRAWN, "これ以上進められません"),
    (S.REJECTED, S.ADOPTED, "「不採択」の案件は"),
    (S.ADOPTED, S.REJECTED, "取下げ"),
    (S.APPLICATION, S.APPLICATION, "すでに「申請」"),
])
def test_a_refusal_says_why(current: Stage, target: Stage, words: str) -> None:
    assert words in (move_problem(current, target) or "")


def test_the_main_line_reaches_publication_one_step_at_a_time() -> None:
    for here, there in itertools.pairwise(MAIN_LINE):
        assert next_moves(here)[0] is there
    assert next_moves(S.SCREENING) == [S.ADOPTED, S.REJECTED, S.WITHDRAWN]
    assert all(not next_moves(s) for s in (S.PUBLISHED, S.REJECTED, S.WITHDRAWN))
    assert len(STAGE_LABELS) == len(Stage)


def test_missing_documents_keep_the_required_order() -> None:
    required = ["申請書", "事業計画書", "収支予算書"]
    assert missing_documents(required, {"事業計画書", "別紙"}) == ["申請書", "収支予算書"]
    assert missing_documents(required, required) == []


@pytest.mark.parametrize(("typed", "value"), [
    ("300000", 300_000), ("300,000", 300_000), ("３００，０００円", 300_000),
    ("¥1,200,000", 1_200_000), (" 0 ", 0), (450_000, 450_000),
])
def test_amounts_as_typed(typed: str | int, value: int) -> None:
    assert parse_yen(typed, "requested", "申請額") == value


@pytest.mark.parametrize(("typed", "words"), [
    ("-5000", "マイナス"), ("−5,000", "マイナス"), ("1200.5", "整数"), ("0.5", "整数"),
    ("", "入力してください"), ("三十万", "数字で"), ("12a", "数字で"),
    ("99999999999", "大きすぎます"), (-1, "マイナス"),
])
def test_bad_amounts_are_refused_naming_the_field(typed: str | int, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_yen(typed, "requested", "申請額")
    assert caught.value.for_field("requested")
    assert words in caught.value.message
    assert "申請額" in caught.value.message


def test_budget_arithmetic_hand_worked() -> None:
    # Budget 3,000,000. Case A decided 500,000 and running, 200,000 paid in advance;
    # case B settled: decided 400,000, paid 400,000, returned 30,000 (kept 370,000);
    # case C withdrawn after 100,000 was paid and 100,000 returned; case D only adopted.
    cases = [
        CaseMoney(S.IN_PROGRESS, 500_000, 500_000, 200_000, 0),
        CaseMoney(S.SETTLED, 450_000, 400_000, 400_000, 30_000),
        CaseMoney(S.WITHDRAWN, 300_000, 300_000, 100_000, 100_000),
        CaseMoney(S.ADOPTED, 250_000, 0, 0, 0),
    ]
    budget = Budget.of(3_000_000, cases)
    assert budget.committed == 500_000 + 370_000 + 0 + 0
    assert budget.left == 2_130_000
    assert budget.decided == 900_000  # the withdrawn case no longer holds a decision
    assert budget.paid == 700_000 and budget.returned == 130_000
    assert budget.label() == ("予算 3,000,000円・交付決定 900,000円・支払 570,000円・"
                              "残り 2,130,000円")


def test_decisions_against_ceiling_request_and_budget() -> None:
    assert decision_problem(500_000, requested=500_000, ceiling=500_000, budget_left=500_000) is None
    assert "上限 500,000円" in decision_problem(500_001, requested=600_000, ceiling=500_000,
                                              budget_left=9_000_000)
    assert "申請額" in decision_problem(310_000, requested=300_000, ceiling=500_000,
                                      budget_left=9_000_000)
    assert "予算の残り 120,000円" in decision_problem(200_000, requested=300_000,
                                                  ceiling=500_000, budget_left=120_000)
    assert "1円以上" in decision_problem(0, requested=0, ceiling=0, budget_left=1)
    assert decision_problem(2_000_000, requested=0, ceiling=0, budget_left=2_000_000) is None


def test_payments_and_refunds_stay_within_the_decision() -> None:
    running = CaseMoney(S.IN_PROGRESS, 500_000, 450_000, 300_000, 0)
    assert payment_problem(150_000, running) is None
    assert "450,000円" in payment_problem(150_001, running)
    assert "交付決定の前" in payment_problem(1, CaseMoney(S.ADOPTED, 500_000, 0, 0, 0))
    assert refund_problem(300_000, running) is None
    assert "支払済み" in refund_problem(300_001, running)
    returned = CaseMoney(S.IN_PROGRESS, 500_000, 450_000, 300_000, 100_000)
    assert payment_problem(250_000, returned) is None  # 200,000 kept + 250,000 = decided


@pytest.mark.parametrize("stage", [S.SETTLED, S.EVALUATED, S.PUBLISHED, S.WITHDRAWN])
def test_no_payment_once_settled_or_withdrawn_though_money_seems_left(stage) -> None:  # type: ignore[no-untyped-def]
    """Settled at 500,000 of 1,000,000 decided: the other 500,000 went back to the budget."""
    problem = payment_problem(500_000, CaseMoney(stage, 1_000_000, 1_000_000, 500_000, 0))
    assert problem is not None and "支払を記録できません" in problem
    assert refund_problem(100_000, CaseMoney(stage, 1_000_000, 1_000_000, 500_000, 0)) is None


def test_weighted_totals_and_ranks_hand_worked() -> None:
    criteria = [Criterion("公益性", 2, 5), Criterion("実現性", 1, 5)]
    assert weighted_total(criteria, {"公益性": 4, "実現性": 3}) == 11
    ranked = rank_cases({10: [11, 13], 11: [14, 10], 12: [15], 13: [], 14: [9, 9, 9]})
    assert [(r.case_id, r.rank, r.total, r.average) for r in ranked] == [
        (12, 1, 15, 15.0), (10, 2, 24, 12.0), (11, 2, 24, 12.0), (14, 4, 27, 9.0),
        (13, 0, 0, 0.0)]


def test_the_readme_shows_the_workflow_as_the_code_has_it() -> None:
    from pathlib import Path

    from kyodo_desk.domain.grants import moves_table_markdown

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    between = text.split("<!-- grant-moves:start -->", 1)[1].split("<!-- grant-moves:end -->")[0]
    assert between == "\n" + moves_table_markdown() + "\n"
