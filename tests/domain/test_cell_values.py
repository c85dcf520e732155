"""One cell of an office's register read as the office typed it (domain/cell_values.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kyodo_desk.domain.cell_values import (
    Cell,
    cell_choice,
    cell_date,
    cell_fax,
    cell_phones,
    cell_postal_code,
    cell_text,
    cell_whole_number,
    cell_year_month,
)
from kyodo_desk.domain.dates import ERAS, era_date
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.text import UNTYPEABLE

WIDE = str.maketrans("0123456789/,-", "０１２３４５６７８９／，－")
ERA_LETTERS = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}


def refusal(read: Callable[[Cell], object], value: Cell, field: str = "held_on") -> str:
    with pytest.raises(ValidationError) as caught:
        read(value)
    assert [p.field for p in caught.value.problems] == [field]
    return caught.value.message


def held_on(value: Cell) -> date | None:
    return cell_date(value, "held_on", "相談日")


def founded_on(value: Cell) -> date | None:
    return cell_year_month(value, "founded_on", "設立年月")


def members(value: Cell) -> int | None:
    return cell_whole_number(value, "member_count", "構成員数", lowest=0, highest=100_000)


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "2026/4/1", "2026-04-01", "2026.4.1", "2026年4月1日", "20260401", "２０２６／４／１",
    "２０２６年４月１日", "R8.4.1", "R8/4/1", "r8.4.1", "Ｒ８．４．１", "R08.04.01", "令和8年4月1日",
    "令8.4.1", " 2026 / 4 / 1 ", "令和 8年 4月 1日", "2026/4/1(水)", "2026年4月1日（水）",
    "2026/4/1（水曜日）", "2026年4月1日水曜日", "2026/04/01 10:23:45", "2026-04-01T10:23",
    "2026/4/1\n", 46113, 46113.0, 46113.625, date(2026, 4, 1), datetime(2026, 4, 1, 10, 30),
])
def test_a_day_in_any_form_an_office_writes_it_reads_as_that_day(typed: Cell) -> None:
    assert held_on(typed) == date(2026, 4, 1)


@pytest.mark.parametrize(("typed", "day"), [
    ("令和元年5月1日", date(2019, 5, 1)), ("R1.5.1", date(2019, 5, 1)),
    ("H30.2.1", date(2018, 2, 1)), ("平成30年2月1日", date(2018, 2, 1)), ("平30.2.1", date(2018, 2, 1)),
    ("㍻30.2.1", date(2018, 2, 1)), ("S64.1.7", date(1989, 1, 7)), ("昭和64年1月7日", date(1989, 1, 7)),
    ("T15.12.24", date(1926, 12, 24)), ("大正15年12月24日", date(1926, 12, 24)),
    ("M45.7.29", date(1912, 7, 29)), ("明治6年1月1日", date(1873, 1, 1)),
])
def test_every_era_reads_in_its_long_and_short_forms(typed: str, day: date) -> None:
    assert held_on(typed) == day


@pytest.mark.parametrize(("serial", "day"), [
    (1, date(1900, 1, 1)), (59, date(1900, 2, 28)), (61, date(1900, 3, 1)),
    (45383, date(2024, 4, 1)), (2_958_465, date(9999, 12, 31)),
])
def test_an_excel_serial_number_is_the_day_excel_shows(serial: int, day: date) -> None:
    assert held_on(serial) == day


@pytest.mark.parametrize("empty", [None, "", "   ", "\u3000"])
def test_an_empty_cell_is_no_date(empty: Cell) -> None:
    assert held_on(empty) is None
    assert founded_on(empty) is None


def test_a_date_that_cannot_be_read_is_refused_quoting_it_with_examples() -> None:
    assert refusal(held_on, "R8.13.1") == (
        "相談日「R8.13.1」は日付として読めません（例: 2026/4/1、令和8年4月1日、R8.4.1）。")
    assert "「4月1日」は日付として読めません" in refusal(held_on, "4月1日")
    assert "「来週」は日付として読めません" in refusal(held_on, "来週")


def test_a_day_the_month_does_not_have_is_refused() -> None:
    assert "2026年2月は28日までです" in refusal(held_on, "2026/2/30")
    assert "2024年2月は29日までです" in refusal(held_on, "R6.2.30")
    assert held_on("2024/2/29") == date(2024, 2, 29)


def test_a_weekday_that_is_not_the_dates_is_refused() -> None:
    assert refusal(held_on, "2026/4/2(水)") == (
        "相談日「2026/4/2(水)」は曜日が合いません: 2026年4月2日は木曜日です。")
    assert "木曜日です" in refusal(held_on, "令和8年4月2日（水）")


def test_an_era_year_past_the_eras_end_is_refused_naming_its_last_year() -> None:
    message = refusal(held_on, "平成32年4月1日")
    assert "平成は31年までです" in message and "令和2年" in message
    assert "昭和は64年までです" in refusal(held_on, "S65.1.1")
    assert "令和は元年から" in refusal(held_on, "令和0年5月1日")


def test_an_era_written_on_into_the_next_eras_first_months_is_read() -> None:
    # Forms printed with 平成31年 were filled in well into May 2019: the day is unmistakable.
    assert held_on("平成31年5月20日") == date(2019, 5, 20)


def test_a_date_typed_as_text_digits_is_no_excel_serial() -> None:
    # A CSV cell "45383" may be a serial or a mistyped date: not guessed.
    assert "は日付として読めません" in refusal(held_on, "45383")


def test_two_digit_western_years_are_not_guessed() -> None:
    assert "年が2桁です" in refusal(held_on, "26/4/1")
    assert "年が2桁です" in refusal(held_on, "26.4.1")


def test_days_before_japan_took_the_gregorian_calendar_are_refused() -> None:
    assert "1873年（明治6年）より前" in refusal(held_on, "明治5年12月2日")
    assert "1873年（明治6年）より前" in refusal(held_on, "1872/12/31")


@pytest.mark.parametrize("value", [60, 0, -1, 2_958_466, float("nan"), float("inf"), True,
                                   time(9, 30)])
def test_a_number_that_is_no_excel_day_is_refused(value: Cell) -> None:
    assert "は日付として読めません" in refusal(held_on, value)


def test_a_formula_error_is_named_in_any_kind_of_cell() -> None:
    message = "数式のエラー（#N/A）が入っています"
    assert message in refusal(held_on, "#N/A")
    assert message in refusal(founded_on, "#N/A", "founded_on")
    assert message in refusal(members, "#N/A", "member_count")
    assert "数式のエラー（#DIV/0!）" in refusal(lambda v: cell_text(v, field="notes"), "#DIV/0!",
                                          "notes")


@pytest.mark.parametrize("typed", [
    "2015年4月", "H27.4", "2015/4", "平成27年4月", "２０１５年４月", "平成 27年 4月", "2015-04", "201504",
    "2015/4/12", "平成27年4月30日", 42095, date(2015, 4, 20), datetime(2015, 4, 20, 9, 0),
])
def test_a_founding_month_reads_as_its_first_day(typed: Cell) -> None:
    assert founded_on(typed) == date(2015, 4, 1)


def test_a_founding_year_without_its_month_is_refused() -> None:
    assert "「2015年」は日付として読めません（例: 2015/4、平成27年4月、H27.4）" in refusal(
        founded_on, "2015年", "founded_on")
    assert "平成は31年までです" in refusal(founded_on, "平成32年4月", "founded_on")


def excel_serial(day: date) -> int:
    """Excel's number for *day*, counted the way Excel does (with its 1900-02-29)."""
    return (day - date(1899, 12, 31)).days + (1 if day >= date(1900, 3, 1) else 0)


def written_forms(day: date) -> list[Cell]:
    y, m, d = day.year, day.month, day.day
    era = era_date(day)
    name = era[:2]
    era_year = 1 if era[2] == "元" else int(era[2:era.index("年")])
    forms: list[Cell] = [
        f"{y}/{m}/{d}", f"{y}-{m:02d}-{d:02d}", f"{y}.{m}.{d}", f"{y}年{m}月{d}日",
        f"{y}{m:02d}{d:02d}", f"{y}/{m}/{d}".translate(WIDE), era,
        f"{ERA_LETTERS[name]}{era_year}.{m}.{d}", f"{ERA_LETTERS[name].lower()}{era_year}/{m}/{d}",
        f"{name[0]}{era_year}.{m}.{d}", f"{y}/{m}/{d}（{'月火水木金土日'[day.weekday()]}）",
    ]
    if day >= date(1900, 1, 1):
        forms.append(excel_serial(day))
    return forms


@given(st.dates(min_value=date(1873, 1, 1), max_value=date(2099, 12, 31)))
def test_every_day_written_in_every_supported_form_reads_back(day: date) -> None:
    for form in written_forms(day):
        assert held_on(form) == day, form
        assert founded_on(form) == day.replace(day=1), form


@given(st.dates(min_value=date(1873, 1, 1), max_value=date(2099, 12, 31)))
def test_a_month_without_its_day_reads_back_in_western_and_era_forms(day: date) -> None:
    first = day.replace(day=1)
    era = era_date(first)
    forms = [f"{day.year}年{day.month}月", f"{day.year}/{day.month}", era[: era.index("月") + 1]]
    for form in forms:
        assert founded_on(form) == first, form


def test_the_first_and_last_years_of_each_era_meet() -> None:
    for later, _ in ERAS[:-1]:
        eve = later - timedelta(days=1)
        assert held_on(era_date(eve)) == eve
        assert held_on(era_date(later)) == later


# --- numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "count"), [
    (24, 24), (24.0, 24), ("24", 24), ("２４", 24), ("24人", 24), ("24名", 24), ("２４人", 24),
    (" 24 ", 24), ("24 人", 24), ("1,200", 1200), ("１，２００名", 1200), ("0", 0),
    (None, None), ("", None), ("\u3000", None),
])
def test_a_count_in_any_usual_form_reads_as_that_number(typed: Cell, count: int | None) -> None:
    assert members(typed) == count


def test_a_count_that_is_no_whole_number_in_range_is_refused_quoting_the_cell() -> None:
    assert "整数で入力してください" in refusal(members, 24.5, "member_count")
    assert "「24.5」" in refusal(members, 24.5, "member_count")
    assert "マイナス" in refusal(members, -3, "member_count")
    assert "「-3」" in refusal(members, -3, "member_count")
    assert "0〜100,000の範囲" in refusal(members, 100_001, "member_count")
    assert "「約20」は数として読めません" in refusal(members, "約20", "member_count")
    assert "「TRUE」は数として読めません" in refusal(members, True, "member_count")
    assert "「2026年4月1日」は数として読めません" in refusal(members, date(2026, 4, 1), "member_count")


def test_other_units_can_be_named() -> None:
    assert cell_whole_number("12団体", "groups", "団体数", lowest=0, highest=99,
                             units=("団体",)) == 12


@given(st.integers(min_value=0, max_value=100_000))
def test_a_count_written_full_width_with_commas_reads_back(n: int) -> None:
    assert members(f"{n:,}".translate(WIDE)) == n
    assert members(f"{n:,}人") == n
    assert members(float(n)) == n


# --- phones --------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "numbers"), [
    ("018-888-5640", ("018-888-5640",)),
    ("018-888-5640 / 090-1234-5678", ("018-888-5640", "090-1234-5678")),
    ("℡018(888)5640　携帯09012345678", ("018-888-5640", "09012345678")),
    ("TEL:018-888-5640、携帯:090-1234-5678", ("018-888-5640", "090-1234-5678")),
    ("電話 018-888-5640\n携帯 090-1234-5678", ("018-888-5640", "090-1234-5678")),
    ("０１８－８８８－５６４０・０９０ー１２３４ー５６７８", ("018-888-5640", "090-1234-5678")),
    ("(018)888-5640;090-1234-5678", ("018-888-5640", "090-1234-5678")),
    ("(018) 888-5640", ("018-888-5640",)),
    ("018 888 5640", ("018-888-5640",)),
    ("+81 90-1234-5678", ("090-1234-5678",)),
    (188885640, ("0188885640",)), (9012345678, ("09012345678",)), (188885640.0, ("0188885640",)),
    ("188885640", ("0188885640",)),
    ("TEL 018-888-5640 FAX 018-888-5641", ("018-888-5640",)),
    ("T.018-888-5640 F.018-888-5641", ("018-888-5640",)),
    ("TEL/FAX 018-888-5640", ("018-888-5640",)),
    (None, ()), ("", ()), ("なし", ()), ("-", ()),
])
def test_the_phone_numbers_of_a_cell_come_out_without_their_marks(
        typed: Cell, numbers: tuple[str, ...]) -> None:
    assert cell_phones(typed) == numbers


@pytest.mark.parametrize(("typed", "numbers"), [
    ("018-888-5641", ("018-888-5641",)),
    ("TEL 018-888-5640 FAX 018-888-5641", ("018-888-5641",)),
    ("TEL・FAX 018-888-5640", ("018-888-5640",)),
    ("ファックス：０１８－８８８－５６４１", ("018-888-5641",)),
    ("℡018-888-5640", ()),
])
def test_a_fax_cell_gives_its_fax_numbers(typed: Cell, numbers: tuple[str, ...]) -> None:
    assert cell_fax(typed) == numbers


def test_what_is_no_phone_number_is_passed_on_for_validation_to_refuse() -> None:
    assert cell_phones("018-888-564O") == ("018-888-564",)
    assert cell_phones(12345) == ("12345",)


_DIGIT = st.sampled_from("0123456789")


@st.composite
def phone_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A number as someone typed it, and its digits: 0 and 9 or 10 more digits, grouped by
    hyphens or parentheses or not at all."""
    rest = "".join(draw(st.lists(_DIGIT, min_size=9, max_size=10)))
    digits = "0" + rest
    area = draw(st.integers(min_value=2, max_value=5))
    local = area + draw(st.integers(min_value=1, max_value=4))
    head, middle, tail = digits[:area], digits[area:local], digits[local:]
    written = draw(st.sampled_from([
        digits, f"{head}-{middle}-{tail}", f"{head}({middle}){tail}", f"({head}){middle}-{tail}",
        f"{head}ー{middle}ー{tail}",
    ]))
    if draw(st.booleans()):
        written = written.translate(str.maketrans("0123456789-()", "０１２３４５６７８９－（）"))
    return written, digits


MARKS = ["", "℡", "TEL", "Tel:", "tel.", "電話", "電話：", "携帯", "携帯:", "ＴＥＬ", "自宅 "]
SEPARATORS = [" ", "　", "／", "/", "・", "、", ",", ";", "\n", " / ", "\r\n"]


@given(phone_numbers(), phone_numbers(), st.sampled_from(MARKS), st.sampled_from(MARKS),
       st.sampled_from(SEPARATORS), st.sampled_from(["", " ", "　"]))
def test_two_numbers_with_any_marks_and_separators_split_into_exactly_those_two(
        first: tuple[str, str], second: tuple[str, str], mark_1: str, mark_2: str,
        separator: str, padding: str) -> None:
    cell = f"{padding}{mark_1}{first[0]}{separator}{mark_2}{second[0]}{padding}"
    found = cell_phones(cell)
    assert [n.replace("-", "") for n in found] == [first[1], second[1]], cell


# --- postal codes --------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "010-0041", "0100041", "〒010-0041", "〒 010-0041", "０１０－００４１", "〒０１０ー００４１",
    " 010 0041 ", 100041, 100041.0,
])
def test_a_postal_code_in_any_usual_form_reads_hyphenated(typed: Cell) -> None:
    assert cell_postal_code(typed) == "010-0041"


def test_a_code_excel_lost_two_zeros_of_is_completed() -> None:
    assert cell_postal_code(10010) == "001-0010"  # 札幌市中央区北一条西


@pytest.mark.parametrize("typed", ["010041", "1234", 1234, "秋田市広面", True, date(2026, 4, 1)])
def test_what_is_no_postal_code_is_refused(typed: Cell) -> None:
    assert "は7桁の数字で入力してください" in refusal(cell_postal_code, typed, "postal_code")


def test_an_empty_postal_code_cell_is_empty() -> None:
    assert cell_postal_code(None) == "" and cell_postal_code("〒") == ""


# --- text ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "text"), [
    (None, ""), ("", ""), (24.0, "24"), (24, "24"), (0.1 + 0.2, "0.3"), (1.5, "1.5"),
    ("  秋田 太郎\u3000", "秋田 太郎"), ("広面字\n土手下", "広面字 土手下"),
    ("広面字\r\n\r\n土手下 ", "広面字 土手下"), (True, "TRUE"),
    (date(2026, 4, 1), "2026年4月1日"), (datetime(2026, 4, 1, 9, 5), "2026年4月1日 9:05"),
    (time(14, 30), "14:30"),
])
def test_a_single_line_cell_reads_as_excel_shows_it(typed: Cell, text: str) -> None:
    assert cell_text(typed) == text


def test_a_several_line_cell_keeps_its_lines() -> None:
    assert cell_text("　相談の内容\r\n\r\n回答した \n", multiline=True) == "相談の内容\n\n回答した"


def test_a_long_text_is_not_cut() -> None:
    assert len(cell_text("あ" * 100_000)) == 100_000


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                                   "#NULL!", " #N/A "])
def test_a_formula_error_is_refused(error: str) -> None:
    message = refusal(lambda v: cell_text(v, field="notes"), error, "notes")
    assert message.startswith(f"数式のエラー（{error.strip()}）が入っています")


# --- choices -------------------------------------------------------------------------------

KINDS = {"団体": "group", "個人": "person"}
CHANNELS = {"来所": "visit", "電話": "phone", "メール": "email"}


@pytest.mark.parametrize(("typed", "kind"), [
    ("団体", "group"), (" 個人 ", "person"), ("個　人", "person"), (None, None), ("", None),
])
def test_a_choice_reads_whatever_its_spacing(typed: Cell, kind: str | None) -> None:
    assert cell_choice(typed, "kind", "区分", KINDS) == kind


@pytest.mark.parametrize("typed", ["メール", "ﾒｰﾙ", "めーる", "メール "])
def test_a_choice_reads_whatever_its_width_and_kana(typed: str) -> None:
    assert cell_choice(typed, "channel", "相談方法", CHANNELS) == "email"


def test_a_choice_not_offered_is_refused_listing_the_choices() -> None:
    assert refusal(lambda v: cell_choice(v, "kind", "区分", KINDS), "法人", "kind") == (
        "区分「法人」は選べません（団体、個人のいずれか）。")


# --- any cell at all -----------------------------------------------------------------------

CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.dates(),
    st.datetimes(), st.times(),
    st.text(alphabet="0123456789０１２３４５６７８９/.-年月日元令平昭RHS()（）水 ", max_size=14),
)


@given(CELLS)
@example("#NUM!")
@example("\x1b")
@example(10**400)
def test_any_cell_gets_a_stored_form_or_a_refusal_naming_its_field(value: Cell) -> None:
    readers: list[Callable[[Cell], object]] = [
        held_on, founded_on, members, cell_phones, cell_fax, cell_postal_code,
        lambda v: cell_text(v, field="notes"), lambda v: cell_text(v, multiline=True, field="notes"),
        lambda v: cell_choice(v, "kind", "区分", KINDS),
    ]
    for read in readers:
        try:
            read(value)
        except ValidationError as refused:
            assert len(refused.problems) == 1 and refused.problems[0].field
            # Quoted in the report: no control character nor half of a surrogate pair.
            assert not re.search(f"[{UNTYPEABLE}]", refused.message)
