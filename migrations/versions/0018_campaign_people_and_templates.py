"""campaigns: people added by hand, and reusable campaign templates

``campaign_person``: people a report's "Add to the campaign" asked, besides
those the campaign's rule invites. ``campaign_template`` (and its skills in
``campaign_template_skill``): skills, a population rule and a duration, from
which HR opens campaigns again and again.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'campaign_person',
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_person_campaign_id_campaign'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_campaign_person_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('campaign_id', 'person_id', name=op.f('pk_campaign_person')),
    )
    op.create_index(op.f('ix_campaign_person_person_id'), 'campaign_person', ['person_id'], unique=False)
    op.create_table(
        'campaign_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('org_unit_id', sa.Integer(), nullable=True),
        sa.Column('job_role_id', sa.Integer(), nullable=True),
        sa.Column('service_id', sa.Integer(), nullable=True),
        sa.Column('duration_days', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_campaign_template_org_unit_id_org_unit'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['job_role_id'], ['job_role.id'], name=op.f('fk_campaign_template_job_role_id_job_role'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_campaign_template_service_id_service'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_template')),
        sa.UniqueConstraint('name', name=op.f('uq_campaign_template_name')),
    )
    op.create_index(op.f('ix_campaign_template_org_unit_id'), 'campaign_template', ['org_unit_id'], unique=False)
    op.create_index(op.f('ix_campaign_template_job_role_id'), 'campaign_template', ['job_role_id'], unique=False)
    op.create_index(op.f('ix_campaign_template_service_id'), 'campaign_template', ['service_id'], unique=False)
    op.create_table(
        'campaign_template_skill',
        sa.Column('template_id', sa.Integer(), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['template_id'], ['campaign_template.id'],
                                name=op.f('fk_campaign_template_skill_template_id_campaign_template'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_campaign_template_skill_skill_id_skill'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('template_id', 'skill_id', name=op.f('pk_campaign_template_skill')),
    )
    op.create_index(op.f('ix_campaign_template_skill_skill_id'), 'campaign_template_skill', ['skill_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_campaign_template_skill_skill_id'), table_name='campaign_template_skill')
    op.drop_table('campaign_template_skill')
    op.drop_index(op.f('ix_campaign_template_service_id'), table_name='campaign_template')
    op.drop_index(op.f('ix_campaign_template_job_role_id'), table_name='campaign_template')
    op.drop_index(op.f('ix_campaign_template_org_unit_id'), table_name='campaign_template')
    op.drop_table('campaign_template')
    op.drop_index(op.f('ix_campaign_person_person_id'), table_name='campaign_person')
    op.drop_table('campaign_person')
