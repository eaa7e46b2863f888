"""The README's first screen runs as written: `make run PORT=…` migrates, loads the demo and
answers on the port it was given, and `make help` lists the targets the README names."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _first_screen():
    """The README up to its third second-level heading: what, the two commands, the sign-ins."""
    headings = [m.start() for m in re.finditer(r"^## ", README, re.M)]
    return README[: headings[2]] if len(headings) > 2 else README


def test_the_first_screen_names_the_two_commands_the_port_and_every_demo_sign_in():
    screen = _first_screen()
    assert "make run" in screen and "make test" in screen
    assert "make run PORT=8080" in screen and "make demo" in screen
    for email in ("sam.taylor@acme.example", "marcus.webb@acme.example", "hannah.lee@acme.example",
                  "laura.chen@acme.example", "alex.morgan@acme.example"):
        assert email in screen, email
    assert "demo-skills-2026" in screen


def test_make_help_lists_what_the_readme_names():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ("run", "demo", "test", "fuzz", "soak", "bench"):
        assert re.search(rf"^make {target}\b", out, re.M), f"make help does not list `make {target}`:\n{out}"
    assert "PORT=" in out


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not (ROOT / ".venv" / ".installed").exists(),
                    reason="`make run` is tried from the venv `make test` installs (.venv/.installed missing)")
def test_make_run_with_a_port_serves_the_demo_there(tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'readme.db'}", "UPLOAD_DIR": str(tmp_path / "uploads")}
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        answer = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    answer = (response.status, response.read().decode())
                break
            except OSError:
                time.sleep(0.5)
        assert answer is not None, f"`make run PORT={port}` did not answer:\n{process.stdout.read() if process.poll() is not None else ''}"
        status, page = answer
        assert status == 200 and "Sign in" in page
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in output
    assert "sam.taylor@acme.example" in output  # the demo was loaded and its sign-ins printed
