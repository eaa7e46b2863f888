"""Words: the one place that counts things in English, so that a page never
says "1 pieces of evidence" or "1 are decided".

- :func:`plural` — ``plural(1, "piece of evidence", "pieces of evidence")`` →
  ``"1 piece of evidence"``; the plural is the word with an ``s`` when not given,
  and the irregular ones the app uses are known (person → people).
- :func:`verb` — the verb that agrees with a count: ``verb(1, "is", "are")``.

Pure functions; the web registers them as Jinja filters (``{{ n|plural('review') }}``).
"""
from __future__ import annotations

IRREGULAR = {
    "person": "people",
    "piece of evidence": "pieces of evidence",
    "working day": "working days",
    "breach": "breaches",
    "day": "days",
    "is": "are",
    "has": "have",
    "was": "were",
    "waits": "wait",
}


def plural_form(word: str, n: int, many: str | None = None) -> str:
    """The word that goes with ``n`` (no number)."""
    if n == 1 or n == -1:
        return word
    if many is not None:
        return many
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def plural(n, word: str, many: str | None = None) -> str:
    """``n`` with the word that goes with it: "1 person", "3 people", "0 reviews",
    "4,971 people" (thousands set apart, as :func:`thousands`)."""
    n = int(n or 0)
    return f"{n:,} {plural_form(word, n, many)}"


def thousands(n) -> str:
    """A count as people read it: 186,069."""
    return f"{int(n or 0):,}"


def verb(n, one: str, many: str | None = None) -> str:
    """The verb agreeing with ``n``: verb(1, "is") → "is", verb(2, "is") → "are"."""
    return plural_form(one, int(n or 0), many)
