"""one table of bearer tokens: API and SCIM tokens

The API's tokens (api_token) and the provisioning clients' SCIM tokens
(scim_token) become rows of one table, bearer_token, whose ``kind`` says which
(``api`` or ``scim``). Every row is carried over with its hash, prefix, name,
times, revocation and expiry, so every token authenticates as before; an API
token keeps its id, a SCIM token is numbered after them (its audit events name
it by its name and prefix as well). Going down, the rows go back to their
tables with the ids they have then.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

COMMON = "name, prefix, token_hash, created_at, last_used_at, revoked_at"


def _restart_ids(table):
    """PostgreSQL: the id sequence carries on after the rows copied with their ids."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def _common_columns(table):
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=20), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint('token_hash', name=op.f(f'uq_{table}_token_hash')),
    ]


def upgrade():
    op.create_table('bearer_token',
    *_common_columns('bearer_token'),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('api', 'scim')", name=op.f('ck_bearer_token_kind')),
    sa.CheckConstraint("(kind = 'api') = (person_id IS NOT NULL)", name=op.f('ck_bearer_token_owner')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_bearer_token_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_bearer_token_created_by_id_person'), ondelete='SET NULL'),
    )
    with op.batch_alter_table('bearer_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bearer_token_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bearer_token_created_by_id'), ['created_by_id'], unique=False)
    op.execute(f"INSERT INTO bearer_token (id, kind, person_id, created_by_id, expires_at, {COMMON}) "
               f"SELECT id, 'api', person_id, NULL, expires_at, {COMMON} FROM api_token")
    op.execute(f"INSERT INTO bearer_token (id, kind, person_id, created_by_id, expires_at, {COMMON}) "
               f"SELECT id + (SELECT COALESCE(MAX(id), 0) FROM api_token), 'scim', NULL, created_by_id, NULL, {COMMON} "
               "FROM scim_token")
    _restart_ids('bearer_token')
    with op.batch_alter_table('scim_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scim_token_created_by_id'))
    op.drop_table('scim_token')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_person_id'))
    op.drop_table('api_token')


def downgrade():
    op.create_table('api_token',
    *_common_columns('api_token'),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_api_token_person_id_person'), ondelete='CASCADE'),
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_person_id'), ['person_id'], unique=False)
    op.create_table('scim_token',
    *_common_columns('scim_token'),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_scim_token_created_by_id_person'), ondelete='SET NULL'),
    )
    with op.batch_alter_table('scim_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_token_created_by_id'), ['created_by_id'], unique=False)
    op.execute(f"INSERT INTO api_token (id, person_id, expires_at, {COMMON}) "
               f"SELECT id, person_id, expires_at, {COMMON} FROM bearer_token WHERE kind = 'api'")
    op.execute(f"INSERT INTO scim_token (id, created_by_id, {COMMON}) "
               f"SELECT id, created_by_id, {COMMON} FROM bearer_token WHERE kind = 'scim'")
    _restart_ids('api_token')
    _restart_ids('scim_token')
    with op.batch_alter_table('bearer_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bearer_token_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_bearer_token_person_id'))
    op.drop_table('bearer_token')
