"""what-if scenarios: people who might leave, org units to reorganise

``scenario`` (a name, a note, who made it), with its people in
``scenario_person`` and its org units in ``scenario_unit``.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 23:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scenario',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_scenario_created_by_id_person'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario')),
        sa.UniqueConstraint('name', name=op.f('uq_scenario_name')),
    )
    op.create_index(op.f('ix_scenario_created_by_id'), 'scenario', ['created_by_id'], unique=False)
    op.create_table(
        'scenario_person',
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], name=op.f('fk_scenario_person_scenario_id_scenario'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_scenario_person_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('scenario_id', 'person_id', name=op.f('pk_scenario_person')),
    )
    op.create_index(op.f('ix_scenario_person_person_id'), 'scenario_person', ['person_id'], unique=False)
    op.create_table(
        'scenario_unit',
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], name=op.f('fk_scenario_unit_scenario_id_scenario'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_scenario_unit_org_unit_id_org_unit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('scenario_id', 'org_unit_id', name=op.f('pk_scenario_unit')),
    )
    op.create_index(op.f('ix_scenario_unit_org_unit_id'), 'scenario_unit', ['org_unit_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_scenario_unit_org_unit_id'), table_name='scenario_unit')
    op.drop_table('scenario_unit')
    op.drop_index(op.f('ix_scenario_person_person_id'), table_name='scenario_person')
    op.drop_table('scenario_person')
    op.drop_index(op.f('ix_scenario_created_by_id'), table_name='scenario')
    op.drop_table('scenario')
