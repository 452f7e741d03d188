"""mail in: received mails, quarantine, bouncing addresses

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_in_received',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('header_message_id', sa.String(length=255), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('sender', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('mailbox', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('raw_complete', sa.Boolean(), nullable=False),
    sa.Column('refuse_unknown', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('processed', 'refused', 'ignored', 'bounce', 'quarantined', 'discarded', name='receivedstatus', native_enum=False, length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('quoted_text', sa.Text(), nullable=True),
    sa.Column('dropped_files', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_mail_in_received_message_id_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_mail_in_received_ticket_id_ticket'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_in_received')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_mail_in_received_dedupe_key')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_mail_in_received_stored_name'))
    )
    with op.batch_alter_table('mail_in_received', schema=None) as batch_op:
        batch_op.create_index('ix_mail_in_received_message_id', ['header_message_id'], unique=False)
        batch_op.create_index('ix_mail_in_received_sender_at', ['sender', 'received_at'], unique=False)
        batch_op.create_index('ix_mail_in_received_status', ['status', 'id'], unique=False)
        batch_op.create_index('ix_mail_in_received_ticket', ['ticket_id', 'id'], unique=False)

    op.create_table('mail_in_bouncing_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('bounces', sa.Integer(), nullable=False),
    sa.Column('first_bounced_at', sa.DateTime(), nullable=False),
    sa.Column('last_bounced_at', sa.DateTime(), nullable=False),
    sa.Column('diagnostic', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_in_bouncing_address')),
    sa.UniqueConstraint('address', name=op.f('uq_mail_in_bouncing_address_address'))
    )


def downgrade():
    op.drop_table('mail_in_bouncing_address')
    with op.batch_alter_table('mail_in_received', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_in_received_ticket')
        batch_op.drop_index('ix_mail_in_received_status')
        batch_op.drop_index('ix_mail_in_received_sender_at')
        batch_op.drop_index('ix_mail_in_received_message_id')

    op.drop_table('mail_in_received')
