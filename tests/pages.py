"""Reading what a page tells the person: flashed messages, and the problems a
refused form is shown again with (the error summary and each field's error)."""
from __future__ import annotations

import html
import re


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
