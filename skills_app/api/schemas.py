"""The API's request and response shapes, as pydantic models.

Requests are validated with them (``extra="forbid"``: an unknown field is an
error, never ignored); the OpenAPI document's components are generated from
them, so the document and the validation cannot drift apart. Responses are
built as plain dicts by ``skills_app.api.views`` and described here.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from skills_app.importers.document import FrameworkDoc
from skills_app.models import MAX_ID
from skills_app.models.assessment import EVIDENCE_KINDS, RATINGS, STATUSES, VERDICTS
from skills_app.models.people import ROLES
from skills_app.reports.gaps import STATUSES as GAP_STATUSES

# Text without NUL characters (PostgreSQL cannot store them).
NO_NUL = r"^[^\x00]*$"
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
Level = Annotated[int, Field(strict=True, ge=0, le=99)]
Version = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=NO_NUL)]
LongText = Annotated[str, Field(max_length=10_000, pattern=NO_NUL)]
FilterText = Annotated[str, Field(max_length=1000, pattern=NO_NUL)]

SKILL_STATUSES = ("met", "below", "not_assessed", "expired", "awaiting_review", "validated", "draft", "returned", "rejected")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests ----------------------------------------------------------------------

class AssessmentCreate(Strict):
    """Start a self-assessment of one skill (for the caller)."""

    framework: Code = Field(description="The framework's code, e.g. SFIA.")
    framework_version: Code | None = Field(None, description="The framework version; the newest when left out.")
    skill: Code = Field(description="The skill's code, e.g. SLMO.")
    claimed_level: Level = Field(description="The level claimed: one the skill defines.")


class RatingIn(Strict):
    descriptor_id: Id
    rating: Literal[RATINGS]  # type: ignore[valid-type]


class AssessmentPatch(Strict):
    """Claim another level and/or rate descriptors, while the assessment is a draft
    (or returned). Ratings of descriptors above the claimed level are ignored."""

    claimed_level: Level | None = None
    ratings: list[RatingIn] = Field(default_factory=list, max_length=500)
    version: Version | None = Field(None, description="The version read; a stale one gets 409.")


class EvidenceIn(Strict):
    """Text or link evidence for one or more descriptors of the assessment.
    (Files are sent as multipart/form-data instead.)"""

    kind: Literal["text", "link"]
    text: LongText | None = Field(None, description="The evidence (kind text), or a note on the link.")
    url: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] | None = Field(None, description="An http(s) address (kind link).")
    descriptor_ids: list[Id] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _fits_kind(self) -> EvidenceIn:
        if self.kind == "text" and self.url is not None:
            raise ValueError("text evidence has no url; use kind link")
        if self.kind == "text" and not (self.text or "").strip():
            raise ValueError("text evidence needs a text")
        if self.kind == "link" and not (self.url or "").strip():
            raise ValueError("link evidence needs a url")
        return self


class EvidenceUpload(BaseModel):
    """A file as evidence: multipart/form-data."""

    file: bytes = Field(json_schema_extra={"format": "binary", "type": "string"})
    descriptor_ids: list[Id] = Field(min_length=1, description="Repeat the field, or separate ids with commas.")
    text: LongText | None = Field(None, description="A note on the file.")


class FrameworkImportUpload(BaseModel):
    """A framework file to import: multipart/form-data."""

    file: bytes = Field(json_schema_extra={"format": "binary", "type": "string"},
                        description="The framework file: native YAML or JSON, SFIA text, the SFIA download (CSV or XLSX), a "
                                    "CASE package, a Moodle competency framework CSV, or a table (with format=table).")
    format: Literal["yaml", "json", "text", "sfia-csv", "sfia-xlsx", "case", "moodle-csv", "table"] | None = Field(
        None, description="The format; detected when left out (a table is never detected).")
    dry_run: bool = Field(False, description="Check and report only: nothing is written (200).")
    replace: bool = Field(False, description="Replace a version already loaded with other content.")
    strict: bool = Field(False, description="Refuse (422) a file of which anything would not be kept.")
    framework_code: FilterText | None = Field(None, description="The framework's code, where the file does not give it.")
    version: FilterText | None = Field(None, description="The version, where the file does not give it.")
    framework_name: FilterText | None = Field(None, description="The framework's name, where the file does not give it.")
    publisher: FilterText | None = Field(None, description="The publisher, where the file does not give it.")
    columns: LongText | None = Field(None, description="Tables: FIELD=HEADER, one a line.")
    scale: FilterText | None = Field(None, description="Tables: the code of a framework whose levels the skills take.")


class SubmitIn(Strict):
    version: Version | None = Field(None, description="The version read; a stale one gets 409.")


class VerdictIn(Strict):
    descriptor_id: Id
    verdict: Literal[VERDICTS] | None = None  # type: ignore[valid-type]
    comment: LongText | None = None


class DecisionIn(Strict):
    """The line manager's (or HR's) decision on a submitted assessment."""

    outcome: Literal["approve", "return", "reject"]
    validated_level: Level | None = Field(None, description="approve: the level validated; the claimed one when left out. "
                                                              "Another level than claimed needs a comment.")
    comment: LongText | None = Field(None, description="Required to return or reject, and to approve at another level.")
    version: Version = Field(description="The version read; a stale one gets 409.")
    verdicts: list[VerdictIn] = Field(default_factory=list, max_length=500)


# -- query strings --------------------------------------------------------------

class Page(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=200)] | None = None


class ReportQuery(Page):
    format: Literal["json", "csv"] = "json"
    org_unit: FilterText | None = None
    exact: bool = False
    job_role: FilterText | None = None
    service: FilterText | None = None
    skill: FilterText | None = None
    framework: FilterText | None = None
    status: list[Literal[GAP_STATUSES]] = Field(default_factory=list)  # type: ignore[valid-type]
    essential: bool = False


# -- responses ------------------------------------------------------------------------

class ErrorBody(BaseModel):
    code: str = Field(description="A stable, machine-readable code: unauthorized, forbidden, not_found, invalid, "
                                  "malformed_json, conflict, invalid_state, too_many_requests, ...")
    message: str
    details: dict | None = Field(None, description="For validation errors: `fields`, {field: what is wrong with it}; "
                                                   "for a conflict with an open assessment, its `assessment_id`.")


class Error(BaseModel):
    error: ErrorBody


class PersonOut(BaseModel):
    id: int
    email: str
    name: str
    manager_id: int | None
    employee_number: str | None
    job_title: str | None
    org_unit: str | None
    roles: list[Literal[ROLES]]  # type: ignore[valid-type]
    active: bool


class PersonList(BaseModel):
    items: list[PersonOut]
    next: str | None


class FrameworkSummary(BaseModel):
    code: str
    name: str
    version: str
    publisher: str | None
    status: str
    skills: int


class FrameworkList(BaseModel):
    items: list[FrameworkSummary]
    next: str | None


class ImportExample(BaseModel):
    what: str
    where: str | None
    example: str | None


class ImportEntry(ImportExample):
    kind: str


class ImportSummary(BaseModel):
    kind: str = Field(description="field, column, association, rule, value, item, identifier, ...")
    count: int
    by_what: dict[str, int]
    examples: list[ImportExample]


class FrameworkRef(BaseModel):
    code: str
    version: str


class ImportReportOut(BaseModel):
    """The import report: what was (or would be) created, and every part of the file not kept."""

    source: str
    format: str | None
    outcome: str | None = Field(description="created, unchanged, added or replaced (what a dry run would do)")
    message: str | None
    dry_run: bool
    created: dict[str, int] = Field(description="What was (or would be) written, by kind: {\"skill\": 121, ...}")
    not_kept: list[ImportSummary]
    changed: list[ImportSummary] = Field(description="What was kept in another shape than the file gave it.")
    not_kept_entries: list[ImportEntry]
    changed_entries: list[ImportEntry]
    framework: FrameworkRef | None = Field(description="The framework version, once it exists.")


class SkillRowOut(BaseModel):
    framework: str
    framework_version: str
    skill: str
    skill_name: str
    required_level: int | None
    current_level: int | None
    self_level: int | None
    gap: int | None
    status: Literal[SKILL_STATUSES]  # type: ignore[valid-type]
    via: str | None = Field(description="The skill a crosswalk carried the current level from, if not this one.")
    assessment_id: int | None = Field(description="The person's latest assessment of the skill.")


class SkillRowList(BaseModel):
    items: list[SkillRowOut]
    next: str | None


class DescriptorOut(BaseModel):
    id: int
    level: int
    text: str
    rating: Literal[RATINGS] | None  # type: ignore[valid-type]
    verdict: Literal[VERDICTS] | None  # type: ignore[valid-type]
    verdict_comment: str | None


class EvidenceOut(BaseModel):
    id: int
    kind: Literal[EVIDENCE_KINDS]  # type: ignore[valid-type]
    text: str | None
    url: str | None
    filename: str | None
    content_type: str | None
    size: int | None
    sha256: str | None
    descriptor_ids: list[int]
    created_at: datetime
    item_id: int = Field(description="The item of the person's evidence library this is: the same item attached to "
                                     "several assessments (another skill, a revalidation) has the same item_id.")


class AssessmentOut(BaseModel):
    id: int
    person_id: int
    framework: str
    framework_version: str
    skill: str
    skill_name: str
    claimed_level: int
    status: Literal[STATUSES]  # type: ignore[valid-type]
    version: int
    validated_level: int | None
    valid_until: datetime | None
    decision_comment: str | None
    reviewer_id: int | None
    submitted_at: datetime | None
    decided_at: datetime | None
    created_at: datetime
    descriptors: list[DescriptorOut] = Field(description="The descriptors of the defined levels up to the claimed one, highest level first.")
    evidence: list[EvidenceOut]


class GapRowOut(BaseModel):
    person_id: int
    person: str
    email: str
    org_unit: str | None
    job_role: str | None
    service: str | None
    framework: str
    skill: str
    required_level: int
    current_level: int | None
    self_level: int | None
    gap: int | None
    status: Literal[GAP_STATUSES]  # type: ignore[valid-type]


class GapList(BaseModel):
    items: list[GapRowOut]
    next: str | None


class TrainingNeedOut(BaseModel):
    framework: str
    skill: str
    skill_name: str
    from_level: int | None
    to_level: int
    step: str
    people: int
    essential: int
    services_at_risk: int
    priority: Literal["urgent", "high", "normal"]
    org_units: str
    who: str


class TrainingNeedList(BaseModel):
    items: list[TrainingNeedOut]
    next: str | None


class MissingLevelOut(BaseModel):
    framework: str = Field(description='The framework\'s code; "LoR" for the job role\'s level of responsibility.')
    skill: str = Field(description='The skill\'s code; "LoR" for the job role\'s level of responsibility.')
    required_level: int
    current_level: int | None = Field(description="The level held now (a crosswalked one counts); null when none is "
                                                  "validated and unexpired.")


class RoleMatchOut(BaseModel):
    job_role: str = Field(description="The job role's name.")
    required: int = Field(description="How many skill levels the job role requires (its level of responsibility, if it "
                                      "states one, counting as one more).")
    met: int = Field(description="How many of them the caller meets.")
    missing: list[MissingLevelOut] = Field(description="The required levels not met, essential ones first.")


class RoleMatchList(BaseModel):
    items: list[RoleMatchOut]
    next: str | None


class GoalLearningOut(BaseModel):
    title: str
    kind: str
    url: str | None
    target_level: int = Field(description="The level the resource leads to.")
    completed_at: str | None = Field(description="When the person completed it (ISO 8601), else null.")


class GoalStepOut(BaseModel):
    on: str = Field(description="When (ISO 8601).")
    kind: Literal["self-assessed", "validated"]
    level: int
    expired: bool = Field(description="A validated level whose validity has ended.")


class GoalOut(BaseModel):
    id: int
    framework: str
    skill: str
    skill_name: str
    target_level: int
    due_on: str | None = Field(description="The date the goal is to be reached by (ISO 8601), if set.")
    state: Literal["proposed", "agreed", "achieved", "dropped"]
    training_plan: str | None = Field(description="The cohort training plan the goal comes from; null for one's own goal.")
    agreed_by: str | None
    agreed_at: str | None
    closed_at: str | None = Field(description="When it was achieved or dropped.")
    current_level: int | None = Field(description="The validated, unexpired level now (a crosswalked one counts, as in "
                                                  "the gap report).")
    via: str | None = Field(description="The skill whose validated level counts as current_level through a crosswalk; "
                                        "null when it is the goal's own skill's.")
    self_level: int | None = Field(description="The level last claimed in a self-assessment.")
    learning: list[GoalLearningOut]
    history: list[GoalStepOut] = Field(description="Self-assessed and validated levels of the skill over time, oldest first.")


class GoalList(BaseModel):
    items: list[GoalOut]
    next: str | None


REQUEST_MODELS = [AssessmentCreate, AssessmentPatch, EvidenceIn, EvidenceUpload, FrameworkImportUpload, SubmitIn, DecisionIn]
RESPONSE_MODELS = [Error, PersonOut, PersonList, FrameworkList, SkillRowList, AssessmentOut, EvidenceOut, GapList,
                   TrainingNeedList, FrameworkDoc, ImportReportOut, RoleMatchList, GoalList]
