"""review incidents with stable numbers; who the officers were when a period closed

`review_incidents`, `review_incident_ratings` and `review_incident_keys`: the review queue's incidents
keep their number across decisions and re-scoring. `period_snapshot_rows`: the names, NIPs and units of a closed period's
officers as they were at closing, which its export shows. Periods closed before this revision get
their rows from today's names (the best there is).

Revision ID: 0012_review_incidents
Revises: 0011_adjusted_scores_audit
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_review_incidents"
down_revision = "0011_adjusted_scores_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("first_rating_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_review_incidents_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["first_rating_id"], ["ratings.id"], name=op.f("fk_review_incidents_first_rating_id_ratings")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_review_incidents_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_incidents")),
        sa.UniqueConstraint("first_rating_id", name=op.f("uq_review_incidents_first_rating_id")),
    )
    op.create_index(op.f("ix_review_incidents_unit_id"), "review_incidents", ["unit_id"])
    op.create_table(
        "review_incident_ratings",
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["review_incidents.id"],
            name=op.f("fk_review_incident_ratings_incident_id_review_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["ratings.id"], name=op.f("fk_review_incident_ratings_rating_id_ratings")
        ),
        sa.PrimaryKeyConstraint("rating_id", name=op.f("pk_review_incident_ratings")),
    )
    op.create_index(
        op.f("ix_review_incident_ratings_incident_id"), "review_incident_ratings", ["incident_id"]
    )
    op.create_table(
        "review_incident_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["review_incidents.id"],
            name=op.f("fk_review_incident_keys_incident_id_review_incidents"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_review_incident_keys")),
    )
    op.create_index(op.f("ix_review_incident_keys_incident_id"), "review_incident_keys", ["incident_id"])
    snapshot = op.create_table(
        "period_snapshot_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_period_snapshot_rows_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_period_snapshot_rows_period_id_periods")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_period_snapshot_rows_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_snapshot_rows")),
    )
    op.create_index(
        "ix_period_snapshot_rows_period", "period_snapshot_rows", ["period_id", "employee_id", "unit_id"]
    )
    periods = sa.table("periods", sa.column("id"), sa.column("status"), sa.column("scoring_run_id"))
    results = sa.table("officer_results", sa.column("run_id"), sa.column("employee_id"), sa.column("unit_id"))
    employees = sa.table("employees", sa.column("id"), sa.column("nip"), sa.column("name"))
    units = sa.table("units", sa.column("id"), sa.column("code"), sa.column("name"))
    closed = (
        sa.select(
            periods.c.id,
            results.c.employee_id,
            results.c.unit_id,
            employees.c.nip,
            employees.c.name,
            units.c.code,
            units.c.name,
        )
        .join(results, results.c.run_id == periods.c.scoring_run_id)
        .join(employees, employees.c.id == results.c.employee_id)
        .join(units, units.c.id == results.c.unit_id)
        .where(periods.c.status == "closed")
    )
    columns = ["period_id", "employee_id", "unit_id", "nip", "name", "unit_code", "unit_name"]
    op.execute(snapshot.insert().from_select(columns, closed))


def downgrade() -> None:
    op.drop_index("ix_period_snapshot_rows_period", table_name="period_snapshot_rows")
    op.drop_table("period_snapshot_rows")
    op.drop_index(op.f("ix_review_incident_keys_incident_id"), table_name="review_incident_keys")
    op.drop_table("review_incident_keys")
    op.drop_index(op.f("ix_review_incident_ratings_incident_id"), table_name="review_incident_ratings")
    op.drop_table("review_incident_ratings")
    op.drop_index(op.f("ix_review_incidents_unit_id"), table_name="review_incidents")
    op.drop_table("review_incidents")
