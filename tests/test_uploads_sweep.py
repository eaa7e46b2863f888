"""Browser uploads checked and never imported are swept; large imports show their progress."""
from __future__ import annotations

import os
import time
from pathlib import Path

from tests.conftest import ROOT


def invoke(runner, *args):
    return runner.invoke(args=list(args))


def test_checked_uploads_never_imported_are_swept_once_old(app, runner, tmp_path, monkeypatch):
    # A folder of its own: other tests of the same worker leave checked uploads in the shared one.
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    root = tmp_path
    old, young = [], []
    for folder in ("framework-imports", "people-imports"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        stale = root / folder / f"left-{folder}"
        stale.write_bytes(b"x" * 10)
        day_and_a_bit = time.time() - 25 * 3600
        os.utime(stale, (day_and_a_bit, day_and_a_bit))
        old.append(stale)
        fresh = root / folder / f"fresh-{folder}"
        fresh.write_bytes(b"y")
        young.append(fresh)
    evidence = root / "not-an-import-file"
    evidence.write_bytes(b"z")
    os.utime(evidence, (time.time() - 30 * 3600,) * 2)
    try:
        listed = invoke(runner, "uploads", "sweep", "--dry-run")
        assert listed.exit_code == 0, listed.output
        assert "framework-imports/left-framework-imports\t10 bytes" in listed.output
        assert "people-imports/left-people-imports\t10 bytes" in listed.output
        assert "2 checked uploads (20 bytes) would be removed (dry run: nothing removed)." in listed.output
        assert all(p.exists() for p in old + young)
        swept = invoke(runner, "uploads", "sweep")
        assert swept.exit_code == 0 and "Removed 2 checked uploads (20 bytes)." in swept.output
        assert not any(p.exists() for p in old) and all(p.exists() for p in young)
        assert evidence.exists()  # evidence files are the evidence sweep's
        assert "No checked uploads left behind." in invoke(runner, "uploads", "sweep").output
        assert "Removed 2" in invoke(runner, "uploads", "sweep", "--min-age", "0").output
    finally:
        for p in young + [evidence]:
            p.unlink(missing_ok=True)


def test_a_large_import_shows_its_progress(runner, monkeypatch):
    from skills_app.cli import frameworks as frameworks_cli

    monkeypatch.setattr(frameworks_cli, "LARGE_IMPORT_BYTES", 0)
    result = invoke(runner, "frameworks", "import", str(ROOT / "tests" / "data" / "case-associations-layout.json"))
    assert result.exit_code == 0, result.output
    assert "Reading and checking" in result.output
    assert "Writing KNIFE-SKILLS-COULD-BE 1: 9 skills…" in result.output
