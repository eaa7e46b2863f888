"""endorsements: colleagues asked to endorse a submitted assessment

``endorsement``: the assessment, the endorser, what the person shared (descriptor or
attribute ids, evidence ids), the endorser's answer per item and comment, and when it
was requested, answered and last reminded. One per assessment and endorser.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 00:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'endorsement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('endorser_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('shared_items', sa.JSON(), nullable=False),
        sa.Column('shared_evidence', sa.JSON(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_endorsement_assessment_id_assessment'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['endorser_id'], ['person.id'], name=op.f('fk_endorsement_endorser_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsement')),
        sa.UniqueConstraint('assessment_id', 'endorser_id', name=op.f('uq_endorsement_assessment_id_endorser_id')),
    )
    op.create_index(op.f('ix_endorsement_assessment_id'), 'endorsement', ['assessment_id'], unique=False)
    op.create_index(op.f('ix_endorsement_endorser_id'), 'endorsement', ['endorser_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_endorsement_endorser_id'), table_name='endorsement')
    op.drop_index(op.f('ix_endorsement_assessment_id'), table_name='endorsement')
    op.drop_table('endorsement')
