"""Two admins adding (or moving) a unit to the same path at the same moment: both pass
the check for an existing unit before either has written; the database's one unit a
path refuses the second, which is told as a conflict at the unit's name (not a 500),
and nothing of it is left."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from skills_app.errors import Conflict
from skills_app.extensions import db
from skills_app.models import OrgUnit
from skills_app.policy import SYSTEM
from skills_app.services import org


@pytest.fixture
def unseen(monkeypatch):
    """The other request's unit not yet seen, as in the race: neither the check nor the
    look-up before writing finds it, so the unit is written again."""
    found = org.by_path

    def blind(path):
        parent_path, _, name = path.rpartition("/")
        unit = OrgUnit(name=name, path=path, parent=found(parent_path) if parent_path else None)
        db.session.add(unit)
        db.session.flush()
        return unit, [unit]

    def now():
        monkeypatch.setattr(org, "by_path", lambda path: None)
        monkeypatch.setattr(org, "_ensure_path", blind)

    return now


def _units(path: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.path == path))


def test_a_unit_added_at_the_same_moment_is_a_conflict_at_its_name(app, unseen):
    acme = org.ensure_path(SYSTEM, "Acme")
    org.ensure_path(SYSTEM, "Acme/IT")
    db.session.commit()
    unseen()
    with pytest.raises(Conflict) as refused:
        org.add_unit(SYSTEM, "IT", parent=acme)
    assert "Acme/IT" in refused.value.fields["name"]
    assert _units("Acme/IT") == 1
    org.add_unit(SYSTEM, "Ops", parent=acme)  # the session goes on
    assert _units("Acme/Ops") == 1
    db.session.commit()
    assert _units("Acme/Ops") == 1


def test_a_unit_moved_onto_a_path_taken_at_the_same_moment_is_a_conflict(app, unseen):
    acme = org.ensure_path(SYSTEM, "Acme")
    org.ensure_path(SYSTEM, "Acme/IT")
    ops = org.ensure_path(SYSTEM, "Acme/Ops/Desk").parent
    db.session.commit()
    unseen()
    with pytest.raises(Conflict):
        org.rename_or_move(SYSTEM, ops, name="IT", parent=acme)
    db.session.rollback()
    assert _units("Acme/IT") == 1 and _units("Acme/Ops") == 1 and _units("Acme/Ops/Desk") == 1
