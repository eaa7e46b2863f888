"""The skills finder: search people by skills held at levels (services/finder.py),
and HR's settings of who may search across whom."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_login import current_user

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.services import finder, org, requirements
from skills_app.web.forms import PostedForm, handle, success
from skills_app.web.forms.finder import FinderSettingsForm

bp = Blueprint("finder", __name__, url_prefix="/finder")

ROWS = finder.MAX_CRITERIA


class SearchForm(PostedForm):
    """The search as the address carries it (a GET form: nothing changes), with
    problems keyed by the id of the input they belong to."""

    def __init__(self) -> None:
        super().__init__()
        self.data = request.args

    def is_submitted(self) -> bool:
        return any(self.data.get(f"skill_{i}") for i in range(1, ROWS + 1)) or "search" in self.data


@bp.get("/")
def search():
    policy.require(current_user, "use_skills_finder")
    form = SearchForm()
    found = search_ = None
    if form.is_submitted():
        try:
            unit_id = form.get("unit")
            if not unit_id and (form.get("unit_path") or "").strip():
                # A large organisation's unit is typed as a path (org.unit_picker).
                unit_id = org.unit_at_path(current_user, form.get("unit_path"), "use_skills_finder").id
            search_ = finder.parse(
                current_user,
                skills=[form.get(f"skill_{i}") for i in range(1, ROWS + 1)],
                levels=[form.get(f"level_{i}") for i in range(1, ROWS + 1)],
                unit_id=unit_id, via_crosswalks=not form.get("direct"), nearly=bool(form.get("nearly")))
            found = finder.find(current_user, search_, cursor=request.args.get("cursor"))
            if not request.args.get("cursor"):
                finder.record_search(current_user, search_, found.total)
        except InvalidInput as exc:
            for name, message in (exc.fields or {None: exc.message}).items():
                form.add_error(name, message)
            g.failed_form = form
            status = 400
        else:
            status = 200
    else:
        status = 200
    skills = requirements.skill_choices()
    return render_template("finder/search.html", form=form, rows=ROWS, found=found, search=search_,
                           skill_tree=requirements.skill_tree(skills), skills=skills,
                           units=org.unit_picker(), reach=policy.finder_reach(current_user),
                           args=finder.as_args(search_) if search_ else {},
                           contact=policy.can(current_user, "see_finder_contact")), status


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    policy.require(current_user, "manage_finder")
    chosen = finder.settings()
    form = FinderSettingsForm(data=None if request.method == "POST" else
                              {**{f"reach_{r}": chosen["reach"][r] for r in finder.ROLES}, "contact": chosen["contact"]})
    return handle(form, lambda: finder.save_settings(
                      current_user, reach={r: form[f"reach_{r}"].data for r in finder.ROLES}, contact=form.contact.data or []),
                  page=lambda: render_template("finder/settings.html", form=form),
                  done=lambda _: success("The skills finder's settings are saved.", "finder.settings"))
