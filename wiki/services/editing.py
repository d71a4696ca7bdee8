"""Saving what a person typed, in one trip: the page, the conflict to show, and their draft.

A route hands over one ``EditRequest`` (or one ``Resolution`` from the conflict page) and
renders the outcome; the draft the editor kept is forgotten once the text is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from wiki.errors import EditConflict
from wiki.models import SaveResult, User
from wiki.services.conflicts import ConflictService, Labels, Resolution
from wiki.services.drafts import DraftService
from wiki.services.pages import Conflicted, EditRequest, PageService


class Outcomes(Protocol):
    """Who hears how saves end (the metrics count merges and conflicts)."""

    def saved(self, result: SaveResult) -> None: ...

    def conflicted(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Editing:
    """The edit use cases over the pages, the conflict screen and the drafts; ``outcomes``
    hears how each save ended (the metrics count conflicts and merges there)."""

    pages: PageService
    conflicts: ConflictService
    drafts: DraftService
    outcomes: Outcomes

    def save(self, user: User, edit: EditRequest) -> SaveResult | Conflicted:
        """Save an edit (see ``PageService.edit``); once saved, the person's draft is gone."""
        outcome = self.pages.edit(edit)
        if isinstance(outcome, SaveResult):
            self.outcomes.saved(outcome)
            self.drafts.discard(user, edit.name)
        else:
            self.outcomes.conflicted()
        return outcome

    def save_as(self, user: User, edit: EditRequest) -> SaveResult:
        """Save for a script (see ``PageService.save_as``): a conflict raises ``EditConflict``."""
        try:
            result = self.pages.save_as(user, edit)
        except EditConflict:
            self.outcomes.conflicted()
            raise
        self.outcomes.saved(result)
        return result

    def resolve(self, user: User, resolution: Resolution, labels: Labels) -> SaveResult:
        """Save the text combined on the conflict page (see ``ConflictService.save``)."""
        result = self.conflicts.save(resolution, labels)
        self.drafts.discard(user, resolution.attempt.name)
        return result
