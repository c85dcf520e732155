"""Groups for the public directory (団体一覧), written straight through an ORM session so the
tests do not depend on the contact form's service: two listed groups that agreed to publish
different fields, and every kind of record that must never be listed.

The representatives' own phone numbers, addresses and e-mails are unmistakable strings, so a
test can say they appear nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import (
    ActivityField,
    Contact,
    ContactActivityField,
    ContactKind,
    GroupType,
    Membership,
)

KAWABE = "あきた川辺の会"
AOZORA = "あおぞら子ども食堂"
HIDDEN = ("ひみつの勉強会", "解散した読書会", "統合された旧子ども食堂", "一般 個人")
CHAIR = "川辺 一郎"
AOZORA_HEAD = "青空 花子"
# Of the representatives (persons): never in the directory, whatever the groups agreed.
PRIVATE = ("090-1234-5678", "秋田市旭北栄町9-9-9", "ichiro.private@example.jp",
           "080-9876-5432", "秋田市楢山本町7-7", "hanako.private@example.jp")
# Of 川辺の会, which agreed only to 代表者名, 電話番号, 活動分野 and 設立年月.
KAWABE_UNAGREED = ("010-0041", "秋田市広面字川端1-2", "kawabe@example.jp",
                   "https://kawabe.example.jp", "https://x.com/kawabe_akita", "旧河辺町一円")
KAWABE_PHONE = "018-800-1111"


@dataclass(frozen=True)
class Directory:
    kawabe: int
    aozora: int
    hidden: tuple[int, ...]


def field_ids(session: Any) -> dict[str, int]:
    return {name: id_ for name, id_ in session.execute(
        select(ActivityField.name, ActivityField.id))}


def group(session: Any, name: str, reading: str, **values: Any) -> Contact:
    fields: list[str] = values.pop("fields", [])
    made = Contact(kind=ContactKind.GROUP, name=name, reading=reading,
                   group_type=values.pop("group_type", GroupType.CIVIC_GROUP), **values)
    session.add(made)
    session.flush()
    ids = field_ids(session)
    for position, field in enumerate(fields):
        session.add(ContactActivityField(contact_id=made.id, field_id=ids[field],
                                         position=position))
    return made


def person(session: Any, name: str, reading: str, **values: Any) -> Contact:
    made = Contact(kind=ContactKind.PERSON, name=name, reading=reading, **values)
    session.add(made)
    session.flush()
    return made


def directory(db: Any) -> Directory:
    with db.writing(Actor.command_line()) as session:
        chair = person(session, CHAIR, "かわべ いちろう", phone=PRIVATE[0], address=PRIVATE[1],
                       email=PRIVATE[2], postal_code="010-0011", district="東部")
        head = person(session, AOZORA_HEAD, "あおぞら はなこ", phone=PRIVATE[3],
                      address=PRIVATE[4], email=PRIVATE[5])
        kawabe = group(
            session, KAWABE, "あきたかわべのかい", district="東部", legal_form="任意団体（法人格なし）",
            postal_code=KAWABE_UNAGREED[0], address=KAWABE_UNAGREED[1], phone=KAWABE_PHONE,
            email=KAWABE_UNAGREED[2], website=KAWABE_UNAGREED[3], sns=KAWABE_UNAGREED[4],
            activity_area=KAWABE_UNAGREED[5], member_count=25, founded_on=date(2015, 4, 1),
            representative_id=chair.id, listed_publicly=True,
            public_fields="representative,phone,activity_fields,founded_on,notes",
            notes="内部メモ: 会計に注意", fields=["まちづくり", "環境の保全"])
        aozora = group(
            session, AOZORA, "あおぞらこどもしょくどう", group_type=GroupType.NPO,
            district="中央", legal_form="特定非営利活動法人", postal_code="010-0001",
            address="秋田市中通2-3-8", phone="018-800-2222", email="info@aozora.example.jp",
            website="https://aozora.example.jp",
            sns="https://x.com/aozora_akita\nhttps://www.instagram.com/aozora_akita",
            activity_area="市内全域", member_count=12, founded_on=date(2019, 10, 1),
            listed_publicly=True, public_fields=",".join((
                "representative", "address", "phone", "email", "website", "sns",
                "activity_fields", "activity_area", "member_count", "founded_on")),
            fields=["子どもの健全育成", "保健・医療・福祉"])
        # 青空 花子 is 代表理事 by her membership only (a group registered before the
        # registry named its 代表者).
        session.add(Membership(person_id=head.id, group_id=aozora.id, role="代表理事"))
        session.add(Membership(person_id=chair.id, group_id=aozora.id, role="会員"))
        hidden = [
            group(session, HIDDEN[0], "ひみつのべんきょうかい", district="東部",
                  public_fields="phone", phone="018-800-3333", fields=["まちづくり"]),
            group(session, HIDDEN[1], "かいさんしたどくしょかい", district="東部", active=False,
                  listed_publicly=True, public_fields="phone", fields=["まちづくり"]),
            group(session, HIDDEN[2], "とうごうされたきゅうこどもしょくどう", district="中央",
                  listed_publicly=True, public_fields="phone", merged_into_id=aozora.id,
                  fields=["子どもの健全育成"]),
            person(session, HIDDEN[3], "いっぱん こじん", district="東部", listed_publicly=True,
                   public_fields="phone,address", phone="080-0000-1111"),
        ]
        return Directory(kawabe.id, aozora.id, tuple(c.id for c in hidden))


def many_groups(db: Any, count: int, *, name_length: int = 80) -> None:
    """*count* listed groups with *name_length*-character names, every field published and
    filled, spread over the districts and fields."""
    districts = ["中央", "東部", "西部", "南部", "北部", "河辺", "雄和", "市外", ""]
    with db.writing(Actor.command_line()) as session:
        names = list(field_ids(session))
        for n in range(count):
            stem = f"秋田市民活動ネットワーク第{n:03d}支部"
            name = (stem + "地域の未来を考えるまちづくり協議会" * 8)[:name_length]
            group(session, name, f"あきたしみん{n:03d}", district=districts[n % len(districts)],
                  legal_form="特定非営利活動法人", postal_code="010-0001",
                  address=f"秋田市中通{n % 7 + 1}丁目{n}-1　市民交流ビル{n}階",
                  phone="018-888-0000", email=f"group{n:03d}@example.jp",
                  website=f"https://example.jp/groups/{n:03d}/index.html",
                  sns=f"https://x.com/akita_{n:03d}\nhttps://www.facebook.com/akita.{n:03d}",
                  activity_area="市内全域", member_count=10 + n, founded_on=date(2010, 4, 1),
                  listed_publicly=True, public_fields=",".join((
                      "address", "phone", "email", "website", "sns", "activity_fields",
                      "activity_area", "member_count", "founded_on")),
                  fields=[names[n % len(names)], names[(n + 1) % len(names)]])
