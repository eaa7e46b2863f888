"""Every page needs a signed-in person, but for a short list of public ones;
the API needs a token. The routes come from the app's URL map, so that a new
route cannot escape the rule by being forgotten here."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for
from werkzeug.routing import IntegerConverter

from skills_app.api import IdConverter
from skills_app.api.views import PUBLIC as API_PUBLIC
from skills_app.web import OWN_AUTHENTICATION, PUBLIC_ENDPOINTS

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _path(app, rule) -> str:
    """The rule's address with an id of 1 and a word for every other part."""
    values = {name: 1 if isinstance(converter, (IntegerConverter, IdConverter)) else "x"
              for name, converter in rule._converters.items()}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield rule, method


def test_the_public_endpoints_are_few_and_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS <= endpoints
    assert PUBLIC_ENDPOINTS == {"static", "auth.login", "auth.logout", "main.healthz", "main.accessibility", "sso.start", "sso.callback",
                                "credentials.verify", "credentials.status_list", "credentials.did_document", "credentials.jwks"}
    assert API_PUBLIC == {"api.openapi", "api.docs"}


def test_every_other_page_sends_a_visitor_to_sign_in(app, client):
    checked, escaped = 0, []
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.split(".")[0] in OWN_AUTHENTICATION:
            continue
        path = _path(app, rule)
        response = client.open(path, method=method)
        checked += 1
        if response.status_code != 302 or urlsplit(response.headers["Location"]).path != "/login":
            escaped.append(f"{method} {path}: {response.status_code}")
    assert checked > 80
    assert not escaped, f"pages a visitor reaches without signing in: {escaped}"


def test_every_api_and_scim_endpoint_but_the_api_document_wants_a_token(app, client):
    checked, escaped = 0, []
    for rule, method in _routes(app):
        if rule.endpoint.split(".")[0] not in OWN_AUTHENTICATION or rule.endpoint in API_PUBLIC:
            continue
        response = client.open(_path(app, rule), method=method)
        checked += 1
        if response.status_code != 401:
            escaped.append(f"{method} {rule.rule}: {response.status_code}")
    assert checked >= 20
    assert not escaped, f"endpoints answered without a token: {escaped}"


def test_a_visitor_is_sent_back_where_they_were_going(client):
    response = client.get("/reports/gaps?status=below")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and "next=" in location.query
