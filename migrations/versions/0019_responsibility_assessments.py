"""levels of responsibility assessed: responsibility assessments, their attribute
claims and evidence, and a job role's required responsibility level

``assessment.kind``: "skill" (as before) or "responsibility" (no skill; one
``attribute_claim`` per generic attribute of the framework, evidence linked to
attributes through ``evidence_attribute``); one open responsibility assessment
per person. ``job_role.responsibility_level``: the level of responsibility a role
needs (optional).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 23:50:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OPEN = "status IN ('draft', 'submitted', 'returned')"
OPEN_RESPONSIBILITY = "kind = 'responsibility' AND status IN ('draft', 'submitted', 'returned')"


@contextmanager
def _foreign_keys_off():
    """SQLite copies a table to change a column: with foreign keys on, dropping the old
    table would delete the rows that refer to it. The pragma only changes outside a transaction."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if sqlite:
            with op.get_context().autocommit_block():
                op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    op.create_table(
        'attribute_claim',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('attribute_id', sa.Integer(), nullable=False),
        sa.Column('claimed_level', sa.Integer(), nullable=False),
        sa.Column('validated_level', sa.Integer(), nullable=True),
        sa.Column('verdict_comment', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_attribute_claim_assessment_id_assessment'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['attribute_id'], ['framework_attribute.id'],
                                name=op.f('fk_attribute_claim_attribute_id_framework_attribute'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attribute_claim')),
        sa.UniqueConstraint('assessment_id', 'attribute_id', name=op.f('uq_attribute_claim_assessment_id_attribute_id')),
    )
    op.create_index(op.f('ix_attribute_claim_attribute_id'), 'attribute_claim', ['attribute_id'], unique=False)
    op.create_table(
        'evidence_attribute',
        sa.Column('evidence_id', sa.Integer(), nullable=False),
        sa.Column('attribute_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_attribute_evidence_id_evidence'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['attribute_id'], ['framework_attribute.id'],
                                name=op.f('fk_evidence_attribute_attribute_id_framework_attribute'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('evidence_id', 'attribute_id', name=op.f('pk_evidence_attribute')),
    )
    op.create_index(op.f('ix_evidence_attribute_attribute_id'), 'evidence_attribute', ['attribute_id'], unique=False)
    # The partial index is made again after the table is (on SQLite) rebuilt.
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('uq_assessment_open_person_skill')
    with _foreign_keys_off():
        with op.batch_alter_table('assessment', schema=None) as batch_op:
            batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='skill', nullable=False))
            batch_op.alter_column('skill_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('uq_assessment_open_person_skill', ['person_id', 'skill_id'], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
        batch_op.create_index('uq_assessment_open_responsibility', ['person_id'], unique=True,
                              sqlite_where=sa.text(OPEN_RESPONSIBILITY), postgresql_where=sa.text(OPEN_RESPONSIBILITY))
    with op.batch_alter_table('job_role', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsibility_level', sa.Integer(), nullable=True))


def downgrade():
    with _foreign_keys_off():
        with op.batch_alter_table('job_role', schema=None) as batch_op:
            batch_op.drop_column('responsibility_level')
    # Responsibility assessments have no skill: they go (with their claims, evidence and ratings).
    op.execute("DELETE FROM assessment WHERE kind = 'responsibility'")
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('uq_assessment_open_responsibility')
        batch_op.drop_index('uq_assessment_open_person_skill')
    with _foreign_keys_off():
        with op.batch_alter_table('assessment', schema=None) as batch_op:
            batch_op.alter_column('skill_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column('kind')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('uq_assessment_open_person_skill', ['person_id', 'skill_id'], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.drop_index(op.f('ix_evidence_attribute_attribute_id'), table_name='evidence_attribute')
    op.drop_table('evidence_attribute')
    op.drop_index(op.f('ix_attribute_claim_attribute_id'), table_name='attribute_claim')
    op.drop_table('attribute_claim')
