"""one open assessment per person and skill

A partial unique index on assessment (person_id, skill_id) where the status is
draft, submitted or returned. Duplicates made before it (a double click on
"Start self-assessment") are resolved first: per person and skill, the one
furthest on is kept (submitted, then returned, then draft; then the one with
most ratings and evidence; then the latest). The others are deleted when they
are drafts holding nothing (no rating, no evidence), else closed as rejected with a comment
saying which assessment they duplicate, and an audit event.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 13:45:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OPEN = "status IN ('draft', 'submitted', 'returned')"


def _resolve_duplicates(connection) -> None:
    groups = connection.execute(sa.text(
        f"SELECT person_id, skill_id FROM assessment WHERE {OPEN} GROUP BY person_id, skill_id HAVING COUNT(*) > 1"
    )).all()
    now = datetime.now(timezone.utc)
    for person_id, skill_id in groups:
        rows = connection.execute(sa.text(
            "SELECT id, status, ratings, evidence FROM ("
            " SELECT a.id, a.status, a.updated_at,"
            " (SELECT COUNT(*) FROM descriptor_rating r WHERE r.assessment_id = a.id AND r.rating IS NOT NULL) AS ratings,"
            " (SELECT COUNT(*) FROM evidence e WHERE e.assessment_id = a.id) AS evidence"
            f" FROM assessment a WHERE a.person_id = :p AND a.skill_id = :s AND a.{OPEN}) AS open_ones "
            "ORDER BY CASE status WHEN 'submitted' THEN 0 WHEN 'returned' THEN 1 ELSE 2 END, "
            "ratings + evidence DESC, updated_at DESC, id DESC"
        ), {"p": person_id, "s": skill_id}).all()
        keep = rows[0][0]
        for assessment_id, status, ratings, evidence in rows[1:]:
            if status == 'draft' and not ratings and not evidence:
                connection.execute(sa.text("DELETE FROM descriptor_rating WHERE assessment_id = :a"), {"a": assessment_id})
                connection.execute(sa.text("DELETE FROM assessment WHERE id = :a"), {"a": assessment_id})
                continue
            comment = f"Closed as a duplicate of assessment {keep}: one assessment per person and skill is open at a time."
            connection.execute(sa.text(
                "UPDATE assessment SET status = 'rejected', decision_comment = :c, decided_at = :now, "
                "version = version + 1 WHERE id = :a"), {"c": comment, "now": now, "a": assessment_id})
            connection.execute(sa.text(
                "INSERT INTO audit_event (at, actor_id, actor_label, action, entity_type, entity_id, summary, data) "
                "VALUES (:now, NULL, 'system', 'assessment.rejected', 'assessment', :a, :summary, :data)"
            ).bindparams(sa.bindparam("data", type_=sa.JSON())),
                {"now": now, "a": assessment_id, "summary": f"{status} → rejected — {comment}",
                 "data": {"from": status, "to": "rejected", "comment": comment, "duplicate_of": keep}})


def upgrade():
    _resolve_duplicates(op.get_bind())
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('uq_assessment_open_person_skill', ['person_id', 'skill_id'], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('uq_assessment_open_person_skill')
