import pytest

from kyodo_desk.domain.text import (
    MAX_QUERY_CHARS,
    MAX_QUERY_GRAMS,
    fold,
    fold_query,
    gram_document,
    grams,
    plain_query,
    query_grams,
    sort_key,
)


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


@pytest.mark.parametrize("typed", ["ーー", "1ーー", "\u1100-\u1161"])
def test_folding_twice_changes_nothing(typed: str) -> None:
    # ーー once folded to ー and then to nothing; the jamo ᄀ and ᅡ, once the hyphen between
    # them was dropped, were joined into 가 only by a second folding.
    assert fold(fold(typed)) == fold(typed)


def test_a_long_query_asks_the_index_for_a_bounded_spread_of_its_grams() -> None:
    query = fold_query("".join(chr(0x4E00 + n * 37) for n in range(1_000)))
    asked = query_grams(query)
    assert len(query) == MAX_QUERY_CHARS and len(asked) == MAX_QUERY_GRAMS
    assert query[:2] in asked and any(gram in query[-20:] for gram in asked)


@pytest.mark.parametrize("typed", ["\x00" * 1_000 + "佐藤", "佐\ud800藤", "佐藤\x7f"])
def test_a_query_keeps_no_control_character_nor_half_a_surrogate_pair(typed: str) -> None:
    assert fold_query(typed) == "佐藤"


def test_a_plain_query_keeps_case_and_kana_and_drops_spaces_and_controls() -> None:
    assert plain_query(" 窓口\u3000花子\x00\ud800 ") == "窓口花子"
    assert plain_query("ｻﾄｳ Hanako") == "サトウHanako"
    assert plain_query("\t" * 1_000_000 + "佐藤" * 1_000) == "佐藤" * 50
