"""skills_app: a competency assessment and skills-framework tracker."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from skills_app import config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, *, lean: bool = False) -> Flask:
    """The app. ``lean`` leaves out what a command that only reads and writes data
    never uses: what answers HTTP (the web pages, the API, SCIM, single sign-on),
    the migrations (Alembic) and the command groups on ``app.cli``. ``skills-app
    report`` runs on a lean app (skills_app/cli/__init__.py, ``LEAN``) and so
    starts without importing any of them."""
    app = Flask(
        __name__,
        instance_path=str(config.INSTANCE),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.update(test_config)
    # A file over MAX_UPLOAD_MB is refused beside its field, the form's other fields kept
    # (skills_app/web/uploads.py); only a form over MAX_REQUEST_MB
    # (any other body over MAX_CONTENT_LENGTH) is refused unread.
    app.config.setdefault("MAX_REQUEST_MB", max(100, app.config["MAX_UPLOAD_MB"] * 4))
    app.config["MAX_CONTENT_LENGTH"] = (app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024
    if not lean:
        from skills_app.web.uploads import UploadRequest

        app.request_class = UploadRequest
        from skills_app.web.converters import BoundedIntConverter

        # Before any route is added: <int:id> never takes a number too big for the database.
        app.url_map.converters["int"] = BoundedIntConverter

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    from skills_app.extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    if not lean:
        # Alembic (through Flask-Migrate) for `skills-app db`: a lean app's commands never migrate.
        from flask_migrate import Migrate

        Migrate(render_as_batch=True, compare_type=True).init_app(app, db, directory=str(ROOT / "migrations"))
    from skills_app import replica

    replica.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from skills_app import redis_link

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": redis_link.TIMEOUT_SECONDS,
                                                            "socket_timeout": redis_link.TIMEOUT_SECONDS})
    limiter.init_app(app)
    _proxy_fix(app)

    from skills_app import models  # noqa: F401  (register the tables)
    if not lean:
        _faces(app)
        from skills_app.cli import register as register_cli

        register_cli(app)
    _sqlite_pragmas(app)
    from skills_app.services import credentials

    # A credential key set no verifier could read (a bad retired key, an id used twice) stops the start, saying which.
    credentials.check_keys(app.config)
    # The kept requirements and levels follow every change, in its transaction (services/kept.py).
    from skills_app.services import kept

    kept.install()
    if not lean and app.config.get("WARM_START") and not app.testing:
        _warm(app)
    return app


def _warm(app: Flask) -> None:
    """What a serving process's first requests would pay, paid at start: every template
    compiled (kept in Jinja's cache) and pandas imported (the reports' frames). Under
    ``gunicorn --preload`` this runs once in the master and every worker forks with it;
    else each worker pays it as it boots, not its first users. About 1.3 s; commands
    (``skills-app``) and tests do without it. What is then in memory is frozen for the
    collector (``gc.freeze``)."""
    import gc

    import pandas  # noqa: F401

    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html")):
        app.jinja_env.get_template(name)
    # What the process is made of by now (Flask, SQLAlchemy, pandas, the compiled templates:
    # some 200,000 objects) lives as long as it does: frozen, the collector's full walks no longer
    # visit it. Each such walk took 0.5-0.8 s of CPU here, and under gunicorn's threads it holds
    # every request of the worker; under --preload the workers fork frozen.
    gc.collect()
    gc.freeze()


def _faces(app: Flask) -> None:
    """What answers HTTP: single sign-on, the web pages, the API and SCIM."""
    from skills_app import oidc

    oidc.init_app(app)
    from skills_app.web import register as register_web

    register_web(app)

    from skills_app.api import register as register_api

    register_api(app)

    from skills_app.scim import register as register_scim

    register_scim(app)

    from skills_app.web import read_reports_from_replica

    read_reports_from_replica(app)


def _proxy_fix(app: Flask) -> None:
    """Behind ``PROXY_FIX`` trusted reverse proxies, the client's address, scheme
    and host are the ones they forward (werkzeug's ProxyFix); with 0 (the
    default) X-Forwarded-* headers are ignored, as anyone can send them.
    Read per request, so that the setting is the app's current one."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    inner = app.wsgi_app

    def wsgi_app(environ, start_response):
        hops = int(app.config.get("PROXY_FIX") or 0)
        if hops > 0:
            return ProxyFix(inner, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)(environ, start_response)
        return inner(environ, start_response)

    app.wsgi_app = wsgi_app


def _sqlite_pragmas(app: Flask) -> None:
    """Foreign keys on, and a busy timeout, for every SQLite connection."""
    from sqlalchemy import event

    from skills_app.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
