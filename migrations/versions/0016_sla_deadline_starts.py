"""service levels: a missed deadline is told apart by when it started, so a change of
priority or of the rules that moves its due time does not make it missed again

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TARGETS = ('first_response', 'next_update', 'resolution', 'take', 'answer')


def upgrade():
    with op.batch_alter_table('sla_clock', schema=None) as batch_op:
        for target in TARGETS:
            batch_op.add_column(sa.Column(f'{target}_started_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('sla_breach', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', sa.DateTime(), nullable=True))

    # First response and resolution start when the ticket is filed: one of each per
    # ticket. Where a change of the rules already recorded one twice, the first keeps it.
    op.execute("""
        UPDATE sla_breach SET started_at = (
            SELECT ticket.created_at FROM ticket WHERE ticket.id = sla_breach.ticket_id)
        WHERE target IN ('first_response', 'resolution') AND id = (
            SELECT min(other.id) FROM sla_breach other
            WHERE other.ticket_id = sla_breach.ticket_id AND other.target = sla_breach.target)
    """)
    with op.batch_alter_table('sla_breach', schema=None) as batch_op:
        batch_op.create_index('uq_sla_breach_deadline', ['ticket_id', 'target', 'started_at'],
                              unique=True)

    # The clocks learn their deadlines' starts when `sla tick` works the active tickets'
    # due times out again (before it checks any), as after a change of the rules; one
    # already under way starts again from the first ticket.
    now = datetime.now(UTC).replace(tzinfo=None)        # naive UTC, as the app keeps time
    op.execute("UPDATE sla_recompute SET after_ticket_id = 0, done = 0")
    op.execute(sa.text("""
        INSERT INTO sla_recompute (id, requested_at, after_ticket_id, total, done)
        SELECT 1, :now, 0, count(*), 0 FROM ticket
        WHERE status IN ('new', 'open', 'waiting_on_customer')
          AND NOT EXISTS (SELECT 1 FROM sla_recompute)
        HAVING count(*) > 0
    """).bindparams(sa.bindparam("now", now, type_=sa.DateTime())))


def downgrade():
    with op.batch_alter_table('sla_breach', schema=None) as batch_op:
        batch_op.drop_index('uq_sla_breach_deadline')
        batch_op.drop_column('started_at')
    with op.batch_alter_table('sla_clock', schema=None) as batch_op:
        for target in reversed(TARGETS):
            batch_op.drop_column(f'{target}_started_at')
