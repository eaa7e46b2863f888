"""Accessibility, WCAG 2.2 AA, as a gate: every page state each demo role (and a
signed-out visitor) reaches passes axe-core at 1280 and 320 px with nothing of
moderate impact or worse, and no contrast "to review" that a computed check finds
too low; no page is wider than 390 or 320 px; no detail hides in a hover title;
refused forms are announced (focus on the summary, fields aria-invalid and
described by their problem); the focus ring stands out; the keyboard goes from
the skip link through the menus; the stylesheet's colours meet their ratios; the
assessment and review pages work from the keyboard alone."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from skills_app.devdata import demo
from skills_app.extensions import db
from tests.conftest import CI, ROOT
from tests.pages import queue_links

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ROLES = ["sam.taylor", "marcus.webb", "hannah.lee", "laura.chen", "alex.morgan"]
# Links that change state or leave the page as a file are not crawled.
# (…/credential: an assessment's credential, a JSON download)
SKIP = ("/logout", "/export", "format=", "/file", "/download", ".csv", ".xlsx", "/api/")


@pytest.fixture
def axe():
    if not AXE.exists():
        if CI:
            pytest.fail(f"{AXE} is missing: make test installs it with npm", pytrace=False)
        pytest.skip("axe-core is not installed (make test runs npm ci)")
    return AXE


# Contrast that axe leaves "to review" (a gradient, an overlap) is computed here: the
# element's text colour against every colour of the first background behind it.
CONFIRM_CONTRAST = """(selectors) => selectors.map(sel => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map(v => v / 255).map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const ratio = (a, b) => { const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x); return (hi + 0.05) / (lo + 0.05); };
    const style = getComputedStyle(el);
    const fg = rgb(style.color);
    let colours = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
        const s = getComputedStyle(node);
        const stops = (s.backgroundImage.match(/rgba?\\([^)]*\\)/g) || []).map(rgb);
        const bg = rgb(s.backgroundColor);
        if (stops.length) colours = colours.concat(stops.filter(c => c.length < 4 || c[3] > 0));
        if (bg.length && (bg.length < 4 || bg[3] > 0)) { colours.push(bg); break; }
    }
    if (!colours.length) colours = [[255, 255, 255]];
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    const worst = Math.min(...colours.map(c => ratio(fg, c)));
    return worst < needed ? sel + ': ' + worst.toFixed(2) + ':1 (' + needed + ' needed)' : null;
}).filter(Boolean)"""


def axe_problems(page, axe: Path) -> list[str]:
    """axe-core's violations of moderate impact or worse, and the contrast it could not
    decide that a computed check finds too low. (Evaluated through the DevTools protocol:
    the page's CSP, no inline scripts, stays on as users have it.)"""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations', 'incomplete']});
        return {
            violations: r.violations.filter(v => ['moderate', 'serious', 'critical'].includes(v.impact))
                .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')),
            review: r.incomplete.filter(v => v.id === 'color-contrast').flatMap(v => v.nodes.map(n => n.target.join(' '))),
        };
    }""")
    return result["violations"] + page.evaluate(CONFIRM_CONTRAST, result["review"])


def page_problems(page, axe: Path) -> list[str]:
    """Everything wrong with the page as it is shown: axe at 1280 and 320 px, a page
    wider than the screen at 390 and 320 px, details only in hover titles."""
    found = [f"1280 px: {p}" for p in axe_problems(page, axe)]
    found += [f"hover-only detail: {t}" for t in page.evaluate(
        "[...document.querySelectorAll('body [title]')].filter(e => !['IFRAME', 'ABBR'].includes(e.tagName))"
        ".slice(0, 3).map(e => e.tagName + ' title=' + e.title)")]
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 800})
        page.evaluate("window.skillsApp && skillsApp.layout()")
        wide = page.evaluate("""() => {
            const out = [...document.querySelectorAll('body *')].filter(e => {
                const r = e.getBoundingClientRect();
                return r.width && r.right > innerWidth + 1 && !e.closest('.scroll, .skip');
            });
            return [document.documentElement.scrollWidth, out.slice(0, 3).map(e => e.tagName + '.' + e.className)];
        }""")
        if wide[0] > width:
            found.append(f"{width} px: the page is {wide[0]} px wide ({', '.join(wide[1])})")
        if width == 320:
            found += [f"320 px: {p}" for p in axe_problems(page, axe)]
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("window.skillsApp && skillsApp.layout()")
    return found


# Page states that links do not reach by shape: filtered reports and heatmaps.
EXTRA_PAGES = {
    None: ["/login", "/accessibility"],
    "hannah.lee": ["/reports/gaps?view=heatmap", "/reports/gaps?view=heatmap-units",
                   "/reports/gaps?skill=SLMO&status=below&status=not_assessed&group=org_unit", "/accessibility"],
    "laura.chen": ["/reports/gaps?view=heatmap&skill=SLMO", "/reports/training-needs"],
    "marcus.webb": ["/team"],
    "sam.taylor": ["/my/plan"],
}
# Refused posts: (page, the button pressed with the form left empty).
REFUSED = {
    None: [("/login", "Sign in")],
    "sam.taylor": [("/account/password", "Change password"), ("/account/tokens", "Create token"), ("/my/evidence", "Add to my evidence")],
    "marcus.webb": [("/account/password", "Change password")],
    "hannah.lee": [("/campaigns/new", "Open the campaign"), ("/admin/org-units", "Add org unit")],
    "laura.chen": [("/learning", "Add to the catalogue"), ("/account/password", "Change password")],
    "alex.morgan": [("/admin/people/new", "Create person"), ("/admin/org-units", "Add org unit")],
}


@pytest.mark.parametrize("who", [None, *ROLES], ids=["signed-out", *ROLES])
def test_every_page_state_each_role_reaches_passes_the_gate(browser, live_server, demo_org, axe, who):
    """axe at 1280 and 320 px, no page wider than 390 or 320 px, no hover-only details:
    on every page a role reaches by links (one per route shape), the filtered reports
    and heatmaps, and the pages of refused posts (which also announce their errors).
    One context per role, in the session's one browser."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    try:
        if who:
            page.goto(f"{live_server}/login")
            page.get_by_label("Email").fill(f"{who}@acme.example")
            page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("button", name="Sign out").wait_for()
        seen: set[str] = set()
        queue = ["/"] if who else []
        queue += EXTRA_PAGES.get(who, [])
        extra = set(EXTRA_PAGES.get(who, []))
        while queue and len(seen) < 60:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = page.goto(urljoin(live_server, path))
            if response is None or response.status != 200 or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            found = page_problems(page, axe)
            if found:
                problems[path] = found
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            queue_links([h for h in hrefs if not urlsplit(h).path.endswith("/credential")], queue, seen, extra, SKIP)
        for path, button in REFUSED.get(who, []):
            page.goto(urljoin(live_server, path))
            page.get_by_role("button", name=button).click()
            page.locator("#error-summary").wait_for()
            found = error_announcement(page) + page_problems(page, axe)
            if found:
                problems[f"{path} refused"] = found
    finally:
        context.close()
    assert len(seen) >= (2 if who is None else 5)
    assert not problems, "\n".join(f"{path}: {'; '.join(found)}" for path, found in problems.items())


def tab_to(page, locator, limit: int = 300) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_self_assessment_and_review_from_the_keyboard_alone(page, live_server, demo_org, shots):
    from sqlalchemy import select

    from skills_app.models import Assessment, Person, Skill

    slmo = db.session.scalar(select(Skill).where(Skill.code == "SLMO"))
    # The employee signs in, starts a self-assessment and rates a descriptor, keys only.
    page.goto(f"{live_server}/login")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type("sam.taylor@acme.example")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/assessments/new?skill_id={slmo.id}")
    claim = page.get_by_label("Level you claim")
    tab_to(page, claim)
    for _ in range(6):
        if claim.input_value() == "4":
            break
        page.keyboard.press("ArrowDown")
    assert claim.input_value() == "4"
    tab_to(page, page.get_by_role("button", name="Start self-assessment"))
    page.keyboard.press("Enter")
    page.get_by_text("Started your self-assessment of SLMO at level 4").wait_for()
    met = page.get_by_label("Met", exact=True).first
    tab_to(page, met)
    page.keyboard.press("Space")
    assert met.is_checked()
    tab_to(page, page.get_by_role("button", name="Save draft"))
    page.keyboard.press("Enter")
    page.get_by_text("Draft saved.").wait_for()
    shots(page, "keyboard-draft-saved")
    mine = db.session.scalar(select(Assessment).join(Person, Assessment.person_id == Person.id)
                             .where(Person.email == "sam.taylor@acme.example", Assessment.skill_id == slmo.id))
    db.session.refresh(mine)
    assert mine.status == "draft" and mine.claimed_level == 4
    assert any(r.rating == "met" for r in mine.ratings)

    # The line manager returns a submitted assessment for more evidence, keys only.
    page.context.clear_cookies()
    waiting = db.session.scalar(select(Assessment).join(Person, Assessment.person_id == Person.id)
                                .where(Person.email == "tom.fischer@acme.example", Assessment.status == "submitted"))
    page.goto(f"{live_server}/login")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type("marcus.webb@acme.example")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/reviews/{waiting.id}")
    tab_to(page, page.get_by_label("Reason or comment"))
    page.keyboard.type("Please add last month's SLA report.")
    tab_to(page, page.get_by_role("button", name="Return for more evidence"))
    page.keyboard.press("Enter")
    page.get_by_text("Decision recorded").wait_for()
    shots(page, "keyboard-returned")
    db.session.refresh(waiting)
    assert waiting.status == "returned"
    assert waiting.decision_comment == "Please add last month's SLA report."


# -- errors heard, results announced ------------------------------------------------

def error_announcement(page) -> list[str]:
    """What is wrong with how the refused form on ``page`` is told: the title
    says "Error: ", the summary has the focus, and each of its links leads to
    a field marked aria-invalid and described by its problem."""
    page.wait_for_load_state("load")
    return page.evaluate("""() => {
        const wrong = [];
        if (!document.title.startsWith('Error: ')) wrong.push('title does not start with "Error: ": ' + document.title);
        const summary = document.getElementById('error-summary');
        if (!summary) return wrong.concat(['no error summary']);
        if (document.activeElement !== summary) wrong.push('focus is on ' + document.activeElement.outerHTML.slice(0, 80) + ', not on the summary');
        for (const link of summary.querySelectorAll('a[href^="#"]')) {
            const target = document.getElementById(link.getAttribute('href').slice(1));
            if (!target) { wrong.push('summary link to nothing: ' + link.getAttribute('href')); continue; }
            const group = target.closest('fieldset');
            const described = target.getAttribute('aria-describedby') || (group && group.getAttribute('aria-describedby')) || '';
            const problem = described.split(' ').map(id => document.getElementById(id)).find(el => el && el.id.endsWith('-error'));
            if (!problem || !problem.textContent.trim()) wrong.push(target.id + ' is not described by its problem');
            if (!group && target.getAttribute('aria-invalid') !== 'true') wrong.push(target.id + ' is not aria-invalid');
        }
        return wrong;
    }""")


def test_a_refused_form_is_announced_and_leads_to_each_field(page, live_server, sign_in_page, demo_org):
    sign_in_page("alex.morgan@acme.example")
    page.goto(f"{live_server}/admin/people/new")
    page.get_by_role("button", name="Create person").click()
    assert error_announcement(page) == []
    summary = page.locator("#error-summary")
    assert summary.get_by_role("link").count() >= 3
    # Each link of the summary takes the keyboard to its field.
    summary.get_by_role("link", name="Name: ").press("Enter")
    assert page.evaluate("document.activeElement.id") == "name"
    page.get_by_label("Name").fill("Nia Newcomer")
    page.get_by_label("Email").fill("nia.newcomer@acme.example")
    page.get_by_label("Employee", exact=True).check()
    page.get_by_label("Initial password").fill("a long enough password")
    page.get_by_role("button", name="Create person").click()
    # The result is read out: focus on the message saying what was done.
    page.locator("#flashes").wait_for()
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "flashes"
    assert "Nia Newcomer" in page.locator("#flashes").inner_text()
    assert not page.title().startswith("Error")


def test_a_reviewers_missing_comment_is_announced_at_its_field(page, live_server, sign_in_page, demo_org):
    from sqlalchemy import select

    from skills_app.models import Assessment, Person

    waiting = db.session.scalar(select(Assessment).join(Person, Assessment.person_id == Person.id)
                                .where(Person.email == "tom.fischer@acme.example", Assessment.status == "submitted"))
    sign_in_page("marcus.webb@acme.example")
    page.goto(f"{live_server}/reviews/{waiting.id}")
    page.get_by_role("button", name="Return for more evidence").click()
    assert error_announcement(page) == []
    comment = page.get_by_label("Reason or comment")
    assert comment.get_attribute("aria-invalid") == "true"
    assert "comment is required" in page.locator("#comment-error").inner_text()


def test_the_live_region_is_there_empty_and_speaks_when_told(page, live_server, sign_in_page, demo_org):
    sign_in_page("sam.taylor@acme.example")
    region = page.locator("#live-status")
    assert region.get_attribute("role") == "status" and region.inner_text() == ""
    page.wait_for_function("() => window.skillsApp !== undefined")  # app.js is deferred
    page.evaluate("skillsApp.announce('Saved.')")
    expect(region).to_have_text("Saved.")


# -- colours: ratios computed from the stylesheet ---------------------------------------

CSS = ROOT / "skills_app" / "static" / "app.css"


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def stylesheet() -> tuple[dict[str, str], list[tuple[str, dict[str, str]]]]:
    """The custom properties of :root, and every rule as (selectors, {property: value}) with var() resolved."""
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        decls = {}
        for decl in body.split(";"):
            if ":" in decl:
                name, value = decl.split(":", 1)
                decls[name.strip()] = value.replace("!important", "").strip()
        rules.append((" ".join(selectors.split()), decls))
    root = {k: v for sel, decls in rules if sel == ":root" for k, v in decls.items() if k.startswith("--")}

    def resolve(value: str) -> str:
        return re.sub(r"var\((--[\w-]+)\)", lambda m: root[m.group(1)], value)

    return root, [(sel, {k: resolve(v) for k, v in decls.items()}) for sel, decls in rules]


def hex_of(value: str | None) -> str | None:
    found = re.fullmatch(r"\s*(#[0-9a-fA-F]{3,6})\s*", value or "")
    return found.group(1) if found else None


def test_colours_of_the_stylesheet_meet_their_ratios():
    root, rules = stylesheet()
    wrong = []
    backgrounds = {"#fff", root["--bg"], root["--card"], "#17263f"}
    # Text: every rule that sets both a text colour and a background (chips, cells, badges, flashes).
    for sel, decls in rules:
        fg, bg = hex_of(decls.get("color")), hex_of(decls.get("background") or decls.get("background-color"))
        if bg:
            backgrounds.add(bg)
        if fg and bg and contrast(fg, bg) < 4.5:
            wrong.append(f"{sel}: text {fg} on {bg} is {contrast(fg, bg):.2f}:1 (4.5 needed)")
    by_selector = {}
    for sel, decls in rules:
        by_selector.setdefault(sel, {}).update(decls)
    # Text in a plain colour on the page and on cards (muted, links, chart labels, errors).
    for name in ("--ink", "--muted", "--accent", "--danger", "--ok", "--warn"):
        for bg in (root["--bg"], root["--card"]):
            if contrast(root[name], bg) < 4.5:
                wrong.append(f"{name} {root[name]} on {bg}: {contrast(root[name], bg):.2f}:1")
    chart_text = hex_of(by_selector["svg .bar-label, svg .bar-value, svg .axis"]["fill"])
    if contrast(chart_text, root["--card"]) < 4.5:
        wrong.append(f"chart text {chart_text}: {contrast(chart_text, root['--card']):.2f}:1")
    # The heatmap legend's chips: the cell's background with the legend's text colour.
    light = {s.strip() for s in "".join(sel for sel, d in rules if sel.startswith(".legend .hm-met")).split(",")}
    for sel, decls in rules:
        if re.fullmatch(r"\.hm-[\w-]+", sel) and hex_of(decls.get("background")):
            text = "#fff" if f".legend {sel}" in light else root["--ink"]
            if contrast(text, decls["background"]) < 4.5:
                wrong.append(f"legend chip {sel}: {contrast(text, decls['background']):.2f}:1")
    # Borders that show where a field is, and the undefined level's badge.
    for bg in ("#fff", root["--bg"], root["--card"]):
        if contrast(root["--field-border"], bg) < 3:
            wrong.append(f"input border {root['--field-border']} on {bg}: {contrast(root['--field-border'], bg):.2f}:1")
    badge = hex_of(by_selector["table.levels tr.undefined .lvl-num"]["background"])
    if contrast("#fff", badge) < 4.5:
        wrong.append(f"undefined level badge: {contrast('#fff', badge):.2f}:1")
    # The two-tone focus ring: one of its tones at 3:1 or more on every background the stylesheet uses.
    for bg in sorted(backgrounds):
        best = max(contrast(root["--focus-dark"], bg), contrast(root["--focus-light"], bg))
        if best < 3:
            wrong.append(f"focus ring on {bg}: {best:.2f}:1")
    if contrast(root["--focus-on-dark"], "#17263f") < 3:
        wrong.append("focus ring in the header")
    assert not wrong, "\n".join(wrong)


# -- focus seen, and the keyboard's way through ------------------------------------------

FOCUS_RING = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'nothing has the focus';
    const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map(v => v / 255).map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const ratio = (a, b) => { const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x); return (hi + 0.05) / (lo + 0.05); };
    const name = el.tagName + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
    const s = getComputedStyle(el);
    if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2) return name + ': no focus outline';
    // The ring lies outside the element: it is seen against the background behind the element.
    let bg = [255, 255, 255];
    for (let node = el.parentElement; node; node = node.parentElement) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length && (c.length < 4 || c[3] > 0)) { bg = c; break; }
    }
    const tones = [rgb(s.outlineColor)].concat((s.boxShadow.match(/rgba?\\([^)]*\\)/g) || []).map(rgb));
    const best = Math.max(...tones.map(t => ratio(t, bg)));
    return best < 3 ? name + ': focus ring ' + best.toFixed(2) + ':1 against its background' : null;
}"""


def test_keyboard_from_the_dashboard_by_the_skip_link_with_the_focus_always_seen(page, live_server, sign_in_page, demo_org):
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/")
    # The first Tab reaches the skip link, shown on the screen; Enter takes the focus to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0
    assert page.evaluate(FOCUS_RING) is None
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')"), "Tab after the skip link left the content"
    # Every stop of the page, header and content, shows a ring that stands out from its background.
    page.goto(f"{live_server}/")
    unseen, stops = [], 0
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        stops += 1
        problem = page.evaluate(FOCUS_RING)
        if problem:
            unseen.append(problem)
    assert stops > 15 and not unseen, unseen
    # The Reports menu opens from the keyboard, and its first report is a Tab and Enter away.
    reports = page.locator("header.site summary").get_by_text("Reports", exact=True)
    tab_to(page, reports)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Capability gaps"
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1).wait_for()
    assert "gap" in page.get_by_role("heading", level=1).inner_text().lower()
    # Escape closes a menu and leaves the focus on its name.
    admin = page.locator("header.site summary").get_by_text("Admin", exact=True)
    tab_to(page, admin)
    page.keyboard.press("Enter")
    assert page.locator("header.site details.menu[open]").count() == 1
    page.keyboard.press("Escape")
    assert page.locator("header.site details.menu[open]").count() == 0
    assert admin.evaluate("el => el === document.activeElement")


@pytest.mark.parametrize("who", ROLES)
def test_the_focus_is_seen_on_every_main_page_of_each_role(browser, live_server, demo_org, who):
    """Each role's main pages (those its header links to, and its dashboard): Tab
    through each, and every stop shows a ring at 3:1 or more against what is behind it."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    unseen: dict[str, list[str]] = {}
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(f"{who}@acme.example")
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Sign out").wait_for()
        links = page.eval_on_selector_all("header.site a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
        pages = list(dict.fromkeys(["/", *(href for href in links if not any(s in href for s in SKIP))]))
        assert len(pages) >= 4, pages
        for path in pages:
            page.goto(urljoin(live_server, path))
            stops = 0
            for _ in range(45):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement === document.body"):
                    break
                stops += 1
                problem = page.evaluate(FOCUS_RING)
                if problem:
                    unseen.setdefault(path, []).append(problem)
            assert stops > 3, f"{path}: only {stops} stops"
    finally:
        context.close()
    assert not unseen, "\n".join(f"{path}: {'; '.join(found[:3])}" for path, found in unseen.items())


def test_the_navigation_fits_one_line_and_folds_behind_a_menu_button(page, live_server, sign_in_page, demo_org):
    sign_in_page("hannah.lee@acme.example")
    middles = ("[...document.querySelectorAll('header.site .bar > :not(.site-menu), header.site nav > ul > li, header.site .account > *')]"
               ".map(e => e.getBoundingClientRect()).filter(r => r.height).map(r => r.top + r.height / 2)")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/")
    lines = page.evaluate(middles)
    assert len(lines) > 10 and max(lines) - min(lines) < 12, f"the header takes more than one line at 1280 px: {lines}"
    assert not page.get_by_role("button", name="Menu").is_visible()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server}/")
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    assert menu.is_visible() and not nav.is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    tab_to(page, menu)
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true" and nav.is_visible()
    nav.get_by_role("link", name="My skills").click()
    page.get_by_role("heading", name="My skills").wait_for()
