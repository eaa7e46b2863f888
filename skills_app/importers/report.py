"""The import report: what an import created, and everything of the source it did not keep.

Every importer fills one while it reads: an entry in ``lost`` for each piece
of the source that the framework model does not carry (a column, an
association, a rule, a value), and an entry in ``changed`` for each piece it
kept in another shape than the source gave it (a long statement cut into a
name with the whole text as the description, escapes decoded, level names
supplied). The frameworks service adds what it created. The command line,
the API and the browser all show the same report; ``--strict`` refuses an
import whose report has anything in ``lost``.

Entries are counted by kind and, within a kind, by what they are, with
examples (their place in the source and the value); the counts are exact and
cover every entry, nothing is left out of them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

EXAMPLES = 3  # examples shown per (kind, what) in the text form; the counts cover every entry


@dataclass(frozen=True)
class Entry:
    kind: str  # "column", "association", "rule", "field", "value", ... (singular)
    what: str  # within the kind: "exactMatchOf", "'#' (row numbers)", ...
    where: str | None = None  # the place in the source
    example: str | None = None  # the value, or what became of it


@dataclass
class ImportReport:
    source: str
    format: str | None = None
    lost: list[Entry] = field(default_factory=list)
    changed: list[Entry] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    outcome: str | None = None  # created | unchanged | added | replaced (from the service)
    message: str | None = None
    dry_run: bool = False
    # A table's columns: {"headers": [...], "mapping": {field: header}} (importers/table.py)
    columns: dict | None = None

    def lose(self, kind: str, what: str, where: str | None = None, example: str | None = None) -> None:
        self.lost.append(Entry(kind, what, where, example))

    def change(self, kind: str, what: str, where: str | None = None, example: str | None = None) -> None:
        self.changed.append(Entry(kind, what, where, example))

    @property
    def complete(self) -> bool:
        """Nothing of the source was left out."""
        return not self.lost

    def lost_counts(self) -> dict[str, int]:
        return dict(Counter(e.kind for e in self.lost))

    def to_dict(self) -> dict:
        def entries(items: list[Entry]) -> list[dict]:
            return [{"kind": e.kind, "what": e.what, "where": e.where, "example": e.example} for e in items]

        return {
            "source": self.source, "format": self.format, "outcome": self.outcome, "message": self.message,
            "dry_run": self.dry_run, "created": dict(self.created),
            "not_kept": _summary(self.lost), "changed": _summary(self.changed),
            "not_kept_entries": entries(self.lost), "changed_entries": entries(self.changed),
        }

    def render(self) -> str:
        """The report as lines of text (what the command line prints)."""
        head = f"{self.source}" + (f" ({self.format})" if self.format else "")
        lines = [f"Import report for {head}" + (" — dry run, nothing written" if self.dry_run else "")]
        if self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines + self.body())

    def body(self) -> list[str]:
        """The report's lines after its heading: created, not kept, kept in another shape."""
        lines: list[str] = []
        if self.created:
            made = ", ".join(f"{n} {_plural(kind, n)}" for kind, n in self.created.items())
            lines.append(f"  {'would create' if self.dry_run else 'created'}: {made}")
        if not self.lost:
            lines.append("  not kept: nothing — every part of the source was imported")
        for group in _summary(self.lost):
            parts = ", ".join(f"{n} {what}" for what, n in group["by_what"].items())
            lines.append(f"  not kept: {group['count']} {_plural(group['kind'], group['count'])}: {parts}")
            for e in group["examples"]:
                where = f"{e['where']}: " if e["where"] else ""
                lines.append(f"      e.g. {where}{e['what']}" + (f" = {e['example']!r}" if e["example"] else ""))
        for e in self.changed:
            where = f" ({e.where})" if e.where else ""
            lines.append(f"  kept in another shape: {e.what}" + (f": {e.example}" if e.example else "") + where)
        return lines


def _summary(items: list[Entry]) -> list[dict]:
    kinds: dict[str, list[Entry]] = {}
    for entry in items:
        kinds.setdefault(entry.kind, []).append(entry)
    out = []
    for kind, entries in kinds.items():
        by_what = dict(Counter(e.what for e in entries))
        examples, seen = [], Counter()
        for e in entries:
            if seen[e.what] < EXAMPLES:
                seen[e.what] += 1
                examples.append({"what": e.what, "where": e.where, "example": e.example})
        out.append({"kind": kind, "count": len(entries), "by_what": by_what, "examples": examples})
    return out


def _plural(word: str, n: int) -> str:
    if n == 1:
        return word
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy")):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"
