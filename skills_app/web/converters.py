"""URL converters.

``<int:...>`` ids are database integers: a number too big for the column (an
attacker's ``/assessments/99999999999999999999``) would otherwise reach the
database driver and fail there with a 500. Bounded here, it is simply no page: 404.
"""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from skills_app.models import MAX_ID


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)
