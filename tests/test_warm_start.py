"""A serving app pays its first requests' costs as it starts (skills_app._warm):
every template compiled into Jinja's cache and pandas imported; commands and
tests do without. Each case runs in a new interpreter: this one has imported
pandas long ago."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROBE = r"""
import gc, json, sys
from skills_app import create_app
app = create_app(json.loads(sys.argv[1]))
html = [n for n in app.jinja_env.list_templates() if n.endswith(".html")]
print(json.dumps({"pandas": "pandas" in sys.modules, "compiled": len(app.jinja_env.cache or {}), "templates": len(html),
                  "frozen": gc.get_freeze_count() > 0}))
"""


def _probe(tmp_path, config: dict, **env) -> dict:
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'warm.db'}",
                   "UPLOAD_DIR": str(tmp_path / "uploads"), **env}
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(config)], cwd=ROOT, env=environment,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_serving_app_starts_with_every_template_compiled_and_pandas_imported(tmp_path):
    got = _probe(tmp_path, {})
    assert got["pandas"] is True
    assert got["templates"] > 50 and got["compiled"] == got["templates"]
    assert got["frozen"] is True  # what it started with is left out of the collector's walks


@pytest.mark.parametrize("config, env", [({"TESTING": True}, {}), ({}, {"WARM_START": "0"}), ({"WARM_START": False}, {})],
                         ids=["tests", "turned off", "commands"])
def test_tests_commands_and_an_operator_who_turns_it_off_start_cold(tmp_path, config, env):
    got = _probe(tmp_path, config, **env)
    assert got == {"pandas": False, "compiled": 0, "templates": got["templates"], "frozen": False}

