"""How large a proposal may grow, so that showing it stays cheap for everyone.

Anyone may look at a proposal, and its page renders every proposed page, diffs each against
the wiki (each revision's changes have a page of their own): without a bound a contributor's 2,000-page
proposal cost 66 s per view.  Rendering Markdown costs up to some 12 microseconds a byte
(a page of ``[``), so the proposed texts together stay well under what renders in a second.
"""

from __future__ import annotations

from collections.abc import Iterable

from wiki.errors import N_, TooLarge

#: Pages one proposal may hold.
MAX_PROPOSAL_PAGES = 20
#: Bytes of text (UTF-8, front matter included) all pages of one proposal may hold together.
MAX_PROPOSAL_BYTES = 50_000

_TOO_LARGE = N_("A proposal may hold at most 20 pages and 50 KB of text together. Propose smaller parts separately.")


def check_page_count(count: int) -> None:
    """``TooLarge`` when a proposal would hold more than ``MAX_PROPOSAL_PAGES`` pages; called
    before any page is looked at, so a long list costs nothing."""
    if count > MAX_PROPOSAL_PAGES:
        raise TooLarge(_TOO_LARGE)


def check_size(texts: Iterable[bytes]) -> None:
    """``TooLarge`` when the proposal's page texts together exceed ``MAX_PROPOSAL_BYTES``."""
    if sum(len(text) for text in texts) > MAX_PROPOSAL_BYTES:
        raise TooLarge(_TOO_LARGE)
