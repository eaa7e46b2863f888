"""Charts that everyone can read (WCAG 2.2 1.1.1, 1.4.1, 1.4.11): each SVG chart
of every page with a chart is named by its own <title>, says which table holds
its numbers (and that table is on the page), and its bars, lines and dots stand
out at 3:1 or more from the page and the card behind them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from skills_app.devdata.demo import DEMO_PASSWORD
from skills_app.extensions import db


def _hex(value: str | None) -> str | None:
    found = re.search(r"#[0-9a-fA-F]{3,6}\b", value or "")
    return found.group(0) if found else None


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        h = h.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        rgb = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_marks_of_every_chart_stand_out_at_3_to_1():
    from tests.test_accessibility import stylesheet

    root, rules = stylesheet()
    marks = re.compile(r"\.(st|pr|pg|hist|series)-[\w-]+|svg \.bar-\w+|svg \.ontime-\w+|\.meter \.fill$")
    wrong, seen = [], 0
    for selector, decls in rules:
        if not marks.search(selector) or "snapshot" in selector:
            continue
        colour = _hex(decls.get("fill")) or _hex(decls.get("stroke")) or (
            _hex(decls.get("background")) if selector.endswith(".fill") else None)
        if not colour:
            continue
        seen += 1
        for background in ("#fff", root["--bg"], root["--card"]):
            if _contrast(colour, background) < 3:
                wrong.append(f"{selector}: {colour} on {background} is {_contrast(colour, background):.2f}:1")
    assert seen >= 20
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def demo(demo_world):
    return demo_world


def _charts(page: str) -> list[str]:
    return re.findall(r"<svg\b[^>]*\brole=\"img\"[^>]*>.*?</svg>", page, re.S)


CHART_PAGES = {
    "hannah.lee": ["/reports/gaps", "/reports/training-needs", "/reports/trends", "/reports/calibration",
                   "/service-levels"],
    "marcus.webb": ["/team"],
}


@pytest.mark.xdist_group("demo_world")
def test_every_chart_is_named_and_has_its_numbers_in_a_table(client, auth, demo):
    from skills_app.models import Campaign, Person

    sam = db.session.scalar(select(Person).where(Person.email == "sam.taylor@acme.example"))
    pages = {who: list(paths) for who, paths in CHART_PAGES.items()}
    pages["hannah.lee"].append(f"/people/{sam.id}")
    campaign = db.session.scalar(select(Campaign))
    if campaign is not None:
        pages["hannah.lee"].append(f"/campaigns/{campaign.id}")
    found, problems = 0, []
    for who, paths in pages.items():
        auth.login(f"{who}@acme.example", DEMO_PASSWORD)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            page = response.get_data(as_text=True)
            for svg in _charts(page):
                found += 1
                opening = svg.split(">", 1)[0]
                labelled = re.search(r'aria-labelledby="([^"]+)"', opening)
                title = re.search(r'<title id="([^"]+)">([^<]+)</title>', svg)
                table = re.search(r'data-table="([^"]+)"', opening)
                if not (labelled and title and labelled.group(1) == title.group(1) and title.group(2).strip()):
                    problems.append(f"{path}: a chart without its own <title> naming it: {opening[:120]}")
                if not table or f'<table class="data" id="{table.group(1)}"' not in page:
                    problems.append(f"{path}: a chart without a table of its numbers: {opening[:120]}")
        auth.logout()
    assert found >= 6, found
    assert not problems, "\n".join(problems)


def test_a_frameworks_attribute_table_scrolls_in_its_own_labelled_region(client, auth, make_person):
    """The levels of responsibility (a framework's generic attributes) are wide tables:
    each in a labelled region the keyboard reaches, so that at 320 px the page does not scroll sideways."""
    from skills_app.importers import parse_text
    from skills_app.policy import SYSTEM
    from skills_app.services import frameworks

    text = ("framework: {code: LOR, name: Levels, version: '1'}\nlevels:\n  - {number: 1, name: Follow}\n"
            "  - {number: 2, name: Assist}\nattributes:\n  - code: AUT\n    name: Autonomy\n    levels:\n"
            "      - {level: 1, description: Works under close direction.}\n"
            "      - {level: 2, description: Works under routine direction.}\nskills: []\n")
    frameworks.import_doc(SYSTEM, parse_text(text, "lor.yaml"), source="lor.yaml")
    db.session.commit()
    auth.login(make_person("Ema Ployee"))

    page = client.get("/frameworks/LOR?version=1").get_data(as_text=True)

    region = re.search(r'<div class="scroll" role="region" aria-label="([^"]+)" tabindex="0">\s*<table class="data">\s*'
                       r'<caption class="visually-hidden">Autonomy at each level</caption>', page)
    assert region and region.group(1) == "Autonomy at each level"


def test_the_accessibility_statement_names_the_contact_configured(app, client):
    page = client.get("/accessibility").get_data(as_text=True)
    assert "the people who run it in your organisation" in page and "mailto:" not in page

    app.config.update(ACCESSIBILITY_CONTACT="the Digital Accessibility team", ACCESSIBILITY_EMAIL="access@example.org")
    try:
        page = client.get("/accessibility").get_data(as_text=True)
    finally:
        app.config.update(ACCESSIBILITY_CONTACT=None, ACCESSIBILITY_EMAIL=None)

    contact = re.sub(r"\s+", " ", re.search(r'<p id="contact">(.*?)</p>', page, re.S).group(1))
    assert 'tell the Digital Accessibility team at <a href="mailto:access@example.org">access@example.org</a>.' in contact


def test_the_contact_comes_from_the_environment(monkeypatch):
    from skills_app.config import from_environment

    monkeypatch.setenv("ACCESSIBILITY_CONTACT", "the Service Desk")
    monkeypatch.setenv("ACCESSIBILITY_EMAIL", "help@example.org")
    config = from_environment()
    assert config["ACCESSIBILITY_CONTACT"] == "the Service Desk" and config["ACCESSIBILITY_EMAIL"] == "help@example.org"
