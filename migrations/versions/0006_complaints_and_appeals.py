"""complaint cases, contact details and appeals

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("low_rating", sa.Boolean(), nullable=False),
        sa.Column("reply_requested", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('new', 'in_progress', 'resolved', 'dismissed')",
            name=op.f("ck_complaint_cases_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["ratings.id"], name=op.f("fk_complaint_cases_rating_id_ratings")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_complaint_cases_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_cases")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_complaint_cases_rating_id")),
    )
    op.create_index("ix_complaint_cases_unit_status", "complaint_cases", ["unit_id", "status"])
    op.create_table(
        "contact_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("consented_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_cases.id"],
            name=op.f("fk_contact_details_case_id_complaint_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_details")),
        sa.UniqueConstraint("case_id", name=op.f("uq_contact_details_case_id")),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('rating', 'flag')", name=op.f("ck_appeals_kind_known")),
        sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name=op.f("ck_appeals_status_known")),
        sa.ForeignKeyConstraint(["rating_id"], ["ratings.id"], name=op.f("fk_appeals_rating_id_ratings")),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_appeals_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_appeals_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    op.create_index(op.f("ix_appeals_rating_id"), "appeals", ["rating_id"])
    op.create_index(op.f("ix_appeals_employee_id"), "appeals", ["employee_id"])
    op.create_index("ix_appeals_unit_status", "appeals", ["unit_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_appeals_unit_status", table_name="appeals")
    op.drop_index(op.f("ix_appeals_employee_id"), table_name="appeals")
    op.drop_index(op.f("ix_appeals_rating_id"), table_name="appeals")
    op.drop_table("appeals")
    op.drop_table("contact_details")
    op.drop_index("ix_complaint_cases_unit_status", table_name="complaint_cases")
    op.drop_table("complaint_cases")
