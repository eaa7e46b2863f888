"""Reports written by the database: on PostgreSQL, ``COPY (statement) TO STDOUT``
streams a report's CSV (or the text of its JSON) straight from the server, and
Python only passes the bytes on. The statements are built with SQLAlchemy by
the services; this module holds the few expressions that make the database
write exactly what the Python writers (``reports.export``) write, and runs the
statements.

What the Python CSV writer writes, and so what the statement must produce:

* a text cell that a spreadsheet would evaluate gets a leading ``'``
  (``export.cell``); an empty text and a missing value are both an empty cell
  (``NULLIF``: COPY writes NULL unquoted, and an empty text as ``""``);
* a cell is quoted when it holds a comma, a double quote, a line feed or a
  carriage return, with quotes doubled: what COPY does, and ``export`` too;
* numbers are written as integers.

The JSON rows are ``{"column": value, ...}`` as ``json.dumps`` writes them
(``", "`` and ``": "`` between items, non-ASCII as it is, the same escapes
as ``to_json``), joined by ``,``. COPY's text format doubles every backslash
and ends each row with a line feed; neither occurs otherwise in JSON text, so
both are undone on whole rows with two byte replacements.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from sqlalchemy import Text, case, cast, func, literal
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select

# What a spreadsheet would read as the start of a formula (``export.FORMULA_STARTS``).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 1 << 18
GROUP_MARK = "#"


def copies(connection: Connection) -> bool:
    """Whether the database writes reports itself here: PostgreSQL through psycopg 3."""
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def tune(connection: Connection, work_mem: str | None) -> None:
    """For a report statement, in its transaction: no JIT (seconds of compiling
    for a statement that streams), and room to sort in memory."""
    if connection.dialect.name != "postgresql":
        return
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        if work_mem:
            # A setting, not a value: checked by the server, quoted as a literal.
            cursor.execute("SELECT set_config('work_mem', %s, true)", (str(work_mem),))


# -- expressions: the cells as the Python writers write them -----------------------

def csv_text(column: ColumnElement) -> ColumnElement:
    """A text column as ``export.cell`` writes it: formulas neutralised, empty as missing."""
    # The first character's code: an integer comparison, where comparing text would collate.
    first = func.ascii(column)
    return case((first.in_([ord(c) for c in FORMULA_STARTS]), literal("'") + column), else_=func.nullif(column, ""))


def json_value(column: ColumnElement, *, text: bool) -> ColumnElement:
    """A value as ``json.dumps`` writes it (``null`` when missing)."""
    if text:
        return func.coalesce(cast(func.to_json(column), Text), "null")
    return func.coalesce(cast(column, Text), "null")


def json_float(column: ColumnElement) -> ColumnElement:
    """A float as Python's ``repr`` writes it: PostgreSQL's shortest digits, with
    ``.0`` added to a whole number (for values written without an exponent)."""
    digits = cast(column, Text)
    return case((column.is_(None), literal("null")), (func.strpos(digits, ".") == 0, digits + ".0"), else_=digits)


def json_object(items: Sequence[tuple[str, ColumnElement]], *, open_: bool = True, close: bool = True) -> ColumnElement:
    """``{"key": value, ...}`` from (key, JSON text) pairs, as ``json.dumps`` writes a dict;
    a part of one: without ``open_``, its first key as a later one follows (no ``{``);
    without ``close``, ready for more keys (``", "`` after the last value, no ``}``)."""
    if not items:
        return literal("{}" if open_ and close else "{" if open_ else "}" if close else "", Text)
    out = None
    for i, (key, value) in enumerate(items):
        part = literal(("{" if open_ else "") + f'"{key}": ' if i == 0 else f', "{key}": ', Text) + value
        out = part if out is None else out + part
    return out + literal("}" if close else ", ", Text)


def numpy_round1(numerator: ColumnElement, denominator: ColumnElement) -> ColumnElement:
    """``round(numerator / denominator * 100, 1)`` as pandas computes it (numpy:
    times 10, round half to even, divided by 10), in double precision."""
    share = cast(numerator, _float()) / cast(denominator, _float()) * 100
    return func.round(share * 10) / 10


def _float():
    from sqlalchemy import Float

    return Float(precision=53)


def marked(text: ColumnElement) -> ColumnElement:
    """A row of what the JSON adds after its rows (see :func:`copy_json`)."""
    return literal(GROUP_MARK, Text) + text


# -- running them --------------------------------------------------------------------

def _copy(connection: Connection, stmt: Select, options: str, counted: dict) -> Iterator[bytes]:
    """``COPY (stmt) TO STDOUT``, its output in chunks of a few hundred KB.

    libpq hands COPY output over a row at a time. psycopg's ``Copy`` object
    takes each through its generator and wait loop (about 3 µs a row: more
    than three seconds for a million gap rows), so the rows are read here
    from psycopg's libpq wrapper (``psycopg.pq``), a C call each, in the
    transaction the session holds. A reader that stops early cancels the
    statement, and the connection is left as it was found."""
    from psycopg import ClientCursor, errors, pq

    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    driver = connection.connection.driver_connection
    # COPY takes no parameters of its own: they are merged into the text, quoted by psycopg.
    query = ClientCursor(driver).mogrify(f"COPY ({compiled}) TO STDOUT WITH ({options})", compiled.construct_params())
    encoding = driver.info.encoding
    with driver.lock:
        pgconn = driver.pgconn
        blocking, pgconn.nonblocking = pgconn.nonblocking, 0
        finished = copying = False
        try:
            pgconn.send_query(query.encode(encoding))
            result = pgconn.get_result()
            if result.status != pq.ExecStatus.COPY_OUT:
                _drain(pgconn)
                raise errors.error_from_result(result, encoding=encoding)
            copying = True
            get = pgconn.get_copy_data
            parts, size = [], 0
            while True:
                n, data = get(0)
                if n < 0:
                    copying = False
                    break
                parts.append(data)
                size += n
                if size >= CHUNK_BYTES:
                    yield b"".join(parts)
                    parts, size = [], 0
            if parts:
                yield b"".join(parts)
            result = pgconn.get_result()
            _drain(pgconn)
            finished = True
            if result.status != pq.ExecStatus.COMMAND_OK:
                raise errors.error_from_result(result, encoding=encoding)
            counted["copied"] = int(result.command_status.split()[-1])
        finally:
            if copying:
                _cancel(pgconn)
            elif not finished:
                # The reader left after the last row (at the last chunk): the COPY is over, its result not read yet.
                _drain(pgconn)
            pgconn.nonblocking = blocking


def _drain(pgconn) -> None:
    while pgconn.get_result() is not None:
        pass


def _cancel(pgconn) -> None:
    """Stop a COPY whose reader went away, and read what is left of it."""
    try:
        pgconn.get_cancel().cancel()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool finds out
        return
    while True:
        n, _data = pgconn.get_copy_data(0)
        if n < 0:
            break
    _drain(pgconn)


def copy_csv(connection: Connection, stmt: Select, counted: dict) -> Iterator[bytes]:
    """The statement's rows as CSV with a header line (its column labels)."""
    yield from _copy(connection, stmt, "FORMAT csv, HEADER", counted)
    counted["rows"] = counted.pop("copied", 0)


def _whole_lines(connection: Connection, stmt: Select, counted: dict) -> Iterator[bytes]:
    """``COPY (stmt) TO STDOUT`` in text format, in blocks of whole lines (each block
    ends with its last line's newline; a line is never cut between two blocks)."""
    carry = b""
    for chunk in _copy(connection, stmt, "FORMAT text", counted):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        carry, data = data[cut:], data[:cut]
        if data:
            yield data


def copy_json(connection: Connection, stmt: Select, counted: dict, *, extra: str | None = None) -> Iterator[bytes]:
    """``{"rows": [...]}`` from a statement of one text column: each row's JSON
    text; then, with ``extra``, the rows marked with :func:`marked` (they come
    last) as ``"extra": [...]``."""
    yield b'{"rows": ['
    first = True
    tail: list[bytes] = []
    rows = 0
    for data in _whole_lines(connection, stmt, counted):
        if tail or data.startswith(GROUP_MARK.encode()):
            tail.append(data)
            continue
        at = data.find(b"\n" + GROUP_MARK.encode())
        if at >= 0:
            tail.append(data[at + 1:])
            data = data[:at + 1]
        body = data[:-1].replace(b"\\\\", b"\\")
        rows += body.count(b"\n") + 1
        yield (b"" if first else b",") + body.replace(b"\n", b",")
        first = False
    counted.pop("copied", None)
    counted["rows"] = rows
    end = b"]"
    if extra is not None:
        marks = b"".join(tail).replace(b"\\\\", b"\\").split(b"\n")
        items = [m[len(GROUP_MARK):] for m in marks if m]
        end += f', "{extra}": ['.encode() + b", ".join(items) + b"]"
    yield end + b"}\n"


def copy_json_people(connection: Connection, stmt: Select, counted: dict, *, groups: bool = False) -> Iterator[bytes]:
    """``{"rows": [...]}`` from a statement of a line a person: their rows' JSON text
    joined by commas, how many rows, and with ``groups`` their org unit (JSON text)
    and their rows' counts by status (``STATUSES`` order); then ``"groups": [...]``,
    the org units' totals as ``reports.gaps.GroupTally`` makes them of the rows."""
    from skills_app.reports.gaps import STATUSES, GroupTally

    yield b'{"rows": ['
    first = True
    rows = 0
    units: dict[str, list] = {}
    for data in _whole_lines(connection, stmt, counted):
        out = []
        for line in data[:-1].split(b"\n"):
            fields = line.split(b"\t")
            out.append(fields[0])
            rows += int(fields[1])
            if groups:
                # by the unit's JSON text as COPY sends it: each read once, at the end
                entry = units.get(fields[2])
                if entry is None:
                    entry = units[fields[2]] = [0, 0, [0] * len(STATUSES)]
                entry[0] += int(fields[1])
                entry[1] += 1
                counts = entry[2]
                for i, n in enumerate(fields[3:]):
                    counts[i] += int(n)
        body = b",".join(out).replace(b"\\\\", b"\\")
        yield (b"" if first else b",") + body
        first = False
    counted.pop("copied", None)
    counted["rows"] = rows
    end = b"]"
    if groups:
        tally = GroupTally("org_unit")
        for unit, (n, people, counts) in units.items():
            tally.add(json.loads(unit.replace(b"\\\\", b"\\")), n, people, counts)
        end += b', "groups": ' + json.dumps(tally.records(), ensure_ascii=False).encode("utf-8")
    yield end + b"}\n"
