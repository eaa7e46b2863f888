"""campaign reminders, one row a person reminded

``campaign_reminder``: who was reminded for which campaign, and when, so that a
person is not reminded again within the cooldown (``REMINDER_COOLDOWN_DAYS``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'campaign_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_reminder_campaign_id_campaign'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_campaign_reminder_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_reminder')),
    )
    op.create_index('ix_campaign_reminder_campaign_person', 'campaign_reminder', ['campaign_id', 'person_id', 'sent_at'],
                    unique=False)
    op.create_index(op.f('ix_campaign_reminder_person_id'), 'campaign_reminder', ['person_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_campaign_reminder_person_id'), table_name='campaign_reminder')
    op.drop_index('ix_campaign_reminder_campaign_person', table_name='campaign_reminder')
    op.drop_table('campaign_reminder')
