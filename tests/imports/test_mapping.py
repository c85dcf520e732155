"""Guessing each column's field from its heading (issue 17): the headings offices and web forms
use map to the right field in every width and with brackets, ※ and * marks; each field gets
one column; required fields are named when missing; a saved preset finds its columns again in
next year's file with the columns moved.

Properties: any permutation of known headings maps each heading to the same field; every
variant alone maps to its own field.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk.domain.errors import UserError
from kyodo_desk.imports.mapping import (
    APPLICANTS,
    CONSULTATIONS,
    CONTACTS,
    FIELD_LABELS,
    HEADINGS,
    REQUIRED,
    TARGETS,
    MappingPreset,
    PresetError,
    apply_preset,
    fold_heading,
    guess_mapping,
    missing_required,
)


def named(target: str, headings: list[str]) -> dict[str, str]:
    """The guess as heading → field, to read the expectations at a glance."""
    return {headings[c]: f for c, f in guess_mapping(target, headings).items()}


def test_a_city_group_register_maps_every_usual_column() -> None:
    headings = ["No.", "団体名", "フリガナ", "代表者氏名", "〒", "住所１", "住所２", "ＴＥＬ",
                "FAX", "携帯電話", "Ｅメール", "ホームページ", "備考", "設立年月", "会員数"]
    assert named(CONTACTS, headings) == {
        "団体名": "name", "フリガナ": "reading", "代表者氏名": "representative",
        "〒": "postal_code", "住所１": "address_1", "住所２": "address_2", "ＴＥＬ": "phone",
        "FAX": "fax", "携帯電話": "mobile", "Ｅメール": "email", "ホームページ": "website",
        "備考": "notes", "設立年月": "founded_on", "会員数": "member_count"}


def test_a_people_list_with_decorated_headings() -> None:
    headings = ["【必須】氏名（漢字）", "ﾌﾘｶﾞﾅ", "郵便番号：", "※住所", "電話番号（自宅）",
                "e-mail", "所属団体", "役職", "区分", "メモ"]
    assert named(CONTACTS, headings) == {
        "【必須】氏名（漢字）": "name", "ﾌﾘｶﾞﾅ": "reading", "郵便番号：": "postal_code",
        "※住所": "address", "電話番号（自宅）": "phone", "e-mail": "email",
        "所属団体": "group", "役職": "role", "区分": "kind", "メモ": "notes"}


def test_a_google_forms_export_maps_to_applicants() -> None:
    headings = ["タイムスタンプ", "お名前", "ふりがな", "電話番号", "メールアドレス", "参加人数",
                "ご質問があれば"]
    assert named(APPLICANTS, headings) == {
        "タイムスタンプ": "submitted_at", "お名前": "name", "ふりがな": "reading",
        "電話番号": "phone", "メールアドレス": "email", "参加人数": "party_size",
        "ご質問があれば": "notes"}


def test_a_consultation_log_maps_its_columns() -> None:
    headings = ["相談日", "相談者氏名", "担当者", "相談方法", "相談分野", "相談内容", "回答内容",
                "紹介先", "今後の対応", "状況", "施設"]
    assert named(CONSULTATIONS, headings) == {
        "相談日": "held_on", "相談者氏名": "consultee", "担当者": "staff",
        "相談方法": "channel", "相談分野": "topics", "相談内容": "asked",
        "回答内容": "answered", "紹介先": "referral", "今後の対応": "follow_up",
        "状況": "status", "施設": "facility"}


def test_an_exact_heading_wins_over_one_that_only_contains_the_word() -> None:
    # 電話番号（携帯） contains 電話番号 but the file's 電話 column is the phone.
    assert named(CONTACTS, ["電話番号（携帯）", "電話"]) == {
        "電話": "phone", "電話番号（携帯）": "mobile"}
    # 対応 inside 今後の対応 and 対応者 does not make them the answer.
    assert named(CONSULTATIONS, ["今後の対応", "対応者", "対応"]) == {
        "今後の対応": "follow_up", "対応者": "staff", "対応": "answered"}


def test_each_field_takes_one_column_the_first_of_equals() -> None:
    assert guess_mapping(CONTACTS, ["電話", "TEL", "電話番号"]) == {0: "phone"}
    assert guess_mapping(CONTACTS, ["住所", "住所"]) == {0: "address"}


def test_unknown_and_empty_headings_stay_unmapped() -> None:
    assert guess_mapping(CONTACTS, ["列1", "", "血液型", "名"]) == {}
    assert guess_mapping(APPLICANTS, []) == {}


def test_an_unknown_target_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown import target"):
        guess_mapping("grants", ["氏名"])


@pytest.mark.parametrize(("heading", "full", "core"), [
    ("【必須】お名前", "お名前", "お名前"),
    ("氏名（漢字）", "氏名漢字", "氏名"),
    ("〒", "郵便番号", "郵便番号"),
    ("ＴＥＬ：", "tel", "tel"),
    ("電話番号 ※日中つながる番号", "電話番号", "電話番号"),
    ("*メールアドレス", "めーるあどれす", "めーるあどれす"),
    ("フリガナ(任意)", "ふりがな", "ふりがな"),
    ("（備考）", "備考", "備考"),
    ("住 所\n１", "住所1", "住所1"),
])
def test_headings_fold_past_width_kana_brackets_and_marks(heading: str, full: str,
                                                          core: str) -> None:
    assert fold_heading(heading) == (full, core)


def test_missing_required_names_the_fields_in_japanese() -> None:
    assert missing_required(CONTACTS, {0: "reading", 1: "phone"}) == ["氏名・団体名"]
    assert missing_required(CONTACTS, {3: "name"}) == []
    assert missing_required(CONSULTATIONS, {0: "consultee"}) == ["相談日", "相談内容"]
    # An anonymous consultation has no consultee: a log without a name column imports.
    assert missing_required(CONSULTATIONS, {0: "held_on", 1: "asked"}) == []
    assert missing_required(APPLICANTS, {}) == ["氏名"]


@pytest.mark.parametrize("target", TARGETS)
def test_every_field_has_a_label_and_the_required_ones_exist(target: str) -> None:
    assert set(FIELD_LABELS[target]) == set(HEADINGS[target])
    assert set(REQUIRED[target]) <= set(HEADINGS[target])
    assert all(FIELD_LABELS[target].values())


@pytest.mark.parametrize("target", TARGETS)
def test_a_variant_belongs_to_one_field_of_a_target(target: str) -> None:
    owners: dict[str, set[str]] = {}
    for fld, variants in HEADINGS[target].items():
        for variant in variants:
            owners.setdefault(fold_heading(variant).full, set()).add(fld)
    assert {v: f for v, f in owners.items() if len(f) > 1} == {}


VARIANTS = [(t, f, v) for t in TARGETS for f, vs in HEADINGS[t].items() for v in vs]


@pytest.mark.parametrize(("target", "fld", "variant"), VARIANTS)
def test_every_variant_alone_maps_to_its_field(target: str, fld: str, variant: str) -> None:
    assert guess_mapping(target, [variant]) == {0: fld}


@st.composite
def headings_and_permutation(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    target = draw(st.sampled_from(TARGETS))
    fields = draw(st.lists(st.sampled_from(list(HEADINGS[target])), min_size=1, unique=True))
    headings = [draw(st.sampled_from(HEADINGS[target][f])) for f in fields]
    return target, headings, draw(st.permutations(headings))


@given(headings_and_permutation())
def test_any_permutation_of_known_headings_maps_to_the_same_fields(
        case: tuple[str, list[str], list[str]]) -> None:
    target, headings, permuted = case
    assert named(target, permuted) == named(target, headings)
    assert sorted(named(target, headings).values()) == sorted(
        f for f in HEADINGS[target] if any(h in HEADINGS[target][f] for h in headings))


# --- Presets ------------------------------------------------------------------------------

def test_a_preset_finds_its_columns_in_next_years_file_with_columns_moved() -> None:
    last_year = ["番号", "団体名", "代表者", "連絡先", "担当地区"]
    mapping = {1: "name", 2: "representative", 3: "phone", 4: "district"}
    preset = MappingPreset.from_mapping("団体名簿（毎年）", CONTACTS, last_year, mapping)
    # Next year: a column added, two swapped, a heading typed in full width with a space.
    this_year = ["番号", "連絡先", "設立", "団体名", "代表者 ", "担当地区"]
    assert apply_preset(preset, this_year) == {
        1: "phone", 3: "name", 4: "representative", 5: "district"}


def test_a_preset_maps_a_field_once_and_leaves_unknown_headings() -> None:
    preset = MappingPreset("p", CONTACTS, {"氏名": "name"})
    assert apply_preset(preset, ["メモ", "氏名", "氏名"]) == {1: "name"}


def test_a_preset_survives_json_with_stable_text() -> None:
    preset = MappingPreset("相談記録", CONSULTATIONS,
                           {"内容": "asked", "日付": "held_on", "相談者": "consultee"})
    text = preset.to_json()
    again = MappingPreset.from_json(text)
    assert again == preset
    assert again.to_json() == text
    assert list(json.loads(text)) == ["columns", "name", "target"]
    assert list(json.loads(text)["columns"]) == ["内容", "日付", "相談者"]
    assert "相談記録" in text  # stored readable, not \\u-escaped


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "取り込み設定を読めません"),
    ('{"name": "x"}', "取り込み設定を読めません"),
    ('{"name": "x", "target": "contacts", "columns": ["氏名"]}', "取り込み設定を読めません"),
    ('{"name": "x", "target": "grants", "columns": {}}', "取り込み先がわかりません"),
    ('{"name": "x", "target": "contacts", "columns": {"血液型": "blood"}}',
     "知らない項目があります: blood"),
])
def test_a_broken_preset_is_a_user_error(text: str, message: str) -> None:
    with pytest.raises(PresetError, match=message) as caught:
        MappingPreset.from_json(text)
    assert isinstance(caught.value, UserError)
