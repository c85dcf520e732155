import pytest

from kyodo_desk.domain.text import fold, gram_document, grams, query_grams, sort_key


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ｾﾝﾀｰ", "センター"),  # half-width katakana
        ("せんたー", "センター"),  # hiragana
        ("8885640", "018-888-5640"),  # hyphens dropped
        ("０１８８８８５６４０", "018-888-5640"),  # full-width digits
        ("018ー888ー5640", "018-888-5640"),  # IME long-vowel mark typed as a dash
        ("RO-COPR", "ro-copr@city.akita.lg.jp"),  # case
        ("北条ケ崎", "北条ヶ崎"),  # small ヶ typed as ケ
        ("東通 仲町", "東通仲町"),  # spaces
        ("〒010-0041", "010-0041"),
    ],
)
def test_typed_form_folds_into_stored_form(typed: str, stored: str) -> None:
    assert fold(typed) in fold(stored)


def test_long_vowel_inside_a_word_is_kept() -> None:
    assert fold("サービスセンター") == "さーびすせんたー"
    assert fold("さびすせんた") not in fold("サービスセンター")


def test_grams_are_characters_and_adjacent_pairs() -> None:
    assert grams("さとう") == {"さ", "と", "う", "さと", "とう"}


@pytest.mark.parametrize(("query", "expected"), [("", []), ("佐", ["佐"]),
                                                   ("佐藤", ["佐藤"]),
                                                   ("佐藤花", ["佐藤", "藤花"])])
def test_query_grams(query: str, expected: list[str]) -> None:
    assert query_grams(query) == expected


def test_every_substring_of_a_field_has_all_its_grams_in_the_document() -> None:
    text, tokens = gram_document("秋田市市民交流サロン", None, "018-887-5312")
    token_set = set(tokens.split(" "))
    for field in ("あきたししみんこうりゅうさろん", "秋田市市民交流さろん", "0188875312"):
        folded = fold(field)
        for start in range(len(folded)):
            for end in range(start + 1, len(folded) + 1):
                part = folded[start:end]
                if part in text:
                    assert set(query_grams(part)) <= token_set


def test_no_gram_spans_two_fields() -> None:
    _, tokens = gram_document("あい", "うえ")
    assert "いう" not in tokens.split(" ")


def test_sort_key_prefers_reading_and_unifies_kana() -> None:
    assert sort_key("サトウ", "佐藤") == sort_key("さとう", "佐藤") == "さとう"
    assert sort_key("", "ABC") == "abc"
