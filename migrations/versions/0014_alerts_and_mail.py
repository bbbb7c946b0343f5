"""alerts, the mail outbox, staff e-mail addresses, answers to citizens

`alerts`: situations someone should act on, each stored once under its key. `mail_outbox`: mails to
send until sent (retried). `users.email`, `mail_mode`, `mail_language`: where and how a user gets
alerts and reset links. `complaint_cases.answered_at`, `answered_via`: the response reached the citizen.

Revision ID: 0014_alerts_mail
Revises: 0013_skm_reports
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op


revision = '0014_alerts_mail'
down_revision = '0013_skm_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('fk_alerts_counter_id_counters')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_alerts_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('key', name=op.f('uq_alerts_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_unit_created', ['unit_id', 'created_at'], unique=False)

    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.CheckConstraint("kind IN ('alert', 'digest', 'citizen_response')", name=op.f('ck_mail_outbox_kind_known')),
    sa.CheckConstraint("status IN ('waiting', 'sent', 'failed', 'cancelled')", name=op.f('ck_mail_outbox_status_known')),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_mail_outbox_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['complaint_cases.id'], name=op.f('fk_mail_outbox_case_id_complaint_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_outbox_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_mail_outbox_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_outbox_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('complaint_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('answered_via', sa.String(length=16), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('mail_mode', sa.String(length=16), server_default='immediate', nullable=False))
        batch_op.add_column(sa.Column('mail_language', sa.String(length=2), server_default='id', nullable=False))
        batch_op.create_index(batch_op.f('ix_users_email'), ['email'], unique=False)
        batch_op.create_check_constraint(
            op.f('ck_users_mail_mode_known'), "mail_mode IN ('immediate', 'digest', 'none')"
        )



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_mail_mode_known'), type_='check')
        batch_op.drop_index(batch_op.f('ix_users_email'))
        batch_op.drop_column('mail_language')
        batch_op.drop_column('mail_mode')
        batch_op.drop_column('email')

    with op.batch_alter_table('complaint_cases', schema=None) as batch_op:
        batch_op.drop_column('answered_via')
        batch_op.drop_column('answered_at')

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_outbox_user_id'))
        batch_op.drop_index('ix_mail_outbox_status_next')
        batch_op.drop_index(batch_op.f('ix_mail_outbox_case_id'))

    op.drop_table('mail_outbox')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_unit_created')

    op.drop_table('alerts')
