"""POST /api/v1/frameworks/imports: a framework file uploaded, checked and imported in one
transaction, answered with the same import report as the command line and the browser."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import Framework, Skill, SkillGroup
from tests.conftest import ROOT
from tests.test_api import Api, token_for  # noqa: F401 (a fixture)

DATA = ROOT / "tests" / "data"


@pytest.fixture
def callers(make_person, token_for, client):  # noqa: F811
    hr = make_person("Hana HR", roles=("employee", "hr"))
    employee = make_person("Erin Employee")
    return {"hr": Api(client, token_for(hr)), "employee": Api(client, token_for(employee))}


def post(api, path, **form):
    data = {k: v for k, v in form.items()}
    data["file"] = (io.BytesIO(path.read_bytes()), path.name)
    return api.post("/frameworks/imports", data=data, content_type="multipart/form-data")


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Framework, SkillGroup, Skill))


def test_a_dry_run_reports_and_writes_nothing_then_the_import_writes_it(callers):
    before = counts()
    dry = post(callers["hr"], DATA / "case-associations-layout.json", dry_run="true")
    assert dry.status_code == 200, dry.get_json()
    report = dry.get_json()
    assert report["dry_run"] is True and report["outcome"] == "created" and report["framework"] is None
    assert report["created"]["skill"] == 9 and report["created"]["group"] == 4 and report["created"]["association"] == 10
    assert {g["kind"] for g in report["not_kept"]} == {"field", "definition", "identifier"}
    assert counts() == before
    done = post(callers["hr"], DATA / "case-associations-layout.json")
    assert done.status_code == 201, done.get_json()
    body = done.get_json()
    assert body["outcome"] == "created" and body["dry_run"] is False
    assert body["framework"] == {"code": "KNIFE-SKILLS-COULD-BE", "version": "1"}
    assert counts() == (before[0] + 1, before[1] + 4, before[2] + 9)
    # The framework file now has the tree and the associations.
    file = callers["hr"].get("/frameworks/KNIFE-SKILLS-COULD-BE").get_json()
    assert len(file["groups"]) == 4 and len(file["associations"]) == 10
    # The same file again changes nothing (200); with other content it is refused (409).
    again = post(callers["hr"], DATA / "case-associations-layout.json")
    assert again.status_code == 200 and again.get_json()["outcome"] == "unchanged"


def test_a_table_with_its_options(callers):
    response = post(callers["hr"], DATA / "table-level-columns-layout.csv", format="table", framework_code="GOVSKILLS",
                    version="2", framework_name="Skills table")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["framework"] == {"code": "GOVSKILLS", "version": "2"}


def test_a_bad_file_is_refused_saying_what_and_where(callers, tmp_path):
    package = json.loads((DATA / "case-associations-layout.json").read_text(encoding="utf-8"))
    del package["CFItems"][2]["fullStatement"]
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(package, indent=2), encoding="utf-8")
    before = counts()
    response = post(callers["hr"], bad)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"].startswith("broken.json: line ") and "(CFItems[2].fullStatement)" in error["message"]
    assert error["message"].endswith("missing required field 'fullStatement'")
    assert error["details"]["problem"] == "missing required field 'fullStatement'"
    assert error["details"]["location"].endswith("(CFItems[2].fullStatement)")
    assert counts() == before


@pytest.mark.parametrize("form, field", [
    ({"dry_run": "perhaps"}, "dry_run"),
    ({"colour": "blue"}, "colour"),
    ({"format": "nonsense"}, "format"),
])
def test_bad_options_are_refused_by_field(callers, form, field):
    response = post(callers["hr"], DATA / "case-associations-layout.json", **form)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_strict_refuses_what_would_lose_anything_and_a_different_version_is_a_conflict(callers, tmp_path):
    strict = post(callers["hr"], DATA / "case-associations-layout.json", strict="1")
    assert strict.status_code == 422 and "strict" in strict.get_json()["error"]["message"]
    assert post(callers["hr"], DATA / "case-associations-layout.json").status_code == 201
    package = json.loads((DATA / "case-associations-layout.json").read_text(encoding="utf-8"))
    package["CFItems"][2]["fullStatement"] = "Carry a knife point down."
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(package), encoding="utf-8")
    assert post(callers["hr"], changed).status_code == 409
    assert post(callers["hr"], changed, replace="true").get_json()["outcome"] == "replaced"


def test_only_those_who_import_frameworks_may(callers):
    response = post(callers["employee"], DATA / "case-associations-layout.json")
    assert response.status_code == 403
    assert callers["employee"].post("/frameworks/imports", json={}).status_code == 403
    assert callers["hr"].post("/frameworks/imports", json={}).status_code == 422
