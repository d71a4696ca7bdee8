"""A process with a clock (issue 17): supports that know which version they supported, the
status "under consideration", the support threshold and response deadline, the overdue list,
watchers told once when a deadline passes, and the proposals list's filters and sorts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.config import Settings
from wiki.models import Role
from wiki.services.proposal_records import SupportCount
from wiki.services.site import Site

PAGE = "ga-voor-oplossingen-en-resultaten"
DAY = 86_400
START = 1_900_000_000.0


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Why: a threshold of two supports keeps the tests short; 21 days is the default."""
    return Settings(repo=tmp_path / "wiki.git", database_url=database_url, proposal_threshold=2)


@pytest.fixture
def now(site: Site) -> list[float]:
    """Why: time is moved by the test, never waited for; ``now[0] = ...`` moves it."""
    moment = [START]
    site.process.clock = lambda: moment[0]
    return moment


def token(site: Site, auth: Auth, role: Role, name: str) -> dict[str, str]:
    auth.user(role, name)
    return {"Authorization": "Bearer " + site.accounts.create_token(name)}


def propose(client: TestClient, headers: dict[str, str], title: str = "Zin erbij") -> int:
    page = client.get(f"/api/pages/{PAGE}").json()
    body = page["body"] + "\nEen nieuwe zin.\n"
    created = client.post(
        "/api/proposals", headers=headers, json={"title": title, "changes": [{"path": PAGE, "body": body}]}
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def revise(client: TestClient, headers: dict[str, str], number: int) -> str:
    shown = client.get(f"/api/proposals/{number}").json()
    page = client.get(f"/api/pages/{PAGE}").json()
    body = page["body"] + "\nEen andere, betere zin.\n"
    revised = client.put(
        f"/api/proposals/{number}",
        headers=headers,
        json={"changes": [{"path": PAGE, "body": body}], "message": "beter", "head_revision": shown["head_revision"]},
    )
    assert revised.status_code == 200, revised.text
    return str(revised.json()["head_revision"])


def form_post(client: TestClient, url: str, **data: str) -> int:
    response = client.post(url, data={"csrf_token": csrf_from(client.get("/privacy").text), **data})
    return response.status_code


def test_supports_count_the_current_version_and_earlier_ones_apart(
    client: TestClient, auth: Auth, site: Site, now: list[float]
) -> None:
    author = token(site, auth, Role.CONTRIBUTOR, "auteur")
    number = propose(client, author)
    first = client.get(f"/api/proposals/{number}").json()["head_revision"]
    anna = auth.sign_in(Role.CONTRIBUTOR, "anna")
    assert form_post(client, f"/proposals/{number}/support", support="yes") == 303
    bert = token(site, auth, Role.CONTRIBUTOR, "bert")
    client.post(f"/api/proposals/{number}/support", headers=bert)

    head = revise(client, author, number)
    cor = token(site, auth, Role.CONTRIBUTOR, "cor")
    shown = client.post(f"/api/proposals/{number}/support", headers=cor).json()
    assert shown["supports"] == {"current": 1, "earlier": 2}
    assert shown["supporters"] == 3
    assert [entry["revision"] for entry in shown["supported_by"]] == [first, first, head]
    assert {entry["name"] for entry in shown["supported_by"]} == {
        anna.display_name,
        "Contributor Bert",
        "Contributor Cor",
    }

    # Anna supported the first version: she is told, with what changed since, and may keep or withdraw.
    page = client.get(f"/proposals/{number}")
    standing = page.context["standing"]  # type: ignore[attr-defined]
    assert standing.earlier is True
    assert "betere" in page.text
    assert "je steunde een eerdere versie" in page.text.lower()
    assert "1 steunt deze versie, 2 een eerdere" in page.text
    assert form_post(client, f"/proposals/{number}/support", support="yes") == 303  # keep supporting this version
    page = client.get(f"/proposals/{number}")
    assert page.context["standing"].earlier is False  # type: ignore[attr-defined]
    assert "2 steunen deze versie, 1 een eerdere" in page.text
    assert client.get(f"/api/proposals/{number}").json()["supports"] == {"current": 2, "earlier": 1}

    # Bert withdraws his support of the earlier version.
    assert client.delete(f"/api/proposals/{number}/support", headers=bert).json()["supports"] == {
        "current": 2,
        "earlier": 0,
    }


def test_a_supporter_is_told_when_the_proposal_changes(client: TestClient, auth: Auth, site: Site) -> None:
    author = token(site, auth, Role.CONTRIBUTOR, "auteur")
    number = propose(client, author)
    anna = auth.user(Role.CONTRIBUTOR, "anna")
    site.process.support(number, anna)
    site.notifier.settle()
    revise(client, author, number)
    site.notifier.settle()
    assert [row.kind for row in site.database.notifications(anna.id)] == ["proposal_revised"]


def test_a_decision_records_both_counts(client: TestClient, auth: Auth, site: Site) -> None:
    author = token(site, auth, Role.CONTRIBUTOR, "auteur")
    number = propose(client, author)
    site.process.support(number, auth.user(Role.CONTRIBUTOR, "anna"))
    revise(client, author, number)
    site.process.support(number, auth.user(Role.CONTRIBUTOR, "bert"))
    maintainer = token(site, auth, Role.MAINTAINER, "beheerder")
    declined = client.post(f"/api/proposals/{number}/decline", headers=maintainer, json={"reason": "Niet nu"})
    assert declined.json()["decision"]["supports"] == {"current": 1, "earlier": 1}
    assert site.proposals.get(number).record.decision.supports == SupportCount(1, 1)  # type: ignore[union-attr]


def test_a_maintainer_puts_a_proposal_under_consideration_with_a_note(
    client: TestClient, auth: Auth, site: Site
) -> None:
    author = token(site, auth, Role.CONTRIBUTOR, "auteur")
    number = propose(client, author)
    url = f"/api/proposals/{number}/status"
    assert client.post(url, headers=author, json={"status": "under_consideration", "note": "x"}).status_code == 403
    maintainer = token(site, auth, Role.MAINTAINER, "beheerder")
    assert client.post(url, headers=maintainer, json={"status": "under_consideration"}).status_code == 400
    assert client.post(url, headers=maintainer, json={"status": "accepted", "note": "x"}).status_code == 400
    assert client.get(f"/api/proposals/{number}").json()["status"] == "open"  # bad input changed nothing

    changed = client.post(url, headers=maintainer, json={"status": "under_consideration", "note": "We kijken ernaar"})
    assert changed.status_code == 200
    shown = changed.json()
    assert shown["status"] == "under_consideration"
    assert [(e["status"], e["by"], e["note"]) for e in shown["status_history"]] == [
        ("open", "Contributor Een", ""),
        ("under_consideration", "Maintainer Een", "We kijken ernaar"),
    ]
    assert shown["status_history"][1]["date"].endswith("Z")

    # ?status=open means open only; the new state has a filter of its own.
    assert client.get("/api/proposals?status=open").json()["proposals"] == []
    assert [p["id"] for p in client.get("/api/proposals?status=under_consideration").json()["proposals"]] == [number]
    page = client.get("/proposals?status=under_consideration")
    assert [row.proposal.id for row in page.context["rows"]] == [number]  # type: ignore[attr-defined]
    assert client.get("/proposals").context["rows"] == []  # type: ignore[attr-defined]

    # Support, revision and a decision work from it as from open.
    other = token(site, auth, Role.CONTRIBUTOR, "anna")
    assert client.post(f"/api/proposals/{number}/support", headers=other).json()["supporters"] == 1
    revise(client, author, number)
    head = client.get(f"/api/proposals/{number}").json()["head_revision"]
    accepted = client.post(
        f"/api/proposals/{number}/accept", headers=maintainer, json={"reason": "Goed", "head_revision": head}
    )
    assert accepted.json()["status"] == "accepted"
    assert [e["status"] for e in accepted.json()["status_history"]] == ["open", "under_consideration", "accepted"]


def test_the_status_form_on_the_page_is_for_maintainers(client: TestClient, auth: Auth, site: Site) -> None:
    number = propose(client, token(site, auth, Role.CONTRIBUTOR, "auteur"))
    auth.sign_in(Role.CONTRIBUTOR, "anna")
    assert f'action="/proposals/{number}/status"' not in client.get(f"/proposals/{number}").text
    assert form_post(client, f"/proposals/{number}/status", status="under_consideration", note="x") == 403
    auth.sign_in(Role.MAINTAINER, "beheerder")
    page = client.get(f"/proposals/{number}")
    assert f'action="/proposals/{number}/status"' in page.text
    assert form_post(client, f"/proposals/{number}/status", status="under_consideration", note="") == 400
    assert form_post(client, f"/proposals/{number}/status", status="under_consideration", note="Bekijken") == 303
    page = client.get(f"/proposals/{number}")
    assert page.context["record"].status == "under_consideration"  # type: ignore[attr-defined]
    assert "in behandeling" in page.text
    assert "Bekijken" in page.text
    assert form_post(client, f"/proposals/{number}/status", status="open", note="Toch niet") == 303
    assert site.proposals.get(number).record.status == "open"


def test_the_threshold_starts_a_deadline_that_stays_and_passes_once(
    client: TestClient, auth: Auth, site: Site, now: list[float]
) -> None:
    author = token(site, auth, Role.CONTRIBUTOR, "auteur")
    number = propose(client, author)
    anna, bert = token(site, auth, Role.CONTRIBUTOR, "anna"), token(site, auth, Role.CONTRIBUTOR, "bert")
    assert client.post(f"/api/proposals/{number}/support", headers=anna).json()["deadline"] is None
    reached = client.post(f"/api/proposals/{number}/support", headers=bert).json()
    due = datetime.fromtimestamp(START + 21 * DAY, UTC).date().isoformat()
    assert reached["deadline"] == due
    assert site.proposals.get(number).record.deadline == int(START) + 21 * DAY  # in the record, in git

    # Withdrawn supports leave it as it is.
    client.delete(f"/api/proposals/{number}/support", headers=anna)
    client.delete(f"/api/proposals/{number}/support", headers=bert)
    assert client.get(f"/api/proposals/{number}").json()["deadline"] == due
    now[0] = START + 10 * DAY
    page = client.get(f"/proposals/{number}")
    assert "nog 11 dagen" in page.text

    # Past it: maintainers see it on the overdue list, and watchers are told exactly once.
    auth.sign_in(Role.MAINTAINER, "beheerder")
    assert client.get("/admin/proposals/overdue").context["proposals"] == []  # type: ignore[attr-defined]
    assert site.process.tell_passed_deadlines() == 0
    now[0] = START + 22 * DAY
    overdue = client.get("/admin/proposals/overdue")
    assert [p.id for p in overdue.context["proposals"]] == [number]  # type: ignore[attr-defined]
    assert site.process.tell_passed_deadlines() == 1
    assert site.process.tell_passed_deadlines() == 0
    site.notifier.settle()
    author_id = site.database.user_by_name("auteur").id  # type: ignore[union-attr]
    passed = [row for row in site.database.notifications(author_id) if row.kind == "deadline_passed"]
    assert len(passed) == 1
    assert passed[0].subject == f"proposal:{number}"
    mine = client.get("/notifications")
    assert mine.status_code == 200

    # A decision ends it.
    maintainer = token(site, auth, Role.MAINTAINER, "beslisser")
    declined = client.post(f"/api/proposals/{number}/decline", headers=maintainer, json={"reason": "Nee"}).json()
    assert declined["deadline"] is None
    assert client.get("/admin/proposals/overdue").context["proposals"] == []  # type: ignore[attr-defined]


def test_the_overdue_list_is_for_maintainers(client: TestClient, auth: Auth) -> None:
    assert client.get("/admin/proposals/overdue").status_code in (303, 401, 403)
    auth.sign_in(Role.EDITOR, "redacteur")
    assert client.get("/admin/proposals/overdue").status_code == 403
    assert "/admin/proposals/overdue" not in client.get("/proposals").text
    auth.sign_in(Role.MAINTAINER, "beheerder")
    assert 'href="/admin/proposals/overdue"' in client.get("/proposals").text


def test_the_list_filters_by_state_and_sorts_with_counts(
    client: TestClient, auth: Auth, site: Site, now: list[float]
) -> None:
    author = token(site, auth, Role.CONTRIBUTOR, "auteur")
    quiet, popular, discussed = (propose(client, author, title) for title in ("Stil", "Gesteund", "Besproken"))
    for name in ("anna", "bert"):
        client.post(f"/api/proposals/{popular}/support", headers=token(site, auth, Role.CONTRIBUTOR, name))
    cor = token(site, auth, Role.CONTRIBUTOR, "cor")
    client.post(f"/api/proposals/{discussed}/support", headers=cor)
    client.post(f"/api/proposals/{discussed}/comments", headers=cor, json={"body": "Wat bedoel je?"})

    def order(query: str) -> list[int]:
        return [row.proposal.id for row in client.get(f"/proposals?{query}").context["rows"]]  # type: ignore[attr-defined]

    assert order("sort=newest") == [discussed, popular, quiet]
    assert order("sort=support") == [popular, discussed, quiet]
    assert order("sort=deadline") == [popular, discussed, quiet]  # only the popular one has a deadline
    page = client.get("/proposals?sort=support")
    rows = {row.proposal.id: row for row in page.context["rows"]}  # type: ignore[attr-defined]
    assert (rows[discussed].supports, rows[discussed].comments) == (SupportCount(1, 0), 1)
    assert rows[popular].days_left == 21
    assert "2 steunen deze versie" in page.text
    assert "1 reactie" in page.text
    api = client.get("/api/proposals?sort=support").json()["proposals"]
    assert [p["id"] for p in api] == [popular, discussed, quiet]
    assert client.get("/api/proposals?sort=sideways").status_code == 400

    maintainer = token(site, auth, Role.MAINTAINER, "beheerder")
    client.post(f"/api/proposals/{quiet}/decline", headers=maintainer, json={"reason": "Nee"})
    assert order("status=declined") == [quiet]
    assert order("status=open&sort=newest") == [discussed, popular]
    assert order("status=all&sort=newest") == [discussed, popular, quiet]
