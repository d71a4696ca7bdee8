"""The JSON API: its shapes are a contract that outside scripts rely on."""

from __future__ import annotations

from unittest.mock import ANY

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth, git
from wiki.models import Role
from wiki.services.permissions import LEAST_ROLE, Action
from wiki.services.site import Site

PAGE = "het-proces-is-je-product"


def test_list_pages_gives_principles_first_in_order(client: TestClient) -> None:
    pages = client.get("/api/pages").json()["pages"]
    assert [p["number"] for p in pages] == [*range(1, 11), None]
    assert set(pages[0]) == {"path", "title", "number", "revision"}
    assert all(len(p["revision"]) == 40 for p in pages)


def test_get_a_page_gives_the_whole_file_and_its_last_change(client: TestClient, site: Site) -> None:
    page = client.get(f"/api/pages/{PAGE}").json()
    assert set(page) == {"path", "title", "body", "revision"}
    assert page["body"].startswith("---\ntitle: Het proces is je product\nnumber: 4\n---\n")
    assert page["revision"] == git(site.settings.repo, "log", "-1", "--format=%H", "--", f"{PAGE}.md").strip()


def test_put_edits_creates_merges_and_conflicts(client: TestClient, auth: Auth, site: Site) -> None:
    headers = auth.token(Role.EDITOR)
    current = client.get(f"/api/pages/{PAGE}").json()
    body = current["body"] + "\nNieuwe alinea.\n"
    response = client.put(
        f"/api/pages/{PAGE}",
        headers=headers,
        json={"body": body, "message": "Via de API", "base_revision": current["revision"]},
    )
    assert response.status_code == 200
    assert response.json() == {"revision": site.repo.head(), "merged": False}
    assert git(site.settings.repo, "log", "-1", "--format=%an|%s").strip() == "Editor Een|Via de API"

    unchanged = client.put(
        f"/api/pages/{PAGE}",
        headers=headers,
        json={"body": body, "base_revision": response.json()["revision"]},
    )
    assert unchanged.json() == {"revision": response.json()["revision"], "merged": False}

    stale = current["revision"]
    merged = client.put(
        f"/api/pages/{PAGE}",
        headers=headers,
        json={"body": "Bovenaan.\n\n" + current["body"], "base_revision": stale},
    )
    assert merged.status_code == 200
    assert merged.json()["merged"] is True
    text = client.get(f"/api/pages/{PAGE}").json()["body"]
    assert "Bovenaan." in text
    assert "Nieuwe alinea." in text

    conflict = client.put(
        f"/api/pages/{PAGE}", headers=headers, json={"body": "Iets heel anders.\n", "base_revision": stale}
    )
    assert conflict.status_code == 409
    data = conflict.json()
    assert data["error"] == "conflict"
    assert data["current_revision"] == site.repo.head()
    assert data["current_body"] == text

    created = client.put("/api/pages/nieuw/via-api", headers=headers, json={"body": "# Via API\n"})
    assert created.status_code == 201
    assert created.json() == {"revision": site.repo.head()}
    no_base = client.put("/api/pages/nieuw/via-api", headers=headers, json={"body": "anders\n"})
    assert no_base.status_code == 409


def test_whether_a_put_creates_is_decided_by_the_wiki_not_by_the_client(
    client: TestClient, auth: Auth, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only maintainers may create here: an editor sending any base revision for a new page is
    still refused, and may still edit an existing page."""
    monkeypatch.setitem(LEAST_ROLE, Action.CREATE, Role.MAINTAINER)
    headers = auth.token(Role.EDITOR)
    current = client.get(f"/api/pages/{PAGE}").json()
    new = {"body": "# Nieuw\n", "base_revision": current["revision"]}
    refused = client.put("/api/pages/nieuw/met-base", headers=headers, json=new)
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    assert git(site.settings.repo, "ls-tree", "-r", "--name-only", "HEAD", "nieuw").strip() == ""
    edit = {"body": current["body"] + "\nMeer.\n", "base_revision": current["revision"]}
    assert client.put(f"/api/pages/{PAGE}", headers=headers, json=edit).status_code == 200
    maintainer = auth.token(Role.MAINTAINER)
    assert client.put("/api/pages/nieuw/met-base", headers=maintainer, json={"body": "# Nieuw\n"}).status_code == 201


def test_an_old_revision_and_bad_revisions(client: TestClient, auth: Auth) -> None:
    headers = auth.token(Role.EDITOR)
    first = client.get(f"/api/pages/{PAGE}").json()
    client.put(f"/api/pages/{PAGE}", headers=headers, json={"body": "nieuw\n", "base_revision": first["revision"]})
    old = client.get(f"/api/pages/{PAGE}", params={"revision": first["revision"]}).json()
    assert old["body"] == first["body"]
    for bad in ["HEAD", "--all", "0" * 40, "abc", first["revision"] + ":x"]:
        response = client.get(f"/api/pages/{PAGE}", params={"revision": bad})
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "message": "Die pagina bestaat niet.",
            "request_id": ANY,
        } or response.json() == {
            "error": "not_found",
            "message": "Die versie bestaat niet.",
            "request_id": ANY,
        }


def test_who_may_write(client: TestClient, auth: Auth, site: Site) -> None:
    body = {"body": "x\n"}
    head = site.repo.head()
    assert client.put("/api/pages/nieuw", json=body).status_code == 401
    assert client.put("/api/pages/nieuw", json=body, headers={"Authorization": "Bearer wiki_nep"}).status_code == 401
    assert (
        client.put("/api/pages/nieuw", json=body, headers=auth.token(Role.CONTRIBUTOR)).json()["error"] == "forbidden"
    )
    auth.sign_in(Role.EDITOR, "metcookie")
    assert client.put("/api/pages/nieuw", json=body).status_code == 401  # cookies do not count
    assert site.repo.head() == head


def test_bad_requests_get_json_errors_and_change_nothing(client: TestClient, auth: Auth, site: Site) -> None:
    headers = auth.token(Role.MAINTAINER)
    head = site.repo.head()
    cases = [
        ("/api/pages/nieuw", b"geen json", 400),
        ("/api/pages/nieuw", b"[1, 2]", 400),
        ("/api/pages/nieuw", b'{"body": 5}', 400),
        ("/api/pages/..%2Fbuiten", b'{"body": "x"}', 400),
        ("/api/pages/-rf", b'{"body": "x"}', 400),
        ("/api/pages/nieuw", b'{"body": "' + b"x" * 1_048_577 + b'"}', 413),
    ]
    for url, content, status in cases:
        response = client.put(url, headers=headers | {"Content-Type": "application/json"}, content=content)
        assert response.status_code == status, url
        assert set(response.json()) == {"error", "message", "request_id"}
    assert site.repo.head() == head


def test_unknown_api_routes_and_methods_answer_json(client: TestClient) -> None:
    assert client.get("/api/nergens").json()["error"] == "not_found"
    assert client.delete(f"/api/pages/{PAGE}").status_code == 405
    assert client.get("/api/pages/bestaat-niet").json() == {
        "error": "not_found",
        "message": "Die pagina bestaat niet.",
        "request_id": ANY,
    }


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "warm": True}
