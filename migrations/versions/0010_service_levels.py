"""service levels: business calendars, SLA policies, per-ticket clocks and breaches

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:30:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sla_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_calendar')),
    sa.UniqueConstraint('name', name=op.f('uq_sla_calendar_name'))
    )
    op.create_table('sla_level_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('take_minutes', sa.Integer(), nullable=False),
    sa.Column('answer_minutes', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_sla_level_target_level_range')),
    sa.ForeignKeyConstraint(['lead_id'], ['user.id'], name=op.f('fk_sla_level_target_lead_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_level_target')),
    sa.UniqueConstraint('level', name=op.f('uq_sla_level_target_level'))
    )
    op.create_table('sla_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='priority', native_enum=False, length=24), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('next_update_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('auto_escalate', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_sla_policy_category_id_category'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policy')),
    sa.UniqueConstraint('scope', name=op.f('uq_sla_policy_scope'))
    )
    op.create_table('sla_breach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Enum('first_response', 'next_update', 'resolution', 'take', 'answer', name='target', native_enum=False, length=24), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_sla_breach_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_breach')),
    sa.UniqueConstraint('ticket_id', 'target', 'due_at', name='uq_sla_breach_once')
    )
    with op.batch_alter_table('sla_breach', schema=None) as batch_op:
        batch_op.create_index('ix_sla_breach_recorded', ['recorded_at'], unique=False)

    op.create_table('sla_clock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('first_response_due_at', sa.DateTime(), nullable=True),
    sa.Column('next_update_due_at', sa.DateTime(), nullable=True),
    sa.Column('resolution_due_at', sa.DateTime(), nullable=True),
    sa.Column('take_due_at', sa.DateTime(), nullable=True),
    sa.Column('answer_due_at', sa.DateTime(), nullable=True),
    sa.Column('next_check_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_sla_clock_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_clock')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_sla_clock_ticket_id'))
    )
    with op.batch_alter_table('sla_clock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_clock_next_check_at'), ['next_check_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sla_clock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_clock_next_check_at'))

    op.drop_table('sla_clock')
    with op.batch_alter_table('sla_breach', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_breach_recorded')

    op.drop_table('sla_breach')
    op.drop_table('sla_policy')
    op.drop_table('sla_level_target')
    op.drop_table('sla_calendar')
