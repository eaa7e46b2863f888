"""editorial or substantive: how a descriptor's change in a new version is meant

``descriptor.change``: "editorial" (wording only; levels held carry over to the
new version) or "substantive" (holders revalidate); unmarked, a change counts
as substantive.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 17:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('descriptor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change', sa.String(length=12), nullable=True))


def downgrade():
    with op.batch_alter_table('descriptor', schema=None) as batch_op:
        batch_op.drop_column('change')
