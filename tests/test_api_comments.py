"""The comment API on proposals and on page discussions alike: replies (``parent``), changing
and deleting one's own (403 for anyone else), restoring (maintainers), and the comment shape
with ``parent``, ``edited``, ``deleted`` and ``anchor`` added to what it had."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.discussions import PAGE, People
from wiki.models import Role
from wiki.services.site import Site


def _discussion(site: Site, kind: str) -> str:
    """The comments address of a new proposal's discussion or of PAGE's."""
    if kind == "proposal":
        author = site.accounts.add_user("voorsteller", "correct horse battery", Role.CONTRIBUTOR)
        proposal = site.proposals.create(author, "Voorstel", "", [(PAGE, "# Anders\n")])
        return f"/api/proposals/{proposal.id}/comments"
    return f"/api/discussions/{PAGE}/comments"


def _comments(client: TestClient, base: str) -> list[dict[str, object]]:
    if base.startswith("/api/proposals/"):
        found = client.get(base.removesuffix("/comments")).json()["comments"]
    else:
        found = client.get(base).json()["comments"]
    assert isinstance(found, list)
    return found


@pytest.mark.parametrize("kind", ["proposal", "page"])
def test_replies_edits_deletes_and_restores_through_the_api(site: Site, participants: People, kind: str) -> None:
    base = _discussion(site, kind)
    participants.join("anna")
    participants.join("bert")
    participants.join("mia", Role.MAINTAINER)
    anna, bert, mia = participants.token("anna"), participants.token("bert"), participants.token("mia")
    client = participants.client()
    first = client.post(base, json={"body": "Eerste"}, headers=anna)
    assert first.status_code == 201
    top = first.json()["id"]
    reply = client.post(base, json={"body": "Antwoord", "parent": top}, headers=bert).json()["id"]
    deeper = client.post(base, json={"body": "Dieper", "parent": reply}, headers=anna).json()["id"]
    shown = _comments(client, base)
    assert [(c["id"], c["parent"]) for c in shown] == [(top, None), (reply, top), (deeper, reply)]
    assert shown[0] == {
        "id": top,
        "author": "Anna",
        "date": shown[0]["date"],
        "body": "Eerste",
        "hidden": False,
        "parent": None,
        "edited": None,
        "deleted": False,
        "anchor": None,
    }
    # Someone else's comment: 403, and nothing changes.
    assert client.patch(f"{base}/{top}", json={"body": "Van Bert"}, headers=bert).status_code == 403
    assert client.delete(f"{base}/{top}", headers=mia).status_code == 403
    changed = client.patch(f"{base}/{top}", json={"body": "Eerste, beter"}, headers=anna)
    assert changed.status_code == 200
    assert changed.json()["body"] == "Eerste, beter"
    assert str(changed.json()["edited"]).endswith("Z")
    assert client.patch(f"{base}/{top}", json={"body": ""}, headers=anna).status_code == 400
    # Deleting the top of a thread leaves a placeholder; a leaf goes.
    assert client.delete(f"{base}/{deeper}", headers=anna).status_code == 204
    assert client.delete(f"{base}/{top}", headers=anna).status_code == 204
    shown = _comments(client, base)
    assert [(c["id"], c["deleted"], c["body"]) for c in shown] == [(top, True, ""), (reply, False, "Antwoord")]
    # Hide and restore (maintainers only).
    hidden = client.post(f"{base}/{reply}/hide", json={"reason": "Te fel"}, headers=mia)
    assert hidden.status_code == 200
    assert client.post(f"{base}/{reply}/restore", json={"reason": "Viel mee"}, headers=bert).status_code == 403
    restored = client.post(f"{base}/{reply}/restore", json={"reason": "Viel mee"}, headers=mia)
    assert restored.status_code == 200
    assert [c["body"] for c in restored.json()["comments"]] == ["", "Antwoord"]
    assert "Viel mee" in client.get("/moderation").text


def test_a_parent_from_another_discussion_is_refused(site: Site, participants: People) -> None:
    base = _discussion(site, "proposal")
    participants.join("anna")
    anna = participants.token("anna")
    client = participants.client()
    elsewhere = client.post(f"/api/discussions/{PAGE}/comments", json={"body": "Hier"}, headers=anna).json()["id"]
    refused = client.post(base, json={"body": "Daar", "parent": elsewhere}, headers={**anna, "Accept-Language": "en"})
    assert refused.status_code == 400
    assert "same discussion" in refused.json()["message"]
    assert client.post(base, json={"body": "Daar", "parent": "1"}, headers=anna).status_code == 400
    # A comment of another discussion cannot be changed through this one's address.
    assert client.patch(f"{base}/{elsewhere}", json={"body": "x"}, headers=anna).status_code == 404
    assert _comments(client, base) == []


def test_a_page_discussion_of_no_page_is_not_found(participants: People) -> None:
    assert participants.client().get("/api/discussions/geen-pagina/comments").status_code == 404
