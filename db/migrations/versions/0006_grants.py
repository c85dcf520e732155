"""Grant cases: programmes, criteria, required documents, cases and their history; a
consultation may name the grant case it belongs to.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SORT_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
STAGES = ("consultation", "application", "screening", "adopted", "rejected", "decided",
          "in_progress", "reported", "settled", "evaluated", "published", "withdrawn")


def _kind(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _stage(name: str = "grant_stage") -> sa.Enum:
    return _kind(name, *STAGES)


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    ]


def _case_id() -> sa.Column:
    return sa.Column("case_id", sa.Integer(),
                     sa.ForeignKey("grant_cases.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "grant_programmes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", _kind("grant_kind", "collaboration", "community", "other"),
                  nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("call_opens_on", sa.Date(), nullable=False),
        sa.Column("call_closes_on", sa.Date(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("ceiling", sa.BigInteger(), nullable=False),
        sa.Column("how_to_apply", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("facility_id", sa.Integer(), sa.ForeignKey("facilities.id"), nullable=True),
        *_versioned(),
        sa.UniqueConstraint("fiscal_year", "name", name="uq_grant_programmes_year_name"),
    )
    op.create_index("ix_grant_programmes_fiscal_year", "grant_programmes", ["fiscal_year"])

    op.create_table(
        "grant_criteria",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("programme_id", sa.Integer(),
                  sa.ForeignKey("grant_programmes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Integer(), nullable=False),
    )
    op.create_index("ix_grant_criteria_programme_id", "grant_criteria", ["programme_id"])

    op.create_table(
        "grant_required_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("programme_id", sa.Integer(),
                  sa.ForeignKey("grant_programmes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", _stage(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
    )
    op.create_index("ix_grant_required_documents_programme_id", "grant_required_documents",
                    ["programme_id"])

    op.create_table(
        "grant_cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("programme_id", sa.Integer(), sa.ForeignKey("grant_programmes.id"),
                  nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("stage", _stage(), nullable=False),
        sa.Column("requested", sa.BigInteger(), nullable=False),
        sa.Column("decided", sa.BigInteger(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        *_versioned(),
        sa.Column("sort_key", SORT_TEXT, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_grams", sa.Text(), nullable=False),
        sa.UniqueConstraint("programme_id", "contact_id", "title_key",
                            name="uq_grant_cases_programme_contact_title"),
    )
    op.create_index("ix_grant_cases_programme_id", "grant_cases", ["programme_id"])
    op.create_index("ix_grant_cases_contact_id", "grant_cases", ["contact_id"])

    op.create_table(
        "grant_case_moves",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(),
        sa.Column("from_stage", _stage("grant_from_stage"), nullable=True),
        sa.Column("to_stage", _stage("grant_to_stage"), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("moved_by", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
    )
    op.create_index("ix_grant_case_moves_case_id", "grant_case_moves", ["case_id"])

    op.create_table(
        "grant_case_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("case_id", "name", name="uq_grant_case_documents_name"),
    )

    op.create_table(
        "grant_payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_grant_payments_case_id", "grant_payments", ["case_id"])

    op.create_table(
        "grant_scores",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("criterion_id", sa.Integer(),
                  sa.ForeignKey("grant_criteria.id", ondelete="CASCADE"), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.UniqueConstraint("case_id", "reviewer", "criterion_id",
                            name="uq_grant_scores_case_reviewer_criterion"),
    )
    op.create_index("ix_grant_scores_criterion_id", "grant_scores", ["criterion_id"])

    op.create_table(
        "grant_case_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_by", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_grant_case_notes_case_id", "grant_case_notes", ["case_id"])

    op.create_table(
        "grant_deadlines",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("closes_with", _stage("grant_closes_with"), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
    )
    op.create_index("ix_grant_deadlines_case_id", "grant_deadlines", ["case_id"])
    op.create_index("ix_grant_deadlines_open", "grant_deadlines", ["done_on", "due_on"])

    fk = "fk_consultations_grant_case_id_grant_cases"
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in one statement; a batch rebuild would
        # drop the consultations' search triggers.
        op.execute(f"ALTER TABLE consultations ADD COLUMN grant_case_id INTEGER "
                   f"CONSTRAINT {fk} REFERENCES grant_cases (id)")
    else:
        op.add_column("consultations", sa.Column("grant_case_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk, "consultations", "grant_cases", ["grant_case_id"], ["id"])
    op.create_index("ix_consultations_grant_case_id", "consultations", ["grant_case_id"])


def downgrade() -> None:
    op.drop_index("ix_consultations_grant_case_id", "consultations")
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("grant_case_id")
    for table in ("grant_deadlines", "grant_case_notes", "grant_scores", "grant_payments",
                  "grant_case_documents", "grant_case_moves", "grant_cases",
                  "grant_required_documents", "grant_criteria", "grant_programmes"):
        op.drop_table(table)
