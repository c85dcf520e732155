"""The flyer's application slip (申込書) asks the event's sign-up questions (申込時の質問): a
line to write on for a text question, □ boxes for a choice and 「□はい　□いいえ」, ※必須 on the
required ones; with none, three or ten long ones the flyer keeps to its one page, set at the
largest type that fits, its 用語解説 term whole. With twenty questions of long prompts and
choices it is not refused: the slip moves behind (2ページ目) and runs on over pages headed
申込書（続き）, the front keeping a comfortable type. Read back from the PDF on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.lib.units import mm

from kyodo_desk.domain.events import EventKind, QuestionKind
from kyodo_desk.domain.questions import Question
from kyodo_desk.leaflets import fitting
from kyodo_desk.leaflets.event_flyer import (
    BOX,
    FILL_SCALES,
    SLIP_BEHIND,
    SLIP_CONTINUED,
    SLIP_NEXT,
    WritingLine,
    choices_text,
)
from kyodo_desk.leaflets.style import Kit
from kyodo_desk.services.events import photos
from tests.leaflets import flat, page_count, text_of
from tests.leaflets.test_event_prints import make_event, officer, pages_of, render
from tests.leaflets.test_extreme_prints import (
    LONG_TITLE,
    NOTE_TERMS,
    long_questions,
    problems_of,
    words_broken_in,
    words_of,
)
from tests.leaflets.test_flyer import blank_band, jpeg

__all__ = ["officer"]  # a fixture, used by name

MEETING = "市民協働ミーティング"
DESCRIPTION = "市、市民、市民活動団体、地域活動団体、社会貢献活動を行う企業等の多様な主体が集い、関係をつむぐ場です。"
THREE = (Question("食物アレルギーがあればお書きください", required=True),
         Question("参加する部", QuestionKind.CHOICE, ("午前の部", "午後の部")),
         Question("お車でお越しになりますか", QuestionKind.YES_NO, required=True))


def huge_questions(count: int = 20) -> tuple[Question, ...]:
    """*count* questions of 200-character prompts, each offering ten long choices."""
    prompt = ("当日の参加にあたって配慮が必要なことや、講座で学びたいこと、これまでの市民活動の"
              "経験、地域で取り組んでいる課題などを、できるだけ具体的にお書きください。") * 4
    return tuple(Question(f"問{n:02d}{prompt}"[:200], QuestionKind.CHOICE,
                          tuple(f"選択肢{c}　市民交流サロン第{c}会議室での少人数の意見交換会に参加"
                                for c in range(1, 11)), required=n % 2 == 0)
                 for n in range(1, count + 1))


def flyer(db, officer, actor, facilities, questions: tuple[Question, ...],  # type: ignore[no-untyped-def]
          title: str = MEETING, description: str = DESCRIPTION) -> bytes:
    """The flyer of a 市民協働ミーティング with its ※ note and a photo, asking *questions*."""
    event = make_event(db, officer, facilities, kind=EventKind.MEETING, title=title,
                       description=description, questions=questions)
    photos.set_event_photo(db, officer, event.id, jpeg())
    return render("event-flyer", db, actor, event_id=event.id)


def type_size(pdf: bytes, tmp_path: Path, word: str = "申込書") -> float:
    """The height of *word*'s box on the page: the type scale the flyer was set at."""
    _, words = words_of(pdf, tmp_path)
    return next(w.y1 - w.y0 for w in words if w.text == word)


@pytest.mark.parametrize("questions", [(), THREE, long_questions(10)],
                         ids=["none", "three", "ten-long"])
def test_the_slip_asks_the_questions_and_the_flyer_keeps_to_one_filled_page(
        db, actor, officer, facilities, tmp_path: Path,
        questions: tuple[Question, ...]) -> None:  # type: ignore[no-untyped-def]
    pdf = flyer(db, officer, actor, facilities, questions)
    assert page_count(pdf, tmp_path) == 1
    assert problems_of("event-flyer", pdf, tmp_path) == []
    assert blank_band(pdf, tmp_path) < 0.12  # at most about a step of the type scale
    assert b"/Subtype /Image" in pdf  # the photo stays, smaller if it must
    text = text_of(pdf, tmp_path)
    found = flat(text)
    slip = found[found.index("申込書"):]
    for n, question in enumerate(questions, start=1):
        # (pdftotext may read a row's label after the next row's: each is checked alone)
        assert f"質問{n}" in slip and flat(question.prompt) in slip, n
        assert flat(choices_text(question)) in slip, n
    assert slip.count("※必須") == sum(q.required for q in questions)
    assert ("質問1" in slip) == bool(questions)
    assert SLIP_BEHIND not in found and SLIP_CONTINUED not in found
    assert [w for term in NOTE_TERMS for w in words_broken_in(text, term)] == []


def test_three_questions_read_as_on_a_paper_form(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    found = flat(text_of(flyer(db, officer, actor, facilities, THREE), tmp_path))
    assert "質問1食物アレルギーがあればお書きください※必須" in found
    assert "質問2参加する部□午前の部□午後の部" in found
    assert "質問3お車でお越しになりますか※必須□はい□いいえ" in found


def test_more_questions_make_the_type_smaller_never_larger(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sizes = [type_size(flyer(db, officer, actor, facilities, questions), tmp_path)
             for questions in ((), THREE, long_questions(10))]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]


prompts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                  max_size=20)


@given(st.lists(prompts, min_size=2, max_size=6, unique=True))
def test_a_choice_question_offers_each_choice_behind_a_box_of_its_own(
        choices: list[str]) -> None:
    offered = choices_text(Question("どれですか", QuestionKind.CHOICE, tuple(choices)))
    assert offered.count(BOX) == len(choices) + sum(c.count(BOX) for c in choices)
    assert offered.split("　") == [f"{BOX}{c}" for c in choices] or any("　" in c
                                                                    for c in choices)


@given(prompts)
def test_yes_no_offers_two_boxes_and_a_text_question_none(prompt: str) -> None:
    assert choices_text(Question(prompt, QuestionKind.YES_NO)) == f"{BOX}はい　{BOX}いいえ"
    assert choices_text(Question(prompt)) == ""


def test_twenty_long_questions_move_the_slip_behind_and_run_on_never_refused(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    questions = huge_questions()
    pdf = flyer(db, officer, actor, facilities, questions, title=LONG_TITLE)
    assert problems_of("event-flyer", pdf, tmp_path) == []  # every word on a page with content
    pages = [flat(page) for page in pages_of(pdf, tmp_path)]
    assert len(pages) >= 3
    front, *slip_pages = pages
    # The front: the whole flyer but the slip, saying where the slip is; the note and photo.
    assert flat(SLIP_BEHIND) in front and "開催概要" in front and "お問い合わせ" in front
    assert "※「市民協働ミーティング」" in front and b"/Subtype /Image" in pdf
    assert "切り取り線" not in front and "ふりがな" not in front and "質問1" not in front
    # Page 2: the slip with its 切り取り線 header line, the title and the first questions.
    second = slip_pages[0]
    assert second.startswith("切り取り線申込書") and flat(f"イベント名{LONG_TITLE}") in second
    assert "ふりがな" in second and "質問1" in second and SLIP_CONTINUED not in second
    for page in slip_pages[1:]:
        assert page.startswith(SLIP_CONTINUED + flat(f"イベント名{LONG_TITLE}")), page[:60]
        assert "質問" in page
    slip = "".join(slip_pages)
    for n, question in enumerate(questions, start=1):
        assert slip.count(f"質問{n}") == 1 + sum(f"質問{n}{d}" in slip for d in "0123456789"), n
        assert flat(question.prompt) in slip, n
    assert slip.count("※必須") == 10
    assert "提出先" in slip_pages[-1]


def test_the_front_keeps_a_comfortable_type_when_the_slip_moves_behind(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    squeezed = flyer(db, officer, actor, facilities, long_questions(10))
    behind = flyer(db, officer, actor, facilities, huge_questions(), title=LONG_TITLE)
    assert page_count(squeezed, tmp_path) == 1 and page_count(behind, tmp_path) > 1
    heading = type_size(behind, tmp_path, "開催概要")
    assert heading > type_size(squeezed, tmp_path, "開催概要")
    assert heading >= type_size(flyer(db, officer, actor, facilities, ()), tmp_path,
                                "開催概要") * 0.9  # about as large as a flyer asking nothing


def test_a_description_longer_than_a_page_runs_on_and_the_slip_follows(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = flyer(db, officer, actor, facilities, THREE, description=DESCRIPTION * 80)
    assert problems_of("event-flyer", pdf, tmp_path) == []
    pages = [flat(page) for page in pages_of(pdf, tmp_path)]
    assert len(pages) >= 3
    front = "".join(pages[:-1])
    assert flat(SLIP_NEXT) in pages[-2] and "切り取り線" not in front
    assert pages[-1].startswith("切り取り線申込書") and "質問3" in pages[-1]


@given(st.sampled_from((*FILL_SCALES, *fitting.SCALES)))
def test_room_to_write_by_hand_stays_at_least_5_mm_at_any_scale(scale: float) -> None:
    _, height = WritingLine(Kit(scale)).wrap(400, 800)
    assert height >= 5 * mm - 0.01
