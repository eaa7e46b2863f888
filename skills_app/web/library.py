"""My evidence: one's evidence library (reached from My skills). List, add a text,
a link or a file, rename, delete what no assessment attaches, download one's file.
Everything here is the signed-in person's own: another person's item is not found."""
from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from skills_app.services import evidence_library as library
from skills_app.services import evidence_store
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.library import ItemForm, RenameForm

bp = Blueprint("library", __name__)


def _limits() -> dict:
    return {"max_mb": evidence_store.max_bytes() // (1024 * 1024), "max_bytes": evidence_store.max_bytes(),
            "allowed": evidence_store.ALLOWED_TEXT, "max_text": library.MAX_TEXT, "kinds": library.KIND_LABELS}


def _index_page(form):
    items = library.library(current_user, current_user)
    return render_template("library/index.html", form=form, items=items,
                           uses={i.id: library.uses(current_user, i) for i in items}, **_limits())


@bp.route("/my/evidence", methods=["GET", "POST"])
def index():
    form = ItemForm()
    upload = form.file.data

    def add():
        return library.new_item(current_user, current_user, title=form.title.data, text=form.text.data, url=form.url.data,
                                filename=upload.filename if upload else None,
                                stream=upload.stream if upload and upload.filename else None)

    return handle(form, add,
                  page=lambda: _index_page(form),
                  done=lambda item: success(f"“{item.title}” is in your evidence library. Attach it to a self-assessment "
                                            "from the assessment's page.", "library.index", _anchor=f"item-{item.id}"))


@bp.route("/my/evidence/<int:library_item_id>", methods=["GET", "POST"])
def item(library_item_id: int):
    """An item: what it is, where it is used, and its title to change."""
    found = library.get_item(current_user, library_item_id)
    form = RenameForm(data=None if request.method == "POST" else {"title": found.title})
    return handle(form, lambda: library.rename(current_user, found, form.title.data),
                  page=lambda: render_template("library/item.html", item=found, form=form,
                                               uses=library.uses(current_user, found), **_limits()),
                  done=lambda changed: success("Title saved." if changed else "The title was already that.",
                                               "library.item", library_item_id=library_item_id))


@bp.route("/my/evidence/<int:library_item_id>/delete", methods=["GET", "POST"])
def delete(library_item_id: int):
    """Deleting is confirmed on a page of its own, which says instead what uses an attached item."""
    found = library.get_item(current_user, library_item_id)
    form = ConfirmForm()
    title = found.title
    return handle(form, lambda: library.delete(current_user, found),
                  page=lambda: render_template("library/delete.html", item=found, confirm=form,
                                               uses=library.uses(current_user, found), **_limits()),
                  done=lambda _: success(f"“{title}” is deleted from your evidence library.", "library.index"))


@bp.get("/my/evidence/<int:library_item_id>/file")
def file(library_item_id: int):
    found = library.get_item(current_user, library_item_id)
    data = library.file(current_user, found)
    response = send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=True,
                         download_name=found.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
