"""The small things of issue 15, each with its check."""
from __future__ import annotations

import re

from types import SimpleNamespace

from skills_app.web import skill_code


def test_a_skill_code_is_not_repeated_when_it_is_its_frameworks():
    slm = SimpleNamespace(code="SLM", framework=SimpleNamespace(code="SLM"))
    slmo = SimpleNamespace(code="SLMO", framework=SimpleNamespace(code="SFIA"))
    assert skill_code(slm) == "SLM" and skill_code(slmo) == "SFIA SLMO"


def test_every_page_names_its_icon_and_the_icon_is_served(team, client, auth):
    auth.login(team.hr)
    page = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert client.get(icon).status_code == 200


def test_no_shell_command_on_the_pages_hr_reads(team, client, auth):
    auth.login(team.hr)
    for url in ("/", "/frameworks", "/crosswalks"):
        page = client.get(url).get_data(as_text=True)
        assert "<code>skills-app" not in page, url


def test_the_labels_of_the_account_page_are_unique(team, client, auth):
    auth.login(team.admin)
    page = client.get(f"/admin/people/{team.sam.id}").get_data(as_text=True)
    labels = [re.sub(r"<[^>]+>|\s+", " ", label).strip() for label in re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)]
    assert labels and len(labels) == len(set(labels)), sorted(labels)


def test_service_error_sentences_start_with_a_capital(team):
    import pytest

    from skills_app.errors import InvalidInput
    from skills_app.services import learning

    with pytest.raises(InvalidInput) as refused:
        learning.create_plan(team.hr, name=" ", skill=team.slmo, target_level=3, resource=None, starts_on=None, ends_on=None, people=[])
    assert refused.value.message[0].isupper()


def test_a_page_says_a_refusal_in_a_sentence_starting_with_a_capital(team, client, auth):
    auth.login(team.sam)
    page = client.get("/assessments/999999").get_data(as_text=True)
    assert "No such assessment" in page and "no such assessment" not in page


def test_hr_is_sent_to_the_browser_import_not_a_shell_command(team, client, auth):
    auth.login(team.hr)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/admin/people/import"' in page


def test_only_evidence_files_are_capped_on_arrival(app):
    """Another upload (the people CSV) is never cut short at the evidence cap: too big, it is refused whole."""
    from skills_app.web.uploads import EVIDENCE_ENDPOINTS

    # The assessment page, the evidence library's page (My evidence) and the API's evidence.
    assert EVIDENCE_ENDPOINTS == {"assessments.save", "library.index", "api.add_evidence"}
    assert "admin.import_people" in app.view_functions


def test_a_file_name_at_the_start_of_a_refusal_keeps_its_case():
    from skills_app.errors import sentence

    assert sentence("no such assessment") == "No such assessment"
    assert sentence("bad.yaml: line 1 (framework.name): missing") == "bad.yaml: line 1 (framework.name): missing"


def test_a_report_names_a_skill_once_when_it_is_its_frameworks():
    import pandas as pd

    from skills_app.reports.gaps import grouped
    from skills_app.reports.labels import skill_label

    assert skill_label("SLM", "SLM") == "SLM" and skill_label("SFIA", "SLMO") == "SFIA SLMO"
    assert skill_label("SLM", "SLM 3→4") == "SLM 3→4" and skill_label("SFIA", "SLMO 3→4") == "SFIA SLMO 3→4"
    rows = pd.DataFrame({"framework": ["SLM", "SFIA"], "skill": ["SLM", "SLMO"], "status": ["met", "below"],
                         "person_id": [1, 2]})
    assert list(grouped(rows, "skill")["group"]) == ["SFIA SLMO", "SLM"]
