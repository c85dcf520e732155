"""Reading order (五十音順) with the kana-row guides the door lists print (issue 21)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk.domain.reading_order import (
    NO_READING,
    OTHER,
    ROW_NAMES,
    by_reading,
    kana_row,
    with_guides,
)


def test_each_kana_row_and_what_falls_outside_them() -> None:
    assert [kana_row(r) for r in ("あおき", "ガモウ", "ｻﾄｳ", "ぢゃん", "ぱく", "ヴィエラ", "をの",
                                  "ん", "ABC", "", "　")] == [
        "あ行", "か行", "さ行", "た行", "は行", "あ行", "わ行", "わ行", OTHER, NO_READING,
        NO_READING]


def test_names_sort_by_reading_voiced_beside_unvoiced_then_by_name() -> None:
    people = [("馬場", "ばば"), ("林", "はやし"), ("葉山", "ハヤマ"), ("匿名", ""),
              ("羽田", "はだ"), ("秦", "はた"), ("Smith", "smith")]
    assert [n for n, _ in by_reading(people, lambda p: p[1], lambda p: p[0])] == [
        "秦", "羽田", "馬場", "林", "葉山", "Smith", "匿名"]


def test_a_guide_is_given_where_the_row_changes_and_only_there() -> None:
    people = [("青木", "あおき"), ("伊藤", "いとう"), ("加藤", "かとう"), ("名無", "")]
    assert [(g, n) for g, (n, _) in with_guides(people, lambda p: p[1], lambda p: p[0])] == [
        ("あ行", "青木"), ("", "伊藤"), ("か行", "加藤"), (NO_READING, "名無")]


@given(st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=30))
def test_guides_follow_the_rows_in_their_printed_order(people: list[tuple[str, str]]) -> None:
    listed = with_guides(people, lambda p: p[1], lambda p: p[0])
    assert sorted(p for _, p in listed) == sorted(people)  # everyone, once
    guides = [g for g, _ in listed if g]
    assert guides == sorted(set(guides), key=ROW_NAMES.index)  # each row once, in order
    assert all(kana_row(p[1]) == g for g, p in listed if g)
