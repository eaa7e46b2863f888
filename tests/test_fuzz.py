"""Fuzzing the file importers with hypothesis: malformed framework files of every
supported format and malformed people CSVs. Every input either imports, or is
refused with a clear FrameworkFileError / PeopleImportError (or another domain
error, with its message); no other exception escapes, and a refused file
leaves the database exactly as it was.

A few dozen examples per target in the normal run; at least a thousand per
target under ``HYPOTHESIS_PROFILE=bench`` (what ``make fuzz`` runs).
"""
from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills_app.errors import DomainError
from skills_app.extensions import db
from skills_app.importers import FORMATS, FrameworkFileError, load_bytes
from skills_app.policy import SYSTEM
from skills_app.services import frameworks, people_import
from tests.conftest import ROOT
from tests.test_access_matrix import database_state

settings.register_profile("normal", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("bench", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "normal")
settings.load_profile(PROFILE if PROFILE in ("normal", "bench") else "normal")

DATA = ROOT / "tests" / "data"


def _xlsx_from_csv(path) -> bytes:
    import pandas as pd

    buffer = io.BytesIO()
    pd.read_csv(path).to_excel(buffer, index=False, sheet_name="Skills")
    return buffer.getvalue()


def _seeds() -> dict[str, tuple[str, bytes, dict]]:
    """One valid file per format: (file name, bytes, options)."""
    sfia_yaml = (ROOT / "frameworks" / "sfia-8.yaml").read_bytes()
    return {
        "yaml": ("sfia.yaml", sfia_yaml, {}),
        "json": ("sfia.json", json.dumps(yaml.safe_load(sfia_yaml)).encode(), {}),
        "text": ("slmo.txt", (ROOT / "seed_data" / "sources" / "001_9f8ee5298ac564fd.txt").read_bytes(),
                 {"framework_code": "SFIA", "version": "8"}),
        "sfia-csv": ("skills.csv", (DATA / "sfia-9-skills.csv").read_bytes(), {"version": "9"}),
        "sfia-xlsx": ("skills.xlsx", _xlsx_from_csv(DATA / "sfia-9-skills.csv"), {"version": "9"}),
        "case": ("case.json", (DATA / "case-1.1-data-skills.json").read_bytes(), {}),
        "moodle-csv": ("moodle.csv", (DATA / "moodle-digital-skills.csv").read_bytes(), {}),
        "table": ("table.csv", (DATA / "table-level-columns-layout.csv").read_bytes(),
                  {"framework_code": "SFT", "version": "1", "framework_name": "Skills table"}),
    }


SEEDS = _seeds()


def test_every_format_has_a_fuzz_seed():
    assert set(SEEDS) == set(FORMATS), "a format without a seed is not fuzzed: add one to _seeds()"


@st.composite
def mutated(draw, data: bytes):
    """A valid file, damaged: bytes flipped, cut, duplicated, or spliced with junk."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "duplicate", "replace_token"]))
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut":
            del data[i:i + draw(st.integers(1, 200))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=40) | st.sampled_from(
                [b"\x00", b'"', b"'", b",", b";", b"\n", b"\r", b"{", b"}", b"[", b"]", b":", b"- ", b"\xff\xfe", b"\xef\xbb\xbf",
                 b"&a [*a, *a]", b"!!python/object/apply:os.system ['echo hacked']", b"Level 99", b"level: -1", b"1e999"]))
        elif op == "truncate":
            del data[i:]
        elif op == "duplicate":
            j = draw(st.integers(i, min(len(data), i + 400)))
            data[j:j] = data[i:j]
        else:
            for old, new in ((b"level", b"levle"), (b"defined", b"define"), (b"code", b""), (b"true", b"maybe"),
                             (b"descriptors", b"descriptor"), (b"2", b"-2"), (b",", b"")):
                if old in data:
                    k = bytes(data).index(old)
                    data[k:k + len(old)] = new
                    break
    return bytes(data)


def _xlsx_mutations(data: bytes):
    """For the workbook: damage the zip, or a part inside it."""
    @st.composite
    def strategy(draw):
        if draw(st.booleans()):
            return draw(mutated(data))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        name = draw(st.sampled_from(sorted(parts)))
        parts[name] = draw(mutated(parts[name]))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for part, content in parts.items():
                archive.writestr(part, content)
        return out.getvalue()
    return strategy()


def _check(app, fmt: str, name: str, data: bytes, options: dict) -> None:
    """Import one input in a nested transaction; anything but a domain error is a bug."""
    before = _framework_counts()
    try:
        with db.session.begin_nested():
            _fmt, doc = load_bytes(data, name, fmt, **options)
            frameworks.import_doc(SYSTEM, doc, partial=FORMATS[fmt].partial, replace=True, source=name)
            raise _Undo()
    except _Undo:
        pass
    except FrameworkFileError as exc:
        assert str(exc).strip(), "an empty error message"
        assert name in str(exc), f"the message does not name the file: {exc}"
    except DomainError as exc:
        assert exc.message.strip()
    assert _framework_counts() == before, "a refused file changed the database"


class _Undo(Exception):
    """Raised to roll an import that succeeded back, so each example starts from the same database."""


def _framework_counts() -> tuple:
    from sqlalchemy import func, select

    from skills_app.models import Descriptor, Framework, Skill, SkillLevel

    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Framework, Skill, SkillLevel, Descriptor))


@pytest.fixture
def sqlite_only(app):
    """Every database runs the fuzzing: a malformed file must leave PostgreSQL
    unchanged too. The bench profile's thousand cases run on SQLite only (make fuzz)."""
    return app


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_malformed_framework_files_get_a_clear_error(app, sqlite_only, load_seed_frameworks, fmt):
    load_seed_frameworks()
    name, seed, options = SEEDS[fmt]
    before = database_state()
    strategy = _xlsx_mutations(seed) if fmt == "sfia-xlsx" else mutated(seed)

    @given(data=strategy)
    def run(data):
        _check(app, fmt, name, data, options)

    run()
    db.session.rollback()
    assert database_state() == before


@pytest.mark.parametrize("fmt", sorted(f for f in SEEDS if not FORMATS[f].binary))
def test_arbitrary_text_in_any_format_gets_a_clear_error(app, sqlite_only, fmt):
    name, _seed, options = SEEDS[fmt]
    before = database_state()

    @given(text=st.text(max_size=400) | st.from_regex(r"[-\w: ,;\"'\[\]{}\n]{0,300}", fullmatch=True))
    def run(text):
        _check(app, fmt, name, text.encode("utf-8", "surrogatepass"), options)

    run()
    db.session.rollback()
    assert database_state() == before


PEOPLE_HEADER = "employee_number,email,name,job_title,org_unit,manager,roles,job_roles,services"
cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(
    ["", "E1", "a@b.example", "not-an-email", "Group/IT", "Group//IT", "/", "admin", "employee;manager", "E1;E2", '"', '""', "\n",
     "x" * 300, "E2", "b@b.example"])


@st.composite
def people_csvs(draw):
    header = draw(st.sampled_from([PEOPLE_HEADER, PEOPLE_HEADER.upper().replace(",", ";"), "employee_number,email",
                                   "name,name,email,employee_number", "", "\ufeff" + PEOPLE_HEADER]))
    delimiter = ";" if ";" in header and "," not in header else ","
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=10), max_size=8))
    lines = [header] + [delimiter.join(r) for r in rows]
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = draw(mutated(text.encode("utf-8"))).decode("utf-8", "replace")
    return text


def test_malformed_people_csvs_get_a_clear_error(app, sqlite_only, make_person):
    hr = make_person("Hal HR", roles=("employee", "hr"))
    before = database_state()

    @given(text=people_csvs())
    def run(text):
        try:
            with db.session.begin_nested():
                people_import.run(hr, text, "people.csv")
                raise _Undo()
        except _Undo:
            pass
        except people_import.PeopleImportError as exc:
            assert exc.errors and all(e.line >= 1 for e in exc.errors)
            assert "people.csv" in exc.message
        except DomainError as exc:
            assert exc.message.strip()

    run()
    db.session.rollback()
    assert database_state() == before
