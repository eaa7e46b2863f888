"""kept tables: their (person, skill) indexes cover the columns the gap counts read

On PostgreSQL ``ix_person_requirement_person_skill`` and ``ix_current_level_person_skill``
carry the rest of their rows' columns (INCLUDE), so that the HR gap page's summary, a
pass over every requirement row and every kept level in (person, skill) order, reads
the two indexes alone (an index-only scan) rather than each row's heap page as well:
at 100,000 people (1,119,509 requirement rows, 270,617 level rows) that pass took
about 25 % less. SQLite has no INCLUDE: its indexes stay as they are.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 12:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

COVERED = {
    'person_requirement': ('ix_person_requirement_person_skill',
                           ['required_level', 'essential', 'job_role_id', 'service_id']),
    'current_level': ('ix_current_level_person_skill',
                      ['level', 'held_from', 'valid_until', 'via_skill_id', 'self_level', 'pending', 'lapsed_at']),
}


def _remake(include: bool) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, (name, columns) in COVERED.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ['person_id', 'skill_id'], unique=False,
                        postgresql_include=columns if include else [])


def upgrade():
    _remake(include=True)


def downgrade():
    _remake(include=False)
