"""The public group directory (団体一覧): the groups listed publicly, each with only the fields
it agreed to publish.

What a listed group always shows: its name and reading, 団体の種類, 法人格 and 地域 (one of
seven service-center areas, coarse enough to say where a group belongs without giving an
address). Everything else is a key of domain.labels.PUBLIC_FIELDS the group agreed to
(`Contact.public_fields`); what it did not agree to is None here, so no export or leaflet
built on this can print it by mistake. The 代表者 is given by name only — never the person's
own address, phone or e-mail, which are not even read.

Only active groups that were not merged into another are listed; persons never are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session, aliased

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.labels import DISTRICT_CHOICES, PUBLIC_FIELDS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import (
    ActivityField,
    Contact,
    ContactActivityField,
    ContactKind,
    GroupType,
    Membership,
)
from kyodo_desk.services.contacts import Affiliation
from kyodo_desk.services.contacts.record import representative_of
from kyodo_desk.services.contacts.registry import public_field_keys

__all__ = ["PublicGroup", "agreed_fields", "check_district", "public_directory"]


@dataclass(frozen=True)
class PublicGroup:
    """One group of the 団体一覧 as it may be published. A field the group did not agree to
    publish is None; one it agreed to but left empty is "" (or an empty tuple)."""

    id: int
    name: str
    reading: str
    group_type: GroupType
    legal_form: str  # 法人格, "" 不明
    district: str  # 地域, "" 未設定
    published: frozenset[str]  # the PUBLIC_FIELDS keys agreed to
    representative: str | None = None  # 代表者名: the name only
    postal_code: str | None = None
    address: str | None = None  # 所在地
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    sns: tuple[str, ...] | None = None
    activity_fields: tuple[str, ...] | None = None  # 活動分野, the main one first
    activity_area: str | None = None  # 活動地域
    member_count: int | None = None  # 構成員数
    founded_on: date | None = None  # 設立年月 (day 1)

    @property
    def main_field(self) -> str | None:
        """The main 活動分野, if the group publishes its fields and has one."""
        return self.activity_fields[0] if self.activity_fields else None


def check_district(district: str | None) -> None:
    """Refuse a 地域 that no record can have (a typo on the command line lists nothing)."""
    if district is not None and district not in DISTRICT_CHOICES:
        raise ValidationError.single(
            "district", f"地域「{district}」はありません（{'・'.join(DISTRICT_CHOICES)}）。")


def public_directory(db: Database, actor: Actor, *, district: str | None = None,
                     field_id: int | None = None) -> list[PublicGroup]:
    """The listed groups in reading order, in 地域 *district* or with the 活動分野
    *field_id* if given. A group is found by its field only where it publishes its fields:
    a list of one field's groups would otherwise tell what a group chose not to publish."""
    actor.require(Action.READ, Resource.CONTACTS)
    check_district(district)
    with db.reading(actor) as session:
        listed = _listed(district)
        rows = session.execute(
            select(Contact.id, Contact.name, Contact.reading, Contact.group_type,
                   Contact.legal_form, Contact.district, Contact.public_fields,
                   Contact.postal_code, Contact.address, Contact.phone, Contact.email,
                   Contact.website, Contact.sns, Contact.activity_area, Contact.member_count,
                   Contact.founded_on)
            .where(listed).order_by(Contact.sort_key, Contact.id)
        ).all()
        fields = _activity_fields(session, listed)
        representatives = _representatives(session, listed)
    found: list[PublicGroup] = []
    for row in rows:
        agreed = agreed_fields(row.public_fields)
        names = fields.get(row.id, [])
        if field_id is not None and ("activity_fields" not in agreed
                                     or field_id not in {f for f, _ in names}):
            continue

        group_type = row.group_type
        assert group_type is not None  # a group always has one (group_type_matches_kind)
        found.append(PublicGroup(
            id=row.id, name=row.name, reading=row.reading, group_type=group_type,
            legal_form=row.legal_form, district=row.district, published=agreed,
            representative=(representatives.get(row.id, "") if "representative" in agreed
                            else None),
            postal_code=row.postal_code if "address" in agreed else None,
            address=row.address if "address" in agreed else None,
            phone=row.phone if "phone" in agreed else None,
            email=row.email if "email" in agreed else None,
            website=row.website if "website" in agreed else None,
            sns=(tuple(line.strip() for line in row.sns.splitlines() if line.strip())
                 if "sns" in agreed else None),
            activity_fields=(tuple(name for _, name in names) if "activity_fields" in agreed
                             else None),
            activity_area=row.activity_area if "activity_area" in agreed else None,
            member_count=row.member_count if "member_count" in agreed else None,
            founded_on=row.founded_on if "founded_on" in agreed else None,
        ))
    return found


def agreed_fields(stored: str) -> frozenset[str]:
    """The PUBLIC_FIELDS keys of a comma-separated `public_fields`; anything else is ignored
    (a key that is not a public field must never widen what is published)."""
    return frozenset(public_field_keys(stored)) & PUBLIC_FIELDS.keys()


def _listed(district: str | None) -> ColumnElement[bool]:
    conditions = [Contact.kind == ContactKind.GROUP, Contact.active == true(),
                  Contact.merged_into_id.is_(None), Contact.listed_publicly == true()]
    if district is not None:
        conditions.append(Contact.district == district)
    return and_(*conditions)


def _activity_fields(session: Session,
                     listed: ColumnElement[bool]) -> dict[int, list[tuple[int, str]]]:
    """(field id, name) of each listed group's fields, the main one (position 0) first."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = session.execute(
        select(ContactActivityField.contact_id, ActivityField.id, ActivityField.name)
        .join(ActivityField, ActivityField.id == ContactActivityField.field_id)
        .join(Contact, Contact.id == ContactActivityField.contact_id)
        .where(listed)
        .order_by(ContactActivityField.contact_id, ContactActivityField.position,
                  ActivityField.display_order)
    )
    for contact_id, field_id, name in rows:
        found[contact_id].append((field_id, name))
    return found


def _representatives(session: Session, listed: ColumnElement[bool]) -> dict[int, str]:
    """The 代表者's name of each listed group: the registry's 代表者 where one is set, else
    the member whose role says so (older records, as the カルテ reads them). Only an active,
    unmerged person's name; nothing else of the person is read."""
    person = aliased(Contact)
    alive = and_(person.kind == ContactKind.PERSON, person.active == true(),
                 person.merged_into_id.is_(None))
    found: dict[int, str] = {group_id: name for group_id, name in session.execute(
        select(Contact.id, person.name).join(person, person.id == Contact.representative_id)
        .where(listed, alive))}
    members: dict[int, list[Affiliation]] = defaultdict(list)
    rows = session.execute(
        select(Membership.group_id, person.id, person.name, Membership.role)
        .join(person, person.id == Membership.person_id)
        .join(Contact, Contact.id == Membership.group_id)
        .where(listed, alive, Contact.representative_id.is_(None), Membership.role != "")
        .order_by(Membership.group_id, person.sort_key, person.id)
    )
    for group_id, person_id, name, role in rows:
        members[group_id].append(Affiliation(person_id, name, role))
    for group_id, affiliations in members.items():
        head = representative_of(affiliations)
        if head is not None:
            found[group_id] = head.name
    return found

