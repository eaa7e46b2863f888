"""generic attributes of a framework's levels; a level's address

A level may carry the address of its page at the publisher (framework_level.url).

A framework may carry generic attributes of its levels of responsibility
(SFIA: Autonomy, Influence, Complexity, Business skills, Knowledge), each
with a description per level: framework_attribute and attribute_level.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('framework_level', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url', sa.String(length=500), nullable=True))
    op.create_table('framework_attribute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('guidance', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_framework_attribute_framework_id_framework'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_attribute')),
    sa.UniqueConstraint('framework_id', 'code', name=op.f('uq_framework_attribute_framework_id_code'))
    )
    op.create_table('attribute_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attribute_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['attribute_id'], ['framework_attribute.id'], name=op.f('fk_attribute_level_attribute_id_framework_attribute'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attribute_level')),
    sa.UniqueConstraint('attribute_id', 'level', name=op.f('uq_attribute_level_attribute_id_level'))
    )


def downgrade():
    op.drop_table('attribute_level')
    op.drop_table('framework_attribute')
    with op.batch_alter_table('framework_level', schema=None) as batch_op:
        batch_op.drop_column('url')
