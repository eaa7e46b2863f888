"""Reports written by the database: on PostgreSQL, ``COPY (statement) TO STDOUT``
streams a report's CSV (or the text of its JSON) straight from the server, and
Python only puts the pieces together. The statements are built with SQLAlchemy
by the services; this module holds the few expressions that make the database
write exactly what the Python writers (``reports.export``) write, and runs the
statements.

What the Python CSV writer writes, and so what the statement must produce:

* a text cell that a spreadsheet would evaluate gets a leading ``'``
  (``export.cell``); an empty text and a missing value are both an empty cell;
* a cell is quoted when it holds a comma, a double quote, a line feed or a
  carriage return, with quotes doubled: what COPY's CSV does, and ``export`` too;
* numbers are written as integers.

The JSON rows are ``{"column": value, ...}`` as ``json.dumps`` writes them
(``", "`` and ``": "`` between items, non-ASCII as it is, the same escapes
as ``to_json``), joined by ``,``.

COPY sends a line a person (a tenth of the gap rows' lines: libpq hands each
line over in a call of its own), in the binary format: each field's bytes as
they are, nothing escaped by the server or unescaped here. A line holds how many
rows the person has, the cells their rows begin with, and the rest of each row
joined by a mark that their text never holds; the reader puts the person's
cells before each row.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence

from sqlalchemy import Text, case, cast, func, literal, or_
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select

# What a spreadsheet would read as the start of a formula (``export.FORMULA_STARTS``).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 1 << 18


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


def csv_cell(column: ColumnElement) -> ColumnElement:
    """A text cell as COPY's CSV writes it, and ``export``: :func:`csv_text`, quoted
    (quotes doubled) when it holds a comma, a double quote, a line feed or a carriage
    return; empty when missing."""
    text = csv_text(column)
    quoted = or_(*[func.strpos(text, c) > 0 for c in (",", '"', "\n", "\r")])
    return case((text.is_(None), literal("", Text)),
                (quoted, literal('"', Text) + func.replace(text, literal('"', Text), literal('""', Text)) + literal('"', Text)),
                else_=text)


def json_value(column: ColumnElement, *, text: bool) -> ColumnElement:
    """A value as ``json.dumps`` writes it (``null`` when missing)."""
    if text:
        return func.coalesce(cast(func.to_json(column), Text), "null")
    return func.coalesce(cast(column, Text), "null")


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


# -- running them --------------------------------------------------------------------

def _copy(connection: Connection, stmt: Select, options: str, counted: dict, *, whole: bool = True) -> Iterator:
    """``COPY (stmt) TO STDOUT``, its output in chunks of a few hundred KB (or,
    without ``whole``, the list of its rows' messages that make a chunk).

    libpq hands COPY output over a row at a time. psycopg's ``Copy`` object
    takes each through its generator and wait loop (about 3 µs a row: more
    than three seconds for a million gap rows), so the rows are read here
    from psycopg's libpq wrapper (``psycopg.pq``), a C call each, in the
    transaction the session holds. A reader that stops early cancels the
    statement, and the connection is left as it was found."""
    from flask import current_app
    from psycopg import ClientCursor

    from skills_app.reports import early

    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    driver = connection.connection.driver_connection
    # COPY takes no parameters of its own: they are merged into the text, quoted by psycopg.
    query = ClientCursor(driver).mogrify(f"COPY ({compiled}) TO STDOUT WITH ({options})", compiled.construct_params())
    encoding = driver.info.encoding
    # The same statement sent as the command started (reports/early.py): its rows are read from there.
    sent = early.settle(current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config.get("REPORT_WORK_MEM"), query,
                        lambda moment: ClientCursor(driver).mogrify("%s", (moment,)))
    if sent is not None:
        try:
            yield from _read(sent.pgconn, encoding, counted, whole, begun=True)
        finally:
            early.finish(sent)
        return
    with driver.lock:
        pgconn = driver.pgconn
        blocking, pgconn.nonblocking = pgconn.nonblocking, 0
        try:
            pgconn.send_query(query.encode(encoding))
            yield from _read(pgconn, encoding, counted, whole, begun=False)
        finally:
            pgconn.nonblocking = blocking


def _read(pgconn, encoding: str, counted: dict, whole: bool, *, begun: bool) -> Iterator:
    """The rows of the COPY sent on ``pgconn`` (its first result read already when ``begun``)."""
    from psycopg import errors, pq

    finished = copying = False
    try:
        if not begun:
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
                yield b"".join(parts) if whole else parts
                parts, size = [], 0
        if parts:
            yield b"".join(parts) if whole else parts
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


def _people(connection: Connection, stmt: Select, counted: dict) -> Iterator[list[tuple]]:
    """``COPY (stmt) TO STDOUT`` in binary format (each field's bytes as the database
    holds them, UTF-8, nothing escaped), from a statement of a line a person whose
    fields are: how many rows (bigint), the cells their rows begin with, the rest of
    their rows (text or bytea, never NULL) and maybe a tally (text); in batches of
    ``(rows, cells, rest, tally or None)``."""
    first = True
    number = int.from_bytes
    for parts in _copy(connection, stmt, "FORMAT binary", counted, whole=False):
        if first:
            # The first message carries the format's header (a signature, flags, no extension) before its row.
            parts[0] = parts[0][_BINARY_HEADER:]
            first = False
        batch = []
        for data in parts:
            if len(data) <= 2:
                continue  # the end mark (-1)
            data = bytes(data)  # psycopg hands a memoryview over
            # a row: its number of fields (2 bytes), then each field's length (4 bytes) and bytes
            at = 18 + number(data[14:18], "big")
            size = number(data[at:at + 4], "big")
            tally = data[at + 8 + size:] if number(data[:2], "big") > 3 else None
            batch.append((number(data[6:14], "big"), data[18:at], data[at + 4:at + 4 + size], tally))
        yield batch


_BINARY_HEADER = 19


def copy_csv_people(connection: Connection, stmt: Select, counted: dict, *, header: bytes) -> Iterator[bytes]:
    """The CSV from a statement of a line a person (:func:`_people`): how many rows,
    the cells the person's rows begin with (bytea, UTF-8, ending with a comma) and
    the rest of each row (bytea, UTF-8, the rows joined by a zero byte, which no text
    holds). ``header`` first, with the first rows."""
    rows = 0
    for batch in _people(connection, stmt, counted):
        out = [header]
        header = b""
        for n, prefix, rest, _tally in batch:
            rows += n
            out.append(prefix)
            out.append(rest.replace(b"\0", b"\n" + prefix))
            out.append(b"\n")
        yield b"".join(out)
    if header:
        yield header
    counted.pop("copied", None)
    counted["rows"] = rows


def copy_json_people(connection: Connection, stmt: Select, counted: dict, *, groups: str | None = None) -> Iterator[bytes]:
    """``{"rows": [...]}`` from a statement of a line a person (:func:`_people`): how
    many rows, the JSON text their rows begin with (``{"person_id": ..., "org_unit":
    ...,``), and the rest of each row's JSON text, the rows joined by U+0001 (which JSON
    text never holds bare: ``to_json`` writes it ``\\u0001``); then, with ``groups``,
    ``"groups": [...]`` as ``reports.gaps.GroupTally`` makes them of the rows, from
    each line's tally:

    * ``org_unit``: the person's unit (JSON text), U+0001 and the first letter of
      each of their rows' statuses: a person is in one unit;
    * a grouping of rows (job role, service, skill): each row's group (JSON text)
      and the first letter of its status, the rows joined by U+0001."""
    from skills_app.reports.gaps import STATUSES, GroupTally

    yield b'{"rows": ['
    first = True
    rows = 0
    units: dict[bytes, list[bytes]] = {}  # by unit (JSON text): the letters of each of its people
    counts: Counter = Counter()
    people: Counter = Counter()
    for batch in _people(connection, stmt, counted):
        out = []
        for n, prefix, rest, tally in batch:
            rows += n
            out.append(prefix + rest.replace(ROW_MARK, b"," + prefix))
            if groups is None:
                continue
            if groups == "org_unit":
                unit, _mark, letters = tally.partition(ROW_MARK)
                found = units.get(unit)
                if found is None:
                    units[unit] = [letters]
                else:
                    found.append(letters)
            else:
                tokens = tally.split(ROW_MARK)
                counts.update(tokens)
                people.update({token[:-1] for token in tokens})
        if out:
            yield (b"" if first else b",") + b",".join(out)
            first = False
    counted.pop("copied", None)
    counted["rows"] = rows
    end = b"]"
    if groups is not None:
        tally = GroupTally(groups)
        if groups == "org_unit":
            for unit, persons in units.items():
                letters = b"".join(persons)
                tally.add(json.loads(unit), len(letters), len(persons), [letters.count(s[0].encode()) for s in STATUSES])
        else:
            letters = {status[0].encode(): i for i, status in enumerate(STATUSES)}
            by_group: dict[bytes, list] = {}
            for token, count in counts.items():
                by_group.setdefault(token[:-1], [0] * len(STATUSES))[letters[token[-1:]]] += count
            for group, by_status in by_group.items():
                tally.add(json.loads(group), sum(by_status), people[group], by_status)
        end += b', "groups": ' + json.dumps(tally.records(), ensure_ascii=False).encode("utf-8")
    yield end + b"}\n"


ROW_MARK = b"\x01"
