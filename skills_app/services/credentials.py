"""Validated levels as verifiable credentials: Open Badges 3.0.

A validated, unexpired level gives its person a W3C Verifiable Credential of
type ``OpenBadgeCredential``: the achievement is the skill at that level
(its id the CASE identifier of the skill level, aligned to the CASE identifier
of the skill, as ``exporters/case.py`` makes them), its criteria the level's
descriptors, valid from the decision to the validity end. The JSON-LD context
and the JSON schema are 1EdTech's (``skills_app/schemas/ob_v3p0/``).

It is signed by the organisation's current Ed25519 key (``CREDENTIAL_SIGNING_KEY``,
its id ``CREDENTIAL_KEY_ID``) with an embedded ``DataIntegrityProof``, cryptosuite
``eddsa-jcs-2022``: the
proof options and the credential are each canonicalised by JCS (RFC 8785),
hashed with SHA-256, and the two hashes signed; ``proofValue`` is the
signature in multibase base58btc. The issuer is a ``did:web`` of the
application's address; its DID document (``/.well-known/did.json``) and a
JWKS (``/.well-known/jwks.json``) publish the public keys, each under its id:
the current one and the retired ones (``CREDENTIAL_RETIRED_KEYS``, public halves
only), so that a credential signed before a key rotation still verifies, and
one signed with a key no longer published is refused saying so.

Revocation is a Bitstring Status List (``/credentials/status``), read from the
assessments themselves: a credential's index is its assessment's id, and its
bit is set when that assessment no longer stands as the person's level (no
longer validated, erased, expired, or superseded by a later validation of the
skill). Nothing is stored for a credential: issuing one writes nothing.

Anyone verifies a credential at ``POST /credentials/verify``: its shape, the
issuer, the signature, the validity dates and the status list.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import secrets
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app, has_request_context, request
from sqlalchemy import and_, func, or_, select, true

from skills_app import clock, policy
from skills_app.errors import InvalidState
from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.reports.labels import skill_label

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "ob_v3p0"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_CONTEXT, OB_CONTEXT]
SCHEMA_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
CRYPTOSUITE = "eddsa-jcs-2022"
KEY_ID = "key-1"
STATUS_LIST_BITS = 131072  # the spec's minimum (16 KB), for herd privacy
# The namespace of credential ids (a fixed, random UUID): one id per decision.
NAMESPACE = uuid.UUID("3c5e8a4e-27b1-4d7f-9a0b-6f2f1c9d8e51")
ED25519_MULTICODEC = b"\xed\x01"
MAX_BYTES = 256 * 1024


# -- keys and the issuer ---------------------------------------------------------------

DEFAULT_KEY_ID = KEY_ID
KEY_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@lru_cache(maxsize=4)
def _key_from(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("CREDENTIAL_SIGNING_KEY is a PEM key, but not an Ed25519 one")
        return key
    try:
        seed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise ValueError("CREDENTIAL_SIGNING_KEY is 32 bytes in base64url (an Ed25519 seed), or a PEM private key")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_key_id(key_id: str, where: str) -> str:
    key_id = key_id.strip()
    if not key_id or len(key_id) > 64 or not set(key_id) <= KEY_ID_CHARS:
        raise ValueError(f"{where}: a key id is 1 to 64 letters, digits, '-', '_' or '.' (got {key_id!r})")
    return key_id


def multibase_public_key(raw: bytes) -> str:
    """An Ed25519 public key as the DID document writes it (Multikey: multibase base58btc)."""
    return "z" + b58encode(ED25519_MULTICODEC + raw)


def _public_from_multibase(text: str, where: str) -> Ed25519PublicKey:
    text = text.strip()
    try:
        if not text.startswith("z"):
            raise ValueError
        data = b58decode(text[1:])
    except ValueError:
        data = b""
    if len(data) != 34 or not data.startswith(ED25519_MULTICODEC):
        raise ValueError(f"{where}: not an Ed25519 public key as /.well-known/did.json publishes it "
                         "(publicKeyMultibase, z6Mk…)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


@lru_cache(maxsize=8)
def _keys_from(signing: str, current_id: str, retired: str) -> tuple[tuple[str, bytes], ...]:
    """Every key that verifies, current first: (id, raw public key) each. Refuses a
    configuration a verifier could not read: an id used twice, a key published twice."""
    current = _check_key_id(current_id or DEFAULT_KEY_ID, "CREDENTIAL_KEY_ID")
    keys = [(current, _raw(_key_from(signing).public_key()))]
    parts = [p for chunk in (retired or "").replace(",", ";").split(";") for p in chunk.split()]
    for n, part in enumerate(parts, 1):
        where = f"CREDENTIAL_RETIRED_KEYS, key {n}"
        key_id, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"{where}: write it as id=publicKeyMultibase (e.g. key-1=z6Mk…), not {part[:20]!r}")
        key_id = _check_key_id(key_id, where)
        raw = _raw(_public_from_multibase(value, where))
        for other_id, other_raw in keys:
            if other_id == key_id:
                raise ValueError(f"{where}: the key id {key_id!r} is used twice; each key has an id of its own")
            if other_raw == raw:
                raise ValueError(f"{where}: {key_id!r} is the same public key as {other_id!r}")
        keys.append((key_id, raw))
    return tuple(keys)


def check_keys(config) -> None:
    """Read the configured keys once (at the app's start): ValueError naming the variable if they are wrong."""
    _keys_from(config["CREDENTIAL_SIGNING_KEY"], config.get("CREDENTIAL_KEY_ID") or DEFAULT_KEY_ID,
               config.get("CREDENTIAL_RETIRED_KEYS") or "")


def signing_key() -> Ed25519PrivateKey:
    return _key_from(current_app.config["CREDENTIAL_SIGNING_KEY"])


def key_id() -> str:
    """The current key's id (CREDENTIAL_KEY_ID, "key-1" unless set)."""
    return published_keys()[0][0]


def published_keys() -> tuple[tuple[str, bytes], ...]:
    """The keys whose signatures verify, the current one first: (id, raw public key)."""
    config = current_app.config
    return _keys_from(config["CREDENTIAL_SIGNING_KEY"], config.get("CREDENTIAL_KEY_ID") or DEFAULT_KEY_ID,
                      config.get("CREDENTIAL_RETIRED_KEYS") or "")


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def _public_bytes() -> bytes:
    return _raw(public_key())


def new_key_lines(today: str) -> list[str]:
    """The environment lines of a rotation: a new current key (a fresh seed, and an id made of
    ``today``, e.g. key-2026-12-01), and the present current key added to the retired ones
    (its public half only). What `skills-app credentials new-key` prints."""
    keys = published_keys()
    taken = {k for k, _ in keys}
    new_id, n = f"key-{today}", 2
    while new_id in taken:
        new_id, n = f"key-{today}-{n}", n + 1
    seed = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    retired = ";".join(f"{k}={multibase_public_key(raw)}" for k, raw in keys)
    return [f"CREDENTIAL_SIGNING_KEY={seed}", f"CREDENTIAL_KEY_ID={new_id}", f"CREDENTIAL_RETIRED_KEYS={retired}"]


def issuer_url() -> str:
    """The issuer's address: CREDENTIAL_ISSUER_URL, else the address the request came to."""
    configured = current_app.config.get("CREDENTIAL_ISSUER_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return "http://localhost"


def issuer_did() -> str:
    """did:web of the issuer's host (a port written %3A), and its path if any."""
    parts = urlsplit(issuer_url())
    did = "did:web:" + quote(parts.netloc, safe="")
    path = [p for p in parts.path.split("/") if p]
    return ":".join([did, *(quote(p, safe="") for p in path)])


def verification_method(kid: str | None = None) -> str:
    """The DID URL of a key (the current one unless ``kid``)."""
    return f"{issuer_did()}#{kid or key_id()}"


def public_key_multibase() -> str:
    return multibase_public_key(_public_bytes())


def did_document() -> dict:
    """The issuer's DID document: every published key (current first) as a Multikey, each an assertion method."""
    did = issuer_did()
    methods = [{"id": verification_method(kid), "type": "Multikey", "controller": did,
                "publicKeyMultibase": multibase_public_key(raw)} for kid, raw in published_keys()]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def jwks() -> dict:
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).decode().rstrip("="),
                      "kid": verification_method(kid), "alg": "EdDSA", "use": "sig"} for kid, raw in published_keys()]}


def issuer_profile() -> dict:
    return {"id": issuer_did(), "type": ["Profile"], "name": current_app.config.get("CREDENTIAL_ISSUER_NAME") or "skills_app",
            "url": issuer_url()}


# -- encodings ---------------------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        n = n * 58 + _B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# -- signing -----------------------------------------------------------------------------

def _hash_data(document: dict, options: dict) -> bytes:
    config = dict(options)
    config["@context"] = document.get("@context")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(rfc8785.dumps(config)).digest() + hashlib.sha256(rfc8785.dumps(unsecured)).digest()


def sign(document: dict) -> dict:
    """``document`` with an embedded DataIntegrityProof (eddsa-jcs-2022) by the organisation's key."""
    options = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": _iso(clock.now()),
               "verificationMethod": verification_method(), "proofPurpose": "assertionMethod"}
    signature = signing_key().sign(_hash_data(document, options))
    return {**document, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


# -- the credential of a validated level --------------------------------------------------

def case_identifier(framework, *parts) -> str:
    """The CASE identifier ``exporters/case.py`` gives a framework's item (same namespace and key)."""
    from skills_app.exporters.case import NAMESPACE as CASE_NAMESPACE  # the CASE exporter's ids (its module is heavy)

    return str(uuid.uuid5(CASE_NAMESPACE, "|".join([f"{framework.code}|{framework.version}", *map(str, parts)])))


def _credential_id(assessment: Assessment) -> str:
    return "urn:uuid:" + str(uuid.uuid5(NAMESPACE, f"{assessment.id}|{_iso(assessment.decided_at)}"))


def _subject_identifier(email: str) -> dict:
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((email.lower() + salt).encode()).hexdigest()
    return {"type": "IdentityObject", "hashed": True, "identityHash": f"sha256${digest}", "identityType": "emailAddress",
            "salt": salt}


def unsigned(assessment: Assessment) -> dict:
    """The OpenBadgeCredential of a validated assessment, before its proof."""
    skill, framework, level = assessment.skill, assessment.framework, assessment.validated_level
    level_name = next((lv.name for lv in framework.levels if lv.number == level), None)
    skill_level = skill.level(level)
    descriptors = [d.text for d in skill_level.descriptors] if skill_level is not None else []
    # "Service level management (SFIA SLMO)"; a skill coded as its framework (the in-house "MIM" of "MIM") once.
    label = f"{skill.name} ({skill_label(framework.code, skill.code)}) at level {level}" + (f", {level_name}" if level_name else "")
    base = issuer_url()
    criteria = (f"Validated by a reviewer against the descriptors of {framework.code} {framework.version} {skill.code} "
                f"level {level}:\n\n" + "\n".join(f"- {text}" for text in descriptors)) if descriptors else \
        f"Validated by a reviewer at {framework.code} {framework.version} {skill.code} level {level}."
    achievement = {
        "id": "urn:uuid:" + case_identifier(framework, "skilllevel", skill.code, level),
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": label,
        "description": skill.description or f"{skill.name}, a skill of {framework.name} {framework.version}.",
        "humanCode": f"{skill.code}.{level}",
        "criteria": {"narrative": criteria},
        "alignment": [
            {"type": ["Alignment"], "targetType": "CFItem", "targetName": skill.name, "targetCode": skill.code,
             "targetFramework": f"{framework.name} {framework.version}",
             "targetUrl": "urn:uuid:" + case_identifier(framework, "skill", skill.code)},
            {"type": ["Alignment"], "targetType": "CFItem", "targetName": f"{skill.name} at level {level}",
             "targetCode": f"{skill.code}.{level}", "targetFramework": f"{framework.name} {framework.version}",
             "targetUrl": "urn:uuid:" + case_identifier(framework, "skilllevel", skill.code, level)},
        ],
        "creator": issuer_profile(),
    }
    decided, until = _iso(assessment.decided_at), _iso(assessment.valid_until)
    document = {
        "@context": CONTEXTS,
        "id": _credential_id(assessment),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": label,
        "description": f"{assessment.person.name} holds {label}, validated on {(decided or '')[:10]}.",
        "issuer": issuer_profile(),
        "validFrom": decided,
        "issuanceDate": decided,
        "awardedDate": decided,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": assessment.person.name,
            "identifier": [_subject_identifier(assessment.person.email)],
            "achievement": achievement,
        },
        "credentialSchema": [{"id": SCHEMA_URL, "type": SCHEMA_TYPE}],
        "credentialStatus": {
            "id": f"{base}/credentials/status#{assessment.id}", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": str(assessment.id),
            "statusListCredential": f"{base}/credentials/status",
        },
    }
    if until:
        document["validUntil"] = until
        document["expirationDate"] = until
    return document


def issue(actor, assessment: Assessment) -> dict:
    """The signed credential of ``assessment``, for its person, while the level stands."""
    policy.require(actor, "view_assessment", assessment)
    policy.require(actor, "download_credential", assessment)
    if assessment.skill_id is None:
        raise InvalidState("A credential is issued for a skill's validated level; this is a level of responsibility.")
    if assessment.status != "validated" or assessment.validated_level is None:
        raise InvalidState(f"Only a validated level has a credential; this assessment is {assessment.status_label.lower()}.")
    if revoked(assessment.id):
        raise InvalidState("This level no longer stands (it has expired, or a later validation replaced it): "
                           "it has no credential.")
    return sign(unsigned(assessment))


def stands(assessment: Assessment) -> bool:
    """Whether ``assessment`` is a level that has a credential now."""
    return (assessment.skill_id is not None and assessment.status == "validated" and assessment.validated_level is not None
            and not revoked(assessment.id))


def filename(assessment: Assessment) -> str:
    return f"credential-{assessment.framework.code}-{assessment.skill.code}-{assessment.validated_level}-{assessment.id}.json"


# -- revocation: the status list ----------------------------------------------------------

def _standing(now: datetime, among=None):
    """The ids of assessments whose level stands: each person's latest validated,
    unexpired assessment of each skill (their current level, as My skills and the
    gap engine read it). ``among``: a condition that keeps whole (person, skill)
    partitions, so that the ranks are the same as over every assessment."""
    ranked = (select(Assessment.id,
                     func.row_number().over(partition_by=(Assessment.person_id, Assessment.skill_id),
                                            order_by=(Assessment.decided_at.desc(), Assessment.id.desc())).label("rank"))
              .where(Assessment.status == "validated", Assessment.validated_level.is_not(None),
                     or_(Assessment.valid_until.is_(None), Assessment.valid_until > now),
                     true() if among is None else among)
              .subquery("ranked"))
    return select(ranked.c.id).where(ranked.c.rank == 1)


def revoked(index: int, now: datetime | None = None) -> bool:
    """Whether the credential at ``index`` (an assessment id) is revoked. Only the
    assessments of its person and skill are ranked (the person and skill index),
    not every validated assessment."""
    now = now or clock.now()
    target = Assessment.__table__.alias("target")
    same = and_(Assessment.person_id == select(target.c.person_id).where(target.c.id == index).scalar_subquery(),
                Assessment.skill_id == select(target.c.skill_id).where(target.c.id == index).scalar_subquery())
    standing = _standing(now, same).subquery("standing")
    return db.session.scalar(select(func.count()).select_from(standing).where(standing.c.id == index)) == 0


def revoked_indexes(now: datetime | None = None) -> list[int]:
    """Every index set in the status list: each assessment that was validated and no longer stands. One statement."""
    now = now or clock.now()
    stmt = (select(Assessment.id).where(Assessment.validated_level.is_not(None), Assessment.decided_at.is_not(None),
                                        Assessment.id.not_in(_standing(now)))
            .order_by(Assessment.id))
    return list(db.session.scalars(stmt))


def encode_bits(indexes: list[int]) -> str:
    """A bitstring (index 0 the first byte's highest bit), GZIP'd, in multibase base64url."""
    size = max(STATUS_LIST_BITS, ((max(indexes, default=0) // 8) + 1) * 8)
    bits = bytearray(size // 8)
    for i in indexes:
        bits[i // 8] |= 0x80 >> (i % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def status_list() -> dict:
    """The signed BitstringStatusListCredential of revocations."""
    base = issuer_url()
    return sign({
        "@context": [VC_CONTEXT],
        "id": f"{base}/credentials/status",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": _iso(clock.now()),
        "credentialSubject": {"id": f"{base}/credentials/status#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encode_bits(revoked_indexes())},
    })


# -- verification -------------------------------------------------------------------------

def parse(raw: bytes) -> tuple[object, list[str]]:
    """The credential in a request body: JSON, or a JSON object under "credential"."""
    if len(raw) > MAX_BYTES:
        return None, [f"The credential is over {MAX_BYTES // 1024} KB."]
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None, ["The body is not JSON: send the credential as it was downloaded."]
    return data, []


def _method_key(method) -> bytes | None:
    """The raw public key of a published key named by its DID URL; None if none is published under it."""
    if not isinstance(method, str):
        return None
    return next((raw for kid, raw in published_keys() if verification_method(kid) == method), None)


def describe(document) -> list[tuple[str, str]]:
    """What a credential states, as label and text pairs for a person to read (the verify page
    shows them for a verified credential): who holds which level, issued by whom, valid when,
    signed with which key."""
    if isinstance(document, dict) and set(document) == {"credential"}:
        document = document["credential"]
    if not isinstance(document, dict):
        return []
    subject = document.get("credentialSubject") if isinstance(document.get("credentialSubject"), dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    issuer = document.get("issuer") if isinstance(document.get("issuer"), dict) else {"id": document.get("issuer")}
    proof = document.get("proof") if isinstance(document.get("proof"), dict) else {}
    method = proof.get("verificationMethod")
    out = [("Holder", subject.get("name")), ("Level", achievement.get("name")),
           ("Issued by", " ".join(str(x) for x in (issuer.get("name"), f"({issuer.get('id')})" if issuer.get("id") else None) if x)),
           ("Valid from", (document.get("validFrom") or "")[:10]), ("Valid until", (document.get("validUntil") or "")[:10] or "no end"),
           ("Signed with the key", method.rsplit("#", 1)[-1] if isinstance(method, str) and "#" in method else None)]
    return [(label, str(value)) for label, value in out if value]


def verify(document) -> dict:
    """``{"verified": bool, "errors": [...], "checks": {...}}`` for a credential as
    downloaded (or wrapped as ``{"credential": ...}``): its shape, the issuer, the
    signature, the validity dates and the status list. Anyone may ask."""
    errors: list[str] = []
    if isinstance(document, dict) and set(document) == {"credential"}:
        document = document["credential"]
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):
            document = None
    if not isinstance(document, dict):
        return {"verified": False, "errors": ["Not a credential: send the credential's JSON object."]}
    types = document.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if "VerifiableCredential" not in types or not ({"OpenBadgeCredential", "AchievementCredential"} & set(types)):
        errors.append("type: not an Open Badges credential (VerifiableCredential and OpenBadgeCredential).")
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return {"verified": False, "errors": [*errors, "proof: missing; the credential is not signed."]}
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != issuer_did():
        errors.append(f"issuer: {issuer_id!r} is not this organisation ({issuer_did()}).")
    if (proof.get("type"), proof.get("cryptosuite")) != ("DataIntegrityProof", CRYPTOSUITE):
        errors.append(f"proof: a DataIntegrityProof with cryptosuite {CRYPTOSUITE} is expected.")
    elif not _method_key(proof.get("verificationMethod")):
        method = proof.get("verificationMethod")
        did = issuer_did()
        if isinstance(method, str) and method.startswith(did + "#"):
            errors.append(f"proof: signed with the key {method[len(did) + 1:]!r}, which this organisation no longer publishes "
                          "(removed after a key rotation, or never its key): the signature cannot be checked.")
        else:
            errors.append("proof: signed with a key that is not this organisation's.")
    elif proof.get("proofPurpose") != "assertionMethod":
        errors.append("proof: the purpose is not assertionMethod.")
    else:
        value = proof.get("proofValue")
        try:
            if not (isinstance(value, str) and value.startswith("z")):
                raise ValueError("not multibase base58btc")
            options = {k: v for k, v in proof.items() if k != "proofValue"}
            key = Ed25519PublicKey.from_public_bytes(_method_key(proof.get("verificationMethod")))
            key.verify(b58decode(value[1:]), _hash_data(document, options))
        except (InvalidSignature, ValueError, TypeError):
            errors.append("signature: does not match; the credential was changed after it was signed, or not signed by this "
                          "organisation.")
    now = clock.now()
    valid_from = _parse(document.get("validFrom") or document.get("issuanceDate"))
    valid_until = document.get("validUntil") or document.get("expirationDate")
    if valid_from is None:
        errors.append("validFrom: missing or not a date and time.")
    elif valid_from > now:
        errors.append(f"validFrom: not valid before {document.get('validFrom') or document.get('issuanceDate')}.")
    if valid_until is not None:
        until = _parse(valid_until)
        if until is None:
            errors.append("validUntil: not a date and time.")
        elif until <= now:
            errors.append(f"expired: the level was valid until {valid_until}.")
    status = document.get("credentialStatus")
    index = status.get("statusListIndex") if isinstance(status, dict) else None
    if not (isinstance(status, dict) and status.get("statusPurpose") == "revocation" and isinstance(index, str)
            and index.isascii() and index.isdigit() and len(index) <= 12):
        errors.append("credentialStatus: no revocation status list entry.")
    elif revoked(int(index), now):
        errors.append("revoked: the level no longer stands (it was withdrawn, replaced by a later validation, or expired).")
    return {"verified": not errors, "errors": errors}
