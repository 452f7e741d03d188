"""problems, known errors, ticket links and merges, knowledge decisions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# (table, new column, the table it refers to); no ON DELETE: SQLite keeps it, but a
# column's own REFERENCES clause is reflected without it (the migration test compares).
_NEW_REFERENCES = [('ticket', 'merged_into_id', 'ticket'),
                   ('message', 'merged_from_id', 'ticket'),
                   ('message', 'origin_customer_id', 'user'),
                   ('ticket_event', 'merged_from_id', 'ticket')]
_DECISION = sa.Enum('existing_article', 'new_article', 'article_outdated', 'nothing',
                    name='knowledgedecision', native_enum=False, length=24)


def upgrade():
    # -- tickets: merges, moved messages and events, knowledge decisions, links ---------
    # Plain ALTER TABLE on SQLite (its foreign keys written into the new column): batch
    # mode would copy and drop "ticket" and "message", which foreign_keys=ON turns into
    # deleting everything that points at them.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, column, target in _NEW_REFERENCES:
        name = f'fk_{table}_{column}_{target}'
        if sqlite and column in {c['name'] for c in sa.inspect(op.get_bind())
                                 .get_columns(table)}:
            continue        # kept by a downgrade on SQLite (see there)
        if sqlite:
            op.execute(sa.text(f'ALTER TABLE "{table}" ADD COLUMN {column} INTEGER '
                               f'CONSTRAINT {name} REFERENCES "{target}" (id)'))
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, table, target, [column], ['id'])
    op.add_column('ticket', sa.Column('knowledge_decision', _DECISION, nullable=True))
    op.add_column('ticket', sa.Column('knowledge_article_id', sa.Integer(), nullable=True))
    op.create_table('ticket_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('low_id', sa.Integer(), nullable=False),
    sa.Column('high_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('low_id < high_id', name=op.f('ck_ticket_link_ordered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                            name=op.f('fk_ticket_link_created_by_id_user')),
    sa.ForeignKeyConstraint(['high_id'], ['ticket.id'],
                            name=op.f('fk_ticket_link_high_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['low_id'], ['ticket.id'],
                            name=op.f('fk_ticket_link_low_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_link')),
    sa.UniqueConstraint('low_id', 'high_id', name='uq_ticket_link_pair')
    )
    with op.batch_alter_table('ticket_link', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_link_high', ['high_id', 'low_id'], unique=False)

    # -- problems -------------------------------------------------------------------------
    op.create_table('problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('component', sa.String(length=80), nullable=False),
    sa.Column('status', sa.Enum('investigating', 'known_error', 'fixed', 'closed',
                                name='problemstatus', native_enum=False, length=24),
              nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('workaround', sa.Text(), nullable=False),
    sa.Column('fix_note', sa.Text(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_problem_owner_id_user')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'],
                            name=op.f('fk_problem_proposed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem'))
    )
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.create_index('ix_problem_owner_status', ['owner_id', 'status'], unique=False)
        batch_op.create_index('ix_problem_status_component', ['status', 'component'],
                              unique=False)

    op.create_table('problem_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('created', 'proposed', 'edited', 'status', 'owner', 'workaround',
                              'fix_note', 'ticket_linked', 'ticket_unlinked', 'bulk_reply',
                              'article', name='problemeventkind', native_enum=False,
                              length=24), nullable=False),
    sa.Column('old_value', sa.String(length=200), nullable=True),
    sa.Column('new_value', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'],
                            name=op.f('fk_problem_event_actor_id_user')),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'],
                            name=op.f('fk_problem_event_problem_id_problem'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_event'))
    )
    with op.batch_alter_table('problem_event', schema=None) as batch_op:
        batch_op.create_index('ix_problem_event_problem', ['problem_id', 'id'], unique=False)

    op.create_table('problem_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['linked_by_id'], ['user.id'],
                            name=op.f('fk_problem_ticket_linked_by_id_user')),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'],
                            name=op.f('fk_problem_ticket_problem_id_problem'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                            name=op.f('fk_problem_ticket_ticket_id_ticket'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_ticket')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_problem_ticket_ticket_id'))
    )
    with op.batch_alter_table('problem_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_ticket_problem_id'), ['problem_id'],
                              unique=False)

    op.create_table('problem_bulk_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('text_de', sa.Text(), nullable=False),
    sa.Column('resolve', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'],
                            name=op.f('fk_problem_bulk_reply_author_id_user')),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'],
                            name=op.f('fk_problem_bulk_reply_problem_id_problem'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_bulk_reply')),
    sa.UniqueConstraint('key', name=op.f('uq_problem_bulk_reply_key'))
    )
    with op.batch_alter_table('problem_bulk_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_bulk_reply_problem_id'), ['problem_id'],
                              unique=False)

    op.create_table('problem_bulk_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bulk_reply_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bulk_reply_id'], ['problem_bulk_reply.id'],
                            name=op.f('fk_problem_bulk_delivery_bulk_reply_id_problem_bulk_reply'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'],
                            name=op.f('fk_problem_bulk_delivery_message_id_message'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                            name=op.f('fk_problem_bulk_delivery_ticket_id_ticket'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_bulk_delivery')),
    sa.UniqueConstraint('bulk_reply_id', 'ticket_id', name='uq_problem_bulk_delivery_once')
    )
    with op.batch_alter_table('problem_bulk_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_bulk_delivery_ticket_id'), ['ticket_id'],
                              unique=False)

    # -- the knowledge base's side: articles about problems' known errors ---------------
    op.create_table('kb_article_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('problem_title', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('fixed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'],
                            name=op.f('fk_kb_article_problem_article_id_kb_article'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_problem')),
    sa.UniqueConstraint('article_id', 'problem_id', name='uq_kb_article_problem_pair')
    )
    with op.batch_alter_table('kb_article_problem', schema=None) as batch_op:
        batch_op.create_index('ix_kb_article_problem_fixed', ['fixed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_problem_problem_id'), ['problem_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('kb_article_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_problem_problem_id'))
        batch_op.drop_index('ix_kb_article_problem_fixed')
    op.drop_table('kb_article_problem')
    with op.batch_alter_table('problem_bulk_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_bulk_delivery_ticket_id'))
    op.drop_table('problem_bulk_delivery')
    with op.batch_alter_table('problem_bulk_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_bulk_reply_problem_id'))
    op.drop_table('problem_bulk_reply')
    with op.batch_alter_table('problem_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_ticket_problem_id'))
    op.drop_table('problem_ticket')
    with op.batch_alter_table('problem_event', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_event_problem')
    op.drop_table('problem_event')
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_status_component')
        batch_op.drop_index('ix_problem_owner_status')
    op.drop_table('problem')
    with op.batch_alter_table('ticket_link', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_link_high')
    op.drop_table('ticket_link')
    op.drop_column('ticket', 'knowledge_article_id')
    op.drop_column('ticket', 'knowledge_decision')
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # SQLite cannot drop a column that holds a foreign key, and copying the tables
        # (batch mode) would delete every row that points at them: the four nullable
        # columns stay, unused by the older code, and the upgrade takes them up again.
        return
    for table, column, target in reversed(_NEW_REFERENCES):
        op.drop_constraint(f'fk_{table}_{column}_{target}', table, type_='foreignkey')
        op.drop_column(table, column)
