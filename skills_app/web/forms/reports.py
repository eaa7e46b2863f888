"""The reports' next-step forms: one button a row, posting to the report's own address."""
from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import DataRequired, Optional, Regexp

from skills_app.web.forms import Form

_ID = Regexp(r"^\d{1,9}$", message="That row is no longer in the report; show the report again.")


class GapActionForm(Form):
    """Remind a person of a gap, or add them to an open campaign: the row's ids, hidden."""

    person_id = HiddenField(validators=[DataRequired(message="Choose a row of the report first."), _ID])
    skill_id = HiddenField(validators=[DataRequired(message="Choose a row of the report first."), _ID])
    campaign_id = HiddenField(validators=[Optional(), _ID])


class AddToCampaignForm(GapActionForm):
    campaign_id = HiddenField(validators=[DataRequired(message="Choose the campaign from a report row."), _ID])
