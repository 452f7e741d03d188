"""pre-rendered HTML of ticket messages (hardening 1)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:30:00

"""
import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    op.add_column('ticket', sa.Column('body_html', sa.Text(), nullable=True))
    op.add_column('message', sa.Column('body_html', sa.Text(), nullable=True))
    if not context.is_offline_mode():
        _render_existing('ticket')
        _render_existing('message')


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('body_html')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('body_html')


def _render_existing(name):
    """Store the rendered HTML of every existing row, in batches (pages then only read it)."""
    from helpdesk.rendering import render_to_store

    table = sa.table(name, sa.column('id', sa.Integer), sa.column('body', sa.Text),
                     sa.column('body_html', sa.Text))
    update = (sa.update(table).where(table.c.id == sa.bindparam('row_id'))
              .values(body_html=sa.bindparam('html')))
    conn, last_id = op.get_bind(), 0
    while True:
        rows = conn.execute(sa.select(table.c.id, table.c.body)
                            .where(table.c.id > last_id).order_by(table.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        conn.execute(update, [{'row_id': row.id, 'html': render_to_store(row.body)}
                              for row in rows])
        last_id = rows[-1].id
