"""adjusted officer scores, the bias audit, and run provenance split into ratings and decisions

officer_results.score_adjusted (channel and counter mix adjustment), bias_audit_results (one row per
group of a run's audit), scoring_runs.ratings_hash and decisions_hash (the parts of the input hash,
so that a later comparison can tell what changed since a run). All new columns are nullable: runs
scored before this revision simply have none.

Revision ID: 0011_adjusted_scores_audit
Revises: 0010_password_reset_tokens
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_adjusted_scores_audit"
down_revision = "0010_password_reset_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("officer_results", sa.Column("score_adjusted", sa.Float(), nullable=True))
    op.add_column("scoring_runs", sa.Column("ratings_hash", sa.String(length=64), nullable=True))
    op.add_column("scoring_runs", sa.Column("decisions_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "bias_audit_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.String(length=16), nullable=False),
        sa.Column("officers", sa.Integer(), nullable=False),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("gap_low", sa.Float(), nullable=True),
        sa.Column("gap_high", sa.Float(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["scoring_runs.id"],
            name=op.f("fk_bias_audit_results_run_id_scoring_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bias_audit_results")),
    )
    op.create_index(op.f("ix_bias_audit_results_run_id"), "bias_audit_results", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_bias_audit_results_run_id"), table_name="bias_audit_results")
    op.drop_table("bias_audit_results")
    with op.batch_alter_table("scoring_runs") as batch:
        batch.drop_column("decisions_hash")
        batch.drop_column("ratings_hash")
    with op.batch_alter_table("officer_results") as batch:
        batch.drop_column("score_adjusted")
