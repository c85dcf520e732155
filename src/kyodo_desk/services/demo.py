"""Made-up but realistic contacts (架空データ) for training and benchmarks."""

from __future__ import annotations

import random

from sqlalchemy import insert

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.changes import notify_tables
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import gram_document, sort_key
from kyodo_desk.models import Contact, ContactKind, GroupType

_SURNAMES = [
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"),
    ("伊藤", "いとう"), ("渡辺", "わたなべ"), ("佐々木", "ささき"), ("工藤", "くどう"),
    ("斎藤", "さいとう"), ("加藤", "かとう"), ("小松", "こまつ"), ("菅原", "すがわら"),
    ("三浦", "みうら"), ("藤田", "ふじた"), ("武田", "たけだ"), ("石川", "いしかわ"),
    ("進藤", "しんどう"), ("京野", "きょうの"), ("阿部", "あべ"), ("畠山", "はたけやま"),
]
_GIVEN = [
    ("太郎", "たろう"), ("花子", "はなこ"), ("一郎", "いちろう"), ("美咲", "みさき"),
    ("健太", "けんた"), ("陽子", "ようこ"), ("翔", "しょう"), ("結衣", "ゆい"),
    ("大輔", "だいすけ"), ("直美", "なおみ"), ("誠", "まこと"), ("恵子", "けいこ"),
]
_TOWNS = [
    ("広面", "010-0041"), ("新屋扇町", "010-1637"), ("御野場", "010-1424"),
    ("土崎港西", "011-0945"), ("山王", "010-0951"), ("河辺和田", "019-2611"),
    ("雄和妙法", "010-1223"), ("東通仲町", "010-0003"), ("手形", "010-0851"),
    ("八橋本町", "010-0976"), ("泉", "010-0817"), ("旭北錦町", "010-0002"),
]
_ACTIVITIES = [
    ("子ども食堂", "こどもしょくどう"), ("まちづくり", "まちづくり"), ("見守り", "みまもり"),
    ("環境", "かんきょう"), ("国際交流", "こくさいこうりゅう"), ("防災", "ぼうさい"),
    ("子育て支援", "こそだてしえん"), ("竿燈", "かんとう"), ("福祉", "ふくし"),
]
_GROUP_FORMS = [
    (GroupType.CIVIC_GROUP, "{town}{act}の会", "{act_r}のかい"),
    (GroupType.NPO, "NPO法人あきた{act}ネット", "えぬぴーおーほうじんあきた{act_r}ねっと"),
    (GroupType.COMMUNITY_ORG, "{town}地区{act}協議会", "{act_r}きょうぎかい"),
    (GroupType.COMPANY, "株式会社{town}{act}", "{act_r}"),
]


def demo_rows(count: int, seed: int = 1) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for i in range(count):
        town, postal = rng.choice(_TOWNS)
        address = f"秋田市{town}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
        phone = f"018-8{rng.randint(10, 99)}-{rng.randint(0, 9999):04d}"
        if rng.random() < 0.7:
            (sur, sur_r), (given, given_r) = rng.choice(_SURNAMES), rng.choice(_GIVEN)
            kind, group_type = ContactKind.PERSON, None
            name, reading = f"{sur} {given}", f"{sur_r} {given_r}"
            email = f"user{i}@example.jp"
        else:
            act, act_r = rng.choice(_ACTIVITIES)
            group_type, name_form, reading_form = rng.choice(_GROUP_FORMS)
            kind = ContactKind.GROUP
            name = name_form.format(town=town, act=act)
            reading = reading_form.format(act_r=act_r)
            email = f"info{i}@group.example.jp"
        text, grams = gram_document(name, reading, postal, address, phone, email)
        rows.append({
            "kind": kind, "group_type": group_type, "name": name, "reading": reading,
            "postal_code": postal, "address": address, "phone": phone, "email": email,
            "website": "", "notes": "架空データ", "active": True, "version": 1,
            "sort_key": sort_key(reading, name), "search_text": text, "search_grams": grams,
        })
    return rows


def add_demo_contacts(db: Database, actor: Actor, count: int, *, seed: int = 1,
                      batch: int = 5000) -> int:
    """Bulk-insert made-up contacts; one audit row says how many, not one per contact."""
    actor.require(Action.CREATE, Resource.CONTACTS)
    for start in range(0, count, batch):
        rows = demo_rows(min(batch, count - start), seed=seed + start)
        with db.writing(actor) as session:
            session.execute(insert(Contact), rows)
            record_event(session, actor, "insert", "contacts", None,
                         {"架空データ": [None, len(rows)]})
            notify_tables(session, "contacts")
    return count
