import pytest

from kyodo_desk.domain import validation
from kyodo_desk.domain.errors import ValidationError


@pytest.mark.parametrize("typed", ["010-0041", "0100041", "〒010-0041", "０１０－００４１",
                                   " 010ー0041 "])
def test_postal_code_normalised(typed: str) -> None:
    assert validation.postal_code(typed) == "010-0041"


@pytest.mark.parametrize("typed", ["010-004", "01000411", "abc-defg", "010_0041"])
def test_bad_postal_code_names_the_field(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.postal_code(typed)
    assert caught.value.problems[0].field == "postal_code"
    assert "郵便番号" in caught.value.message and "7桁" in caught.value.message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("0188885640", "018-888-5640"), ("０１８－８５３－１０３９", "018-853-1039"),
     ("090 1234 5678", "090-1234-5678"), ("(018)886-5511", "018-886-5511"),
     ("0186222222", "0186-22-2222")],
)
def test_phone_normalised_to_half_width_with_area_code_hyphens(typed: str, stored: str) -> None:
    assert validation.phone(typed) == stored


@pytest.mark.parametrize("typed", ["888-5640", "12345", "018-888-564a", "0000000000"])
def test_bad_phone_asks_for_area_code(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.phone(typed)
    assert caught.value.for_field("phone") and "市外局番" in caught.value.message


def test_email() -> None:
    assert validation.email("ro-copr@city.akita.lg.jp") == "ro-copr@city.akita.lg.jp"
    assert validation.email("ｒｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "ro@example.jp"
    with pytest.raises(ValidationError, match="メールアドレス"):
        validation.email("ro-copr@@city")


def test_web_address_gets_a_scheme() -> None:
    assert validation.web_address("www.alve.jp/pages/salon") == "https://www.alve.jp/pages/salon"
    assert validation.web_address("http://fb.me/akitacitysalon") == "http://fb.me/akitacitysalon"
    with pytest.raises(ValidationError):
        validation.web_address("not a url")


def test_reading_must_be_kana() -> None:
    assert validation.reading("ｻﾄｳ ﾊﾅｺ") == "サトウ ハナコ"
    with pytest.raises(ValidationError, match="よみ"):
        validation.reading("佐藤")


def test_empty_optional_fields_stay_empty() -> None:
    for fn in (validation.postal_code, validation.phone, validation.email,
               validation.web_address, validation.reading):
        assert fn("  ") == ""


@pytest.mark.parametrize(("check", "typed"), [
    (validation.postal_code, "٠١٠٠٠٤١"),  # Arabic-Indic digits: digits to Python, not to us
    (validation.postal_code, "⓪①⓪⓪⓪④①"),  # circled digits, which NFKC turns into digits
    (validation.phone, "0١٨٨٨٨٥٦٤٠"),
    (validation.phone, "⓪①⑧⑧⑧⑧⑤⑥④⓪"),
])
def test_digits_of_other_scripts_are_refused(check, typed: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        check(typed)


def test_a_refusal_quotes_what_was_typed_short_and_printable() -> None:
    with pytest.raises(ValidationError) as caught:
        validation.postal_code("01\x00\ud800" + "0" * 1_000_000)
    assert caught.value.message == "郵便番号「01000000000000000000000000000…」は7桁の数字で入力してください（例: 010-0041）。"


@pytest.mark.parametrize("typed", ["https://www.alve.jp/\x00", "www.alve.jp/\u200b",
                                   "www.alve.jp/a\tb"])
def test_a_web_address_with_a_control_or_invisible_character_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="アドレス"):
        validation.web_address(typed)


def test_a_long_pasted_text_is_refused_as_a_web_address_at_once() -> None:
    # One regular expression took 14 s on 32,000 characters and grew with their square.
    with pytest.raises(ValidationError, match="アドレス"):
        validation.web_address("a" + "." * 1_000_000 + " x")
