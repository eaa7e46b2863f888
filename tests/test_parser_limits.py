"""Parsers with limits: each hostile file is refused with a clear error, in
little time and memory, and nothing is written.

Every bomb is read in a child interpreter under an address-space cap of 2 GB
and a 120-second timeout, so that a parser without limits fails the test
instead of the machine; the child measures its own peak of Python memory
(tracemalloc) and its CPU time. The bounds are generous (5 CPU seconds,
200 MB) against what a refusal costs now (well under a second, a few MB);
a parser that expands the bomb needs minutes and gigabytes.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import Evidence, Framework, Person
from tests.conftest import ROOT
from tests.test_security import _files, _upload, draft  # noqa: F401  (fixture)

MAX_SECONDS = 5.0
MAX_BYTES = 200 * 1024 * 1024

CHILD = textwrap.dedent("""
    import json, resource, sys, time, tracemalloc
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "framework":
        from skills_app.importers import FrameworkFileError, load_file as read
        errors = (FrameworkFileError,)
    elif kind == "people":
        from skills_app.services.people_import import PeopleImportError, parse
        read = lambda p: parse(open(p, "rb").read().decode("utf-8-sig"), p)
        errors = (PeopleImportError,)
    else:
        from flask import Flask
        from skills_app.errors import InvalidInput
        from skills_app.services import evidence_store
        app = Flask("bounded"); app.config["MAX_UPLOAD_MB"] = 10
        def read(p):
            with app.app_context():
                return evidence_store.check(p.rsplit("/", 1)[-1], open(p, "rb").read())
        errors = (InvalidInput,)
    tracemalloc.start()
    cpu = time.process_time()
    try:
        read(path)
        outcome = {"error": None}
    except errors as exc:
        outcome = {"error": str(exc)}
    except BaseException as exc:
        outcome = {"crash": f"{exc.__class__.__name__}: {str(exc)[:300]}"}
    outcome["seconds"] = time.process_time() - cpu
    outcome["peak"] = tracemalloc.get_traced_memory()[1]
    print(json.dumps(outcome))
""")


def read_bounded(kind: str, path: Path) -> dict:
    """Read ``path`` in a child interpreter with bounded memory and time; what happened, and its cost."""
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True, text=True, timeout=120,
                              cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path.name}: still reading after 120 seconds")
    lines = done.stdout.strip().splitlines()
    assert lines, f"{path.name}: the reader died: {done.stderr[-2000:]}"
    return json.loads(lines[-1])


def assert_refused_cheaply(outcome: dict, *words: str) -> None:
    assert "crash" not in outcome, f"a raw crash instead of a clear error: {outcome['crash']}"
    assert outcome["error"], "the hostile file was accepted"
    for word in words:
        assert word in outcome["error"], outcome["error"]
    assert outcome["seconds"] < MAX_SECONDS, f"{outcome['seconds']:.1f} s of CPU to refuse it"
    assert outcome["peak"] < MAX_BYTES, f"{outcome['peak'] / 2**20:.0f} MB to refuse it"


# -- the bombs ---------------------------------------------------------------------------------

def billion_laughs() -> str:
    """The classic: nine levels of ten aliases each, 10**9 strings once expanded, in about 450 bytes... inside a
    framework file, where a descriptor list would be validated and walked."""
    lines = ['lol0: &a0 ["lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"lol{i}: &a{i} [{refs}]")
    body = "\n".join(lines)
    return (f"{body}\nframework: {{code: BOMB, name: Bomb, version: '1'}}\nlevels: [{{number: 1, name: One}}]\n"
            "skills:\n  - code: B\n    name: Bomb\n    levels:\n      - level: 1\n        defined: true\n"
            "        descriptors: *a9\n")


def deep_yaml() -> str:
    return "framework: " + "[" * 50_000 + "]" * 50_000 + "\n"


def deep_json() -> str:
    return '{"framework": ' + "[" * 100_000 + "]" * 100_000 + "}"


def xlsx_bomb(tmp_path: Path, *, lie: bool = False) -> Path:
    """A real workbook (the SFIA download's header) whose sheet is 300 MB of rows once unpacked, about 1 MB packed.
    With ``lie``, the archive's directory says the sheet is small."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Skills"
    book.active.append(["Code", "Skill", "Level 1 description"])
    plain = io.BytesIO()
    book.save(plain)
    row = b'<row><c t="inlineStr"><is><t>SLMO</t></is></c><c t="inlineStr"><is><t>Service level management</t></is></c></row>'
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
                continue
            with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                            b"<sheetData>")
                chunk = row * 10_000
                for _ in range(300 * 2**20 // len(chunk)):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    data = out.getvalue()
    if lie:
        data = _understate(data, "xl/worksheets/sheet1.xml")
    path = tmp_path / ("lying-bomb.xlsx" if lie else "bomb.xlsx")
    path.write_bytes(data)
    return path


def _understate(data: bytes, member: str) -> bytes:
    """Rewrite a member's uncompressed size as 1,000 bytes in the central directory and its local header."""
    data = bytearray(data)
    name = member.encode()
    central = data.find(b"PK\x01\x02" + bytes(0), 0)
    while central != -1:
        name_length = int.from_bytes(data[central + 28: central + 30], "little")
        if data[central + 46: central + 46 + name_length] == name:
            data[central + 24: central + 28] = (1000).to_bytes(4, "little")
            local = int.from_bytes(data[central + 42: central + 46], "little")
            data[local + 22: local + 26] = (1000).to_bytes(4, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def xlsx_claiming_every_cell(tmp_path: Path) -> Path:
    """A tiny workbook whose dimension claims all 17 billion cells of a sheet, with one cell in the last row."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Code", "Skill", "Level 1 description"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        b'<dimension ref="A1:XFD1048576"/><sheetData><row r="1048576"><c r="XFD1048576" t="inlineStr">'
                        b"<is><t>x</t></is></c></row></sheetData></worksheet>")
            target.writestr(info, data)
    path = tmp_path / "every-cell.xlsx"
    path.write_bytes(out.getvalue())
    return path


def docx_with_a_bomb_inside(tmp_path: Path, *, lie: bool = False) -> Path:
    """A valid Word document whose main part, not [Content_Types].xml, unpacks to 300 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                         'wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        with archive.open("word/document.xml", "w") as part:
            chunk = b"<w:p><w:r><w:t>evidence</w:t></w:r></w:p>" * 25_000
            for _ in range(300 * 2**20 // len(chunk)):
                part.write(chunk)
    data = out.getvalue()
    if lie:
        data = _understate(data, "word/document.xml")
    path = tmp_path / ("lying-bomb.docx" if lie else "bomb.docx")
    path.write_bytes(data)
    return path


# -- each bomb, read where the app reads it ---------------------------------------------------

def test_a_yaml_billion_laughs_is_refused_before_it_expands(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs())
    assert path.stat().st_size < 1000
    assert_refused_cheaply(read_bounded("framework", path), "aliases")


def test_a_yaml_alias_to_its_own_ancestor_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("framework: &top {code: X, name: X, version: '1', again: *top}\nlevels: []\nskills: []\n")
    assert_refused_cheaply(read_bounded("framework", path), "refers to a node that contains it")


@pytest.mark.parametrize("name, text", [("deep.yaml", deep_yaml()), ("deep.json", deep_json())])
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    assert_refused_cheaply(read_bounded("framework", path), "nested more than 64 levels deep")


def test_an_xlsx_bomb_is_refused_from_its_directory_before_reading(tmp_path):
    path = xlsx_bomb(tmp_path)
    assert path.stat().st_size < 3 * 2**20
    assert_refused_cheaply(read_bounded("framework", path), "unpacks to more than 32 MB")


def test_an_xlsx_bomb_whose_directory_lies_is_refused_on_its_checksum(tmp_path):
    assert_refused_cheaply(read_bounded("framework", xlsx_bomb(tmp_path, lie=True)), "bomb.xlsx")


def test_an_xlsx_claiming_every_cell_is_refused_before_its_rows_are_read(tmp_path):
    assert_refused_cheaply(read_bounded("framework", xlsx_claiming_every_cell(tmp_path)), "declares 1,048,576 rows")


@pytest.mark.parametrize("lie", [False, True], ids=["honest directory", "lying directory"])
def test_an_office_evidence_file_with_a_bomb_in_any_part_is_refused(tmp_path, lie):
    path = docx_with_a_bomb_inside(tmp_path, lie=lie)
    assert path.stat().st_size < 3 * 2**20
    assert_refused_cheaply(read_bounded("evidence", path), "word/document.xml")


def test_a_people_csv_with_a_nul_byte_names_its_line_and_column(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"employee_number,email,name\nE1,ann@example.test,Ann\nE2,bob@example.test,Bo\x00b\n")
    assert_refused_cheaply(read_bounded("people", path), "line 3, column 23", "NUL (U+0000)")


# -- through the command line: a clear message, nothing written ------------------------------

def _counts():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Framework)), db.session.scalar(select(func.count()).select_from(Person))


@pytest.mark.parametrize("name, content", [
    ("laughs.yaml", billion_laughs()),
    ("deep.json", deep_json()),
    ("deep.yaml", deep_yaml()),
    ("nul.csv", "Code,Skill,Level 1 description\nSLMO,Service level\x00 management,Monitors.\n"),
    ("control.json", json.dumps({"framework": {"code": "X", "name": "Bell\u0007", "version": "1"}, "levels": [], "skills": []})),
    ("escaped-nul.yaml", 'framework: {code: X, name: "Nul\\0", version: "1"}\nlevels: [{number: 1, name: One}]\nskills: []\n'),
])
def test_frameworks_import_refuses_each_bomb_clearly_and_writes_nothing(app, runner, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    before = _counts()
    result = runner.run("frameworks", "import", str(path))
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert name in result.output and "Traceback" not in result.output
    assert _counts() == before


def test_people_import_with_a_nul_byte_is_refused_with_its_place_even_in_a_dry_run(app, runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"employee_number,email,name,job_title\nE1,ann@example.test,Ann,Analyst\nE2,bob@example.test,Bob,Ops\x00Lead\n")
    before = _counts()
    for options in (["--dry-run"], []):
        result = runner.run("people", "import", str(path), *options)
        assert result.exit_code != 0, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "line 3, column 28" in result.output and "NUL (U+0000)" in result.output
        assert _counts() == before


@pytest.mark.parametrize("character, name", [("\x1b", "U+001B"), ("\x07", "U+0007"), ("\x7f", "U+007F")])
def test_people_import_with_another_control_character_is_refused_with_its_place_even_in_a_dry_run(app, runner, tmp_path,
                                                                                                    character, name):
    path = tmp_path / "people.csv"
    path.write_bytes(f"employee_number,email,name\nE1,ann@example.test,An{character}n\n".encode())
    before = _counts()
    for options in (["--dry-run"], []):
        result = runner.run("people", "import", str(path), *options)
        assert result.exit_code != 0, result.output
        assert "line 2, column 23" in result.output and name in result.output, result.output
        assert _counts() == before


def test_the_real_sfia_download_still_reads_within_the_limits():
    from tests.conftest import REAL_FILES

    path = REAL_FILES / "sfia-8-download.xlsx"
    if not path.exists():
        pytest.skip(f"the SFIA 8 download is not in {REAL_FILES} (SKILLS_APP_SHARED names the shared folder)")
    from skills_app.importers import load_file

    fmt, doc = load_file(path)
    assert fmt == "sfia-xlsx" and len(doc.skills) > 90


def test_an_office_evidence_upload_with_a_bomb_inside_is_refused_and_nothing_kept(app, client, auth, org, draft, tmp_path):
    auth.login(org["self"])
    before = _files(app)
    response = _upload(client, draft, "cv.docx", docx_with_a_bomb_inside(tmp_path).read_bytes(),
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    body = response.get_data(as_text=True)
    assert "Evidence added." not in body and "word/document.xml" in body
    db.session.rollback()
    assert db.session.scalars(select(Evidence).where(Evidence.assessment_id == draft.id)).all() == [] and _files(app) == before


def test_a_framework_file_over_the_size_limit_is_refused_saying_its_size_in_mb(tmp_path):
    from skills_app.importers import MAX_FILE_BYTES, FrameworkFileError, load_file

    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1024 * 1024 + 5)  # sparse: nothing is written
    with pytest.raises(FrameworkFileError) as caught:
        load_file(path)
    assert str(caught.value) == f"{path}: the file is 51 MB; the limit is 50 MB"


def test_the_value_budget_allows_exactly_its_number_of_values():
    from skills_app.importers import limits

    limits.check_data([1, 2], max_values=3)  # the list and its two items
    with pytest.raises(limits.LimitExceeded, match="more than 2 values"):
        limits.check_data([1, 2], max_values=2)


def test_a_limit_error_reads_as_where_then_what():
    """`requirements load` prints the error as it reads: where, then what."""
    from skills_app.importers import limits

    error = limits.LimitExceeded("at skills[0].name", "the text holds a NUL, which no field may contain")
    assert str(error) == "at skills[0].name: the text holds a NUL, which no field may contain"
    assert str(limits.LimitExceeded(None, "more than 5 values")) == "more than 5 values"


def test_a_zip_whose_end_record_claims_more_parts_than_accepted_is_refused_before_its_index_is_read():
    import struct

    from skills_app.importers import limits

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "x")
    data = bytearray(out.getvalue())
    struct.pack_into("<H", data, data.rfind(b"PK\x05\x06") + 10, limits.MAX_ZIP_MEMBERS + 1)
    with pytest.raises(limits.LimitExceeded) as caught:
        limits.check_zip(bytes(data), max_total=1024 * 1024)
    assert caught.value.message == f"the archive has {limits.MAX_ZIP_MEMBERS + 1:,} parts; at most {limits.MAX_ZIP_MEMBERS:,} are accepted"
    limits.check_zip(out.getvalue(), max_total=1024 * 1024)  # the same archive, its record true
