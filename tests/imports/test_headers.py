"""Finding the header of an office list (issue 17): title rows above it skipped, two-row headers
with merged cells joined, unnamed columns named 「列N」, and blank rows, the header printed again
per page and the total row at the end left out of the records. A sheet with no header says so
in Japanese.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk.imports.headers import HeaderLayout, HeaderNotFound, find_header
from kyodo_desk.imports.mapping import APPLICANTS, CONTACTS, guess_mapping, known_headings
from kyodo_desk.imports.tables import Cell, ImportFileError, SheetTable


def table(*rows: list[Cell], source: str = "名簿.xlsx", sheet: str = "Sheet1") -> SheetTable:
    return SheetTable(source, sheet, [list(r) for r in rows])


HEADER: list[Cell] = ["団体名", "代表者", "郵便番号", "住所", "電話"]
GROUP_1: list[Cell] = ["あきた子ども食堂の会", "山田 花子", "010-0001", "秋田市中通1-1", "018-800-0001"]
GROUP_2: list[Cell] = ["雄和の里山クラブ", "佐藤 一郎", "010-1223", "秋田市雄和妙法2", "018-800-0002"]


def test_a_header_at_the_top_is_row_zero() -> None:
    layout = find_header(table(HEADER, GROUP_1, GROUP_2))
    assert layout == HeaderLayout((0,), ("団体名", "代表者", "郵便番号", "住所", "電話"), (1, 2))


def test_title_date_and_city_rows_above_the_header_are_skipped() -> None:
    layout = find_header(table(
        ["令和7年度 市民活動団体名簿"],
        [None, None, None, None, "令和7年4月1日現在"],
        ["秋田市 市民協働推進課"],
        [],
        HEADER, GROUP_1, GROUP_2))
    assert layout.header_rows == (4,)
    assert layout.headings[0] == "団体名"
    assert layout.data_rows == (5, 6)


def test_a_title_in_two_cells_is_not_taken_for_an_upper_header_row() -> None:
    # A title spanning the sheet and a date at the right would pass as a "span" over the
    # header; it names no column, so the header stays one row.
    layout = find_header(table(
        ["市民活動団体名簿（団体名・代表者名）", None, None, "令和7年4月1日現在"],
        HEADER, GROUP_1))
    assert layout.header_rows == (1,)
    assert layout.headings == ("団体名", "代表者", "郵便番号", "住所", "電話")


def test_a_two_row_header_with_merged_cells_joins_upper_and_lower() -> None:
    layout = find_header(table(
        ["令和7年度 市民活動団体名簿"],
        ["団体名", "代表者", "住所", None, "連絡先"],
        [None, None, "住所1", "住所2", "TEL", "FAX", "メール"],
        ["あきた子ども食堂の会", "山田 花子", "秋田市中通1-1", "中通ビル2F", "018-800-0001",
         "018-800-0009", "kodomo@example.jp"]))
    assert layout.header_rows == (1, 2)
    assert layout.headings == ("団体名", "代表者", "住所1", "住所2", "連絡先 TEL",
                               "連絡先 FAX", "連絡先 メール")
    assert layout.data_rows == (3,)
    assert guess_mapping(CONTACTS, layout.headings) == {
        0: "name", 1: "representative", 2: "address_1", 3: "address_2", 4: "phone",
        5: "fax", 6: "email"}


def test_a_span_label_over_sub_headings_it_does_not_begin() -> None:
    layout = find_header(table(
        ["氏名", "電話", None, "備考"],
        [None, "自宅", "携帯", None],
        ["山田 花子", "018-800-0001", "090-1234-5678", ""]))
    assert layout.header_rows == (0, 1)
    assert layout.headings == ("氏名", "電話 自宅", "電話 携帯", "備考")
    assert guess_mapping(CONTACTS, layout.headings) == {
        0: "name", 1: "phone", 2: "mobile", 3: "notes"}


def test_a_second_row_with_no_known_heading_is_a_record() -> None:
    # It cannot be told from a record with only its address filled in: kept as data.
    layout = find_header(table(
        ["氏名", "住所", None, "備考"],
        [None, "都道府県", "市区町村以下", None],
        ["山田 花子", "秋田県", "秋田市中通1-1", ""]))
    assert layout.header_rows == (0,)
    assert layout.headings == ("氏名", "住所", "列3", "備考")
    assert layout.data_rows == (1, 2)


def test_a_genuinely_empty_heading_column_is_named_by_its_position() -> None:
    # One-row header: the empty heading is a column nobody named (a merged span cannot be
    # told from it without a second header row), and the data wider than the header too.
    layout = find_header(table(
        ["氏名", None, "住所"],
        ["山田 花子", "要確認", "秋田市中通1-1", "2025年度から"]))
    assert layout.headings == ("氏名", "列2", "住所", "列4")
    # Two-row header: an empty column in both rows is unnamed, and it ends the span before it.
    layout = find_header(table(
        ["氏名", "住所", None, None, None],
        [None, "住所1", "住所2", None, "電話"],
        ["山田 花子", "秋田市", "中通1-1", "x", "018-800-0001"]))
    assert layout.headings == ("氏名", "住所1", "住所2", "列4", "電話")


def test_a_first_data_row_under_a_merged_heading_is_not_a_header_row() -> None:
    layout = find_header(table(
        ["氏名", "住所", None, "電話"],
        ["山田 花子", "秋田市", "中通1-1 メモ", "018-800-0001"]))
    assert layout.header_rows == (0,)
    assert layout.data_rows == (1,)


def test_blank_rows_repeated_headers_and_the_total_row_are_left_out() -> None:
    layout = find_header(table(
        HEADER,
        GROUP_1,
        [],
        [None, "　", " "],
        ["団体名", "代表者", "郵便番号", "住所", "電話"],  # page 2 prints the header again
        GROUP_2,
        ["合　計", None, None, None, "2団体"],
        [None]))
    assert layout.data_rows == (1, 5)


@pytest.mark.parametrize("word", ["合計", "計", "総計", "小計", "以上", "合計："])
def test_each_total_word_ends_a_row_out(word: str) -> None:
    layout = find_header(table(HEADER, GROUP_1, [None, word, None, 2]))
    assert layout.data_rows == (1,)


def test_a_row_of_sums_under_a_total_word_is_left_out_too() -> None:
    counts = find_header(table(["地区", "会員数", "団体数"], ["中央", 120, 4], ["東部", 80, 3],
                               ["合計"], [None, 200, 7]))
    assert counts.data_rows == (1, 2)


def test_a_numbers_only_last_row_without_a_total_word_is_kept() -> None:
    # Conservative: a last record holding only numbers is still a record.
    layout = find_header(table(["番号", "会員数", "団体数"], [1, 120, 4], [2, 80, 3]))
    assert layout.data_rows == (1, 2)


def test_a_record_mentioning_a_total_word_later_in_the_row_is_kept() -> None:
    layout = find_header(table(HEADER, ["計画づくりの会", "計 太郎", None, None, "合計"]))
    assert layout.data_rows == (1,)


def test_headings_in_full_width_with_brackets_and_marks_are_recognised() -> None:
    layout = find_header(table(
        ["会員名簿"],
        ["【必須】氏名（漢字）", "ﾌﾘｶﾞﾅ", "〒", "※住所", "ＴＥＬ：", "Ｅメール"],
        ["山田 花子", "ﾔﾏﾀﾞ ﾊﾅｺ", "010-0001", "秋田市中通1-1", "018-800-0001", "h@example.jp"]))
    assert layout.header_rows == (1,)
    assert guess_mapping(CONTACTS, layout.headings) == {
        0: "name", 1: "reading", 2: "postal_code", 3: "address", 4: "phone", 5: "email"}


def test_line_breaks_inside_a_heading_become_one_space() -> None:
    layout = find_header(table(["氏名", "電話\n番号", "メール\u3000アドレス"], ["a", "b", "c"]))
    assert layout.headings == ("氏名", "電話 番号", "メール アドレス")


def test_a_google_forms_export() -> None:
    stamp = date(2026, 4, 1)
    layout = find_header(table(
        ["タイムスタンプ", "お名前", "電話番号", "参加人数", "ご質問があれば"],
        [stamp, "山田 花子", "090-1234-5678", 2, ""],
        [stamp, "佐藤 一郎", "090-8765-4321", 1, "駐車場はありますか"],
        source="申込フォーム.csv", sheet=""))
    assert layout.header_rows == (0,)
    assert layout.data_rows == (1, 2)
    assert guess_mapping(APPLICANTS, layout.headings) == {
        0: "submitted_at", 1: "name", 2: "phone", 3: "party_size", 4: "notes"}


def test_the_row_matching_most_headings_wins_over_an_earlier_partial_one() -> None:
    layout = find_header(table(
        ["作成者", "担当課"],  # two text cells, no known heading
        ["区分", "説明"],  # one known heading: a legend above the table
        ["区分", "団体名", "代表者", "住所", "電話"],
        ["団体", "あきた子ども食堂の会", "山田 花子", "秋田市", "018-800-0001"]))
    assert layout.header_rows == (2,)


def test_known_headings_can_be_narrowed_to_a_target() -> None:
    rows = (["相談日", "相談内容", "回答"], [date(2026, 4, 1), "会計の相談", "説明した"])
    assert find_header(table(*rows), known_headings("consultations")).header_rows == (0,)
    with pytest.raises(HeaderNotFound):
        find_header(table(*rows), known_headings(APPLICANTS))


def test_a_headerless_list_is_refused_in_japanese() -> None:
    with pytest.raises(HeaderNotFound) as caught:
        find_header(table(GROUP_1, GROUP_2, source="団体一覧.xlsx", sheet="R7"))
    assert caught.value.message == (
        "「団体一覧.xlsx」のシート「R7」に見出しの行が見つかりません（例: 氏名、住所、電話）。"
        "最初の30行に項目名の行があるか確かめてください。")
    assert isinstance(caught.value, ImportFileError)


def test_an_empty_sheet_and_a_csv_without_header_are_refused() -> None:
    with pytest.raises(HeaderNotFound, match=r"^「空\.csv」に見出しの行が"):
        find_header(table(source="空.csv", sheet=""))
    with pytest.raises(HeaderNotFound):
        find_header(table(["令和7年度 市民活動団体名簿"], [1, 2, 3], source="x.csv", sheet=""))


def test_a_header_below_the_first_30_rows_is_not_looked_for() -> None:
    padding: list[list[Cell]] = [["メモ書き"] for _ in range(30)]
    with pytest.raises(HeaderNotFound):
        find_header(table(*padding, HEADER, GROUP_1))
    layout = find_header(table(*padding[:29], HEADER, GROUP_1))
    assert layout.header_rows == (29,)


TITLES = st.lists(st.sampled_from([["令和7年度 市民活動団体名簿"], ["秋田市"], [],
                                   [None, None, "令和7年4月1日現在"], [None]]), max_size=5)


@given(TITLES, st.lists(st.sampled_from([GROUP_1, GROUP_2, [], [None, " "], HEADER]),
                        max_size=8))
def test_title_rows_and_blank_or_repeated_rows_change_nothing_but_positions(
        titles: list[list[Cell]], body: list[list[Cell]]) -> None:
    layout = find_header(table(*titles, HEADER, *body))
    assert layout.header_rows == (len(titles),)
    assert layout.headings == tuple(HEADER)
    start = len(titles) + 1
    assert layout.data_rows == tuple(
        start + i for i, row in enumerate(body) if row in (GROUP_1, GROUP_2))
