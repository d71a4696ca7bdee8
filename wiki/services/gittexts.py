"""The texts the wiki writes into git itself, in the site's language (``WIKI_LANGUAGE``).

Commit messages for what the wiki does on someone's behalf (restore, undo, rename, delete,
proposals and their decisions) and the name it commits the bundled pages under.  They are
translated with an explicit language, never the reader's: a commit is written once and read
by everyone.

Commits about a proposal carry a ``Voorstel: N`` trailer, so the history links to the
proposal by a fixed key rather than by the words of the message (which follow the language);
the English messages of repositories written before the trailer are still recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from wiki import catalogs
from wiki.errors import N_
from wiki.models import Author

WIKI_EMAIL = "wiki@users.wiki.invalid"
#: The wiki's own author name, in the catalog's source language.
WIKI_AUTHOR = N_("Principles wiki")
PROPOSAL_TRAILER = "Voorstel"

_TRAILER = re.compile(rf"^{PROPOSAL_TRAILER}: (\d+)$", re.MULTILINE)
_OLD_ACCEPTED = re.compile(r"Accept proposal #(\d+)")
_STATUS_MESSAGES = {
    "accepted": N_("Proposal #%(id)s accepted"),
    "declined": N_("Proposal #%(id)s declined"),
    "withdrawn": N_("Proposal #%(id)s withdrawn"),
    "under_consideration": N_("Proposal #%(id)s under consideration"),
    "open": N_("Proposal #%(id)s open again"),
}

_SUGGESTION_MESSAGES = {
    "suggested": N_("Proposal #%(id)s: suggestion %(number)s made"),
    "taken": N_("Proposal #%(id)s: suggestion %(number)s taken over"),
    "declined": N_("Proposal #%(id)s: suggestion %(number)s declined"),
    "hidden": N_("Proposal #%(id)s: suggestion %(number)s hidden"),
}


def wiki_author_names() -> frozenset[str]:
    """Every name the wiki commits under, in each language (no person may take one)."""
    return frozenset(catalogs.translations(language).gettext(WIKI_AUTHOR) for language in catalogs.LANGUAGES)


def proposal_number(message: str) -> str | None:
    """The proposal a commit belongs to, by its ``Voorstel: N`` trailer (in the message's last
    paragraph), or by the English "Accept proposal #N" older merges begin with; else None."""
    paragraphs = message.strip().split("\n\n")
    found = _TRAILER.search(paragraphs[-1]) if len(paragraphs) > 1 else None
    if found is None:
        found = _OLD_ACCEPTED.match(message)
    return found.group(1) if found else None


def without_trailer(message: str) -> str:
    """``message`` without its ``Voorstel: N`` trailer, as a proposal's own revisions show it."""
    paragraphs = message.strip().split("\n\n")
    if len(paragraphs) > 1 and _TRAILER.fullmatch(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


@dataclass(frozen=True, slots=True)
class GitTexts:
    """The wiki's own commit texts in one language."""

    language: str = catalogs.DEFAULT_LANGUAGE

    def _(self, message: str, **values: object) -> str:
        text = catalogs.translations(self.language).gettext(message)
        return text % values if values else text

    @property
    def author(self) -> Author:
        """Who commits what no person wrote: the bundled pages."""
        return Author(self._(WIKI_AUTHOR), WIKI_EMAIL)

    def seed(self) -> str:
        """The message of the repository's first commit."""
        return self._(N_("Start the wiki with the bundled principles"))

    def create(self, name: str) -> str:
        """The default summary of a new page."""
        return self._(N_("Create %(name)s"), name=name)

    def edit(self, name: str) -> str:
        """The default summary of an edit."""
        return self._(N_("Edit %(name)s"), name=name)

    def restore(self, name: str, revision: str) -> str:
        """The default summary of putting a page back as it was at ``revision``."""
        return self._(N_("Restore %(name)s as of %(revision)s"), name=name, revision=revision[:10])

    def undo(self, name: str, revision: str) -> str:
        """The default summary of taking out one change."""
        return self._(N_("Undo %(revision)s on %(name)s"), name=name, revision=revision[:10])

    def rename(self, name: str, target: str) -> str:
        """The default summary of a rename."""
        return self._(N_("Rename %(name)s to %(target)s"), name=name, target=target)

    def delete(self, name: str) -> str:
        """The default summary of a deletion."""
        return self._(N_("Delete %(name)s"), name=name)

    def undelete(self, name: str) -> str:
        """The default summary of bringing back a deleted page."""
        return self._(N_("Restore deleted page %(name)s"), name=name)

    # -- proposals: each message ends in the trailer -----------------------------------

    @staticmethod
    def _trailed(message: str, proposal_id: int) -> str:
        return f"{message.strip()}\n\n{PROPOSAL_TRAILER}: {proposal_id}"

    def proposal(self, proposal_id: int, title: str) -> str:
        """The first commit of a proposal's branch."""
        return self._trailed(self._(N_("Proposal #%(id)s: %(title)s"), id=proposal_id, title=title), proposal_id)

    def proposal_opened(self, proposal_id: int, title: str) -> str:
        """The first commit of a proposal's record."""
        message = self._(N_("Proposal #%(id)s opened: %(title)s"), id=proposal_id, title=title)
        return self._trailed(message, proposal_id)

    def revision(self, proposal_id: int, summary: str) -> str:
        """A revision of a proposal: the author's summary, or a default."""
        return self._trailed(summary or self._(N_("Revise proposal #%(id)s"), id=proposal_id), proposal_id)

    def pages_added(self, proposal_id: int) -> str:
        """The record's commit when a revision added pages."""
        return self._trailed(self._(N_("Proposal #%(id)s: pages added"), id=proposal_id), proposal_id)

    def status(self, proposal_id: int, status: str, reason: str) -> str:
        """The record's commit of a decision or withdrawal, with its reason."""
        message = self._(_STATUS_MESSAGES[status], id=proposal_id)
        return self._trailed(f"{message}: {reason}" if reason else message, proposal_id)

    def deadline(self, proposal_id: int, deadline: int) -> str:
        """The record's commit that gives a proposal its response deadline (a UTC date)."""
        day = datetime.fromtimestamp(deadline, UTC).date().isoformat()
        message = self._(N_("Proposal #%(id)s: response due by %(date)s"), id=proposal_id, date=day)
        return self._trailed(message, proposal_id)

    def accept(self, proposal_id: int, title: str, reason: str) -> str:
        """The merge commit that takes an accepted proposal into the pages."""
        message = self._(N_("Accept proposal #%(id)s: %(title)s"), id=proposal_id, title=title)
        return self._trailed(f"{message}\n\n{reason}" if reason else message, proposal_id)

    def update(self, proposal_id: int) -> str:
        """The merge of the current pages into a proposal's branch."""
        return self._trailed(self._(N_("Update proposal #%(id)s with main"), id=proposal_id), proposal_id)

    def brought_up_to_date(self, proposal_id: int) -> str:
        """The record's commit after an update."""
        return self._trailed(self._(N_("Proposal #%(id)s brought up to date"), id=proposal_id), proposal_id)

    # -- suggestions to a proposal ------------------------------------------------------

    def suggestion(self, proposal_id: int, number: int, reason: str) -> str:
        """The commit of a suggestion's branch: the suggester's reason."""
        message = self._(N_("Suggestion %(number)s to proposal #%(id)s"), number=number, id=proposal_id)
        return self._trailed(f"{message}\n\n{reason}" if reason else message, proposal_id)

    def suggestion_taken(self, proposal_id: int, number: int, reason: str) -> str:
        """The commit on the proposal's branch that takes a suggestion over (its author is the suggester)."""
        message = self._(N_("Take over suggestion %(number)s in proposal #%(id)s"), number=number, id=proposal_id)
        return self._trailed(f"{message}\n\n{reason}" if reason else message, proposal_id)

    def suggestion_recorded(self, proposal_id: int, number: int, state: str) -> str:
        """The record's commit when a suggestion is made, taken over, declined or hidden."""
        message = self._(_SUGGESTION_MESSAGES[state], number=number, id=proposal_id)
        return self._trailed(message, proposal_id)
