"""assessment: a partial index of the validated decisions, for calibration

``ix_assessment_validated_reviewer``: the validated assessments of a skill with a level, by
reviewer, carrying (PostgreSQL: INCLUDE) the skill, person, claimed and validated
levels and decision date. The calibration page sums every decision's difference
per reviewer, team or skill; at 100,000 people (186,069 decisions among 300,365
assessments) the sum per reviewer read from this index alone took 64 ms against
about 200 ms reading the table. SQLite has no INCLUDE: there it is a partial
index of the reviewer alone.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

CONDITION = "status = 'validated' AND validated_level IS NOT NULL AND skill_id IS NOT NULL"
COVERED = ['skill_id', 'person_id', 'claimed_level', 'validated_level', 'decided_at']


def upgrade():
    op.create_index('ix_assessment_validated_reviewer', 'assessment', ['reviewer_id'], unique=False,
                    postgresql_include=COVERED, postgresql_where=sa.text(CONDITION), sqlite_where=sa.text(CONDITION))


def downgrade():
    op.drop_index('ix_assessment_validated_reviewer', table_name='assessment')
