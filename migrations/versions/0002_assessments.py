"""assessments: self-assessment with evidence, manager validation, notifications;
framework assessment settings (evidence_required, validity_months)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:47:01.814095

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('claimed_level', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('validated_level', sa.Integer(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_assessment_framework_id_framework'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_assessment_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['person.id'], name=op.f('fk_assessment_reviewer_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_assessment_skill_id_skill'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment'))
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_framework_id'), ['framework_id'], unique=False)
        batch_op.create_index('ix_assessment_person_skill', ['person_id', 'skill_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_skill_id'), ['skill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_status'), ['status'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notification_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_person_unread', ['person_id', 'read_at'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('stored_name', sa.String(length=100), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=200), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_evidence_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_evidence_created_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_evidence_stored_name'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('descriptor_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('descriptor_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=True),
    sa.Column('verdict', sa.String(length=20), nullable=True),
    sa.Column('verdict_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_descriptor_rating_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['descriptor_id'], ['descriptor.id'], name=op.f('fk_descriptor_rating_descriptor_id_descriptor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_descriptor_rating')),
    sa.UniqueConstraint('assessment_id', 'descriptor_id', name=op.f('uq_descriptor_rating_assessment_id_descriptor_id'))
    )
    with op.batch_alter_table('descriptor_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_descriptor_rating_descriptor_id'), ['descriptor_id'], unique=False)

    op.create_table('evidence_descriptor',
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('descriptor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['descriptor_id'], ['descriptor.id'], name=op.f('fk_evidence_descriptor_descriptor_id_descriptor'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_descriptor_evidence_id_evidence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evidence_id', 'descriptor_id', name=op.f('pk_evidence_descriptor'))
    )
    with op.batch_alter_table('evidence_descriptor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_descriptor_descriptor_id'), ['descriptor_id'], unique=False)

    with op.batch_alter_table('framework', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('validity_months', sa.Integer(), server_default=sa.text('24'), nullable=False))



def downgrade():
    with op.batch_alter_table('framework', schema=None) as batch_op:
        batch_op.drop_column('validity_months')
        batch_op.drop_column('evidence_required')

    with op.batch_alter_table('evidence_descriptor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_descriptor_descriptor_id'))

    op.drop_table('evidence_descriptor')
    with op.batch_alter_table('descriptor_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_descriptor_rating_descriptor_id'))

    op.drop_table('descriptor_rating')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_assessment_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_person_unread')

    op.drop_table('notification')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_status'))
        batch_op.drop_index(batch_op.f('ix_assessment_skill_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_reviewer_id'))
        batch_op.drop_index('ix_assessment_person_skill')
        batch_op.drop_index(batch_op.f('ix_assessment_framework_id'))

    op.drop_table('assessment')
