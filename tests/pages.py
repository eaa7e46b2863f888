"""Reading what a page tells the person: flashed messages, and the problems a
refused form is shown again with (the error summary and each field's error)."""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit


def _text(fragment: str) -> str:
    # Words only a screen reader hears ("Error: " before a field's problem) are not part of the message.
    fragment = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def flashes(response) -> str:
    return " ".join(_text(m) for m in re.findall(r'<p class="flash[^"]*">(.*?)</p>', response.get_data(as_text=True), re.S))


def problems(response) -> str:
    """Every problem of the refused form: the summary's items, one a line."""
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?<ul>(.*?)</ul>', page, re.S)
    return "\n".join(_text(item) for item in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)) if summary else ""


def field_error(response, field_id: str) -> str:
    """The problem shown beside one field (its element described by ``<id>-error``)."""
    found = re.search(rf'<div id="{re.escape(field_id)}-error">(.*?)</div>', response.get_data(as_text=True), re.S)
    return _text(found.group(1)) if found else ""


def messages(response) -> str:
    """What the page tells the person, flashed or as problems of its form."""
    return " ".join(part for part in (flashes(response), problems(response)) if part)


def confirmation(response) -> tuple[str, list[tuple[str, str]]]:
    """The confirmation page's form: where it posts and the values it carries
    (its hidden inputs, in order, the signature and ``confirmed=yes`` among them)."""
    page = response.get_data(as_text=True)
    form = re.search(r'<section class="card narrow confirm".*?<form method="post" action="([^"]*)">(.*?)</form>', page, re.S)
    assert form, "not a confirmation page"
    hidden = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group(2))
    return html.unescape(form.group(1)), [(html.unescape(n), html.unescape(v)) for n, v in hidden]


def confirm(client, response, **options):
    """Press the confirming button of the confirmation page ``response``: its carried values posted back as shown."""
    from werkzeug.datastructures import MultiDict

    action, values = confirmation(response)
    return client.post(action, data=MultiDict(values), **options)


# -- walking the pages a role reaches by links ------------------------------------------------
def route_shape(path: str) -> str:
    """One page per route shape is visited: /people/1 stands for /people/2."""
    return "/".join("#" if p.isdigit() else p for p in urlsplit(path).path.split("/"))


def links(body: str) -> list[str]:
    """Every link's address in a page's HTML, as the browser reads it."""
    return [href.replace("&amp;", "&") for href in re.findall(r'<a [^>]*href="([^"]+)"', body)]


def queue_links(hrefs, queue: list[str], seen: set[str], extra: set[str], skip: tuple[str, ...]) -> None:
    """Add to ``queue`` the pages of this site among ``hrefs`` whose route shape is not
    already seen or queued (the pages in ``extra``, asked for by name, stand for no shape);
    links containing any of ``skip`` (those that act, leave or download) are left."""
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc or not href.startswith("/") or any(s in href for s in skip):
            continue
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if not any(route_shape(s) == route_shape(target) for s in seen | set(queue) if s not in extra):
            queue.append(target)


# -- the SQL a page costs ---------------------------------------------------------------------
def statements(client, path: str) -> int:
    """How many SQL statements a GET of ``path`` issues (it must answer 200); the test's
    own SAVEPOINTs (its session joins a transaction rolled back at the end) left out."""
    from sqlalchemy import event

    from skills_app.extensions import db

    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not re.match(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", statement):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)
