"""annual IKM and IKI targets per unit (and counter); officer items kept when a period closes

`unit_targets`: per unit, year and optionally counter the IKM target, and per unit the officers' IKI
target. `period_snapshot_rows` gains the answer sums and counts of U6 and U7 of each officer's kept
ratings at closing (recognition, development and the evidence sheet read them); periods closed before
this revision keep NULL there (no development signal is drawn from missing data).

Revision ID: 0015_targets
Revises: 0014_alerts_mail
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_targets"
down_revision = "0014_alerts_mail"
branch_labels = None
depends_on = None

ITEM_COLUMNS = ("u6_sum", "u6_count", "u7_sum", "u7_count")


def upgrade() -> None:
    op.create_table(
        "unit_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ikm_target", sa.Float(), nullable=False),
        sa.Column("officer_target", sa.Float(), nullable=True),
        sa.Column("set_by_user_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ikm_target > 0 AND ikm_target <= 100", name=op.f("ck_unit_targets_ikm_target_range")),
        sa.CheckConstraint(
            "officer_target IS NULL OR (officer_target > 0 AND officer_target <= 100)",
            name=op.f("ck_unit_targets_officer_target_range"),
        ),
        sa.ForeignKeyConstraint(["counter_id"], ["counters.id"], name=op.f("fk_unit_targets_counter_id_counters")),
        sa.ForeignKeyConstraint(["set_by_user_id"], ["users.id"], name=op.f("fk_unit_targets_set_by_user_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_targets_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_targets")),
    )
    op.create_index(
        "uq_unit_targets_scope",
        "unit_targets",
        ["unit_id", "year", sa.text("coalesce(counter_id, 0)")],
        unique=True,
    )
    with op.batch_alter_table("period_snapshot_rows") as batch:
        for name in ITEM_COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("period_snapshot_rows") as batch:
        for name in reversed(ITEM_COLUMNS):
            batch.drop_column(name)
    op.drop_index("uq_unit_targets_scope", table_name="unit_targets")
    op.drop_table("unit_targets")
