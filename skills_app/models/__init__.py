"""Typed SQLAlchemy models, a module per domain area."""
from skills_app.models.audit import AuditEvent
from skills_app.models.framework import Descriptor, Framework, FrameworkLevel, Skill, SkillLevel
from skills_app.models.people import ROLES, OrgUnit, Person, PersonRole

__all__ = [
    "ROLES", "AuditEvent", "Descriptor", "Framework", "FrameworkLevel", "OrgUnit", "Person", "PersonRole",
    "Skill", "SkillLevel",
]
