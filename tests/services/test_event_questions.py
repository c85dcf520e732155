"""Sign-up questions (申込時の質問) and their answers, on both databases: checked against the
event's questions at the counter and at the door, kept when the event is changed, dropped
with a removed question, and audited as changed without their values."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.events import QuestionKind
from kyodo_desk.domain.questions import Question, answer_field, answer_text, clean_answers
from kyodo_desk.models import AuditEntry, RegistrationAnswer
from kyodo_desk.services.events import get_event, update_event
from kyodo_desk.services.events.answers import event_answers, get_answers
from kyodo_desk.services.events.checkin import CheckInOutcome, walk_in
from kyodo_desk.services.events.registrations import (
    SignUpDraft,
    cancel_registration,
    sign_up,
    update_sign_up,
)
from tests.event_fixtures import make_event, person

ALLERGY = Question("食物アレルギーはありますか", QuestionKind.YES_NO, required=True)
COURSE = Question("参加する回", QuestionKind.CHOICE, ("午前の部", "午後の部"), required=True)
NOTE = Question("この講座を知ったきっかけ", QuestionKind.TEXT)


def _event(db, facilities, **kw):  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], questions=(ALLERGY, COURSE, NOTE), **kw)
    return event, [q.id for q in event.questions]


def test_answers_are_saved_with_the_sign_up_and_read_back(db, actor, facilities) -> None:
    event, (allergy, course, note) = _event(db, facilities)
    reg = sign_up(db, actor, event.id, SignUpDraft(
        person(db, "山田太郎"), answers=((allergy, "yes"), (course, "午後の部"),
                                         (note, "  市の広報  ")))).registration
    assert get_answers(db, actor, reg.id) == {allergy: "yes", course: "午後の部", note: "市の広報"}
    assert event_answers(db, actor, event.id) == {reg.id: get_answers(db, actor, reg.id)}
    assert answer_text(event.questions[0], "yes") == "はい"
    assert answer_text(event.questions[0], "no") == "いいえ"


def test_a_required_question_left_unanswered_is_refused_by_name(db, actor, facilities) -> None:
    event, (allergy, course, _note) = _event(db, facilities)
    with pytest.raises(ValidationError) as exc:
        sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"),
                                                 answers=((course, "午前の部"),)))
    assert exc.value.for_field(answer_field(allergy)) == (
        "質問1「食物アレルギーはありますか」は必須です。回答を入力してください。")
    assert event_answers(db, actor, event.id) == {}
    assert get_event(db, actor, event.id).seats.taken == 0  # nothing kept of the sign-up


@pytest.mark.parametrize(("position", "answer", "message"), [
    (1, "午前", "質問2「参加する回」の回答は選択肢から選んでください。"),
    (0, "はい", "質問1「食物アレルギーはありますか」は「はい」か「いいえ」で答えてください。"),
])
def test_a_choice_or_yes_no_outside_its_answers_is_refused(db, actor, facilities, position,
                                                           answer, message) -> None:
    event, ids = _event(db, facilities)
    answers = {ids[0]: "no", ids[1]: "午前の部", ids[position]: answer}
    with pytest.raises(ValidationError) as exc:
        sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"),
                                                 answers=tuple(answers.items())))
    assert exc.value.for_field(answer_field(ids[position])) == message


def test_an_answer_to_a_question_of_another_event_is_refused(db, actor, facilities) -> None:
    event, ids = _event(db, facilities)
    _other, other_ids = _event(db, facilities)
    with pytest.raises(ValidationError, match="質問が変更された"):
        sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"), answers=(
            (ids[0], "no"), (ids[1], "午前の部"), (other_ids[2], "広報"))))


def test_changing_the_event_keeps_answers_and_a_removed_question_takes_its_own(
        db, actor, admin, facilities) -> None:
    event, (allergy, course, note) = _event(db, facilities)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"), answers=(
        (allergy, "no"), (course, "午前の部"), (note, "友人から")))).registration
    reworded = replace(event.questions[0], prompt="アレルギーの有無")
    changed = update_event(db, admin, event.id, event.version, replace(
        event.as_draft(), questions=(event.questions[1], reworded)))  # 「きっかけ」 removed
    assert [q.id for q in changed.questions] == [course, allergy]
    assert get_answers(db, actor, reg.id) == {allergy: "no", course: "午前の部"}
    with db.reading(None) as session:
        assert session.scalar(select(func.count()).select_from(RegistrationAnswer)) == 2


def test_a_changed_sign_up_replaces_its_answers(db, actor, facilities) -> None:
    event, (allergy, course, note) = _event(db, facilities)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"), answers=(
        (allergy, "no"), (course, "午前の部"), (note, "友人から")))).registration
    draft = replace(reg.as_draft(), party_size=2,
                    answers=((allergy, "yes"), (course, "午後の部")))
    changed = update_sign_up(db, actor, reg.id, reg.version, draft).registration
    assert changed.party_size == 2
    assert get_answers(db, actor, reg.id) == {allergy: "yes", course: "午後の部"}
    with pytest.raises(ValidationError):
        update_sign_up(db, actor, reg.id, changed.version,
                       replace(draft, answers=((course, "午後の部"),)))
    assert get_answers(db, actor, reg.id) == {allergy: "yes", course: "午後の部"}


def test_a_walk_in_answers_at_the_door(db, actor, facilities) -> None:
    event, (allergy, course, _note) = _event(db, facilities)
    session_id = event.sessions[0].id
    with pytest.raises(ValidationError, match="必須"):
        walk_in(db, actor, session_id, SignUpDraft(person(db, "当日一郎")))
    came = walk_in(db, actor, session_id, SignUpDraft(
        person(db, "当日二郎"), answers=((allergy, "no"), (course, "午前の部"))))
    assert came.outcome is CheckInOutcome.CHECKED_IN and came.registration is not None
    assert get_answers(db, actor, came.registration.id) == {allergy: "no", course: "午前の部"}


def test_a_cancelled_sign_up_keeps_its_answers_for_the_record(db, actor, facilities) -> None:
    event, (allergy, course, _note) = _event(db, facilities)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"), answers=(
        (allergy, "no"), (course, "午前の部")))).registration
    cancel_registration(db, actor, reg.id)
    assert get_answers(db, actor, reg.id) == {allergy: "no", course: "午前の部"}


def test_the_audit_log_says_answers_changed_never_what_they_were(db, actor, facilities) -> None:
    event, (allergy, course, note) = _event(db, facilities)
    secret = "卵と小麦のアレルギーがあります"
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"), answers=(
        (allergy, "yes"), (course, "午前の部"), (note, secret)))).registration
    update_sign_up(db, actor, reg.id, reg.version, replace(
        reg.as_draft(), answers=((allergy, "no"), (course, "午後の部"))))
    with db.reading(None) as session:
        rows = session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "registration_answers").order_by(AuditEntry.id)).all()
    assert [r.action for r in rows] == ["insert"] * 3 + ["update"] * 2 + ["delete"]
    assert all(r.changes["answer"] in ([None, "********"], ["********", "********"],
                                       ["********", None]) for r in rows)
    logged = json.dumps([r.changes for r in rows], ensure_ascii=False)
    for value in (secret, "午前の部", "午後の部", '"yes"', '"no"'):
        assert value not in logged


_CHOICES = ("午前の部", "午後の部", "両方")
_QUESTIONS = (Question("アレルギー", QuestionKind.YES_NO, required=True, id=1),
              Question("参加する回", QuestionKind.CHOICE, _CHOICES, id=2),
              Question("ひとこと", QuestionKind.TEXT, required=True, id=3))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([1, 2, 3, 4]),
                       st.one_of(st.sampled_from(["yes", "no", "", " ", *_CHOICES]),
                                 st.text(max_size=8))))
def test_clean_answers_keeps_exactly_the_valid_non_blank_answers(answers: dict[int, str]) -> None:
    """Either every answer is refused with a reason per question at fault, or what is kept is
    each question's non-blank answer, trimmed, of its kind."""
    try:
        cleaned = clean_answers(_QUESTIONS, answers)
    except ValidationError as exc:
        assert exc.problems
        return
    assert 4 not in answers and set(cleaned) >= {1, 3}
    assert cleaned == {q: a.strip() for q, a in answers.items() if a.strip()}
    assert cleaned[1] in ("yes", "no")
    assert cleaned.get(2, _CHOICES[0]) in _CHOICES
