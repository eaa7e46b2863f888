"""assessment campaigns, snapshots

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 00:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('org_unit_path', sa.String(length=1000), nullable=True),
    sa.Column('job_role_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('last_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['person.id'], name=op.f('fk_campaign_closed_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_campaign_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_role_id'], ['job_role.id'], name=op.f('fk_campaign_job_role_id_job_role'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_campaign_org_unit_id_org_unit'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_campaign_service_id_service'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_job_role_id'), ['job_role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_status'), ['status'], unique=False)

    op.create_table('campaign_skill',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_skill_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_campaign_skill_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'skill_id', name=op.f('pk_campaign_skill'))
    )
    with op.batch_alter_table('campaign_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_skill_skill_id'), ['skill_id'], unique=False)

    op.create_table('campaign_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('org_unit', sa.String(length=1000), nullable=True),
    sa.Column('manager', sa.String(length=200), nullable=True),
    sa.Column('skill_id', sa.Integer(), nullable=True),
    sa.Column('framework', sa.String(length=50), nullable=False),
    sa.Column('framework_version', sa.String(length=50), nullable=False),
    sa.Column('skill', sa.String(length=50), nullable=False),
    sa.Column('skill_name', sa.String(length=300), nullable=False),
    sa.Column('job_role', sa.String(length=200), nullable=True),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('required_level', sa.Integer(), nullable=True),
    sa.Column('current_level', sa.Integer(), nullable=True),
    sa.Column('self_level', sa.Integer(), nullable=True),
    sa.Column('gap', sa.Integer(), nullable=True),
    sa.Column('gap_status', sa.String(length=20), nullable=True),
    sa.Column('progress', sa.String(length=20), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_result_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_campaign_result_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_campaign_result_skill_id_skill'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_result'))
    )
    with op.batch_alter_table('campaign_result', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_result_campaign_person', ['campaign_id', 'person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_result_skill_id'), ['skill_id'], unique=False)

    # Revalidation copies evidence rows that point at the same stored file.
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('copied_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_evidence_copied_from_id_evidence'), 'evidence', ['copied_from_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(batch_op.f('uq_evidence_stored_name'), type_='unique')
        batch_op.create_index(batch_op.f('ix_evidence_stored_name'), ['stored_name'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_stored_name'))
        batch_op.create_unique_constraint(batch_op.f('uq_evidence_stored_name'), ['stored_name'])
        batch_op.drop_constraint(batch_op.f('fk_evidence_copied_from_id_evidence'), type_='foreignkey')
        batch_op.drop_column('copied_from_id')

    with op.batch_alter_table('campaign_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_result_skill_id'))
        batch_op.drop_index('ix_campaign_result_campaign_person')
    op.drop_table('campaign_result')
    with op.batch_alter_table('campaign_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_skill_skill_id'))
    op.drop_table('campaign_skill')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_status'))
        batch_op.drop_index(batch_op.f('ix_campaign_service_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_job_role_id'))
    op.drop_table('campaign')
