"""knowledge loop, training and synonyms: required reading, synonym groups

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_synonym_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terms', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_kb_synonym_group_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_synonym_group'))
    )
    op.create_table('kb_synonym_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_synonym_state'))
    )
    op.create_table('kb_reading_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('tag', sa.String(length=40), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.SmallInteger(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_reading_assignment_article_id_kb_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_kb_reading_assignment_assigned_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_kb_reading_assignment_category_id_category'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_kb_reading_assignment_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_reading_assignment'))
    )
    with op.batch_alter_table('kb_reading_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_reading_assignment_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_reading_assignment_user_id'), ['user_id'], unique=False)

    op.create_table('kb_reading_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_reading_confirmation_article_id_kb_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_kb_reading_confirmation_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_reading_confirmation')),
    sa.UniqueConstraint('user_id', 'article_id', name='uq_kb_reading_confirmation_reader')
    )
    with op.batch_alter_table('kb_reading_confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_reading_confirmation_article_id'), ['article_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_reading_confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_reading_confirmation_article_id'))
    op.drop_table('kb_reading_confirmation')
    with op.batch_alter_table('kb_reading_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_reading_assignment_user_id'))
        batch_op.drop_index(batch_op.f('ix_kb_reading_assignment_article_id'))
    op.drop_table('kb_reading_assignment')
    op.drop_table('kb_synonym_state')
    op.drop_table('kb_synonym_group')
