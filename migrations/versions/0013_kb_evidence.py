"""knowledge loop, evidence: search log, knowledge gaps, article effectiveness

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_search_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('searched_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.Enum('kb', 'new_ticket', 'ticket', name='searchsource', native_enum=False, length=16), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('reader', sa.Enum('anonymous', 'customer', 'l1', 'l2', 'l3', 'admin', name='readerclass', native_enum=False, length=16), nullable=False),
    sa.Column('filed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_search_log'))
    )
    with op.batch_alter_table('kb_search_log', schema=None) as batch_op:
        batch_op.create_index('ix_kb_search_log_key', ['key', 'searched_at'], unique=False)
        batch_op.create_index('ix_kb_search_log_searched_at', ['searched_at'], unique=False)

    op.create_table('kb_search_open',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_search_open_article_id_kb_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['search_id'], ['kb_search_log.id'], name=op.f('fk_kb_search_open_search_id_kb_search_log'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_search_open')),
    sa.UniqueConstraint('search_id', 'article_id', name='uq_kb_search_open_pair')
    )
    with op.batch_alter_table('kb_search_open', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_search_open_article_id'), ['article_id'], unique=False)

    op.create_table('kb_article_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_article_views_article_id_kb_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_views')),
    sa.UniqueConstraint('article_id', 'day', name='uq_kb_article_views_day')
    )

    op.create_table('kb_gap_dismissal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('search', 'ticket', name='gapkind', native_enum=False, length=16), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['user.id'], name=op.f('fk_kb_gap_dismissal_dismissed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_gap_dismissal')),
    sa.UniqueConstraint('kind', 'key', name='uq_kb_gap_dismissal_gap')
    )

    op.create_table('kb_gap_article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('search', 'ticket', name='gapkind', native_enum=False, length=16), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_gap_article_article_id_kb_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_kb_gap_article_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_gap_article'))
    )
    with op.batch_alter_table('kb_gap_article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_gap_article_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_kb_gap_article_gap', ['kind', 'key'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_gap_article', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_gap_article_gap')
        batch_op.drop_index(batch_op.f('ix_kb_gap_article_article_id'))
    op.drop_table('kb_gap_article')
    op.drop_table('kb_gap_dismissal')
    op.drop_table('kb_article_views')
    with op.batch_alter_table('kb_search_open', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_search_open_article_id'))
    op.drop_table('kb_search_open')
    with op.batch_alter_table('kb_search_log', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_search_log_searched_at')
        batch_op.drop_index('ix_kb_search_log_key')
    op.drop_table('kb_search_log')
