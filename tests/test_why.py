"""Why is this here? Each paragraph of a page leads to the change that last shaped it, and to the
accepted proposal (its decision, reason, supports and discussion) when it came from one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD
from wiki.errors import BadInput, NotFound
from wiki.models import Role, User
from wiki.services.accounts import commit_author
from wiki.services.discussion import proposal_target
from wiki.services.pages import EditRequest
from wiki.services.render import ParagraphLinks, Renderer, SectionLinks, table_of_contents
from wiki.services.site import Site

PAGE = "neem-initiatief"
FRONT_MATTER_LINES = 4  # "---", title, number, "---" in content/neem-initiatief.md


@dataclass(frozen=True)
class Story:
    """A page whose paragraph 2 Anna wrote directly and whose paragraph 3 came from Bert's
    accepted proposal; ``seed`` is the revision before either."""

    seed: str
    anna: str
    bert: str
    proposal: int
    merge: str


def _replaced(site: Site, old: str, new: str) -> str:
    text = site.pages.get(PAGE)[0].text
    assert old in text
    return text.replace(old, new)


def _edit(site: Site, user: User, old: str, new: str, message: str) -> str:
    base = site.pages.get(PAGE)[0].revision
    edit = EditRequest(PAGE, _replaced(site, old, new), base, message, commit_author(user))
    return site.pages.save(edit).revision


@pytest.fixture
def story(site: Site) -> Story:
    """Why: the two ways a paragraph comes to be (an edit, an accepted proposal) side by side."""
    anna = site.accounts.add_user("anna", PASSWORD, Role.EDITOR, display_name="Anna")
    bert = site.accounts.add_user("bert", PASSWORD, Role.CONTRIBUTOR, display_name="Bert")
    maria = site.accounts.add_user("maria", PASSWORD, Role.MAINTAINER, display_name="Maria")
    cees = site.accounts.add_user("cees", PASSWORD, Role.CONTRIBUTOR, display_name="Cees")
    seed = site.pages.get(PAGE)[0].revision
    anna_revision = _edit(site, anna, "Wie als eerste", "Wie als allereerste", "Anna maakt het sterker")
    text = _replaced(site, "Initiatief nemen vraagt", "Initiatief nemen vraagt altijd")
    proposal = site.proposals.create(bert, "Altijd", "Want het is zo.", [(PAGE, text)])
    site.discussion.support(proposal.id, cees, supported=True)
    site.discussion.add(proposal_target(proposal.id), cees, "Goed plan")
    hidden = site.discussion.add(proposal_target(proposal.id), cees, "Iets onaardigs")
    site.discussion.hide(proposal_target(proposal.id), hidden, maria, "Niet vriendelijk")
    accepted = site.proposals.accept(proposal.id, maria, "Duidelijker zo", proposal.head_revision)
    assert accepted.record.decision is not None
    merge = accepted.record.decision.merge
    assert merge is not None
    return Story(seed, anna_revision, proposal.head_revision, proposal.id, merge)


def test_a_paragraph_written_directly_is_answered_with_its_own_commit(site: Site, story: Story) -> None:
    why = site.why.why(PAGE, None, paragraph=2)
    assert (why.revision, why.author, why.message) == (story.anna, "Anna", "Anna maakt het sterker")
    assert why.proposal is None
    assert why.on_branch
    assert "Wie als allereerste" in why.text


def test_a_paragraph_from_an_accepted_proposal_names_the_proposer_and_the_decision(site: Site, story: Story) -> None:
    why = site.why.why(PAGE, None, paragraph=3)
    assert why.revision == story.bert  # the proposer's own commit, not the maintainer's merge
    assert why.author == "Bert"
    assert not why.on_branch
    origin = why.proposal
    assert origin is not None
    assert (origin.id, origin.title, origin.status) == (story.proposal, "Altijd", "accepted")
    assert (origin.reason, origin.decided_by, origin.merge) == ("Duidelijker zo", "Maria", story.merge)
    assert (origin.supports_current, origin.supports_earlier) == (1, 0)
    assert origin.comments == 1  # the hidden comment is not counted


def test_a_later_edit_of_another_paragraph_leaves_the_answer_alone(site: Site, story: Story) -> None:
    anna = site.accounts.get_user("anna")
    later = _edit(site, anna, "Heb je een goed idee?", "Heb je een idee?", "Korter")
    assert site.why.why(PAGE, None, paragraph=1).revision == later
    assert site.why.why(PAGE, None, paragraph=2).revision == story.anna
    third = site.why.why(PAGE, None, paragraph=3)
    assert third.revision == story.bert
    assert third.proposal is not None
    assert third.proposal.id == story.proposal


def test_an_old_version_is_answered_as_it_was(site: Site, story: Story) -> None:
    assert site.why.why(PAGE, story.seed, paragraph=2).revision == story.seed
    at_anna = site.why.why(PAGE, story.anna, paragraph=3)
    assert (at_anna.revision, at_anna.proposal) == (story.seed, None)
    assert site.why.why(PAGE, story.anna, paragraph=2).revision == story.anna


def test_a_line_of_the_file_is_answered_too(site: Site, story: Story) -> None:
    second_paragraph = FRONT_MATTER_LINES + 3  # body lines 1 and 2: the first paragraph, a blank line
    assert site.why.why(PAGE, None, line=second_paragraph).revision == story.anna
    assert site.why.why(PAGE, None, line=1).revision == story.seed  # front matter is a line like any


def test_paragraphs_and_lines_that_do_not_exist_are_refused(site: Site) -> None:
    for paragraph, line in [(0, None), (99, None), (None, 0), (None, 10_000), (None, None), (1, 1)]:
        with pytest.raises(BadInput):
            site.why.why(PAGE, None, paragraph, line)
    with pytest.raises(NotFound):
        site.why.why("bestaat-niet", None, paragraph=1)
    with pytest.raises(NotFound):
        site.why.why(PAGE, "0" * 40, paragraph=1)


def test_many_paragraphs_cost_one_rev_list_per_accepted_proposal(
    site: Site, story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    original = site.repo.commits_between

    def counted(left_out: str, wanted: str) -> list[str]:
        calls.append((left_out, wanted))
        return original(left_out, wanted)

    monkeypatch.setattr(site.repo, "commits_between", counted)
    for paragraph in range(1, 6):
        site.why.why(PAGE, None, paragraph=paragraph)
    assert len(calls) <= 1


def test_the_api_answers_in_the_shape_of_the_issue(client: TestClient, story: Story) -> None:
    direct = client.get(f"/api/why/{PAGE}?paragraph=2")
    assert direct.status_code == 200
    body = direct.json()
    assert set(body) == {"revision", "author", "date", "message", "proposal"}
    assert (body["revision"], body["author"], body["proposal"]) == (story.anna, "Anna", None)
    assert body["date"].endswith("Z")
    proposal = client.get(f"/api/why/{PAGE}?paragraph=3").json()["proposal"]
    assert proposal == {
        "id": story.proposal,
        "title": "Altijd",
        "decision": {
            "status": "accepted",
            "reason": "Duidelijker zo",
            "by": "Maria",
            "date": proposal["decision"]["date"],
        },
        "supports": {"current": 1, "earlier": 0},
        "comments": 1,
    }
    line = client.get(f"/api/why/{PAGE}?line={FRONT_MATTER_LINES + 3}").json()
    assert line["revision"] == story.anna
    old = client.get(f"/api/why/{PAGE}?paragraph=2&revision={story.seed}").json()
    assert old["revision"] == story.seed


def test_the_api_refuses_bad_input_in_json(client: TestClient) -> None:
    for query in ["paragraph=0", "paragraph=99", "paragraph=abc", "line=-1", "line=1.5", "", "paragraph=1&line=1"]:
        response = client.get(f"/api/why/{PAGE}?{query}", headers={"Accept-Language": "nl"})
        assert response.status_code == 400, query
        assert response.json()["error"] == "bad_request"
        assert response.json()["message"]
    assert (
        "alinea 99" in client.get(f"/api/why/{PAGE}?paragraph=99", headers={"Accept-Language": "nl"}).json()["message"]
    )
    assert client.get("/api/why/bestaat-niet?paragraph=1").status_code == 404
    assert client.get(f"/api/why/{PAGE}?paragraph=1&revision={'0' * 40}").status_code == 404


def test_the_why_page_shows_the_proposal_its_decision_and_the_way_to_its_discussion(
    client: TestClient, story: Story
) -> None:
    page = client.get(f"/why/{PAGE}?paragraph=3", headers={"Accept-Language": "nl"})
    assert page.status_code == 200
    html = page.text
    assert "Waarom staat dit hier?" in html
    assert "Bert" in html
    assert f'href="/proposals/{story.proposal}"' in html
    assert "Duidelijker zo" in html
    assert "1 steunt deze versie, 0 een eerdere" in html
    assert f'href="/proposals/{story.proposal}#discussion"' in html
    assert "Lees het gesprek (1 reactie)" in html
    assert f'href="/change/{story.merge}"' in html
    direct = client.get(f"/why/{PAGE}?paragraph=2", headers={"Accept-Language": "nl"}).text
    assert f'href="/change/{story.anna}"' in direct
    assert "niet via een voorstel" in direct
    assert client.get(f"/why/{PAGE}?paragraph=99").status_code == 400


def test_every_paragraph_of_a_page_links_to_its_answer_without_breaking_the_kept_page(
    client: TestClient, site: Site
) -> None:
    first = client.get(f"/p/{PAGE}", headers={"Accept-Language": "nl"})
    assert first.status_code == 200
    for number in range(1, 6):
        assert f'href="/why/{PAGE}?paragraph={number}"' in first.text
    assert "waarom staat dit hier?" in first.text
    assert '<span class="visually-hidden"> (alinea 3)</span>' in first.text
    again = client.get(f"/p/{PAGE}", headers={"Accept-Language": "nl"})
    assert again.text == first.text
    assert again.headers["etag"] == first.headers["etag"]
    old = client.get(f"/p/{PAGE}?revision={site.pages.get(PAGE)[0].revision}")
    assert f'href="/why/{PAGE}?paragraph=1&amp;revision={site.pages.get(PAGE)[0].revision}"' in old.text


def test_the_links_leave_section_links_and_the_table_of_contents_alone() -> None:
    markdown = "# Een\n\nTekst.\n\n## Twee\n\n- a\n- b\n\n## Drie\n\n```\ncode\n```\n"
    renderer = Renderer()
    plain = renderer.render(markdown)
    links = ParagraphLinks("p", None, "waarom?", "(alinea %(number)s)")
    html = renderer.render(markdown, "k", None, None, links)
    assert table_of_contents(html) == table_of_contents(plain)
    assert [f"paragraph={n}" in html for n in range(1, 7)] == [True] * 6
    assert html.count('class="why-link') == 6
    both = renderer.render(markdown, "k", None, SectionLinks("p", "Bewerk"), links)
    assert both.count('class="section-edit"') == 3
    assert both.count('class="why-link') == 6
    assert 'class="why-link' not in renderer.render(markdown, "k")  # exports and previews ask for none
