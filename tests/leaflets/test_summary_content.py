"""resources/leaflets/summary_edition.json holds the summary edition's words exactly as the seed
leaflet has them, and all of them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kyodo_desk.leaflets.summary_edition import (
    content_path,
    load_content,
    note_numbers,
    published_on,
)
from tests.leaflets import flat


def strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every (key, text) in the data, the explanatory "_source" left out."""
    if isinstance(value, str):
        return [(key, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() if not k.startswith("_")
                for pair in strings(v, k)]
    if isinstance(value, list):
        return [pair for item in value for pair in strings(item, key)]
    return []


def test_the_data_is_shipped_as_a_resource() -> None:
    assert content_path().is_file()
    assert content_path().parent.name == "leaflets"


def test_every_text_is_the_seeds_word_for_word(seed_text: str) -> None:
    seed = flat(seed_text)
    for key, text in strings(load_content()):
        if key == "published":
            continue
        if key == "tag":  # 実行Do is printed as 実行DO, as the other three stages
            assert text.lower() in seed.lower()
            continue
        assert flat(text) in seed, f"{key}: {text!r} is not in the seed leaflet"


def _seed_items(seed_text: str, mark: str) -> list[str]:
    """The seed's ● or ◦ items, each joined over the lines the original layout broke it into."""
    items: list[str] = []
    current: list[str] | None = None
    for line in seed_text.splitlines():
        stripped = line.strip()
        if stripped.startswith(mark):
            if current is not None:
                items.append("".join(current))
            current = [stripped.lstrip(mark).strip()]
        elif current is not None and stripped and not stripped.startswith(("●", "◦", "市")):
            current.append(stripped)
        elif current is not None:
            items.append("".join(current))
            current = None
    if current is not None:
        items.append("".join(current))
    return items


@pytest.mark.parametrize("mark", ["●", "◦"])
def test_every_bullet_of_the_seed_is_in_the_data(seed_text: str, mark: str) -> None:
    data = flat("".join(text for _, text in strings(load_content())))
    items = _seed_items(seed_text, mark)
    assert len(items) == (13 if mark == "●" else 12)
    for item in items:
        assert flat(item) in data, item


def test_the_directions_glossary_and_steps_are_complete(seed_text: str) -> None:
    content = load_content()
    assert [d["heading"] for d in content["directions"]["items"]] == [
        "参加から参画へ", "市民活動団体への支援拡充",
        "地域づくり組織を核とした住民主体のまちづくりの実践", "新しい公共※1の推進",
        "市民活動を取り巻く環境変化への対応"]
    assert [n["term"] for n in content["glossary"]] == [
        "新しい公共", "つむぎすと講座", "市民協働ミーティング", "協働サポート交付金"]
    assert [s["name"] for s in content["roles"]["steps"]] == [
        "チャレンジ", "ステップアップ", "パートナーシップ"]
    assert [s["tag"] for s in content["cycle"]["stages"]] == ["PLAN", "DO", "CHECK", "ACT"]
    examples = [e["caption"] for s in content["roles"]["steps"] for e in s["examples"]]
    assert sorted(examples) == sorted(re.findall(r"^(\S+の例)$", seed_text, re.MULTILINE))


def test_every_mark_has_its_note() -> None:
    content = load_content()
    assert note_numbers(content) == {1, 2, 3, 4} == set(range(1, len(content["glossary"]) + 1))


def test_the_edition_keeps_its_publication_date() -> None:
    from kyodo_desk.domain.dates import era_year_month

    assert era_year_month(published_on(load_content())) == "平成30年2月"
