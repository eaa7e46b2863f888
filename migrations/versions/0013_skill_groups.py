"""frameworks as trees: groups of skills nested to any depth

skill_group holds a framework's groups (code, name, description, parent, order);
a skill sits in one (skill.group_id). The skills' category and subcategory are
carried into groups: per framework, in the skills' order, a top group for each
category and below it a group for each subcategory (a subcategory without a
category becomes a top group), each coded from its name as the importers code
groups known by name only. skill.category and skill.subcategory go. Going down,
a skill's category is the name of the topmost group above it and its
subcategory the name of the group it sits in (when below the topmost); groups'
codes, descriptions, and the groups between are not carried down.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 16:40:00

"""
import re
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _code(name, taken):
    # As skills_app.importers.document.group_code (kept here: a migration does not follow the code's changes).
    base = re.sub(r"[^A-Za-z0-9._\-]+", "-", name.strip()).strip("-._")[:40].rstrip("-._") or "group"
    code, n = base, 2
    while code.upper() in taken:
        code = f"{base[:36].rstrip('-._')}-{n}"
        n += 1
    return code


@contextmanager
def _foreign_keys_off():
    """SQLite copies a table to change it: with foreign keys on, dropping the old skill
    table would delete the rows that refer to it (levels, assessments ...). The pragma
    only changes outside a transaction."""
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
    op.create_table('skill_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_skill_group_framework_id_framework'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['skill_group.id'], name=op.f('fk_skill_group_parent_id_skill_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_group')),
    sa.UniqueConstraint('framework_id', 'code', name=op.f('uq_skill_group_framework_id_code'))
    )
    with op.batch_alter_table('skill_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_group_parent_id'), ['parent_id'], unique=False)
    with _foreign_keys_off():
        with op.batch_alter_table('skill', schema=None) as batch_op:
            batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_skill_group_id'), ['group_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_skill_group_id_skill_group'), 'skill_group', ['group_id'], ['id'], ondelete='SET NULL')

    conn = op.get_bind()
    group = sa.table('skill_group', sa.column('id', sa.Integer), sa.column('framework_id', sa.Integer),
                     sa.column('parent_id', sa.Integer), sa.column('position', sa.Integer),
                     sa.column('code', sa.String), sa.column('name', sa.String))
    rows = conn.execute(sa.text("SELECT id, framework_id, category, subcategory FROM skill "
                                "WHERE category IS NOT NULL OR subcategory IS NOT NULL ORDER BY framework_id, position, id")).all()
    made = {}  # (framework_id, parent id, name) -> group id
    taken = {}  # framework_id -> codes (upper case)
    positions = {}
    for skill_id, framework_id, category, subcategory in rows:
        names = [n for n in (category, subcategory) if n]
        parent = None
        for name in names:
            key = (framework_id, parent, name)
            if key not in made:
                codes = taken.setdefault(framework_id, set())
                code = _code(name, codes)
                codes.add(code.upper())
                position = positions.get(framework_id, 0)
                positions[framework_id] = position + 1
                result = conn.execute(group.insert().values(framework_id=framework_id, parent_id=parent, position=position,
                                                            code=code, name=name).returning(group.c.id))
                made[key] = result.scalar_one()
            parent = made[key]
        conn.execute(sa.text("UPDATE skill SET group_id = :g WHERE id = :s"), {"g": parent, "s": skill_id})

    with _foreign_keys_off():
        with op.batch_alter_table('skill', schema=None) as batch_op:
            batch_op.drop_column('subcategory')
            batch_op.drop_column('category')


def downgrade():
    op.add_column('skill', sa.Column('category', sa.String(length=200), nullable=True))
    op.add_column('skill', sa.Column('subcategory', sa.String(length=200), nullable=True))
    conn = op.get_bind()
    groups = {gid: (parent, name) for gid, parent, name in conn.execute(sa.text("SELECT id, parent_id, name FROM skill_group"))}
    for skill_id, group_id in conn.execute(sa.text("SELECT id, group_id FROM skill WHERE group_id IS NOT NULL")).all():
        chain, current = [], group_id
        while current is not None and current not in chain:
            chain.append(current)
            current = groups[current][0]
        names = [groups[g][1] for g in reversed(chain)]
        conn.execute(sa.text("UPDATE skill SET category = :c, subcategory = :s WHERE id = :id"),
                     {"c": names[0], "s": names[-1] if len(names) > 1 else None, "id": skill_id})
    with _foreign_keys_off():
        with op.batch_alter_table('skill', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_skill_group_id_skill_group'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_skill_group_id'))
            batch_op.drop_column('group_id')
    with op.batch_alter_table('skill_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skill_group_parent_id'))
    op.drop_table('skill_group')
