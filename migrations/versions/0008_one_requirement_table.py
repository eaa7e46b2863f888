"""one requirement table for job roles and services

The skill levels job roles need (role_requirement) and those services need
(service_requirement) become rows of one table, requirement, owned by a job
role or a service: a job role's requirement is essential or desirable, a
service's has a headcount. Every row is carried over; a job role's keeps its
id, a service's is numbered after them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _create_requirement():
    op.create_table('requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_role_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('min_level', sa.Integer(), nullable=False),
    sa.Column('essential', sa.Boolean(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.CheckConstraint('(job_role_id IS NULL) <> (service_id IS NULL)', name=op.f('ck_requirement_one_owner')),
    sa.CheckConstraint('headcount >= 1', name=op.f('ck_requirement_headcount')),
    sa.ForeignKeyConstraint(['job_role_id'], ['job_role.id'], name=op.f('fk_requirement_job_role_id_job_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_requirement_service_id_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_requirement_skill_id_skill'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement')),
    sa.UniqueConstraint('job_role_id', 'skill_id', name=op.f('uq_requirement_job_role_id_skill_id')),
    sa.UniqueConstraint('service_id', 'skill_id', name=op.f('uq_requirement_service_id_skill_id'))
    )
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirement_job_role_id'), ['job_role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requirement_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requirement_skill_id'), ['skill_id'], unique=False)


def _create_old(kind):
    owner, table, extra = (('job_role', 'role_requirement', sa.Column('essential', sa.Boolean(), nullable=False)) if kind == 'role'
                           else ('service', 'service_requirement', sa.Column('headcount', sa.Integer(), nullable=False)))
    op.create_table(table,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column(f'{owner}_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('min_level', sa.Integer(), nullable=False),
    extra,
    sa.ForeignKeyConstraint([f'{owner}_id'], [f'{owner}.id'], name=op.f(f'fk_{table}_{owner}_id_{owner}'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f(f'fk_{table}_skill_id_skill'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint(f'{owner}_id', 'skill_id', name=op.f(f'uq_{table}_{owner}_id_skill_id'))
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{table}_{owner}_id'), [f'{owner}_id'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_skill_id'), ['skill_id'], unique=False)


def _drop(table, indexes):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for index in indexes:
            batch_op.drop_index(batch_op.f(index))
    op.drop_table(table)


def _restart_ids(table):
    """PostgreSQL: the id sequence carries on after the rows copied with their ids."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def upgrade():
    _create_requirement()
    op.execute("INSERT INTO requirement (id, job_role_id, service_id, skill_id, min_level, essential, headcount) "
               "SELECT id, job_role_id, NULL, skill_id, min_level, essential, 1 FROM role_requirement")
    op.execute("INSERT INTO requirement (id, job_role_id, service_id, skill_id, min_level, essential, headcount) "
               "SELECT id + (SELECT COALESCE(MAX(id), 0) FROM role_requirement), NULL, service_id, skill_id, min_level, "
               "TRUE, headcount FROM service_requirement")
    _restart_ids('requirement')
    _drop('service_requirement', ['ix_service_requirement_skill_id', 'ix_service_requirement_service_id'])
    _drop('role_requirement', ['ix_role_requirement_skill_id', 'ix_role_requirement_job_role_id'])


def downgrade():
    _create_old('role')
    _create_old('service')
    op.execute("INSERT INTO role_requirement (id, job_role_id, skill_id, min_level, essential) "
               "SELECT id, job_role_id, skill_id, min_level, essential FROM requirement WHERE job_role_id IS NOT NULL")
    op.execute("INSERT INTO service_requirement (id, service_id, skill_id, min_level, headcount) "
               "SELECT id, service_id, skill_id, min_level, headcount FROM requirement WHERE service_id IS NOT NULL")
    _restart_ids('role_requirement')
    _restart_ids('service_requirement')
    _drop('requirement', ['ix_requirement_skill_id', 'ix_requirement_service_id', 'ix_requirement_job_role_id'])
