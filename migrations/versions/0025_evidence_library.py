"""evidence library: a person's evidence items, attached to assessments

``evidence_item``: a piece of evidence in its person's library (a text, a link, or a
file, a file or link with a note; a title the person may change; one item per stored
file). ``evidence`` becomes the attachment of an item to an assessment, with the same
ids (pages, downloads, endorsements' shared evidence and the API keep their numbers)
and the same descriptor and attribute links: what the evidence is moves to the item.

Every ``evidence`` row gets an item. Rows that carry the same stored file, and rows
carried over by a revalidation (``copied_from_id``) with the same content as the row
they came from, are one item with several attachments; the item's id is the smallest
evidence id of its group, its owner the person of that row's assessment, its date
the earliest. Going down gives every attachment its item's content back (items that
no assessment attaches, which did not exist before, go; their files are then found
by ``skills-app evidence sweep``).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 09:10:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

CONTENT = ('kind', 'text', 'url', 'stored_name', 'original_name', 'content_type', 'size', 'sha256')
BATCH = 1000


@contextmanager
def _foreign_keys_off():
    """SQLite copies a table to drop a column: with foreign keys on, dropping the old
    table would delete the rows that refer to it (evidence_descriptor, evidence_attribute).
    The pragma only changes outside a transaction."""
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


def _restart_ids(table):
    """PostgreSQL: the id sequence carries on after the rows copied with their ids."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def _title(row) -> str:
    if row['kind'] == 'file' and row['original_name']:
        title = row['original_name']
    elif row['kind'] == 'link' and row['url']:
        title = row['url']
    else:
        # A text's start (80 characters), as the library names new text evidence.
        title = ' '.join((row['text'] or '').split()) or 'Evidence'
        return title if len(title) <= 80 else title[:79].rstrip() + '…'
    return title if len(title) <= 200 else title[:199] + '…'


def _groups(rows):
    """The evidence rows that are one item: those of one stored file, and a revalidation's
    copies with the content of the row they came from. Returns {evidence id: root id}."""
    parent = {r['id']: r['id'] for r in rows}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a, b):
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    by_id = {r['id']: r for r in rows}
    first_holder = {}
    for r in rows:
        if r['stored_name']:
            if r['stored_name'] in first_holder:
                union(first_holder[r['stored_name']], r['id'])
            else:
                first_holder[r['stored_name']] = r['id']
    for r in rows:
        source = by_id.get(r['copied_from_id'])
        if source is not None and all(source[c] == r[c] for c in CONTENT) and source['person_id'] == r['person_id']:
            union(source['id'], r['id'])
    return {i: find(i) for i in parent}


def upgrade():
    op.create_table(
        'evidence_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('stored_name', sa.String(length=100), nullable=True),
        sa.Column('original_name', sa.String(length=255), nullable=True),
        sa.Column('content_type', sa.String(length=200), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_evidence_item_person_id_person'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_item')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_evidence_item_stored_name')),
    )
    op.create_index(op.f('ix_evidence_item_person_id'), 'evidence_item', ['person_id'], unique=False)
    op.add_column('evidence', sa.Column('item_id', sa.Integer(), nullable=True))

    conn = op.get_bind()
    rows = [dict(r._mapping) for r in conn.execute(sa.text(
        "SELECT e.id, a.person_id, e.kind, e.text, e.url, e.stored_name, e.original_name, e.content_type, e.size, "
        "e.sha256, e.created_at, e.copied_from_id FROM evidence e JOIN assessment a ON a.id = e.assessment_id ORDER BY e.id"))]
    root_of = _groups(rows)
    by_id = {r['id']: r for r in rows}
    items = {}
    for r in rows:
        root = root_of[r['id']]
        item = items.get(root)
        if item is None:
            source = by_id[root]
            items[root] = {'id': root, 'person_id': source['person_id'], 'title': _title(source), 'created_at': source['created_at'],
                           **{c: source[c] for c in CONTENT}}
        elif r['created_at'] is not None and (item['created_at'] is None or r['created_at'] < item['created_at']):
            item['created_at'] = r['created_at']
    insert = sa.text("INSERT INTO evidence_item (id, person_id, kind, title, text, url, stored_name, original_name, content_type, "
                     "size, sha256, created_at) VALUES (:id, :person_id, :kind, :title, :text, :url, :stored_name, :original_name, "
                     ":content_type, :size, :sha256, :created_at)")
    values = list(items.values())
    for start in range(0, len(values), BATCH):
        conn.execute(insert, values[start:start + BATCH])
    links = [{'id': i, 'item_id': root} for i, root in sorted(root_of.items())]
    for start in range(0, len(links), BATCH):
        conn.execute(sa.text("UPDATE evidence SET item_id = :item_id WHERE id = :id"), links[start:start + BATCH])
    _restart_ids('evidence_item')

    with _foreign_keys_off():
        with op.batch_alter_table('evidence', schema=None) as batch_op:
            batch_op.alter_column('item_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(batch_op.f('fk_evidence_item_id_evidence_item'), 'evidence_item', ['item_id'], ['id'],
                                        ondelete='CASCADE')
            batch_op.create_index(batch_op.f('ix_evidence_item_id'), ['item_id'], unique=False)
            batch_op.drop_index(batch_op.f('ix_evidence_stored_name'))
            for column in reversed(CONTENT):
                batch_op.drop_column(column)


def downgrade():
    op.add_column('evidence', sa.Column('kind', sa.String(length=10), nullable=True))
    op.add_column('evidence', sa.Column('text', sa.Text(), nullable=True))
    op.add_column('evidence', sa.Column('url', sa.String(length=2000), nullable=True))
    op.add_column('evidence', sa.Column('stored_name', sa.String(length=100), nullable=True))
    op.add_column('evidence', sa.Column('original_name', sa.String(length=255), nullable=True))
    op.add_column('evidence', sa.Column('content_type', sa.String(length=200), nullable=True))
    op.add_column('evidence', sa.Column('size', sa.Integer(), nullable=True))
    op.add_column('evidence', sa.Column('sha256', sa.String(length=64), nullable=True))
    for column in CONTENT:
        op.execute(f"UPDATE evidence SET {column} = (SELECT i.{column} FROM evidence_item i WHERE i.id = evidence.item_id)")
    with _foreign_keys_off():
        with op.batch_alter_table('evidence', schema=None) as batch_op:
            batch_op.alter_column('kind', existing_type=sa.String(length=10), nullable=False)
            batch_op.create_index(batch_op.f('ix_evidence_stored_name'), ['stored_name'], unique=False)
            batch_op.drop_index(batch_op.f('ix_evidence_item_id'))
            batch_op.drop_constraint(batch_op.f('fk_evidence_item_id_evidence_item'), type_='foreignkey')
            batch_op.drop_column('item_id')
    op.drop_index(op.f('ix_evidence_item_person_id'), table_name='evidence_item')
    op.drop_table('evidence_item')
