"""SCIM filters (RFC 7644 §3.4.2.2) as SQL conditions.

scim2-models parses the filter; here its tree becomes one SQLAlchemy
condition, so a query such as ``userName eq "x"`` is one indexed lookup
whatever the number of people. Operators: eq, ne, co, sw, ew, gt, ge, lt, le,
pr, and, or, not, and value paths (``emails[type eq "work"]``,
``members[value eq "7"]``). The attributes are those the identity providers
filter on; any other is refused with ``invalidFilter``.
"""
from __future__ import annotations

from datetime import datetime

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path.expressions import Comparison, LogicalExpr, Not, Present, ValuePath
from sqlalchemy import and_, exists, false, func, not_, or_, select, true

from skills_app.models import JobRole, OrgUnit, Person, ScimGroup, ScimUser
from skills_app.models.requirements import person_job_role

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:user"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:group"


def parse(text: str, model):
    try:
        return ScimFilter[model](text).ast
    except InvalidFilterException:
        raise
    except Exception as exc:  # the grammar's own errors
        raise InvalidFilterException(detail=f"The filter is not valid: {exc}") from None


def _name(attr_path, sub: str | None = None) -> str:
    uri = (attr_path.uri or "").lower()
    name = attr_path.attr.lower()
    sub = (sub or attr_path.sub_attr or "").lower()
    if uri in ("", CORE_USER, CORE_GROUP):
        uri = ""
    full = f"{name}.{sub}" if sub else name
    return f"{uri}:{full}" if uri else full


def _compare(column, op: str, value, *, fold: bool = True):
    """column <op> value; strings compared case-insensitively unless ``fold`` is False."""
    if op == "pr":
        return _present(column)
    if isinstance(value, str) and fold:
        column, value = func.lower(column), value.lower()
    if op == "eq":
        return column.is_(None) if value is None else column == value
    if op == "ne":
        return column.is_not(None) if value is None else or_(column != value, column.is_(None))
    if op in ("co", "sw", "ew"):
        if not isinstance(value, str):
            raise InvalidFilterException(detail=f"{op} needs a string value")
        method = {"co": column.contains, "sw": column.startswith, "ew": column.endswith}[op]
        return method(value, autoescape=True)
    if op in ("gt", "ge", "lt", "le"):
        if isinstance(value, bool) or value is None:
            raise InvalidFilterException(detail=f"{op} needs a string, number or date")
        return {"gt": column > value, "ge": column >= value, "lt": column < value, "le": column <= value}[op]
    raise InvalidFilterException(detail=f"the operator {op} is not supported")


def _present(column):
    return and_(column.is_not(None), column != "")


def _date(value):
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidFilterException(detail=f"{value!r} is not a date and time") from None


# -- Users --------------------------------------------------------------------------------

def user_name_column():
    return func.coalesce(ScimUser.user_name_key, Person.email)


def _user_column(name: str):
    columns = {
        "id": (Person.id, False),
        "username": (user_name_column(), True),
        "externalid": (ScimUser.external_id, False),
        "displayname": (Person.name, True),
        "emails": (Person.email, True),
        "emails.value": (Person.email, True),
        "name.givenname": (ScimUser.given_name, True),
        "name.familyname": (ScimUser.family_name, True),
        "name.formatted": (ScimUser.formatted_name, True),
        "title": (Person.job_title, True),
        "active": (Person.active, False),
        f"{ENTERPRISE}:employeenumber": (Person.employee_number, True),
        f"{ENTERPRISE}:manager": (Person.manager_id, False),
        f"{ENTERPRISE}:manager.value": (Person.manager_id, False),
        "meta.created": (Person.created_at, False),
        "meta.lastmodified": (Person.updated_at, False),
    }
    return columns.get(name)


def _user_comparison(node: Comparison | Present, prefix: str | None = None):
    name = _name(node.attr_path) if prefix is None else f"{prefix}.{node.attr_path.attr.lower()}"
    op = "pr" if isinstance(node, Present) else str(node.op.value)
    value = None if isinstance(node, Present) else node.value
    if name in (f"{ENTERPRISE}:department",):
        unit = select(OrgUnit.id).where(OrgUnit.id == Person.org_unit_id)
        if op == "pr":
            return Person.org_unit_id.is_not(None)
        return exists(unit.where(or_(_compare(OrgUnit.path, op, value), _compare(OrgUnit.name, op, value))))
    if name == "emails.type":
        column = func.coalesce(ScimUser.email_type, "work")
        return _present(column) if op == "pr" else _compare(column, op, value)
    if name == "emails.primary":
        return true() if value is True or op == "pr" else false()
    found = _user_column(name)
    if found is None:
        raise InvalidFilterException(detail=f"Users cannot be filtered on {name!r}.")
    column, fold = found
    if op == "pr":
        return column.is_not(None) if name in ("id", "active") or name.startswith(ENTERPRISE + ":manager") or name.startswith("meta.") else _present(column)
    if column is Person.id or column is Person.manager_id:
        text = str(value or "")
        if op not in ("eq", "ne"):
            raise InvalidFilterException(detail=f"{name} takes eq or ne")
        number = int(text) if text.isdigit() and len(text) <= 12 else -1
        return column == number if op == "eq" else or_(column != number, column.is_(None))
    if column is Person.active:
        if not isinstance(value, bool) or op not in ("eq", "ne"):
            raise InvalidFilterException(detail="active takes eq or ne with true or false")
        return (column.is_(value)) if op == "eq" else (column.is_not(value))
    if name.startswith("meta."):
        return _compare(column, op, _date(value), fold=False)
    return _compare(column, op, value, fold=fold)


def _walk(node, leaf, multi_valued: str, what: str):
    """The condition for a filter tree: and, or, not over ``leaf`` conditions;
    a value path (``emails[...]``) only on the one multi-valued attribute."""
    if isinstance(node, LogicalExpr):
        terms = [_walk(t, leaf, multi_valued, what) for t in node.terms]
        return and_(*terms) if str(node.op.value) == "and" else or_(*terms)
    if isinstance(node, Not):
        return not_(_walk(node.expr, leaf, multi_valued, what))
    if isinstance(node, ValuePath):
        prefix = _name(node.attr_path)
        if prefix != multi_valued:
            raise InvalidFilterException(detail=f"{what} cannot be filtered on {prefix}[...].")
        return _walk(node.val_filter, lambda n: leaf(n, prefix), multi_valued, what)
    if isinstance(node, (Comparison, Present)):
        return leaf(node)
    raise InvalidFilterException(detail="This filter is not supported.")


def user_condition(node):
    return _walk(node, _user_comparison, "emails", "Users")


# -- Groups -------------------------------------------------------------------------------

def group_condition(node, kind: str):
    target = JobRole if kind == "job_roles" else OrgUnit
    name_column = JobRole.name if kind == "job_roles" else OrgUnit.path

    def member(op: str, value):
        text = str(value or "")
        if op != "eq" or not text.isdigit() or len(text) > 12:
            raise InvalidFilterException(detail="members takes eq with a user's id")
        if kind == "job_roles":
            return exists(select(person_job_role.c.person_id).where(
                person_job_role.c.job_role_id == JobRole.id, person_job_role.c.person_id == int(text)))
        return exists(select(Person.id).where(Person.org_unit_id == OrgUnit.id, Person.id == int(text)))

    def leaf(node, prefix=None):
        name = _name(node.attr_path) if prefix is None else f"{prefix}.{node.attr_path.attr.lower()}"
        op = "pr" if isinstance(node, Present) else str(node.op.value)
        value = None if isinstance(node, Present) else node.value
        if name in ("members", "members.value"):
            return member(op, value)
        if name == "id":
            text = str(value or "")
            if op not in ("eq", "ne"):
                raise InvalidFilterException(detail="id takes eq or ne")
            number = int(text) if text.isdigit() and len(text) <= 12 else -1
            return target.id == number if op == "eq" else target.id != number
        if name == "displayname":
            return _present(name_column) if op == "pr" else _compare(name_column, op, value)
        if name == "externalid":
            rows = select(ScimGroup.id).where(ScimGroup.kind == kind, ScimGroup.target_id == target.id)
            if op == "pr":
                return exists(rows.where(ScimGroup.external_id.is_not(None)))
            return exists(rows.where(_compare(ScimGroup.external_id, op, value, fold=False)))
        raise InvalidFilterException(detail=f"Groups cannot be filtered on {name!r}.")

    return _walk(node, leaf, "members", "Groups")
