"""Answers to the sign-up questions (申込時の回答): checked against the event's questions,
saved in the sign-up's own transaction, read back for one sign-up or a whole event (the
名簿 and the participants export).

An answer is personal information: the audit log records that it changed, never its value
(models.events.RegistrationAnswer.__audit_redact__). A question left unanswered has no row.
What an answer may be is domain/questions.py's rule (clean_answers).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import insert_rows
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.questions import Answers, Question
from kyodo_desk.models import EventQuestion, Registration, RegistrationAnswer

# --- read ---------------------------------------------------------------------------------

# Built once: a sign-up reads its event's questions under the event's lock.
_QUESTIONS = (select(EventQuestion.id, EventQuestion.prompt, EventQuestion.kind,
                     EventQuestion.choices, EventQuestion.required)
              .where(EventQuestion.event_id == bindparam("event"))
              .order_by(EventQuestion.position, EventQuestion.id))


def event_questions(session: Session, event_id: int) -> tuple[Question, ...]:
    """The event's questions in the order asked (one indexed read)."""
    rows = session.connection().execute(_QUESTIONS, {"event": event_id}).all()
    return tuple(Question(prompt, kind, tuple(choices.splitlines()) if choices else (),
                          required, id) for id, prompt, kind, choices, required in rows)


def answers_of(session: Session, registration_id: int) -> Answers:
    rows = session.execute(select(RegistrationAnswer.question_id, RegistrationAnswer.answer)
                           .where(RegistrationAnswer.registration_id == registration_id))
    return {question_id: answer for question_id, answer in rows}


def answers_of_event(session: Session, event_id: int) -> dict[int, Answers]:
    """Every sign-up's answers of the event in one query: registration id → answers."""
    rows = session.execute(
        select(RegistrationAnswer.registration_id, RegistrationAnswer.question_id,
               RegistrationAnswer.answer)
        .join(Registration, Registration.id == RegistrationAnswer.registration_id)
        .where(Registration.event_id == event_id))
    found: dict[int, Answers] = {}
    for registration_id, question_id, answer in rows:
        found.setdefault(registration_id, {})[question_id] = answer
    return found


def get_answers(db: Database, actor: Actor, registration_id: int) -> Answers:
    """One sign-up's answers. Not logged here: the caller shows them with the sign-up, whose
    reading it logs (registrations.get_registration)."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        return answers_of(session, registration_id)


def event_answers(db: Database, actor: Actor, event_id: int) -> dict[int, Answers]:
    """Every sign-up's answers of the event (the 名簿, the export: they log their reading)."""
    actor.require(Action.READ, Resource.REGISTRATIONS)
    with db.reading(actor) as session:
        return answers_of_event(session, event_id)


# --- write --------------------------------------------------------------------------------

def add_answers(session: Session, registration_id: int, answers: Answers) -> None:
    """A new sign-up's answers, inserted with it (checked and audited by insert_rows; the
    sign-up is new, so its version is left as the sign-up's answer gave it)."""
    insert_rows(session, RegistrationAnswer,
                [{"registration_id": registration_id, "question_id": q, "answer": a}
                 for q, a in answers.items()], new_owners=True)


def replace_answers(reg: Registration, answers: Answers) -> None:
    """A changed sign-up's answers: one kept keeps its row (its change is audited), one
    blanked is removed, a new one added."""
    kept = {a.question_id: a for a in reg.answers}
    rows = []
    for question_id, answer in answers.items():
        row = kept.pop(question_id, None) or RegistrationAnswer(question_id=question_id)
        row.answer = answer
        rows.append(row)
    reg.answers = rows
