"""取り込み設定: a mapping saved once serves every counter and next year's file."""

from __future__ import annotations

import pytest

from kyodo_desk.domain.errors import NotFound, ValidationError
from kyodo_desk.imports.mapping import MappingPreset, apply_preset
from kyodo_desk.services.imports.presets import load_preset, preset_names, save_preset


def test_a_saved_preset_maps_next_years_file_with_its_columns_moved(db, actor) -> None:  # type: ignore[no-untyped-def]
    this_year = ("団体名", "フリガナ", "〒", "住所", "TEL")
    save_preset(db, actor, MappingPreset.from_mapping(
        "団体名簿（市民活動）", "contacts", this_year,
        {0: "name", 1: "reading", 2: "postal_code", 3: "address", 4: "phone"}))
    assert preset_names(db, actor, "contacts") == ["団体名簿（市民活動）"]
    assert preset_names(db, actor, "consultations") == []
    preset = load_preset(db, actor, "contacts", "団体名簿（市民活動）")
    next_year = ("ＴＥＬ", "団体名", "備考", "住所", "フリガナ", "〒")
    assert apply_preset(preset, next_year) == {0: "phone", 1: "name", 3: "address",
                                               4: "reading", 5: "postal_code"}


def test_saving_under_the_same_name_replaces_it(db, actor) -> None:  # type: ignore[no-untyped-def]
    save_preset(db, actor, MappingPreset("名簿", "contacts", {"氏名": "name"}))
    save_preset(db, actor, MappingPreset("名簿", "contacts", {"お名前": "name"}))
    assert preset_names(db, actor, "contacts") == ["名簿"]
    assert load_preset(db, actor, "contacts", "名簿").columns == {"お名前": "name"}


def test_a_missing_preset_and_a_bad_name_are_said_in_japanese(db, actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="取り込み設定「去年の名簿」はありません"):
        load_preset(db, actor, "contacts", "去年の名簿")
    with pytest.raises(ValidationError, match="名前は1〜40文字"):
        save_preset(db, actor, MappingPreset(" ", "contacts", {"氏名": "name"}))
