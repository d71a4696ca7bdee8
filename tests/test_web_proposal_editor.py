"""Proposal forms use the page editor (toolbar, preview, drafts), show the word diff of the
proposed change before it is sent, and bring a proposal up to date by title and overlap."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "ga-voor-oplossingen-en-resultaten"
EDITOR = Author("Eef", "eef@users.wiki.invalid")


def token(client: TestClient) -> str:
    return csrf_from(client.get("/privacy").text)


def propose(client: TestClient, site: Site, body: str, **extra: str) -> str:
    page = site.pages.get(PAGE)[0]
    data = {"csrf_token": token(client), "title": page.title, "body": body, "base": page.revision, **extra}
    response = client.post(f"/propose/{PAGE}", data=data)
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"]).split("/")[2].split("?")[0]


def test_the_proposal_forms_get_the_editor(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    change = client.get(f"/propose/{PAGE}").text
    assert "editor.js" in change
    assert "data-editor" in change
    assert 'data-preview-url="/preview"' in change
    assert f'data-draft-url="/drafts/{PAGE}" data-draft-kind="proposal"' in change
    principle = client.get("/proposals/new").text
    assert "editor.js" in principle
    assert "data-editor" in principle
    number = propose(client, site, "Een nieuwe tekst.\n")
    revise = client.get(f"/proposals/{number}/revise").text
    assert "editor.js" in revise
    assert 'id="body-0"' in revise
    assert "data-editor" in revise


def test_review_shows_the_word_diff_against_the_page_and_sends_nothing(
    client: TestClient, auth: Auth, site: Site
) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    page = site.pages.get(PAGE)[0]
    first = page.body.strip().split("\n\n")[0]
    body = page.body.replace(first, first + " Nieuwerwets.", 1).replace("\n", "\r\n")  # as browsers send it
    data = {"csrf_token": token(client), "title": page.title, "body": body, "base": page.revision, "action": "review"}
    response = client.post(f"/propose/{PAGE}", data=data)
    assert response.status_code == 200
    assert "Bekijk je wijziging" in response.text
    assert 'id="review"' in response.text
    review = response.text.split('id="review"')[1].split("</section>")[0]
    assert review.count("<ins>") == 1
    assert "Nieuwerwets" in review.split("<ins>")[1]
    assert "Nieuwerwets." in response.context["body"]  # type: ignore[attr-defined]
    assert site.proposals.listing(None) == []


def test_preview_of_a_proposed_change_renders_it_and_sends_nothing(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    page = site.pages.get(PAGE)[0]
    data = {"csrf_token": token(client), "title": page.title, "body": "Een **vette** tekst", "action": "preview"}
    response = client.post(f"/propose/{PAGE}", data=data)
    assert response.status_code == 200
    assert response.text.count('class="preview"') == 1
    assert "<strong>vette</strong>" in response.text
    principle = client.post(
        "/proposals/new", data={"csrf_token": token(client), "title": "Nieuw", "body": "*schuin*", "action": "preview"}
    )
    assert "<em>schuin</em>" in principle.text
    assert site.proposals.listing(None) == []


def test_a_draft_proposal_is_kept_apart_from_a_draft_edit_and_offered_back(
    client: TestClient, auth: Auth, site: Site
) -> None:
    user = auth.sign_in(Role.EDITOR)
    fields = {"csrf_token": token(client), "title": "T", "base": site.pages.get(PAGE)[0].revision}
    assert client.post(f"/drafts/{PAGE}", data={**fields, "body": "Als voorstel", "kind": "proposal"}).json()
    assert client.post(f"/drafts/{PAGE}", data={**fields, "body": "Als bewerking"}).json()
    assert site.drafts.get(user, PAGE, for_proposal=True).body == "Als voorstel"  # type: ignore[union-attr]
    assert site.drafts.get(user, PAGE).body == "Als bewerking"  # type: ignore[union-attr]
    offered = client.get(f"/propose/{PAGE}")
    assert f'href="/propose/{PAGE}?draft=1"' in offered.text
    restored = client.get(f"/propose/{PAGE}", params={"draft": "1"})
    assert restored.context["body"] == "Als voorstel"  # type: ignore[attr-defined]
    propose(client, site, "Als voorstel\n")
    assert site.drafts.get(user, PAGE, for_proposal=True) is None
    assert site.drafts.get(user, PAGE) is not None
    assert client.get(f"/edit/{PAGE}").context["draft"].body == "Als bewerking"  # type: ignore[attr-defined]


def test_revise_can_review_each_page_against_the_version_it_started_from(
    client: TestClient, auth: Auth, site: Site
) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    page = site.pages.get(PAGE)[0]
    number = propose(client, site, page.body + "\nVoorgesteld.\n")
    form = client.get(f"/proposals/{number}/revise")
    head = form.context["head"]  # type: ignore[attr-defined]
    data = {
        "csrf_token": token(client),
        "head": head,
        "title-0": page.title,
        "body-0": page.body + "\nVoorgesteld en herzien.\n",
        "action": "review",
    }
    review = client.post(f"/proposals/{number}/revise", data=data)
    assert review.status_code == 200
    assert 'id="review-0"' in review.text
    assert "herzien" in review.text.split('id="review-0"')[1]
    # The diff is against the version the proposal started from (issue 17), and says so.
    assert "Jouw wijziging naast de versie waar het voorstel van uitging" in review.text
    assert f'<legend lang="nl">{page.title}</legend>' in review.text
    assert site.proposals.get(int(number)).head_revision == head


def test_bring_up_to_date_shows_titles_and_where_the_texts_overlap(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    page = site.pages.get(PAGE)[0]
    paragraphs = page.body.rstrip("\n").split("\n\n")
    number = propose(client, site, "\n\n".join([*paragraphs[:-1], "VOORSTEL"]) + "\n")
    site.pages.save(EditRequest(PAGE, page.text.replace(paragraphs[-1], "HOOFDLIJN"), page.revision, "", EDITOR))
    form = client.get(f"/proposals/{number}/update")
    assert form.status_code == 200
    text = form.text
    assert f'lang="nl">{page.title}</h2>' in text
    assert "---" not in text.split("<main")[1]
    assert f"{PAGE}.md" not in text
    assert "HOOFDLIJN</ins>" in text
    assert "VOORSTEL</ins>" in text
    body = "\n\n".join([*paragraphs[:-1], "HOOFDLIJN en VOORSTEL"]) + "\n"
    data = {"csrf_token": csrf_from(text), "title-0": page.title, "body-0": body}
    response = client.post(f"/proposals/{number}/update", data=data)
    assert response.status_code == 303, response.text[:2000]
    proposal = site.proposals.get(int(number))
    assert proposal.mergeable
    proposed = site.proposals.changes(proposal)[0].text or ""
    assert "HOOFDLIJN en VOORSTEL" in proposed
    assert proposed.startswith(page.text.split("\n\n")[0])  # the front matter is kept as it was


def test_a_draft_new_principle_is_offered_back_and_removed_once_sent(
    client: TestClient, auth: Auth, site: Site
) -> None:
    user = auth.sign_in(Role.CONTRIBUTOR, "auteur")
    form = client.get("/proposals/new").text
    assert 'data-draft-url="/drafts/" data-draft-kind="principle"' in form
    assert "?draft=1" not in form
    fields = {"csrf_token": token(client), "title": "Deel wat je weet", "kind": "principle"}
    assert client.post("/drafts/", data={**fields, "body": "Kennis groeit door te delen."}).json() == {"saved": True}
    assert client.post(f"/drafts/{PAGE}", data={**fields, "body": "Als bewerking", "kind": ""}).json()
    offered = client.get("/proposals/new")
    assert 'href="/proposals/new?draft=1"' in offered.text
    restored = client.get("/proposals/new", params={"draft": "1"})
    assert restored.context["title"] == "Deel wat je weet"  # type: ignore[attr-defined]
    assert restored.context["body"] == "Kennis groeit door te delen."  # type: ignore[attr-defined]
    data = {"csrf_token": token(client), "title": "Deel wat je weet", "body": "Kennis groeit.", "why": "Mist."}
    assert client.post("/proposals/new", data=data).status_code == 303
    assert site.drafts.new_principle(user) is None
    assert "?draft=1" not in client.get("/proposals/new").text
    assert site.drafts.get(user, PAGE).body == "Als bewerking"  # type: ignore[union-attr]


def test_a_draft_new_principle_can_be_thrown_away(client: TestClient, auth: Auth, site: Site) -> None:
    user = auth.sign_in(Role.CONTRIBUTOR, "auteur")
    fields = {"csrf_token": token(client), "title": "Iets", "body": "Tekst", "kind": "principle"}
    client.post("/drafts/", data=fields)
    thrown = client.post("/drafts/", data={**fields, "action": "discard"}, follow_redirects=False)
    assert thrown.status_code == 303
    assert thrown.headers["location"] == "/proposals/new"
    assert site.drafts.new_principle(user) is None


def test_a_draft_revision_is_offered_back_and_removed_once_sent(client: TestClient, auth: Auth, site: Site) -> None:
    user = auth.sign_in(Role.CONTRIBUTOR, "auteur")
    number = propose(client, site, "Een nieuwe tekst.\n")
    here = f"/proposals/{number}/revise"
    form = client.get(here).text
    assert f'data-draft-url="/drafts/" data-draft-kind="revise" data-draft-proposal="{number}"' in form
    assert f'data-draft-page="{PAGE}"' in form
    assert "?draft=1" not in form
    head = site.proposals.get(int(number)).head_revision
    fields = {"csrf_token": token(client), "title": "Ga voor resultaat", "base": head, "kind": "revise"}
    saved = client.post(f"/drafts/{PAGE}", data={**fields, "body": "Herzien.", "proposal": number})
    assert saved.json() == {"saved": True}
    client.post(f"/drafts/{PAGE}", data={**fields, "body": "Als voorstel", "kind": "proposal"})
    offered = client.get(here)
    assert f'href="{here}?draft=1"' in offered.text
    restored = client.get(here, params={"draft": "1"})
    assert restored.context["pages"][0]["body"] == "Herzien."  # type: ignore[attr-defined]
    assert restored.context["pages"][0]["title"] == "Ga voor resultaat"  # type: ignore[attr-defined]
    assert "Je concept staat weer in het formulier" in restored.text
    sent = {"csrf_token": token(client), "title-0": "Ga voor resultaat", "body-0": "Herzien.", "head": head}
    assert client.post(here, data={**sent, "message": "Korter"}).status_code == 303
    assert site.drafts.revision(user, int(number), [PAGE]) == {}
    assert "?draft=1" not in client.get(here).text
    assert site.drafts.get(user, PAGE, for_proposal=True).body == "Als voorstel"  # type: ignore[union-attr]


def test_a_draft_revision_can_be_thrown_away(client: TestClient, auth: Auth, site: Site) -> None:
    user = auth.sign_in(Role.CONTRIBUTOR, "auteur")
    number = propose(client, site, "Een nieuwe tekst.\n")
    fields = {"csrf_token": token(client), "title": "T", "body": "Tekst", "kind": "revise", "proposal": number}
    client.post(f"/drafts/{PAGE}", data=fields)
    client.post(f"/drafts/{PAGE}", data={**fields, "kind": ""})
    discard = {**fields, "action": "discard", "page": PAGE}
    thrown = client.post("/drafts/", data=discard, follow_redirects=False)
    assert thrown.status_code == 303
    assert thrown.headers["location"] == f"/proposals/{number}/revise"
    assert site.drafts.revision(user, int(number), [PAGE]) == {}
    assert site.drafts.get(user, PAGE) is not None
    bad = client.post(f"/drafts/{PAGE}", data={**fields, "proposal": "x"})
    assert bad.status_code == 400
