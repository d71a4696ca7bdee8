"""Proposals, discussions, sign-up and accounts in the browser (through TestClient)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from wiki.config import Settings
from wiki.models import Author, Role
from wiki.services.accounts import commit_author
from wiki.services.history import FORMER_AUTHOR
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site
from wiki.web.app import create_app

PAGE = "ga-voor-oplossingen-en-resultaten"


def post(client: TestClient, url: str, **data: str) -> str:
    response = client.post(url, data={"csrf_token": csrf_from(client.get("/privacy").text), **data})
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"])


def test_propose_a_new_principle_discuss_support_and_accept(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    location = post(
        client,
        "/proposals/new",
        title="Deel wat je weet",
        body="Kennis groeit door te delen.",
        why="Dit ontbreekt nog.",
    )
    assert location == "/proposals/1"
    page = client.get("/proposals/1")
    assert page.context["record"].title == "Deel wat je weet"  # type: ignore[attr-defined]
    assert "Kennis groeit door te delen." in page.text
    client.post("/signout", data={"csrf_token": csrf_from(page.text)})

    auth.sign_in(Role.CONTRIBUTOR, "ander")
    post(client, "/proposals/1/comment", body="Goed idee, *echt*.")
    post(client, "/proposals/1/support", support="yes")
    page = client.get("/proposals/1")
    assert page.context["supports"] is True  # type: ignore[attr-defined]
    assert "<em>echt</em>" in page.text
    assert page.context["can_decide"] is False  # type: ignore[attr-defined]
    client.post("/signout", data={"csrf_token": csrf_from(page.text)})

    auth.sign_in(Role.MAINTAINER, "beheerder")
    page = client.get("/proposals/1")
    head = page.context["proposal"].head_revision  # type: ignore[attr-defined]
    assert post(client, "/proposals/1/accept", reason="Past goed", head=head) == "/proposals/1"
    home = client.get("/")
    principles = home.context["principles"]  # type: ignore[attr-defined]
    assert (principles[-1].number, principles[-1].title) == (11, "Deel wat je weet")
    history = client.get("/history/deel-wat-je-weet")
    assert history.status_code == 200
    accepted = client.get("/proposals?status=accepted")
    assert [row.proposal.id for row in accepted.context["rows"]] == [1]  # type: ignore[attr-defined]


def test_propose_a_change_and_save_a_conflicting_edit_as_a_proposal(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    form = client.get(f"/edit/{PAGE}")
    base = form.context["base"]  # type: ignore[attr-defined]
    other = site.pages.get(PAGE)[0]
    site.pages.save(
        EditRequest(
            PAGE,
            other.text.replace("---\n\n", "---\nIntussen.\n\n", 1).replace(other.body, "Intussen anders.\n"),
            other.revision,
            "",
            Author("A", "a@users.wiki.invalid"),
        )
    )
    location = post(
        client,
        f"/propose/{PAGE}",
        title="Ga voor oplossingen",
        body="Mijn versie.\n",
        base=base,
        message="Mijn wijziging",
    )
    number = location.split("/")[2].split("?")[0]
    proposal = client.get(f"/proposals/{number}")
    assert proposal.context["record"].description == "Mijn wijziging"  # type: ignore[attr-defined]
    assert proposal.context["proposal"].mergeable is True  # type: ignore[attr-defined]


def test_page_discussions_and_hiding_a_comment(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.CONTRIBUTOR)
    post(client, f"/discuss/{PAGE}", body="Een voorbeeld uit mijn gemeente.")
    client.post("/signout", data={"csrf_token": csrf_from(client.get("/").text)})
    auth.sign_in(Role.MAINTAINER)
    page = client.get(f"/discuss/{PAGE}")
    comment = page.context["comments"][0]  # type: ignore[attr-defined]
    post(client, f"/comments/{comment.id}/hide", target=f"page:{PAGE}", reason="Bevat een telefoonnummer")
    page = client.get(f"/discuss/{PAGE}")
    assert "Bevat een telefoonnummer" in page.text
    assert "Een voorbeeld uit mijn gemeente." not in page.text


def test_anonymous_visitors_see_but_cannot_take_part(client: TestClient, auth: Auth, site: Site) -> None:
    author = auth.user(Role.CONTRIBUTOR, "auteur")
    site.proposals.create(author, "T", "", [(PAGE, "# Nieuw\n")])
    page = client.get("/proposals/1")
    assert page.status_code == 200
    assert page.context["can_support"] is False  # type: ignore[attr-defined]
    assert client.get("/proposals/new").status_code == 401
    token = csrf_from(client.get("/signin").text)
    assert client.post("/proposals/1/support", data={"csrf_token": token}).status_code == 401


def sign_up(client: TestClient, username: str) -> str:
    data = {
        "csrf_token": csrf_from(client.get("/signin").text),
        "username": username,
        "display_name": "Nieuwe Collega",
        "email": f"{username}@example.nl",
        "password": PASSWORD,
    }
    return str(client.post("/signup", data=data).headers.get("location", ""))


def test_open_sign_up_signs_in_as_a_contributor(client: TestClient, site: Site) -> None:
    assert sign_up(client, "nieuwkomer") == "/"
    assert client.get("/account").context["user"].role == Role.CONTRIBUTOR  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["approval", "closed"])
def test_sign_up_by_approval_or_closed(tmp_path: Path, mode: str) -> None:
    settings = Settings(repo=tmp_path / "r.git", database_url=f"sqlite:///{tmp_path / 'db'}", signup=mode)
    site = open_site(settings)
    try:
        with TestClient(create_app(settings, site=site), follow_redirects=False) as client:
            location = sign_up(client, "nieuwkomer")
            if mode == "closed":
                assert location == ""
                assert site.accounts.users() == []
                return
            assert location == "/"
            assert site.accounts.authenticate("nieuwkomer", PASSWORD) is None
            maintainer = site.accounts.add_user("baas", PASSWORD, Role.MAINTAINER)
            first, waiting = site.accounts.users()[0]
            assert (first.username, waiting) == ("nieuwkomer", True)
            token = csrf_from(client.get("/signin").text)
            client.post("/signin", data={"username": maintainer.username, "password": PASSWORD, "csrf_token": token})
            post(client, "/admin/accounts/nieuwkomer", action="approve")
            assert site.accounts.authenticate("nieuwkomer", PASSWORD) is not None
    finally:
        site.close()


def test_people_manage_their_own_account(client: TestClient, auth: Auth, site: Site) -> None:
    user = auth.sign_in(Role.CONTRIBUTOR)
    post(client, "/account", action="name", display_name="Andere Naam")
    assert site.accounts.get_user(user.username).display_name == "Andere Naam"
    post(client, "/account", action="password", current=PASSWORD, new="een nieuw wachtwoord")
    assert site.accounts.authenticate(user.username, "een nieuw wachtwoord") is not None
    made = client.post(
        "/account", data={"csrf_token": csrf_from(client.get("/account").text), "action": "token", "label": "script"}
    )
    token = made.context["new_token"]  # type: ignore[attr-defined]
    assert site.accounts.user_for_token(token) is not None
    token_id = str(site.accounts.tokens(user.username)[0].id)
    post(client, "/account", action="revoke", token_id=token_id)
    assert site.accounts.user_for_token(token) is None


def test_deleting_an_account_erases_comments_and_supports(client: TestClient, auth: Auth, site: Site) -> None:
    user = auth.sign_in(Role.EDITOR)
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text + "\nVan mij.\n", page.revision, "", commit_author(user)))
    proposal = site.proposals.create(user, "Mijn voorstel", "", [(PAGE, "# Nieuw\n")])
    post(client, f"/proposals/{proposal.id}/comment", body="Mijn reactie")
    post(client, f"/proposals/{proposal.id}/support", support="yes")
    assert post(client, "/account", action="delete", password=PASSWORD) == "/"
    assert site.discussion.comments(f"proposal:{proposal.id}") == []
    assert site.discussion.supporters(proposal.id) == []
    kept = site.proposals.get(proposal.id).record
    assert (kept.title, kept.author) == ("Mijn voorstel", FORMER_AUTHOR)
    assert site.history.page_history(PAGE).items[0].author == FORMER_AUTHOR
    assert "voormalig deelnemer" in client.get(f"/history/{PAGE}").text.lower()
    assert client.get("/account").status_code == 401


def test_maintainers_change_roles_disable_and_reset(client: TestClient, auth: Auth, site: Site) -> None:
    member = auth.user(Role.CONTRIBUTOR, "lid")
    auth.sign_in(Role.MAINTAINER)
    post(client, "/admin/accounts/lid", action="role", role="editor")
    assert site.accounts.get_user("lid").role == Role.EDITOR
    post(client, "/admin/accounts/lid", action="disable")
    assert site.accounts.authenticate(member.username, PASSWORD) is None
    post(client, "/admin/accounts/lid", action="enable")
    reset = client.post(
        "/admin/accounts/lid", data={"csrf_token": csrf_from(client.get("/admin/accounts").text), "action": "reset"}
    )
    username, password = reset.context["password"]  # type: ignore[attr-defined]
    assert site.accounts.authenticate(username, password) is not None
