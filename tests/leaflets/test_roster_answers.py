"""The answers to the sign-up questions (申込時の質問) as the staff get them, on both databases:
on the 参加者名簿 (はい／いいえ in words, long answers cut), in the participants export (a
column per question in the order asked), and never on a public print."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kyodo_desk.domain.events import QuestionKind
from kyodo_desk.domain.questions import Question
from kyodo_desk.exports.participants import export_participants
from kyodo_desk.models import ContactKind
from kyodo_desk.services import contacts
from kyodo_desk.services.events import registrations
from tests.exports.test_event_exports import read_table
from tests.leaflets import flat, text_of
from tests.leaflets.test_event_prints import SIGNED_UP_ON, make_event, render

__all__ = ["officer"]  # a fixture, used by name
from tests.leaflets.test_event_prints import officer

QUESTIONS = (Question("食物アレルギーの有無", QuestionKind.YES_NO, required=True),
             Question("参加する回", QuestionKind.CHOICE, ("午前の部", "午後の部")),
             Question("この講座を知ったきっかけ", QuestionKind.TEXT))
LONG = "市の広報で知りました。" * 10


def _signed(db: Any, actor: Any, officer: Any, facilities: dict[str, int]) -> Any:
    event = make_event(db, officer, facilities, questions=QUESTIONS)
    allergy, course, how = (q.id for q in event.questions)
    for name, reading, answers in (
            ("秋田 花子", "あきた はなこ", ((allergy, "yes"), (course, "午後の部"), (how, LONG))),
            ("雄和 太郎", "ゆうわ たろう", ((allergy, "no"),))):
        contact = contacts.create_contact(db, actor, contacts.ContactDraft(
            kind=ContactKind.PERSON, name=name, reading=reading))
        registrations.sign_up(db, actor, event.id, registrations.SignUpDraft(
            contact.id, answers=answers), today=SIGNED_UP_ON)
    return event


def test_the_roster_shows_each_sign_ups_answers(db, actor, officer, facilities,
                                                tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = _signed(db, actor, officer, facilities)
    text = flat(text_of(render("event-roster", db, actor, event_id=event.id), tmp_path))
    assert "回答" in text
    assert "問1食物アレルギーの有無問2参加する回問3この講座を知ったきっかけ" in text
    assert "問1はい" in text and "問1いいえ" in text and "問2午後の部" in text
    assert f"問3{LONG[:29]}…" in text and LONG not in text


def test_no_public_print_shows_the_answers(db, actor, officer, facilities,
                                           tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = _signed(db, actor, officer, facilities)
    for name in ("event-flyer", "event-sign-in", "event-badges"):
        text = flat(text_of(render(name, db, actor, event_id=event.id), tmp_path))
        # The flyer's 申込書 asks the questions with their choices (はい・いいえ, 午後の部):
        # what no public print may show is what someone answered.
        asked = ("市の広報",) if name == "event-flyer" else (
            "はい", "いいえ", "午後の部", "市の広報", "食物アレルギー")
        for shown in asked:
            assert shown not in text, (name, shown)


def test_the_export_has_a_column_per_question_in_order(db, actor, officer, facilities,
                                                       tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = _signed(db, actor, officer, facilities)
    path = tmp_path / "参加者一覧.csv"
    assert export_participants(db, actor, event.id, "csv", path) == 2
    header, *rows = read_table(path)
    at = header.index("配慮事項") + 1
    assert header[at:at + 3] == ["食物アレルギーの有無", "参加する回", "この講座を知ったきっかけ"]
    by_name = {row[2]: row[at:at + 3] for row in rows}
    assert by_name == {"秋田 花子": ["はい", "午後の部", LONG], "雄和 太郎": ["いいえ", "", ""]}
    assert header[-2:] == ["出席 12/5", "出席 12/12"]
