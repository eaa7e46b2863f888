"""development goals: personal development plans and cohort enrolments, one model

``development_goal``: a person's goal, a skill and target level by a date, in a state
(proposed, agreed, achieved, dropped), optionally of a cohort ``training_plan``;
``goal_resource``: the learning resources a goal uses, each with when it was completed.

Every ``training_enrolment`` row becomes a goal of its plan with the same id (so that
the learning pages' addresses stay good): the plan's skill and target level, due at the
plan's end, agreed (the learning team enrolled the person) or dropped (withdrawn), its
completion kept; the plan's resource becomes the goal's resource, completed when the
enrolment was. Going down turns the cohort goals back into enrolments (personal goals,
which did not exist before, go).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def _restart_ids(table):
    """PostgreSQL: the id sequence carries on after the rows copied with their ids."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def upgrade():
    op.create_table(
        'development_goal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.Column('target_level', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('review_comment', sa.Text(), nullable=True),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('agreed_by_id', sa.Integer(), nullable=True),
        sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('achieved_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_development_goal_person_id_person'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['training_plan.id'], name=op.f('fk_development_goal_plan_id_training_plan'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_development_goal_skill_id_skill'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_development_goal_created_by_id_person'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['agreed_by_id'], ['person.id'], name=op.f('fk_development_goal_agreed_by_id_person'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['achieved_by_id'], ['assessment.id'], name=op.f('fk_development_goal_achieved_by_id_assessment'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_development_goal')),
        sa.UniqueConstraint('plan_id', 'person_id', name=op.f('uq_development_goal_plan_id_person_id')),
    )
    op.create_index(op.f('ix_development_goal_person_id'), 'development_goal', ['person_id'], unique=False)
    op.create_index(op.f('ix_development_goal_plan_id'), 'development_goal', ['plan_id'], unique=False)
    op.create_index(op.f('ix_development_goal_skill_id'), 'development_goal', ['skill_id'], unique=False)
    op.create_index(op.f('ix_development_goal_state'), 'development_goal', ['state'], unique=False)
    op.create_table(
        'goal_resource',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('goal_id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['goal_id'], ['development_goal.id'], name=op.f('fk_goal_resource_goal_id_development_goal'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resource_id'], ['learning_resource.id'], name=op.f('fk_goal_resource_resource_id_learning_resource'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_resource')),
        sa.UniqueConstraint('goal_id', 'resource_id', name=op.f('uq_goal_resource_goal_id_resource_id')),
    )
    op.create_index(op.f('ix_goal_resource_goal_id'), 'goal_resource', ['goal_id'], unique=False)
    op.create_index(op.f('ix_goal_resource_resource_id'), 'goal_resource', ['resource_id'], unique=False)

    # Each enrolment becomes its plan's goal for the person, with the same id.
    op.execute(
        "INSERT INTO development_goal (id, person_id, plan_id, skill_id, target_level, due_on, state, completed_at, "
        "created_by_id, agreed_by_id, agreed_at, closed_at, created_at, version) "
        "SELECT e.id, e.person_id, e.plan_id, p.skill_id, p.target_level, p.ends_on, "
        "CASE WHEN e.status = 'withdrawn' THEN 'dropped' ELSE 'agreed' END, "
        "CASE WHEN e.status = 'completed' THEN e.completed_at END, "
        "p.created_by_id, p.created_by_id, p.created_at, NULL, p.created_at, 1 "
        "FROM training_enrolment e JOIN training_plan p ON p.id = e.plan_id"
    )
    op.execute(
        "INSERT INTO goal_resource (goal_id, resource_id, completed_at) "
        "SELECT g.id, p.resource_id, g.completed_at FROM development_goal g JOIN training_plan p ON p.id = g.plan_id "
        "WHERE p.resource_id IS NOT NULL"
    )
    _restart_ids('development_goal')
    with op.batch_alter_table('training_enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_enrolment_plan_id'))
        batch_op.drop_index(batch_op.f('ix_training_enrolment_person_id'))
    op.drop_table('training_enrolment')


def downgrade():
    op.create_table(
        'training_enrolment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_training_enrolment_person_id_person'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['training_plan.id'], name=op.f('fk_training_enrolment_plan_id_training_plan'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_enrolment')),
        sa.UniqueConstraint('plan_id', 'person_id', name=op.f('uq_training_enrolment_plan_id_person_id')),
    )
    with op.batch_alter_table('training_enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_enrolment_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_enrolment_plan_id'), ['plan_id'], unique=False)
    op.execute(
        "INSERT INTO training_enrolment (id, plan_id, person_id, status, completed_at) "
        "SELECT id, plan_id, person_id, "
        "CASE WHEN state = 'dropped' THEN 'withdrawn' WHEN completed_at IS NOT NULL THEN 'completed' ELSE 'enrolled' END, "
        "CASE WHEN state <> 'dropped' THEN completed_at END "
        "FROM development_goal WHERE plan_id IS NOT NULL"
    )
    _restart_ids('training_enrolment')
    op.drop_index(op.f('ix_goal_resource_resource_id'), table_name='goal_resource')
    op.drop_index(op.f('ix_goal_resource_goal_id'), table_name='goal_resource')
    op.drop_table('goal_resource')
    op.drop_index(op.f('ix_development_goal_state'), table_name='development_goal')
    op.drop_index(op.f('ix_development_goal_skill_id'), table_name='development_goal')
    op.drop_index(op.f('ix_development_goal_plan_id'), table_name='development_goal')
    op.drop_index(op.f('ix_development_goal_person_id'), table_name='development_goal')
    op.drop_table('development_goal')
