"""The group registry as city offices keep it (法人格, 代表者, 活動分野, 活動地域, 構成員数,
設立年月, SNS, what may be published, 登録日, 最終確認日), and 地域 on contacts, events and
grant cases with the towns that suggest it.

Existing records get the 地域 their address suggests (domain/districts.py; clerks may change
it), and a contact its 登録日 from the audit trail's first entry for it.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from kyodo_desk.database.seed import seed_towns
from kyodo_desk.domain.districts import suggest_district

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

REPRESENTATIVE_FK = "fk_contacts_representative_id_contacts"

# 特定非営利活動促進法 別表の活動分野: the list the administrator starts from.
ACTIVITY_FIELDS = (
    "保健・医療・福祉", "社会教育", "まちづくり", "観光", "農山漁村・中山間地域",
    "学術・文化・芸術・スポーツ", "環境の保全", "災害救援", "地域安全", "人権・平和",
    "国際協力", "男女共同参画", "子どもの健全育成", "情報化社会", "科学技術",
    "経済活動の活性化", "職業能力・雇用機会", "消費者の保護", "団体の運営・活動の支援",
    "その他",
)

_TEXT = {"nullable": False, "server_default": sa.text("''")}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Columns added in place (ALTER TABLE … ADD COLUMN): a batch rebuild of contacts would drop
    # its search index's triggers, and would copy every row.
    if sqlite:
        op.execute("ALTER TABLE contacts ADD COLUMN representative_id INTEGER CONSTRAINT "
                   f"{REPRESENTATIVE_FK} REFERENCES contacts (id)")
    else:
        op.add_column("contacts", sa.Column("representative_id", sa.Integer(), nullable=True))
        op.create_foreign_key(REPRESENTATIVE_FK, "contacts", "contacts", ["representative_id"],
                              ["id"])
    op.create_index("ix_contacts_representative_id", "contacts", ["representative_id"])
    for table in ("contacts", "events", "grant_cases"):
        op.add_column(table, sa.Column("district", sa.String(length=8), **_TEXT))
        op.create_index(f"ix_{table}_district", table, ["district"])
    op.add_column("contacts", sa.Column("legal_form", sa.String(length=30), **_TEXT))
    op.add_column("contacts", sa.Column("activity_area", sa.Text(), **_TEXT))
    op.add_column("contacts", sa.Column("member_count", sa.Integer(), nullable=True))
    op.add_column("contacts", sa.Column("founded_on", sa.Date(), nullable=True))
    op.add_column("contacts", sa.Column("sns", sa.Text(), **_TEXT))
    op.add_column("contacts", sa.Column("listed_publicly", sa.Boolean(), nullable=False,
                                        server_default=sa.text("false")))
    op.add_column("contacts", sa.Column("public_fields", sa.Text(), **_TEXT))
    op.add_column("contacts", sa.Column("registered_on", sa.Date(), nullable=True))
    op.add_column("contacts", sa.Column("confirmed_on", sa.Date(), nullable=True))
    op.create_index("ix_contacts_confirmed_on", "contacts", ["confirmed_on"])

    fields = op.create_table(
        "activity_fields",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("name", name="uq_activity_fields_name"),
    )
    op.bulk_insert(fields, [
        {"id": i, "name": name, "display_order": i * 10, "active": True}
        for i, name in enumerate(ACTIVITY_FIELDS, start=1)
    ])
    if not sqlite:
        # Rows given their ids: move the sequence past them for the fields added later.
        op.execute("SELECT setval(pg_get_serial_sequence('activity_fields', 'id'), "
                   "(SELECT max(id) FROM activity_fields))")
    op.create_table(
        "contact_activity_fields",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE",
                                name="fk_contact_activity_fields_contact_id_contacts"),
        sa.ForeignKeyConstraint(["field_id"], ["activity_fields.id"],
                                name="fk_contact_activity_fields_field_id_activity_fields"),
        sa.PrimaryKeyConstraint("contact_id", "field_id", name="pk_contact_activity_fields"),
    )
    op.create_index("ix_contact_activity_fields_field_id", "contact_activity_fields",
                    ["field_id"])

    towns = seed_towns()
    district_towns = op.create_table(
        "district_towns",
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("district", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("town", name="pk_district_towns"),
    )
    op.bulk_insert(district_towns, [{"town": t, "district": d} for t, d in towns.items()])
    _suggest_existing(towns)


def _suggest_existing(towns: dict[str, str]) -> None:
    """Existing records get the 地域 their address suggests, and contacts their 登録日."""
    conn = op.get_bind()
    contacts = conn.execute(sa.text("SELECT id, address, postal_code FROM contacts")).all()
    _set_districts("contacts", [(row.id, suggest_district(row.address or "",
                                                          row.postal_code or "", towns))
                                for row in contacts])
    events = conn.execute(sa.text(
        "SELECT e.id, COALESCE(f.address, e.venue_address) AS address "
        "FROM events e LEFT JOIN facilities f ON f.id = e.venue_facility_id")).all()
    _set_districts("events", [(row.id, suggest_district(row.address or "", "", towns))
                              for row in events])
    # A grant case lies where its group does.
    conn.execute(sa.text(
        "UPDATE grant_cases SET district = (SELECT c.district FROM contacts c "
        "WHERE c.id = grant_cases.contact_id)"))
    conn.execute(sa.text(
        "UPDATE contacts SET registered_on = (SELECT CAST(min(a.at) AS DATE) FROM audit_log a "
        "WHERE a.table_name = 'contacts' AND a.record_id = contacts.id "
        "AND a.action = 'insert')" if conn.dialect.name != "sqlite" else
        "UPDATE contacts SET registered_on = (SELECT date(min(a.at)) FROM audit_log a "
        "WHERE a.table_name = 'contacts' AND a.record_id = contacts.id "
        "AND a.action = 'insert')"))


def _set_districts(table: str, rows: list[tuple[int, str]]) -> None:
    update = sa.text(f"UPDATE {table} SET district = :district WHERE id = :id")
    values = [{"id": id_, "district": district} for id_, district in rows if district]
    if values:
        op.get_bind().execute(update, values)


def downgrade() -> None:
    op.drop_table("district_towns")
    op.drop_index("ix_contact_activity_fields_field_id", "contact_activity_fields")
    op.drop_table("contact_activity_fields")
    op.drop_table("activity_fields")
    op.drop_index("ix_contacts_confirmed_on", "contacts")
    for column in ("confirmed_on", "registered_on", "public_fields", "listed_publicly", "sns",
                   "founded_on", "member_count", "activity_area", "legal_form"):
        op.drop_column("contacts", column)
    for table in ("grant_cases", "events", "contacts"):
        op.drop_index(f"ix_{table}_district", table)
        op.drop_column(table, "district")
    op.drop_index("ix_contacts_representative_id", "contacts")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(REPRESENTATIVE_FK, "contacts", type_="foreignkey")
    op.drop_column("contacts", "representative_id")
