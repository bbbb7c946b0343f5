"""the SKM report: people served per month, the follow-up plan, published reports, respondent profile

`service_volumes`: the people a unit served in a month from its own register (the sample target's N
where no queue tickets were issued). `followup_actions`: the follow-up plan ("rencana tindak lanjut")
a unit head writes for a period's weak elements. `published_reports`: the PDFs published on /publik.
Four nullable columns on `ratings`: the optional respondent profile of the SKM questionnaire.

Revision ID: 0013_skm_reports
Revises: 0012_review_incidents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op


revision = "0013_skm_reports"
down_revision = "0012_review_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followup_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("period_label", sa.String(length=64), nullable=False),
        sa.Column("element", sa.String(length=2), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_note", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('planned', 'in_progress', 'done', 'dropped')",
            name=op.f("ck_followup_actions_state_known"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_followup_actions_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_actions")),
    )
    with op.batch_alter_table("followup_actions", schema=None) as batch_op:
        batch_op.create_index("ix_followup_actions_unit_period", ["unit_id", "period_key"], unique=False)

    op.create_table(
        "published_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("period_label", sa.String(length=64), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("published_by_user_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_published_reports_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_reports")),
        sa.UniqueConstraint("unit_id", "period_key", name=op.f("uq_published_reports_unit_id")),
    )
    op.create_table(
        "service_volumes",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("entered_by_user_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("people >= 0", name=op.f("ck_service_volumes_people_not_negative")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_service_volumes_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", "month", name=op.f("pk_service_volumes")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gender", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("age_band", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("education", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("occupation", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_column("occupation")
        batch_op.drop_column("education")
        batch_op.drop_column("age_band")
        batch_op.drop_column("gender")

    op.drop_table("service_volumes")
    op.drop_table("published_reports")
    with op.batch_alter_table("followup_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_actions_unit_period")

    op.drop_table("followup_actions")
