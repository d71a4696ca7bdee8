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
    can_suggest: bool


def is_open(record: Record) -> bool:
    """Whether the proposal is still being worked on (open, or under consideration): it takes
    revisions, suggestions and support; the one place that decides it."""
    return record.status in ACTIVE


def may_suggest(user: User | None, record: Record) -> bool:
    """Anyone signed in (a contributor or more) may suggest a change to an open proposal."""
    return is_open(record) and allowed(user, Action.SUGGEST)


def may_hide_suggestion(user: User | None) -> bool:
    """Maintainers hide suggestions, as they hide comments."""
    return allowed(user, Action.HIDE_COMMENT)


def may_revise(user: User | None, record: Record) -> bool:
    """Its author or an editor may revise an open proposal (or one under consideration)."""
    own = is_author(user, record) or allowed(user, Action.REVISE_ANY_PROPOSAL)
    return is_open(record) and user is not None and own


def actions_for(user: User | None, record: Record) -> ProposalActions:
    """What ``user`` (None: not signed in) may do with the proposal of ``record``."""
    working = is_open(record)
    return ProposalActions(
        can_revise=may_revise(user, record),
        can_withdraw=working and is_author(user, record),
        can_decide=working and allowed(user, Action.DECIDE),
        can_comment=allowed(user, Action.COMMENT),
        can_support=working and allowed(user, Action.SUPPORT),
        can_hide=allowed(user, Action.HIDE_COMMENT),
        can_set_status=working and allowed(user, Action.DECIDE),
        can_suggest=may_suggest(user, record),
    )
