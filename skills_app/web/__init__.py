"""The web app: thin blueprints per area, the sign-in requirement, the
transaction per request, error pages, security headers."""
from __future__ import annotations

import functools
from urllib.parse import quote_plus
from datetime import datetime

from flask import Flask, g, has_app_context, has_request_context, request, session
from flask_login import current_user

from skills_app import policy, replica, words
from skills_app.errors import InvalidInput
from skills_app.extensions import login_manager
from skills_app.models.campaigns import PROGRESS_LABELS, SKILL_STAGE_LABELS
from skills_app.models.people import ROLE_LABELS
from skills_app.reports.gaps import STATUS_LABELS as GAP_STATUS_LABELS
from skills_app.reports.labels import skill_label, with_version
from skills_app.services import sign_in_sessions
from skills_app.services import badges
from skills_app.services import frameworks as framework_service
from skills_app.services import service_levels as sla_service
from skills_app.web import (
    account, admin, assessments, auth, campaigns, credentials, endorsements, errors, explore, finder, frameworks, identity_admin,
    jobs, learning, library, main, notifications, people, plans, reports, requirements, revalidation, reviews, service_levels, sso, transaction,
    trends, what_if,
)
from skills_app.web import crosswalk_editor, framework_editor  # noqa: F401  (their routes join frameworks.bp and requirements.bp)
from skills_app.web.forms import failed_form, posted

# The only pages a visitor who has not signed in may open. Every other page
# sends them to sign in (tests/test_sign_in_required.py derives the check from
# the URL map, so that no new route can escape it).
PUBLIC_ENDPOINTS = frozenset({"static", "auth.login", "auth.logout", "main.healthz", "main.accessibility", "sso.start", "sso.callback",
                              # Verifying a credential, and the issuer's key and status list (web/credentials.py)
                              "credentials.verify", "credentials.status_list", "credentials.did_document", "credentials.jwks"})
# Blueprints that authenticate their callers themselves, with bearer tokens: the API and SCIM.
OWN_AUTHENTICATION = frozenset({"api", "scim"})

# The pages, downloads and API reads of reports: their reads tolerate a little lag, so with
# DATABASE_REPLICA_URL they go to the replica (skills_app/replica.py) once the caller is known
# (signed in, or their token read, on the primary). Never a page that shows what was just saved.
REPORT_ENDPOINTS = frozenset({
    "reports.gap_report", "reports.gap_export", "reports.service_coverage", "reports.training_needs",
    "trends.coverage", "trends.calibration", "finder.search", "service_levels.report_page", "campaigns.export_results",
    "api.gap_report", "api.training_needs",
})

# One blueprint a module, registered in this order.
BLUEPRINTS = (auth, main, frameworks, people, finder, admin, assessments, endorsements, reviews, notifications, reports, requirements,
              learning, account, campaigns, revalidation, trends, what_if, service_levels, sso, identity_admin, explore, credentials,
              jobs, plans, library)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _csp() -> str:
    """The policy; with an identity provider, the sign-out form may end at its
    end-session endpoint (browsers hold redirects after a form to form-action)."""
    from skills_app import oidc

    origin = oidc.origin() if oidc.configured() else None
    return CSP.replace("form-action 'self'", f"form-action 'self' {origin}") if origin else CSP


def _once(name: str, compute):
    """A value computed once a request (kept in ``g``)."""
    cached = g.setdefault("_once", {})
    if name not in cached:
        cached[name] = compute()
    return cached[name]


def versioned_codes() -> set[str]:
    """The framework codes with two versions live, read once a request (none outside the app)."""
    if not has_app_context():
        return set()
    return _once("versioned_codes", framework_service.versioned_codes)


def skill_code(skill, version: bool = False) -> str:
    """A skill's code with its framework's ("SFIA SLMO"), once when they are the same ("SLM", not "SLM SLM");
    with its framework's version ("SLM (v2)") where two versions of it are live, or when asked (``version``)."""
    label = skill_label(skill.framework.code, skill.code)
    if version or skill.framework.code.upper() in versioned_codes():
        return with_version(label, skill.framework.version)
    return label


def with_query(base: str, **params) -> str:
    """``base`` (a ``url_for`` of a route that takes no path arguments) with ``params`` as
    its query, as ``url_for`` writes one (werkzeug's encoding, in the order given, a list
    as repeated keys, None left out): for a link repeated on hundreds of rows, without
    building the route each time (and each value quoted once a process)."""
    query = "&".join(f"{_quoted(key)}={_quoted(v)}" for key, value in params.items()
                     for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None)
    return f"{base}?{query}" if query else base


@functools.lru_cache(maxsize=4096, typed=True)
def _quoted(value) -> str:
    # As urllib's urlencode quotes a key or a value for werkzeug (https://url.spec.whatwg.org/#percent-encoded-bytes).
    return quote_plus(str(value), safe="!$'()*,/:;?@")


def _kept_url_for(app: Flask):
    """The templates' ``url_for``: the URL of a route without arguments (the navigation's
    twenty links on every page) or of a static file is the same on every request of the
    same mount point, so it is built once a process and kept; any other is built as Flask
    builds it."""
    build = app.url_for
    built: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        if ((values and (endpoint != "static" or len(values) != 1 or "filename" not in values))
                or endpoint[:1] == "." or any(app.url_default_functions.values()) or not has_request_context()):
            return build(endpoint, **values)
        key = (request.script_root, endpoint, values.get("filename"))
        url = built.get(key)
        if url is None:
            if len(built) >= 4096:
                # The mount point comes from the request (X-Forwarded-Prefix behind PROXY_FIX):
                # prefixes made up by clients never grow the process.
                built.clear()
            url = built[key] = build(endpoint, **values)
        return url

    url_for.built = built  # what it keeps (its tests look)
    return url_for


def skill_label_filter(framework, skill, version=None) -> str:
    """:func:`skill_label` of a report's row, naming ``version`` where two versions of the framework are live."""
    label = skill_label(framework, skill)
    if version not in (None, "") and (framework or "").upper() in versioned_codes():
        return with_version(label, version)
    return label


def when(moment, fmt: str = "%-d %b %Y %H:%M") -> str:
    """A stored moment (UTC) on the organisation's wall clock, the one time zone of
    every page (the working calendar's); a date is shown as it is."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = sla_service.working_calendar().local(moment)
    return moment.strftime(fmt)


def read_reports_from_replica(app: Flask) -> None:
    """Each of ``REPORT_ENDPOINTS`` reads from the replica, when there is one and it
    is fit, from the start of its view (after sign-in and the API's token, read on
    the primary) to the end of the request, a streamed download's last chunk included."""
    def reads_replica(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if request.method == "GET":
                replica.for_reports()
            return view(*args, **kwargs)
        return wrapped

    for endpoint in REPORT_ENDPOINTS:
        app.view_functions[endpoint] = reads_replica(app.view_functions[endpoint])

    @app.teardown_request
    def primary_again(_exc):
        replica.done()


def register(app: Flask) -> None:
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    errors.register(app)
    transaction.register(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        # The cookie alone is not enough: its server-side session must still be open.
        return sign_in_sessions.person_for(user_id, session.get(sign_in_sessions.SESSION_KEY))

    app.jinja_env.globals["url_for"] = _kept_url_for(app)
    app.jinja_env.filters["skill_code"] = skill_code
    app.jinja_env.filters["skill_label"] = skill_label_filter
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["plural"] = words.plural
    app.jinja_env.filters["thousands"] = words.thousands
    app.jinja_env.filters["verb"] = words.verb
    app.jinja_env.globals["with_query"] = with_query
    app.jinja_env.globals["PROGRESS_LABELS"] = PROGRESS_LABELS
    app.jinja_env.globals["GAP_STATUS_LABELS"] = GAP_STATUS_LABELS
    app.jinja_env.globals["SKILL_STAGE_LABELS"] = SKILL_STAGE_LABELS
    app.jinja_env.globals["time_zone"] = lambda: sla_service.working_calendar().timezone

    @app.context_processor
    def inject():
        # The signed-in person, read once (``current_user`` is a proxy that finds them again at each use).
        user = current_user._get_current_object() if has_request_context() else None
        # A permission without an object is asked by the navigation on every page and by some
        # pages once a row: its answer is the same throughout one page's rendering, so asked once.
        answers: dict[str, bool] = {}

        def can(permission, obj=None):
            if obj is not None:
                return policy.can(user, permission, obj)
            if permission not in answers:
                answers[permission] = policy.can(user, permission)
            return answers[permission]

        # Called by the navigation only, so pages without it cost no query; both counts in one
        # statement, once a request, however many places show them (the navigation, the dashboard).
        def badge_counts():
            return _once("badges", lambda: badges.counts(user))

        return {
            "can": can,
            "ROLE_LABELS": ROLE_LABELS,
            "review_count": lambda: badge_counts().waiting,
            "unread_count": lambda: badge_counts().unread,
            # The form shown again with its problems (base.html's error summary), and what was typed into it.
            "failed_form": failed_form,
            "posted": posted,
        }

    @app.before_request
    def refuse_nul_bytes():
        # A NUL byte is never meaningful in a form or filter, and PostgreSQL
        # refuses it in text (a 500 otherwise): refuse the request up front.
        values = [*request.args.values(), *request.form.values()] if request.method != "GET" else list(request.args.values())
        if any("\x00" in v for v in values):
            raise InvalidInput("The request contains a NUL character, which no field accepts.")

    @app.before_request
    def require_sign_in():
        if (request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS
                or request.blueprint in OWN_AUTHENTICATION or request.method == "OPTIONS"):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", _csp())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint and request.endpoint != "static" and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
