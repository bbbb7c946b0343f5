"""ratings: pages half full on PostgreSQL, so scoring rewrites its flags in place (HOT updates)

Scoring writes flags, reasons, anomaly score and detector version onto every rating of a period. With
full pages each new row version goes to another page and all six indexes of the table get a new entry
per rating; with room on the page, PostgreSQL keeps the new version beside the old one and touches no
index (none of those columns is indexed). bench/scoring_db_bench.py on a million ratings: 50.0 s
before, 28.9 s after, and a smaller table after scoring than a full-page table becomes after its
first one (docs/scoring.md). Applies to pages written from now on; `VACUUM FULL ratings` rewrites existing ones.
SQLite has no such setting.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ratings SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ratings RESET (fillfactor)")
