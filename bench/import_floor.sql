-- The people import's floor: what the same result costs in set-wise SQL alone.
-- psql -v csv=FILE -1 -f bench/import_floor.sql: the CSV copied into a staging
-- table, then one statement each for the org units (every prefix of every path,
-- parents found by path in the same statement), the people, their line
-- managers, and their roles. Lowercased emails, trimmed names and the checks
-- (unique numbers and emails, managers that exist, no cycles) as the product makes them.
CREATE TEMP TABLE staging (line serial, employee_number text, email text, name text, job_title text, org_unit text,
                           manager text, roles text) ON COMMIT DROP;
\set copy '\\copy staging (employee_number, email, name, job_title, org_unit, manager, roles) FROM ' :'csv' ' WITH (FORMAT csv, HEADER)'
:copy
UPDATE staging SET email = lower(trim(email)), name = trim(name), employee_number = trim(employee_number),
                   org_unit = nullif(trim(both '/' from trim(org_unit)), ''), manager = nullif(trim(manager), '');
ANALYZE staging;
-- The checks: each finds nothing here, as the product's do for this file.
SELECT line, 'employee_number' FROM (SELECT line, count(*) OVER (PARTITION BY employee_number) n FROM staging) d WHERE n > 1
UNION ALL SELECT line, 'email' FROM (SELECT line, count(*) OVER (PARTITION BY email) n FROM staging) d WHERE n > 1
UNION ALL SELECT s.line, 'manager' FROM staging s WHERE s.manager IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM staging m WHERE m.employee_number = s.manager)
     AND NOT EXISTS (SELECT 1 FROM staging m WHERE m.email = lower(s.manager))
     AND NOT EXISTS (SELECT 1 FROM person p WHERE p.employee_number = s.manager)
     AND NOT EXISTS (SELECT 1 FROM person p WHERE p.email = lower(s.manager))
LIMIT 1;
WITH RECURSIVE up (start, at, steps) AS (
    SELECT s.employee_number, m.employee_number, 1 FROM staging s JOIN staging m ON m.employee_number = s.manager
    UNION ALL
    SELECT up.start, m.employee_number, up.steps + 1 FROM up JOIN staging s ON s.employee_number = up.at
      JOIN staging m ON m.employee_number = s.manager WHERE up.at <> up.start AND up.steps < 10000)
SELECT start FROM up WHERE at = start LIMIT 1;
WITH parts AS (
    SELECT DISTINCT array_to_string(p[1:n], '/') AS path, p[n] AS name, array_to_string(p[1:n - 1], '/') AS parent
      FROM (SELECT DISTINCT string_to_array(org_unit, '/') AS p FROM staging WHERE org_unit IS NOT NULL) u,
           generate_series(1, cardinality(p)) AS n),
new AS (SELECT nextval('org_unit_id_seq') AS id, parts.* FROM parts WHERE NOT EXISTS (SELECT 1 FROM org_unit o WHERE o.path = parts.path))
INSERT INTO org_unit (id, name, path, parent_id)
SELECT n.id, n.name, n.path, coalesce(p.id, o.id) FROM new n LEFT JOIN new p ON p.path = n.parent LEFT JOIN org_unit o ON o.path = n.parent;
INSERT INTO person (email, name, employee_number, job_title, active, password_hash, session_version, org_unit_id, created_at, updated_at)
SELECT s.email, s.name, s.employee_number, nullif(trim(s.job_title), ''), true, NULL, 1, o.id, now(), now()
  FROM staging s LEFT JOIN org_unit o ON o.path = s.org_unit ORDER BY s.line;
UPDATE person p SET manager_id = coalesce(by_number.id, by_email.id)
  FROM staging s LEFT JOIN person by_number ON by_number.employee_number = s.manager
       LEFT JOIN person by_email ON by_email.email = lower(s.manager)
 WHERE p.employee_number = s.employee_number AND s.manager IS NOT NULL;
INSERT INTO person_role (person_id, role)
SELECT p.id, trim(r) FROM staging s JOIN person p ON p.employee_number = s.employee_number,
       unnest(string_to_array(s.roles, ';')) AS r WHERE trim(r) <> '';
