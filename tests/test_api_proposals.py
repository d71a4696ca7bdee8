"""The proposals API: the shapes outside scripts rely on, and who may do what."""

from __future__ import annotations

import re
from unittest.mock import ANY

from starlette.testclient import TestClient

from tests.conftest import Auth
from wiki.models import Role
from wiki.services.site import Site

PAGE = "het-leven-is-altijd-en-overal"
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
KEYS = {"id", "title", "description", "status", "author", "base_revision", "head_revision", "mergeable",
        "supporters", "supports", "supported_by", "decision", "status_history", "deadline", "comments"}  # fmt: skip


def test_the_whole_life_of_a_proposal_through_the_api(client: TestClient, auth: Auth, site: Site) -> None:
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    other = auth.token(Role.CONTRIBUTOR, "ander")
    maintainer = auth.token(Role.MAINTAINER, "beheerder")
    body = client.get(f"/api/pages/{PAGE}").json()["body"] + "\nVoorgestelde zin.\n"
    created = client.post(
        "/api/proposals",
        headers=author,
        json={"title": "Zin erbij", "description": "Waarom", "changes": [{"path": PAGE, "body": body}]},
    )
    assert created.status_code == 201
    proposal = created.json()
    assert set(proposal) == KEYS
    number = proposal["id"]
    assert isinstance(number, int)
    assert (proposal["status"], proposal["mergeable"], proposal["decision"]) == ("open", True, None)

    revised = client.put(
        f"/api/proposals/{number}",
        headers=author,
        json={
            "changes": [{"path": PAGE, "body": body + "\nNog een.\n"}],
            "message": "Beter",
            "head_revision": proposal["head_revision"],
        },
    )
    assert revised.status_code == 200
    stale = client.put(
        f"/api/proposals/{number}",
        headers=author,
        json={"changes": [{"path": PAGE, "body": body}], "head_revision": proposal["head_revision"]},
    )
    assert stale.status_code == 409
    assert (
        client.put(
            f"/api/proposals/{number}",
            headers=other,
            json={"changes": [{"path": PAGE, "body": body}], "head_revision": revised.json()["head_revision"]},
        ).status_code
        == 403
    )

    comment = client.post(f"/api/proposals/{number}/comments", headers=other, json={"body": "Mee eens"})
    assert comment.status_code == 201
    assert set(comment.json()) == {"id"}
    for _ in range(2):
        supported = client.post(f"/api/proposals/{number}/support", headers=other)
        assert supported.json()["supporters"] == 1
    # not the author's name: names are unique; with the revision supported
    head = supported.json()["head_revision"]
    assert supported.json()["supported_by"] == [{"name": "Contributor Ander", "revision": head}]
    assert client.delete(f"/api/proposals/{number}/support", headers=other).json()["supporters"] == 0
    hidden = client.post(
        f"/api/proposals/{number}/comments/{comment.json()['id']}/hide", headers=maintainer, json={"reason": "Dubbel"}
    )
    assert hidden.json()["comments"][0]["hidden"] is True
    assert ISO.fullmatch(hidden.json()["comments"][0]["date"])

    listed = client.get("/api/proposals?status=open").json()["proposals"]
    assert listed == [
        {"id": number, "title": "Zin erbij", "status": "open", "author": "Contributor Een", "supporters": 0}
    ]
    moved = client.post(
        f"/api/proposals/{number}/accept",
        headers=maintainer,
        json={"reason": "Goed", "head_revision": proposal["head_revision"]},
    )
    assert moved.status_code == 409
    accepted = client.post(
        f"/api/proposals/{number}/accept",
        headers=maintainer,
        json={"reason": "Goed", "head_revision": revised.json()["head_revision"]},
    )
    assert accepted.status_code == 200
    decision = accepted.json()["decision"]
    assert (decision["by"], decision["reason"]) == ("Maintainer Een", "Goed")
    assert "Nog een." in client.get(f"/api/pages/{PAGE}").json()["body"]
    assert client.get("/api/proposals?status=accepted").json()["proposals"][0]["id"] == number


def test_who_may_decide_and_withdraw(client: TestClient, auth: Auth, site: Site) -> None:
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    editor = auth.token(Role.EDITOR, "redacteur")
    body = client.get(f"/api/pages/{PAGE}").json()["body"] + "\nx\n"
    number = client.post(
        "/api/proposals", headers=author, json={"title": "T", "changes": [{"path": PAGE, "body": body}]}
    ).json()["id"]
    assert client.post(f"/api/proposals/{number}/decline", headers=editor, json={"reason": "nee"}).status_code == 403
    assert client.post(f"/api/proposals/{number}/withdraw", headers=editor).status_code == 403
    assert client.post(f"/api/proposals/{number}/withdraw").status_code == 401
    withdrawn = client.post(f"/api/proposals/{number}/withdraw", headers=author)
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.post(f"/api/proposals/{number}/support", headers=editor).status_code == 400


def test_bad_proposal_requests(client: TestClient, auth: Auth) -> None:
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    assert client.get("/api/proposals/999").status_code == 404
    assert client.get("/api/proposals/abc").status_code == 404
    assert client.get("/api/proposals?status=weird").status_code == 400
    for bad in [
        {"title": "T"},
        {"title": "T", "changes": [{"path": "../x", "body": "x"}]},
        {"title": "", "changes": [{"path": "x", "body": "x"}]},
        {"changes": "no"},
    ]:
        response = client.post("/api/proposals", headers=author, json=bad)
        assert response.status_code == 400, bad
        assert set(response.json()) == {"error", "message", "request_id"}


def test_a_new_principle_is_proposed_through_the_api_and_numbered_on_acceptance(
    client: TestClient, auth: Auth, site: Site
) -> None:
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    maintainer = auth.token(Role.MAINTAINER, "beheerder")
    text = "---\ntitle: Deel wat je weet\nnumber: 3\n---\nKennis groeit als je haar deelt.\n"
    created = client.post(
        "/api/proposals",
        headers=author,
        json={"title": "Deel wat je weet", "principle": True, "changes": [{"path": "deel-wat-je-weet", "body": text}]},
    )
    assert created.status_code == 201, created.text
    proposal = created.json()
    assert set(proposal) == KEYS
    accepted = client.post(
        f"/api/proposals/{proposal['id']}/accept",
        headers=maintainer,
        json={"reason": "Goed", "head_revision": proposal["head_revision"]},
    )
    assert accepted.status_code == 200, accepted.text
    page = client.get("/api/pages/deel-wat-je-weet").json()
    assert "number: 11" in page["body"]  # the next free number, not the 3 it asked for
    numbers = [p["number"] for p in client.get("/api/pages").json()["pages"] if p["number"] is not None]
    assert sorted(numbers) == list(range(1, 12))


def test_a_proposed_principle_is_exactly_one_new_page(client: TestClient, auth: Auth) -> None:
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    one = {"path": "nieuw", "body": "# Nieuw\n\nTekst.\n"}
    for changes, says in [
        ([{"path": PAGE, "body": "# Bestaat al\n\nTekst.\n"}], "A page with this name exists already."),
        ([one, {"path": "nog-een", "body": "Tekst.\n"}], "A new principle is exactly one new page."),
    ]:
        response = client.post(
            "/api/proposals",
            headers=author | {"Accept-Language": "en"},
            json={"title": "Nieuw", "principle": True, "changes": changes},
        )
        assert response.status_code == 400
        assert response.json() == {"error": "bad_request", "message": says, "request_id": ANY}
    wrong = client.post("/api/proposals", headers=author, json={"title": "N", "principle": "ja", "changes": [one]})
    assert wrong.status_code == 400
    assert client.get("/api/proposals").json() == {"proposals": []}
