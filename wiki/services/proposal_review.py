"""What a person looks at before sending a proposal, and where a proposal and the wiki overlap.

Both are word diffs (``diff.compare``) of page bodies, never of whole files: a person thinks in
titles and paragraphs, not in front matter and file names.
"""

from __future__ import annotations

from dataclasses import dataclass

from wiki import pagefile
from wiki.services import diff
from wiki.services.proposal_diffs import UpdateConflict


def review(current_text: str | None, name: str, body: str) -> list[diff.Block]:
    """The proposed ``body`` of page ``name`` against its current text (None: a new page).

    The body is compared as it will be saved: a browser sends a textarea's lines ending in
    CR LF, and without this every paragraph would look changed.
    """
    before = pagefile.parse(current_text, name).body if current_text else ""
    return diff.compare(before, pagefile.normalise_text(body))


@dataclass(frozen=True, slots=True)
class Overlap:
    """One page to combine when bringing a proposal up to date: its title, what changed on
    the wiki and in the proposal since the proposal started, and the proposal's own text."""

    path: str
    title: str
    body: str
    on_the_wiki: list[diff.Block]
    in_the_proposal: list[diff.Block]


def overlaps(conflicts: list[UpdateConflict]) -> list[Overlap]:
    """The pages of ``conflicts`` as a person combines them."""
    views = []
    for conflict in conflicts:
        base = pagefile.parse(conflict.base, conflict.path).body if conflict.base else ""
        ours, main = pagefile.parse(conflict.ours, conflict.path), pagefile.parse(conflict.main, conflict.path)
        views.append(
            Overlap(conflict.path, ours.title, ours.body, diff.compare(base, main.body), diff.compare(base, ours.body))
        )
    return views
