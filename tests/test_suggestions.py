"""Suggestions to a proposal: a branch by the suggester, taken over with them as git author,
declined with a reason, hidden by a maintainer (branch gone, the fact kept)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD, git
from wiki.errors import BadInput, EditConflict, Forbidden, NotFound
from wiki.models import Role, User
from wiki.services.proposal_records import Proposal
from wiki.services.site import Site

PAGE = "neem-initiatief"


@pytest.fixture
def people(site: Site) -> dict[str, User]:
    """Why: suggestions are about who may do what: the proposer, a suggester, an editor, a maintainer."""
    return {
        name: site.accounts.add_user(name, PASSWORD, role, display_name=name.title())
        for name, role in [
            ("auteur", Role.CONTRIBUTOR),
            ("ander", Role.CONTRIBUTOR),
            ("redacteur", Role.EDITOR),
            ("beheerder", Role.MAINTAINER),
        ]
    }


@pytest.fixture
def proposal(site: Site, people: dict[str, User]) -> Proposal:
    text = site.pages.get(PAGE)[0].text
    return site.proposals.create(people["auteur"], "Voorbeeld", "", [(PAGE, text + "\nEen voorbeeld.\n")])


def proposed(site: Site, proposal: Proposal) -> str:
    return site.proposals.proposed_texts(site.proposals.get(proposal.id))[PAGE] or ""


def test_a_suggestion_is_a_branch_by_the_suggester_with_its_reason_in_the_record(
    site: Site, people: dict[str, User], proposal: Proposal
) -> None:
    text = proposed(site, proposal).replace("Een voorbeeld.", "Een beter voorbeeld.")
    number = site.suggestions.suggest(
        proposal.id, people["ander"], [(PAGE, text)], "Duidelijker", proposal.head_revision
    )
    repo = site.settings.repo
    assert number == 1
    ref = f"refs/heads/suggestions/{proposal.id}/1"
    assert git(repo, "rev-parse", f"{ref}^").strip() == proposal.head_revision
    assert git(repo, "log", "-1", "--format=%an", ref).strip() == "Ander"
    record = json.loads(git(repo, "show", f"refs/meta/proposals/{proposal.id}:proposal.json"))
    assert record["events"][-1] | {"date": 0} == {
        "by": "Ander",
        "date": 0,
        "reason": "Duidelijker",
        "status": "suggested",
        "suggestion": 1,
    }
    [shown] = site.suggestions.listing(proposal.id)
    assert (shown.state, shown.author, shown.reason, shown.applies) == ("open", "Ander", "Duidelijker", True)
    assert [d.path for d in shown.diffs] == [PAGE]
    assert site.proposals.get(proposal.id).head_revision == proposal.head_revision  # the proposal is untouched


def test_a_suggestion_needs_a_reason_and_a_change(site: Site, people: dict[str, User], proposal: Proposal) -> None:
    text = proposed(site, proposal)
    with pytest.raises(BadInput):
        site.suggestions.suggest(proposal.id, people["ander"], [(PAGE, text + "x\n")], "  ", proposal.head_revision)
    with pytest.raises(BadInput):
        site.suggestions.suggest(proposal.id, people["ander"], [(PAGE, text)], "Niets", proposal.head_revision)
    with pytest.raises(BadInput):
        site.suggestions.suggest(proposal.id, people["ander"], [("over", "x")], "Andere pagina", proposal.head_revision)
    assert site.suggestions.listing(proposal.id) == []


def test_taking_over_keeps_the_suggester_as_author_and_the_taker_as_committer(
    site: Site, people: dict[str, User], proposal: Proposal
) -> None:
    text = proposed(site, proposal).replace("Een voorbeeld.", "Een beter voorbeeld.")
    number = site.suggestions.suggest(
        proposal.id, people["ander"], [(PAGE, text)], "Duidelijker", proposal.head_revision
    )
    with pytest.raises(Forbidden):  # only the proposer or an editor
        site.suggestions.take_over(proposal.id, number, people["ander"])
    taken = site.suggestions.take_over(proposal.id, number, people["auteur"])
    repo = site.settings.repo
    assert git(repo, "log", "-1", "--format=%an %cn", f"refs/heads/proposals/{proposal.id}").strip() == "Ander Auteur"
    assert "Een beter voorbeeld." in (site.proposals.proposed_texts(taken)[PAGE] or "")
    [shown] = site.suggestions.listing(proposal.id)
    assert (shown.state, shown.decided_by) == ("taken", "Auteur")
    with pytest.raises(NotFound):  # once
        site.suggestions.take_over(proposal.id, number, people["auteur"])


def test_an_editor_takes_over_onto_a_proposal_that_moved_elsewhere(
    site: Site, people: dict[str, User], proposal: Proposal
) -> None:
    text = proposed(site, proposal)
    suggested = text.replace("Een voorbeeld.", "Een beter voorbeeld.")
    number = site.suggestions.suggest(
        proposal.id, people["ander"], [(PAGE, suggested)], "Beter", proposal.head_revision
    )
    revised = site.proposals.revise(
        proposal.id, people["auteur"], [(PAGE, "Bovenaan.\n" + text)], "", proposal.head_revision
    )
    site.suggestions.take_over(proposal.id, number, people["redacteur"])
    now = proposed(site, revised)
    assert "Bovenaan." in now
    assert "Een beter voorbeeld." in now
    repo = site.settings.repo
    assert (
        git(repo, "log", "-1", "--format=%an %cn", f"refs/heads/proposals/{proposal.id}").strip() == "Ander Redacteur"
    )


def test_a_suggestion_that_no_longer_applies_says_so_and_takes_the_combined_text(
    site: Site, people: dict[str, User], proposal: Proposal
) -> None:
    text = proposed(site, proposal)
    suggested = text.replace("Een voorbeeld.", "Een beter voorbeeld.")
    number = site.suggestions.suggest(
        proposal.id, people["ander"], [(PAGE, suggested)], "Beter", proposal.head_revision
    )
    site.proposals.revise(
        proposal.id,
        people["auteur"],
        [(PAGE, text.replace("Een voorbeeld.", "Twee voorbeelden."))],
        "",
        proposal.head_revision,
    )
    [shown] = site.suggestions.listing(proposal.id)
    assert not shown.applies
    _proposal, conflicts = site.suggestions.conflicts(proposal.id, number)
    assert [c.path for c in conflicts] == [PAGE]
    with pytest.raises(EditConflict):
        site.suggestions.take_over(proposal.id, number, people["auteur"])
    combined = text.replace("Een voorbeeld.", "Twee betere voorbeelden.")
    taken = site.suggestions.take_over(proposal.id, number, people["auteur"], {PAGE: combined})
    assert "Twee betere voorbeelden." in (site.proposals.proposed_texts(taken)[PAGE] or "")


def test_declining_needs_a_reason_and_is_recorded(site: Site, people: dict[str, User], proposal: Proposal) -> None:
    text = proposed(site, proposal) + "Meer.\n"
    number = site.suggestions.suggest(
        proposal.id, people["ander"], [(PAGE, text)], "Aanvulling", proposal.head_revision
    )
    with pytest.raises(BadInput):
        site.suggestions.decline(proposal.id, number, people["auteur"], "")
    site.suggestions.decline(proposal.id, number, people["auteur"], "Past niet bij het doel")
    [shown] = site.suggestions.listing(proposal.id)
    assert (shown.state, shown.decided_by, shown.decision_reason) == ("declined", "Auteur", "Past niet bij het doel")
    assert site.proposals.get(proposal.id).head_revision == proposal.head_revision


def test_hiding_deletes_the_branch_and_keeps_the_fact_not_the_text(
    site: Site, people: dict[str, User], proposal: Proposal
) -> None:
    text = proposed(site, proposal) + "Iets grofs.\n"
    number = site.suggestions.suggest(
        proposal.id, people["ander"], [(PAGE, text)], "Grove reden", proposal.head_revision
    )
    with pytest.raises(Forbidden):
        site.suggestions.hide(proposal.id, number, people["redacteur"], "Ongepast")
    site.suggestions.hide(proposal.id, number, people["beheerder"], "Ongepast")
    repo = site.settings.repo
    assert site.repo.ref(f"refs/heads/suggestions/{proposal.id}/{number}") is None
    assert "suggestions" not in git(repo, "for-each-ref")
    record = git(repo, "show", f"refs/meta/proposals/{proposal.id}:proposal.json")
    assert "Grove reden" not in record
    assert "grofs" not in record
    events = json.loads(record)["events"]
    assert (events[-1]["status"], events[-1]["by"], events[-1]["reason"]) == ("hidden", "Beheerder", "Ongepast")
    [shown] = site.suggestions.listing(proposal.id)
    assert (shown.state, shown.reason, shown.diffs) == ("hidden", "", ())
    assert (
        site.suggestions.suggest(proposal.id, people["ander"], [(PAGE, text)], "Opnieuw", proposal.head_revision) == 2
    )
