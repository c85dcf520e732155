"""Facilities (拠点施設) and contacts (団体・個人): the one contact record reused everywhere."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kyodo_desk.models.base import (
    Base,
    OwnedRow,
    Searchable,
    Versioned,
    string_enum,
)

# How many characters of the folded name ix_contacts_name_start holds (migration 0013): enough
# that the names beginning with a typed word are a short range of it.
NAME_START_CHARS = 24


# What PostgreSQL's ix_contacts_walk holds of a row: search_text and sort_key up to this many
# UTF-8 bytes together, so its entries stay under the btree's cap (~2,700). Migration 0010.
WALK_TEXT_BYTES = 2400
WALK_ENTRY = "octet_length(search_text) + octet_length(sort_key)"


class FacilityKind(enum.StrEnum):
    CENTER = "center"  # 市民サービスセンター
    SALON = "salon"  # 市民交流サロン


class ContactKind(enum.StrEnum):
    GROUP = "group"  # 団体
    PERSON = "person"  # 個人


class GroupType(enum.StrEnum):
    CIVIC_GROUP = "civic_group"  # 市民活動団体
    NPO = "npo"  # NPO法人
    COMMUNITY_ORG = "community_org"  # 地域づくり組織
    COMPANY = "company"  # 企業
    SCHOOL = "school"  # 学校・教育機関
    OTHER = "other"  # その他


class Facility(Searchable, Versioned, Base):
    """拠点施設 — a citizen service center or the citizen exchange salon."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[FacilityKind] = mapped_column(string_enum(FacilityKind, "facility_kind"))
    name: Mapped[str] = mapped_column(Text)
    reading: Mapped[str] = mapped_column(Text, default="")
    postal_code: Mapped[str] = mapped_column(String(8), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    building: Mapped[str] = mapped_column(Text, default="")  # 方書, e.g. アルヴェ3階
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(Text, default="")
    facebook: Mapped[str] = mapped_column(Text, default="")
    # 開館時間 as data (services/facilities.py): what open data's 開始時間, 終了時間 and
    # 利用可能曜日 and the prints read. `hours` is the free-text supplement (開館時間の補足).
    opens_at: Mapped[time | None] = mapped_column(Time, nullable=True)  # 開館時刻
    closes_at: Mapped[time | None] = mapped_column(Time, nullable=True)  # 閉館時刻
    # 利用可能曜日: weekday characters in week order, e.g. 月火水木金
    open_days: Mapped[str] = mapped_column(String(7), default="", server_default=text("''"))
    closed_days: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))  # 休館日
    hours: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    display_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def full_address(self) -> str:
        return self.address + self.building

    def search_fields(self) -> tuple[str | None, ...]:
        return (self.name, self.reading, self.postal_code, self.full_address, self.phone,
                self.email)

    def reading_and_name(self) -> tuple[str | None, str]:
        return self.reading, self.name


# What identifies or describes a person or group in their own words: kept out of the audit log
# (database/audit.py), removed by 削除・利用停止 and anonymisation.
PERSONAL_FIELDS = frozenset({"name", "reading", "postal_code", "address", "phone", "email",
                             "website", "notes", "sns"})


class Contact(Searchable, Versioned, Base):
    """連絡先 — a registered group (団体) or person (個人)."""

    __tablename__ = "contacts"
    # The audit records that these changed, never their values, for a group as for a person:
    # a group's phone or address is often its 代表者's own, and a value copied into the
    # append-only log could never be erased (削除・利用停止) nor anonymised with the record.
    __audit_redact__ = PERSONAL_FIELDS | frozenset({"representative_id"})
    __table_args__ = (
        CheckConstraint(
            "(kind = 'group' AND group_type IS NOT NULL) OR (kind = 'person' AND group_type IS NULL)",
            name="group_type_matches_kind",
        ),
        Index("ix_contacts_active_sort", "active", "sort_key", "id"),
        # The search's indexes (services/contacts, migration 0010). search_text begins with
        # the folded name: the names beginning with one or two characters, in list order.
        *(Index(f"ix_contacts_lead{n}", "active", text(f"substr(search_text, 1, {n})"),
                "sort_key", "id") for n in (1, 2)),
        # The names beginning with a word of three characters or more: a range, in name order
        # (migration 0013).
        # PostgreSQL compares its entries byte by byte (text_pattern_ops), whatever the
        # database's collation, as SQLite does: a prefix is then a range.
        Index("ix_contacts_name_start", "active",
              func.substr(literal_column("search_text"), literal_column("1"),
                          literal_column(str(NAME_START_CHARS))).label("name_start"),
              "sort_key", "id", "kind", postgresql_ops={"name_start": "text_pattern_ops"}),
        # The list order with what a search reads, so a search in list order reads only this.
        # PostgreSQL caps a btree entry (~2,700 bytes): the few longer texts are listed apart.
        Index("ix_contacts_walk", "active", "sort_key", "id", "kind", "search_text",
              postgresql_where=text(f"{WALK_ENTRY} <= {WALK_TEXT_BYTES}")),
        Index("ix_contacts_walk_long", "active", "sort_key", "id",
              postgresql_where=text(f"{WALK_ENTRY} > {WALK_TEXT_BYTES}"),
              sqlite_where=text("0")),  # SQLite has no cap: empty there
        # A contact's place in the list by its number, for the gram index's candidates. SQLite
        # only: PostgreSQL reads them from the table itself (empty there).
        Index("ix_contacts_order", "id", "active", "kind", "sort_key",
              postgresql_where=text("false")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ContactKind] = mapped_column(string_enum(ContactKind, "contact_kind"))
    group_type: Mapped[GroupType | None] = mapped_column(string_enum(GroupType, "group_type"),
                                                         nullable=True)
    name: Mapped[str] = mapped_column(Text)
    reading: Mapped[str] = mapped_column(Text, default="")
    postal_code: Mapped[str] = mapped_column(String(8), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 統合済み: the record this one was merged into. It stays, removed, so old receipts,
    # exports and audit entries still resolve to someone.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    # 地域: one of domain.labels.DISTRICTS, 市外, or "" (未設定). Suggested from the address
    # (domain/districts.py), kept as the clerk chose.
    district: Mapped[str] = mapped_column(String(8), default="", server_default=text("''"),
                                          index=True)

    # --- the group registry (団体台帳): groups only, blank for a person -----------------
    legal_form: Mapped[str] = mapped_column(  # 法人格 (domain.labels.LEGAL_FORMS), "" 不明
        String(30), default="", server_default=text("''"))
    representative_id: Mapped[int | None] = mapped_column(  # 代表者, a person
        ForeignKey("contacts.id"), nullable=True, index=True)
    activity_area: Mapped[str] = mapped_column(  # 活動地域, e.g. 市内全域, 河辺地域
        Text, default="", server_default=text("''"))
    member_count: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 構成員数
    founded_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 設立年月 (day 1)
    sns: Mapped[str] = mapped_column(  # SNS: one address per line
        Text, default="", server_default=text("''"))
    # 団体一覧への掲載: whether the group is in the public directory at all, and which of its
    # fields it agreed to publish there (domain.labels.PUBLIC_FIELDS keys, comma-separated;
    # the name is always published with a listed group).
    listed_publicly: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=text("false"))
    public_fields: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    registered_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 登録日
    confirmed_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)  # 最終確認日
    # 削除・利用停止: the day the person's values were removed (services/contacts/erasure.py);
    # such a record is never edited nor restored again.
    erased_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    memberships: Mapped[list[Membership]] = relationship(
        foreign_keys="Membership.person_id", back_populates="person", cascade="all, delete-orphan"
    )

    def search_fields(self) -> tuple[str | None, ...]:
        return (self.name, self.reading, self.postal_code, self.address, self.phone, self.email)

    def reading_and_name(self) -> tuple[str | None, str]:
        return self.reading, self.name


class Membership(OwnedRow, Base):
    """所属 — a person belonging to a group, with an optional role (代表, 事務局 …)."""

    __tablename__ = "memberships"
    __version_owner__ = "person_id"
    # A role is free text (「会長」, or a private office's name): recorded as changed only.
    __audit_redact__ = frozenset({"role"})

    person_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                           primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)
    role: Mapped[str] = mapped_column(Text, default="")
    # 加入日: the day the membership was recorded; None for one made before it was kept (the
    # migration dates those from the audit log where it can).
    joined_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    person: Mapped[Contact] = relationship(foreign_keys=[person_id], back_populates="memberships")
    group: Mapped[Contact] = relationship(foreign_keys=[group_id])


class ActivityField(Base):
    """活動分野 — one entry of the administrator-kept list of a group's fields of activity
    (seeded with the 20 fields of the NPO law, 特定非営利活動促進法 別表)."""

    __tablename__ = "activity_fields"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    display_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ContactActivityField(OwnedRow, Base):
    """A group's 活動分野, up to three (MAX_ACTIVITY_FIELDS), the main one first."""

    __tablename__ = "contact_activity_fields"
    __version_owner__ = "contact_id"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("activity_fields.id"), primary_key=True,
                                          index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


MAX_ACTIVITY_FIELDS = 3


class DistrictTown(Base):
    """町名と地域 — which 地域 a town (町名 as Japan Post spells it, e.g. 広面, 河辺和田) lies
    in: what suggests a record's 地域 from its address. Seeded from db/seed/districts.json,
    kept by the administrator."""

    __tablename__ = "district_towns"

    town: Mapped[str] = mapped_column(Text, primary_key=True)
    district: Mapped[str] = mapped_column(String(8))


class ContactMatchKey(Base):
    """照合キー — one key under which a contact is filed for finding likely duplicates
    (`domain.likeness.blocking_keys`). Derived from the contact at every flush, never edited
    and never audited (it repeats the contact's own fields)."""

    __tablename__ = "contact_match_keys"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)


class DistinctContacts(Base):
    """別の方です — two contacts a clerk said are different people or groups, so they are never
    offered as duplicates again. The smaller number first."""

    __tablename__ = "distinct_contacts"
    __table_args__ = (CheckConstraint("first_id < second_id", name="ordered"),)

    first_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                          primary_key=True)
    second_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    marked_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class ContactMerge(Base):
    """統合 — one contact merged into another, kept so the merge can be undone: the kept
    record's fields before it, and every linked row moved (JSON, personal data: redacted in
    the audit trail, which records that they changed)."""

    __tablename__ = "contact_merges"
    __audit_redact__ = frozenset({"kept_before", "moved"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    kept_before: Mapped[str] = mapped_column(Text, default="{}")
    moved: Mapped[str] = mapped_column(Text, default="{}")
    # The kept record's version just after the merge: an undo after it changed is refused.
    kept_version: Mapped[int] = mapped_column(Integer)
    merged_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    merged_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
