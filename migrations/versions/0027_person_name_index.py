"""person: an index in the directory's order (name, id)

The People directory lists the people by name (then id) a page at a time and
counts them: without an index in that order each page sorted every person (a
top-N sort over 100,000 rows, 60 ms) and the count read the whole table. On
PostgreSQL the index carries ``active`` too (INCLUDE), so that the count of
active people and the page read the index alone. SQLite has no INCLUDE: its
index is (name, id).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 16:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_person_name_id', 'person', ['name', 'id'], unique=False, postgresql_include=['active'])


def downgrade():
    op.drop_index('ix_person_name_id', table_name='person')
