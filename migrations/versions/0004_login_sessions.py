"""server-side login sessions (hardening 3)

Login sessions become rows (logout deletes one; the per-user session token goes), and
self-registered accounts confirm their address first (accounts that exist are confirmed).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('browser', sa.String(length=60), nullable=False),
    sa.Column('system', sa.String(length=60), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                            name=op.f('fk_login_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash'))
    )
    op.create_index(op.f('ix_login_session_user_id'), 'login_session', ['user_id'],
                    unique=False)
    op.add_column('user', sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))
    op.execute(sa.text('UPDATE "user" SET email_confirmed_at = created_at'))
    # A plain ALTER TABLE on SQLite too (3.35+): batch mode would copy and drop "user",
    # which foreign_keys=ON turns into deleting everything that points at it.
    op.drop_column('user', 'session_token')


def downgrade():
    op.add_column('user', sa.Column('session_token', sa.String(length=64), nullable=False,
                                    server_default=''))
    random_token = ('lower(hex(randomblob(16)))' if op.get_bind().dialect.name == 'sqlite'
                    else 'md5(random()::text)')
    op.execute(sa.text(f'UPDATE "user" SET session_token = {random_token}'))
    op.drop_column('user', 'email_confirmed_at')
    op.drop_index(op.f('ix_login_session_user_id'), table_name='login_session')
    op.drop_table('login_session')
