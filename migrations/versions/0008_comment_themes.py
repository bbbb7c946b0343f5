"""comment themes per unit of a scoring run

Revision ID: 0008_comment_themes
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_comment_themes"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comment_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("is_other", sa.Boolean(), nullable=False),
        sa.Column("n_comments", sa.Integer(), nullable=False),
        sa.Column("low_share", sa.Float(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["scoring_runs.id"],
            name=op.f("fk_comment_themes_run_id_scoring_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_comment_themes_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_themes")),
        sa.UniqueConstraint("run_id", "unit_id", "rank", name=op.f("uq_comment_themes_run_id")),
    )
    op.create_index(op.f("ix_comment_themes_run_id"), "comment_themes", ["run_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_comment_themes_run_id"), table_name="comment_themes")
    op.drop_table("comment_themes")
