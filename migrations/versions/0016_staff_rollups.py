"""staff rollups: the ratings summed per local day, unit, counter, officer, face, channel, flag

`rating_rollups` and `rating_rollup_state` (portal.kernel.rollups): what the staff pages add up instead
of reading every rating; empty until `rating-portal rollups`, the worker or a scoring run builds them
(pages read the ratings themselves meanwhile). `ix_ratings_pending`: the ratings waiting for review
(excluded or marked), a small part of the table, for the review queue and the home page's count.
`ix_ratings_submitted_at_id` replaces `ix_ratings_submitted_at`.

Revision ID: 0016_rollups
Revises: 0015_targets
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_rollups"
down_revision = "0015_targets"
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_table(
        "rating_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("overall", sa.SmallInteger(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("commented", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        *(sa.Column(f"s{i}", sa.Integer(), nullable=False) for i in range(1, 10)),
        *(sa.Column(f"c{i}", sa.Integer(), nullable=False) for i in range(1, 10)),
        sa.Column("ov", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "unit_id",
            "counter_id",
            "employee_id",
            "overall",
            "channel",
            "excluded",
            "commented",
            name=op.f("pk_rating_rollups"),
        ),
    )
    op.create_index("ix_rating_rollups_unit_day", "rating_rollups", ["unit_id", "day"])
    # (submitted_at) becomes (submitted_at, id): a period's id range from the index alone (the ratings
    # export) and the ratings browser's order read straight off it.
    op.create_index("ix_ratings_submitted_at_id", "ratings", ["submitted_at", "id"])
    op.drop_index("ix_ratings_submitted_at", table_name="ratings")
    op.create_index(
        "ix_ratings_pending",
        "ratings",
        ["unit_id", "id"],
        sqlite_where=sa.text("excluded IS 1 OR reasons != ''"),
        postgresql_where=sa.text("excluded IS true OR reasons != ''"),
    )
    op.create_table(
        "rating_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("through_id", sa.BigInteger(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_rollup_state")),
    )


def downgrade() -> None:
    op.drop_index("ix_ratings_pending", table_name="ratings")
    op.create_index("ix_ratings_submitted_at", "ratings", ["submitted_at"])
    op.drop_index("ix_ratings_submitted_at_id", table_name="ratings")
    op.drop_table("rating_rollup_state")
    op.drop_index("ix_rating_rollups_unit_day", table_name="rating_rollups")
    op.drop_table("rating_rollups")
