"""A person's notifications."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from skills_app.services import notifications
from skills_app.web.forms import ConfirmForm, handle, success

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _notifications_page():
    page = notifications.for_person(current_user, cursor=request.args.get("cursor"))
    return render_template("notifications/index.html", page=page, form=ConfirmForm(formdata=None))


@bp.get("")
def index():
    return _notifications_page()


@bp.post("/read")
def mark_read():
    return handle(ConfirmForm(), lambda: notifications.mark_all_read(current_user), page=_notifications_page,
                  done=lambda _: success("All notifications marked as read.", "notifications.index"))
