"""One error handler that answers HTML or JSON by what the client wants, and
maps domain errors to status codes."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from skills_app.errors import DomainError, sentence
from skills_app.web.transaction import abandon, drop_connection


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    if request.is_json:  # a JSON body (POST /credentials/verify) is answered in JSON unless HTML is preferred
        return request.accept_mimetypes["application/json"] >= request.accept_mimetypes["text/html"]
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str, details: dict | None = None):
    abandon()  # before rendering: the page shows the database as it was
    if request.path.startswith("/scim/"):
        from skills_app.scim.views import scim_error

        return scim_error(status, message)
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("error.html", status=status, message=sentence(message), back=_way_back() if status == 413 else None), status


def _way_back() -> str | None:
    """The page a refused post came from (this site's own, as the browser said), else the
    address it was sent to where that is a page (a form posts to its own page)."""
    from urllib.parse import urlsplit

    referrer = urlsplit(request.referrer or "")
    if referrer.path and (not referrer.netloc or referrer.netloc == request.host):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    from flask import current_app

    shown = current_app.url_map.bind_to_environ(request.environ).test(request.path, method="GET")
    return request.full_path.rstrip("?") if shown else None


def too_big_message() -> str:
    """What a request over the size limit is told: the limit, and that nothing was kept."""
    limit = request.max_content_length
    size = f" (the limit is {limit // (1024 * 1024)} MB for everything sent at once)" if limit else ""
    return (f"What was sent is too big{size}: nothing was saved. Go back to the page, choose a smaller file "
            "(or send the files one at a time) and send the page again.")


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "csrf", "The form had expired or was not sent from this site. Please go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            404: "There is nothing at this address.",
            403: "You do not have permission to see this page.",
            405: "That action is not allowed here.",
            413: "The upload is too big: nothing was saved. Go back, choose a smaller file and send the page again.",
        }
        code = (exc.name or "error").lower().replace(" ", "_")
        if exc.code == 413:
            messages[413] = too_big_message()
        return error_response(exc.code or 500, code, messages.get(exc.code, exc.description or exc.name))

    from sqlalchemy.exc import DBAPIError, OperationalError

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(exc):
        # The database went away (restarted, connections dropped): say so with a 503,
        # on a page that needs no database (the layout asks it for counts).
        if isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            return unexpected(exc)
        app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exc.__class__.__name__)
        try:
            abandon()
        except Exception:  # pragma: no cover - the connection is already gone
            drop_connection()
        message = "The database is not answering just now. Please try again in a moment."
        if wants_json():
            response = jsonify({"error": {"code": "unavailable", "message": message}})
        else:
            response = app.response_class(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unavailable · skills_app</title></head>"
                f"<body><main><h1>Service unavailable</h1><p>{message}</p></main></body></html>", mimetype="text/html")
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "Something went wrong on our side. It has been logged; please try again.")
