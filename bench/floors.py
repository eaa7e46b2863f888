"""`make bench` against true floors: each figure of the product beside what the
same result costs the database alone, in the same run, interleaved, min and
median of three.

* Reports (gap CSV, gap JSON, gap JSON grouped by org unit): the product is
  ``skills-app report gaps`` writing a file, start-up included; the floor is
  ``COPY (the gap statement) TO STDOUT WITH (FORMAT csv, HEADER)`` run by psql
  into a file, with the same settings (jit off, REPORT_WORK_MEM). The gap
  statement is the product's own (services/gaps.py), its contract columns only.
* The gap report as a workbook (``report gaps --format xlsx``), once: its time, size and
  peak memory (no floor: the database writes no XLSX).
* People import (a fresh database each time, copied from a migrated template):
  the product is ``skills-app people import FILE``; the floor is
  bench/import_floor.sql: COPY into a staging table, the checks, and one
  set-wise statement each for org units, people, managers and roles.
* HR gap report page: cold (the report cache empty, the process's first page of it), cold in a
  process that has served it (the cache emptied as a recorded change empties it), and warm, one
  client, in-process; and its next page by keyset (the link's cursor), cold and warm.
* The review badge: its one statement, for a manager and for HR, in-process.
* The skills finder (issue 21): two searches, each's first page and a later page by
  keyset, cold and warm, in-process; the floor is the same page and total from one
  hand-written statement, run by psql with ``\timing``.
* Every page of every role, warm, one client, in-process: each role's pages reached by links (one per route
  shape) and its filtered reports, median of three after a first request, with the statements each issues.
* CLI start-up: ``skills-app report --help``.
* Peak memory of every command run (the product's and psql's), from the rusage of each
  process: the target is under 500 MB for any command.

Usage: python bench/floors.py --url postgresql+psycopg://.../db [--rounds 3]
       [--import-template DB] [--people-csv N]
The database at --url holds the generated organisation (skills-app demo generate).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
TARGETS = {"gap CSV": 1.2, "gap JSON": 1.5, "gap JSON grouped": 1.5, "people import": 1.5}


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "FLASK_APP": "skills_app:create_app"}


def _psql_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# The highest resident set of each command the benchmark ran (by its first two words past
# the program: "report gaps", "people import"), in MB, from wait4's rusage of that process.
PEAK_MB: dict[str, float] = {}
PEAK_TARGET_MB = 500


def timed(cmd: list[str], env: dict, stdout=subprocess.DEVNULL, label: str | None = None) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, cmd)
    name = label or Path(cmd[0]).name + " " + " ".join(a for a in cmd[1:3] if not a.startswith("-") and "/" not in a)
    PEAK_MB[name.strip()] = max(PEAK_MB.get(name.strip(), 0), usage.ru_maxrss / 1024)  # Linux: kB
    return elapsed


def copy_script(url: str) -> str:
    """The floor's SQL: the product's gap statement (its contract columns), parameters inlined."""
    code = r"""
import sys
from skills_app import create_app
app = create_app({"REPORT_CACHE": False})
with app.app_context():
    import psycopg
    from skills_app.extensions import db
    from skills_app.reports.gaps import COLUMNS
    from skills_app.services import gaps
    full = gaps.gap_select()
    stmt = full.with_only_columns(*[c for c in full.selected_columns if c.key in COLUMNS])
    conn = db.session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    print(psycopg.ClientCursor(conn.connection.driver_connection).mogrify(str(compiled), compiled.construct_params()))
    print("--work_mem=" + str(app.config.get("REPORT_WORK_MEM")))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(url), check=True, capture_output=True, text=True).stdout
    sql, work_mem = out.rsplit("--work_mem=", 1)
    return (f"SET jit = off;\nSET work_mem = '{work_mem.strip()}';\n"
            f"COPY ({sql.strip()}) TO STDOUT WITH (FORMAT csv, HEADER);\n")


def reports(url: str, rounds: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="skills-bench-"))
    script = tmp / "floor.sql"
    script.write_text(copy_script(url))
    kinds = {
        "gap CSV": ["--format", "csv"],
        "gap JSON": ["--format", "json"],
        "gap JSON grouped": ["--format", "json", "--group-by", "org_unit"],
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    floors: list[float] = []
    sizes = {}
    for r in range(rounds):
        for kind, args in kinds.items():
            out = tmp / f"product-{kind.replace(' ', '-')}"
            times[kind].append(timed([str(BIN / "skills-app"), "report", "gaps", *args, "--output", str(out)], _env(url)))
            sizes[kind] = out.stat().st_size
            out.unlink()
            with (tmp / "floor.csv").open("wb") as target:
                floors.append(timed(["psql", "-X", "-q", "-d", _psql_url(url), "-f", str(script)], os.environ, stdout=target))
            sizes["floor"] = (tmp / "floor.csv").stat().st_size
            print(f"  round {r + 1}: {kind} {times[kind][-1]:.2f} s, floor {floors[-1]:.2f} s", file=sys.stderr)
    return {"times": times, "floors": floors, "bytes": sizes}


def xlsx_export(url: str) -> dict:
    """The gap report as a workbook, once (no floor: the database writes no XLSX): its
    time, its rows and its file's size; its peak memory goes with the others."""
    out = Path(tempfile.mkdtemp(prefix="skills-bench-")) / "gaps.xlsx"
    seconds = timed([str(BIN / "skills-app"), "report", "gaps", "--format", "xlsx", "--output", str(out)], _env(url),
                    label="skills-app report gaps (XLSX)")
    size = out.stat().st_size
    out.unlink()
    print(f"  gap XLSX {seconds:.1f} s, {size / 1e6:.0f} MB", file=sys.stderr)
    return {"seconds": seconds, "bytes": size}


def people_import(template: str, url: str, rounds: int, n: int) -> dict:
    """The product's import and the set-wise floor, each on a fresh copy of ``template``."""
    import psycopg

    from skills_app.devdata import synthetic

    csv_path = Path(tempfile.mkdtemp(prefix="skills-bench-")) / "people.csv"
    csv_path.write_text(synthetic.people_csv(n, seed=7))
    admin = _psql_url(url).rsplit("/", 1)[0] + "/postgres"
    target = url.rsplit("/", 1)[1] + "_import"  # beside the benchmark's database, named after it
    target_url = url.rsplit("/", 1)[0] + "/" + target

    def fresh():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {target}")
            conn.execute(f"CREATE DATABASE {target} TEMPLATE {template}")

    def counts():
        with psycopg.connect(_psql_url(target_url)) as conn:
            return conn.execute("SELECT (SELECT count(*) FROM person), (SELECT count(manager_id) FROM person),"
                                " (SELECT count(*) FROM org_unit), (SELECT count(*) FROM person_role)").fetchone()

    product, floor, results = [], [], {}
    for r in range(rounds):
        fresh()
        product.append(timed([str(BIN / "skills-app"), "people", "import", str(csv_path)], _env(target_url)))
        results["product"] = counts()
        fresh()
        floor.append(timed(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"csv={csv_path}", "-1", "-d", _psql_url(target_url),
                            "-f", str(ROOT / "bench" / "import_floor.sql")], os.environ))
        results["floor"] = counts()
        print(f"  round {r + 1}: people import {product[-1]:.2f} s, floor {floor[-1]:.2f} s", file=sys.stderr)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {target}")
    return {"times": product, "floors": floor, "rows": n, "same_result": results["product"] == results["floor"],
            "counts": results}


def in_process(url: str) -> dict:
    """The HR gap report page cold and warm, and the review badge, one client."""
    code = r"""
import json, time, statistics
from skills_app import create_app
app = create_app({"WTF_CSRF_ENABLED": False})
with app.app_context():
    from sqlalchemy import select, func
    from skills_app.extensions import db
    from skills_app.models import Person, PersonRole, Assessment
    from skills_app.services import assessments
    hr = db.session.scalar(select(Person).join(PersonRole).where(PersonRole.role == "hr").order_by(Person.id).limit(1))
    manager = db.session.get(Person, db.session.scalar(
        select(Person.manager_id).join(Assessment, Assessment.person_id == Person.id)
        .where(Assessment.status == "submitted", Person.manager_id.is_not(None))
        .group_by(Person.manager_id).order_by(func.count().desc()).limit(1)))
    out = {}
    for label, who in (("badge (manager)", manager), ("badge (HR)", hr)):
        assessments.queue_count(who)
        runs = []
        for _ in range(20):
            t = time.perf_counter(); assessments.queue_count(who); runs.append(time.perf_counter() - t)
        out[label] = statistics.median(runs)
    db.session.remove()
client = app.test_client()
client.post("/login", data={"email": hr.email, "password": "demo-skills-2026"})


def timed(path):
    t = time.perf_counter(); r = client.get(path); elapsed = time.perf_counter() - t
    assert r.status_code == 200, (path, r.status_code)
    return elapsed, r


def warm(path, times=5):
    return statistics.median(timed(path)[0] for _ in range(times))


def following(r):
    # The next page's address, as its "Next →" link gives it (a keyset cursor).
    return html.unescape(re.search(r'<a href="([^"]+)">Next →</a>', r.get_data(as_text=True)).group(1))


import html, re
out["HR gap page cold"], r = timed("/reports/gaps")
out["HR gap page warm"] = warm("/reports/gaps")
# Cold again in a running process (templates and statements compiled): the report cache emptied, as a
# recorded change empties it, median of three. This is what HR meets on a server that has served pages.
from skills_app import cache
again = []
for _ in range(3):
    with app.app_context():
        cache.bump()
    again.append(timed("/reports/gaps")[0])
out["HR gap page cold, process warm"] = statistics.median(again)
# The next page by keyset, as its link gives it (its rows not in the cache yet: cold), then warm.
second = following(r)
out["HR gap page 2 cold"], _ = timed(second)
out["HR gap page 2 warm"] = warm(second)
# HR's training needs (services/needs.py): cold (its counts not cached yet), then warm, then the next page.
out["training needs cold"], r = timed("/reports/training-needs")
out["training needs warm"] = warm("/reports/training-needs")
out["training needs page 2"], _ = timed(following(r))
print(json.dumps(out))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(url), capture_output=True, text=True)
    if result.returncode:
        print(result.stderr[-2000:], file=sys.stderr)
        return {}
    return json.loads(result.stdout.strip().splitlines()[-1])


# Every page of every role, warm, one client, in-process (issue 20 item 7): each role's person signs in and
# walks the pages reached by links from the dashboard (one per route shape, as tests/test_page_statements.py),
# and the filtered reports; each page is asked once to warm it, then three times, the median kept, with its
# SQL statements counted. The manager is the generated organisation's with the most reviews waiting.
PAGE_SWEEP = r"""
import json, statistics, sys, time
from skills_app import create_app
from tests.pages import links, queue_links
app = create_app({"WTF_CSRF_ENABLED": False})
with app.app_context():
    from sqlalchemy import event, func, select
    from skills_app.extensions import db
    from skills_app.models import Assessment, Person
    manager = db.session.scalar(
        select(Person.email).where(Person.id == select(Person.manager_id).join(Assessment, Assessment.person_id == Person.id)
        .where(Assessment.status == "submitted", Person.manager_id.is_not(None))
        .group_by(Person.manager_id).order_by(func.count().desc()).limit(1).scalar_subquery()))
    employee = db.session.scalar(select(Person.email).where(Person.manager_id.is_not(None), Person.email.like("%%@%%"))
                                 .order_by(Person.id.desc()).limit(1))
    db.session.remove()
ROLES = {"employee": employee, "manager": manager, "hr": "hannah.lee@acme.example",
         "learning": "laura.chen@acme.example", "admin": "alex.morgan@acme.example"}
EXTRA = {"hr": ["/reports/training-needs", "/reports/trends", "/reports/calibration",
                "/service-levels", "/reports/coverage"],
         "learning": ["/reports/training-needs"], "manager": ["/team", "/reviews"], "employee": ["/my/plan", "/my/skills"]}
# The HR gap report page has figures of its own (cold and warm, above).
SKIP = ("/logout", "/static/", "format=", "/export", "/download", "/file", "/credential", "/api/", "/reports/gaps")
LIMIT = int(sys.argv[1])
statements = []
with app.app_context():
    engine = db.engine
event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
out = {}
for role, email in ROLES.items():
    client = app.test_client()
    r = client.post("/login", data={"email": email, "password": "demo-skills-2026"})
    assert r.status_code == 302, (role, email, r.status_code)
    queue, seen, extra = ["/", *EXTRA.get(role, [])], set(), set(EXTRA.get(role, []))
    pages = {}
    while queue and len(seen) < LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        t = time.perf_counter(); r = client.get(path); first = time.perf_counter() - t
        body = r.get_data(as_text=True)
        if r.status_code != 200 or "text/html" not in r.content_type:
            continue
        runs = []
        for _ in range(3 if first < 3 else 1):
            del statements[:]
            t = time.perf_counter(); client.get(path).get_data(); runs.append(time.perf_counter() - t)
        pages[path] = {"first": first, "warm": statistics.median(runs), "statements": len(statements)}
        print(json.dumps({"role": role, "who": email, "path": path, **pages[path]}), flush=True)
        queue_links(links(body), queue, seen, extra, SKIP)
"""


def page_sweep(url: str, limit: int = 40, seconds: float = 1800) -> dict:
    """Every page of every role, warm (median of 3), one client, in-process; each page's
    figure kept as it comes (a sweep cut short by ``seconds`` keeps what it measured)."""
    out: dict = {}
    proc = subprocess.Popen([sys.executable, "-c", PAGE_SWEEP, str(limit)], cwd=ROOT, env=_env(url), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + seconds
    try:
        for line in proc.stdout:
            if not line.startswith("{"):
                continue
            p = json.loads(line)
            out.setdefault(p["role"], {"who": p["who"], "pages": {}})["pages"][p["path"]] = p
            print(f"  {p['role']} {p['path']}: {p['warm'] * 1000:.0f} ms warm, {p['statements']} statements", file=sys.stderr)
            if time.monotonic() > deadline:
                print("  the sweep ran out of time; the pages measured so far are kept", file=sys.stderr)
                break
    finally:
        proc.kill()
        proc.wait()
    return out


BENCH_CROSSWALK = "Bench: finder crosswalk"

# Picks the searches (in a new process, with the app): HR; the division and the two skills that the
# most people there hold together at level 2 or above; a crosswalk onto the first from the skill most
# held beside it; then the searches' totals and the cursor of a later page.
FINDER_SETUP = r"""
import json, sys
from skills_app import create_app
app = create_app({})
with app.app_context():
    from sqlalchemy import text, select
    from skills_app.extensions import db
    from skills_app.models import Crosswalk, CrosswalkLevel, OrgUnit, Person, PersonRole, Skill
    from skills_app.services import finder
    from skills_app import paging
    hr = db.session.scalar(select(Person).join(PersonRole).where(PersonRole.role == "hr").order_by(Person.id).limit(1))
    held = "(SELECT DISTINCT person_id, skill_id FROM assessment WHERE status = 'validated' AND validated_level >= 2)"
    division, s1, s2 = db.session.execute(text(f'''
        SELECT d.id, a.skill_id, b.skill_id FROM {held} a JOIN {held} b ON b.person_id = a.person_id AND a.skill_id < b.skill_id
        JOIN person p ON p.id = a.person_id JOIN org_unit t ON t.id = p.org_unit_id
        JOIN org_unit d ON t.path LIKE d.path || '/%%' AND d.path LIKE '%%/Division %%' AND d.path NOT LIKE '%%/Division %%/%%'
        GROUP BY 1, 2, 3 ORDER BY count(*) DESC, 1, 2, 3 LIMIT 1''')).one()
    x = db.session.scalar(text(f'''SELECT b.skill_id FROM {held} a JOIN {held} b ON b.person_id = a.person_id
        WHERE a.skill_id = :s1 AND b.skill_id NOT IN (:s1, :s2) GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1'''),
        {"s1": s1, "s2": s2})
    first, other = db.session.get(Skill, s1), db.session.get(Skill, x)
    db.session.execute(text("DELETE FROM crosswalk WHERE name = :n"), {"n": "%(crosswalk)s"})
    crosswalk = Crosswalk(name="%(crosswalk)s", from_framework_id=other.framework_id, to_framework_id=first.framework_id)
    for level in sorted(set(other.defined_levels) & set(first.defined_levels)):
        crosswalk.levels.append(CrosswalkLevel(from_skill_id=other.id, to_skill_id=first.id, from_level=level, to_level=level))
    db.session.add(crosswalk)
    db.session.commit()
    unit = db.session.get(OrgUnit, division)
    busiest = db.session.execute(text('''SELECT skill_id, count(*) FROM assessment WHERE status = 'validated'
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1''')).one()[0]
    out = []
    for label, spec, later in (
        ("2 skills in a division", {"skills": [s1, s2], "levels": [3, 3], "unit_id": unit.id, "unit_path": unit.path,
                                    "nearly": True}, 2),
        ("1 skill, everyone", {"skills": [busiest], "levels": [3], "unit_id": None, "unit_path": None, "nearly": False}, 20),
    ):
        search = finder.parse(hr, skills=spec["skills"], levels=spec["levels"], unit_id=spec["unit_id"], nearly=spec["nearly"])
        page = finder.find(hr, search)
        total, page_no = page.total, 1
        while page_no < later - 1 and page.next:
            page = finder.find(hr, search, cursor=page.next)
            page_no += 1
        wanted = ", ".join(f"{c.skill.code} {c.level}+" for c in search.criteria)
        out.append({**spec, "label": label, "hr": hr.id, "total": total, "page": page_no + 1, "cursor": page.next,
                    "after": list(paging.decode(page.next).key), "partners": [x] if s1 in spec["skills"] else [],
                    "described": wanted + (f" (a crosswalk onto the first), in {unit.path} and below, with those one level "
                                           "below" if spec["unit_id"] else " across the organisation") + f"; {total} found"})
    print(json.dumps(out))
""" % {"crosswalk": BENCH_CROSSWALK}

# One search's page in a new process, connected: the first time (cold), then five times more, each in a new session (warm).
FINDER_TIMED = r"""
import json, statistics, sys, time
from skills_app import create_app
spec = json.loads(sys.argv[1])
app = create_app({})
with app.app_context():
    from skills_app.extensions import db
    from skills_app.models import Person
    from skills_app.services import finder

    def run():
        hr = db.session.get(Person, spec["hr"])
        search = finder.parse(hr, skills=spec["skills"], levels=spec["levels"], unit_id=spec["unit_id"], nearly=spec["nearly"])
        page = finder.find(hr, search, cursor=spec["cursor"])
        db.session.remove()
        return page
    # Connected, as psql is before its first statement, and the models set up, as after any first request.
    db.session.get(Person, spec["hr"]); db.session.remove()
    t = time.perf_counter(); page = run(); cold = time.perf_counter() - t
    warm = []
    for _ in range(5):
        t = time.perf_counter(); run(); warm.append(time.perf_counter() - t)
    print(json.dumps({"cold": cold, "warm": statistics.median(warm), "ids": [f.person_id for f in page.items],
                      "total": page.total}))
"""


def _run_python(code: str, url: str, arg: str) -> str:
    result = subprocess.run([sys.executable, "-c", code, arg], cwd=ROOT, env=_env(url), capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout.strip().splitlines()[-1]


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def finder_floor_sql(s: dict, after: list | None) -> str:
    """The finder's page and total as one hand-written statement: the latest validated, unexpired level
    of the skills that count (DISTINCT ON), those through the crosswalk, one row per person, the page
    after ``after`` (shortfall, name, id) with the total beside each row."""
    ids = ", ".join(str(int(i)) for i in s["skills"])
    read = ", ".join(str(int(i)) for i in sorted(set(s["skills"]) | set(s["partners"])))
    below = 1 if s["nearly"] else 0
    per = ",\n    ".join(
        f"max(level) FILTER (WHERE skill_id = {int(k)}) AS l{i}, "
        f"(array_agg(via ORDER BY level DESC, via NULLS FIRST, via DESC) FILTER (WHERE skill_id = {int(k)}))[1] AS v{i}"
        for i, k in enumerate(s["skills"]))
    shortfall = " + ".join(f"(l{i} < {int(lv)})::int" for i, lv in enumerate(s["levels"]))
    enough = " AND ".join(f"l{i} >= {max(int(lv) - below, 1)}" for i, lv in enumerate(s["levels"]))
    unit = f" AND (u.id = {int(s['unit_id'])} OR u.path LIKE {_quoted(s['unit_path'] + '/%')})" if s["unit_id"] else ""
    keyset = ""
    if after:
        keyset = f"WHERE (shortfall, name, id) > ({int(after[0])}, {_quoted(after[1])}, {int(after[2])}) "
    columns = ", ".join(f"l{i}, v{i}" for i in range(len(s["skills"])))
    return f"""WITH held AS (
  SELECT DISTINCT ON (person_id, skill_id) person_id, skill_id, validated_level AS level FROM assessment
  WHERE status = 'validated' AND validated_level IS NOT NULL AND (valid_until IS NULL OR valid_until > now())
    AND skill_id IN ({read})
  ORDER BY person_id, skill_id, decided_at DESC, id DESC
), levels AS (
  SELECT person_id, skill_id, level, NULL::int AS via FROM held WHERE skill_id IN ({ids})
  UNION ALL SELECT h.person_id, c.to_skill_id, c.to_level, h.skill_id FROM held h
    JOIN crosswalk_level c ON c.from_skill_id = h.skill_id AND c.from_level <= h.level WHERE c.to_skill_id IN ({ids})
  UNION ALL SELECT h.person_id, c.from_skill_id, c.from_level, h.skill_id FROM held h
    JOIN crosswalk_level c ON c.to_skill_id = h.skill_id AND c.to_level <= h.level WHERE c.from_skill_id IN ({ids})
), per AS (
  SELECT person_id,
    {per}
  FROM levels GROUP BY person_id
), found AS (
  SELECT p.id, p.name, p.email, p.job_title, u.path AS org_unit, {shortfall} AS shortfall, {columns},
         count(*) OVER () AS total
  FROM per JOIN person p ON p.id = per.person_id LEFT JOIN org_unit u ON u.id = p.org_unit_id
  WHERE p.active AND {enough}{unit}
)
SELECT * FROM found {keyset}ORDER BY shortfall, name, id LIMIT 50"""



def finder_search(url: str, rounds: int) -> dict:
    """The skills finder at scale, each search's first page and a later page by keyset, cold (the first
    search of a new process) and warm (the median of five, a new session each), against its floor: the
    same page and total from one hand-written statement run by psql (\\timing; the first run of a new
    session cold, the median of five more warm). A crosswalk onto the first skill searched for is added
    for the run (the generated organisation has none of its own) and taken away after."""
    import psycopg

    tmp = Path(tempfile.mkdtemp(prefix="skills-bench-"))
    searches = json.loads(_run_python(FINDER_SETUP, url, "setup"))
    results: dict = {}
    try:
        for s in searches:
            product = {"first cold": [], "first warm": [], "later cold": [], "later warm": []}
            floor = {k: [] for k in product}
            same = True
            for r in range(rounds):
                for which, cursor in (("first", None), ("later", s["cursor"])):
                    got = json.loads(_run_python(FINDER_TIMED, url, json.dumps({**s, "cursor": cursor})))
                    product[f"{which} cold"].append(got["cold"])
                    product[f"{which} warm"].append(got["warm"])
                    script = tmp / "finder_floor.sql"
                    sql = finder_floor_sql(s, s["after"] if cursor else None)
                    script.write_text("SET jit = off;\n\\timing on\n" + (sql + ";\n") * 6)
                    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-d", _psql_url(url), "-f", str(script)],
                                         check=True, capture_output=True, text=True).stdout
                    ms = [float(line.split()[1]) / 1000 for line in out.splitlines() if line.startswith("Time:")]
                    floor[f"{which} cold"].append(ms[0])
                    floor[f"{which} warm"].append(statistics.median(ms[1:]))
                    rows = [line.split("|") for line in out.splitlines() if line and not line.startswith("Time:")]
                    ids = [int(row[0]) for row in rows[:len(rows) // 6]]
                    total = int(rows[0][-1]) if rows else 0
                    same = same and ids == got["ids"] and total == got["total"]
                    print(f"  round {r + 1}: finder {s['label']} {which} page: cold {got['cold'] * 1000:.0f} ms, warm "
                          f"{got['warm'] * 1000:.0f} ms; floor cold {ms[0] * 1000:.0f} ms, warm {floor[f'{which} warm'][-1] * 1000:.0f} ms",
                          file=sys.stderr)
            results[s["label"]] = {"times": product, "floors": floor, "same_result": same, "found": s["total"],
                                   "later_page": s["page"], "search": s["described"]}
    finally:
        with psycopg.connect(_psql_url(url), autocommit=True) as conn:
            conn.execute("DELETE FROM crosswalk WHERE name = %s", (BENCH_CROSSWALK,))
    return results


def build(url: str, people: int) -> str:
    """A fresh database at ``url`` with the demo and ``people`` generated people, vacuumed
    (as autovacuum leaves a settled database); and ``<name>_empty``, migrated only, the
    template of each import. Returns the template's name."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = _psql_url(url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        for db in (name, f"{name}_empty"):
            conn.execute(f"DROP DATABASE IF EXISTS {db}")
            conn.execute(f"CREATE DATABASE {db}")
    empty = url.rsplit("/", 1)[0] + f"/{name}_empty"
    timed([str(BIN / "skills-app"), "db", "upgrade"], _env(empty))
    timed([str(BIN / "skills-app"), "db", "upgrade"], _env(url))
    timed([str(BIN / "skills-app"), "demo", "load"], _env(url))
    seconds = timed([str(BIN / "skills-app"), "demo", "generate", "--people", str(people), "--seed", "1"], _env(url))
    print(f"  generated {people:,} people in {seconds:.1f} s", file=sys.stderr)
    with psycopg.connect(_psql_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return f"{name}_empty"


def page_load(url: str, clients: int, seconds: float) -> dict:
    """The main pages under ``clients`` concurrent clients against gunicorn (bench/bench.py)."""
    from bench import bench

    return bench.pages(url, clients, seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--build", type=int, metavar="PEOPLE", help="first build the database at --url with this many people")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--import-template", help="a migrated, empty database to copy for each import")
    parser.add_argument("--people-csv", type=int, default=100_000)
    parser.add_argument("--only", default="startup,reports,xlsx,import,pages,finder,sweep,load")
    parser.add_argument("--output", default=str(ROOT / "bench" / "floors.json"))
    parser.add_argument("--sweep-pages", type=int, default=40, help="at most this many pages a role")
    parser.add_argument("--sweep-seconds", type=float, default=1800, help="the page sweep stops after this long")
    parser.add_argument("--table", help="print the table of an earlier run's JSON and stop")
    args = parser.parse_args()
    if args.table:
        print_table(json.loads(Path(args.table).read_text()))
        return
    only = set(args.only.split(","))
    out: dict = {}
    if args.build:
        args.import_template = build(args.url, args.build)
        out["people"] = args.build
    if "startup" in only:
        runs = [timed([str(BIN / "skills-app"), "report", "--help"], _env(args.url)) for _ in range(3)]
        out["startup"] = {"min": min(runs), "median": statistics.median(runs)}
    if "reports" in only:
        out["reports"] = reports(args.url, args.rounds)
    if "xlsx" in only:
        out["xlsx"] = xlsx_export(args.url)
    if "import" in only and args.import_template:
        out["import"] = people_import(args.import_template, args.url, args.rounds, args.people_csv)
    if "pages" in only:
        out["in_process"] = in_process(args.url)
    if "finder" in only:
        out["finder"] = finder_search(args.url, args.rounds)
    if "sweep" in only:
        out["sweep"] = page_sweep(args.url, args.sweep_pages, args.sweep_seconds)
    if "load" in only:
        out["load"] = page_load(args.url, args.clients, args.seconds)
    out["peak_mb"] = PEAK_MB
    Path(args.output).write_text(json.dumps(out, indent=2, default=str))
    print_table(out)


def _stats(values):
    return min(values), statistics.median(values)


def print_table(out: dict) -> None:
    # ratio: median over median; paired: the median of each run over the floor run right after it
    # (the fairer one on a shared machine, where the load changes from minute to minute).
    print(f"\n{'figure':<22}{'min':>9}{'median':>9}{'floor min':>11}{'floor med':>11}{'ratio':>8}{'paired':>8}{'target':>8}  holds")
    rows = []
    if "reports" in out:
        kinds = list(out["reports"]["times"])
        floors = out["reports"]["floors"]
        for k, (kind, times) in enumerate(out["reports"]["times"].items()):
            mine = [floors[r * len(kinds) + k] for r in range(len(times))]
            rows.append((kind, *_stats(times), *_stats(floors), statistics.median(t / f for t, f in zip(times, mine))))
    if "import" in out:
        times, floors = out["import"]["times"], out["import"]["floors"]
        rows.append(("people import", *_stats(times), *_stats(floors), statistics.median(t / f for t, f in zip(times, floors))))
    for label, low, med, fmin, fmed, paired in rows:
        ratio = med / fmed
        target = TARGETS[label]
        print(f"{label:<22}{low:>8.2f}s{med:>8.2f}s{fmin:>10.2f}s{fmed:>10.2f}s{ratio:>7.2f}×{paired:>7.2f}×{target:>7.1f}×  "
              f"{'yes' if paired <= target else f'no, by {(paired / target - 1) * 100:.0f}%'}")
    if "import" in out:
        print(f"  same result as the floor (people, managers, org units, roles): {'yes' if out['import']['same_result'] else 'NO'} "
              f"{out['import']['counts']}")
    for label, target_ms in (("HR gap page cold", 1000), ("HR gap page cold, process warm", 1000),
                             ("HR gap page warm", 150), ("HR gap page 2 cold", 1000),
                             ("HR gap page 2 warm", 150), ("training needs cold", 1000), ("training needs warm", 100),
                             ("training needs page 2", 100), ("badge (manager)", 5), ("badge (HR)", 5)):
        if label in out.get("in_process", {}):
            ms = out["in_process"][label] * 1000
            print(f"{label:<30}{ms:>8.1f} ms  target < {target_ms} ms  {'yes' if ms < target_ms else f'no, {ms / target_ms:.1f}× the target'}")
    for label, f in out.get("finder", {}).items():
        print(f"finder: {f['search']}")
        for which in ("first cold", "first warm", "later cold", "later warm"):
            page = "page 1" if which.startswith("first") else f"page {f['later_page']}"
            times, floors = f["times"][which], f["floors"][which]
            paired = statistics.median(t / fl for t, fl in zip(times, floors))
            print(f"  {page + which[which.index(' '):]:<20}{min(times) * 1000:>7.0f}ms{statistics.median(times) * 1000:>7.0f}ms"
                  f"{min(floors) * 1000:>9.0f}ms{statistics.median(floors) * 1000:>9.0f}ms"
                  f"{statistics.median(times) / statistics.median(floors):>7.1f}×{paired:>7.1f}×")
        print(f"  same page and total as the floor: {'yes' if f['same_result'] else 'NO'}")
    if "load" in out:
        trivial = out["load"]["trivial endpoint"]["p95_ms"]
        for label, p in out["load"].items():
            ratio = p["p95_ms"] / trivial if trivial else 0
            print(f"{label:<22} p50 {p['p50_ms']:>7.1f} ms  p95 {p['p95_ms']:>7.1f} ms  ×{ratio:.1f} /healthz p95 (target ≤ 10×)"
                  f"  {'yes' if ratio <= 10 else 'no'}  cold {p['cold_ms']:.0f} ms")
    if "sweep" in out:
        print(f"\n{'every page, warm, one client':<60}{'median':>9}{'SQL':>5}  target < 100 ms")
        for role, found in out["sweep"].items():
            for path, p in found["pages"].items():
                ms = p["warm"] * 1000
                note = "yes" if ms < 100 else f"no, {ms / 100:.1f}× the target"
                print(f"  {role:<9}{path[:49]:<51}{ms:>7.0f}ms{p['statements']:>5}  {note}")
    if "xlsx" in out:
        print(f"{'gap XLSX (CLI, to a file)':<30}{out['xlsx']['seconds']:>8.1f} s, {out['xlsx']['bytes'] / 1e6:.0f} MB")
    if "startup" in out:
        s = out["startup"]["median"]
        print(f"{'CLI start-up':<22}{s:>8.2f} s   target < 0.5 s  {'yes' if s < 0.5 else 'no'}")
    for name, mb in sorted(out.get("peak_mb", {}).items()):
        print(f"peak memory: {name:<26}{mb:>7.0f} MB  target < {PEAK_TARGET_MB} MB  "
              f"{'yes' if mb < PEAK_TARGET_MB else f'no, by {(mb / PEAK_TARGET_MB - 1) * 100:.0f}%'}")


if __name__ == "__main__":
    main()
