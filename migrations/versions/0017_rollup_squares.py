"""rollup squares: the officer value's sum of squares per rollup row

`rating_rollups.ov2` (portal.kernel.rollups): with `n` and `ov`, an officer's mean and variance come
from the rollups, so the review queue computes what a decision does to a score without reading the
unit's ratings. The rows built before it lack the squares: they are dropped with the rollup state, so
the pages read the ratings themselves until the next refresh (the worker, `rating-portal rollups`)
rebuilds every day.

Revision ID: 0017_rollup_squares
Revises: 0016_rollups
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_rollup_squares"
down_revision = "0016_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM rating_rollups")
    op.execute("DELETE FROM rating_rollup_state")
    with op.batch_alter_table("rating_rollups") as table:
        table.add_column(sa.Column("ov2", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("rating_rollups") as table:
        table.alter_column("ov2", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("rating_rollups") as table:
        table.drop_column("ov2")
