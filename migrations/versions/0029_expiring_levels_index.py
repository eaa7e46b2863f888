"""current_level: an index of the direct levels by their end; person: an index of the inactive

``ix_current_level_expiring``: the kept levels held directly of a skill (no
crosswalk, a level), by ``valid_until``, carrying (PostgreSQL: INCLUDE) the
person, skill, level and ``held_from``. The revalidation page lists the levels
that count now and end within a window, soonest first, a page at a time: at
100,000 people (20,343 in 90 days) its page is read from this index in
``valid_until`` order, 51 rows, and its total counted from the index alone.

``ix_person_inactive``: the people who are not active (a partial index; few),
so that a count of active people's rows leaves them out by an anti-join on
this index instead of reading every person (34 ms at 100,000 people).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

DIRECT = "skill_id IS NOT NULL AND via_skill_id IS NULL AND level IS NOT NULL"
INACTIVE = "NOT active"


def upgrade():
    op.create_index('ix_current_level_expiring', 'current_level', ['valid_until'], unique=False,
                    postgresql_include=['person_id', 'skill_id', 'level', 'held_from'],
                    postgresql_where=sa.text(DIRECT), sqlite_where=sa.text(DIRECT))
    op.create_index('ix_person_inactive', 'person', ['id'], unique=False,
                    postgresql_where=sa.text(INACTIVE), sqlite_where=sa.text(INACTIVE))


def downgrade():
    op.drop_index('ix_person_inactive', table_name='person')
    op.drop_index('ix_current_level_expiring', table_name='current_level')
