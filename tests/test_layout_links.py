"""The templates' url_for keeps the URLs that are the same on every request (a route without
arguments, a static file: the layout's twenty links on every page); each is the one Flask builds,
under any mount point."""
from __future__ import annotations

from flask import url_for


def test_the_kept_links_are_the_ones_flask_builds(app):
    kept = app.jinja_env.globals["url_for"]
    for base in ("http://localhost/", "http://localhost/skills/"):
        with app.test_request_context("/", base_url=base):
            for endpoint in ("main.dashboard", "reports.gap_report", "auth.logout", "account.tokens_page"):
                assert kept(endpoint) == kept(endpoint) == url_for(endpoint)
            assert kept("static", filename="app.css") == url_for("static", filename="app.css")
            assert kept("static", filename="app.js") == url_for("static", filename="app.js")
            # Anything else is built each time, as Flask builds it.
            assert kept("people.show", person_id=3) == url_for("people.show", person_id=3)
            assert kept("main.dashboard", _external=True) == url_for("main.dashboard", _external=True)
            assert kept("reports.gap_report", view="heatmap") == url_for("reports.gap_report", view="heatmap")
    with app.test_request_context("/", base_url="http://localhost/skills/"):
        assert kept("main.dashboard") == "/skills/"


def test_mount_points_made_up_by_clients_do_not_grow_the_process(app):
    kept = app.jinja_env.globals["url_for"]
    for i in range(5000):
        with app.test_request_context("/", base_url=f"http://localhost/made-up-{i}/"):
            assert kept("main.dashboard") == f"/made-up-{i}/"
    assert 0 < len(kept.built) <= 4096
