"""what CASE packages and Moodle frameworks say beyond the tree: associations, language, educational level, rules, time of change

framework_association holds a framework's relations other than the tree's own
(CASE's exactMatchOf, isRelatedTo, precedes, exemplar, ...): from a skill or
group (by code) to a skill or group, or to a node elsewhere by address,
identifier and title. Skills and groups get CASE's language and
educationalLevel, and the rule by which they are completed (Moodle's competency rules); a
framework the time its source says it last changed
(framework.changed_at), which exports give rather than the time of import.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 17:00:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


@contextmanager
def _foreign_keys_off():
    """SQLite copies a table to drop a column: with foreign keys on, dropping the old
    table would delete the rows that refer to it. The pragma only changes outside a transaction."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if sqlite:
            with op.get_context().autocommit_block():
                op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    op.create_table('framework_association',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('association_type', sa.String(length=100), nullable=False),
    sa.Column('origin_kind', sa.String(length=20), nullable=False),
    sa.Column('origin_code', sa.String(length=100), nullable=False),
    sa.Column('destination_kind', sa.String(length=20), nullable=False),
    sa.Column('destination_code', sa.String(length=100), nullable=True),
    sa.Column('destination_uri', sa.Text(), nullable=True),
    sa.Column('destination_identifier', sa.String(length=500), nullable=True),
    sa.Column('destination_title', sa.Text(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_framework_association_framework_id_framework'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_association'))
    )
    with op.batch_alter_table('framework_association', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_association_framework_id'), ['framework_id'], unique=False)
    # Columns that may be null are added in place (no copy of the table, on SQLite too).
    op.add_column('framework', sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))
    for table in ('skill', 'skill_group'):
        op.add_column(table, sa.Column('language', sa.String(length=20), nullable=True))
        op.add_column(table, sa.Column('educational_level', sa.JSON(), nullable=True))
        op.add_column(table, sa.Column('rule', sa.JSON(), nullable=True))


def downgrade():
    with _foreign_keys_off():
        for table in ('skill_group', 'skill'):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_column('rule')
                batch_op.drop_column('educational_level')
                batch_op.drop_column('language')
        with op.batch_alter_table('framework', schema=None) as batch_op:
            batch_op.drop_column('changed_at')
    with op.batch_alter_table('framework_association', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_association_framework_id'))
    op.drop_table('framework_association')
