"""Likely duplicates over 100,000 contacts, on SQLite and PostgreSQL (issue 16 targets).

(a) Candidates while typing: `likely_duplicates` for a few hundred drafts as the contact form
    sends them (a name only, then with a reading, a phone, an e-mail, a 〒), each timed three
    times and its median kept; p50 / p95 / max, beside the index lookup it starts with alone
    and a read by number (`get_contact`) in the same run. Target p95 < 30 ms.
(b) The duplicates list: `duplicate_pairs` over the whole registry in a process of its own,
    elapsed time and peak memory (ru_maxrss), beside a process that only reads every contact's
    facts once and folds them (`prepare`). Targets < 10 s and < 500 MB. Also: how many of the
    deliberate duplicates the list finds (all, or the rules missed one).

The registry: the demo data's shape (`services.demo.demo_rows`: 70 % people, addresses,
phones, group types), with names, readings, postal codes and e-mails as varied as a city's.
The demo rows draw people from 20 surnames × 12 given names and groups from 432 names under 12
postal codes, so 100,000 of them hold over 22 million pairs read alike (every さとう たろう with
every other): realistic for a search, not for a duplicates list. Here surnames follow Akita's
(佐藤 about 8 %, then a long tail), given names a few hundred readings, groups are named from a
town, a word and an activity, and 240 postal codes share the city. Then 1 % of the contacts get
a deliberate duplicate of each kind the rules know (half-width kana without a reading, the phone
without 018, the e-mail in capitals, old characters, a legal form, a typo in the reading at one
〒).

    .venv/bin/python benchmarks/duplicates.py                       # SQLite only
    .venv/bin/python benchmarks/duplicates.py --pg postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import jaconv
from sqlalchemy import func, insert, select

from kyodo_desk.database import Database, open_database
from kyodo_desk.database.match_keys import FACT_COLUMNS, facts_of, refresh_match_keys
from kyodo_desk.domain.likeness import blocking_keys, prepare
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Contact, ContactKind, GroupType
from kyodo_desk.models.contacts import ContactMatchKey
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft
from kyodo_desk.services.contacts import duplicates as duplicates_service
from kyodo_desk.services.contacts.duplicates import (
    DuplicatePair,
    draft_facts,
    duplicate_pairs,
    likely_duplicates,
)
from kyodo_desk.services.demo import contact_row, demo_rows

ACTOR = Actor.command_line()
BATCH = 5_000

# --- a registry as varied as a city's -------------------------------------------------------

# Akita's commonest surnames with their rough shares in %; the rest of the people carry one of
# the tail names made below (各 0.1 % or less).
_HEAD_SURNAMES = [
    ("佐藤", "さとう", 8.0), ("高橋", "たかはし", 2.4), ("佐々木", "ささき", 2.2),
    ("鈴木", "すずき", 1.8), ("伊藤", "いとう", 1.7), ("工藤", "くどう", 1.2),
    ("斎藤", "さいとう", 1.2), ("加藤", "かとう", 1.0), ("小松", "こまつ", 0.9),
    ("菅原", "すがわら", 0.9), ("三浦", "みうら", 0.8), ("藤田", "ふじた", 0.7),
    ("武田", "たけだ", 0.7), ("石川", "いしかわ", 0.6), ("進藤", "しんどう", 0.6),
    ("京野", "きょうの", 0.4), ("阿部", "あべ", 0.6), ("畠山", "はたけやま", 0.6),
    ("渡辺", "わたなべ", 0.6), ("田中", "たなか", 0.5), ("小野", "おの", 0.5),
    ("大野", "おおの", 0.4), ("後藤", "ごとう", 0.5), ("近藤", "こんどう", 0.4),
    ("千葉", "ちば", 0.5), ("村上", "むらかみ", 0.4), ("斉藤", "さいとう", 0.4),
    ("小林", "こばやし", 0.4), ("中村", "なかむら", 0.4), ("長谷川", "はせがわ", 0.4),
    ("小笠原", "おがさわら", 0.3), ("五十嵐", "いがらし", 0.3), ("柴田", "しばた", 0.3),
    ("田口", "たぐち", 0.3), ("嵯峨", "さが", 0.3), ("煙山", "けむやま", 0.2),
    ("保坂", "ほさか", 0.2), ("草彅", "くさなぎ", 0.2), ("児玉", "こだま", 0.3),
    ("渡部", "わたなべ", 0.3),
]
_SURNAME_FIRST = [
    ("大", "おお"), ("小", "こ"), ("中", "なか"), ("山", "やま"), ("石", "いし"), ("松", "まつ"),
    ("竹", "たけ"), ("金", "かね"), ("森", "もり"), ("北", "きた"), ("西", "にし"),
    ("東", "ひがし"), ("長", "なが"), ("今", "いま"), ("岩", "いわ"), ("平", "ひら"),
    ("福", "ふく"), ("吉", "よし"), ("浅", "あさ"), ("柴", "しば"), ("菊", "きく"),
    ("杉", "すぎ"), ("上", "かみ"), ("下", "しも"), ("黒", "くろ"), ("白", "しら"),
    ("青", "あお"), ("宮", "みや"), ("桑", "くわ"), ("熊", "くま"), ("鶴", "つる"),
    ("亀", "かめ"), ("猿", "さる"), ("舘", "たて"), ("嶋", "しま"), ("秋", "あき"),
]
_SURNAME_SECOND = [
    ("田", "た"), ("川", "かわ"), ("山", "やま"), ("野", "の"), ("村", "むら"), ("井", "い"),
    ("木", "き"), ("本", "もと"), ("沢", "さわ"), ("島", "しま"), ("谷", "たに"),
    ("原", "はら"), ("橋", "はし"), ("崎", "さき"), ("林", "ばやし"), ("口", "ぐち"),
    ("部", "べ"), ("岡", "おか"), ("屋", "や"), ("内", "うち"), ("坂", "さか"),
    ("塚", "つか"), ("場", "ば"), ("江", "え"),
]
_GIVEN_FIRST = [
    ("健", "けん"), ("和", "かず"), ("正", "まさ"), ("幸", "ゆき"), ("美", "み"), ("恵", "え"),
    ("裕", "ひろ"), ("博", "ひろ"), ("浩", "こう"), ("直", "なお"), ("秀", "ひで"),
    ("英", "ひで"), ("清", "きよ"), ("勝", "かつ"), ("信", "のぶ"), ("俊", "とし"),
    ("敏", "とし"), ("孝", "たか"), ("隆", "たか"), ("義", "よし"), ("芳", "よし"),
    ("明", "あき"), ("昭", "あき"), ("真", "ま"), ("智", "とも"), ("友", "とも"),
    ("春", "はる"), ("夏", "なつ"), ("千", "ち"), ("悠", "ゆう"), ("優", "ゆう"),
    ("大", "だい"), ("翔", "しょう"), ("陽", "よう"), ("結", "ゆ"), ("彩", "あや"),
]
_GIVEN_SECOND_MALE = [
    ("一", "いち"), ("二", "じ"), ("男", "お"), ("夫", "お"), ("雄", "お"), ("彦", "ひこ"),
    ("也", "や"), ("樹", "き"), ("人", "と"), ("太", "た"), ("介", "すけ"), ("輔", "すけ"),
    ("司", "し"), ("郎", "ろう"), ("治", "じ"), ("志", "し"),
]
_GIVEN_SECOND_FEMALE = [
    ("子", "こ"), ("美", "み"), ("代", "よ"), ("江", "え"), ("恵", "え"), ("香", "か"),
    ("奈", "な"), ("菜", "な"), ("里", "り"), ("乃", "の"), ("衣", "い"), ("絵", "え"),
]
# A town (町名) of the city, its reading, and how many postal codes it has.
_TOWNS = [
    ("広面", "ひろおもて", 8), ("新屋", "あらや", 10), ("御野場", "おのば", 6),
    ("土崎港", "つちざきみなと", 10), ("山王", "さんのう", 8), ("河辺", "かわべ", 10),
    ("雄和", "ゆうわ", 10), ("東通", "ひがしどおり", 6), ("手形", "てがた", 6),
    ("八橋", "やばせ", 8), ("泉", "いずみ", 6), ("旭北", "きょくほく", 6),
    ("飯島", "いいじま", 8), ("将軍野", "しょうぐんの", 6), ("外旭川", "そとあさひかわ", 8),
    ("寺内", "てらうち", 6), ("楢山", "ならやま", 6), ("牛島", "うしじま", 6),
    ("仁井田", "にいだ", 6), ("桜", "さくら", 6), ("茨島", "ばらじま", 4),
    ("川尻", "かわしり", 4), ("保戸野", "ほどの", 6), ("千秋", "せんしゅう", 4),
    ("中通", "なかどおり", 4), ("大町", "おおまち", 4), ("南通", "みなみどおり", 4),
    ("横森", "よこもり", 4), ("柳田", "やなぎだ", 4), ("下北手", "しもきたで", 4),
    ("上北手", "かみきたで", 4), ("太平", "たいへい", 6), ("金足", "かなあし", 6),
    ("下新城", "しもしんじょう", 4), ("上新城", "かみしんじょう", 4),
    ("四ツ小屋", "よつごや", 4), ("浜田", "はまだ", 4), ("豊岩", "とよいわ", 4),
    ("向浜", "むかいはま", 4), ("港北", "こうほく", 4),
]
_BRANDS = [
    ("あおぞら", "あおぞら"), ("ひまわり", "ひまわり"), ("たんぽぽ", "たんぽぽ"),
    ("さくら", "さくら"), ("こまち", "こまち"), ("なまはげ", "なまはげ"), ("みらい", "みらい"),
    ("ゆめ", "ゆめ"), ("きずな", "きずな"), ("わかば", "わかば"), ("つばさ", "つばさ"),
    ("ふれあい", "ふれあい"), ("ひだまり", "ひだまり"), ("にこにこ", "にこにこ"),
    ("いきいき", "いきいき"), ("のびのび", "のびのび"), ("太平山", "たいへいざん"),
    ("雄物川", "おものがわ"), ("千秋公園", "せんしゅうこうえん"), ("竿燈", "かんとう"),
    ("秋田杉", "あきたすぎ"), ("あきた", "あきた"), ("北国", "きたぐに"), ("虹", "にじ"),
    ("若草", "わかくさ"), ("やまびこ", "やまびこ"), ("どんぐり", "どんぐり"),
    ("ほたる", "ほたる"), ("すずらん", "すずらん"), ("こぶし", "こぶし"),
]
_ACTS = [
    ("子ども食堂", "こどもしょくどう"), ("まちづくり", "まちづくり"), ("見守り", "みまもり"),
    ("環境", "かんきょう"), ("国際交流", "こくさいこうりゅう"), ("防災", "ぼうさい"),
    ("子育て支援", "こそだてしえん"), ("福祉", "ふくし"), ("読み聞かせ", "よみきかせ"),
    ("里山", "さとやま"), ("音楽", "おんがく"), ("スポーツ", "すぽーつ"), ("健康", "けんこう"),
    ("文化", "ぶんか"), ("花いっぱい", "はないっぱい"), ("歴史", "れきし"),
    ("フードバンク", "ふーどばんく"), ("学習支援", "がくしゅうしえん"), ("傾聴", "けいちょう"),
    ("手話", "しゅわ"),
]
_GROUP_FORMS = [  # (type, name, reading, share)
    (GroupType.CIVIC_GROUP, "{town}{brand}{act}の会", "{town_r}{brand_r}{act_r}のかい", 30),
    (GroupType.CIVIC_GROUP, "{brand}{act}クラブ{town}", "{brand_r}{act_r}くらぶ{town_r}", 15),
    (GroupType.NPO, "NPO法人{brand}{act}ネット{town}", "{brand_r}{act_r}ねっと{town_r}", 15),
    (GroupType.COMMUNITY_ORG, "{town}第{n}地区{act}協議会", "{town_r}だい{n}ちく{act_r}きょうぎかい",
     20),
    (GroupType.COMPANY, "株式会社{brand}{town}{act}", "{brand_r}{town_r}{act_r}", 10),
    (GroupType.OTHER, "{town}{brand}{act}サークル第{n}", "{town_r}{brand_r}{act_r}さーくるだい{n}",
     10),
]


def _postal_codes() -> list[tuple[str, str, str]]:
    """(town, its reading, a postal code): 240 made-up codes, each town its own few."""
    codes = []
    for index, (town, reading, count) in enumerate(_TOWNS):
        codes += [(town, reading, f"01{index % 2}-{(index * 37 + k * 3) % 9000 + 1000:04d}")
                  for k in range(count)]
    return codes


def _surnames() -> tuple[list[tuple[str, str]], list[float]]:
    tail = [(a + b, ar + br) for a, ar in _SURNAME_FIRST for b, br in _SURNAME_SECOND]
    head_share = sum(share for _, _, share in _HEAD_SURNAMES)
    names = [(n, r) for n, r, _ in _HEAD_SURNAMES] + tail
    weights = [share for _, _, share in _HEAD_SURNAMES] + [(100 - head_share) / len(tail)] * len(tail)
    return names, weights


def _given_names() -> tuple[list[tuple[str, str]], list[float]]:
    """Two-kanji given names, the commoner ones (by Zipf's law) more often."""
    names = [(a + b, ar + br) for a, ar in _GIVEN_FIRST
             for b, br in _GIVEN_SECOND_MALE + _GIVEN_SECOND_FEMALE]
    order = random.Random(7).sample(range(len(names)), len(names))
    weights = [1 / (rank + 1) ** 0.6 for rank in order]
    return names, weights


def city_rows(count: int, seed: int = 1) -> Iterator[list[dict[str, object]]]:
    """*count* contacts in batches: the demo rows' shape, a city's variety (see the top)."""
    surnames, surname_weights = _surnames()
    given, given_weights = _given_names()
    codes = _postal_codes()
    rng = random.Random(seed)
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        batch = demo_rows(size, seed=seed + made)
        for offset, row in enumerate(batch):
            number = made + offset
            town, town_r, postal = rng.choice(codes)
            address = f"秋田市{town}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}-{rng.randint(1, 20)}"
            if row["kind"] is ContactKind.PERSON:
                (sur, sur_r), = rng.choices(surnames, surname_weights)
                (first, first_r), = rng.choices(given, given_weights)
                name, reading = f"{sur} {first}", f"{sur_r} {first_r}"
                email = f"user{number}@example.jp" if rng.random() < 0.6 else ""
                group_type = None
            else:
                group_type, name_form, reading_form, _ = rng.choices(
                    _GROUP_FORMS, [form[3] for form in _GROUP_FORMS])[0]
                (brand, brand_r), (act, act_r) = rng.choice(_BRANDS), rng.choice(_ACTS)
                n = rng.randint(1, 30)
                name = name_form.format(town=town, brand=brand, act=act, n=n)
                reading = reading_form.format(town_r=town_r, brand_r=brand_r, act_r=act_r, n=n)
                email = f"info{number}@group.example.jp"
            batch[offset] = contact_row(
                ContactKind(row["kind"]), name, reading=reading, postal_code=postal,
                address=address, phone=str(row["phone"]), email=email, group_type=group_type)
        made += size
        yield batch


# What a clerk might type for a contact already there, each kind of duplicate in turn: the
# facts (name, reading, phone, email, postal code) of the copy.
Variant = Callable[[dict[str, object]], tuple[str, str, str, str, str] | None]


def _half_width(row: dict[str, object]) -> tuple[str, str, str, str, str] | None:
    """ﾔﾏﾀﾞ ﾀﾛｳ, no reading, the phone without 018 (a person)."""
    if row["kind"] is not ContactKind.PERSON:
        return None
    name = jaconv.z2h(jaconv.hira2kata(str(row["reading"])), kana=True, ascii=False, digit=False)
    return name, "", str(row["phone"]).removeprefix("018-"), "", ""


def _capital_email(row: dict[str, object]) -> tuple[str, str, str, str, str] | None:
    """The e-mail in capitals, the name in other characters, another phone."""
    if not row["email"]:
        return None
    name = str(row["name"]).replace("高", "髙").replace("斎", "齋").replace("崎", "﨑") + "様"
    return name, "", "", str(row["email"]).upper(), ""


def _legal_form(row: dict[str, object]) -> tuple[str, str, str, str, str] | None:
    """A group with its legal form written differently (or, at the same 〒, a person's name
    with 髙/齋/﨑)."""
    name = str(row["name"])
    if row["kind"] is ContactKind.PERSON:
        if not any(ch in name for ch in "高斎崎"):
            return None
        return (name.replace("高", "髙").replace("斎", "齋").replace("崎", "﨑"), "", "", "",
                str(row["postal_code"]))
    if name.startswith("NPO法人"):
        return "（特非）" + name.removeprefix("NPO法人"), "", "", "", ""
    if name.startswith("株式会社"):
        return name.removeprefix("株式会社") + "（株）", "", "", "", ""
    return "一般社団法人 " + name, "", "", "", ""


def _reading_typo(row: dict[str, object]) -> tuple[str, str, str, str, str] | None:
    """At the same 〒, the reading with a kana dropped and the name in kana."""
    reading = str(row["reading"]).replace(" ", "")
    if len(reading) < 6:
        return None
    cut = len(reading) // 2
    typo = reading[:cut] + reading[cut + 1:]
    return typo, typo, "", "", str(row["postal_code"])


VARIANTS: list[Variant] = [_half_width, _capital_email, _legal_form, _reading_typo]


def planted_copies(rows: list[dict[str, object]], share: float, seed: int
                   ) -> list[tuple[int, dict[str, object]]]:
    """Deliberate duplicates of *share* of *rows*: (position of the original, the copy)."""
    rng = random.Random(seed)
    copies = []
    for position in rng.sample(range(len(rows)), int(len(rows) * share)):
        original = rows[position]
        for variant in rng.sample(VARIANTS, len(VARIANTS)):
            facts = variant(original)
            if facts is not None:
                name, reading, phone, email, postal = facts
                copies.append((position, contact_row(
                    ContactKind(original["kind"]), name, reading=reading, postal_code=postal,
                    phone=phone, email=email, group_type=original["group_type"])))
                break
    return copies


# --- loading --------------------------------------------------------------------------------

def populate(db: Database, count: int, share: float) -> list[tuple[int, int]]:
    """*count* contacts and *share* of them copied once more; returns the planted pairs
    (original's number, copy's number)."""
    start = time.perf_counter()
    originals: list[dict[str, object]] = []
    for batch in city_rows(count):
        _insert(db, batch)
        originals += batch
    copies = planted_copies(originals, share, seed=99)
    with db.reading(None) as session:
        first = session.scalar(select(func.min(Contact.id))) or 1
    copy_first = first + len(originals)
    _insert(db, [copy for _, copy in copies])
    if not db.backend.is_sqlite:  # as autovacuum leaves the tables once they settled
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE contacts")
            conn.exec_driver_sql("VACUUM ANALYZE contact_match_keys")
    print(f"  loaded {len(originals) + len(copies):,} contacts ({len(copies):,} deliberate "
          f"duplicates) in {time.perf_counter() - start:.1f} s")
    return [(first + position, copy_first + k) for k, (position, _) in enumerate(copies)]


def _insert(db: Database, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        with db.writing(ACTOR) as session:
            before = session.scalar(select(func.max(Contact.id))) or 0
            session.execute(insert(Contact), rows[start:start + BATCH])
            refresh_match_keys(session.connection(), after_id=before)


# --- (a) while typing -----------------------------------------------------------------------

def drafts(db: Database, planted: list[tuple[int, int]], count: int) -> list[ContactDraft]:
    """What forms send while clerks type: for existing contacts (some planted) and for new
    people, the name alone, then with a reading, a phone, then everything."""
    rng = random.Random(5)
    with db.reading(None) as session:
        top = session.scalar(select(func.max(Contact.id))) or 1
        wanted = [copy for _, copy in rng.sample(planted, min(len(planted), count // 8))]
        wanted += [rng.randint(1, top) for _ in range(count // 8)]
        rows = session.execute(select(*FACT_COLUMNS).where(Contact.id.in_(wanted))).all()
    surnames, surname_weights = _surnames()
    given, given_weights = _given_names()
    made: list[ContactDraft] = []
    for row in rows:
        kind = ContactKind(row.kind)
        made += [
            ContactDraft(kind=kind, name=row.name),
            ContactDraft(kind=kind, name=row.name, reading=row.reading),
            ContactDraft(kind=kind, name=row.name, reading=row.reading, phone=row.phone),
            ContactDraft(kind=kind, name=row.name, reading=row.reading, phone=row.phone,
                         email=row.email, postal_code=row.postal_code),
        ]
    while len(made) < count:  # someone new: nobody, or namesakes
        (sur, sur_r), = rng.choices(surnames, surname_weights)
        (first, first_r), = rng.choices(given, given_weights)
        made.append(ContactDraft(
            kind=ContactKind.PERSON, name=f"{sur} {first}", reading=f"{sur_r} {first_r}",
            phone=f"018-8{rng.randint(10, 99)}-{rng.randint(0, 9999):04d}",
            postal_code=rng.choice(_postal_codes())[2]))
    return made[:count]


def _cold(db: Database, draft: ContactDraft) -> object:
    duplicates_service._folded.cache_clear()
    return likely_duplicates(db, ACTOR, draft)


def _filed_under_keys(db: Database, draft: ContactDraft) -> list[int]:
    """The index lookup `likely_duplicates` starts with, alone: which contacts are filed
    under the draft's blocking keys (no rows read, nothing compared)."""
    keys = sorted(blocking_keys(draft_facts(draft)))
    with db.reading(ACTOR) as session:
        return list(session.scalars(
            select(ContactMatchKey.contact_id).where(ContactMatchKey.key.in_(keys))))


def _timed(call: Callable[[], object]) -> float:
    runs = []
    for _ in range(3):  # the median of three: one hiccup of the machine is not the query
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return sorted(runs)[1]


def _figures(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return (f"p50 {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {times[-1] * 1000:.1f} ms")


def measure_typing(db: Database, planted: list[tuple[int, int]], count: int) -> None:
    typed = drafts(db, planted, count)
    for draft in typed[:5]:  # warm caches as a running app would have them
        likely_duplicates(db, ACTOR, draft)
    candidates, warm, lookups, reads, found = [], [], [], [], 0
    for draft in typed:
        # Cold: nothing folded from an earlier draft (the service remembers folded facts).
        candidates.append(_timed(partial(_cold, db, draft)))
        found += bool(likely_duplicates(db, ACTOR, draft))
        warm.append(_timed(partial(likely_duplicates, db, ACTOR, draft)))
        lookups.append(_timed(partial(_filed_under_keys, db, draft)))
    with db.reading(None) as session:
        top = session.scalar(select(func.max(Contact.id))) or 1
    rng = random.Random(3)
    for _ in range(len(typed)):
        contact_id = rng.randint(1, top)
        reads.append(_timed(partial(svc.get_contact, db, ACTOR, contact_id)))
    print(f"  (a) likely_duplicates, {len(typed)} drafts ({found} with candidates): "
          f"{_figures(candidates)}  (target p95 < 30 ms)")
    print(f"      the same again, as the next keystroke meets them: {_figures(warm)}")
    print(f"      baseline, the same drafts' keys looked up alone:  {_figures(lookups)}")
    print(f"      baseline, get_contact by number:                  {_figures(reads)}")


# --- (b) the whole list, in a process of its own --------------------------------------------

def _resident_mb(field: str) -> float | None:
    """VmRSS (now) or VmHWM (the peak since the last reset) of this process, on Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def child(what: str, url: str) -> None:
    """Run one measurement in this fresh process and print it as JSON."""
    db = open_database(url)
    with db.reading(ACTOR) as session:  # the connection open, as in a running app
        session.scalar(select(func.count()).select_from(Contact))
    before_mb, opening_peak_mb = _resident_mb("VmRSS"), _resident_mb("VmHWM")
    try:  # the peak from here on (Linux): what the list itself adds
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        before_mb = None
    start = time.perf_counter()
    cpu_start = time.process_time()
    result: dict[str, Any] = {}
    if what == "pairs":
        pairs = duplicate_pairs(db, ACTOR)
        result["pairs"] = [[p.first.contact_id, p.second.contact_id] for p in pairs]
        result["by_reasons"] = _by_reasons(pairs)
    else:  # the baseline: every contact's facts read once and folded
        with db.reading(ACTOR) as session:
            rows = session.execute(select(*FACT_COLUMNS).where(Contact.active)).all()
        folded = [prepare(facts_of(*row[1:])) for row in rows]
        result["contacts"] = len(folded)
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = time.process_time() - cpu_start
    result["before_mb"] = before_mb
    result["peak_mb"] = _resident_mb("VmHWM") if before_mb is not None else None
    # ru_maxrss where /proc is missing; on Linux it starts at the parent's size (fork).
    result["process_peak_mb"] = (
        max(opening_peak_mb or 0, result["peak_mb"] or 0) if before_mb is not None
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    db.dispose()
    print(json.dumps(result))


def _by_reasons(pairs: list[DuplicatePair]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for pair in pairs:
        key = "・".join(pair.reasons)
        counted[key] = counted.get(key, 0) + 1
    return dict(sorted(counted.items(), key=lambda item: -item[1]))


def _run_child(what: str, url: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", what, url], check=True,
                         capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _memory(figures: dict[str, Any]) -> str:
    whole = f"process peak {figures['process_peak_mb']:.0f} MB"
    if figures["peak_mb"] is None:
        return whole
    return (f"peak resident {figures['peak_mb']:.0f} MB while it ran, from "
            f"{figures['before_mb']:.0f} MB with the database open; {whole}")


def measure_list(url: str, planted: list[tuple[int, int]]) -> None:
    base = _run_child("facts", url)
    listed = _run_child("pairs", url)
    pairs = {(first, second) for first, second in listed["pairs"]}
    missed = [p for p in planted if p not in pairs]
    print(f"  (b) duplicate_pairs: {len(pairs):,} pairs in {listed['seconds']:.2f} s "
          f"(CPU {listed['cpu_seconds']:.2f} s), {_memory(listed)}  (targets < 10 s, < 500 MB)")
    print(f"      baseline, every contact's facts read once and folded: {base['seconds']:.2f} s "
          f"(CPU {base['cpu_seconds']:.2f} s), {_memory(base)}")
    print(f"      deliberate duplicates found: {len(planted) - len(missed):,} of {len(planted):,}")
    reasons = listed["by_reasons"]
    print("      pairs by reasons: " + ", ".join(
        f"{k} {v:,}" for k, v in list(reasons.items())[:8]))


def run(url: str, label: str, args: argparse.Namespace) -> None:
    print(f"{label}:")
    db = open_database(url)
    planted = populate(db, args.contacts, args.planted)
    measure_typing(db, planted, args.drafts)
    db.dispose()
    measure_list(url, planted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--planted", type=float, default=0.01,
                        help="the share of contacts given a deliberate duplicate")
    parser.add_argument("--drafts", type=int, default=400)
    parser.add_argument("--pg", metavar="URL",
                        help="PostgreSQL server URL (a database is made there and dropped)")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", args)
    if args.pg:
        import psycopg
        from sqlalchemy import make_url

        name = f"kyodo_bench_dup_{uuid.uuid4().hex[:8]}"
        admin = make_url(args.pg).set(drivername="postgresql")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                         "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        try:
            run(admin.set(database=name).render_as_string(hide_password=False), "PostgreSQL",
                args)
        finally:
            with psycopg.connect(admin.render_as_string(hide_password=False),
                                 autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
