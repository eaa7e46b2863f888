"""The dashboard: each role greeted with what it came to do."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from skills_app.services import frameworks as framework_service
from skills_app.services import tour
from skills_app.web.forms import ConfirmForm, handle, success

bp = Blueprint("main", __name__)


@bp.get("/")
def dashboard():
    frameworks = framework_service.list_all(current_user)
    from skills_app.services import campaigns, revalidation

    my_campaigns = campaigns.dashboard_cards(current_user)
    expiring = revalidation.expiring(current_user, person=current_user)
    return render_template("main/dashboard.html", frameworks=frameworks, my_campaigns=my_campaigns, expiring=expiring,
                           tour=tour.steps_for(current_user), confirm=ConfirmForm(formdata=None))


@bp.post("/tour/dismiss")
def dismiss_tour():
    """Hide the demo's "try this" list from the dashboard, for good."""
    return handle(ConfirmForm(), lambda: tour.dismiss(current_user), page=dashboard,
                  done=lambda _: success("The list of things to try is hidden; everything it led to is in the menus.",
                                         "main.dashboard"))


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement: public, as public bodies must publish it."""
    return render_template("main/accessibility.html", contact=current_app.config.get("ACCESSIBILITY_CONTACT"),
                           email=current_app.config.get("ACCESSIBILITY_EMAIL"))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
