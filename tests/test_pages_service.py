"""Saving pages: plain saves, merges, conflicts, creation, and what is refused."""

from __future__ import annotations

import pytest

from tests.conftest import git
from wiki.errors import BadInput, EditConflict, NameTaken, NotFound, TooLarge
from wiki.models import Author
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site

AUTHOR = Author("Bea Redacteur", "bea@users.wiki.invalid")
PAGE = "werk-is-persoonlijk"
TEXT = "---\ntitle: T\n---\nalinea een\n\nalinea twee\n\nalinea drie\n"


def save(site: Site, name: str, text: str, base: str | None, message: str = "m") -> str:
    return site.pages.save(EditRequest(name, text, base, message, AUTHOR)).revision


@pytest.fixture
def base(site: Site) -> str:
    """Why: a page with three known paragraphs to edit from."""
    page, _ = site.pages.get(PAGE)
    return save(site, PAGE, TEXT, page.revision)


def test_a_save_on_the_latest_revision_is_written_as_is(site: Site, base: str) -> None:
    result = site.pages.save(EditRequest(PAGE, TEXT.replace("twee", "2"), base, "Twee", AUTHOR))
    assert (result.merged, result.created, result.changed) == (False, False, True)
    assert git(site.settings.repo, "show", f"{result.revision}:{PAGE}.md") == TEXT.replace("twee", "2")
    assert site.pages.get(PAGE)[0].revision == result.revision


def test_an_unchanged_text_makes_no_commit(site: Site, base: str) -> None:
    result = site.pages.save(EditRequest(PAGE, TEXT.replace("\n", "\r\n"), base, "niets", AUTHOR))
    assert (result.revision, result.changed) == (base, False)
    assert site.repo.head() == base


def test_concurrent_edits_of_different_paragraphs_both_survive(site: Site, base: str) -> None:
    save(site, PAGE, TEXT.replace("een", "EEN"), base)
    result = site.pages.save(EditRequest(PAGE, TEXT.replace("drie", "DRIE"), base, "m", AUTHOR))
    assert result.merged
    assert site.pages.get(PAGE)[0].text == TEXT.replace("een", "EEN").replace("drie", "DRIE")


def test_overlapping_edits_conflict_and_commit_nothing(site: Site, base: str) -> None:
    first = save(site, PAGE, TEXT.replace("twee", "twee A"), base)
    with pytest.raises(EditConflict) as raised:
        save(site, PAGE, TEXT.replace("twee", "twee B"), base)
    assert raised.value.current_revision == first
    assert raised.value.current_body == TEXT.replace("twee", "twee A")
    assert site.repo.head() == first


def test_a_save_without_base_on_an_existing_page_is_a_conflict(site: Site, base: str) -> None:
    with pytest.raises(EditConflict):
        save(site, PAGE, "overschreven\n", None)
    assert site.repo.head() == base


def test_creating_a_page_and_names_that_differ_only_by_case(site: Site) -> None:
    result = site.pages.save(EditRequest("team/Notities", "# Notities\n", None, "", AUTHOR))
    assert result.created
    assert site.pages.get("team/Notities")[0].title == "Notities"
    assert git(site.settings.repo, "log", "-1", "--format=%s").strip() == "team/Notities aanmaken"
    with pytest.raises(NameTaken):
        save(site, "team/notities", "x\n", None)


def test_editing_a_page_deleted_since_the_base_is_a_conflict(site: Site, base: str) -> None:
    with site.repo.writer():
        tree = site.repo.build_tree(base, {f"{PAGE}.md": None})
        deleted = site.repo.write_commit(tree, [base], AUTHOR, "weg", 1_700_000_000)
        assert site.repo.move_branch(deleted, base)
    with pytest.raises(EditConflict) as raised:
        save(site, PAGE, TEXT + "meer\n", base)
    assert raised.value.current_body is None
    with pytest.raises(NotFound):
        site.pages.get(PAGE)


@pytest.mark.parametrize(
    ("name", "text", "base", "error"),
    [
        ("../uit", "x", None, BadInput),
        ("a/.git/config", "x", None, BadInput),
        ("nieuw", "   \n", None, BadInput),
        ("nieuw", "---\ntitle: [niet, af\n---\nx", None, BadInput),
        ("nieuw", "---\nnumber: twee\n---\nx", None, BadInput),
        ("nieuw", "x" * 1_000_001, None, TooLarge),
        (PAGE, "x", "HEAD", BadInput),
        (PAGE, "x", "f" * 40, BadInput),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    site: Site, name: str, text: str, base: str | None, error: type[Exception]
) -> None:
    head = site.repo.head()
    with pytest.raises(error):
        save(site, name, text, base)
    assert site.repo.head() == head


def test_an_old_revision_can_be_read_and_unknown_ones_are_not_found(site: Site, base: str) -> None:
    seed = git(site.settings.repo, "rev-list", "--max-parents=0", "HEAD").strip()
    assert "alinea een" not in site.pages.get(PAGE, seed)[0].text
    assert site.pages.get(PAGE, base)[0].text == TEXT
    for revision in ["HEAD", "main", "0" * 40, "-n1", base[:12]]:
        with pytest.raises(NotFound):
            site.pages.get(PAGE, revision)


def test_the_index_catches_up_when_the_branch_moves_from_outside(site: Site, base: str) -> None:
    with site.repo.writer():
        tree = site.repo.build_tree(base, {"van-buiten.md": b"---\ntitle: Van buiten\n---\nx\n"})
        outside = site.repo.write_commit(tree, [base], AUTHOR, "push", 1_700_000_000)
        assert site.repo.move_branch(outside, base)  # the index was not told
    titles = [page.title for page in site.pages.list_pages()]
    assert "Van buiten" in titles
    assert site.pages.get("van-buiten")[0].revision == outside


def test_the_index_is_rebuilt_when_missing(site: Site, base: str) -> None:
    path = site.index.file.path
    site.close()
    path.unlink()
    reopened = open_site(site.settings)
    try:
        pages = reopened.pages.list_pages()
        assert len(pages) == 11
        assert reopened.pages.get(PAGE)[0].revision == base
    finally:
        reopened.close()
