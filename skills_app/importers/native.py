"""The native framework file (PRODUCT.md), in YAML or JSON.

Syntax errors name the line and column; validation errors name the path of
keys and, from the YAML node tree (JSON is read through it too), the line.
"""
from __future__ import annotations

import json

import yaml

from skills_app.importers import limits
from skills_app.importers.document import FrameworkDoc, FrameworkFileError, build


def _line_index(text: str) -> dict[tuple, int]:
    """Map each path of keys to the 1-based line where its value starts."""
    try:
        root = limits.compose_yaml(text)
    except (yaml.YAMLError, limits.LimitExceeded):
        return {}
    index: dict[tuple, int] = {}

    def walk(node, path: tuple) -> None:
        index[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                index[path + (key,)] = key_node.start_mark.line + 1
                walk(value_node, path + (key,))
                index[path + (key,)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return index


def _locator(text: str):
    """Line numbers by path of keys, worked out on the first error only (a valid file costs nothing)."""
    index: dict[tuple, int] = {}
    built = False

    def locate(path: tuple) -> int | None:
        nonlocal index, built
        if not built:
            index, built = _line_index(text), True
        path = tuple(path)
        while path:
            if path in index:
                return index[path]
            path = path[:-1]
        return None

    return locate


def parse_yaml(text: str, file: str) -> FrameworkDoc:
    try:
        data = limits.load_yaml(text, check_strings=False)  # build() names the line
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(file, exc.place, exc.message) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkFileError(file, where, f"not valid YAML: {problem}") from None
    return build(data, file, _locator(text))


def parse_json(text: str, file: str) -> FrameworkDoc:
    try:
        data = limits.load_json(text, check_strings=False)  # build() names the line
    except json.JSONDecodeError as exc:
        raise FrameworkFileError(file, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(file, exc.place, exc.message) from None
    return build(data, file, _locator(text))


def dump_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def dump_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
