"""service level targets for reviews, working calendar, breaches

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 00:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sla_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.String(length=7), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_calendar'))
    )
    op.create_table('sla_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_holiday')),
    sa.UniqueConstraint('day', name=op.f('uq_sla_holiday_day'))
    )
    op.create_table('sla_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('decision_days', sa.Integer(), nullable=False),
    sa.Column('warning_days', sa.Integer(), nullable=False),
    sa.Column('reminder_days', sa.Integer(), nullable=False),
    sa.Column('campaign_completion_pct', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_sla_target_org_unit_id_org_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_target')),
    sa.UniqueConstraint('org_unit_id', name=op.f('uq_sla_target_org_unit_id'))
    )
    op.create_table('review_breach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_name', sa.String(length=200), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_to_id', sa.Integer(), nullable=True),
    sa.Column('escalated_to_name', sa.String(length=200), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cause', sa.String(length=40), nullable=True),
    sa.Column('cause_note', sa.Text(), nullable=True),
    sa.Column('action', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_review_breach_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['escalated_to_id'], ['person.id'], name=op.f('fk_review_breach_escalated_to_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_review_breach_org_unit_id_org_unit'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_review_breach_recorded_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['person.id'], name=op.f('fk_review_breach_reviewer_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_breach')),
    sa.UniqueConstraint('assessment_id', 'due_at', name=op.f('uq_review_breach_assessment_id_due_at'))
    )
    with op.batch_alter_table('review_breach', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_breach_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_breach_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_breach_escalated_to_id'), ['escalated_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_breach_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_breach_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('review_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_name', sa.String(length=200), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('working_days', sa.Float(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_review_decision_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_review_decision_org_unit_id_org_unit'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['person.id'], name=op.f('fk_review_decision_reviewer_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decision'))
    )
    with op.batch_alter_table('review_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_decision_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_decision_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_decision_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_decision_reviewer_id'), ['reviewer_id'], unique=False)

    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('assigned_reviewer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_assessment_assigned_reviewer_id'), ['assigned_reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_due_at'), ['due_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assessment_assigned_reviewer_id_person'), 'person', ['assigned_reviewer_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessment_assigned_reviewer_id_person'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assessment_due_at'))
        batch_op.drop_index(batch_op.f('ix_assessment_assigned_reviewer_id'))
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('warned_at')
        batch_op.drop_column('assigned_reviewer_id')
        batch_op.drop_column('due_at')

    with op.batch_alter_table('review_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_decision_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_review_decision_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_review_decision_decided_at'))
        batch_op.drop_index(batch_op.f('ix_review_decision_assessment_id'))

    op.drop_table('review_decision')
    with op.batch_alter_table('review_breach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_breach_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_review_breach_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_review_breach_escalated_to_id'))
        batch_op.drop_index(batch_op.f('ix_review_breach_due_at'))
        batch_op.drop_index(batch_op.f('ix_review_breach_assessment_id'))

    op.drop_table('review_breach')
    op.drop_table('sla_target')
    op.drop_table('sla_holiday')
    op.drop_table('sla_calendar')
