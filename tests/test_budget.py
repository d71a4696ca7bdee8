"""What keeps a request cheap whatever a contributor sent: proposal limits, permission before
work, previews rendered once and rationed per person, downloads built once per commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.errors import Forbidden, TooLarge
from wiki.models import Role
from wiki.services import export_builds
from wiki.services.accounts import commit_author
from wiki.services.pages import EditRequest
from wiki.services.preview import PREVIEWS_PER_MINUTE, PreviewService, TooManyPreviews
from wiki.services.proposal_limits import MAX_PROPOSAL_BYTES, MAX_PROPOSAL_PAGES
from wiki.services.render import Renderer
from wiki.services.site import Site

PAGE = "ga-voor-oplossingen-en-resultaten"


def counting(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Count the calls of ``owner.name`` (each call appends one)."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def proposal_refs(site: Site) -> dict[str, str]:
    return site.repo.refs("refs/meta/proposals/")


def test_a_proposal_of_too_many_pages_is_refused_on_the_api_and_nothing_is_kept(
    client: TestClient, auth: Auth, site: Site
) -> None:
    token = auth.token(Role.CONTRIBUTOR, "auteur")
    changes = [{"path": f"nieuw-{n}", "body": f"# Pagina {n}\n\nTekst.\n"} for n in range(MAX_PROPOSAL_PAGES + 1)]
    answer = client.post(
        "/api/proposals",
        headers={**token, "Accept-Language": "nl"},
        json={"title": "Veel", "changes": changes},
    )
    assert answer.status_code == 413
    assert "20 pagina's" in answer.json()["message"]
    assert proposal_refs(site) == {}


def test_a_proposal_over_the_byte_limit_is_refused_on_the_form_with_the_text_kept(
    client: TestClient, auth: Auth, site: Site
) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "auteur")
    form = client.get(f"/propose/{PAGE}")
    body = "Een lange zin over het werk. " * (MAX_PROPOSAL_BYTES // 29 + 10)
    answer = client.post(
        f"/propose/{PAGE}",
        data={"csrf_token": csrf_from(form.text), "title": "Titel", "body": body, "why": "Waarom"},
        headers={"Accept-Language": "nl"},
    )
    assert answer.status_code == 413
    assert "50 KB" in answer.text
    assert "Een lange zin over het werk." in answer.text
    assert proposal_refs(site) == {}


def test_a_revision_that_outgrows_the_limit_is_refused_and_the_proposal_stays(site: Site, auth: Auth) -> None:
    author = auth.user(Role.CONTRIBUTOR, "auteur")
    half = "x" * (MAX_PROPOSAL_BYTES // 2)
    proposal = site.proposals.create(author, "Twee", "", [("deel-een", f"# Een\n\n{half}\n")])
    with pytest.raises(TooLarge):
        site.proposals.revise(proposal.id, author, [("deel-twee", f"# Twee\n\n{half}\n")], "", proposal.head_revision)
    kept = site.proposals.get(proposal.id)
    assert (kept.head_revision, kept.record.paths) == (proposal.head_revision, ("deel-een",))


def test_revising_someone_elses_proposal_is_refused_before_any_diff_is_made(
    client: TestClient, auth: Auth, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = auth.user(Role.CONTRIBUTOR, "eigenaar")
    pages = [(f"pagina-{n}", f"# Pagina {n}\n\nTekst {n}.\n") for n in range(MAX_PROPOSAL_PAGES)]
    proposal = site.proposals.create(owner, "Van een ander", "", pages)
    auth.sign_in(Role.CONTRIBUTOR, "ander")
    diffs = counting(monkeypatch, site.proposals, "changes")
    fields = {f"body-{n}": "Anders." for n in range(MAX_PROPOSAL_PAGES)}
    token = csrf_from(client.get("/privacy").text)
    for action in ("save", "preview", "review"):
        answer = client.post(
            f"/proposals/{proposal.id}/revise",
            data={"csrf_token": token, "head": proposal.head_revision, "action": action, **fields},
        )
        assert answer.status_code == 403
    assert client.get(f"/proposals/{proposal.id}/revise").status_code == 403
    assert diffs == []
    assert site.proposals.get(proposal.id).head_revision == proposal.head_revision


def test_the_service_refuses_someone_else_before_reading_what_they_sent(site: Site, auth: Auth) -> None:
    owner, other = auth.user(Role.CONTRIBUTOR, "eigenaar"), auth.user(Role.CONTRIBUTOR, "ander")
    proposal = site.proposals.create(owner, "Van een ander", "", [("eigen", "# Eigen\n")])
    with pytest.raises(Forbidden):
        site.proposals.check_may_revise(proposal.id, other)
    assert site.proposals.check_may_revise(proposal.id, owner).id == proposal.id


def test_the_same_preview_is_rendered_once(
    client: TestClient, auth: Auth, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.sign_in(Role.EDITOR)
    token = csrf_from(client.get("/privacy").text)
    rendered = counting(monkeypatch, site.renderer._md, "render")
    for _ in range(5):
        answer = client.post("/preview", data={"csrf_token": token, "body": "# Kop\n\nEen *zelfde* tekst."})
        assert answer.status_code == 200
        assert "<em>zelfde</em>" in answer.json()["html"]
    assert len(rendered) == 1


def test_previews_are_rationed_per_person_with_a_translated_answer(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.EDITOR)
    token = csrf_from(client.get("/privacy").text)
    statuses = [
        client.post("/preview", data={"csrf_token": token, "body": f"Tekst {n}"}).status_code
        for n in range(PREVIEWS_PER_MINUTE)
    ]
    assert set(statuses) == {200}
    refused = client.post("/preview", data={"csrf_token": token, "body": "Nog een"}, headers={"Accept-Language": "nl"})
    assert refused.status_code == 429
    assert "Wacht een minuut" in refused.text
    # A text previewed before is still shown: it costs nothing.
    assert client.post("/preview", data={"csrf_token": token, "body": "Tekst 0"}).status_code == 200


def test_the_allowance_comes_back_with_time_and_is_per_person() -> None:
    now = [0.0]
    previews = PreviewService(Renderer(), per_minute=2, clock=lambda: now[0])
    previews.preview("user:1", "een")
    previews.preview("user:1", "twee")
    with pytest.raises(TooManyPreviews):
        previews.preview("user:1", "drie")
    assert "vier" in previews.preview("user:2", "vier")
    now[0] = 30.0
    assert "drie" in previews.preview("user:1", "drie")


def test_a_preview_shows_at_most_the_start_of_a_huge_text(site: Site) -> None:
    html = site.previews.preview("user:1", "woord " * 500_000)
    assert 0 < len(html) < 60_000


def test_the_site_download_is_built_once_per_version_of_the_wiki(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = counting(monkeypatch, export_builds, "WikiChild")  # every build is a child process
    first = client.get("/export/site.zip")
    built = len(rendered)
    assert built > 0
    assert client.get("/export/site.zip").content == first.content
    assert len(rendered) == built
    page, _blob = site.pages.get(PAGE)
    editor = site.accounts.add_user("redacteur", "correct horse battery", Role.EDITOR)

    site.pages.save(EditRequest(PAGE, page.text + "\nEen nieuwe zin.\n", page.revision, "", commit_author(editor)))
    after = client.get("/export/site.zip")
    assert after.content != first.content
    assert len(rendered) > built
