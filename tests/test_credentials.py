"""Validated levels as Open Badges 3.0 credentials: valid against 1EdTech's
OB 3.0 JSON schema (shipped in skills_app/schemas/ob_v3p0), signed with the
organisation's Ed25519 key and verified here by an independent implementation
(JCS by the ``jcs`` package, Ed25519 by PyNaCl, the key read from the
published DID document and JWKS); verified by anyone at POST /credentials/verify;
tampered, revoked (superseded, expired) and expired credentials refused."""
from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jcs
import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.policy import SYSTEM
from skills_app.services import assessments, tokens
from skills_app.services import credentials as service

SCHEMA = Path(__file__).resolve().parent.parent / "skills_app" / "schemas" / "ob_v3p0" / "ob_v3p0_achievementcredential_schema.json"
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58(text: str) -> bytes:
    """base58btc, written here apart from the application's."""
    value = 0
    for ch in text:
        value = value * 58 + ALPHABET.index(ch)
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


@pytest.fixture
def world(load_seed_frameworks, make_person):
    fw = load_seed_frameworks()
    slmo = fw["SFIA"].skills[0]
    manager = make_person("Manny Manager", roles=("employee", "manager"))
    sam = make_person("Sam Subject", manager=manager)

    def validate(level, *, claimed=None):
        a = assessments.start(sam, slmo, claimed or level)
        assessments.save_draft(sam, a, claimed_level=a.claimed_level,
                               ratings={d.id: "met" for d in assessments.descriptors_in_view(a)})
        assessments.submit(sam, a)
        assessments.decide(manager, a, outcome="approve", validated_level=level, comment="Good evidence")
        db.session.commit()
        return a

    return {"sam": sam, "manager": manager, "slmo": slmo, "validate": validate}


def credential_of(client, auth, person, assessment_id):
    auth.login(person)
    response = client.get(f"/assessments/{assessment_id}/credential")
    auth.logout()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "attachment" in response.headers["Content-Disposition"]
    return json.loads(response.get_data())


def test_the_credential_is_an_open_badge_valid_against_the_ob3_schema(world, client, auth):
    a = world["validate"](4)
    cred = credential_of(client, auth, world["sam"], a.id)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker()).validate(cred)
    assert cred["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert set(cred["type"]) == {"VerifiableCredential", "OpenBadgeCredential"}
    achievement = cred["credentialSubject"]["achievement"]
    assert achievement["humanCode"] == "SLMO.4"
    # The criteria are the level's descriptors, word for word.
    for d in world["slmo"].level(4).descriptors:
        assert f"- {d.text}" in achievement["criteria"]["narrative"]
    # Aligned to the CASE identifiers the CASE export gives the skill and the level.
    from skills_app.exporters import case
    from skills_app.services import frameworks

    package = case.package(frameworks.to_doc(world["slmo"].framework))
    by_code = {item.get("humanCodingScheme"): item["identifier"] for item in package["CFItems"]}
    assert achievement["alignment"][0]["targetUrl"] == f"urn:uuid:{by_code['SLMO']}"
    assert achievement["id"] == f"urn:uuid:{by_code['SLMO.4']}"
    assert cred["validFrom"] and cred["validUntil"] > cred["validFrom"]
    assert cred["credentialStatus"]["statusListIndex"] == str(a.id)
    assert cred["proof"]["type"] == "DataIntegrityProof" and cred["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    # The person is named, and identified by a salted hash of their email, not the email itself.
    assert world["sam"].email not in json.dumps(cred)


def test_an_independent_implementation_verifies_the_signature(world, client, auth):
    a = world["validate"](3)
    cred = credential_of(client, auth, world["sam"], a.id)
    did = client.get("/.well-known/did.json").get_json()
    method = did["verificationMethod"][0]
    assert cred["proof"]["verificationMethod"] == method["id"] and cred["issuer"]["id"] == did["id"]
    multikey = base58(method["publicKeyMultibase"][1:])
    assert multikey[:2] == b"\xed\x01"
    jwk = client.get("/.well-known/jwks.json").get_json()["keys"][0]
    assert base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)) == multikey[2:]

    def check(document):
        proof = dict(document["proof"])
        signature = base58(proof.pop("proofValue")[1:])
        proof["@context"] = document["@context"]
        body = {k: v for k, v in document.items() if k != "proof"}
        data = hashlib.sha256(jcs.canonicalize(proof)).digest() + hashlib.sha256(jcs.canonicalize(body)).digest()
        VerifyKey(multikey[2:]).verify(data, signature)

    check(cred)
    tampered = copy.deepcopy(cred)
    tampered["credentialSubject"]["achievement"]["humanCode"] = "SLMO.7"
    with pytest.raises(BadSignatureError):
        check(tampered)


def test_anyone_verifies_it_without_signing_in(world, client, auth, app):
    a = world["validate"](4)
    cred = credential_of(client, auth, world["sam"], a.id)
    anonymous = app.test_client()
    assert anonymous.post("/credentials/verify", json=cred).get_json() == {"verified": True, "errors": []}
    # The page says the same, from the pasted JSON.
    page = anonymous.post("/credentials/verify", data={"credential": json.dumps(cred)}).get_data(as_text=True)
    assert "Verified" in page and "Not verified" not in page
    # And says what it states: whose level, which, issued by whom, until when, signed with which key.
    assert "<dt>Holder</dt><dd>Sam Subject</dd>" in page
    assert "<dt>Level</dt><dd>Service level management (SFIA SLMO) at level 4, Enable</dd>" in page
    assert f"<dt>Valid until</dt><dd>{cred['validUntil'][:10]}</dd>" in page and "<dt>Signed with the key</dt><dd>key-1</dd>" in page
    tampered = anonymous.post("/credentials/verify", data={"credential": json.dumps(cred).replace("Sam", "Samuel")})
    assert "Not verified" in tampered.get_data(as_text=True) and "<dt>Holder</dt>" not in tampered.get_data(as_text=True)


def test_an_address_verifying_too_many_credentials_a_minute_is_told_to_wait(world, client, auth, app, monkeypatch):
    """Verifying needs no account and reads the revocation list each time: an address may
    verify CREDENTIAL_VERIFY_LIMIT credentials a minute, then gets 429 and Retry-After."""
    a = world["validate"](4)
    cred = credential_of(client, auth, world["sam"], a.id)
    monkeypatch.setitem(app.config, "CREDENTIAL_VERIFY_LIMIT", 3)
    anonymous = app.test_client()
    for _ in range(3):
        assert anonymous.post("/credentials/verify", json=cred).get_json() == {"verified": True, "errors": []}
    refused = anonymous.post("/credentials/verify", json=cred)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    body = refused.get_json()
    assert body["verified"] is False and "please wait" in body["errors"][0]
    page = anonymous.post("/credentials/verify", data={"credential": json.dumps(cred)})
    assert page.status_code == 429 and "please wait" in page.get_data(as_text=True)
    # Another address is not held back by this one's verifications.
    other = anonymous.post("/credentials/verify", json=cred, environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200 and other.get_json()["verified"] is True
    # Reading the page (GET) is not counted.
    assert anonymous.get("/credentials/verify").status_code == 200


def test_a_json_body_too_large_to_verify_is_answered_in_json(world, app):
    anonymous = app.test_client()
    response = anonymous.post("/credentials/verify", data=b'{"a": "' + b"x" * (40 * 1024 * 1024) + b'"}',
                              content_type="application/json")
    assert response.status_code == 413
    assert response.is_json and response.get_json()["error"]["code"]


def test_a_tampered_credential_is_refused(world, client, auth):
    a = world["validate"](3)
    cred = credential_of(client, auth, world["sam"], a.id)
    cred["credentialSubject"]["achievement"]["name"] = cred["credentialSubject"]["achievement"]["name"].replace("3", "6")
    result = client.post("/credentials/verify", json=cred).get_json()
    assert result["verified"] is False and any(e.startswith("signature") for e in result["errors"])
    for broken in ({}, {"proof": "x"}, [], "nonsense", {"type": ["VerifiableCredential"], "proof": {}}):
        assert client.post("/credentials/verify", json=broken).get_json()["verified"] is False
    assert client.post("/credentials/verify", data=b"{not json", content_type="application/json").status_code == 400


def test_a_status_list_index_that_is_not_ascii_digits_is_refused_never_a_500(world, client, auth):
    # "²" passes Python's isdigit() and int() refuses it: the verify endpoint answered 500 (found on a running app).
    a = world["validate"](3)
    cred = credential_of(client, auth, world["sam"], a.id)
    for index in ("²", "١٢", "1²", "", "-1", "1e5", " 1"):
        cred["credentialStatus"]["statusListIndex"] = index
        response = client.post("/credentials/verify", json=cred)
        assert response.status_code == 200, (index, response.status_code)
        assert response.get_json()["verified"] is False


def test_another_issuer_s_key_is_refused(world, client, auth, app):
    a = world["validate"](3)
    cred = credential_of(client, auth, world["sam"], a.id)
    before = app.config["CREDENTIAL_SIGNING_KEY"]
    app.config["CREDENTIAL_SIGNING_KEY"] = base64.urlsafe_b64encode(b"\x07" * 32).decode()
    try:
        result = client.post("/credentials/verify", json=cred).get_json()
    finally:
        app.config["CREDENTIAL_SIGNING_KEY"] = before
    assert result["verified"] is False and any(e.startswith("signature") for e in result["errors"])


def status_bit(client, index: int) -> bool:
    status = client.get("/credentials/status").get_json()
    encoded = status["credentialSubject"]["encodedList"]
    assert encoded[0] == "u"
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131072
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_a_superseded_level_is_revoked_through_the_status_list(world, client, auth):
    first = world["validate"](4)
    cred = credential_of(client, auth, world["sam"], first.id)
    assert status_bit(client, first.id) is False
    second = world["validate"](3)
    result = client.post("/credentials/verify", json=cred).get_json()
    assert result["verified"] is False and any(e.startswith("revoked") for e in result["errors"])
    assert status_bit(client, first.id) is True and status_bit(client, second.id) is False
    # No credential is issued any more for the level replaced.
    auth.login(world["sam"])
    assert client.get(f"/assessments/{first.id}/credential").status_code == 409


def test_an_expired_level_is_revoked_and_an_expired_credential_refused(world, client, auth):
    a = world["validate"](3)
    cred = credential_of(client, auth, world["sam"], a.id)
    row = db.session.get(Assessment, a.id)
    row.valid_until = datetime.now(timezone.utc) - timedelta(days=1)
    db.session.commit()
    result = client.post("/credentials/verify", json=cred).get_json()
    assert result["verified"] is False and any(e.startswith("revoked") for e in result["errors"])
    assert status_bit(client, a.id) is True
    # A credential whose own validity has ended, however well signed, is refused.
    with client.application.test_request_context("/"):
        old = service.unsigned(row)
        old["validUntil"] = old["expirationDate"] = "2020-01-01T00:00:00Z"
        signed = service.sign(old)
    result = client.post("/credentials/verify", json=signed).get_json()
    assert result["verified"] is False and any(e.startswith("expired") for e in result["errors"])


def test_the_api_gives_the_person_their_credential_and_no_one_else(world, client):
    a = world["validate"](4)
    _t, mine = tokens.create(SYSTEM, world["sam"], "test")
    _t, theirs = tokens.create(SYSTEM, world["manager"], "test")
    db.session.commit()
    response = client.get(f"/api/v1/assessments/{a.id}/credential", headers={"Authorization": f"Bearer {mine}"})
    assert response.status_code == 200
    cred = response.get_json()
    assert cred["proof"]["type"] == "DataIntegrityProof"
    assert client.post("/credentials/verify", json=cred).get_json() == {"verified": True, "errors": []}
    refused = client.get(f"/api/v1/assessments/{a.id}/credential", headers={"Authorization": f"Bearer {theirs}"})
    assert refused.status_code == 403
    draft = assessments.start(world["sam"], world["slmo"], 5)
    db.session.commit()
    pending = client.get(f"/api/v1/assessments/{draft.id}/credential", headers={"Authorization": f"Bearer {mine}"})
    assert pending.status_code == 409 and pending.get_json()["error"]["code"] == "invalid_state"


def test_the_issuer_s_key_comes_from_the_environment(app):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    before = app.config["CREDENTIAL_SIGNING_KEY"]
    app.config["CREDENTIAL_SIGNING_KEY"] = pem
    try:
        with app.test_request_context("/"):
            raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            assert service.did_document()["verificationMethod"][0]["publicKeyMultibase"] == "z" + service.b58encode(b"\xed\x01" + raw)
    finally:
        app.config["CREDENTIAL_SIGNING_KEY"] = before


def test_my_skills_charts_validated_levels_over_time_with_a_table(world, client, auth):
    world["validate"](3)
    world["validate"](4)
    auth.login(world["sam"])
    page = client.get("/my/skills").get_data(as_text=True)
    assert 'aria-labelledby="timeline-chart-title"' in page and '<table class="data" id="timeline-chart-table"' in page
    title = page.split('<title id="timeline-chart-title">', 1)[1].split("</title>", 1)[0]
    assert "SFIA SLMO: level 3 on" in title and ", level 4 on" in title
    assert page.count("Download credential<span") == 1  # the level that stands: 4


# -- key rotation: a new current key, the old ones retired (public halves only) and still published ----------

@contextmanager
def keys(app, signing: str, key_id: str | None = None, retired: str = ""):
    """The app's credential keys set to these for the block, as the environment would set them."""
    before = {k: app.config.get(k) for k in ("CREDENTIAL_SIGNING_KEY", "CREDENTIAL_KEY_ID", "CREDENTIAL_RETIRED_KEYS")}
    app.config.update(CREDENTIAL_SIGNING_KEY=signing, CREDENTIAL_KEY_ID=key_id, CREDENTIAL_RETIRED_KEYS=retired)
    try:
        service.check_keys(app.config)
        yield
    finally:
        app.config.update(before)


def seed(byte: int) -> str:
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode().rstrip("=")


def independently_verified(document, did: dict) -> bool:
    """PyNaCl and jcs, the key found in the published DID document by the proof's verificationMethod."""
    proof = dict(document["proof"])
    method = next((m for m in did["verificationMethod"] if m["id"] == proof["verificationMethod"]), None)
    if method is None or proof["verificationMethod"] not in did["assertionMethod"]:
        return False
    multikey = base58(method["publicKeyMultibase"][1:])
    assert multikey[:2] == b"\xed\x01"
    signature = base58(proof.pop("proofValue")[1:])
    proof["@context"] = document["@context"]
    body = {k: v for k, v in document.items() if k != "proof"}
    data = hashlib.sha256(jcs.canonicalize(proof)).digest() + hashlib.sha256(jcs.canonicalize(body)).digest()
    try:
        VerifyKey(multikey[2:]).verify(data, signature)
    except BadSignatureError:
        return False
    return True


def test_after_a_key_rotation_old_and_new_credentials_verify_and_a_removed_key_is_refused(world, client, auth, app, runner):
    old_level = world["validate"](3)
    with keys(app, seed(1)):                                   # before: one key, its id "key-1" (the default)
        old = credential_of(client, auth, world["sam"], old_level.id)
        before = client.get("/.well-known/did.json").get_json()
        result = runner.run("credentials", "new-key")           # the rotation's lines, from the keys in use
    assert old["proof"]["verificationMethod"] == before["id"] + "#key-1"
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if line and not line.startswith("#"))
    assert set(lines) == {"CREDENTIAL_SIGNING_KEY", "CREDENTIAL_KEY_ID", "CREDENTIAL_RETIRED_KEYS"}
    assert lines["CREDENTIAL_SIGNING_KEY"] != seed(1) and lines["CREDENTIAL_KEY_ID"].startswith("key-20")
    # The retired key is the old public key, as the DID document published it: no private half.
    assert lines["CREDENTIAL_RETIRED_KEYS"] == "key-1=" + before["verificationMethod"][0]["publicKeyMultibase"]
    assert seed(1) not in result.output

    new_level = world["validate"](4)                           # supersedes level 3: its credential is revoked, so ...
    with keys(app, lines["CREDENTIAL_SIGNING_KEY"], lines["CREDENTIAL_KEY_ID"], lines["CREDENTIAL_RETIRED_KEYS"]):
        new = credential_of(client, auth, world["sam"], new_level.id)
        did = client.get("/.well-known/did.json").get_json()
        jwks = client.get("/.well-known/jwks.json").get_json()
        kid = lines["CREDENTIAL_KEY_ID"]
        # New credentials are signed by the new key; both keys are published, each under its id, current first.
        assert new["proof"]["verificationMethod"] == f"{did['id']}#{kid}"
        assert [m["id"].split("#")[1] for m in did["verificationMethod"]] == [kid, "key-1"]
        assert did["assertionMethod"] == [m["id"] for m in did["verificationMethod"]]
        assert [k["kid"] for k in jwks["keys"]] == [m["id"] for m in did["verificationMethod"]]
        assert client.post("/credentials/verify", json=new).get_json() == {"verified": True, "errors": []}
        # ... the old credential's signature still verifies (it is revoked for another reason: superseded).
        answer = client.post("/credentials/verify", json=old).get_json()
        assert answer["verified"] is False and [e.split(":")[0] for e in answer["errors"]] == ["revoked"]
        assert independently_verified(old, did) and independently_verified(new, did)
        listed = runner.run("credentials", "keys")
        assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [[kid, "current (signs)"],
                                                                                  ["key-1", "retired (verifies)"]]
    # The old key removed from the retired ones: what it signed is refused, saying why; the new still verifies.
    with keys(app, lines["CREDENTIAL_SIGNING_KEY"], lines["CREDENTIAL_KEY_ID"]):
        answer = client.post("/credentials/verify", json=old).get_json()
        assert answer["verified"] is False
        assert any(e.startswith("proof: signed with the key 'key-1', which this organisation no longer publishes")
                   for e in answer["errors"]), answer
        assert client.post("/credentials/verify", json=new).get_json() == {"verified": True, "errors": []}
        did = client.get("/.well-known/did.json").get_json()
        assert len(did["verificationMethod"]) == 1 and not independently_verified(old, did)


def test_a_credential_still_standing_verifies_after_the_rotation(world, client, auth, app):
    level = world["validate"](4)
    with keys(app, seed(1), "key-a"):
        cred = credential_of(client, auth, world["sam"], level.id)
        public = client.get("/.well-known/did.json").get_json()["verificationMethod"][0]["publicKeyMultibase"]
    with keys(app, seed(2), "key-b", f"key-a={public}"):
        assert client.post("/credentials/verify", json=cred).get_json() == {"verified": True, "errors": []}
        # A credential claiming the retired key's id but signed by another key is a bad signature, not a pass.
        forged = copy.deepcopy(cred)
        forged["proof"] = service.sign({k: v for k, v in cred.items() if k != "proof"})["proof"] | {
            "verificationMethod": cred["proof"]["verificationMethod"]}
        answer = client.post("/credentials/verify", json=forged).get_json()
        assert answer["verified"] is False and any(e.startswith("signature") for e in answer["errors"])


@pytest.mark.parametrize("key_id, retired, message", [
    ("key 1", "", "CREDENTIAL_KEY_ID: a key id is 1 to 64 letters"),
    ("key-2", "key-1", "CREDENTIAL_RETIRED_KEYS, key 1: write it as id=publicKeyMultibase"),
    ("key-2", "key-1=zNotAKey", "CREDENTIAL_RETIRED_KEYS, key 1: not an Ed25519 public key"),
    ("key-2", "key-1={pub3};key-2={pub4}", "CREDENTIAL_RETIRED_KEYS, key 2: the key id 'key-2' is used twice"),
    ("key-2", "key-1={pub3};key-9={pub3}", "CREDENTIAL_RETIRED_KEYS, key 2: 'key-9' is the same public key as 'key-1'"),
    ("key-2", "key-1={pub2}", "CREDENTIAL_RETIRED_KEYS, key 1: 'key-1' is the same public key as 'key-2'"),
])
def test_a_key_set_a_verifier_could_not_read_stops_the_app_at_its_start(app, key_id, retired, message):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    def pub(byte):
        raw = Ed25519PrivateKey.from_private_bytes(bytes([byte]) * 32).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return service.multibase_public_key(raw)

    retired = retired.format(pub2=pub(2), pub3=pub(3), pub4=pub(4))
    config = {"CREDENTIAL_SIGNING_KEY": seed(2), "CREDENTIAL_KEY_ID": key_id, "CREDENTIAL_RETIRED_KEYS": retired}
    with pytest.raises(ValueError) as refused:
        service.check_keys(config)
    assert str(refused.value).startswith(message), str(refused.value)
    # Several retired keys, separated by ';' or spaces, are read in order.
    ok = {"CREDENTIAL_SIGNING_KEY": seed(2), "CREDENTIAL_KEY_ID": "key-2",
          "CREDENTIAL_RETIRED_KEYS": f"key-1={pub(3)}; key-0={pub(4)}"}
    with keys(app, **{"signing": ok["CREDENTIAL_SIGNING_KEY"], "key_id": "key-2", "retired": ok["CREDENTIAL_RETIRED_KEYS"]}):
        with app.test_request_context("/"):
            assert [kid for kid, _ in service.published_keys()] == ["key-2", "key-1", "key-0"]
