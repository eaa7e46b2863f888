"""a reassigned review is not a decided one

``review_breach.reassigned_at`` and ``reassigned_to_name``: a reassignment used
to close a breach as if the review had been decided (``resolved_at``). Breaches
closed that way (no decision of the assessment at that moment) are moved over:
their ``resolved_at`` becomes ``reassigned_at``, and the review counts as
reassigned, not decided late.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_breach', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reassigned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reassigned_to_name', sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE review_breach SET reassigned_at = resolved_at, resolved_at = NULL "
        "WHERE resolved_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM review_decision d "
        "WHERE d.assessment_id = review_breach.assessment_id AND d.decided_at = review_breach.resolved_at)"
    )


def downgrade():
    op.execute("UPDATE review_breach SET resolved_at = reassigned_at WHERE resolved_at IS NULL AND reassigned_at IS NOT NULL")
    with op.batch_alter_table('review_breach', schema=None) as batch_op:
        batch_op.drop_column('reassigned_to_name')
        batch_op.drop_column('reassigned_at')
