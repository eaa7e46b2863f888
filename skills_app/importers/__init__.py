"""Framework importers: one module per format behind one interface.

``parse_file(path, fmt=None, **options)`` reads a file, detects its format
when none is named, and returns a validated :class:`FrameworkDoc`, or raises
:class:`FrameworkFileError` naming the file, the place and the problem.
``load_file`` does the same and also says which format it read. Text formats
get the file decoded as UTF-8; binary ones (XLSX) get its bytes.
Writing is the frameworks service's job, in one transaction.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from skills_app.importers import case, limits, moodle_csv, native, sfia_sheet, sfia_text, table
from skills_app.importers.document import FrameworkDoc, FrameworkFileError
from skills_app.importers.report import ImportReport

MAX_FILE_BYTES = 50 * 1024 * 1024

Parser = Callable[..., FrameworkDoc]


@dataclass(frozen=True)
class Format:
    name: str
    parse: Parser
    help: str
    binary: bool = False  # the parser takes bytes, not text
    partial: bool = False  # a document that adds skills to a framework version rather than being one
    options: frozenset[str] = frozenset()  # the options (beyond the file) that it takes


NAMING = frozenset({"framework_code", "framework_name", "version", "publisher"})

FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("yaml", native.parse_yaml, "the native framework file in YAML"),
    Format("json", native.parse_json, "the native framework file in JSON"),
    Format("text", sfia_text.parse, "SFIA-style plain text: one skill's page", partial=True, options=NAMING | {"skill_code"}),
    Format("sfia-csv", sfia_sheet.parse_csv, "the SFIA Foundation's whole-version download as CSV", options=NAMING | {"levels"}),
    Format("sfia-xlsx", sfia_sheet.parse_xlsx, "the SFIA Foundation's whole-version download as XLSX", binary=True, options=NAMING | {"levels"}),
    Format("case", case.parse, "a 1EdTech CASE 1.0 or 1.1 package (JSON)", options=frozenset({"framework_code", "version"})),
    Format("moodle-csv", moodle_csv.parse, "a Moodle competency framework CSV (tool_lpimportcsv)", options=NAMING),
    Format("table", table.parse, "a plain table of skills and groups (CSV or XLSX), columns guessed or given with --column",
           binary=True, options=NAMING | {"column", "scale"}),
)}

# Kept for callers that only need the parsing function of a format.
PARSERS: dict[str, Parser] = {name: f.parse for name, f in FORMATS.items()}
# Options that only some formats take.
TEXT_OPTIONS = FORMATS["text"].options

EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".txt": "text", ".text": "text", ".md": "text",
              ".xlsx": "sfia-xlsx", ".xlsm": "sfia-xlsx"}
# File name endings that a directory import picks up.
FILE_SUFFIXES = {".yaml", ".yml", ".json", ".txt", ".csv", ".xlsx"}


def formats() -> list[str]:
    return sorted(FORMATS)


def detect_format(name: str, text: str | None = None, data: bytes | None = None) -> str:
    """The format of a file from its name and its content (text, or the raw bytes)."""
    suffix = Path(name).suffix.lower()
    if data is not None and data[:4] == b"PK\x03\x04":
        return "sfia-xlsx"
    by_extension = EXTENSIONS.get(suffix)
    if by_extension in {"yaml", "text", "sfia-xlsx"}:
        return by_extension
    if text is None:
        text = (data or b"").decode("utf-8-sig", errors="replace")
    head = text.lstrip("\ufeff \t\r\n")
    if by_extension == "json" or head.startswith("{"):
        return "case" if _is_case(head) else "json"
    if suffix in {".csv", ".tsv"} or _csv_header(head):
        if moodle_csv.looks_like(head):
            return "moodle-csv"
        if sfia_sheet.looks_like_skills_csv(head):
            return "sfia-csv"
        raise FrameworkFileError(name, "line 1", "a CSV file this does not know: expected the SFIA download ('Code', 'Skill', "
                                 "'Level 1 description', ...) or a Moodle competency framework ('Parent ID number', 'ID number', "
                                 "..., 'Is framework'); for a plain table of skills, give --format table (with --framework, --version "
                                 "and --name)")
    if any(line.startswith(("framework:", "levels:", "skills:")) for line in head.splitlines()[:200]):
        return "yaml"
    return "text"


def _is_case(head: str) -> bool:
    if '"CFDocument"' not in head and '"CFPackage"' not in head:
        return False
    try:
        data = json.loads(head)
    except (ValueError, RecursionError):
        return '"CFDocument"' in head[:2000] or '"CFPackage"' in head[:2000]
    return isinstance(data, dict) and ("CFDocument" in data or "CFPackage" in data)


def _csv_header(head: str) -> bool:
    first = head.split("\n", 1)[0]
    return moodle_csv.looks_like(first) or sfia_sheet.looks_like_skills_csv(first)


def read_bytes(path: Path, file: str) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FrameworkFileError(file, None, "no such file") from None
    except OSError as exc:
        raise FrameworkFileError(file, None, f"cannot read it: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise FrameworkFileError(file, None, f"the file is {size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return path.read_bytes()


def decode(data: bytes, file: str) -> str:
    """UTF-8 text (a byte-order mark is dropped) without NUL or other control characters."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FrameworkFileError(file, f"line {line}", "not UTF-8 text (save the file as UTF-8)") from None
    try:
        limits.check_text(text)
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(file, exc.place, exc.message) from None
    return text


def read_text(path: Path, file: str) -> str:
    return decode(read_bytes(path, file), file)


def _check_options(fmt: str, name: str, options: dict) -> dict:
    if fmt not in FORMATS:
        raise FrameworkFileError(name, None, f"unknown format {fmt!r}; known formats: {', '.join(formats())}")
    options = {k: v for k, v in options.items() if v is not None}
    unused = sorted(set(options) - FORMATS[fmt].options)
    if unused:
        option = unused[0]
        takers = [f for f in formats() if option in FORMATS[f].options and f != "text"]
        if option not in FORMATS["text"].options:
            raise FrameworkFileError(name, None, f"--{option.replace('_', '-')} applies to {', '.join(takers)} files only, "
                                     f"not to a {fmt} file")
        also = f" (and to {', '.join(takers)} files)" if takers else ""
        raise FrameworkFileError(
            name, None,
            f"--{option.replace('_', '-')} applies to plain-text files only{also}; a {fmt} file names this itself",
        )
    return options


def parse_text(text: str, name: str, fmt: str | None = None, **options) -> FrameworkDoc:
    fmt = fmt or detect_format(name, text)
    options = _check_options(fmt, name, options)
    if FORMATS[fmt].binary:
        return _within_limits(FORMATS[fmt].parse, text.encode("utf-8"), name, fmt, **options)
    try:
        limits.check_text(text)
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(name, exc.place, exc.message) from None
    return _within_limits(FORMATS[fmt].parse, text, name, fmt, **options)


def _within_limits(parse: Parser, content, name: str, fmt: str | None = None, **options) -> FrameworkDoc:
    """Any budget of importers/limits.py that a parser let through is still the file's error.
    The document comes with its import report (an empty one from a parser that keeps everything)."""
    try:
        doc = parse(content, name, **options)
        if doc.report is None:
            doc.with_report(ImportReport(name))
        doc.report.format = fmt
        return doc
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(exc.file or name, exc.place, exc.message) from None
    except RecursionError:
        raise FrameworkFileError(name, None, f"nested more than {limits.MAX_DEPTH} levels deep") from None


def parse_bytes(data: bytes, name: str, fmt: str | None = None, **options) -> FrameworkDoc:
    return load_bytes(data, name, fmt, **options)[1]


def load_bytes(data: bytes, name: str, fmt: str | None = None, **options) -> tuple[str, FrameworkDoc]:
    if fmt is None:
        text = None
        if data[:4] != b"PK\x03\x04":
            text = decode(data, name)
        fmt = detect_format(name, text, data)
    options = _check_options(fmt, name, options)
    spec = FORMATS[fmt]
    content = data if spec.binary else decode(data, name)
    return fmt, _within_limits(spec.parse, content, name, fmt, **options)


def load_file(path: str | Path, fmt: str | None = None, **options) -> tuple[str, FrameworkDoc]:
    """Read, detect and parse one file: (the format it was read as, the document)."""
    path = Path(path)
    return load_bytes(read_bytes(path, str(path)), str(path), fmt, **options)


def parse_file(path: str | Path, fmt: str | None = None, **options) -> FrameworkDoc:
    return load_file(path, fmt, **options)[1]


__all__ = ["FORMATS", "FrameworkDoc", "FrameworkFileError", "ImportReport", "detect_format", "formats", "load_file", "parse_bytes",
           "parse_file", "parse_text"]
