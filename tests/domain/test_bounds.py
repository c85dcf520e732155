"""Every stored field has a documented bound (domain/bounds.py), and the bound says no to what
cannot be stored or shown."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Boolean, DateTime, Enum, Integer, LargeBinary, String, Text, Time
from sqlalchemy.types import JSON, Date

from kyodo_desk.domain import bounds
from kyodo_desk.domain.bounds import FIELD_BOUNDS, problem
from kyodo_desk.models import Base

# Columns that hold no free value: keys, links, flags, lists of choices, moments the app sets;
# and files (a flyer's photo), whose size the service that stores them bounds.
_NOT_BOUNDED = (Boolean, DateTime, Enum, Time, JSON, LargeBinary)


def _bounded_columns() -> set[str]:
    found = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.primary_key or column.foreign_keys or isinstance(column.type, _NOT_BOUNDED):
                continue
            assert isinstance(column.type, String | Text | Integer | Date), column
            found.add(f"{table.name}.{column.name}")
    return found


def test_every_field_of_every_table_has_a_bound_and_every_bound_a_field() -> None:
    declared = {f"{table}.{column}" for table, columns in FIELD_BOUNDS.items()
                for column in columns}
    assert _bounded_columns() - declared == set(), "add these to domain/bounds.FIELD_BOUNDS"
    assert declared - _bounded_columns() == set(), "these bounds name no column"


NAME = bounds.name("氏名・団体名")
NOTE = bounds.note("備考")


@pytest.mark.parametrize(("value", "says"), [
    ("秋田" * 101, "氏名・団体名は200文字までです（入力は202文字）"),
    ("山田\x00太郎", "氏名・団体名に使えない文字（制御文字 U+0000）"),
    ("山田\ud800", "使えない文字（制御文字 U+D800）"),
    ("山田\n太郎", "氏名・団体名に改行や使えない文字"),
    ("\u200b\u200b", "見えない文字だけ"),
    ("\u3000 \t", "使えない文字"),
    ("\u3000 ", "見えない文字だけ"),
    ("\u3164", "見えない文字だけ"),
    ("\u2060\ufeff", "見えない文字だけ"),
])
def test_a_name_that_cannot_be_stored_or_seen_is_refused_naming_the_field(value: str,
                                                                         says: str) -> None:
    found = problem("name", NAME, value)
    assert found is not None and found.field == "name"
    assert says in found.message


@pytest.mark.parametrize("value", ["山田 太郎", "ＮＰＯ法人　あきた", "Ｏ", "・", "1", "😀", ""])
def test_ordinary_names_pass(value: str) -> None:
    assert problem("name", NAME, value) is None


def test_several_line_fields_keep_line_breaks_and_tabs_but_not_other_controls() -> None:
    assert problem("notes", NOTE, "一行目\r\n二行目\t以上") is None
    assert problem("notes", NOTE, "ベル\x07") is not None
    assert problem("notes", NOTE, "あ" * 2_001) is not None
    assert problem("asked", bounds.text("相談内容"), "あ" * 20_000) is None
    assert problem("asked", bounds.text("相談内容"), "あ" * 10_000_000) is not None


def test_numbers_and_days_stay_in_their_range() -> None:
    fee = FIELD_BOUNDS["events"]["fee"]
    assert problem("fee", fee, 1500) is None
    assert "参加費は0から1,000,000まで" in problem("fee", fee, 1_000_001).message  # type: ignore[union-attr]
    assert problem("fee", fee, -1) is not None
    held = FIELD_BOUNDS["consultations"]["held_on"]
    assert "1年1月1日は扱えない日付" in problem("held_on", held, date(1, 1, 1)).message  # type: ignore[union-attr]
    assert problem("held_on", held, date(2026, 12, 5)) is None
    assert problem("held_on", held, date(2100, 1, 1)) is not None


@given(st.text())
def test_any_text_gets_an_answer_never_an_exception(value: str) -> None:
    for bound in (NAME, NOTE, bounds.line("住所"), bounds.code("電話番号", 20)):
        found = problem("f", bound, value)
        assert found is None or found.message


@given(st.text(st.characters(categories=["L", "N", "P", "S"], exclude_characters="\u3164\u115f\u1160\uffa0\u2800"),
               min_size=1, max_size=200))
def test_visible_text_of_a_names_length_always_passes(value: str) -> None:
    assert problem("name", NAME, value) is None
