"""One pagination for the pages and the API: keyset pages, stably ordered.

A page is read after (or, going back, before) the key of the last (first)
row the reader saw, never at an offset, so it costs the same on the last page
as on the first and a row written meanwhile neither repeats nor skips one.
The ordering is a list of columns that together are unique (an id last); a
list built in Python is paged the same way by a key function.

A cursor is opaque to its reader (the ``next`` of the API's
``{"items": [...], "next": cursor | null}``, the pager's links): a
URL-safe string holding the direction, the key and the page's number. A
cursor this module did not make is refused as invalid input, at its field,
and so is one whose key values are not of their columns' kinds (a forged
cursor never reaches the database, where PostgreSQL would refuse a word for
a number with an error instead of a page).
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Generic, Sequence, TypeVar

from sqlalchemy import BigInteger, Select, bindparam, func, select, tuple_
from sqlalchemy.sql import ColumnElement

from skills_app.errors import InvalidInput
from skills_app.extensions import db

T = TypeVar("T")
MAX_CURSOR = 1000


@dataclass
class Page(Generic[T]):
    """One page of a stably ordered list."""

    items: list[T]
    number: int = 1
    next: str | None = None
    previous: str | None = None
    total: int | None = None
    per_page: int = 50

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max((self.total + self.per_page - 1) // self.per_page, 1)

    def as_json(self, shape: Callable[[T], Any] = lambda item: item) -> dict:
        """The API's envelope."""
        return {"items": [shape(item) for item in self.items], "next": self.next}


@dataclass(frozen=True)
class Cursor:
    key: tuple
    before: bool = False
    number: int = 1


def _value(value):
    if isinstance(value, (tuple, list)):
        return [_value(v) for v in value]
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _unvalue(value):
    if isinstance(value, list):
        return tuple(_unvalue(v) for v in value)
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, dict) and set(value) == {"d"}:
        return date.fromisoformat(value["d"])
    if isinstance(value, str):
        # Text the database cannot hold (a NUL, a lone surrogate) is no key this module made.
        if "\x00" in value:
            raise ValueError("not a key value")
        value.encode("utf-8")  # UnicodeEncodeError (a UnicodeError) on a lone surrogate
        return value
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    raise ValueError("not a key value")


def encode(cursor: Cursor) -> str:
    data = {"k": [_value(v) for v in cursor.key], "n": cursor.number}
    if cursor.before:
        data["b"] = 1
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(text: str | None, field_name: str = "cursor") -> Cursor | None:
    """The cursor in ``text`` (None for the first page)."""
    if not text:
        return None
    try:
        if len(text) > MAX_CURSOR:
            raise ValueError("too long")
        data = json.loads(base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4)))
        key = tuple(_unvalue(v) for v in data["k"])
        number = int(data["n"])
        if not key or number < 1 or set(data) - {"k", "n", "b"}:
            raise ValueError("not a cursor")
        return Cursor(key, bool(data.get("b")), number)
    except (ValueError, TypeError, KeyError, OverflowError, binascii.Error, UnicodeError, json.JSONDecodeError):
        raise InvalidInput.on(field_name, "unknown cursor", "The cursor is not one this application gave.") from None


def _page(rows: list, key: Callable[[Any], tuple], cursor: Cursor | None, limit: int, total: int | None) -> Page:
    """``rows``: up to limit + 1 rows read in the cursor's direction."""
    more = len(rows) > limit
    rows = rows[:limit]
    number = cursor.number if cursor else 1
    if cursor is not None and cursor.before:
        rows.reverse()
        has_next, has_previous = bool(rows), more
        if not more:
            number = 1  # back at the start, whatever the cursor counted
    else:
        has_next, has_previous = more, number > 1 and bool(rows)
    page = Page(items=rows, number=number, total=total, per_page=limit)
    if has_next:
        page.next = encode(Cursor(key(rows[-1]), False, number + 1))
    if has_previous:
        page.previous = encode(Cursor(key(rows[0]), True, number - 1))
    return page


def _fits(column, value) -> bool:
    """Whether ``value`` is of the kind ``column`` holds (None always is: it compares to nothing)."""
    if value is None:
        return True
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return True
    if kind is int:
        limit = 2 ** 63 if isinstance(column.type, BigInteger) else 2 ** 31
        return isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, kind)


def checked(cursor: str | None, order: Sequence[ColumnElement]) -> Cursor | None:
    """The cursor in ``cursor`` for a list ordered by ``order``: refused as invalid input
    unless this module made it and its key values are of the columns' kinds."""
    at = decode(cursor)
    if at is not None and (len(at.key) != len(order) or not all(_fits(c, v) for c, v in zip(order, at.key))):
        raise InvalidInput.on("cursor", "unknown cursor", "The cursor is not one this application gave.")
    return at


def of_select(stmt: Select, order: Sequence[ColumnElement], *, cursor: str | None, limit: int,
              descending: bool = False, count: bool = False, scalars: bool = True,
              key: Callable[[Any], tuple] | None = None) -> Page:
    """A page of ``stmt`` ordered by ``order`` (columns that together are unique,
    all ascending, or all ``descending``). ``key`` reads a row's values of
    ``order`` (by default the attributes of the same names). ``count``: count
    every row too (for "page 2 of 5")."""
    at = checked(cursor, order)
    key = key or (lambda row: tuple(getattr(row, c.key) for c in order))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) if count else None
    backwards = descending != (at is not None and at.before)
    paged = stmt
    if at is not None:
        columns = tuple_(*order)
        values = tuple_(*[bindparam(None, value, type_=column.type) for column, value in zip(order, at.key)])
        paged = paged.where(columns < values if backwards else columns > values)
    paged = paged.order_by(None).order_by(*[c.desc() if backwards else c.asc() for c in order]).limit(limit + 1)
    rows = list(db.session.scalars(paged) if scalars else db.session.execute(paged))
    return _page(rows, key, at, limit, total)


def of_rows(rows: list, key: Callable[[Any], tuple], *, limit: int) -> Page:
    """The first page of a list as ``of_select`` reads it without a cursor: ``rows`` the first
    ``limit`` + 1 of its rows in its order, read by a statement of the caller's (built once)."""
    return _page(list(rows), key, None, limit, None)


def of_list(items: Sequence[T], key: Callable[[T], tuple], *, cursor: str | None, limit: int) -> Page[T]:
    """A page of ``items``, already in the order of ``key`` (unique per item)."""
    at = decode(cursor)
    unknown = InvalidInput.on("cursor", "unknown cursor", "The cursor is not one this application gave.")
    if at is not None and items and len(at.key) != len(key(items[0])):
        raise unknown
    try:
        if at is None:
            rows = list(items[: limit + 1])
        elif at.before:
            rows = [item for item in items if key(item) < at.key][-(limit + 1):][::-1]
        else:
            rows = [item for item in items if key(item) > at.key][: limit + 1]
    except TypeError:  # a forged key of other kinds than the list's ('x' against a number)
        raise unknown from None
    return _page(rows, key, at, limit, len(items))
