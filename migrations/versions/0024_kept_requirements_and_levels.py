"""kept requirements and current levels: person_requirement and current_level

What the gap engine reads, kept by the services in the transaction of each change
(skills_app/services/kept.py) instead of recomputed on every read; this revision makes
the tables and fills them from the assessments, requirements, job roles, services and
crosswalks already there, by the same rules (the statements below are what
``kept.requirement_rows`` and ``kept.level_rows`` compile to). Going down drops them.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


FILL_REQUIREMENTS = """
INSERT INTO person_requirement (person_id, skill_id, requirement_id, required_level, essential, job_role_id, service_id) SELECT person_job_role.person_id AS person_id, requirement.skill_id AS skill_id, requirement.id AS requirement_id, requirement.min_level AS required_level, requirement.essential AS essential, requirement.job_role_id AS job_role_id, CAST(NULL AS INTEGER) AS service_id 
FROM person_job_role JOIN requirement ON requirement.job_role_id = person_job_role.job_role_id 
WHERE true UNION ALL SELECT person_service.person_id, requirement.skill_id, requirement.id, requirement.min_level, requirement.essential, CAST(NULL AS INTEGER) AS anon_1, requirement.service_id 
FROM person_service JOIN requirement ON requirement.service_id = person_service.service_id 
WHERE true UNION ALL SELECT person_job_role.person_id, CAST(NULL AS INTEGER) AS anon_1, CAST(NULL AS INTEGER) AS anon__1, job_role.responsibility_level, true AS anon_2, job_role.id, CAST(NULL AS INTEGER) AS anon__2 
FROM person_job_role JOIN job_role ON job_role.id = person_job_role.job_role_id 
WHERE job_role.responsibility_level IS NOT NULL
"""

FILL_LEVELS = """
INSERT INTO current_level (person_id, skill_id, level, via_skill_id, held_from, valid_until, self_level, pending, lapsed_at) SELECT facts_skill.person_id AS person_id, facts_skill.skill_id AS skill_id, CASE WHEN (facts_skill.has_level = 1) THEN facts_skill.level END AS level, CAST(NULL AS INTEGER) AS via_skill_id, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS held_from, CASE WHEN (facts_skill.has_level = 1) THEN facts_skill.valid_until END AS valid_until, facts_skill.self_level AS self_level, facts_skill.pending = 1 AS pending, facts_skill.lapsed_at AS lapsed_at 
FROM (SELECT assessment.person_id AS person_id, assessment.skill_id AS skill_id, assessment.claimed_level AS self_level, row_number() OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY coalesce(assessment.submitted_at, assessment.created_at) DESC, assessment.id DESC) AS rank, max(CASE WHEN (assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) THEN 1 ELSE 0 END) OVER (PARTITION BY assessment.person_id, assessment.skill_id) AS has_level, first_value(assessment.validated_level) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY CASE WHEN (assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) THEN 0 ELSE 1 END, assessment.decided_at DESC, assessment.id DESC) AS level, first_value(assessment.valid_until) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY CASE WHEN (assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) THEN 0 ELSE 1 END, assessment.decided_at DESC, assessment.id DESC) AS valid_until, max(CASE WHEN (assessment.status = 'submitted') THEN 1 ELSE 0 END) OVER (PARTITION BY assessment.person_id, assessment.skill_id) AS pending, min(CASE WHEN (assessment.status = 'validated') THEN assessment.valid_until END) OVER (PARTITION BY assessment.person_id, assessment.skill_id) AS lapsed_at 
FROM assessment 
WHERE assessment.skill_id IS NOT NULL) AS facts_skill 
WHERE facts_skill.rank = 1 UNION ALL SELECT ranked_skill.person_id AS person_id, ranked_skill.skill_id AS skill_id, ranked_skill.level AS level, CAST(NULL AS INTEGER) AS via_skill_id, ranked_skill.held_from AS held_from, ranked_skill.valid_until AS valid_until, CAST(NULL AS INTEGER) AS self_level, false AS pending, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS lapsed_at 
FROM (SELECT assessment.person_id AS person_id, assessment.skill_id AS skill_id, assessment.validated_level AS level, assessment.valid_until AS valid_until, max(assessment.valid_until) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS held_from, count(assessment.id) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later_n, count(CASE WHEN (assessment.valid_until IS NULL) THEN 1 END) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later_forever 
FROM assessment 
WHERE assessment.skill_id IS NOT NULL AND assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) AS ranked_skill 
WHERE ranked_skill.later_forever = 0 AND (ranked_skill.later_n = 0 OR ranked_skill.valid_until IS NULL OR ranked_skill.valid_until > ranked_skill.held_from) AND ranked_skill.held_from IS NOT NULL UNION ALL SELECT facts_responsibility.person_id AS person_id, facts_responsibility.skill_id AS skill_id, CASE WHEN (facts_responsibility.has_level = 1) THEN facts_responsibility.level END AS level, CAST(NULL AS INTEGER) AS via_skill_id, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS held_from, CASE WHEN (facts_responsibility.has_level = 1) THEN facts_responsibility.valid_until END AS valid_until, facts_responsibility.self_level AS self_level, facts_responsibility.pending = 1 AS pending, facts_responsibility.lapsed_at AS lapsed_at 
FROM (SELECT assessment.person_id AS person_id, CAST(NULL AS INTEGER) AS skill_id, assessment.claimed_level AS self_level, row_number() OVER (PARTITION BY assessment.person_id ORDER BY coalesce(assessment.submitted_at, assessment.created_at) DESC, assessment.id DESC) AS rank, max(CASE WHEN (assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) THEN 1 ELSE 0 END) OVER (PARTITION BY assessment.person_id) AS has_level, first_value(assessment.validated_level) OVER (PARTITION BY assessment.person_id ORDER BY CASE WHEN (assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) THEN 0 ELSE 1 END, assessment.decided_at DESC, assessment.id DESC) AS level, first_value(assessment.valid_until) OVER (PARTITION BY assessment.person_id ORDER BY CASE WHEN (assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) THEN 0 ELSE 1 END, assessment.decided_at DESC, assessment.id DESC) AS valid_until, max(CASE WHEN (assessment.status = 'submitted') THEN 1 ELSE 0 END) OVER (PARTITION BY assessment.person_id) AS pending, min(CASE WHEN (assessment.status = 'validated') THEN assessment.valid_until END) OVER (PARTITION BY assessment.person_id) AS lapsed_at 
FROM assessment 
WHERE assessment.kind = 'responsibility') AS facts_responsibility 
WHERE facts_responsibility.rank = 1 UNION ALL SELECT ranked_responsibility.person_id AS person_id, ranked_responsibility.skill_id AS skill_id, ranked_responsibility.level AS level, CAST(NULL AS INTEGER) AS via_skill_id, ranked_responsibility.held_from AS held_from, ranked_responsibility.valid_until AS valid_until, CAST(NULL AS INTEGER) AS self_level, false AS pending, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS lapsed_at 
FROM (SELECT assessment.person_id AS person_id, CAST(NULL AS INTEGER) AS skill_id, assessment.validated_level AS level, assessment.valid_until AS valid_until, max(assessment.valid_until) OVER (PARTITION BY assessment.person_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS held_from, count(assessment.id) OVER (PARTITION BY assessment.person_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later_n, count(CASE WHEN (assessment.valid_until IS NULL) THEN 1 END) OVER (PARTITION BY assessment.person_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later_forever 
FROM assessment 
WHERE assessment.kind = 'responsibility' AND assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) AS ranked_responsibility 
WHERE ranked_responsibility.later_forever = 0 AND (ranked_responsibility.later_n = 0 OR ranked_responsibility.valid_until IS NULL OR ranked_responsibility.valid_until > ranked_responsibility.held_from) AND ranked_responsibility.held_from IS NOT NULL UNION ALL SELECT anon_1.person_id AS person_id, crosswalk_level.to_skill_id AS skill_id, max(crosswalk_level.to_level) AS level, anon_1.skill_id AS via_skill_id, anon_1.held_from AS held_from, anon_1.valid_until AS valid_until, CAST(NULL AS INTEGER) AS self_level, false AS pending, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS lapsed_at 
FROM (SELECT ranked_skill.person_id AS person_id, ranked_skill.skill_id AS skill_id, ranked_skill.level AS level, ranked_skill.valid_until AS valid_until, ranked_skill.held_from AS held_from, ranked_skill.later_n AS later_n, ranked_skill.later_forever AS later_forever 
FROM (SELECT assessment.person_id AS person_id, assessment.skill_id AS skill_id, assessment.validated_level AS level, assessment.valid_until AS valid_until, max(assessment.valid_until) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS held_from, count(assessment.id) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later_n, count(CASE WHEN (assessment.valid_until IS NULL) THEN 1 END) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later_forever 
FROM assessment 
WHERE assessment.skill_id IS NOT NULL AND assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) AS ranked_skill 
WHERE ranked_skill.later_forever = 0 AND (ranked_skill.later_n = 0 OR ranked_skill.valid_until IS NULL OR ranked_skill.valid_until > ranked_skill.held_from)) AS anon_1 JOIN crosswalk_level ON crosswalk_level.from_skill_id = anon_1.skill_id AND crosswalk_level.from_level <= anon_1.level GROUP BY anon_1.person_id, crosswalk_level.to_skill_id, anon_1.skill_id, anon_1.held_from, anon_1.valid_until UNION ALL SELECT anon_2.person_id AS person_id, crosswalk_level.from_skill_id AS skill_id, max(crosswalk_level.from_level) AS level, anon_2.skill_id AS via_skill_id, anon_2.held_from AS held_from, anon_2.valid_until AS valid_until, CAST(NULL AS INTEGER) AS self_level, false AS pending, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS lapsed_at 
FROM (SELECT ranked_skill.person_id AS person_id, ranked_skill.skill_id AS skill_id, ranked_skill.level AS level, ranked_skill.valid_until AS valid_until, ranked_skill.held_from AS held_from, ranked_skill.later_n AS later_n, ranked_skill.later_forever AS later_forever 
FROM (SELECT assessment.person_id AS person_id, assessment.skill_id AS skill_id, assessment.validated_level AS level, assessment.valid_until AS valid_until, max(assessment.valid_until) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS held_from, count(assessment.id) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later_n, count(CASE WHEN (assessment.valid_until IS NULL) THEN 1 END) OVER (PARTITION BY assessment.person_id, assessment.skill_id ORDER BY assessment.decided_at DESC, assessment.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later_forever 
FROM assessment 
WHERE assessment.skill_id IS NOT NULL AND assessment.status = 'validated' AND assessment.validated_level IS NOT NULL) AS ranked_skill 
WHERE ranked_skill.later_forever = 0 AND (ranked_skill.later_n = 0 OR ranked_skill.valid_until IS NULL OR ranked_skill.valid_until > ranked_skill.held_from)) AS anon_2 JOIN crosswalk_level ON crosswalk_level.to_skill_id = anon_2.skill_id AND crosswalk_level.to_level <= anon_2.level GROUP BY anon_2.person_id, crosswalk_level.from_skill_id, anon_2.skill_id, anon_2.held_from, anon_2.valid_until
"""


def upgrade():
    op.create_table(
        'person_requirement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=True),
        sa.Column('requirement_id', sa.Integer(), nullable=True),
        sa.Column('required_level', sa.Integer(), nullable=False),
        sa.Column('essential', sa.Boolean(), nullable=False),
        sa.Column('job_role_id', sa.Integer(), nullable=True),
        sa.Column('service_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['job_role_id'], ['job_role.id'], name=op.f('fk_person_requirement_job_role_id_job_role'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_requirement_person_id_person'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requirement_id'], ['requirement.id'], name=op.f('fk_person_requirement_requirement_id_requirement'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_person_requirement_service_id_service'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_person_requirement_skill_id_skill'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_requirement')),
    )
    op.create_table(
        'current_level',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=True),
        sa.Column('level', sa.Integer(), nullable=True),
        sa.Column('via_skill_id', sa.Integer(), nullable=True),
        sa.Column('held_from', sa.DateTime(timezone=True), nullable=True),
        sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('self_level', sa.Integer(), nullable=True),
        sa.Column('pending', sa.Boolean(), nullable=False),
        sa.Column('lapsed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_current_level_person_id_person'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_current_level_skill_id_skill'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['via_skill_id'], ['skill.id'], name=op.f('fk_current_level_via_skill_id_skill'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_current_level')),
    )
    op.execute(FILL_REQUIREMENTS)
    op.execute(FILL_LEVELS)
    # The indexes once the rows are in (faster than keeping them up to date row by row).
    with op.batch_alter_table('person_requirement', schema=None) as batch_op:
        batch_op.create_index('ix_person_requirement_person_skill', ['person_id', 'skill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_requirement_job_role_id'), ['job_role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_requirement_requirement_id'), ['requirement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_requirement_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_requirement_skill_id'), ['skill_id'], unique=False)

    with op.batch_alter_table('current_level', schema=None) as batch_op:
        batch_op.create_index('ix_current_level_person_skill', ['person_id', 'skill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_current_level_skill_id'), ['skill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_current_level_via_skill_id'), ['via_skill_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ANALYZE person_requirement')
        op.execute('ANALYZE current_level')


def downgrade():
    op.drop_table('current_level')
    op.drop_table('person_requirement')
