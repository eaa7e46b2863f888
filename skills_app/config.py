"""Configuration, read from the environment.

Every setting has a safe default for a developer's machine: SQLite under
``instance/``, evidence files under ``instance/uploads``.
"""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _kept(name: str, make) -> str:
    """The environment's ``name``, else a value made once by ``make()`` and kept in
    instance/ (``name`` in lower case, readable by its owner only), so that what
    depends on it survives a restart of the development server."""
    value = os.environ.get(name)
    if value:
        return value
    path = INSTANCE / name.lower()
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        value = make()
        path.write_text(value)
        path.chmod(0o600)
        return value


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one kept in instance/ so that
    sessions survive a restart of the development server."""
    return _kept("SECRET_KEY", lambda: secrets.token_hex(32))


def _credential_signing_key() -> str:
    """CREDENTIAL_SIGNING_KEY from the environment (the organisation's Ed25519 key:
    its 32-byte seed in base64url, or a PEM private key), else one generated and
    kept in instance/ for development, so that credentials issued there stay
    verifiable across restarts."""
    return _kept("CREDENTIAL_SIGNING_KEY", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="))


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment() -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'skills_app.db'}"
    return {
        "SECRET_KEY": _secret_key(),
        # Verifiable credentials (services/credentials.py): the signing key, the issuer's address
        # (its did:web; by default the address the request came to) and its name.
        "CREDENTIAL_SIGNING_KEY": _credential_signing_key(),
        # Its id, and the keys it replaced (public halves: id=publicKeyMultibase;...), still published.
        "CREDENTIAL_KEY_ID": os.environ.get("CREDENTIAL_KEY_ID") or None,
        "CREDENTIAL_RETIRED_KEYS": os.environ.get("CREDENTIAL_RETIRED_KEYS") or "",
        "CREDENTIAL_ISSUER_URL": os.environ.get("CREDENTIAL_ISSUER_URL") or None,
        "CREDENTIAL_ISSUER_NAME": os.environ.get("CREDENTIAL_ISSUER_NAME") or "skills_app",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # Reads on a replica (skills_app/replica.py): report statements go to this PostgreSQL streaming
        # replica while it answers and lags the primary by at most DATABASE_REPLICA_MAX_LAG seconds,
        # checked at most every DATABASE_REPLICA_CHECK_SECONDS per process; else to the primary.
        "DATABASE_REPLICA_URL": normalise_database_url(os.environ["DATABASE_REPLICA_URL"])
        if os.environ.get("DATABASE_REPLICA_URL") else None,
        "DATABASE_REPLICA_MAX_LAG": float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "10")),
        "DATABASE_REPLICA_CHECK_SECONDS": float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "5")),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(INSTANCE / "uploads"),
        "MAX_UPLOAD_MB": int(os.environ.get("MAX_UPLOAD_MB", "10")),
        **({"MAX_REQUEST_MB": int(os.environ["MAX_REQUEST_MB"])} if os.environ.get("MAX_REQUEST_MB") else {}),
        # A serving app pays its first request's costs at start (skills_app._warm): every template
        # compiled and pandas imported, once in gunicorn's master with --preload, before any worker forks.
        "WARM_START": _bool("WARM_START", True),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Background jobs (services/jobs.py, `skills-app worker`): gap exports of more rows than this go to a
        # worker when one listens; a job's file is kept this many hours; a running job's worker beats every
        # JOB_HEARTBEAT_SECONDS (a job whose beat stops is shown as stalled); a job may run this long.
        "JOB_EXPORT_ROWS": int(os.environ.get("JOB_EXPORT_ROWS", "50000")),
        "JOB_KEEP_HOURS": float(os.environ.get("JOB_KEEP_HOURS", "24")),
        "JOB_HEARTBEAT_SECONDS": float(os.environ.get("JOB_HEARTBEAT_SECONDS", "5")),
        "JOB_TIMEOUT_SECONDS": int(os.environ.get("JOB_TIMEOUT_SECONDS", "3600")),
        # The worker's scheduler: campaign reminders daily at this time (UTC), review checks every N minutes.
        "REMINDERS_AT": os.environ.get("REMINDERS_AT") or "08:00",
        "ESCALATIONS_EVERY_MINUTES": int(os.environ.get("ESCALATIONS_EVERY_MINUTES", "60")),
        # PostgreSQL's work_mem for report statements (sorting a million gap rows in memory).
        "REPORT_WORK_MEM": os.environ.get("REPORT_WORK_MEM") or "128MB",
        # Who the accessibility statement (/accessibility) tells people to report a problem to, and their address.
        "ACCESSIBILITY_CONTACT": os.environ.get("ACCESSIBILITY_CONTACT") or None,
        "ACCESSIBILITY_EMAIL": os.environ.get("ACCESSIBILITY_EMAIL") or None,
        # Sign-in sessions end after this long without a request, and this long after sign-in at the latest.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "60")),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
        # Wrong API tokens from one address in 15 minutes before its wrong tokens get 429.
        "API_BAD_TOKEN_LIMIT": int(os.environ.get("API_BAD_TOKEN_LIMIT", "10")),
        # Failed sign-ins from one address (any accounts) in 15 minutes before it must wait.
        "SIGN_IN_ADDRESS_LIMIT": int(os.environ.get("SIGN_IN_ADDRESS_LIMIT", "30")),
        # Trusted reverse proxies in front of the app (docs/deployment.md): 0 ignores X-Forwarded-*.
        "PROXY_FIX": int(os.environ.get("PROXY_FIX", "0")),
        # A person is not reminded again for the same campaign within this many days.
        "REMINDER_COOLDOWN_DAYS": int(os.environ.get("REMINDER_COOLDOWN_DAYS", "3")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "skills-app@localhost"),
        # Sign-in through an OpenID Connect provider (docs/identity.md): on when
        # OIDC_ISSUER and OIDC_CLIENT_ID are set.
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER") or None,
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET") or None,
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES") or "openid email profile",
        "OIDC_EMAIL_CLAIM": os.environ.get("OIDC_EMAIL_CLAIM") or "email",
        "OIDC_GROUPS_CLAIM": os.environ.get("OIDC_GROUPS_CLAIM") or "groups",
        "OIDC_CREATE_USERS": _bool("OIDC_CREATE_USERS"),
        "OIDC_TRUST_EMAIL": _bool("OIDC_TRUST_EMAIL"),
        "OIDC_ROLE_MAP": os.environ.get("OIDC_ROLE_MAP") or "",
        "OIDC_PROVIDER_NAME": os.environ.get("OIDC_PROVIDER_NAME") or "your organisation's account",
        "OIDC_REDIRECT_URI": os.environ.get("OIDC_REDIRECT_URI") or None,
        # What the Groups of /scim/v2 stand for: job_roles or org_units.
        "SCIM_GROUPS": os.environ.get("SCIM_GROUPS") or "job_roles",
    }
