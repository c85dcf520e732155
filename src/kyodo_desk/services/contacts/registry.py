"""The group registry (団体台帳): what a city office keeps of a group beyond its address —
法人格, 代表者, 活動分野 (up to three, from the administrator's list), 活動地域, 構成員数,
設立年月, web and SNS, what the group agreed to publish, 登録日 and 最終確認日 — and the 地域
of every contact.

The contact form hands these over in the ContactDraft (services/contacts); this module checks
them (`registry_problems`), writes them (`apply_registry`) and reads them back
(`registry_of`). A person has no registry: the fields are simply left blank for one, as the
form hides them (団体の種類 is handled alike). Also here: the administrator's list of
活動分野 (services/choice_lists.py, as 相談の分野), 「確認済みにする」, and the groups not
confirmed in twelve months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain import validation
from kyodo_desk.domain.bounds import FIELD_BOUNDS, FIRST_FOUNDING, NumberBound, number_problem
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.errors import ConcurrentEdit, FieldProblem, ValidationError
from kyodo_desk.domain.labels import DISTRICT_CHOICES, LEGAL_FORMS, PUBLIC_FIELDS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import (
    ActivityField,
    ConsultationTopic,
    Contact,
    ContactActivityField,
    ContactKind,
    Membership,
)
from kyodo_desk.models.contacts import MAX_ACTIVITY_FIELDS
from kyodo_desk.services import choice_lists
from kyodo_desk.services.choice_lists import ChoiceList
from kyodo_desk.services.read_log import View, log_read

if TYPE_CHECKING:
    from kyodo_desk.services.contacts import ContactDetail, ContactDraft

__all__ = [
    "ACTIVITY_FIELD_LIST", "CONFIRM_AFTER_MONTHS", "MAX_ACTIVITY_FIELDS", "REPRESENTATIVE_ROLE",
    "ActivityFieldRef", "UnconfirmedGroup", "add_activity_field", "confirm_contact",
    "list_activity_fields", "move_activity_field", "rename_activity_field",
    "set_activity_field_active", "unconfirmed_groups",
]

CONFIRM_AFTER_MONTHS = 12  # a group's entry is confirmed with it at least once a year
REPRESENTATIVE_ROLE = "代表"  # the role a representative who was no member joins with


@dataclass(frozen=True)
class ActivityFieldRef:
    """活動分野 — one entry of the administrator's list (active False: retired)."""

    id: int
    name: str
    display_order: int = 0
    active: bool = True


# --- the administrator's list ---------------------------------------------------------------

def _may_read(actor: Actor) -> None:
    actor.require(Action.READ, Resource.ACTIVITY_FIELDS)


def _entry(row: ConsultationTopic | ActivityField) -> ActivityFieldRef:
    return ActivityFieldRef(row.id, row.name, row.display_order, row.active)


ACTIVITY_FIELD_LIST: ChoiceList[ActivityFieldRef] = ChoiceList(
    ActivityField, Resource.ACTIVITY_FIELDS, _may_read, "活動分野", _entry)


def list_activity_fields(db: Database, actor: Actor, *,
                         include_inactive: bool = False) -> list[ActivityFieldRef]:
    """The 活動分野 in display order (active ones only, unless asked)."""
    return choice_lists.list_entries(db, actor, ACTIVITY_FIELD_LIST,
                                     include_inactive=include_inactive)


def add_activity_field(db: Database, actor: Actor, name: str) -> ActivityFieldRef:
    return choice_lists.add_entry(db, actor, ACTIVITY_FIELD_LIST, name)


def rename_activity_field(db: Database, actor: Actor, field_id: int,
                          name: str) -> ActivityFieldRef:
    return choice_lists.rename_entry(db, actor, ACTIVITY_FIELD_LIST, field_id, name)


def set_activity_field_active(db: Database, actor: Actor, field_id: int,
                              active: bool) -> ActivityFieldRef:
    return choice_lists.set_entry_active(db, actor, ACTIVITY_FIELD_LIST, field_id, active)


def move_activity_field(db: Database, actor: Actor, field_id: int,
                        step: int) -> list[ActivityFieldRef]:
    return choice_lists.move_entry(db, actor, ACTIVITY_FIELD_LIST, field_id, step)


# --- checking what the form hands over -----------------------------------------------------

def registry_problems(draft: ContactDraft, today: date) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The registry fields of *draft* in stored form, and what is wrong with them. A person's
    are blank whatever the draft says (the form shows them for groups only)."""
    problems: list[FieldProblem] = []
    district = draft.district.strip()
    if district and district not in DISTRICT_CHOICES:
        problems.append(FieldProblem("district", f"地域「{district}」は選べません。一覧から選んでください。"))
    if draft.kind is not ContactKind.GROUP:
        return {"district": district}, problems
    legal_form = draft.legal_form.strip()
    if legal_form and legal_form not in LEGAL_FORMS:
        problems.append(FieldProblem("legal_form", f"法人格「{legal_form}」は選べません。一覧から選んでください。"))
    bound = FIELD_BOUNDS["contacts"]["member_count"]
    assert isinstance(bound, NumberBound)
    if draft.member_count is not None and (message := number_problem(bound, draft.member_count)):
        problems.append(FieldProblem("member_count", message))
    founded = draft.founded_on.replace(day=1) if draft.founded_on else None
    if founded is not None and founded > today:
        problems.append(FieldProblem("founded_on", "設立年月が先の月になっています。"
                                                   "設立した年と月を入力してください。"))
    elif founded is not None and founded < FIRST_FOUNDING:
        problems.append(FieldProblem("founded_on", f"設立年月は{full_date(FIRST_FOUNDING)}以降で"
                                                   "入力してください。"))
    ids = [f.id for f in draft.activity_fields]
    if len(ids) > MAX_ACTIVITY_FIELDS:
        problems.append(FieldProblem("activity_fields", f"活動分野は{MAX_ACTIVITY_FIELDS}つまで"
                                                        "選べます（主なものを先に）。"))
    elif len(set(ids)) != len(ids):
        problems.append(FieldProblem("activity_fields", "同じ活動分野が2回選ばれています。"))
    sns_lines = []
    for line in draft.sns.splitlines():
        if line.strip():
            try:
                sns_lines.append(validation.web_address(line, field="sns"))
            except ValidationError as exc:
                problems.extend(exc.problems)
                break
    unknown = [key for key in draft.public_fields if key not in PUBLIC_FIELDS]
    if unknown:
        problems.append(FieldProblem("public_fields", f"公開する項目に知らない項目があります（{'、'.join(unknown)}）。"))
    return {
        "district": district, "legal_form": legal_form, "founded_on": founded,
        "activity_area": draft.activity_area.strip(), "sns": "\n".join(sns_lines),
        "public_fields": tuple(key for key in PUBLIC_FIELDS if key in draft.public_fields),
    }, problems


# --- writing ----------------------------------------------------------------------------

def registry_columns(draft: ContactDraft) -> dict[str, Any]:
    """The registry's plain columns as *draft* (cleaned) sets them; a person has none of
    them but the 地域."""
    is_group = draft.kind is ContactKind.GROUP
    return {
        "district": draft.district,
        "legal_form": draft.legal_form if is_group else "",
        "activity_area": draft.activity_area if is_group else "",
        "member_count": draft.member_count if is_group else None,
        "founded_on": draft.founded_on if is_group else None,
        "sns": draft.sns if is_group else "",
        "listed_publicly": draft.listed_publicly and is_group,
        "public_fields": ",".join(draft.public_fields) if is_group else "",
    }


def apply_registry(session: Session, contact: Contact, draft: ContactDraft,
                   today: date) -> None:
    """Write the (cleaned) registry fields of *draft* to *contact*. The representative must
    be an active person, and joins the group as 代表 if not a member yet; a newly chosen
    活動分野 must be one still offered (one the group has kept may have been retired since)."""
    for key, value in registry_columns(draft).items():
        setattr(contact, key, value)
    if contact.registered_on is None:  # set once, on the first save (登録日)
        contact.registered_on = today
    is_group = draft.kind is ContactKind.GROUP
    if is_group and draft.confirmed:
        contact.confirmed_on = today
    representative = draft.representative.contact_id if is_group and draft.representative \
        else None
    if representative is not None:
        _check_representative(session, representative)
    contact.representative_id = representative
    fields = [f.id for f in draft.activity_fields] if is_group else []
    if contact.id is None:
        if not fields and representative is None:
            return  # nothing linked to a new record: its flush can wait (an import adds many)
        session.add(contact)
        session.flush()  # a number for the rows below
    put_activity_fields(session, contact.id, fields)
    if representative is not None:
        _join_as_representative(session, contact.id, representative, today)


def _check_representative(session: Session, person_id: int) -> None:
    person = session.get(Contact, person_id)
    if person is None or person.kind is not ContactKind.PERSON:
        raise ValidationError.single("representative", "代表者には個人の連絡先を選んでください。")
    if not person.active:
        merged = (f"（番号 {person.merged_into_id} に統合済み）"
                  if person.merged_into_id is not None else "（削除済み）")
        raise ValidationError.single(
            "representative", f"代表者の「{person.name}」{merged}は選べません。選び直してください。")


def put_activity_fields(session: Session, contact_id: int, wanted: Sequence[int], *,
                        check_offered: bool = True) -> None:
    """The contact's 活動分野 become *wanted*, in that order. *check_offered*: refuse one newly
    chosen that was retired (a merge or its undo restores what a record had, retired or not)."""
    links = {link.field_id: link for link in session.scalars(
        select(ContactActivityField).where(ContactActivityField.contact_id == contact_id))}
    new = set(wanted) - set(links)
    if new and check_offered:
        offered = set(session.scalars(select(ActivityField.id).where(
            ActivityField.id.in_(new), ActivityField.active)))
        if missing := new - offered:
            names = session.scalars(select(ActivityField.name)
                                    .where(ActivityField.id.in_(missing))).all()
            raise ValidationError.single(
                "activity_fields", f"活動分野「{'、'.join(names) or '（削除済み）'}」は使用停止に"
                                   "なっています。ほかの分野を選んでください。")
    for field_id, link in links.items():
        if field_id not in wanted:
            session.delete(link)
    for position, field_id in enumerate(wanted):
        kept = links.get(field_id)
        if kept is None:
            session.add(ContactActivityField(contact_id=contact_id, field_id=field_id,
                                             position=position))
        elif kept.position != position:
            kept.position = position


def _join_as_representative(session: Session, group_id: int, person_id: int,
                            today: date) -> None:
    """The representative is a member too: one who is not yet joins as 代表, *today*."""
    member = session.scalar(select(Membership.person_id).where(
        Membership.group_id == group_id, Membership.person_id == person_id))
    if member is None:
        session.add(Membership(person_id=person_id, group_id=group_id,
                               role=REPRESENTATIVE_ROLE, joined_on=today))


# --- reading ----------------------------------------------------------------------------

def registry_of(session: Session, c: Contact) -> dict[str, Any]:
    """The registry fields of *c* as ContactDetail holds them."""
    representative = None
    if c.representative_id is not None:
        from kyodo_desk.services.contacts import Affiliation  # it imports this module

        name = session.scalar(select(Contact.name).where(Contact.id == c.representative_id))
        representative = Affiliation(c.representative_id, name or "")
    return {
        "district": c.district, "legal_form": c.legal_form, "representative": representative,
        "activity_fields": tuple(activity_fields_of(session, [c.id]).get(c.id, ())),
        "activity_area": c.activity_area, "member_count": c.member_count,
        "founded_on": c.founded_on, "sns": c.sns, "listed_publicly": c.listed_publicly,
        "public_fields": public_field_keys(c.public_fields),
        "registered_on": c.registered_on, "confirmed_on": c.confirmed_on,
    }


def public_field_keys(stored: str) -> tuple[str, ...]:
    return tuple(key for key in stored.split(",") if key)


def activity_fields_of(session: Session,
                       contact_ids: Sequence[int]) -> dict[int, list[ActivityFieldRef]]:
    """Each contact's 活動分野, the main one first."""
    found: dict[int, list[ActivityFieldRef]] = {}
    if not contact_ids:
        return found
    for contact_id, field_id, name, order, active in session.execute(
            select(ContactActivityField.contact_id, ActivityField.id, ActivityField.name,
                   ActivityField.display_order, ActivityField.active)
            .join(ActivityField, ActivityField.id == ContactActivityField.field_id)
            .where(ContactActivityField.contact_id.in_(contact_ids))
            .order_by(ContactActivityField.contact_id, ContactActivityField.position)):
        found.setdefault(contact_id, []).append(ActivityFieldRef(field_id, name, order, active))
    return found


def representatives_of(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The names of the contacts *ids* (representatives of a page of groups)."""
    if not ids:
        return {}
    return {id_: name for id_, name in session.execute(
        select(Contact.id, Contact.name).where(Contact.id.in_(sorted(set(ids)))))}


# --- 確認済みにする ----------------------------------------------------------------------

@retry_on_contention
def confirm_contact(db: Database, actor: Actor, contact_id: int, version: int, *,
                    today: date | None = None) -> ContactDetail:
    """「確認済みにする」: the group confirmed its entry today (最終確認日), as a versioned,
    audited change of the record as the clerk saw it (*version*)."""
    from kyodo_desk.services.contacts import _check_version, _detail, _load
    from kyodo_desk.services.contacts.erasure import refuse_erased

    actor.require(Action.CHANGE, Resource.CONTACTS)
    try:
        with db.writing(actor) as session:
            contact = _load(session, contact_id)
            refuse_erased(contact.erased_on)
            _check_version(contact, version)
            if contact.kind is not ContactKind.GROUP:
                raise ValidationError.single("confirmed_on", "最終確認日は団体だけにあります。")
            contact.confirmed_on = today or date.today()
            session.flush()
            return _detail(session, contact)
    except StaleDataError:
        raise ConcurrentEdit("連絡先") from None


# --- groups not confirmed in twelve months -------------------------------------------------

@dataclass(frozen=True)
class UnconfirmedGroup:
    """A group whose entry was last confirmed over twelve months ago, or never."""

    id: int
    name: str
    reading: str
    phone: str
    email: str
    district: str
    registered_on: date | None
    confirmed_on: date | None  # None: never


def confirm_due_before(today: date) -> date:
    """The day twelve months before *today*: a group last confirmed before it is due (one
    confirmed on that very day is not yet). 2月29日 → 2月28日 a year back."""
    year, month = today.year, today.month - CONFIRM_AFTER_MONTHS
    while month < 1:
        year, month = year - 1, month + 12
    for day in range(today.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(today.day, 28))


def unconfirmed_groups(db: Database, actor: Actor, *, today: date | None = None,
                       logged: bool = True) -> list[UnconfirmedGroup]:
    """The active groups not confirmed in twelve months (never confirmed first, then the
    oldest confirmation), for the clerk to call. Leaves one audit row (services/read_log.py)
    unless not *logged*: for a caller that writes its own (an export)."""
    actor.require(Action.READ, Resource.CONTACTS)
    due = confirm_due_before(today or date.today())
    c = Contact
    with db.reading(actor) as session:
        rows = list(session.execute(
            select(c.id, c.name, c.reading, c.phone, c.email, c.district, c.registered_on,
                   c.confirmed_on, c.sort_key)
            .where(c.active, c.kind == ContactKind.GROUP,
                   or_(c.confirmed_on.is_(None), c.confirmed_on < due))))
    rows.sort(key=lambda r: (r.confirmed_on is not None, r.confirmed_on or date.min,
                             r.sort_key, r.id))
    if logged:
        log_read(db, actor, Contact.__tablename__, View.UNCONFIRMED_GROUPS, rows=len(rows))
    return [UnconfirmedGroup(r.id, r.name, r.reading, r.phone, r.email, r.district,
                             r.registered_on, r.confirmed_on) for r in rows]
