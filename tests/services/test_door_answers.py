"""Walk-ins at the offline door answer the sign-up questions (申込時の質問) as at the online
door: asked from the pack, required ones enforced with no database, carried in the journal
and saved by the merge, kept through a 満席 decision; a journal from a pack older than the
questions is merged all the same. And both doors answer in the same words. Both databases."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.events import DoorOutcome, QuestionKind
from kyodo_desk.domain.questions import Question, answer_field
from kyodo_desk.models import AuditEntry, DoorAct
from kyodo_desk.services.events import update_event
from kyodo_desk.services.events.answers import get_answers
from kyodo_desk.services.events.checkin import check_in, check_in_by_code
from kyodo_desk.services.events.door_format import journal_path
from kyodo_desk.services.events.door_merge import (
    decide_door_conflict,
    door_conflicts,
    merge_door_journal,
)
from kyodo_desk.services.events.door_offline import OfflineDoor, WalkIn
from kyodo_desk.services.events.door_pack import save_door_pack
from kyodo_desk.services.events.registrations import (
    SignUpDraft,
    cancel_registration,
    list_registrations,
    sign_up,
)
from tests.event_fixtures import make_event, person
from tests.services.test_door_merge import AT_DOOR, PASSWORD

ALLERGY = Question("食物アレルギーはありますか", QuestionKind.YES_NO, required=True)
COURSE = Question("参加する回", QuestionKind.CHOICE, ("午前の部", "午後の部"))


def _door(db, actor, tmp_path: Path, event_id: int,  # type: ignore[no-untyped-def]
          clerk: str = "入口 花子") -> tuple[OfflineDoor, Path]:
    pack = tmp_path / "door.kyodo-door"
    save_door_pack(db, actor, event_id, pack, PASSWORD)
    return OfflineDoor.open(pack, PASSWORD, clerk), pack


def test_required_answers_are_enforced_offline_and_saved_by_the_merge(db, actor,
                                                                      tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=5, questions=(ALLERGY, COURSE))
    allergy, course = (q.id for q in event.questions)
    door, pack = _door(db, actor, tmp_path, event.id)
    session_id = event.sessions[0].id
    assert [q.prompt for q in door.pack.questions] == [ALLERGY.prompt, COURSE.prompt]
    with pytest.raises(ValidationError) as refused:
        door.walk_in(session_id, WalkIn("当日 一郎", answers=((course, "午前の部"),)))
    assert refused.value.for_field(answer_field(allergy)) == (
        "質問1「食物アレルギーはありますか」は必須です。回答を入力してください。")
    assert door.acts == 0
    door.walk_in(session_id, WalkIn("当日 一郎", answers=((allergy, "yes"),
                                                       (course, " 午後の部 "))), now=AT_DOOR)
    door.close()
    again = OfflineDoor.open(pack, PASSWORD, "入口 次郎")  # the journal holds the answers
    assert again.walk_ins[0].answers == ((allergy, "yes"), (course, "午後の部"))
    again.close()

    assert merge_door_journal(db, actor, journal_path(pack), PASSWORD).applied == 1
    [walked] = [r for r in list_registrations(db, actor, event.id) if r.walk_in]
    assert get_answers(db, actor, walked.id) == {allergy: "yes", course: "午後の部"}
    with db.reading(None) as session:
        assert session.scalars(select(DoorAct.walk_in_answers)).one() == ""  # the sign-up has them


def test_a_required_question_added_after_the_pack_is_no_full_house(db, actor, admin,
                                                                   tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=5)
    door, pack = _door(db, actor, tmp_path, event.id)
    door.walk_in(event.sessions[0].id, WalkIn("当日 一郎"), now=AT_DOOR)  # asked nothing
    door.close()
    update_event(db, admin, event.id, event.version,
                 replace(event.as_draft(), questions=(ALLERGY,)))

    report = merge_door_journal(db, actor, journal_path(pack), PASSWORD)
    assert (report.applied, report.conflicts) == (1, 0)
    assert door_conflicts(db, actor, event.id) == []
    [walked] = [r for r in list_registrations(db, actor, event.id) if r.walk_in]
    assert walked.attended_session_ids == (event.sessions[0].id,)
    assert get_answers(db, actor, walked.id) == {}


def test_an_answer_to_a_question_removed_since_is_dropped(db, actor, admin,
                                                          tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=5, questions=(ALLERGY, COURSE))
    allergy, course = (q.id for q in event.questions)
    door, pack = _door(db, actor, tmp_path, event.id)
    door.walk_in(event.sessions[0].id, WalkIn("当日 一郎", answers=((allergy, "no"),
                                                                 (course, "午前の部"))))
    door.close()
    update_event(db, admin, event.id, event.version,
                 replace(event.as_draft(), questions=(event.questions[0],)))  # 「参加する回」 gone

    assert merge_door_journal(db, actor, journal_path(pack), PASSWORD).applied == 1
    [walked] = [r for r in list_registrations(db, actor, event.id) if r.walk_in]
    assert get_answers(db, actor, walked.id) == {allergy: "no"}


def test_a_full_walk_in_keeps_its_answers_until_accepted(db, actor, tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=1, questions=(ALLERGY, COURSE))
    allergy, course = (q.id for q in event.questions)
    door, pack = _door(db, actor, tmp_path, event.id)
    door.walk_in(event.sessions[0].id, WalkIn("当日 花子", answers=((allergy, "yes"),
                                                                 (course, "午後の部"))))
    door.close()
    taken = sign_up(db, actor, event.id, SignUpDraft(person(db, "窓口 太郎"), answers=(
        (allergy, "no"),))).registration
    merge_door_journal(db, actor, journal_path(pack), PASSWORD)
    [full] = door_conflicts(db, actor, event.id)
    assert full.outcome is DoorOutcome.FULL
    with db.reading(None) as session:
        kept = session.scalars(select(DoorAct)).one().walk_in_answers
        logged = [e.changes for e in session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "door_acts"))]
    assert json.loads(kept) == {str(allergy): "yes", str(course): "午後の部"}
    assert "午後の部" not in str(logged)  # personal: logged as changed, never its value

    cancel_registration(db, actor, taken.id)
    assert decide_door_conflict(db, actor, full.id, full.version, accept=True) \
        is DoorOutcome.APPLIED
    [walked] = [r for r in list_registrations(db, actor, event.id) if r.walk_in]
    assert get_answers(db, actor, walked.id) == {allergy: "yes", course: "午後の部"}
    with db.reading(None) as session:
        assert session.scalars(select(DoorAct.walk_in_answers)).one() == ""


def test_the_offline_and_online_doors_answer_in_the_same_words(db, actor,
                                                               tmp_path: Path) -> None:
    event = make_event(db, actor.facility_id, capacity=3)
    seated = sign_up(db, actor, event.id, SignUpDraft(person(db, "一郎"), 2)).registration
    waiting = sign_up(db, actor, event.id, SignUpDraft(person(db, "二郎"), 2)).registration
    gone = sign_up(db, actor, event.id, SignUpDraft(person(db, "三郎"))).registration
    cancel_registration(db, actor, gone.id)
    door, _pack = _door(db, actor, tmp_path, event.id, clerk=actor.name)
    session_id = event.sessions[0].id
    codes = ["4901234567894", seated.ticket.text()[:-4] + "AAAA"]

    offline = [door.check_in(session_id, r.id, now=AT_DOOR) for r in (seated, seated, waiting,
                                                                       gone)]
    offline += [door.check_in_by_code(session_id, c) for c in codes]
    door.close()
    online = [check_in(db, actor, r.id, session_id, now=AT_DOOR) for r in (seated, seated,
                                                                           waiting, gone)]
    online += [check_in_by_code(db, actor, session_id, c) for c in codes]

    said = [(a.outcome, a.message) for a in offline]
    assert said == [(r.outcome, r.message) for r in online]
    assert said[0][1] == "一郎さん（2名）を出席にしました。"
    assert [o.value for o, _m in said] == ["出席にしました", "出席済みです"] + ["出席にできません"] * 4
