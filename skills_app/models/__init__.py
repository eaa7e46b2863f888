"""Typed SQLAlchemy models, a module per domain area."""
# The largest row id: ids are 32-bit signed INTEGER columns (PostgreSQL's
# integer). An id beyond it, from an address or a session, is no row at all.
MAX_ID = 2**31 - 1

from skills_app.models.assessment import Assessment, AttributeClaim, DescriptorRating, Endorsement, Evidence, EvidenceItem, Notification
from skills_app.models.audit import AuditEvent
from skills_app.models.campaigns import Campaign, CampaignReminder, CampaignResult, CampaignTemplate
from skills_app.models.identity import AppSetting, ExternalIdentity, ScimGroup, ScimUser
from skills_app.models.framework import (
    AttributeLevel, Descriptor, Framework, FrameworkAssociation, FrameworkAttribute, FrameworkLevel, Skill, SkillGroup, SkillLevel,
)
from skills_app.models.kept import CurrentLevel, PersonRequirement
from skills_app.models.learning import Goal, GoalResource, LearningResource, TrainingPlan
from skills_app.models.people import ROLES, OrgUnit, Person, PersonRole
from skills_app.models.service_levels import (
    Holiday, ReviewBreach, ReviewDecision, ServiceLevelTarget, WorkingCalendarSettings,
)
from skills_app.models.requirements import Crosswalk, CrosswalkLevel, JobRole, Requirement, Service
from skills_app.models.sign_in import SignInSession
from skills_app.models.tokens import ApiToken, BearerToken, ScimToken
from skills_app.models.what_if import Scenario

__all__ = [
    "MAX_ID", "ROLES", "ApiToken", "BearerToken", "Assessment", "AttributeClaim", "Endorsement", "AuditEvent", "DescriptorRating", "Evidence", "EvidenceItem", "Notification", "Descriptor", "Framework", "FrameworkLevel", "FrameworkAttribute", "AttributeLevel", "OrgUnit", "Person", "PersonRole",
    "Skill", "SkillGroup", "FrameworkAssociation", "SkillLevel", "JobRole", "Requirement", "Service", "Crosswalk", "CrosswalkLevel",
    "LearningResource", "TrainingPlan", "Goal", "GoalResource",
    "Campaign", "CampaignReminder", "CampaignTemplate", "CampaignResult",
    "AppSetting", "ExternalIdentity", "ScimGroup", "ScimToken", "ScimUser", "SignInSession",
    "Scenario", "CurrentLevel", "PersonRequirement",
]
