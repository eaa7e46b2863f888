"""The floors the benchmark compares against: what the same work costs with
nothing but hand-written SQL, the DB-API cursor and the csv module."""
from __future__ import annotations

GAPS_SQL = """
WITH req AS (
  SELECT pjr.person_id, rr.skill_id, rr.min_level AS required, jr.name AS job_role, NULL AS service
    FROM person_job_role pjr
    JOIN requirement rr ON rr.job_role_id = pjr.job_role_id
    JOIN job_role jr ON jr.id = pjr.job_role_id
  UNION ALL
  SELECT ps.person_id, sr.skill_id, sr.min_level, NULL, s.name
    FROM person_service ps
    JOIN requirement sr ON sr.service_id = ps.service_id
    JOIN service s ON s.id = ps.service_id
),
v AS (
  SELECT person_id, skill_id, validated_level AS level,
         ROW_NUMBER() OVER (PARTITION BY person_id, skill_id ORDER BY decided_at DESC, id DESC) AS rn
    FROM assessment
   WHERE status = 'validated' AND validated_level IS NOT NULL AND (valid_until IS NULL OR valid_until > {now})
),
held AS (SELECT person_id, skill_id, level FROM v WHERE rn = 1),
cand AS (
  SELECT person_id, skill_id, level FROM held
  UNION ALL
  SELECT h.person_id, c.to_skill_id, MAX(c.to_level) FROM held h
    JOIN crosswalk_level c ON c.from_skill_id = h.skill_id AND c.from_level <= h.level
   GROUP BY h.person_id, c.to_skill_id, h.skill_id
  UNION ALL
  SELECT h.person_id, c.from_skill_id, MAX(c.from_level) FROM held h
    JOIN crosswalk_level c ON c.to_skill_id = h.skill_id AND c.to_level <= h.level
   GROUP BY h.person_id, c.from_skill_id, h.skill_id
),
eff AS (SELECT person_id, skill_id, MAX(level) AS level FROM cand GROUP BY person_id, skill_id),
cl AS (
  SELECT person_id, skill_id, claimed_level,
         ROW_NUMBER() OVER (PARTITION BY person_id, skill_id ORDER BY COALESCE(submitted_at, created_at) DESC, id DESC) AS rn
    FROM assessment
),
pend AS (SELECT person_id, skill_id FROM assessment WHERE status = 'submitted' GROUP BY person_id, skill_id),
expd AS (SELECT person_id, skill_id FROM assessment WHERE status = 'validated' AND valid_until <= {now} GROUP BY person_id, skill_id)
SELECT p.id, p.name, p.email, o.path, r.job_role, r.service, f.code, k.code, r.required, e.level, c.claimed_level,
       CASE WHEN e.level IS NULL THEN NULL WHEN e.level >= r.required THEN 0 ELSE r.required - e.level END,
       CASE WHEN e.level >= r.required THEN 'met'
            WHEN pd.person_id IS NOT NULL THEN 'awaiting_review'
            WHEN e.level IS NOT NULL THEN 'below'
            WHEN x.person_id IS NOT NULL THEN 'expired'
            ELSE 'not_assessed' END
  FROM req r
  JOIN person p ON p.id = r.person_id
  JOIN skill k ON k.id = r.skill_id
  JOIN framework f ON f.id = k.framework_id
  LEFT JOIN org_unit o ON o.id = p.org_unit_id
  LEFT JOIN eff e ON e.person_id = r.person_id AND e.skill_id = r.skill_id
  LEFT JOIN cl c ON c.person_id = r.person_id AND c.skill_id = r.skill_id AND c.rn = 1
  LEFT JOIN pend pd ON pd.person_id = r.person_id AND pd.skill_id = r.skill_id
  LEFT JOIN expd x ON x.person_id = r.person_id AND x.skill_id = r.skill_id
 WHERE p.active
 ORDER BY o.path{c}, p.name{c}, p.id, f.code{c}, k.code{c}, r.job_role{c}, r.service{c}
"""

HEADER = ["person_id", "person", "email", "org_unit", "job_role", "service", "framework", "skill",
          "required_level", "current_level", "self_level", "gap", "status"]


def gaps_sql(dialect: str, now_literal: str) -> str:
    collate = ' COLLATE "C"' if dialect == "postgresql" else ""
    return GAPS_SQL.format(now=now_literal, c=collate)
