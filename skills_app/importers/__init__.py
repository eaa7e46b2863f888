"""Framework importers: one module per format behind one interface.

``parse_file(path, fmt=None, **options)`` reads a file, detects its format
when none is named, and returns a validated :class:`FrameworkDoc`, or raises
:class:`FrameworkFileError` naming the file, the place and the problem.
Writing is the frameworks service's job, in one transaction.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from skills_app.importers import native, sfia_text
from skills_app.importers.document import FrameworkDoc, FrameworkFileError

MAX_FILE_BYTES = 50 * 1024 * 1024

Parser = Callable[..., FrameworkDoc]

PARSERS: dict[str, Parser] = {
    "yaml": native.parse_yaml,
    "json": native.parse_json,
    "text": sfia_text.parse,
}
# Options that only some formats take.
TEXT_OPTIONS = {"framework_code", "framework_name", "version", "publisher", "skill_code"}

EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".txt": "text", ".text": "text", ".md": "text"}


def formats() -> list[str]:
    return sorted(PARSERS)


def detect_format(name: str, text: str) -> str:
    by_extension = EXTENSIONS.get(Path(name).suffix.lower())
    if by_extension:
        return by_extension
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        return "json"
    if any(line.startswith(("framework:", "levels:", "skills:")) for line in head.splitlines()[:200]):
        return "yaml"
    return "text"


def read_text(path: Path, file: str) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FrameworkFileError(file, None, "no such file") from None
    except OSError as exc:
        raise FrameworkFileError(file, None, f"cannot read it: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise FrameworkFileError(file, None, f"the file is {size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FrameworkFileError(file, f"line {line}", "not UTF-8 text (save the file as UTF-8)") from None


def parse_text(text: str, name: str, fmt: str | None = None, **options) -> FrameworkDoc:
    fmt = fmt or detect_format(name, text)
    if fmt not in PARSERS:
        raise FrameworkFileError(name, None, f"unknown format {fmt!r}; known formats: {', '.join(formats())}")
    options = {k: v for k, v in options.items() if v is not None}
    if fmt != "text":
        unused = set(options) & TEXT_OPTIONS
        if unused:
            raise FrameworkFileError(name, None, f"--{sorted(unused)[0].replace('_', '-')} applies to plain-text files only; a {fmt} file names its framework itself")
    return PARSERS[fmt](text, name, **options)


def parse_file(path: str | Path, fmt: str | None = None, **options) -> FrameworkDoc:
    path = Path(path)
    return parse_text(read_text(path, str(path)), str(path), fmt, **options)


__all__ = ["FrameworkDoc", "FrameworkFileError", "detect_format", "formats", "parse_file", "parse_text"]
