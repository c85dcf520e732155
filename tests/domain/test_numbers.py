"""Whole numbers as typed: taken exactly or refused with the field named (domain/numbers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.numbers import parse_whole_number

FULL = str.maketrans("0123456789,", "０１２３４５６７８９，")


def capacity(text: str) -> int | None:
    return parse_whole_number(text, "capacity", "定員", lowest=1, highest=100_000, unit="名",
                              optional=True)


def refusal(text: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_whole_number(text, "fee", "参加費", lowest=0, highest=1_000_000, unit="円")
    assert caught.value.problems[0].field == "fee"
    return caught.value.message


@pytest.mark.parametrize(("typed", "stored"), [
    ("30", 30), ("１５００", 1500), ("1,500", 1500), ("１，５００円", 1500), (" 100000 ", 100000),
    ("0", 0), ("007", 7),
])
def test_what_is_typed_is_what_is_stored(typed: str, stored: int) -> None:
    assert parse_whole_number(typed, "fee", "参加費", lowest=0, highest=1_000_000,
                              unit="円") == stored


@pytest.mark.parametrize(("typed", "reason"), [
    ("1500.5", "整数で入力してください"), ("abc", "数として読めません"), ("1,0,0,0", "数として読めません"),
    ("10円20", "数として読めません"), ("᧚", "数として読めません"), ("-5", "マイナス"),
    ("1000001", "0〜1,000,000円の範囲"), ("", "参加費を入力してください"),
])
def test_anything_else_is_refused_with_the_field_named(typed: str, reason: str) -> None:
    message = refusal(typed)
    assert reason in message and "参加費" in message


def test_an_optional_field_left_empty_has_no_value_but_zero_is_not_empty() -> None:
    assert capacity("") is None
    assert capacity("  ") is None
    with pytest.raises(ValidationError, match="定員は1〜100,000名の範囲"):
        capacity("0")  # never quietly taken as 1 or as 定員なし


@given(st.integers(min_value=0, max_value=1_000_000), st.booleans(), st.booleans())
def test_every_number_in_range_reads_back_as_itself(n: int, grouped: bool, wide: bool) -> None:
    text = f"{n:,}" if grouped else str(n)
    if wide:
        text = text.translate(FULL)
    assert parse_whole_number(text, "fee", "参加費", lowest=0, highest=1_000_000) == n


@given(st.text(max_size=30))
def test_any_text_is_a_number_in_range_or_a_message(text: str) -> None:
    try:
        value = parse_whole_number(text, "fee", "参加費", lowest=0, highest=1_000_000,
                                   unit="円", optional=True)
    except ValidationError as exc:
        assert "参加費" in exc.message
    else:
        assert value is None or 0 <= value <= 1_000_000
