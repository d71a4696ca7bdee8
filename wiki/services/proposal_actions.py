"""What a person may do with a proposal: the one place the rules are, for every route.

The workflow refuses what these say no to (``ProposalService``); pages ask these to decide
which buttons to show, so a button is shown exactly when pressing it would be allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from wiki.models import User
from wiki.services.permissions import Action, allowed
from wiki.services.proposal_records import ACTIVE, Record, is_author


@dataclass(frozen=True)
class ProposalActions:
    """Which of the things one can do with a proposal this person may do now."""

    can_revise: bool
    can_withdraw: bool
    can_decide: bool
    can_comment: bool
    can_support: bool
    can_hide: bool
    #: A maintainer may put it under consideration (with a note) or back to open.
    can_set_status: bool


def may_revise(user: User | None, record: Record) -> bool:
    """Its author or an editor may revise an open proposal (or one under consideration)."""
    own = is_author(user, record) or allowed(user, Action.REVISE_ANY_PROPOSAL)
    return record.status in ACTIVE and user is not None and own


def actions_for(user: User | None, record: Record) -> ProposalActions:
    """What ``user`` (None: not signed in) may do with the proposal of ``record``."""
    is_open = record.status in ACTIVE
    return ProposalActions(
        can_revise=may_revise(user, record),
        can_withdraw=is_open and is_author(user, record),
        can_decide=is_open and allowed(user, Action.DECIDE),
        can_comment=allowed(user, Action.COMMENT),
        can_support=is_open and allowed(user, Action.SUPPORT),
        can_hide=allowed(user, Action.HIDE_COMMENT),
        can_set_status=is_open and allowed(user, Action.DECIDE),
    )
