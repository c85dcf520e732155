"""Grant programmes and cases through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import ConcurrentEdit, ValidationError
from kyodo_desk.domain.grants import Criterion, Stage
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.models import AuditEntry, GrantCase, GrantCaseMove, GrantPayment
from kyodo_desk.services import grants
from kyodo_desk.services.consultations import ConsultationDraft, create_consultation
from kyodo_desk.services.demo.grants import advance_case
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import screening as grant_screening
from kyodo_desk.services.grants.cases import CaseDraft, MoveRefused
from tests.grant_fixtures import group, make_case, make_programme, programme_draft

CLI = Actor.command_line()


@pytest.fixture
def officer(accounts_by_login):  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(cases, moves, payments): what a refused action must leave as it was."""
    with db.reading(None) as session:
        return tuple(session.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (GrantCase, GrantCaseMove, GrantPayment))


def receive_all(db, officer, case, stage: Stage):  # type: ignore[no-untyped-def]
    """The case with every document *stage* requires received (each receipt is a new version)."""
    for name in case.missing_for(stage):
        case = grant_cases.receive_document(db, officer, case.id, name, date(2026, 6, 1))
    return case


# --- programmes ----------------------------------------------------------------------------

def test_a_programme_is_stored_with_its_criteria_documents_and_budget(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = grants.create_programme(db, officer, programme_draft(budget="3,000,000円",
                                                             ceiling="５０００００"))
    assert (p.fiscal_year, p.budget, p.ceiling) == (2026, 3_000_000, 500_000)
    assert [c.name for c in p.criteria][:2] == ["公益性", "協働の必要性"]
    assert p.documents_for(Stage.APPLICATION) == ["申請書", "事業計画書", "収支予算書",
                                                  "団体規約", "役員名簿"]
    assert p.documents_for(Stage.REPORTED) == ["実績報告書", "収支決算書"]
    assert p.money.left == 3_000_000
    [summary] = grants.list_programmes(db, officer, fiscal_year=2026)
    assert summary.label() == "令和8年度 秋田市協働サポート交付金"


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"budget": "-3000000"}, "budget", "マイナス"),
    ({"budget": "1000000.5"}, "budget", "整数"),
    ({"ceiling": "4,000,000"}, "ceiling", "予算額を超えて"),
    ({"call_opens_on": date(2026, 6, 1)}, "call_closes_on", "募集開始日より前"),
    ({"criteria": (Criterion("公益性"), Criterion("公益性"))}, "criteria", "重複"),
    ({"criteria": (Criterion("公益性", 0),)}, "criteria", "重み"),
    ({"name": "  "}, "name", "名称"),
])
def test_bad_programmes_are_refused_naming_the_field(db, officer, fields, field, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        grants.create_programme(db, officer, programme_draft(**fields))
    assert words in (caught.value.for_field(field) or "")
    assert grants.list_programmes(db, officer) == []


def test_the_same_programme_twice_in_a_year_is_refused(db, officer) -> None:  # type: ignore[no-untyped-def]
    grants.create_programme(db, officer, programme_draft())
    with pytest.raises(ValidationError, match="すでに登録"):
        grants.create_programme(db, officer, programme_draft())


def test_copy_for_next_year_moves_the_call_and_keeps_the_rules(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db, name="令和8年度 協働サポート交付金")
    draft = grants.copy_programme_for_next_year(db, officer, p.id)
    assert draft.fiscal_year == 2027 and draft.name == "令和9年度 協働サポート交付金"
    assert (draft.call_opens_on, draft.call_closes_on) == (date(2027, 4, 1), date(2027, 5, 31))
    assert draft.criteria == tuple(c.as_criterion() for c in p.criteria)
    assert draft.documents == p.documents and draft.budget == p.budget
    assert grants.create_programme(db, officer, draft).fiscal_year == 2027


def test_the_budget_cannot_drop_below_what_is_decided(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db, ceiling=0)
    make_case(db, p.id, group(db), requested=400_000, stage=Stage.GRANT_DECIDED,
              decided=400_000)
    p = grants.get_programme(db, officer, p.id)
    with pytest.raises(ValidationError) as caught:
        grants.update_programme(db, officer, p.id, p.version, replace(p.as_draft(), budget=300_000))
    assert "400,000円の交付を決定" in (caught.value.for_field("budget") or "")
    saved = grants.update_programme(db, officer, p.id, p.version,
                                    replace(p.as_draft(), budget=400_000))
    assert saved.money.left == 0
    with pytest.raises(ConcurrentEdit):
        grants.update_programme(db, officer, p.id, p.version, p.as_draft())


def test_a_change_to_the_criteria_alone_is_a_new_version(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    fewer = replace(p.as_draft(), criteria=p.as_draft().criteria[:3])
    saved = grants.update_programme(db, officer, p.id, p.version, fewer)
    assert saved.version == p.version + 1 and len(saved.criteria) == 3
    with pytest.raises(ConcurrentEdit):  # the other officer's form still holds the old version
        grants.update_programme(db, officer, p.id, p.version, p.as_draft())


def test_a_scored_criterion_cannot_be_dropped(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.SCREENING)
    grant_screening.record_scores(db, officer, case.id, "審査員A",
                                  {c.id: 3 for c in p.criteria})
    kept = replace(p.as_draft(), criteria=p.as_draft().criteria[1:])
    with pytest.raises(ValidationError, match="採点に使われている"):
        grants.update_programme(db, officer, p.id, p.version, kept)
    # Changing a weight keeps the criterion, and so its scores.
    heavier = replace(p.as_draft(), criteria=(replace(p.as_draft().criteria[0], weight=3),
                                              *p.as_draft().criteria[1:]))
    grants.update_programme(db, officer, p.id, p.version, heavier)
    [row] = grant_screening.screening(db, officer, p.id).rows
    assert row.total == 3 * 3 + 2 * 3 + 1 * 3 * 3


# --- cases and the workflow ----------------------------------------------------------------

def test_a_case_opens_at_consultation_with_the_call_deadline(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = grant_cases.create_case(
        db, officer, CaseDraft(p.id, group(db), "まちなかコンサート", requested="300,000"),
        comment="窓口で相談を受けた", now=datetime(2026, 4, 10, 1, tzinfo=UTC))
    assert case.stage is Stage.CONSULTATION and case.money.requested == 300_000
    assert [(d.label, d.due_on) for d in case.deadlines] == [
        ("申請書類の提出（募集締切）", date(2026, 5, 31))]
    [opened] = [e for e in case.timeline if e.kind == "move"]
    assert (opened.title, opened.detail, opened.by) == ("「相談」で受付", "窓口で相談を受けた",
                                                        "協働 三郎")
    assert case.missing_for(Stage.APPLICATION) == ["申請書", "事業計画書", "収支予算書",
                                                   "団体規約", "役員名簿"]


def test_a_second_case_for_the_same_group_and_project_is_refused(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    g = group(db)
    make_case(db, p.id, g, "まちなかコンサート")
    before = counts(db)
    with pytest.raises(ValidationError) as caught:
        # Full-width and spaced differently, still the same project.
        grant_cases.create_case(db, officer, CaseDraft(p.id, g, "まちなか　コンサート"))
    assert "すでに案件になっています" in (caught.value.for_field("title") or "")
    assert counts(db) == before
    # Another group, or the same group next year, may.
    make_case(db, p.id, group(db, "別の会"), "まちなかコンサート")
    next_year = grants.create_programme(db, officer, grants.copy_programme_for_next_year(
        db, officer, p.id))
    make_case(db, next_year.id, g, "まちなかコンサート")


def test_a_move_needs_the_documents_of_the_step(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db))
    case = grant_cases.receive_document(db, officer, case.id, "申請書", date(2026, 4, 20))
    before = counts(db)
    with pytest.raises(MoveRefused) as caught:
        grant_cases.move_case(db, officer, case.id, case.version, Stage.APPLICATION)
    assert caught.value.message == ("「申請」に進むには、次の書類の受理が必要です: "
                                    "事業計画書、収支予算書、団体規約、役員名簿")
    assert counts(db) == before
    assert grant_cases.get_case(db, officer, case.id).stage is Stage.CONSULTATION


def test_every_move_records_who_when_and_why(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.APPLICATION)
    at = datetime(2026, 6, 2, 0, 30, tzinfo=UTC)
    moved = grant_cases.move_case(db, officer, case.id, case.version, Stage.SCREENING,
                                  comment="第1回審査会に付す", now=at)
    last = [e for e in moved.timeline if e.kind == "move"][-1]
    assert (last.title, last.detail, last.by) == ("申請 → 審査", "第1回審査会に付す", "協働 三郎")
    assert last.when == at and last.when.utcoffset().total_seconds() == 9 * 3600
    # The 申請書類 deadline closed itself when the case reached 申請.
    assert moved.deadlines[0].done_on is not None


def test_a_backward_move_is_refused_and_nothing_changes(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.IN_PROGRESS, decided=300_000)
    before = counts(db)
    with pytest.raises(MoveRefused, match="前の段階（「採択」）へは戻せません"):
        grant_cases.move_case(db, officer, case.id, case.version, Stage.ADOPTED)
    with pytest.raises(MoveRefused, match="飛ばせません"):
        grant_cases.move_case(db, officer, case.id, case.version, Stage.SETTLED)
    assert counts(db) == before


def test_withdrawal_needs_a_reason_and_is_closed_after_payment(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.IN_PROGRESS, decided=300_000)
    with pytest.raises(ValidationError, match="理由"):
        grant_cases.move_case(db, officer, case.id, case.version, Stage.WITHDRAWN)
    withdrawn = grant_cases.move_case(db, officer, case.id, case.version, Stage.WITHDRAWN,
                                      comment="代表者の転居により")
    assert withdrawn.stage is Stage.WITHDRAWN and withdrawn.next_moves == ()
    assert grants.get_programme(db, officer, p.id).money.left == 3_000_000
    settled = make_case(db, p.id, group(db, "別の会"), stage=Stage.SETTLED, decided=200_000)
    with pytest.raises(MoveRefused, match="支払いの済んだ"):
        grant_cases.move_case(db, officer, settled.id, settled.version, Stage.WITHDRAWN,
                              comment="取り下げたい")


def test_decisions_are_held_to_the_ceiling_and_the_budget(db, officer) -> None:  # type: ignore[no-untyped-def]
    # Budget 1,000,000, ceiling 500,000: hand-worked.
    p = make_programme(db, budget=1_000_000, ceiling=500_000)
    first, second, third = (
        receive_all(db, officer, make_case(db, p.id, group(db, name), requested=requested,
                                           stage=Stage.ADOPTED), Stage.GRANT_DECIDED)
        for name, requested in (("一の会", 500_000), ("二の会", 600_000), ("三の会", 400_000)))
    before = counts(db)
    with pytest.raises(ValidationError) as caught:
        grant_cases.move_case(db, officer, second.id, second.version, Stage.GRANT_DECIDED,
                              decided_amount="550,000")
    assert "上限 500,000円" in (caught.value.for_field("decided") or "")
    assert counts(db) == before
    grant_cases.move_case(db, officer, first.id, first.version, Stage.GRANT_DECIDED,
                          decided_amount="450,000")
    grant_cases.move_case(db, officer, second.id, second.version, Stage.GRANT_DECIDED,
                          decided_amount=500_000)
    assert grants.get_programme(db, officer, p.id).money.left == 50_000
    with pytest.raises(ValidationError, match="予算の残り 50,000円"):
        grant_cases.move_case(db, officer, third.id, third.version, Stage.GRANT_DECIDED,
                              decided_amount=60_000)
    decided = grant_cases.move_case(db, officer, third.id, third.version, Stage.GRANT_DECIDED,
                                    decided_amount=50_000)
    assert decided.money.decided == 50_000
    money = grants.get_programme(db, officer, p.id).money
    assert (money.decided, money.left) == (1_000_000, 0)


def test_a_decision_needs_an_amount_typed_as_whole_yen(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.ADOPTED)
    grant_cases.receive_document(db, officer, case.id, "交付申請書", date(2026, 6, 1))
    for typed, words in ((None, "入力してください"), ("-100", "マイナス"),
                         ("100000.5", "整数")):
        with pytest.raises(ValidationError, match=words):
            grant_cases.move_case(db, officer, case.id, case.version, Stage.GRANT_DECIDED,
                                  decided_amount=typed)
    assert grant_cases.get_case(db, officer, case.id).stage is Stage.ADOPTED


def test_payments_refunds_and_settlement_hand_worked(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.IN_PROGRESS, decided=300_000)
    grant_cases.record_payment(db, officer, case.id, "200,000", date(2026, 7, 1))  # 概算払
    with pytest.raises(ValidationError) as caught:
        grant_cases.record_payment(db, officer, case.id, 100_001, date(2026, 7, 2))
    assert "交付決定額 300,000円 を超えます" in (caught.value.for_field("payment") or "")
    with pytest.raises(ValidationError, match="支払済みの額 200,000円"):
        grant_cases.record_payment(db, officer, case.id, 200_001, date(2026, 7, 2), refund=True)
    with pytest.raises(ValidationError, match="整数"):
        grant_cases.record_payment(db, officer, case.id, "1.5", date(2026, 7, 2))
    detail = advance_case(db, officer, case.id, Stage.REPORTED)
    assert detail.money.net_paid == 200_000
    # The project cost less: 確定 at 260,000 → pay 60,000 more, settle, and 20,000 comes back.
    grant_cases.record_payment(db, officer, case.id, 60_000, date(2026, 9, 1))
    for name in p.documents_for(Stage.SETTLED):
        grant_cases.receive_document(db, officer, case.id, name, date(2026, 9, 1))
    detail = grant_cases.get_case(db, officer, case.id)
    settled = grant_cases.move_case(db, officer, case.id, detail.version, Stage.SETTLED)
    settled = grant_cases.record_payment(db, officer, case.id, 20_000, date(2026, 9, 20),
                                         refund=True, note="精算による返還")
    assert (settled.money.paid, settled.money.returned, settled.money.net_paid) == (
        260_000, 20_000, 240_000)
    money = grants.get_programme(db, officer, p.id).money
    # Settled: the case keeps what was paid less what came back; the rest is free again.
    assert (money.committed, money.left) == (240_000, 3_000_000 - 240_000)
    assert [e.title for e in settled.timeline if e.kind in ("payment", "refund")] == [
        "支払 200,000円", "支払 60,000円", "返還 20,000円"]


def test_a_payment_after_settlement_is_refused_so_the_budget_never_goes_negative(  # type: ignore[no-untyped-def]
        db, officer) -> None:
    # Issue 14, hand-worked: budget 1,000,000; decided 1,000,000, paid 500,000 and settled
    # (500,000 freed); another case decided 500,000; then 500,000 more on the settled case.
    p = make_programme(db, budget=1_000_000, ceiling=0)
    settled = make_case(db, p.id, group(db), requested=1_000_000, stage=Stage.REPORTED,
                        decided=1_000_000)
    grant_cases.record_payment(db, officer, settled.id, 500_000, date(2026, 9, 1))
    settled = receive_all(db, officer, grant_cases.get_case(db, officer, settled.id),
                          Stage.SETTLED)
    grant_cases.move_case(db, officer, settled.id, settled.version, Stage.SETTLED)
    assert grants.get_programme(db, officer, p.id).money.left == 500_000
    make_case(db, p.id, group(db, "別の会"), requested=500_000, stage=Stage.GRANT_DECIDED,
              decided=500_000)
    before = counts(db)
    with pytest.raises(ValidationError) as caught:
        grant_cases.record_payment(db, officer, settled.id, 500_000, date(2026, 10, 1))
    assert caught.value.for_field("payment") == (
        "確定・支払の後は支払を記録できません。この案件の交付額は、支払済みの 500,000円 で"
        "確定しています（支払額 500,000円 を加えると、予算の残りに戻った額を使うことになります）。")
    assert counts(db) == before
    money = grants.get_programme(db, officer, p.id).money
    assert (money.budget, money.committed, money.left) == (1_000_000, 1_000_000, 0)
    # Later stages stay closed; money coming back is still recorded, and frees the budget.
    evaluated = advance_case(db, officer, settled.id, Stage.EVALUATED)
    with pytest.raises(ValidationError, match="確定・支払の後は支払を記録できません"):
        grant_cases.record_payment(db, officer, evaluated.id, 1, date(2026, 10, 2))
    grant_cases.record_payment(db, officer, evaluated.id, 100_000, date(2026, 10, 2), refund=True)
    assert grants.get_programme(db, officer, p.id).money.left == 100_000


def test_a_withdrawn_case_takes_refunds_not_payments(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db, budget=1_000_000, ceiling=0)
    case = make_case(db, p.id, group(db), stage=Stage.IN_PROGRESS, decided=300_000)
    case = grant_cases.record_payment(db, officer, case.id, 100_000, date(2026, 7, 1))
    grant_cases.move_case(db, officer, case.id, case.version, Stage.WITHDRAWN,
                          comment="代表者の転居により")
    assert grants.get_programme(db, officer, p.id).money.left == 900_000  # what was paid is held
    with pytest.raises(ValidationError, match="取下げた案件には支払を記録できません"):
        grant_cases.record_payment(db, officer, case.id, 200_000, date(2026, 7, 2))
    grant_cases.record_payment(db, officer, case.id, 100_000, date(2026, 7, 2), refund=True)
    assert grants.get_programme(db, officer, p.id).money.left == 1_000_000


def test_settlement_needs_a_payment(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.REPORTED, decided=300_000)
    grant_cases.receive_document(db, officer, case.id, "請求書", date(2026, 9, 1))
    case = grant_cases.get_case(db, officer, case.id)
    with pytest.raises(MoveRefused, match="支払額を記録"):
        grant_cases.move_case(db, officer, case.id, case.version, Stage.SETTLED)


def test_a_changed_decision_is_checked_and_noted(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db, budget=600_000)
    case = make_case(db, p.id, group(db), requested=500_000, stage=Stage.IN_PROGRESS,
                     decided=300_000)
    make_case(db, p.id, group(db, "別の会"), requested=250_000, stage=Stage.GRANT_DECIDED,
              decided=250_000)
    grant_cases.record_payment(db, officer, case.id, 100_000, date(2026, 7, 1))
    with pytest.raises(ValidationError, match="予算の残り 350,000円"):
        grant_cases.change_decision(db, officer, case.id, 400_000, comment="事業の拡大")
    with pytest.raises(ValidationError, match="支払済みの額"):
        grant_cases.change_decision(db, officer, case.id, 90_000, comment="縮小")
    changed = grant_cases.change_decision(db, officer, case.id, 350_000, comment="会場の追加")
    assert changed.money.decided == 350_000
    assert any("300,000円 → 350,000円" in e.detail for e in changed.timeline)


def test_every_change_to_a_case_returns_its_new_version_and_the_old_one_is_refused(  # type: ignore[no-untyped-def]
        db, officer) -> None:
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.SCREENING)
    scores = {c.id: 3 for c in p.criteria}
    deadline_id = case.deadlines[0].id
    changes = [
        lambda: grant_cases.receive_document(db, officer, case.id, "見積書", date(2026, 6, 1)),
        lambda: grant_cases.unreceive_document(db, officer, case.id, "見積書"),
        lambda: grant_cases.add_note(db, officer, case.id, "審査会の日程を連絡"),
        lambda: grant_cases.add_deadline(db, officer, case.id, "ヒアリング", date(2026, 6, 20)),
        lambda: grant_cases.complete_deadline(db, officer, deadline_id, date(2026, 6, 1)),
        lambda: grant_screening.record_scores(db, officer, case.id, "審査員A", scores),
        lambda: grant_screening.record_scores(db, officer, case.id, "審査員A",
                                              {**scores, p.criteria[0].id: 5}),
        lambda: grant_cases.update_case(db, officer, case.id, case.version,
                                        replace(case.as_draft(), summary="概要を更新")),
    ]
    for change in changes:
        before = case
        case = change()
        assert case.version == before.version + 1
        assert grant_cases.get_case(db, officer, case.id).version == case.version
    with pytest.raises(ConcurrentEdit):  # a counter still showing the case as it was
        grant_cases.move_case(db, officer, case.id, before.version, Stage.ADOPTED)
    refused = grant_cases.get_case(db, officer, case.id)
    assert refused.version == case.version and refused.stage is Stage.SCREENING
    adopted = grant_cases.move_case(db, officer, case.id, case.version, Stage.ADOPTED)
    assert adopted.version == case.version + 1 and adopted.stage is Stage.ADOPTED


def test_a_stale_move_is_refused(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.APPLICATION)
    grant_cases.move_case(db, officer, case.id, case.version, Stage.SCREENING)
    with pytest.raises(ConcurrentEdit):
        grant_cases.move_case(db, officer, case.id, case.version, Stage.WITHDRAWN, comment="x")


# --- deadlines, notes, timeline ------------------------------------------------------------

def test_deadlines_before_the_call_opens_are_refused(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db))
    with pytest.raises(ValidationError) as caught:
        grant_cases.add_deadline(db, officer, case.id, "事前相談", date(2026, 3, 31))
    assert "募集開始日 2026年4月1日 より前" in (caught.value.for_field("deadline_due") or "")
    assert len(grant_cases.get_case(db, officer, case.id).deadlines) == 1


def test_upcoming_deadlines_of_every_case_soonest_first(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    a = make_case(db, p.id, group(db, "一の会"), "A事業", stage=Stage.IN_PROGRESS, decided=1)
    b = make_case(db, p.id, group(db, "二の会"), "B事業", stage=Stage.IN_PROGRESS, decided=1)
    grant_cases.add_deadline(db, officer, a.id, "実績報告書の提出", date(2027, 3, 31),
                             closes_with=Stage.REPORTED)
    grant_cases.add_deadline(db, officer, b.id, "中間報告", date(2026, 10, 15))
    c = make_case(db, p.id, group(db, "三の会"), "C事業")
    rows = grant_cases.upcoming_deadlines(db, officer)
    assert [(r.title, r.label, r.due_on) for r in rows] == [
        ("C事業", "申請書類の提出（募集締切）", date(2026, 5, 31)),
        ("B事業", "中間報告", date(2026, 10, 15)),
        ("A事業", "実績報告書の提出", date(2027, 3, 31))]
    assert rows[1].days_left(date(2026, 10, 20)) == -5
    grant_cases.complete_deadline(db, officer, rows[1].id, date(2026, 10, 14))
    advance_case(db, officer, a.id, Stage.REPORTED)
    assert [r.title for r in grant_cases.upcoming_deadlines(db, officer)] == ["C事業"]
    assert [r.title for r in grant_cases.upcoming_deadlines(
        db, officer, until=date(2026, 5, 1))] == []
    assert grant_cases.list_cases(db, officer, stage=Stage.CONSULTATION)[0].next_deadline == \
        date(2026, 5, 31) and c.id


def test_the_timeline_shows_consultations_notes_and_documents_in_date_order(  # type: ignore[no-untyped-def]
        db, officer, accounts_by_login, facilities, topics) -> None:
    p = make_programme(db)
    g = group(db)
    case = make_case(db, p.id, g)
    staff = accounts_by_login["staff"]  # 東部 counter staff logs the consultation
    create_consultation(db, staff, ConsultationDraft(
        held_on=date(2026, 4, 3), facility_id=facilities["east"], asked="交付金の申請方法",
        consultee_contact_id=g, topic_ids=(topics["資金・交付金"],)))
    consultation = create_consultation(db, officer, ConsultationDraft(
        held_on=date(2026, 4, 12), facility_id=facilities["central"],
        asked="事業計画書の書き方について相談", consultee_contact_id=g,
        grant_case_id=case.id, topic_ids=(topics["資金・交付金"],)))
    assert consultation.grant_case_id == case.id
    grant_cases.add_note(db, officer, case.id, "予算書の見直しを助言",
                         now=datetime(2026, 4, 15, 1, tzinfo=UTC))
    grant_cases.receive_document(db, officer, case.id, "申請書", date(2026, 4, 14))
    timeline = grant_cases.get_case(db, officer, case.id).timeline
    assert [(e.day, e.kind, e.title) for e in timeline] == [
        (date(2026, 4, 10), "move", "「相談」で受付"),
        (date(2026, 4, 12), "consultation", "相談（中央市民サービスセンター）"),
        (date(2026, 4, 14), "document", "申請書を受理"),
        (date(2026, 4, 15), "note", "メモ"),
        (date(2026, 5, 31), "deadline", "期限: 申請書類の提出（募集締切）"),
    ]
    assert timeline[1].detail == "事業計画書の書き方について相談"
    # An advisor may read the case, but not a consultation of another facility.
    advisor_view = grant_cases.get_case(db, accounts_by_login["advisor"], case.id).timeline
    assert "表示できません" in advisor_view[1].detail
    assert advisor_view[1].consultation_id is None


def test_counter_staff_cannot_link_a_consultation_to_a_case(db, accounts_by_login,  # type: ignore[no-untyped-def]
                                                            facilities, topics) -> None:
    p = make_programme(db)
    case = make_case(db, p.id, group(db))
    with pytest.raises(PermissionDenied, match="交付金案件"):
        create_consultation(db, accounts_by_login["staff"], ConsultationDraft(
            held_on=date(2026, 4, 3), facility_id=facilities["east"], asked="相談",
            anonymous=True, topic_ids=(topics["資金・交付金"],), grant_case_id=case.id))


# --- rights and the audit trail ------------------------------------------------------------

def test_who_may_do_what(db, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db))
    with pytest.raises(PermissionDenied):
        grants.list_programmes(db, accounts_by_login["staff"])
    advisor = accounts_by_login["advisor"]
    assert grant_cases.get_case(db, advisor, case.id).title == "まちなかコンサート"
    with pytest.raises(PermissionDenied):
        grant_cases.add_note(db, advisor, case.id, "メモ")
    with pytest.raises(PermissionDenied):
        grants.create_programme(db, advisor, programme_draft(fiscal_year=2027))


def test_moves_and_money_are_audited(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db)
    case = make_case(db, p.id, group(db), stage=Stage.IN_PROGRESS, decided=300_000)
    grant_cases.record_payment(db, officer, case.id, 100_000, date(2026, 7, 1))
    with db.reading(None) as session:
        tables = set(session.scalars(select(AuditEntry.table_name)
                                     .where(AuditEntry.actor == "協働 三郎")))
    assert {"grant_payments"} <= tables
    with db.reading(None) as session:
        decided = session.scalars(select(AuditEntry.changes).where(
            AuditEntry.table_name == "grant_cases", AuditEntry.action == "update")).all()
    assert any(c.get("decided") == [0, 300_000] for c in decided)


# --- screening ---------------------------------------------------------------------------

def test_screening_totals_and_ranks_hand_worked(db, officer) -> None:  # type: ignore[no-untyped-def]
    p = make_programme(db, criteria=(Criterion("公益性", 2, 5), Criterion("実現性", 1, 5)))
    ids = {c.name: c.id for c in p.criteria}
    a = make_case(db, p.id, group(db, "一の会"), "A事業", stage=Stage.SCREENING)
    b = make_case(db, p.id, group(db, "二の会"), "B事業", stage=Stage.SCREENING)
    c = make_case(db, p.id, group(db, "三の会"), "C事業", stage=Stage.APPLICATION)
    grant_screening.record_scores(db, officer, a.id, "審査員A", {ids["公益性"]: 4, ids["実現性"]: 3})
    grant_screening.record_scores(db, officer, a.id, "審査員B", {ids["公益性"]: 5, ids["実現性"]: 5})
    grant_screening.record_scores(db, officer, b.id, "審査員A", {ids["公益性"]: 5, ids["実現性"]: 4})
    grant_screening.record_scores(db, officer, b.id, "審査員B", {ids["公益性"]: 5, ids["実現性"]: 2})
    # 審査員A changes their mind about A: the old scores are replaced, not added.
    grant_screening.record_scores(db, officer, a.id, "審査員A", {ids["公益性"]: 3, ids["実現性"]: 3})
    result = grant_screening.screening(db, officer, p.id)
    assert result.reviewers == ("審査員A", "審査員B") and result.full_marks == 15
    assert [(r.title, r.by_reviewer, r.total, r.rank) for r in result.rows] == [
        ("B事業", {"審査員A": 14, "審査員B": 12}, 26, 1),
        ("A事業", {"審査員A": 9, "審査員B": 15}, 24, 2),
        ("C事業", {}, 0, 0),
    ]
    with pytest.raises(MoveRefused, match="「審査」の案件だけ"):
        grant_screening.record_scores(db, officer, c.id, "審査員A", {ids["公益性"]: 1,
                                                                    ids["実現性"]: 1})
    with pytest.raises(ValidationError, match="0～5点"):
        grant_screening.record_scores(db, officer, a.id, "審査員C", {ids["公益性"]: 6,
                                                                    ids["実現性"]: 1})
    with pytest.raises(ValidationError, match="実現性」の点数が入っていません"):
        grant_screening.record_scores(db, officer, a.id, "審査員C", {ids["公益性"]: 1})
