"""Budgets for reading what strangers send: every reader of a file goes through here.

A hostile file must fail fast, in little memory, with a message that says
where and what, before anything is written:

- **YAML**: aliases are followed only within a budget of nodes *as expanded*
  (a "billion laughs" file of 450 bytes is refused while it is still 450
  bytes of parsed events), an alias to its own ancestor is refused, and
  nesting is bounded (no ``RecursionError``);
- **JSON**: nesting and the number of values are bounded, and so are the
  digits of a number;
- **text** (CSV and every other text format): NUL and the other control
  characters that no field can hold are refused with their line and column
  (PostgreSQL refuses a NUL in text; a dry run must say so too, not crash);
- **zip containers** (XLSX, DOCX, PPTX, ODT): the number of members, the
  total uncompressed size and each member's compression ratio are checked
  from the archive's directory *before* anything is decompressed, and (for
  evidence, which is kept and later opened by people) every member is then
  read through once, bounded, so that a directory that lies about sizes is
  caught by its checksums;
- **XLSX sheets**: the declared dimension, then the rows and cells actually
  read, are bounded.

Each limit raises :class:`LimitExceeded`; readers turn it into their own
error (a framework file error, a row error of the people import, an invalid
upload), naming the file.
"""
from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from typing import Any

import yaml

MIB = 1024 * 1024

# Structured documents (YAML, JSON)
MAX_DEPTH = 64  # nested mappings and lists; a framework file needs about 6
MAX_YAML_NODES = 250_000  # nodes as expanded through aliases; SFIA in full is about 20,000
MAX_YAML_BYTES = 8 * MIB  # the pure-Python YAML parser reads about 1 MB a second
MAX_JSON_VALUES = 2_000_000  # a large CASE package has a few hundred thousand

# Zip containers
MAX_ZIP_MEMBERS = 1_000
MAX_RATIO = 100  # uncompressed / compressed, for members bigger than RATIO_FROM
RATIO_FROM = 1 * MIB
MAX_XLSX_UNCOMPRESSED = 32 * MIB  # the SFIA download unpacks to under 1 MB
MAX_EVIDENCE_UNCOMPRESSED = 100 * MIB

# Spreadsheets
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 1_000_000

# Control characters that no field holds: C0 but tab, line feed and carriage return; and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_NAMES = {0: "NUL", 0x7F: "DEL", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "ESC"}


class LimitExceeded(ValueError):
    """Input beyond a budget, or a character no field may hold: where, and what."""

    def __init__(self, place: str | None, message: str, *, line: int | None = None, column: int | None = None,
                 file: str | None = None):
        super().__init__(f"{place}: {message}" if place else message)
        self.place, self.message, self.line, self.column, self.file = place, message, line, column, file


def _mb(n: int) -> str:
    return f"{n / MIB:.0f} MB" if n >= MIB else f"{n} bytes"


def _path(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


# -- text -------------------------------------------------------------------------------------

def describe(char: str) -> str:
    code = ord(char)
    name = _CONTROL_NAMES.get(code, "control character")
    return f"{name} (U+{code:04X})"


def control_character(text: str) -> tuple[int, int, str] | None:
    """(line, column, the character) of the first control character, both 1-based, else None."""
    match = CONTROL.search(text)
    if match is None:
        return None
    at = match.start()
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, column, match.group()


def check_text(text: str, what: str = "text") -> None:
    """Refuse text holding a NUL or another control character, naming its line and column."""
    found = control_character(text)
    if found is not None:
        line, column, char = found
        raise LimitExceeded(f"line {line}, column {column}",
                            f"a {describe(char)}, which no {what} may contain (save the file again as plain UTF-8 text)",
                            line=line, column=column)


# -- YAML ---------------------------------------------------------------------------------------

class _BudgetLoader(yaml.SafeLoader):
    """PyYAML's safe loader that counts nodes as aliases would expand them, and bounds nesting."""

    max_nodes = MAX_YAML_NODES
    max_depth = MAX_DEPTH

    def __init__(self, stream):
        super().__init__(stream)
        self._sizes: dict[int, int] = {}
        self._expanded = 0
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML's hook
        event = self.peek_event()
        mark = event.start_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:
                raise LimitExceeded(where, f"the alias *{event.anchor} refers to a node that contains it; "
                                           "such a recursive document is not accepted", line=mark.line + 1)
            self._count(size, where)
            return node
        self._depth += 1
        if self._depth > self.max_depth:
            raise LimitExceeded(where, f"nested more than {self.max_depth} levels deep", line=mark.line + 1)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        self._count(1, where)
        return node

    def _count(self, n: int, where: str) -> None:
        self._expanded += n
        if self._expanded > self.max_nodes:
            raise LimitExceeded(where, f"the document has more than {self.max_nodes:,} values once its aliases (*name) "
                                       "are expanded; a file this size is either not a framework or an attack")


def _check_yaml_size(text: str) -> None:
    if len(text) > MAX_YAML_BYTES:
        raise LimitExceeded(None, f"the YAML text is {_mb(len(text))}; the limit is {_mb(MAX_YAML_BYTES)} "
                                  "(JSON may be larger)")


def compose_yaml(text: str):
    """The YAML node tree (for line numbers), within the same budgets as :func:`load_yaml`."""
    _check_yaml_size(text)
    loader = _BudgetLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def load_yaml(text: str, *, check_strings: bool = True) -> Any:
    """``yaml.safe_load`` within budgets: nodes as expanded, nesting, size; strings without control characters
    (unless ``check_strings`` is off because the caller's validation names their line).

    Raises ``yaml.YAMLError`` for bad syntax (it has the line and column) and
    :class:`LimitExceeded` for what is beyond a budget."""
    _check_yaml_size(text)
    loader = _BudgetLoader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    check_data(data, check_strings=check_strings)
    return data


# -- JSON ---------------------------------------------------------------------------------------

def load_json(text: str | bytes, *, check_strings: bool = True) -> Any:
    """``json.loads`` within budgets: nesting, number of values, digits; strings without control characters.

    Raises ``json.JSONDecodeError`` for bad syntax and :class:`LimitExceeded` for the rest."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise LimitExceeded(None, f"nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # a number of more than 4,300 digits
        raise LimitExceeded(None, f"a value beyond what is accepted: {exc}") from None
    check_data(data, max_values=MAX_JSON_VALUES, check_strings=check_strings)
    return data


def check_data(data: Any, *, max_depth: int = MAX_DEPTH, max_values: int = MAX_YAML_NODES, check_strings: bool = True) -> None:
    """Walk parsed data (without recursion): nesting, count, and control characters in text."""
    stack: list[tuple[Any, int, tuple]] = [(data, 0, ())]
    count = 0
    while stack:
        value, depth, path = stack.pop()
        count += 1
        if count > max_values:
            raise LimitExceeded(None, f"more than {max_values:,} values")
        if isinstance(value, dict):
            if depth >= max_depth:
                raise LimitExceeded(f"at {_path(path)}", f"nested more than {max_depth} levels deep")
            for key, item in value.items():
                if check_strings and isinstance(key, str) and CONTROL.search(key):
                    raise LimitExceeded(f"at {_path(path)}", f"a key holds a {describe(CONTROL.search(key).group())}")
                stack.append((item, depth + 1, path + (key,)))
        elif isinstance(value, list):
            if depth >= max_depth:
                raise LimitExceeded(f"at {_path(path)}", f"nested more than {max_depth} levels deep")
            stack.extend((item, depth + 1, path + (i,)) for i, item in enumerate(value))
        elif check_strings and isinstance(value, str):
            found = CONTROL.search(value)
            if found:
                raise LimitExceeded(f"at {_path(path)}", f"the text holds a {describe(found.group())}, which no field may contain")


# -- zip containers ----------------------------------------------------------------------------

def _member_count(data: bytes) -> int | None:
    """Members of a zip from its end-of-central-directory record, read before ZipFile builds its index."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    entries, directory_size = struct.unpack("<HI", data[end + 10: end + 16])
    if entries == 0xFFFF:  # zip64: bound by the directory's size (each entry takes 46 bytes at least)
        return directory_size // 46
    return entries


def check_zip(data: bytes, *, max_total: int, max_ratio: int = MAX_RATIO, max_members: int = MAX_ZIP_MEMBERS,
              verify: bool = False) -> None:
    """A zip container within budgets, checked from its directory before anything is decompressed.

    With ``verify``, every member is then read through once (never more than
    its declared size: that is how zipfile reads), so that a directory that
    understates a member's size fails on its checksum instead of passing."""
    count = _member_count(data)
    if count is not None and count > max_members:
        raise LimitExceeded(None, f"the archive has {count:,} parts; at most {max_members:,} are accepted")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, struct.error, NotImplementedError) as exc:
        raise LimitExceeded(None, f"not a valid zip archive ({exc.__class__.__name__})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_members:
            raise LimitExceeded(None, f"the archive has {len(infos):,} parts; at most {max_members:,} are accepted")
        total = 0
        for info in infos:
            total += info.file_size
            if total > max_total:
                raise LimitExceeded(f"part {info.filename}",
                                    f"the archive unpacks to more than {_mb(max_total)}; a file this size is refused "
                                    "(a compressed 'zip bomb' looks like this)")
            if info.file_size > RATIO_FROM and info.file_size > max_ratio * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise LimitExceeded(f"part {info.filename}",
                                    f"compressed {ratio:,} to 1 (the limit is {max_ratio} to 1): a compressed 'zip bomb' "
                                    "is refused")
        if verify:
            for info in infos:
                try:
                    with archive.open(info) as member:
                        while member.read(MIB):
                            pass
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
                    raise LimitExceeded(f"part {info.filename}", f"the part cannot be read ({exc.__class__.__name__}: "
                                                                 f"{str(exc)[:100]})") from None


# -- XLSX sheets --------------------------------------------------------------------------------

def check_sheet_dimension(title: str, max_row: int | None, max_column: int | None) -> None:
    """A sheet's declared size (its ``<dimension>``), before any row is read."""
    if max_row is not None and max_row > MAX_SHEET_ROWS:
        raise LimitExceeded(f"sheet {title}", f"declares {max_row:,} rows; at most {MAX_SHEET_ROWS:,} are read")
    if max_column is not None and max_column > MAX_SHEET_COLUMNS:
        raise LimitExceeded(f"sheet {title}", f"declares {max_column:,} columns; at most {MAX_SHEET_COLUMNS:,} are read")


class SheetBudget:
    """Rows and cells actually read from a workbook (a dimension may be absent or lie)."""

    def __init__(self) -> None:
        self.rows = 0
        self.cells = 0

    def take(self, title: str, number: int, width: int) -> None:
        self.rows += 1
        self.cells += width
        if number > MAX_SHEET_ROWS or self.rows > MAX_SHEET_ROWS:
            raise LimitExceeded(f"sheet {title}, row {number}", f"more than {MAX_SHEET_ROWS:,} rows")
        if width > MAX_SHEET_COLUMNS:
            raise LimitExceeded(f"sheet {title}, row {number}", f"more than {MAX_SHEET_COLUMNS:,} columns")
        if self.cells > MAX_SHEET_CELLS:
            raise LimitExceeded(f"sheet {title}, row {number}", f"more than {MAX_SHEET_CELLS:,} cells in the workbook")
