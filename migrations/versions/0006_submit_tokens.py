"""one-time form submission tokens (hardening 10)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submit_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('endpoint', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('result_url', sa.String(length=2000), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submit_token')),
    sa.UniqueConstraint('key', name=op.f('uq_submit_token_key'))
    )
    with op.batch_alter_table('submit_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submit_token_created_at'), ['created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('submit_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submit_token_created_at'))

    op.drop_table('submit_token')
