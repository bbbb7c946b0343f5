"""scoring jobs: scoring queued from the web and run by `rating-portal worker`

Partial unique indexes (SQLite and PostgreSQL both have them) keep at most one queued and one running
job per period.

Revision ID: 0009_scoring_jobs
Revises: 0008_comment_themes
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_scoring_jobs"
down_revision = "0008_comment_themes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("period_label", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_scoring_jobs_state_known")
        ),
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name=op.f("ck_scoring_jobs_progress_fraction")),
        sa.CheckConstraint(
            "state <> 'running' OR lease_expires_at IS NOT NULL", name=op.f("ck_scoring_jobs_running_has_lease")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"], ["users.id"], name=op.f("fk_scoring_jobs_requested_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_jobs")),
    )
    for state in ("queued", "running"):
        op.create_index(
            f"uq_scoring_jobs_{state}_period",
            "scoring_jobs",
            ["period_key"],
            unique=True,
            sqlite_where=sa.text(f"state = '{state}'"),
            postgresql_where=sa.text(f"state = '{state}'"),
        )
    op.create_index("ix_scoring_jobs_state_requested", "scoring_jobs", ["state", "requested_at"])
    op.create_index("ix_scoring_jobs_period_id", "scoring_jobs", ["period_key", "id"])


def downgrade() -> None:
    op.drop_table("scoring_jobs")
