"""Made-up but realistic contacts and consultations (架空データ) for training and benchmarks.

Contacts and consultations are written with bulk Core inserts, never row by row through the
ORM, so a million consultations take minutes, not hours: the search columns are computed here exactly as the
ORM's before-flush hook would, and one audit row per batch says how many rows were added
(an audit row per generated record would only fill the append-only log with noise).
"""

from __future__ import annotations

import bisect
import enum
import itertools
import random
import secrets
from collections.abc import Callable, Sequence
from datetime import date, time, timedelta
from functools import cache
from typing import Generic, TypeVar

from sqlalchemy import Table, exists, func, insert, select, text
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.changes import notify_tables
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.database.match_keys import refresh_match_keys
from kyodo_desk.database.seed import seed_towns
from kyodo_desk.domain.dates import fiscal_year_of
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.labels import AGE_BANDS, DISTRICTS, UNKNOWN
from kyodo_desk.domain.permissions import Action, Actor, Resource, Role
from kyodo_desk.domain.text import fold, grams, sort_key
from kyodo_desk.models import (
    Account,
    ActivityField,
    Consultation,
    ConsultationChannel,
    ConsultationStatus,
    ConsultationTopic,
    ConsultationTopicLink,
    Contact,
    ContactActivityField,
    ContactKind,
    Facility,
    GroupType,
)
from kyodo_desk.models.base import search_columns
from kyodo_desk.services.demo import city

DEMO_NOTE = "架空データ"  # the notes of every made-up contact: how they are told from real ones

def demo_rows(count: int, seed: int = 1) -> list[dict[str, object]]:
    """*count* made-up contacts, 70 % people: names, towns and groups as varied as a city's
    (`city`), so a duplicates list or a search over them means something."""
    rng = random.Random(seed)
    towns = _district_of_town()
    today = date.today()
    rows: list[dict[str, object]] = []
    for i in range(count):
        town, town_reading, postal = city.place(rng)
        address = f"秋田市{town}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
        phone = f"018-8{rng.randint(10, 99)}-{rng.randint(0, 9999):04d}"
        registry: dict[str, object] = {}
        if rng.random() < 0.7:
            kind, group_type = ContactKind.PERSON, None
            name, reading = city.person_name(rng)
            email = f"user{seed + i}@example.jp" if rng.random() < 0.6 else ""
        else:
            kind = ContactKind.GROUP
            group_type, name, reading = city.group_name(rng, town, town_reading)
            email = f"info{seed + i}@group.example.jp"
            registry = _group_registry(rng, group_type, today)
        rows.append(contact_row(kind, name, reading=reading, postal_code=postal,
                                address=address, phone=phone, email=email,
                                group_type=group_type, district=towns.get(town, ""),
                                registry=registry))
    return rows


def contact_row(kind: ContactKind, name: str, *, reading: str = "", postal_code: str = "",
                address: str = "", phone: str = "", email: str = "", notes: str = DEMO_NOTE,
                group_type: GroupType | None = None, district: str = "",
                registry: dict[str, object] | None = None) -> dict[str, object]:
    """One `contacts` row for a bulk insert, with the search columns the ORM would fill.
    *registry*: a group's registry columns (`_group_registry`); every row has them all, as an
    insert of many rows needs."""
    row: dict[str, object] = {
        "kind": kind, "group_type": group_type, "name": name, "reading": reading,
        "postal_code": postal_code, "address": address, "phone": phone, "email": email,
        "website": "", "notes": notes, "active": True, "version": 1,
        "district": district, **_NO_REGISTRY, **(registry or {}),
    }
    return row | search_columns(Contact, row)


# A group's registry columns, blank (a person's, or a group's nobody has filled in).
_NO_REGISTRY: dict[str, object] = {
    "legal_form": "", "activity_area": "", "member_count": None, "founded_on": None,
    "sns": "", "listed_publicly": False, "public_fields": "", "registered_on": None,
    "confirmed_on": None,
}
_LEGAL_FORMS = {GroupType.NPO: "特定非営利活動法人", GroupType.COMPANY: "株式会社",
                GroupType.SCHOOL: "学校法人", GroupType.COMMUNITY_ORG: "認可地縁団体"}
_PUBLIC_CHOICES = ("activity_fields,activity_area,website",
                   "representative,activity_fields,activity_area,member_count,founded_on",
                   "address,phone,website,sns,activity_fields,activity_area")


@cache
def _district_of_town() -> dict[str, str]:
    return seed_towns()


def _group_registry(rng: random.Random, group_type: GroupType, today: date) -> dict[str, object]:
    """A made-up group's registry columns: registered up to ten years ago, last confirmed
    since (a quarter of them more than a year ago), a third listed in the public directory."""
    registered = today - timedelta(days=rng.randint(0, 3650))
    confirmed = registered + timedelta(days=rng.randint(0, (today - registered).days))
    founded = registered - timedelta(days=rng.randint(0, 7000))
    listed = rng.random() < 0.35
    return {
        "legal_form": _LEGAL_FORMS.get(group_type, "任意団体（法人格なし）"),
        "activity_area": rng.choice(("市内全域", "地域内", "秋田県内", "")),
        "member_count": rng.randint(3, 120), "founded_on": founded.replace(day=1),
        "listed_publicly": listed,
        "public_fields": rng.choice(_PUBLIC_CHOICES) if listed else "",
        "registered_on": registered, "confirmed_on": confirmed,
    }


@retry_on_contention
def add_demo_contacts(db: Database, actor: Actor, count: int, *, seed: int = 1,
                      batch: int = 5000) -> int:
    """Bulk-insert made-up contacts; one audit row says how many, not one per contact."""
    actor.require(Action.CREATE, Resource.CONTACTS)
    for start in range(0, count, batch):
        rows = demo_rows(min(batch, count - start), seed=seed + start)
        with db.writing(actor) as session:
            before = session.scalar(select(func.max(Contact.id))) or 0
            session.execute(insert(Contact), rows)
            refresh_match_keys(session.connection(), after_id=before)
            _add_activity_fields(session, before, random.Random(seed + start))
            record_event(session, actor, "insert", "contacts", None,
                         {DEMO_NOTE: [None, len(rows)]})
            notify_tables(session, "contacts")
    return count


def _add_activity_fields(session: Session, after_id: int, rng: random.Random) -> None:
    """One to three 活動分野 for each made-up group numbered after *after_id*."""
    fields = session.scalars(select(ActivityField.id).where(ActivityField.active)
                             .order_by(ActivityField.display_order)).all()
    groups = session.scalars(select(Contact.id).where(
        Contact.id > after_id, Contact.kind == ContactKind.GROUP)).all()
    links = [{"contact_id": group, "field_id": field, "position": position}
             for group in groups
             for position, field in enumerate(rng.sample(fields, rng.randint(1, 3)))]
    if links:
        session.execute(insert(ContactActivityField), links)


# --- consultations (相談記録) ----------------------------------------------------------------

DEMO_FISCAL_YEARS = 5  # this fiscal year and the four before it
DEMO_STAFF_PER_FACILITY = 2
CONSULTATION_BATCH = 5000
# Roles that log consultations; each account is used at the facility it belongs to.
_STAFF_ROLES = (Role.COUNTER_STAFF, Role.ADVISOR, Role.OFFICER)

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (records written so far, records wanted)

# The district (地区) each facility serves; the salon sits in the city centre.
_FACILITY_AREA = {"east": "東部", "west": "西部", "south": "南部", "north": "北部",
                  "central": "中央", "kawabe": "河辺", "yuwa": "雄和", "salon": "中央"}
_AGE_WEIGHTS = (2, 8, 12, 16, 18, 24, 20, 0)  # per AGE_BANDS; 不明 only for quick questions

_CHANNELS = (ConsultationChannel.VISIT, ConsultationChannel.PHONE, ConsultationChannel.EMAIL,
             ConsultationChannel.OUTREACH, ConsultationChannel.OTHER)
_CHANNEL_WEIGHTS = (55, 25, 12, 5, 3)
# Minutes a consultation takes, by channel: (shortest, longest), in 5-minute steps.
_DURATIONS = {ConsultationChannel.VISIT: (15, 90), ConsultationChannel.PHONE: (5, 30),
              ConsultationChannel.EMAIL: (10, 30), ConsultationChannel.OUTREACH: (30, 120),
              ConsultationChannel.OTHER: (10, 45)}

# What people come with, as slots filled below; several values per slot keep the texts varied
# enough for a search benchmark while the folded forms can still be cached.
_SLOTS: dict[str, tuple[str, ...]] = {
    "act": ("子ども食堂", "高齢者の見守り", "環境美化", "国際交流", "防災", "子育て支援",
            "竿燈の継承", "読み聞かせ", "里山の保全", "障がい者の余暇支援", "フードバンク",
            "空き家の活用"),
    "area": DISTRICTS,
    "n": ("3", "5", "8", "10", "12", "20"),
    "years": ("2", "3", "5", "10"),
    "grant": ("協働サポート交付金", "地域づくり交付金"),
    "event": ("市民活動フェスタ", "市民協働ミーティング", "市民サービスセンターまつり",
              "つむぎすと講座", "まちづくりワークショップ"),
    "room": ("会議室", "研修室", "和室", "調理室", "交流スペース"),
}

# Per seeded topic: what was asked, what was answered, and the short form used when it is a
# second topic of the same consultation ("あわせて…についても聞きたい").
_TOPIC_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "団体設立": (
        ("{act}の活動をする市民活動団体を{area}地区で立ち上げたい。会則の作り方と最初に必要な準備を知りたい。",
         "仲間{n}人で{act}のグループを作りたいが、代表者や会計の決め方がわからない。",
         "{act}の団体を設立したい。市民活動団体として登録する方法を教えてほしい。",
         "退職後に{area}地区で{act}の活動を始めたい。同じような団体があるか知りたい。"),
        ("会則のひな形を渡し、目的・役員・会計・総会の項目を説明した。",
         "設立総会までの流れと、市民活動団体の登録の手続きを案内した。",
         "同じ分野で活動している団体の例を紹介し、立ち上げの手順を一緒に整理した。",
         "団体の目的と活動内容を文章にまとめるよう助言し、次回に会則案を見ることにした。"),
        "団体の立ち上げ方"),
    "NPO法人化": (
        ("NPO法人の設立認証申請の手続きについて知りたい。",
         "任意団体として{years}年活動してきた{act}の会をNPO法人にしたい。メリットと必要な書類を知りたい。",
         "NPO法人の事業報告書の提出期限と書き方を教えてほしい。",
         "NPO法人の役員変更の届出について相談したい。",
         "{act}のNPO法人を設立したいが、社員{n}人以上という要件の数え方がわからない。"),
        ("設立認証申請の必要書類（定款、役員名簿、設立趣旨書、事業計画書、活動予算書など）と縦覧期間を説明した。",
         "法人化のメリットと、登記・税務・事業報告などの事務が増えることを説明した。",
         "事業報告書等の様式と記入例を渡し、提出期限（事業年度終了後3か月以内）を確認した。",
         "役員変更届の様式を渡し、就任承諾書と住所の書類が必要なことを説明した。"),
        "NPO法人化の手続き"),
    "団体運営": (
        ("会員が減って{act}の活動が続けられるか不安。新しい会員を増やす方法を知りたい。",
         "総会の開き方と議事録の書き方を知りたい。",
         "会計の引き継ぎがうまくいかない。帳簿のつけ方を教えてほしい。",
         "役員のなり手がいない。{years}年同じ人が続けていて負担が大きい。",
         "団体の活動中のけがに備える保険について知りたい。"),
        ("他の団体の会員募集の工夫を紹介し、体験参加の機会を設けるよう助言した。",
         "総会の進め方と議事録の記載事項を説明し、記入例を渡した。",
         "現金出納帳の様式を渡し、領収書の整理の仕方を説明した。",
         "役割を分けて負担を減らす方法を一緒に考えた。",
         "市民活動の保険制度について資料を渡して説明した。"),
        "団体の運営"),
    "資金・交付金": (
        ("{grant}の申請書の書き方を相談したい。",
         "{act}の活動に使える助成金を探している。",
         "{grant}の実績報告の書類について確認したい。",
         "{grant}の対象になる経費とならない経費を知りたい。",
         "活動資金が足りない。寄付や会費の集め方を知りたい。"),
        ("申請様式と記入例を渡し、事業計画と収支予算の書き方を説明した。",
         "民間の助成金の情報を紹介し、締切の近いものを一緒に確認した。",
         "実績報告書と収支決算書の書き方を説明し、領収書の添付について確認した。",
         "対象経費の考え方を説明し、募集要項の該当箇所を示した。",
         "会費・寄付・事業収入の組み合わせ方を他団体の例で説明した。"),
        "交付金や助成金"),
    "広報・PR": (
        ("{act}のイベントのチラシを作りたい。作り方と配布先を知りたい。",
         "SNSで団体の活動を発信したいが、始め方がわからない。",
         "市の広報に{event}の情報を載せたい。",
         "団体のホームページを作りたい。",
         "{area}地区の回覧板で会員募集の案内を回したい。"),
        ("チラシの構成（日時・場所・対象・問い合わせ先）を説明し、市民サービスセンターでの配架を案内した。",
         "SNSの始め方と、個人情報や写真の扱いの注意点を説明した。",
         "掲載の申込方法と締切を案内した。",
         "無料で使えるホームページ作成の方法を紹介した。",
         "町内会への依頼の仕方を説明した。"),
        "広報の方法"),
    "協働事業提案": (
        ("{act}の事業を市と協働で行いたい。協働事業提案の流れを知りたい。",
         "{grant}を使って市と一緒に事業をしたい。提案書の書き方を教えてほしい。",
         "市のどの課に相談すればよいかわからない。",
         "協働事業の役割分担をどう決めればよいか知りたい。"),
        ("市民協働指針の協働のサイクル（PLAN・DO・CHECK・ACT）と提案から実施までの流れを説明した。",
         "提案書の記入例を渡し、市の役割と団体の役割を分けて書くよう助言した。",
         "関係しそうな担当課を調べ、相談の予約の取り方を案内した。",
         "役割分担表の例を示し、協定書に書く内容を説明した。"),
        "協働事業の提案"),
    "地域づくり": (
        ("{area}地区のまちづくり計画について意見を出したい。",
         "地域づくり組織の会合の進め方を相談したい。",
         "町内会と{act}の団体が一緒に活動する方法を知りたい。",
         "{area}地区で{event}を開きたい。"),
        ("まちづくり計画の策定の流れとワークショップの日程を案内した。",
         "会合の進行役の立て方と記録の取り方を説明した。",
         "地域で連携している団体の例を紹介した。",
         "開催の準備と会場の確保について説明した。"),
        "地域づくり"),
    "施設利用": (
        ("{room}を{act}の会合で使いたい。予約の方法を知りたい。",
         "市民交流サロンの印刷機の使い方と料金を知りたい。",
         "団体の資料を置くロッカーを借りたい。",
         "{event}の打ち合わせで{room}を毎月使いたい。"),
        ("利用の申込方法と空き状況の確認の仕方を説明した。",
         "印刷機の使い方と用紙の持ち込みについて説明した。",
         "ロッカーの空き状況と利用の条件を説明した。",
         "定期利用の申込方法を案内した。"),
        "施設の利用"),
    "人材・ボランティア": (
        ("{act}の活動に参加するボランティアを{n}人ほど募集したい。",
         "ボランティアとして活動できる団体を紹介してほしい。",
         "つむぎすと講座について知りたい。",
         "若い世代にも活動に加わってほしい。"),
        ("ボランティア募集の掲示と登録の方法を案内した。",
         "関心のある分野を聞き取り、活動している団体を紹介した。",
         "講座の内容と申込方法を案内した。",
         "学校や大学との連携の例を紹介した。"),
        "ボランティアの募集"),
    "その他": (
        ("{event}へのブース出展について知りたい。",
         "{event}の日程と申込方法を知りたい。",
         "市民活動について一般的なことを聞きたい。",
         "{area}地区で活動している団体を知りたい。"),
        ("出展の申込方法と締切を案内した。",
         "日程と会場を案内し、チラシを渡した。",
         "市民協働指針の概要版を渡して説明した。",
         "団体の一覧から該当する団体を紹介した。"),
        "ほかの相談"),
}
_OTHER_TEXTS = _TOPIC_TEXTS["その他"]
# How often each seeded topic comes up, relative to one another; topics added later: 3.
_TOPIC_WEIGHTS = {"団体設立": 10, "NPO法人化": 8, "団体運営": 14, "資金・交付金": 14,
                  "広報・PR": 9, "協働事業提案": 5, "地域づくり": 8, "施設利用": 12,
                  "人材・ボランティア": 7, "その他": 6}
_REFERRALS: dict[str, tuple[str, ...]] = {
    "NPO法人化": ("秋田県（NPO法人の認証窓口）", "法務局（法人の登記）", "税務署（収益事業の申告）"),
    "資金・交付金": ("市民協働の担当課（交付金の窓口）", "民間助成財団"),
    "人材・ボランティア": ("社会福祉協議会ボランティアセンター",),
    "地域づくり": ("地区の町内会連合会", "中央市民サービスセンター"),
    "協働事業提案": ("市の事業担当課", "市民協働の担当課"),
}
_FOLLOW_UP_PLANS = ("後日、電話で状況を確認する。", "書類ができたら再度来所してもらう。",
                    "次回の相談日を調整する。")
FOLLOW_UP_DAYS = (7, 14, 30)


class _Weighted(Generic[T]):
    """Picks items by relative weight; random.choices would sum the weights on every call."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


# What the ORM's before-flush hook writes: a consultation has no reading or name.
_CONSULTATION_SORT_KEY = sort_key(None, "")
_CHANNEL_MIX = _Weighted(_CHANNELS, _CHANNEL_WEIGHTS)
_AGE_MIX = _Weighted(AGE_BANDS, _AGE_WEIGHTS)
_TOPIC_COUNT = _Weighted((1, 2, 3), (70, 25, 5))  # topics per consultation


@retry_on_contention
def add_demo_consultations(db: Database, actor: Actor, count: int, *, seed: int = 1,
                           today: date | None = None, batch: int = CONSULTATION_BATCH,
                           progress: Progress | None = None) -> int:
    """Add *count* made-up consultations held over the last five fiscal years up to *today*.

    Facilities, topics and staff are those of the database; facilities without a member of
    staff get two demo accounts, which are disabled and carry a random password nobody knows,
    so they can never sign in. Consultees are made-up contacts (DEMO_NOTE) that have no
    consultation yet, created as needed, so a record's 新規/継続 is decided by the generated
    records alone and no existing record's figures change. The same seed on the same
    database gives the same records. Returns the number added.
    """
    # Generated records span every facility and create accounts: an administrator's job
    # (the command line acts as one), never a counter's.
    actor.require(Action.CREATE, Resource.ACCOUNTS)
    actor.require(Action.DELETE, Resource.CONSULTATIONS)
    if count <= 0:
        return 0
    today = today or date.today()
    rng = random.Random(seed)
    facilities, topics = _facilities_and_topics(db)
    staff = _demo_staff(db, actor, facilities, rng)
    consultees = _fresh_demo_contacts(db, actor, _consultee_pool_size(count), seed)
    make = _ConsultationMaker(rng, facilities, staff, consultees, topics,
                              _open_days(today), count, today)
    done = 0
    while done < count:
        rows, topic_ids = make.rows(done, min(batch, count - done))
        with db.writing(actor) as session:
            if done + len(rows) < count:
                _defer_index_merging(db, session)
            ids = _reserve_ids(db, session, len(rows))
            for row, cid in zip(rows, ids, strict=True):
                row["id"] = cid
            _insert_many(db, session, Consultation.__table__, rows)
            _insert_many(db, session, ConsultationTopicLink.__table__, [
                {"consultation_id": cid, "topic_id": tid}
                for cid, chosen in zip(ids, topic_ids, strict=True) for tid in chosen])
            record_event(session, actor, "insert", Consultation.__tablename__, None,
                         {DEMO_NOTE: [None, len(rows)]})
            notify_tables(session, Consultation.__tablename__,
                          ConsultationTopicLink.__tablename__)
        done += len(rows)
        if progress is not None:
            progress(done, count)
    return done


def _defer_index_merging(db: Database, session: Session) -> None:
    """PostgreSQL: let the gram (GIN) index collect 64 MB of new entries before merging them.

    Merging a large pending list at once costs a third less than merging 4 MB at a time
    (measured at 50,000 records). The last batch runs with the server's own limit, so it
    merges what was collected and leaves the index as ordinary inserts would.
    """
    if not db.backend.is_sqlite:
        session.execute(text("SET LOCAL gin_pending_list_limit = '64MB'"))


def _insert_many(db: Database, session: Session, table: Table,
                 rows: list[dict[str, object]]) -> None:
    """Bulk-insert *rows* in the session's transaction, the fastest way each database has.

    PostgreSQL: COPY, one stream instead of psycopg's one INSERT per row. SQLite: the
    driver's executemany, already in C.
    """
    if db.backend.is_sqlite or not rows:
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    # Typed Optional for a pooled connection that was closed; the session's is open.
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_plain(row[c]) for c in columns])


def _plain(value: object) -> object:
    # COPY adapts by Python type; an enum member goes in as its stored text.
    return value.value if isinstance(value, enum.Enum) else value


def _reserve_ids(db: Database, session: Session, n: int) -> list[int]:
    """*n* new consultation ids, ascending, that no other counter can take meanwhile.

    Given explicitly so the topic rows can refer to them: RETURNING in parameter order makes
    SQLAlchemy insert one row per statement on SQLite, fifty times slower.
    """
    if db.backend.is_sqlite:  # the write transaction (BEGIN IMMEDIATE) holds the only lock
        last = session.execute(
            select(func.coalesce(func.max(Consultation.id), 0))).scalar_one()
        return list(range(last + 1, last + 1 + n))
    return sorted(session.scalars(
        text("SELECT nextval(pg_get_serial_sequence('consultations', 'id')) "
             "FROM generate_series(1, :n)"), {"n": n}))


def _consultee_pool_size(count: int) -> int:
    """Distinct made-up consultees: some come back often, many only once."""
    return max(10, min(50_000, count // 5))


def _facilities_and_topics(db: Database) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    with db.reading(None) as session:
        facilities = [(r.id, r.code) for r in session.execute(
            select(Facility.id, Facility.code).where(Facility.active)
            .order_by(Facility.display_order, Facility.id))]
        topics = [(r.id, r.name) for r in session.execute(
            select(ConsultationTopic.id, ConsultationTopic.name).where(ConsultationTopic.active)
            .order_by(ConsultationTopic.display_order, ConsultationTopic.id))]
    if not facilities or not topics:
        raise UserError("施設または相談の分野が登録されていないため、架空の相談記録を作れません。")
    return facilities, topics


def _demo_staff(db: Database, actor: Actor, facilities: Sequence[tuple[int, str]],
                rng: random.Random) -> dict[int, list[int]]:
    """Account ids that log consultations, per facility; demo accounts where there are none."""
    with db.reading(actor) as session:
        found = session.execute(
            select(Account.id, Account.facility_id)
            .where(Account.role.in_(_STAFF_ROLES)).order_by(Account.id)).all()
        logins = set(session.scalars(select(Account.login)))
    staff: dict[int, list[int]] = {fid: [] for fid, _code in facilities}
    for account_id, facility_id in found:
        if facility_id in staff:
            staff[facility_id].append(account_id)
    missing = [(fid, code) for fid, code in facilities if not staff[fid]]
    if not missing:
        return staff
    from argon2 import PasswordHasher

    # The slow default protects passwords people choose; this one is 256 random bits that
    # nobody ever sees, so a light argon2id hash is as safe and does not cost a second.
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with db.writing(actor) as session:
        created: list[Account] = []
        for fid, code in missing:
            for number in range(1, DEMO_STAFF_PER_FACILITY + 1):
                login = f"demo.{code}.{number}"
                while login in logins:
                    login += "x"
                logins.add(login)
                account = Account(
                    login=login, display_name=f"{city.person_name(rng)[0]}（架空）",
                    role=Role.ADVISOR if code == "salon" else Role.COUNTER_STAFF,
                    facility_id=fid, active=False,
                    password_hash=hasher.hash(secrets.token_urlsafe(32)),
                    must_change_password=True, failed_attempts=0)
                session.add(account)
                created.append(account)
        session.flush()
        for account in created:
            assert account.facility_id is not None
            staff[account.facility_id].append(account.id)
    return staff


def _fresh_demo_contacts(db: Database, actor: Actor, wanted: int, seed: int) -> list[int]:
    """Ids of *wanted* made-up contacts never consulted yet, adding contacts if too few."""
    def fresh() -> list[int]:
        with db.reading(actor) as session:
            return list(session.scalars(
                select(Contact.id)
                .where(Contact.notes == DEMO_NOTE, Contact.active,
                       ~exists().where(Consultation.consultee_contact_id == Contact.id))
                .order_by(Contact.id).limit(wanted)))

    ids = fresh()
    if len(ids) < wanted:
        add_demo_contacts(db, actor, wanted - len(ids), seed=seed * 100_003 + len(ids))
        ids = fresh()
    return ids


def _open_days(today: date) -> list[date]:
    """Weekdays the counters are open, from the first fiscal year shown up to *today*.

    City offices close from 29 December to 3 January.
    """
    day = date(fiscal_year_of(today) - DEMO_FISCAL_YEARS + 1, 4, 1)
    days: list[date] = []
    while day <= today:
        closed = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
        if day.weekday() < 5 and not closed:
            days.append(day)
        day += timedelta(days=1)
    return days


class _FoldCache:
    """gram_document for texts made of a limited set of parts: fold each distinct field once.

    Gives exactly what gram_document(*fields) gives (a test compares them), at a fraction of
    the cost for a million records.
    """

    def __init__(self) -> None:
        self._fields: dict[str, tuple[str, frozenset[str]]] = {}

    def _field(self, text: str) -> tuple[str, frozenset[str]]:
        hit = self._fields.get(text)
        if hit is None:
            folded = fold(text)
            hit = self._fields[text] = (folded, frozenset(grams(folded)))
        return hit

    def document(self, *fields: str) -> tuple[str, str]:
        parts = [self._field(f) for f in fields if f]
        tokens: set[str] = set()
        for _folded, field_grams in parts:
            tokens |= field_grams
        return " ".join(p[0] for p in parts if p[0]), " ".join(sorted(tokens))


class _ConsultationMaker:
    """Consultation rows in the order they were held, so ids follow (held_on, id)."""

    def __init__(self, rng: random.Random, facilities: Sequence[tuple[int, str]],
                 staff: dict[int, list[int]], consultees: Sequence[int],
                 topics: Sequence[tuple[int, str]], days: Sequence[date], count: int,
                 today: date) -> None:
        self.rng, self.days, self.count, self.today = rng, days, count, today
        # The salon is where the advisors sit: about as many consultations as all centers.
        self.facility = _Weighted([fid for fid, _code in facilities],
                                  [len(facilities) - 1 if code == "salon" else 1
                                   for _fid, code in facilities])
        self.facility_area = {fid: _FACILITY_AREA.get(code, "中央") for fid, code in facilities}
        self.staff = staff
        self.consultees = consultees
        self.topics = list(topics)
        self.topic = _Weighted(self.topics, [_TOPIC_WEIGHTS.get(name, 3) for _tid, name in topics])
        self.seen: set[int] = set()
        self.grams = _FoldCache()

    def rows(self, start: int, n: int) -> tuple[list[dict[str, object]], list[list[int]]]:
        rows: list[dict[str, object]] = []
        topic_ids: list[list[int]] = []
        for i in range(start, start + n):
            row, chosen = self._one(i)
            rows.append(row)
            topic_ids.append(chosen)
        return rows, topic_ids

    def _one(self, i: int) -> tuple[dict[str, object], list[int]]:
        rng = self.rng
        # Stratified over the open days: spread evenly, in order, never after today.
        held_on = self.days[int((i + rng.random()) * len(self.days) / self.count)]
        facility_id = self.facility.pick(rng)
        channel = _CHANNEL_MIX.pick(rng)
        shortest, longest = _DURATIONS[channel]
        start = time(9 + rng.randrange(8), rng.choice((0, 15, 30, 45)))
        chosen = self._topics()
        names = [name for _tid, name in chosen]
        asked = self._asked(names)
        answered = self._fill(rng.choice(_TOPIC_TEXTS.get(names[0], _OTHER_TEXTS)[1]))
        referral = ""
        if (choices := _REFERRALS.get(names[0])) and rng.random() < 0.35:
            referral = rng.choice(choices)
        follow_up_due, follow_up_plan = None, ""
        if rng.random() < 0.25:
            follow_up_due = held_on + timedelta(days=rng.choice(FOLLOW_UP_DAYS))
            follow_up_plan = rng.choice(_FOLLOW_UP_PLANS)
        consultee, anonymous, age_band, area, returning = self._consultee(facility_id)
        search_text, search_grams = self.grams.document(asked, answered, referral)
        return {
            "held_on": held_on, "start_time": start,
            "duration_minutes": rng.randrange(shortest, longest + 1, 5),
            "facility_id": facility_id,
            "staff_account_id": rng.choice(self.staff[facility_id]),
            "consultee_contact_id": consultee, "anonymous": anonymous, "age_band": age_band,
            "area": area, "channel": channel, "asked": asked, "answered": answered,
            "referral": referral, "follow_up_due": follow_up_due,
            "follow_up_plan": follow_up_plan,
            "status": self._status(held_on, follow_up_due),
            "returning_consultee": returning, "anonymised_on": None, "version": 1,
            "sort_key": _CONSULTATION_SORT_KEY, "search_text": search_text,
            "search_grams": search_grams,
        }, [tid for tid, _name in chosen]

    def _topics(self) -> list[tuple[int, str]]:
        wanted = min(len(self.topics), _TOPIC_COUNT.pick(self.rng))
        chosen: list[tuple[int, str]] = []
        while len(chosen) < wanted:
            topic = self.topic.pick(self.rng)
            if topic not in chosen:
                chosen.append(topic)
        return chosen

    def _asked(self, names: list[str]) -> str:
        asked = self._fill(self.rng.choice(_TOPIC_TEXTS.get(names[0], _OTHER_TEXTS)[0]))
        if len(names) > 1:
            also = "・".join(_TOPIC_TEXTS.get(name, _OTHER_TEXTS)[2] for name in names[1:])
            asked += f"あわせて、{also}についても聞きたい。"
        return asked

    def _fill(self, template: str) -> str:
        if "{" not in template:
            return template
        return template.format(**{k: self.rng.choice(v) for k, v in _SLOTS.items()
                                  if "{" + k + "}" in template})

    def _consultee(self, facility_id: int) -> tuple[int | None, bool, str, str, bool | None]:
        """(contact, anonymous, age band, area, 継続) — 継続 iff consulted earlier."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.3:  # anonymous: only an age band and the district they live in
            area = (self.facility_area[facility_id] if rng.random() < 0.7
                    else rng.choice(DISTRICTS))
            return None, True, _AGE_MIX.pick(rng), area, None
        if draw < 0.4 or not self.consultees:  # a quick question: 匿名, nothing noted down
            return None, True, UNKNOWN, UNKNOWN, None
        # Skewed: the first contacts of the pool (active groups) come back again and again.
        contact = self.consultees[int(len(self.consultees) * rng.random() ** 2)]
        returning = contact in self.seen
        self.seen.add(contact)
        return contact, False, "", "", returning

    def _status(self, held_on: date, follow_up_due: date | None) -> ConsultationStatus:
        """Older records are almost all 完了; recent ones with a follow-up are mostly 対応中."""
        age = (self.today - held_on).days
        if age > 60:
            still_open = 0.03
        elif follow_up_due is not None:
            still_open = 0.8
        else:
            still_open = 0.15
        return (ConsultationStatus.IN_PROGRESS if self.rng.random() < still_open
                else ConsultationStatus.DONE)
