"""One trip per request for proposing a change, revising and updating a proposal.

Each route makes one awaited call into a service (``wiki.services.proposing``); these
tests count the route module's trips to the thread pool, so a route that reads first and
then acts in a second trip fails here.  A refused save still shows the person's form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.web import api, api_proposals, proposals

PAGE = "ga-voor-oplossingen-en-resultaten"
OTHER = "werk-is-persoonlijk"
AUTHOR = Author("Bea Redacteur", "bea@users.wiki.invalid")
T = TypeVar("T")


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of what the proposal routes (HTML and API) run in the thread pool, in order."""
    made: list[str] = []

    def counted(original: Callable[..., Any]) -> Callable[..., Any]:
        async def run_in_threadpool(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
            made.append(getattr(func, "__name__", repr(func)))
            result: T = await original(func, *args, **kwargs)
            return result

        return run_in_threadpool

    for module in (proposals, api_proposals):
        monkeypatch.setattr(module, "run_in_threadpool", counted(module.run_in_threadpool))
    return made


def _token(client: TestClient) -> str:
    return csrf_from(client.get("/privacy").text)


def test_proposing_a_change_looks_and_sends_in_one_trip_each(
    client: TestClient, auth: Auth, site: Site, trips: list[str]
) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    page = site.pages.get(PAGE)[0]
    fields = {"csrf_token": _token(client), "title": page.title, "body": page.body + "\nNieuwe zin.\n"}
    for action, shown in (("preview", "preview"), ("review", "changes")):
        trips.clear()
        answer = client.post(f"/propose/{PAGE}", data={**fields, "action": action})
        assert answer.status_code == 200
        assert answer.context[shown]  # type: ignore[attr-defined]
        assert len(trips) == 1, trips
    trips.clear()
    answer = client.post(f"/propose/{PAGE}", data={**fields, "why": "Beter zo."})
    assert answer.status_code == 303
    assert len(trips) == 1, trips
    made = site.proposals.get(1)
    assert made.record.title.endswith(page.title)  # "Wijziging van ..." in the person's language
    assert "Nieuwe zin." in (site.proposals.proposed_texts(made)[PAGE] or "")


def test_a_refused_change_shows_the_typed_text_again(client: TestClient, auth: Auth, trips: list[str]) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    answer = client.post(f"/propose/{PAGE}", data={"csrf_token": _token(client), "title": " ", "body": "Mijn tekst"})
    assert answer.status_code == 400
    assert "Mijn tekst" in answer.text
    assert answer.context["page"].path == PAGE  # type: ignore[attr-defined]


def test_revising_looks_and_saves_in_one_trip_each(
    client: TestClient, auth: Auth, site: Site, trips: list[str]
) -> None:
    owner = auth.sign_in(Role.CONTRIBUTOR, "auteur")
    pages = [(PAGE, "# Een\n\nEen.\n"), (OTHER, "# Twee\n\nTwee.\n")]
    proposal = site.proposals.create(owner, "Twee pagina's", "", pages)
    fields = {"csrf_token": _token(client), "head": proposal.head_revision}
    fields |= {"title-0": "Een", "body-0": "Een, anders.", "title-1": "Twee", "body-1": "Twee."}
    for action, shown in (("preview", "previews"), ("review", "reviews")):
        trips.clear()
        answer = client.post(f"/proposals/{proposal.id}/revise", data={**fields, "action": action})
        assert answer.status_code == 200
        assert len(answer.context[shown]) == 2  # type: ignore[attr-defined]
        assert len(trips) == 1, trips
    trips.clear()
    assert client.post(f"/proposals/{proposal.id}/revise", data=fields).status_code == 303
    assert len(trips) == 1, trips
    texts = site.proposals.proposed_texts(site.proposals.get(proposal.id))
    assert "Een, anders." in (texts[PAGE] or "")
    assert "Twee." in (texts[OTHER] or "")


def test_a_revision_on_an_old_head_comes_back_with_the_typed_text(
    client: TestClient, auth: Auth, site: Site, trips: list[str]
) -> None:
    owner = auth.sign_in(Role.CONTRIBUTOR, "auteur")
    proposal = site.proposals.create(owner, "Een pagina", "", [(PAGE, "# Een\n\nEen.\n")])
    fields = {"csrf_token": _token(client), "head": "0" * 40, "title-0": "Een", "body-0": "Mijn getypte tekst."}
    answer = client.post(f"/proposals/{proposal.id}/revise", data=fields)
    assert answer.status_code == 409
    assert "Mijn getypte tekst." in answer.text
    assert site.proposals.get(proposal.id).head_revision == proposal.head_revision


def test_updating_a_proposal_with_main_is_one_trip(
    client: TestClient, auth: Auth, site: Site, trips: list[str]
) -> None:
    owner = auth.sign_in(Role.CONTRIBUTOR, "auteur")
    proposal = site.proposals.create(owner, "Een pagina", "", [(PAGE, "# Een\n\nEen.\n")])
    other = site.pages.get(OTHER)[0]
    site.pages.save(EditRequest(OTHER, other.text + "\nOp main.\n", other.revision, "", AUTHOR))
    trips.clear()
    assert client.post(f"/proposals/{proposal.id}/update", data={"csrf_token": _token(client)}).status_code == 303
    assert len(trips) == 1, trips
    assert site.proposals.get(proposal.id).record.base_revision == site.repo.head()


def test_revising_through_the_api_is_one_trip_and_someone_elses_body_is_never_parsed(
    client: TestClient, auth: Auth, site: Site, trips: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = auth.user(Role.CONTRIBUTOR, "eigenaar")
    proposal = site.proposals.create(owner, "Van de eigenaar", "", [(PAGE, "# Een\n\nEen.\n")])
    parsed: list[bytes] = []
    original = api.parsed_object

    def parsing(body: bytes) -> dict[str, Any]:
        parsed.append(body)
        return original(body)

    monkeypatch.setattr(api_proposals, "parsed_object", parsing)
    revision = {"changes": [{"path": PAGE, "body": "# Een\n\nAnders.\n"}], "head_revision": proposal.head_revision}
    stranger = auth.token(Role.CONTRIBUTOR, "ander")
    assert client.put(f"/api/proposals/{proposal.id}", json=revision, headers=stranger).status_code == 403
    assert parsed == []
    trips.clear()
    own = {"Authorization": "Bearer " + site.accounts.create_token(owner.username)}
    answer = client.put(f"/api/proposals/{proposal.id}", json=revision, headers=own)
    assert answer.status_code == 200
    assert len(trips) == 1, trips
    assert len(parsed) == 1
    assert answer.json()["head_revision"] == site.proposals.get(proposal.id).head_revision != proposal.head_revision
