"""Suggestions to a proposal in the browser without JavaScript and through the API; the
proposal's own diff against the version it started from."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from, git
from wiki.models import Author, Role, User
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"


def post(client: TestClient, url: str, **data: str) -> str:
    response = client.post(url, data={"csrf_token": csrf_from(client.get("/privacy").text), **data})
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"])


def sign_in(client: TestClient, user: User) -> None:
    page = client.get("/signin")
    data = {"username": user.username, "password": PASSWORD, "csrf_token": csrf_from(page.text), "next": "/"}
    assert client.post("/signin", data=data).status_code == 303


def propose(client: TestClient, site: Site) -> int:
    page = site.pages.get(PAGE)[0]
    location = post(
        client, f"/propose/{PAGE}", title=page.title, body=page.body + "\n\nEen voorbeeld.", base=page.revision,
        proposal_title="Voorbeeld", why="Het helpt.",
    )  # fmt: skip
    return int(location.rsplit("/", 1)[-1])


def test_suggest_in_the_proposals_editor_and_take_it_over_in_one_click(
    client: TestClient, auth: Auth, site: Site
) -> None:
    proposer = auth.sign_in(Role.CONTRIBUTOR, "auteur")
    number = propose(client, site)
    suggester = auth.sign_in(Role.CONTRIBUTOR, "ander")
    form = client.get(f"/proposals/{number}/suggest")
    assert form.status_code == 200
    assert "Een voorbeeld." in form.text  # the proposal's text in its editor
    head = form.context["head"]  # type: ignore[attr-defined]
    body = site.pages.get(PAGE)[0].body + "\n\nEen beter voorbeeld."
    missing = client.post(
        f"/proposals/{number}/suggest",
        data={"csrf_token": csrf_from(form.text), "title-0": "Neem initiatief", "body-0": body, "head": head},
    )
    assert missing.status_code == 400  # a reason is needed; the typed text comes back
    assert "Een beter voorbeeld." in missing.text
    location = post(
        client, f"/proposals/{number}/suggest", **{"title-0": "Neem initiatief", "body-0": body},
        head=head, message="Duidelijker",
    )  # fmt: skip
    assert location == f"/proposals/{number}#suggestions"
    page = client.get(f"/proposals/{number}")
    assert "Duidelijker" in page.text
    assert "<ins" in page.text  # the word diff
    assert "Deze suggestie overnemen" not in page.text  # not the suggester's to take
    client.post("/signout", data={"csrf_token": csrf_from(page.text)})

    sign_in(client, proposer)
    page = client.get(f"/proposals/{number}")
    assert "Deze suggestie overnemen" in page.text
    post(client, f"/proposals/{number}/suggestions/1/accept")
    branch = f"refs/heads/proposals/{number}"
    names = git(site.settings.repo, "log", "-1", "--format=%an|%cn", branch).strip()
    assert names == f"{suggester.display_name}|{proposer.display_name}"
    assert "Een beter voorbeeld." in git(site.settings.repo, "show", f"{branch}:{PAGE}.md")


def test_decline_with_a_reason_and_hide_in_the_browser(client: TestClient, auth: Auth, site: Site) -> None:
    proposer = auth.user(Role.CONTRIBUTOR, "auteur")
    suggester = auth.user(Role.CONTRIBUTOR, "ander")
    text = site.pages.get(PAGE)[0].text
    proposal = site.proposals.create(proposer, "Voorbeeld", "", [(PAGE, text + "\nEen.\n")])
    for reason in ("Eerste", "Tweede"):
        site.suggestions.suggest(proposal.id, suggester, [(PAGE, text + f"\n{reason}.\n")], reason, "")
    sign_in(client, proposer)
    post(client, f"/proposals/{proposal.id}/suggestions/1/decline", reason="Past niet")
    assert "Past niet" in client.get(f"/proposals/{proposal.id}").text
    auth.sign_in(Role.MAINTAINER, "beheerder")
    post(client, f"/proposals/{proposal.id}/suggestions/2/hide", reason="Ongepast")
    page = client.get(f"/proposals/{proposal.id}").text
    assert "Ongepast" in page
    assert "Tweede" not in page
    assert site.repo.ref(f"refs/heads/suggestions/{proposal.id}/2") is None


def test_a_suggestion_that_no_longer_applies_offers_the_merge_screen(
    client: TestClient, auth: Auth, site: Site
) -> None:
    proposer = auth.user(Role.CONTRIBUTOR, "auteur")
    suggester = auth.user(Role.CONTRIBUTOR, "ander")
    text = site.pages.get(PAGE)[0].text
    proposal = site.proposals.create(proposer, "Voorbeeld", "", [(PAGE, text + "\nEen voorbeeld.\n")])
    site.suggestions.suggest(proposal.id, suggester, [(PAGE, text + "\nEen beter voorbeeld.\n")], "Beter", "")
    site.proposals.revise(proposal.id, proposer, [(PAGE, text + "\nTwee voorbeelden.\n")], "", proposal.head_revision)
    sign_in(client, proposer)
    page = client.get(f"/proposals/{proposal.id}").text
    assert "Deze suggestie past niet meer" in page
    merge = f"/proposals/{proposal.id}/suggestions/1/merge"
    assert f'href="{merge}"' in page
    screen = client.get(merge)
    assert screen.status_code == 200
    assert "Een beter voorbeeld." in screen.text  # the combined text starts as the suggestion
    index = list(proposal.record.paths).index(PAGE)
    body = site.pages.get(PAGE)[0].body + "\n\nTwee betere voorbeelden."
    post(client, merge, **{f"body-{index}": body})
    taken = site.proposals.proposed_texts(site.proposals.get(proposal.id))[PAGE] or ""
    assert "Twee betere voorbeelden." in taken
    names = git(site.settings.repo, "log", "-1", "--format=%an|%cn", f"refs/heads/proposals/{proposal.id}").strip()
    assert names == f"{suggester.display_name}|{proposer.display_name}"


def test_the_api_suggests_lists_accepts_and_declines(client: TestClient, auth: Auth, site: Site) -> None:
    proposer = auth.user(Role.CONTRIBUTOR, "auteur")
    text = site.pages.get(PAGE)[0].text
    proposal = site.proposals.create(proposer, "Voorbeeld", "", [(PAGE, text + "\nEen.\n")])
    url = f"/api/proposals/{proposal.id}/suggestions"
    suggester = auth.user(Role.CONTRIBUTOR, "ander")
    headers = {"Authorization": "Bearer " + site.accounts.create_token(suggester.username)}
    change = {"changes": [{"path": PAGE, "body": text + "\nTwee.\n"}], "reason": "Meer"}
    made = client.post(url, json=change, headers=headers)
    assert (made.status_code, made.json()) == (201, {"id": 1})
    assert client.post(url, json={**change, "reason": ""}, headers=headers).status_code == 400
    assert client.post(url, json=change).status_code == 401
    second = client.post(url, json={**change, "changes": [{"path": PAGE, "body": text + "\nDrie.\n"}]}, headers=headers)
    assert second.json() == {"id": 2}
    [first, _second] = client.get(url).json()["suggestions"]
    assert first | {"date": "", "revision": "", "base_revision": ""} == {
        "id": 1, "author": suggester.display_name, "date": "", "reason": "Meer", "state": "open", "revision": "",
        "base_revision": "", "applies": True, "paths": [PAGE], "decision": None,
    }  # fmt: skip
    assert first["base_revision"] == proposal.head_revision
    own = {"Authorization": "Bearer " + site.accounts.create_token(proposer.username)}
    assert client.post(f"{url}/1/accept", headers=headers).status_code == 403  # not the suggester's
    accepted = client.post(f"{url}/1/accept", headers=own)
    assert accepted.status_code == 200
    assert accepted.json()["suggestions"][0]["state"] == "taken"
    assert client.post(f"{url}/2/decline", json={"reason": ""}, headers=own).status_code == 400
    declined = client.post(f"{url}/2/decline", json={"reason": "Te veel"}, headers=own).json()["suggestions"][1]
    decision = declined["decision"]
    assert (declined["state"], decision["reason"], decision["by"]) == ("declined", "Te veel", proposer.display_name)
    assert client.post(f"{url}/9/accept", headers=own).status_code == 404


def test_an_out_of_date_proposal_shows_only_its_own_changes(client: TestClient, auth: Auth, site: Site) -> None:
    proposer = auth.user(Role.CONTRIBUTOR, "auteur")
    page = site.pages.get(PAGE)[0]
    proposal = site.proposals.create(proposer, "Voorbeeld", "", [(PAGE, page.text + "\nHet voorstel.\n")])
    other = Author("Iemand anders", "anders@users.wiki.invalid")
    later = "Een latere zin van iemand anders.\n\n" + page.text
    site.pages.save(EditRequest(PAGE, later, page.revision, "later", other))
    shown = client.get(f"/proposals/{proposal.id}")
    [change] = shown.context["changes"]  # type: ignore[attr-defined]
    deleted = " ".join(piece.text for block in change.blocks for piece in block.pieces if piece.kind == "removed")
    assert "latere zin" not in deleted  # others' later edits are not shown as taken out
    assert "latere zin" not in shown.text
    assert "Het voorstel." in shown.text
    assert shown.context["main_moved"] is True  # type: ignore[attr-defined]
    assert "Het past nog op de huidige tekst." in shown.text


def test_the_history_lists_the_proposals_commits_under_its_merge(client: TestClient, auth: Auth, site: Site) -> None:
    proposer = auth.user(Role.CONTRIBUTOR, "auteur")
    maintainer = auth.user(Role.MAINTAINER, "beheerder")
    text = site.pages.get(PAGE)[0].text
    proposal = site.proposals.create(proposer, "Voorbeeld", "", [(PAGE, text + "\nEen.\n")])
    site.proposals.accept(proposal.id, maintainer, "Goed", proposal.head_revision)
    page = client.get(f"/history/{PAGE}").text
    assert f"Uit voorstel #{proposal.id}, geschreven door:" in page
    credits = page.split('<ul class="credits">', 1)[1].split("</ul>", 1)[0]
    assert proposer.display_name in credits
    assert maintainer.display_name not in credits


def test_the_api_answers_409_to_taking_over_a_suggestion_that_no_longer_applies(
    client: TestClient, auth: Auth, site: Site
) -> None:
    proposer = auth.user(Role.CONTRIBUTOR, "auteur")
    suggester = auth.user(Role.CONTRIBUTOR, "ander")
    text = site.pages.get(PAGE)[0].text
    proposal = site.proposals.create(proposer, "Voorbeeld", "", [(PAGE, text + "\nEen.\n")])
    site.suggestions.suggest(proposal.id, suggester, [(PAGE, text + "\nTwee.\n")], "Meer", "")
    site.proposals.revise(proposal.id, proposer, [(PAGE, text + "\nDrie.\n")], "", proposal.head_revision)
    own = {"Authorization": "Bearer " + site.accounts.create_token(proposer.username)}
    refused = client.post(f"/api/proposals/{proposal.id}/suggestions/1/accept", headers=own)
    assert (refused.status_code, refused.json()["error"]) == (409, "conflict")
    [listed] = client.get(f"/api/proposals/{proposal.id}/suggestions").json()["suggestions"]
    assert (listed["state"], listed["applies"]) == ("open", False)
