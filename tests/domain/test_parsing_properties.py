"""Properties of every parser and normaliser of the domain, checked with Hypothesis.

Stated once here, each for all inputs of its kind:
- amounts: yen(n) reads back as n for every n in 0..MAX_YEN, in half and full width; what
  reads as an amount is one of that amount's written forms, and nothing else does;
- phone, postal code, e-mail, web address, kana reading: the stored form is a fixed point
  (storing it again changes nothing); width and hyphen variants give the same stored form;
- folding: fold is idempotent and blind to width and kana; every part of a folded text finds
  the text through the gram index;
- search input: any text becomes a bounded, printable query of bounded grams, folded or not,
  and no run of spaces or controls hides the words after it;
- dates: the era forms and the fiscal year agree; next year's title and date count up by one;
- any text at all (NUL, half of a surrogate pair, a megabyte) gets a stored form or a
  ValidationError naming the field, never another exception.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

import jaconv
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from kyodo_desk.domain import validation
from kyodo_desk.domain.dates import (
    ERAS,
    FIRST_SUPPORTED,
    era_date,
    era_year_month,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_range,
    next_year_title,
    same_day_next_year,
)
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.grants import MAX_YEN, parse_yen, yen
from kyodo_desk.domain.text import (
    MAX_QUERY_CHARS,
    MAX_QUERY_GRAMS,
    fold,
    fold_query,
    gram_document,
    grams,
    plain_query,
    query_grams,
)

MEGABYTE = 1_000_000
# Any text a paste can bring: every category, plus unpaired surrogates, NUL and friends.
ANY_CHAR = st.one_of(st.characters(), st.characters(categories=["Cs"]),
                     st.sampled_from("\x00\x1f\x7f\u200b\ufeff"))
ANY_TEXT = st.text(ANY_CHAR)
# Texts a search or a parser meets when someone pastes a page, a file or a binary.
HUGE = [
    "a" * MEGABYTE, "1" * MEGABYTE, "0" * MEGABYTE + "1", "あ" * MEGABYTE, "\x00" * MEGABYTE,
    "\ud800" * MEGABYTE, "a." * (MEGABYTE // 2) + " x", "1," * (MEGABYTE // 2) + "000",
    "令和" + "9" * MEGABYTE + "年", "2026" * (MEGABYTE // 4),
]
_WIDE = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})


def wide(text: str) -> str:
    """*text* as a Japanese IME in full-width mode types it."""
    return text.translate(_WIDE)


def printable(message: str) -> bool:
    return all(unicodedata.category(ch) not in ("Cc", "Cs") for ch in message)


# --- any text, any parser ---------------------------------------------------------------------

AMOUNT = "amount"
PARSERS: dict[str, Callable[[str], object]] = {
    "postal_code": lambda v: validation.postal_code(v, "postal_code"),
    "phone": lambda v: validation.phone(v, "phone"),
    "email": lambda v: validation.email(v, "email"),
    "website": lambda v: validation.web_address(v, "website"),
    "reading": lambda v: validation.reading(v, "reading"),
    AMOUNT: lambda v: parse_yen(v, AMOUNT, "金額"),
}


def answer(field: str, typed: str) -> object:
    """What the parser of *field* answers: the stored form, or the refusal it gives."""
    try:
        return PARSERS[field](typed)
    except ValidationError as refused:
        assert [p.field for p in refused.problems] == [field]
        assert printable(refused.message) and len(refused.message) < 300, refused.message
        return refused


# The stored forms: ASCII digits only, no space or control character anywhere.
STORED_FORM = {
    "postal_code": r"[0-9]{3}-[0-9]{4}", "phone": r"0[0-9]*(-[0-9]+)+",
    "email": r"[^\s@]+@[^\s@]+", "website": r"https?://\S+",
    "reading": r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb ]+",
}


@pytest.mark.parametrize("field", PARSERS)
@given(typed=ANY_TEXT)
@example(typed="\x00").via("NUL")
@example(typed="\ud800").via("an unpaired surrogate")
@example(typed="0188885640\x00").via("NUL after a valid phone")
@example(typed="https://www.city.akita.lg.jp/\x00").via("NUL in a web address")
@example(typed="٠١٠٠٠٤١").via("a postal code in Arabic-Indic digits")
def test_any_text_is_stored_or_refused_naming_the_field(field: str, typed: str) -> None:
    stored = answer(field, typed)
    if isinstance(stored, str) and stored:
        assert re.fullmatch(STORED_FORM[field], stored) and printable(stored), stored
        stored.encode("utf-8")  # raises on half of a surrogate pair
        assert answer(field, stored) == stored  # the stored form is a fixed point


@pytest.mark.parametrize("field", PARSERS)
@pytest.mark.parametrize("typed", HUGE, ids=lambda t: f"{t[:6]!a}…{len(t)}")
def test_a_pasted_megabyte_is_answered_without_another_exception(field: str, typed: str) -> None:
    stored = answer(field, typed)
    if field in ("postal_code", "phone", "email"):  # none of them is this long
        assert isinstance(stored, ValidationError)
    if field == AMOUNT:  # read as 1 (after a million zeros) or refused
        assert stored == 1 or isinstance(stored, ValidationError)


# --- amounts -----------------------------------------------------------------------------------

@given(st.integers(0, MAX_YEN))
@example(MAX_YEN)
def test_every_amount_reads_back_in_each_way_it_is_written(n: int) -> None:
    for written in (yen(n), str(n), f"{n:,}", f"¥{n:,}", f" ￥{n} ", f"{n:,}円", f"\u3000{n}円 "):
        assert parse_yen(written, AMOUNT, "金額") == n, written
        assert parse_yen(wide(written), AMOUNT, "金額") == n, wide(written)


# What people type around amounts, and what they should not: other scripts' digits, signs,
# the units 万 and 千, a decimal point, spaces inside.
AMOUNT_TEXT = st.text(st.sampled_from("0123456789,，円¥￥.．-−▲ 　᧚٣①¹万千x"), max_size=16)


@given(AMOUNT_TEXT)
@example("10円20").via("円 in the middle")
@example("1,0,0,0").via("commas not grouping thousands")
@example("᧚").via("a digit of another script")
@example("٣٠٠").via("Arabic-Indic digits")
@example("①").via("a circled digit")
@example("30万").via("a unit")
@example("1,000,00").via("a last group of two")
def test_only_an_amount_as_written_in_japan_reads_as_one(typed: str) -> None:
    """Whatever reads as n is ¥, n's digits (alone, or grouped by three), 円 — nothing else."""
    stored = answer(AMOUNT, typed)
    if isinstance(stored, ValidationError):
        assert "金額" in stored.message
        return
    assert isinstance(stored, int) and 0 <= stored <= MAX_YEN
    core = typed.strip().translate(str.maketrans("０１２３４５６７８９，￥", "0123456789,¥"))
    core = core.removeprefix("¥").removesuffix("円")
    assert core.lstrip("0") in (f"{stored}", f"{stored:,}") or (stored == 0 and set(core) == {"0"})


@given(AMOUNT_TEXT)
def test_full_width_amounts_read_as_half_width_ones(typed: str) -> None:
    half, full = answer(AMOUNT, typed), answer(AMOUNT, wide(typed))
    if isinstance(half, ValidationError):
        assert isinstance(full, ValidationError) and full.message == half.message
    else:
        assert full == half


@given(st.integers(max_value=-1) | st.integers(min_value=MAX_YEN + 1))
def test_numbers_out_of_range_are_refused(n: int) -> None:
    assert isinstance(answer(AMOUNT, n), ValidationError)  # type: ignore[arg-type]


# --- phone ---------------------------------------------------------------------------------

DASHES = "-‐‑‒–—―−－ーｰ"


@st.composite
def typed_phone(draw: st.DrawFn) -> tuple[str, str]:
    """(a valid number's digits, the same number as someone may type it)."""
    digits = "0" + draw(st.text(st.sampled_from("0123456789"), min_size=9, max_size=10))
    assume(not isinstance(answer("phone", digits), ValidationError))
    typed = ""
    for ch in digits:
        typed += draw(st.sampled_from(["", "", "", " ", *DASHES])) + ch
    if draw(st.booleans()):
        typed = wide(typed)
    return digits, f" {typed} " if draw(st.booleans()) else typed


@given(typed_phone())
@example(("0188885640", "０１８－８８８－５６４０"))
@example(("0188865511", "(018)886-5511"))
def test_a_phone_number_has_one_stored_form_whatever_the_width_and_hyphens(
        number: tuple[str, str]) -> None:
    digits, typed = number
    stored = validation.phone(digits)
    assert re.fullmatch(r"0[0-9]*-[0-9]+-[0-9]+", stored) and stored.replace("-", "") == digits
    assert validation.phone(typed) == stored
    assert validation.phone(stored) == stored


# --- postal code ---------------------------------------------------------------------------

@given(st.text(st.sampled_from("0123456789"), min_size=7, max_size=7),
       st.sampled_from(["", "〒", "〒 "]), st.sampled_from(["", *DASHES, " "]), st.booleans())
def test_seven_digits_and_the_written_postal_code_are_one(
        digits: str, mark: str, dash: str, full_width: bool) -> None:
    stored = validation.postal_code(digits)
    assert stored == f"{digits[:3]}-{digits[3:]}"
    typed = f"{mark}{digits[:3]}{dash}{digits[3:]}"
    assert validation.postal_code(wide(typed) if full_width else typed) == stored
    assert validation.postal_code(f"〒{stored}") == validation.postal_code(stored) == stored


@given(st.text(st.sampled_from("0123456789"), max_size=12).filter(lambda d: len(d) not in (0, 7)))
def test_other_numbers_of_digits_are_not_a_postal_code(digits: str) -> None:
    assert isinstance(answer("postal_code", digits), ValidationError)


# --- e-mail and web address ------------------------------------------------------------------

@given(st.emails())
def test_an_accepted_address_is_stored_once_and_read_the_same_in_full_width(address: str) -> None:
    stored = answer("email", address)
    assume(not isinstance(stored, ValidationError))
    assert answer("email", stored) == stored
    assert answer("email", wide(address)) == stored


@given(st.from_regex(r"(https?://)?[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){1,3}(/[a-z0-9._~-]{0,10}){0,3}",
                     fullmatch=True))
def test_a_web_address_is_stored_with_its_scheme_once(address: str) -> None:
    stored = validation.web_address(address)
    assert stored.startswith(("http://", "https://")) and stored.endswith(address.split("://")[-1])
    assert validation.web_address(stored) == stored
    assert validation.web_address(wide(address)) == stored


# --- kana reading ------------------------------------------------------------------------------

HIRAGANA = st.text(st.characters(min_codepoint=0x3041, max_codepoint=0x3096) | st.just("ー"),
                   min_size=1, max_size=20)


@given(HIRAGANA)
def test_a_reading_in_any_kana_and_width_is_kept_full_width(hiragana: str) -> None:
    katakana = jaconv.hira2kata(hiragana)
    assert validation.reading(hiragana) == hiragana
    assert validation.reading(katakana) == katakana
    assert validation.reading(jaconv.z2h(katakana, kana=True)) == validation.reading(katakana)
    assert validation.reading(validation.reading(katakana)) == katakana


@given(HIRAGANA, st.sampled_from("佐藤aA1１。!"))
def test_a_reading_with_anything_but_kana_is_refused(hiragana: str, other: str) -> None:
    assert isinstance(answer("reading", hiragana + other), ValidationError)


# --- folding and the gram index ---------------------------------------------------------------

# Where folding has edges: long vowel marks after digits and at the start, kana of each width,
# Hangul jamo that NFKC joins once the sign between them is dropped, final sigma.
FOLD_EDGES = st.text(st.sampled_from("ーｰ-1１あアｱﾞ゙\u1100\u1161\u11a8가ΣσςİK. 　、"), max_size=12)


@given(ANY_TEXT | FOLD_EDGES)
@example("ーー").via("a long vowel mark after one that is dropped")
@example("1ーー").via("a long vowel mark after a dash typed as ー")
@example("\u1100-\u1161").via("jamo joined by NFKC once the hyphen is dropped")
def test_fold_is_idempotent(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded


@given(st.text(st.characters(min_codepoint=0x3041, max_codepoint=0x3096) | st.just("ー"),
               max_size=20))
def test_fold_is_blind_to_kana_and_width(hiragana: str) -> None:
    katakana = jaconv.hira2kata(hiragana)
    half_width = jaconv.z2h(katakana, kana=True)
    assert fold(hiragana) == fold(katakana) == fold(half_width)


def test_the_readme_examples_fold_alike() -> None:
    assert fold("ｾﾝﾀｰ") == fold("せんたー") == fold("センター") == "せんたー"
    assert fold("018-888-5640") == fold("０１８ー８８８ー５６４０") == "0188885640"


@given(ANY_TEXT | FOLD_EDGES, st.data())
def test_every_part_of_a_folded_text_finds_it_through_the_grams(text: str,
                                                               data: st.DataObject) -> None:
    folded = fold(text)
    assume(folded)
    start = data.draw(st.integers(0, len(folded) - 1))
    end = data.draw(st.integers(start + 1, len(folded)))
    query = fold_query(folded[start:end])
    assert query in folded
    assert set(query_grams(query)) <= grams(folded)


@given(st.lists(ANY_TEXT | FOLD_EDGES, min_size=1, max_size=4), st.data())
def test_every_part_of_a_field_finds_its_record(fields: list[str], data: st.DataObject) -> None:
    text, tokens = gram_document(*fields)
    folded = data.draw(st.sampled_from([fold(f) for f in fields]))
    assume(folded)
    start = data.draw(st.integers(0, len(folded) - 1))
    query = fold_query(folded[start:data.draw(st.integers(start + 1, len(folded)))])
    assert query in text
    assert set(query_grams(query)) <= set(tokens.split(" "))


# --- search input ------------------------------------------------------------------------------

def check_query(typed: str) -> None:
    query = fold_query(typed)
    assert len(query) <= MAX_QUERY_CHARS and fold(query) == query
    assert printable(query)
    query.encode("utf-8")  # raises on half of a surrogate pair
    asked = query_grams(query)
    assert len(asked) <= MAX_QUERY_GRAMS and set(asked) <= grams(query)
    assert query == "" or asked  # a query always asks the index something
    plain = plain_query(typed)  # for the columns that are not folded
    assert len(plain) <= MAX_QUERY_CHARS and printable(plain) and not re.search(r"\s", plain)
    plain.encode("utf-8")


@given(ANY_TEXT | FOLD_EDGES)
def test_any_text_becomes_a_bounded_printable_query(typed: str) -> None:
    check_query(typed)


@given(st.text(st.sampled_from(" \u3000\t\r\n\x00\x7f\ud800\udfff")), ANY_TEXT)
@example(" " * MEGABYTE, "佐藤").via("a megabyte of spaces before a name")
@example("\x00" * 1_000, "佐藤").via("NULs before a name")
def test_no_run_of_spaces_or_controls_hides_the_words_after_it(run: str, words: str) -> None:
    assert fold_query(run + words) == fold_query(words)


@pytest.mark.parametrize("typed", HUGE, ids=lambda t: f"{t[:6]!a}…{len(t)}")
def test_a_pasted_megabyte_becomes_a_bounded_query(typed: str) -> None:
    check_query(typed)


# --- dates ---------------------------------------------------------------------------------

ERA_FORM = re.compile(r"(明治|大正|昭和|平成|令和)(元|\d+)年(\d+)月(\d+)日")
FIRST_DAY = {name: start for start, name in ERAS}
LAST_FISCAL_YEAR = date.max.year - 1  # fiscal year 9999 would end in the year 10000
DAYS = st.dates(min_value=FIRST_SUPPORTED, max_value=date(date.max.year, 3, 31))


@given(DAYS)
def test_the_era_date_names_the_day(d: date) -> None:
    written = era_date(d)
    assert written.startswith(era_year_month(d)) and written.endswith(f"{d.month}月{d.day}日")
    era, year, month, day = ERA_FORM.fullmatch(written).groups()  # type: ignore[union-attr]
    first = FIRST_DAY[era]
    assert first.year + (1 if year == "元" else int(year)) - 1 == d.year
    assert (int(month), int(day)) == (d.month, d.day)
    later = [s for s, _ in ERAS if s > first]
    assert first <= d < min(later, default=date.max)


@given(DAYS)
def test_the_fiscal_year_holds_the_day_and_runs_april_to_march(d: date) -> None:
    year = fiscal_year_of(d)
    first, last = fiscal_year_range(year)
    assert first <= d <= last
    assert first == date(year, 4, 1) and last + timedelta(days=1) == date(year + 1, 4, 1)
    assert era_year_month(first).endswith("4月") and era_year_month(last).endswith("3月")


@given(st.integers(FIRST_SUPPORTED.year, LAST_FISCAL_YEAR))
def test_the_fiscal_year_is_named_after_the_era_of_most_of_its_days(year: int) -> None:
    first, last = fiscal_year_range(year)
    label = fiscal_year_label(year)
    era, number = label[:2], label[2:].removesuffix("年度")
    days = {name: _overlap(first, last, start, end) for (start, name), end
            in zip(ERAS, [date.max, *(s - timedelta(days=1) for s, _ in ERAS[:-1])], strict=True)}
    assert days[era] == max(days.values())
    start = FIRST_DAY[era]
    expected = 1 if start > first else year - start.year + 1
    assert number == ("元" if expected == 1 else str(expected))


def _overlap(first: date, last: date, start: date, end: date) -> int:
    return max(0, (min(last, end) - max(first, start)).days + 1)


YEARLESS = st.text(st.characters(exclude_categories=["Nd", "No", "Cs"]), max_size=10)


@given(YEARLESS, st.integers(2000, 2098), YEARLESS, st.booleans())
@example("令和", 2026, "年", False).via("a western year after 令和 counts up once")
def test_next_years_title_counts_the_year_up_in_its_width(
        before: str, year: int, after: str, full_width: bool) -> None:
    written = wide(str(year)) if full_width else str(year)
    following = wide(str(year + 1)) if full_width else str(year + 1)
    assert next_year_title(before + written + after) == (
        next_year_title(before) + following + next_year_title(after))


@given(st.integers(1, 98), st.booleans(), YEARLESS)
def test_next_years_title_counts_the_reiwa_year_up(year: int, full_width: bool,
                                                  rest: str) -> None:
    written = wide(str(year)) if full_width else str(year)
    following = wide(str(year + 1)) if full_width else str(year + 1)
    assume("令和" not in rest)
    assert next_year_title(f"令和{written}年度{rest}") == f"令和{following}年度{rest}"
    assert next_year_title(f"令和元年{rest}") == f"令和2年{rest}"


@given(YEARLESS)
@example("第120265回").via("a number that holds 2026 is no year")
@example("20٢٦").via("digits of another script")
def test_a_title_without_a_year_is_kept(title: str) -> None:
    assume("令和" not in title)
    assert next_year_title(title) == title


@given(ANY_TEXT)
def test_any_title_gets_a_next_years_title(title: str) -> None:
    assert isinstance(next_year_title(title), str)


@pytest.mark.parametrize("typed", HUGE, ids=lambda t: f"{t[:6]!a}…{len(t)}")
def test_a_megabyte_title_gets_a_next_years_title(typed: str) -> None:
    assert len(next_year_title(typed)) >= len(typed)


@given(st.dates())
@example(date(2024, 2, 29)).via("a leap day")
@example(date(9999, 12, 31)).via("the last day of the calendar")
def test_the_same_day_next_year(d: date) -> None:
    following = same_day_next_year(d)
    if d.year == date.max.year:
        assert following == date.max
        return
    assert (following.year, following.month) == (d.year + 1, d.month)
    assert following.day == d.day or (d.month, d.day, following.day) == (2, 29, 28)
    assert 365 <= (following - d).days <= 366
