"""District plans through the PLAN–DO–CHECK–ACT cycle (地域まちづくり計画), the guideline's five
directions mapped to records, つむぎすと completion and the participants' sectors.

- district_plans (editions of a plan), plan_actions (取組), plan_workshops (the events that made
  it), plan_action_cases (the grant cases that fund an action), plan_years (a fiscal year's
  stage, 評価 and 改善), action_progress (実施状況 per action and year).
- direction_links: topics, event kinds and programme kinds counted toward each direction,
  filled with a starting map the administrator may change.
- events.completion_sessions and events.cohort (つむぎすと講座: 修了 rule and 期生),
  registrations.sector (所属の区分: 市民・市民活動団体・地域活動団体・企業・行政).
- memberships.joined_on (加入日), dated for existing rows from the audit log (see _date_memberships).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The starting map (方向への対応づけ): topic names, EventKind and GrantKind values → directions.
_TOPICS = {"団体設立": (1, 2), "NPO法人化": (2, 5), "団体運営": (2,), "資金・交付金": (2,),
           "広報・PR": (2,), "協働事業提案": (4,), "地域づくり": (3,)}
_EVENT_KINDS = {"meeting": (1, 4), "tsumugist": (1, 4), "festa": (1, 2), "seminar": (2,),
                "workshop": (3,), "center_festival": (3,)}
_PROGRAMME_KINDS = {"collaboration": (4,), "community": (3,)}

_TEXT = {"nullable": False, "server_default": sa.text("''")}


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "district_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("district", sa.String(length=8), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("vision", sa.Text(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("revises_id", sa.Integer(), nullable=True),
        sa.Column("adopted_on", sa.Date(), nullable=True),
        sa.Column("sort_key", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"),
                  nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_grams", sa.Text(), nullable=False),
        *_versioned(),
        sa.CheckConstraint("first_year <= last_year", name="ck_district_plans_period"),
        sa.CheckConstraint("edition >= 1", name="ck_district_plans_edition"),
        sa.ForeignKeyConstraint(["organisation_id"], ["contacts.id"],
                                name="fk_district_plans_organisation_id_contacts"),
        sa.ForeignKeyConstraint(["revises_id"], ["district_plans.id"],
                                name="fk_district_plans_revises_id_district_plans"),
        sa.UniqueConstraint("revises_id", name="uq_district_plans_revises_id"),
    )
    op.create_index("ix_district_plans_district", "district_plans", ["district"])
    op.create_index("ix_district_plans_organisation_id", "district_plans", ["organisation_id"])

    op.create_table(
        "plan_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("carrier", sa.Enum("organisation", "city", "joint", name="action_carrier",
                                     native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column("schedule", sa.Text(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["district_plans.id"], ondelete="CASCADE",
                                name="fk_plan_actions_plan_id_district_plans"),
        sa.ForeignKeyConstraint(["carried_from_id"], ["plan_actions.id"], ondelete="SET NULL",
                                name="fk_plan_actions_carried_from_id_plan_actions"),
    )
    op.create_index("ix_plan_actions_plan_id", "plan_actions", ["plan_id"])
    op.create_index("ix_plan_actions_carried_from_id", "plan_actions", ["carried_from_id"])

    op.create_table(
        "plan_workshops",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["district_plans.id"], ondelete="CASCADE",
                                name="fk_plan_workshops_plan_id_district_plans"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name="fk_plan_workshops_event_id_events"),
        sa.PrimaryKeyConstraint("plan_id", "event_id", name="pk_plan_workshops"),
    )
    op.create_index("ix_plan_workshops_event_id", "plan_workshops", ["event_id"])

    op.create_table(
        "plan_action_cases",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["plan_actions.id"], ondelete="CASCADE",
                                name="fk_plan_action_cases_action_id_plan_actions"),
        sa.ForeignKeyConstraint(["case_id"], ["grant_cases.id"], ondelete="CASCADE",
                                name="fk_plan_action_cases_case_id_grant_cases"),
        sa.PrimaryKeyConstraint("action_id", "case_id", name="pk_plan_action_cases"),
    )
    op.create_index("ix_plan_action_cases_case_id", "plan_action_cases", ["case_id"])

    op.create_table(
        "plan_years",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Enum("plan", "do", "check", "act", name="plan_stage",
                                   native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("improvement", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        *_versioned(),
        sa.ForeignKeyConstraint(["plan_id"], ["district_plans.id"], ondelete="CASCADE",
                                name="fk_plan_years_plan_id_district_plans"),
        sa.UniqueConstraint("plan_id", "fiscal_year", name="uq_plan_years_plan_year"),
    )
    op.create_index("ix_plan_years_plan_id", "plan_years", ["plan_id"])
    op.create_index("ix_plan_years_fiscal_year", "plan_years", ["fiscal_year"])

    op.create_table(
        "action_progress",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_year_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("done", "partly", "not_done", name="action_status",
                                    native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("figure", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_year_id"], ["plan_years.id"], ondelete="CASCADE",
                                name="fk_action_progress_plan_year_id_plan_years"),
        sa.ForeignKeyConstraint(["action_id"], ["plan_actions.id"], ondelete="CASCADE",
                                name="fk_action_progress_action_id_plan_actions"),
        sa.UniqueConstraint("plan_year_id", "action_id", name="uq_action_progress_year_action"),
    )
    op.create_index("ix_action_progress_action_id", "action_progress", ["action_id"])

    links = op.create_table(
        "direction_links",
        sa.Column("source", sa.Enum("topic", "event_kind", "programme_kind",
                                    name="direction_source", native_enum=False,
                                    create_constraint=True, length=20), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.Integer(), nullable=False),
        sa.CheckConstraint("direction BETWEEN 1 AND 5", name="ck_direction_links_direction"),
        sa.PrimaryKeyConstraint("source", "key", "direction", name="pk_direction_links"),
    )
    topics = dict(op.get_bind().execute(sa.text("SELECT name, id FROM topics")).all())
    rows = [{"source": "topic", "key": str(topics[name]), "direction": d}
            for name, directions in _TOPICS.items() if name in topics for d in directions]
    rows += [{"source": "event_kind", "key": kind, "direction": d}
             for kind, directions in _EVENT_KINDS.items() for d in directions]
    rows += [{"source": "programme_kind", "key": kind, "direction": d}
             for kind, directions in _PROGRAMME_KINDS.items() for d in directions]
    op.bulk_insert(links, rows)

    op.add_column("events", sa.Column("completion_sessions", sa.Integer(), nullable=True))
    op.add_column("events", sa.Column("cohort", sa.Integer(), nullable=True))
    op.add_column("registrations", sa.Column("sector", sa.String(length=20), **_TEXT))
    op.add_column("memberships", sa.Column("joined_on", sa.Date(), nullable=True))
    _date_memberships()
    # The yearly report (市民協働の推進状況) reads each person's first consultation and probes
    # whether a group consulted in a year: by consultee and day, from the index alone.
    op.create_index("ix_consultations_consultee_held_on", "consultations",
                    ["consultee_contact_id", "held_on"])


def _date_memberships() -> None:
    """An existing membership's 加入日 is the Japan day of the audit log's insert of it (found
    by its person, the row's record_id, and its group, read from the row's changes); the
    latest such insert, as a membership removed and made again began when it was made again.
    One the log holds no insert of (made before the log, or moved by a merge) stays unknown."""
    if op.get_bind().dialect.name == "sqlite":  # stores UTC without a zone
        day = "date(max(a.at), '+9 hours')"
        group = "json_extract(a.changes, '$.group_id[1]')"
        member = "memberships.group_id"
    else:
        day = "CAST(timezone('Asia/Tokyo', max(a.at)) AS DATE)"
        group = "(a.changes -> 'group_id' ->> 1)"
        member = "CAST(memberships.group_id AS TEXT)"
    op.execute(f"UPDATE memberships SET joined_on = (SELECT {day} FROM audit_log a "
               "WHERE a.table_name = 'memberships' AND a.action = 'insert' "
               f"AND a.record_id = memberships.person_id AND {group} = {member})")


def downgrade() -> None:
    op.drop_column("memberships", "joined_on")
    op.drop_index("ix_consultations_consultee_held_on", table_name="consultations")
    op.drop_column("registrations", "sector")
    op.drop_column("events", "cohort")
    op.drop_column("events", "completion_sessions")
    for table in ("direction_links", "action_progress", "plan_years", "plan_action_cases",
                  "plan_workshops", "plan_actions", "district_plans"):
        op.drop_table(table)
