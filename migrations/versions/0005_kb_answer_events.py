"""knowledge-base fixes: answered events (hardening 9), every field in revisions (hardening 4)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_article_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('reader_key', sa.String(length=80), nullable=False),
    sa.Column('source', sa.Enum('kb_page', 'new_ticket', name='answersource', native_enum=False, length=16), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_article_answer_article_id_kb_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_answer')),
    sa.UniqueConstraint('article_id', 'reader_key', name='uq_kb_article_answer_reader')
    )
    with op.batch_alter_table('kb_article_answer', schema=None) as batch_op:
        batch_op.create_index('ix_kb_article_answer_answered_at', ['answered_at'], unique=False)

    with op.batch_alter_table('kb_article_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_known_error', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('translation_key', sa.String(length=120), nullable=True))

    # Older revisions did not record these two: take the article's current values, so the
    # history shows no change that did not happen.
    op.execute(
        "UPDATE kb_article_revision SET "
        "is_known_error = (SELECT a.is_known_error FROM kb_article a "
        "WHERE a.id = kb_article_revision.article_id), "
        "translation_key = (SELECT a.translation_key FROM kb_article a "
        "WHERE a.id = kb_article_revision.article_id)")


def downgrade():
    with op.batch_alter_table('kb_article_revision', schema=None) as batch_op:
        batch_op.drop_column('translation_key')
        batch_op.drop_column('is_known_error')

    with op.batch_alter_table('kb_article_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_answer_answered_at')

    op.drop_table('kb_article_answer')
