"""The checks a proposal's pages pass before anything is committed: names, texts, sizes, and
what a merge into main may change; and the numbering of a new principle when it is accepted.

The workflow (``wiki.services.proposals``) calls these holding the writer slot; they read only.
"""

from __future__ import annotations

from wiki import pagefile
from wiki.errors import N_, BadInput, PathClash
from wiki.names import check_page_name, page_file, page_name_of_file
from wiki.services import proposal_limits
from wiki.services.pagepaths import check_together
from wiki.services.pages import PageService
from wiki.services.proposal_diffs import ProposalDiffs
from wiki.services.proposal_records import BRANCHES, Record

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000


class ProposalChecks:
    """Checks of proposed pages in one repository (``BadInput``, ``TooLarge``, ``PathClash`` ...)."""

    def __init__(self, pages: PageService, diffs: ProposalDiffs) -> None:
        self.pages = pages
        self.repo = pages.repo
        self.diffs = diffs

    def changes(self, changes: list[tuple[str, str]]) -> dict[str, bytes]:
        """The proposed (name, whole text) pairs as checked files by repository path."""
        if not changes:
            raise BadInput(N_("A proposal needs at least one page."))
        proposal_limits.check_page_count(len(changes))
        files = {}
        for name, text in changes:
            valid = check_page_name(name)
            checked = self.pages.checked_text(valid, text)
            files[page_file(valid)] = checked.encode("utf-8")
        return files

    def new_pages(self, commit: str, names: list[str], others: list[str]) -> None:
        """The name checks an edit makes, for the pages among ``names`` that ``commit`` does not
        have yet, and with ``others`` (the pages the proposal holds already) for case variants
        among the proposal's own pages."""
        check_together([*others, *(name for name in names if name not in others)])
        for name in names:
            if self.repo.blob_at(commit, page_file(name)) is None:
                self.pages.check_room(commit, name)

    @staticmethod
    def title(title: str, description: str) -> tuple[str, str]:
        """The title on one line and the description trimmed, or ``BadInput`` when too long."""
        title = " ".join(title.split())
        if not title or len(title) > MAX_TITLE:
            raise BadInput(N_("A proposal needs a title of at most 200 characters."))
        if len(description) > MAX_DESCRIPTION:
            raise BadInput(N_("The description is too long."))
        return title, description.strip()

    def as_new_principle(self, changes: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The one new page a principle proposal holds, without a ``number`` of its own: the
        number is the next free one when it is accepted, not one its author picked."""
        if len(changes) != 1:
            raise BadInput(N_("A new principle is exactly one new page."))
        name = check_page_name(changes[0][0])
        if self.pages.index.get(name) is not None:
            raise BadInput(N_("A page with this name exists already."))
        return [(name, without_number(name, changes[0][1]))]

    def revised_size(self, record: Record, current: str, files: dict[str, bytes]) -> None:
        """``TooLarge`` when the proposal would outgrow its limits with ``files`` at ``current``."""
        names = {page_name_of_file(path) or path for path in files}
        kept = [name for name in record.paths if name not in names]
        proposal_limits.check_page_count(len(kept) + len(names))
        texts = ((self.diffs.text(current, name) or "").encode() for name in kept)
        proposal_limits.check_size([*files.values(), *texts])

    def merge(self, main: str, tree: str, record: Record) -> None:
        """Refuse a merge that would change anything but the proposal's own pages, or add a
        page that no longer fits main (a case variant or folder made since it was proposed):
        a proposal that looked like "a new page" once deleted a principle when accepted."""
        names = [check_page_name(name) for name in record.paths]
        self.new_pages(main, names, [])
        files = {page_file(name) for name in names}
        if any(path not in files for path in self.repo.changed_paths(main, tree)):
            raise PathClash(
                N_("This proposal would change or remove pages it does not name, so it cannot be accepted.")
            )

    def numbered_new_principles(self, record: Record) -> dict[str, bytes | None]:
        """The files that give a proposed new principle the next free number in the merge."""
        if not record.principle:
            return {}
        numbers = [page.number for page in self.pages.index.pages() if page.number is not None]
        changes: dict[str, bytes | None] = {}
        for name in record.paths:
            if self.pages.index.get(name) is not None:
                continue
            head = self.repo.ref(f"{BRANCHES}{record.id}")
            text = self.diffs.text(head, name) if head else None
            if text is None:
                continue
            parsed = pagefile.parse(text, name)
            if parsed.number is None:
                meta = {**parsed.meta, "title": parsed.title, "number": max(numbers, default=0) + 1}
                numbers.append(meta["number"])
                changes[page_file(name)] = pagefile.with_meta(meta, parsed.body).encode("utf-8")
        return changes


def without_number(name: str, text: str) -> str:
    """``text`` with any ``number`` taken out of its front matter."""
    parsed = pagefile.parse(pagefile.normalise_text(text), name, strict=True)
    if "number" not in parsed.meta:
        return text
    meta = {key: value for key, value in parsed.meta.items() if key != "number"}
    return pagefile.with_meta(meta, parsed.body) if meta else parsed.body
