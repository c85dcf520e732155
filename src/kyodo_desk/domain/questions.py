"""Sign-up questions (申込時の質問) and their answers (回答): what an event asks everyone who
signs up, and the rules an answer keeps. Pure, so that the counter, the offline door (a laptop
with no database) and the merge check answers by one rule.

はい／いいえ is stored as "yes"/"no" and said with `answer_text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from kyodo_desk.domain.bounds import FIELD_BOUNDS, problem
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.domain.events import QuestionKind


@dataclass(frozen=True)
class Question:
    """申込時の質問 as the event form edits it: *id* None for one not saved yet (a saved one
    keeps its id, and so its answers, however its wording changes)."""

    prompt: str
    kind: QuestionKind = QuestionKind.TEXT
    choices: tuple[str, ...] = ()  # kind CHOICE: at least two
    required: bool = False
    id: int | None = None


MAX_QUESTIONS = 20


def cleaned_question(q: Question) -> Question:
    """*q* as stored: its wording and choices trimmed, blank choices dropped, and choices
    kept for a choice question only."""
    choices = tuple(c.strip() for c in q.choices if c.strip())
    return replace(q, prompt=q.prompt.strip(),
                   choices=choices if q.kind is QuestionKind.CHOICE else ())


def question_problems(questions: Sequence[Question]) -> list[FieldProblem]:
    """What is wrong with the sign-up questions: each needs its wording, a choice question at
    least two different choices, and there are at most MAX_QUESTIONS."""
    found: list[FieldProblem] = []
    if len(questions) > MAX_QUESTIONS:
        found.append(FieldProblem("questions", f"質問は{MAX_QUESTIONS}問までです。"))
    for n, q in enumerate(questions, start=1):
        if not q.prompt.strip():
            found.append(FieldProblem("questions", f"質問{n}の文を入力してください。"))
        choices = {c.strip() for c in q.choices if c.strip()}
        if q.kind is QuestionKind.CHOICE and len(choices) < 2:
            found.append(FieldProblem(
                "questions", f"質問{n}（{q.prompt.strip() or '選択肢'}）の選択肢を2つ以上入力してください。"))
    return found


YES, NO = "yes", "no"
YES_NO_TEXT = {YES: "はい", NO: "いいえ"}
ANSWERS_FIELD = "answers"  # a problem about the answers as a whole (a question gone)

Answers = dict[int, str]  # question id → answer


def answer_field(question_id: int) -> str:
    """The field a problem with one question's answer is reported under."""
    return f"answer_{question_id}"


def answer_text(question: Question, answer: str) -> str:
    """The answer as a person reads it: はい／いいえ for a yes/no question, else as given."""
    if question.kind is QuestionKind.YES_NO:
        return YES_NO_TEXT.get(answer, answer)
    return answer


def clean_answers(questions: Sequence[Question], answers: Sequence[tuple[int, str]] |
                  Mapping[int, str], *, required: bool = True) -> Answers:
    """The answers as stored (trimmed, blanks dropped, in question order), or ValidationError
    naming each question at fault. With *required* False (a sign-up made where nobody was
    asked: an import of applications) a required question may stay unanswered."""
    given = dict(answers.items() if isinstance(answers, Mapping) else answers)
    by_id = {q.id: q for q in questions}
    problems: list[FieldProblem] = []
    if set(given) - set(by_id):
        problems.append(FieldProblem(ANSWERS_FIELD, (
            "このイベントの質問が変更されたため、回答を保存できません。"
            "画面を開き直して、もう一度答えてください。")))
    cleaned: Answers = {}
    for n, q in enumerate(questions, start=1):
        assert q.id is not None  # questions as read from the database
        field, name = answer_field(q.id), f"質問{n}「{q.prompt}」"
        value = given.get(q.id, "").strip()
        if not value:
            if q.required and required:
                problems.append(FieldProblem(field, f"{name}は必須です。回答を入力してください。"))
            continue
        if q.kind is QuestionKind.CHOICE and value not in q.choices:
            problems.append(FieldProblem(field, f"{name}の回答は選択肢から選んでください。"))
        elif q.kind is QuestionKind.YES_NO and value not in YES_NO_TEXT:
            problems.append(FieldProblem(field, f"{name}は「はい」か「いいえ」で答えてください。"))
        elif found := problem(field, FIELD_BOUNDS["registration_answers"]["answer"], value):
            problems.append(FieldProblem(field, f"{name}: {found.message}"))
        else:
            cleaned[q.id] = value
    if problems:
        raise ValidationError(problems)
    return cleaned
