"""The katakana reading suggested for an event title (よみの候補): what pykakasi gives for the
seed's titles, numbers and Latin letters read aloud, and always a reading the form accepts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk.domain import validation
from kyodo_desk.domain.readings import suggested_reading


@pytest.mark.parametrize(("title", "reading"), [
    # The seed's events (services/demo/events.py), each read by eye.
    ("つむぎすと講座", "ツムギストコウザ"),
    ("市民協働ミーティング", "シミンキョウドウミーティング"),
    ("市民活動フェスタ", "シミンカツドウフェスタ"),
    ("東部市民サービスセンターまつり", "トウブシミンサービスセンターマツリ"),
    ("はじめての市民活動セミナー", "ハジメテノシミンカツドウセミナー"),
    ("地域まちづくり計画ワークショップ", "チイキマチヅクリケイカクワークショップ"),
    ("市民活動はじめて講座", "シミンカツドウハジメテコウザ"),
    ("秋田市・河辺地域の集い", "アキタシ・カワベチイキノツドイ"),
    ("協働サポート交付金 説明会", "キョウドウサポートコウフキン セツメイカイ"),
])
def test_the_seed_titles_are_read_in_full_width_katakana(title: str, reading: str) -> None:
    assert suggested_reading(title) == reading


@pytest.mark.parametrize(("title", "reading"), [
    ("第3期つむぎすと講座（全5回）", "ダイサンキツムギストコウザ ゼンゴカイ"),
    ("令和8年度 市民活動フェスタ", "レイワハチネンド シミンカツドウフェスタ"),
    ("NPO法人設立セミナー2026", "エヌピーオーホウジンセツリツセミナーニセンニジュウロク"),
    ("ＳＤＧｓ講座", "エスディージーズコウザ"),  # typed full width
    ("第1回", "ダイイッカイ"),
    ("第10回", "ダイジュッカイ"),
    ("300人", "サンビャクニン"),
    ("3,600円", "サンゼンロッピャクエン"),
    ("10000人", "イチマンニン"),
    ("2.5時間", "ニテンゴジカン"),
    ("ボランティア入門！", "ボランティアニュウモン"),
    ("冬〜春", "フユ ハル"),
])
def test_numbers_letters_and_signs_become_kana_or_a_space(title: str, reading: str) -> None:
    assert suggested_reading(title) == reading


@pytest.mark.parametrize("title", ["", "   ", "！？", "〒"])
def test_a_title_with_nothing_to_read_has_no_suggestion(title: str) -> None:
    assert suggested_reading(title) == ""


@given(st.text(max_size=40))
def test_every_suggestion_is_a_reading_the_form_accepts(title: str) -> None:
    reading = suggested_reading(title)
    assert validation.reading(reading) == reading
    assert reading == reading.strip() and "  " not in reading
