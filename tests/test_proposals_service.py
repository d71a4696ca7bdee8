"""Proposals: kept in git (branch and record), revised, decided, and merged without a checkout."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import PASSWORD, git
from wiki.errors import BadInput, EditConflict, Forbidden
from wiki.models import Author, Role, User
from wiki.services.discussion import proposal_target
from wiki.services.pages import EditRequest
from wiki.services.proposals import NeedsUpdate, ProposalMoved
from wiki.services.site import Site

PAGE = "neem-initiatief"
EDITOR = Author("Redacteur", "redacteur@users.wiki.invalid")


@pytest.fixture
def people(site: Site) -> dict[str, User]:
    """Why: proposals are about who may do what: an author, another contributor, an editor, a maintainer."""
    return {
        name: site.accounts.add_user(name, PASSWORD, role, display_name=name.title())
        for name, role in [
            ("auteur", Role.CONTRIBUTOR),
            ("ander", Role.CONTRIBUTOR),
            ("redacteur", Role.EDITOR),
            ("beheerder", Role.MAINTAINER),
        ]
    }


def change_of(site: Site, name: str, extra: str) -> tuple[str, str]:
    return name, site.pages.get(name)[0].text + f"\n{extra}\n"


def test_a_proposal_is_a_branch_and_a_record_in_git(site: Site, people: dict[str, User]) -> None:
    main = site.repo.head()
    proposal = site.proposals.create(
        people["auteur"], "Voorbeeld erbij", "Omdat het helpt.", [change_of(site, PAGE, "Een voorbeeld.")]
    )
    assert proposal.id == 1
    repo = site.settings.repo
    assert git(repo, "rev-parse", "refs/heads/proposals/1^").strip() == main
    assert "Een voorbeeld." in git(repo, "show", f"refs/heads/proposals/1:{PAGE}.md")
    record = json.loads(git(repo, "show", "refs/meta/proposals/1:proposal.json"))
    assert (record["title"], record["status"], record["author"]) == ("Voorbeeld erbij", "open", "Auteur")
    assert site.repo.head() == main  # main is untouched until a decision
    assert proposal.mergeable
    assert [p.path for p in site.proposals.changes(proposal)] == [PAGE]
    assert site.proposals.create(people["ander"], "Nog een", "", [change_of(site, "over", "x")]).id == 2


def test_revisions_need_the_head_they_were_based_on(site: Site, people: dict[str, User]) -> None:
    proposal = site.proposals.create(people["auteur"], "T", "", [change_of(site, PAGE, "Eerste versie.")])
    revised = site.proposals.revise(
        proposal.id,
        people["auteur"],
        [change_of(site, PAGE, "Tweede versie.")],
        "Beter",
        proposal.head_revision,
    )
    assert revised.head_revision != proposal.head_revision
    assert [r.message for r in site.proposals.revisions(revised)] == ["Voorstel #1: T", "Beter"]
    with pytest.raises(ProposalMoved):
        site.proposals.revise(
            proposal.id, people["auteur"], [change_of(site, PAGE, "Derde.")], "", proposal.head_revision
        )
    with pytest.raises(Forbidden):
        site.proposals.revise(
            proposal.id, people["ander"], [change_of(site, PAGE, "Derde.")], "", revised.head_revision
        )
    by_editor = site.proposals.revise(
        proposal.id, people["redacteur"], [change_of(site, PAGE, "Derde.")], "", revised.head_revision
    )
    assert by_editor.head_revision != revised.head_revision


def test_accepting_a_new_principle_merges_it_as_number_eleven(site: Site, people: dict[str, User]) -> None:
    proposal = site.proposals.new_principle(
        people["auteur"],
        "Deel wat je leert",
        "Vertel anderen wat je leerde.",
        "Kennis groeit als je hem deelt.",
    )
    main = site.repo.head()
    accepted = site.proposals.accept(proposal.id, people["beheerder"], "Goed idee", proposal.head_revision)
    assert accepted.record.status == "accepted"
    assert accepted.record.decision is not None
    assert accepted.record.decision.reason == "Goed idee"
    merge = site.repo.head()
    assert site.repo.parents(merge or "") == [main, proposal.head_revision]
    page = site.pages.get("deel-wat-je-leert")[0]
    assert (page.title, page.number) == ("Deel wat je leert", 11)
    assert [p.number for p in site.pages.list_pages()][:11] == list(range(1, 12))
    message = git(site.settings.repo, "log", "-1", "--format=%s%n%b").strip()
    assert message.startswith("Voorstel #1 aannemen: Deel wat je leert")  # the site's language, Dutch
    assert "Goed idee" in message
    trailers = git(site.settings.repo, "log", "-1", "--format=%(trailers:key=Voorstel,valueonly)").strip()
    assert trailers == "1"
    history = site.history.page_history("deel-wat-je-leert").items
    assert history[0].revision == merge
    subprocess.run(["git", f"--git-dir={site.settings.repo}", "fsck", "--strict"], check=True, capture_output=True)


def test_accept_merges_onto_a_moved_main_and_refuses_a_moved_proposal(site: Site, people: dict[str, User]) -> None:
    proposal = site.proposals.create(people["auteur"], "T", "", [change_of(site, PAGE, "Voorgesteld.")])
    page = site.pages.get("over")[0]
    site.pages.save(EditRequest("over", page.text + "\nOok nieuw.\n", page.revision, "", EDITOR))
    with pytest.raises(ProposalMoved):
        site.proposals.accept(proposal.id, people["beheerder"], "", "0" * 40)
    site.proposals.accept(proposal.id, people["beheerder"], "Prima", proposal.head_revision)
    assert "Voorgesteld." in site.pages.get(PAGE)[0].text
    assert "Ook nieuw." in site.pages.get("over")[0].text


def test_a_conflicting_proposal_needs_an_update_which_its_author_resolves(site: Site, people: dict[str, User]) -> None:
    page = site.pages.get(PAGE)[0]
    paragraphs = page.text.rstrip("\n").split("\n\n")
    proposal = site.proposals.create(
        people["auteur"], "T", "", [(PAGE, "\n\n".join([*paragraphs[:-1], "VOORSTEL"]) + "\n")]
    )
    site.pages.save(EditRequest(PAGE, "\n\n".join([*paragraphs[:-1], "HOOFDLIJN"]) + "\n", page.revision, "", EDITOR))
    assert site.proposals.get(proposal.id).mergeable is False
    head = site.repo.head()
    with pytest.raises(NeedsUpdate):
        site.proposals.accept(proposal.id, people["beheerder"], "", proposal.head_revision)
    assert site.repo.head() == head
    assert site.proposals.get(proposal.id).record.status == "open"
    conflicts = site.proposals.update_conflicts(proposal.id)
    assert [c.path for c in conflicts] == [PAGE]
    with pytest.raises(EditConflict):
        site.proposals.update(proposal.id, people["auteur"])
    combined = "\n\n".join([*paragraphs[:-1], "HOOFDLIJN en VOORSTEL"]) + "\n"
    updated = site.proposals.update(proposal.id, people["auteur"], {PAGE: combined})
    assert updated.mergeable
    site.proposals.accept(proposal.id, people["beheerder"], "", updated.head_revision)
    assert "HOOFDLIJN en VOORSTEL" in site.pages.get(PAGE)[0].text


def test_decline_and_withdraw(site: Site, people: dict[str, User]) -> None:
    first = site.proposals.create(people["auteur"], "A", "", [change_of(site, PAGE, "a")])
    second = site.proposals.create(people["auteur"], "B", "", [change_of(site, PAGE, "b")])
    with pytest.raises(BadInput):
        site.proposals.decline(first.id, people["beheerder"], "")
    declined = site.proposals.decline(first.id, people["beheerder"], "Past niet bij de lijst")
    assert declined.record.status == "declined"
    with pytest.raises(Forbidden):
        site.proposals.withdraw(second.id, people["ander"])
    assert site.proposals.withdraw(second.id, people["auteur"]).record.status == "withdrawn"
    assert [p.id for p in site.proposals.listing("open")] == []
    assert [p.id for p in site.proposals.listing()] == [2, 1]
    assert git(site.settings.repo, "rev-parse", "--verify", "refs/heads/proposals/1").strip()  # branches are kept
    statuses = [event.status for event in site.proposals.get(1).record.events]
    assert statuses == ["open", "declined"]


def test_comments_and_supports(site: Site, people: dict[str, User]) -> None:
    proposal = site.proposals.create(people["auteur"], "T", "", [change_of(site, PAGE, "x")])
    target = proposal_target(proposal.id)
    comment = site.discussion.add(target, people["ander"], "Goed plan, **steun** ik.")
    assert "<strong>steun</strong>" in site.discussion.comments(target)[0].html
    site.discussion.support(proposal.id, people["ander"], supported=True)
    site.discussion.support(proposal.id, people["ander"], supported=True)
    assert [(row.username, row.name) for row in site.discussion.supporters(proposal.id)] == [("ander", "Ander")]
    site.discussion.hide(target, comment, people["beheerder"], "Persoonlijke gegevens")
    hidden = site.discussion.comments(target)[0]
    assert (hidden.hidden, hidden.hidden_reason, hidden.html) == (True, "Persoonlijke gegevens", "")
    site.discussion.support(proposal.id, people["ander"], supported=False)
    assert [(row.username, row.name) for row in site.discussion.supporters(proposal.id)] == []
