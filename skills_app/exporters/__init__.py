"""Framework exporters: one module per format behind one interface, as the importers are.

``export(fmt, doc, **context)`` turns a :class:`FrameworkDoc` into the text of
a file. ``context`` carries what a format may use beyond the document, such
as ``changed`` (when the framework last changed, for CASE's timestamps).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from skills_app.exporters import case, moodle_csv
from skills_app.importers.document import FrameworkDoc
from skills_app.importers.native import dump_json, dump_yaml


@dataclass(frozen=True)
class Exporter:
    name: str
    write: Callable[..., str]
    help: str
    media_type: str
    suffix: str


def _yaml(doc: FrameworkDoc, **_context) -> str:
    return dump_yaml(doc.to_native())


def _json(doc: FrameworkDoc, **_context) -> str:
    return dump_json(doc.to_native())


EXPORTERS: dict[str, Exporter] = {e.name: e for e in (
    Exporter("yaml", _yaml, "the native framework file in YAML", "application/yaml", ".yaml"),
    Exporter("json", _json, "the native framework file in JSON", "application/json", ".json"),
    Exporter("case", case.export, "a 1EdTech CASE 1.1 package (JSON)", "application/json", ".case.json"),
    Exporter("moodle-csv", moodle_csv.export, "a Moodle competency framework CSV (tool_lpimportcsv)", "text/csv", ".csv"),
)}


def export_formats() -> list[str]:
    return list(EXPORTERS)


def export(fmt: str, doc: FrameworkDoc, **context) -> str:
    if fmt not in EXPORTERS:
        raise ValueError(f"unknown export format {fmt!r}; known formats: {', '.join(EXPORTERS)}")
    return EXPORTERS[fmt].write(doc, **context)


__all__ = ["EXPORTERS", "export", "export_formats"]
