"""knowledge loop, curation: translation twins, review dates and owners, reader ratings

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:30:00

"""
import calendar
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

REVIEW_MONTHS = 6


def _months_later(start: date, months: int) -> date:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def upgrade():
    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('content_changed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('content_revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('translation_checked_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_kb_article_owner_id_user'), 'user',
                                    ['owner_id'], ['id'])
        batch_op.create_index('ix_kb_article_status_review_by', ['status', 'review_by'],
                              unique=False)

    op.create_table('kb_article_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('reader_key', sa.String(length=80), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_article_rating_article_id_kb_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_rating')),
    sa.UniqueConstraint('article_id', 'revision_number', 'reader_key', name='uq_kb_article_rating_reader')
    )
    op.create_table('kb_curation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('review_confirmed', 'owner_changed', 'review_date_changed', 'translation_confirmed', name='curationeventkind', native_enum=False, length=24), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_curation_event_article_id_kb_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_kb_curation_event_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_curation_event'))
    )
    with op.batch_alter_table('kb_curation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_curation_event_article_id'), ['article_id'], unique=False)

    # Existing articles: their text last changed when they were last updated (in their
    # newest revision); pairs that exist match now (nothing is out of date on day one);
    # published ones are owned by their author and due for review 6 months after they
    # were published.
    now = datetime.now(UTC).replace(tzinfo=None)
    conn = op.get_bind()
    article = sa.table('kb_article', sa.column('id', sa.Integer), sa.column('status', sa.String),
                       sa.column('author_id', sa.Integer), sa.column('owner_id', sa.Integer),
                       sa.column('updated_at', sa.DateTime),
                       sa.column('published_at', sa.DateTime),
                       sa.column('translation_key', sa.String),
                       sa.column('review_by', sa.Date),
                       sa.column('content_changed_at', sa.DateTime),
                       sa.column('content_revision', sa.Integer),
                       sa.column('translation_checked_at', sa.DateTime))
    revision_table = sa.table('kb_article_revision', sa.column('article_id', sa.Integer),
                              sa.column('number', sa.Integer))
    newest = dict(conn.execute(sa.select(revision_table.c.article_id,
                                         sa.func.max(revision_table.c.number))
                               .group_by(revision_table.c.article_id)).all())
    rows = conn.execute(sa.select(article.c.id, article.c.status, article.c.author_id,
                                  article.c.updated_at, article.c.published_at,
                                  article.c.translation_key)).all()
    for row in rows:
        values = {'content_changed_at': row.updated_at,
                  'content_revision': newest.get(row.id) or 1,
                  'translation_checked_at': now if row.translation_key else None}
        if row.status == 'published':
            published = (row.published_at or row.updated_at or now).date()
            values.update(owner_id=row.author_id,
                          review_by=_months_later(published, REVIEW_MONTHS))
        conn.execute(sa.update(article).where(article.c.id == row.id).values(**values))


def downgrade():
    with op.batch_alter_table('kb_curation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_curation_event_article_id'))

    op.drop_table('kb_curation_event')
    op.drop_table('kb_article_rating')
    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_status_review_by')
        batch_op.drop_constraint(batch_op.f('fk_kb_article_owner_id_user'), type_='foreignkey')
        batch_op.drop_column('translation_checked_at')
        batch_op.drop_column('content_revision')
        batch_op.drop_column('content_changed_at')
        batch_op.drop_column('review_by')
        batch_op.drop_column('owner_id')
