"""History: revisions across renames, restore and undo, delete and bring back, versions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import PASSWORD, git
from wiki.errors import BadInput, EditConflict, NameTaken, NotFound
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

ANNA = Author("Anna de Vries", "anna@users.wiki.invalid")
BOB = Author("Bob Jansen", "bob@users.wiki.invalid")
PAGE = "neem-initiatief"


def edit(site: Site, name: str, change: str, author: Author = ANNA, message: str = "") -> str:
    page = site.pages.get(name)[0]
    return site.pages.save(EditRequest(name, page.text + f"\n{change}\n", page.revision, message, author)).revision


def test_a_pages_history_is_newest_first_with_authors_and_sizes(site: Site) -> None:
    seed = site.pages.get(PAGE)[0].revision
    first = edit(site, PAGE, "Eerste toevoeging.", ANNA, "Eerste")
    second = edit(site, PAGE, "Tweede.", BOB, "Tweede")
    window = site.history.page_history(PAGE)
    assert [r.revision for r in window.items] == [second, first, seed]
    assert [r.author for r in window.items] == ["Bob Jansen", "Anna de Vries", "Principewiki"]
    assert [r.message for r in window.items][:2] == ["Tweede", "Eerste"]
    assert window.items[0].delta == len("\nTweede.\n")
    assert window.items[2].status == "A"
    assert window.older is None


def test_history_pages_through_with_older_and_newer(site: Site) -> None:
    revisions = [edit(site, PAGE, f"Regel {n}.") for n in range(7)]
    first = site.history.page_history(PAGE, limit=3)
    assert [r.revision for r in first.items] == revisions[::-1][:3]
    assert first.older == revisions[4]
    second = site.history.page_history(PAGE, limit=3, before=first.older)
    assert [r.revision for r in second.items] == revisions[::-1][3:6]
    assert second.newer == revisions[3]
    back = site.history.page_history(PAGE, limit=3, after=second.newer)
    assert [r.revision for r in back.items] == revisions[::-1][:3]
    assert back.newer is None


def test_renaming_keeps_the_history_and_the_old_name_leads_to_the_new(site: Site) -> None:
    before = edit(site, PAGE, "Voor de verhuizing.")
    moved = site.pages.rename(PAGE, "archief/neem-initiatief", BOB, "Naar het archief").revision
    after = edit(site, "archief/neem-initiatief", "Na de verhuizing.")
    window = site.history.page_history("archief/neem-initiatief")
    assert [r.revision for r in window.items][:3] == [after, moved, before]
    assert [r.path for r in window.items][:3] == ["archief/neem-initiatief", "archief/neem-initiatief", PAGE]
    assert window.items[1].status == "R"
    assert site.history.renamed_to(PAGE) == "archief/neem-initiatief"
    assert "Voor de verhuizing." in site.history.page_at("archief/neem-initiatief", before).text
    assert git(site.settings.repo, "log", "--follow", "--format=%H", "--", "archief/neem-initiatief.md").split()[
        :3
    ] == [after, moved, before]
    with pytest.raises(NameTaken):
        site.pages.rename("archief/neem-initiatief", "werk-is-persoonlijk", BOB)
    with pytest.raises(BadInput):
        site.pages.rename("archief/neem-initiatief", "../buiten", BOB)


def test_restore_puts_an_old_version_back_as_a_new_commit(site: Site) -> None:
    original = site.pages.get(PAGE)[0]
    edit(site, PAGE, "Vergissing.")
    commits = len(git(site.settings.repo, "rev-list", "HEAD").split())
    result = site.pages.restore(PAGE, original.revision, BOB)
    assert result.changed
    assert site.pages.get(PAGE)[0].text == original.text
    assert len(git(site.settings.repo, "rev-list", "HEAD").split()) == commits + 1
    assert site.pages.restore(PAGE, original.revision, BOB).changed is False


def test_undo_takes_out_one_change_and_keeps_later_ones(site: Site) -> None:
    page = site.pages.get(PAGE)[0]
    paragraphs = page.text.rstrip("\n").split("\n\n")
    bad = site.pages.save(
        EditRequest(PAGE, "\n\n".join(["ONGEWENST", *paragraphs]) + "\n", page.revision, "x", ANNA)
    ).revision
    edit(site, PAGE, "Latere, goede toevoeging.")
    site.pages.undo(PAGE, bad, BOB)
    text = site.pages.get(PAGE)[0].text
    assert "ONGEWENST" not in text
    assert "Latere, goede toevoeging." in text


def test_undo_refuses_when_later_changes_overlap(site: Site) -> None:
    page = site.pages.get(PAGE)[0]
    first = site.pages.save(EditRequest(PAGE, page.text + "\nA\n", page.revision, "", ANNA)).revision
    site.pages.save(EditRequest(PAGE, page.text + "\nB\n", first, "", BOB))
    head = site.repo.head()
    with pytest.raises(EditConflict):
        site.pages.undo(PAGE, first, BOB)
    assert site.repo.head() == head


def test_delete_and_bring_back(site: Site) -> None:
    text = site.pages.get("over")[0].text
    site.pages.delete("over", ANNA, "Niet meer nodig")
    with pytest.raises(NotFound):
        site.pages.get("over")
    deleted = site.history.deleted_pages()
    assert [(row.path, row.author, row.message) for row in deleted] == [("over", "Anna de Vries", "Niet meer nodig")]
    site.pages.undelete("over", BOB)
    assert site.pages.get("over")[0].text == text
    assert site.history.deleted_pages() == []
    assert [r.status for r in site.history.page_history("over").items][:2] == ["A", "D"]


def test_recent_changes_filter_by_author_and_page(site: Site) -> None:
    a = edit(site, PAGE, "Van Anna.", ANNA)
    b = edit(site, "over", "Van Bob.", BOB)
    everything = site.history.recent_changes()
    assert [c.revision for c in everything.items][:2] == [b, a]
    assert everything.items[0].paths == ("over",)
    assert [c.revision for c in site.history.recent_changes(author="Bob Jansen").items] == [b]
    assert site.history.recent_changes(page=PAGE).items[0].revision == a


def test_one_authors_changes_to_a_page_page_through_without_empty_pages(site: Site) -> None:
    """Bob's edits are buried under Anna's: each page of "Bob on this page" is full of Bob's."""
    bobs = []
    for n in range(4):
        bobs.append(edit(site, PAGE, f"Bob {n}.", BOB))
        for m in range(3):
            edit(site, PAGE, f"Anna {n}.{m}.", ANNA)
    first = site.history.recent_changes(limit=2, author="Bob Jansen", page=PAGE)
    assert [c.revision for c in first.items] == bobs[:1:-1]
    assert first.older is not None
    second = site.history.recent_changes(limit=2, before=first.older, author="Bob Jansen", page=PAGE)
    assert [c.revision for c in second.items] == bobs[1::-1]
    assert second.older is None
    assert second.newer is not None
    back = site.history.recent_changes(limit=2, after=second.newer, author="Bob Jansen", page=PAGE)
    assert [c.revision for c in back.items] == bobs[:1:-1]
    assert site.history.recent_changes(author="Niemand", page=PAGE).items == []


def test_compare_marks_words_within_the_changed_paragraph(site: Site) -> None:
    page = site.pages.get(PAGE)[0]
    new = site.pages.save(
        EditRequest(PAGE, page.text.replace("goed idee", "heel goed plan"), page.revision, "", ANNA)
    ).revision
    comparison = site.history.compare(PAGE, page.revision, new)
    changed = [block for block in comparison.blocks if block.changed]
    assert len(changed) == 1
    kinds = {(piece.kind, piece.text) for piece in changed[0].pieces if piece.kind != "same"}
    assert ("removed", "idee") in kinds
    assert ("added", "heel ") in kinds or ("added", "heel") in kinds


def test_blame_names_who_last_changed_each_paragraph(site: Site) -> None:
    revision = edit(site, PAGE, "Alinea van Bob.", BOB)
    blocks = site.history.blame(PAGE)
    assert blocks[-1].text == "Alinea van Bob."
    assert (blocks[-1].author, blocks[-1].revision) == ("Bob Jansen", revision)
    assert blocks[0].author == "Principewiki"


def test_unknown_and_malformed_revisions_are_not_found(site: Site) -> None:
    for revision in ["HEAD", "0" * 40, "--all", site.pages.get(PAGE)[0].revision[:7]]:
        with pytest.raises(NotFound):
            site.history.page_history(PAGE, before=revision)
        with pytest.raises(NotFound):
            site.history.compare(PAGE, revision, revision)


def test_named_versions_and_what_changed_since(site: Site) -> None:
    version = site.versions.name_current("Versie 1.0", ANNA)
    assert (version.tag, version.name, version.named_by) == ("versie-1.0", "Versie 1.0", "Anna de Vries")
    assert git(site.settings.repo, "cat-file", "-t", "versie-1.0").strip() == "tag"
    with pytest.raises(NameTaken):
        site.versions.name_current("versie 1.0", BOB)
    with pytest.raises(BadInput):
        site.versions.name_current("???", BOB)
    edit(site, PAGE, "Na versie 1.0.")
    site.pages.delete("over", BOB)
    since = {page.path: page for page in site.versions.changes_since("versie-1.0")}
    assert set(since) == {PAGE, "over"}
    assert since[PAGE].status == "changed"
    assert since["over"].status == "deleted"
    assert [v.tag for v in site.versions.versions()] == ["versie-1.0"]


def test_the_history_index_is_rebuilt_from_git_with_renames(site: Site) -> None:
    edit(site, PAGE, "Eén.")
    site.pages.rename(PAGE, "nieuw/initiatief", BOB)
    expected = [(r.revision, r.path, r.status) for r in site.history.page_history("nieuw/initiatief").items]
    site.index._clear()
    with site.repo.writer():
        site.index.catch_up()
    assert [(r.revision, r.path, r.status) for r in site.history.page_history("nieuw/initiatief").items] == expected


def test_a_page_as_it_was_at_any_revision_whether_that_change_touched_it_or_not(site: Site) -> None:
    first = edit(site, PAGE, "Eerste toevoeging.")
    elsewhere = edit(site, "over", "Iets op een andere pagina.")
    second = edit(site, PAGE, "Tweede toevoeging.")
    at_first = site.history.page_at(PAGE, first).text
    assert "Eerste toevoeging." in at_first
    assert "Tweede toevoeging." not in at_first
    assert site.history.page_at(PAGE, elsewhere).text == at_first  # read from the commit's trees
    assert "Tweede toevoeging." in site.history.page_at(PAGE, second).text
    comparison = site.history.compare(PAGE, first, second)
    added = [piece.text for block in comparison.blocks for piece in block.pieces if piece.kind == "added"]
    assert any("Tweede toevoeging." in text for text in added)


def _index_steps(site: Site, read: Callable[[], object]) -> int:
    """SQLite virtual-machine steps the page index takes for ``read`` (a count of work, not time)."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    connection = site.pages.index.file.db()
    connection.set_progress_handler(count, 1)
    try:
        read()
    finally:
        connection.set_progress_handler(None, 1)
    return steps


def test_reading_an_old_version_does_not_walk_the_pages_whole_history(site: Site) -> None:
    """A compare reads two old versions; on a page with 5,000 revisions each read once walked
    all of them in the index looking for renames."""
    short = edit(site, "over", "Eén wijziging.")
    long = [edit(site, PAGE, f"Regel {n}.") for n in range(60)]
    few = _index_steps(site, lambda: site.history.page_at("over", short))
    many = _index_steps(site, lambda: site.history.page_at(PAGE, long[0]))
    assert many < few + 40, (few, many)


def test_the_deleted_pages_list_reads_deletions_not_every_change(site: Site) -> None:
    """The list of deleted pages took 0.6 s on 50,000 commits when it read every change."""
    site.pages.delete("over", ANNA, "Niet meer nodig")
    before = _index_steps(site, site.history.deleted_pages)
    for n in range(60):
        edit(site, PAGE, f"Regel {n}.")
    after = _index_steps(site, site.history.deleted_pages)
    assert [row.path for row in site.history.deleted_pages()] == ["over"]
    assert after < before + 40, (before, after)


def test_an_accepted_proposals_commits_are_credited_under_the_merge_and_blame_agrees(site: Site) -> None:
    proposer = site.accounts.add_user("indiener", PASSWORD, Role.CONTRIBUTOR, display_name="Indiener")
    suggester = site.accounts.add_user("meedenker", PASSWORD, Role.CONTRIBUTOR, display_name="Meedenker")
    maintainer = site.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER, display_name="Beheerder")
    name = PAGE
    text = site.pages.get(name)[0].text
    proposal = site.proposals.create(proposer, "Voorbeeld", "", [(name, text + "\nZin van de indiener.\n")])
    proposed = text + "\nZin van de indiener.\n\nZin van de meedenker.\n"
    site.suggestions.suggest(proposal.id, suggester, [(name, proposed)], "Aanvulling", proposal.head_revision)
    taken = site.suggestions.take_over(proposal.id, 1, proposer)
    site.proposals.accept(proposal.id, maintainer, "Goed", taken.head_revision)
    merge = site.history.page_history(name).items[0]
    assert merge.author == "Beheerder"
    assert merge.proposal == str(proposal.id)
    assert [credit.author for credit in merge.credits] == ["Indiener", "Meedenker"]
    blamed = {block.text.strip(): block.author for block in site.history.blame(name)}
    assert blamed["Zin van de indiener."] == "Indiener"
    assert blamed["Zin van de meedenker."] == "Meedenker"
