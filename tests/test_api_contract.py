"""The OpenAPI document is valid, and the server does what it says: Schemathesis
sends generated requests (valid and invalid) to every operation as each kind of
caller, and no answer is a 500, has an undocumented status or content type, or
breaks its schema."""
from __future__ import annotations


import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from skills_app.extensions import db
from skills_app.policy import SYSTEM

CALLERS = ("employee", "manager", "hr", "learning", "admin", "none")
EXAMPLES = 12  # per operation and generation mode, callers drawn among them (derandomized: the same cases each run)
STATS: dict = {}


def test_the_document_is_valid_openapi_3_1(client):
    from openapi_spec_validator import validate

    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_the_document_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.docs":
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<id:{arg}>", f"{{{arg}}}").replace(f"<{arg}>", f"{{{arg}}}")
            routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


@pytest.fixture
def world(app, make_person, load_seed_frameworks):
    """An organisation with an assessment and a requirement, and a token per kind of caller."""
    import io

    from skills_app.services import assessments, frameworks, requirements, tokens

    load_seed_frameworks()
    manager = make_person("Mia Manager", roles=("employee", "manager"), unit="Group/IT")
    employee = make_person("Eli Employee", manager=manager, unit="Group/IT/Desk")
    people = {
        "employee": employee, "manager": manager,
        "hr": make_person("Hal HR", roles=("employee", "hr")),
        "learning": make_person("Lea Learning", roles=("employee", "learning")),
        "admin": make_person("Abe Admin", roles=("employee", "admin")),
    }
    slmo = frameworks.skill(SYSTEM, "SFIA", "SLMO")
    a = assessments.start(employee, slmo, 3)
    d = assessments.claimed_descriptors(a)[0]
    assessments.add_evidence(employee, a, descriptor_ids=[d.id], filename="x.txt", stream=io.BytesIO(b"x"))
    assessments.save_draft(employee, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in assessments.descriptors_in_view(a)})
    assessments.submit(employee, a)
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=4, essential=True)
    requirements.assign(SYSTEM, employee, job_roles=[role], services=[])
    headers = {}
    for kind, person in people.items():
        _row, secret = tokens.create(SYSTEM, person, "contract")
        headers[kind] = {"Authorization": f"Bearer {secret}"}
    headers["none"] = {}
    db.session.commit()
    # Real ids and codes, so that cases reach past "not found" too.
    headers["_real"] = {"assessment_id": a.id, "person_id": employee.id, "code": "SFIA"}
    return headers


def test_schemathesis_finds_no_server_error_and_no_schema_breach(app, world):
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance, response_schema_conformance, status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 17
    # Negative cases send wrong tokens too: here they must not block the address.
    app.config["API_BAD_TOKEN_LIMIT"] = 10**6
    calls = {"n": 0}

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy, caller=st.sampled_from(CALLERS), real=st.booleans())
            def run(case, caller, real):
                calls["n"] += 1
                if real and case.path_parameters:
                    case.path_parameters = {k: world["_real"].get(k, v) for k, v in case.path_parameters.items()}
                if real and operation.label == "POST /api/v1/assessments" and isinstance(case.body, dict):
                    case.body = {**case.body, "framework": "SFIA", "skill": "SLMO"}
                headers = {**(case.headers or {}), **world[caller]}
                if caller == "none":
                    headers.pop("Authorization", None)
                response = case.call(headers=headers)
                case.validate_response(response, checks=checks)
                STATS.setdefault(operation.label, {}).setdefault(response.status_code, 0)
                STATS[operation.label][response.status_code] += 1
                db.session.rollback()

            try:
                run()
            except Exception as exc:  # name the operation and mode in the failure
                raise AssertionError(f"{operation.label} ({mode.value}): {exc}") from exc
    app.config.pop("API_BAD_TOKEN_LIMIT")
    assert calls["n"] >= len(operations) * 2


def teardown_module(module):
    import os

    if os.environ.get("SHOW_API_STATS"):
        for label, counts in sorted(STATS.items()):
            print(label, dict(sorted(counts.items())))


def test_the_document_says_how_submitting_refuses_descriptors_not_rated(client, make_person, load_seed_frameworks):
    """The submit operation's 422 is described, with an example that the server's own
    answer to an unrated draft matches (its fields named ``ratings.<descriptor_id>``)."""
    import jsonschema

    from skills_app.services import assessments, tokens

    doc = client.get("/api/v1/openapi.json").get_json()
    refused = doc["paths"]["/api/v1/assessments/{assessment_id}/submit"]["post"]["responses"]["422"]
    assert "not rated" in refused["description"]
    example = refused["content"]["application/json"]["examples"]["unrated"]["value"]

    person = make_person("Una Rated")
    draft = assessments.start(person, load_seed_frameworks()["SFIA"].skills[0], 3)
    _token, secret = tokens.create(SYSTEM, person, "contract")
    db.session.commit()
    response = client.post(f"/api/v1/assessments/{draft.id}/submit", json={},
                           headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 422
    body = response.get_json()
    # Both are the document's Error (its references resolved within the document).
    schema = {"$ref": "#/components/schemas/Error", "components": doc["components"]}
    for instance in (body, example):
        jsonschema.Draft202012Validator(schema).validate(instance)
    assert body["error"]["code"] == example["error"]["code"] == "invalid"
    fields = body["error"]["details"]["fields"]
    assert fields and all(key.startswith("ratings.") for key in fields)
    assert set(fields) == {f"ratings.{d.id}" for d in assessments.claimed_descriptors(draft)}
    assert all(key.startswith("ratings.") for key in example["error"]["details"]["fields"])
