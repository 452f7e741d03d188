"""service levels: due times recomputed in the background after a change of the rules

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sla_recompute',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('after_ticket_id', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_recompute'))
    )


def downgrade():
    op.drop_table('sla_recompute')
