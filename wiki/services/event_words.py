"""One event in words ("Bert changed 'Neem initiatief'"), the same in the bell's list and in mail.

The sentences are marked for translation here and translated where they are shown: the web in
the request's language, mail in the recipient's.  ``mention`` is the sentence for someone a
comment mentioned, whatever else it is, and ``reply`` for the author of the comment it answers.
"""

from __future__ import annotations

from wiki.errors import N_

#: One notification in words, by its kind ("mention" when the person was mentioned).
SENTENCES = {
    "edit": N_("{actor} changed '{title}'"),
    "create": N_("{actor} created '{title}'"),
    "rename": N_("{actor} renamed '{title}'"),
    "delete": N_("{actor} deleted '{title}'"),
    "restore": N_("{actor} put back an earlier version of '{title}'"),
    "undo": N_("{actor} took a change out of '{title}'"),
    "undelete": N_("{actor} brought back '{title}'"),
    "proposal_created": N_("{actor} proposed '{title}'"),
    "proposal_revised": N_("{actor} revised the proposal '{title}'"),
    "proposal_updated": N_("{actor} brought the proposal '{title}' up to date"),
    "proposal_accepted": N_("{actor} accepted the proposal '{title}'"),
    "proposal_declined": N_("{actor} declined the proposal '{title}'"),
    "proposal_withdrawn": N_("{actor} withdrew the proposal '{title}'"),
    "deadline_passed": N_("The time to answer the proposal '{title}' has passed without a decision"),
    "suggestion_made": N_("{actor} suggested a change to the proposal '{title}'"),
    "suggestion_taken": N_("{actor} took over a suggestion in the proposal '{title}'"),
    "suggestion_declined": N_("{actor} declined a suggestion to the proposal '{title}'"),
    "version_named": N_("{actor} named the version '{title}'"),
    "comment": N_("{actor} commented on '{title}'"),
    "mention": N_("{actor} mentioned you on '{title}'"),
    "reply": N_("{actor} replied to you on '{title}'"),
    "second_look_answered": N_("{actor} answered your request for a second look on '{title}'"),
}
SOMETHING = N_("{actor} changed something in '{title}'")


#: The reasons for a notification that have words of their own, whatever the event's kind.
PERSONAL = frozenset({"mention", "reply"})


def sentence(kind: str) -> str:
    """The untranslated sentence for an event of ``kind``."""
    return SENTENCES.get(kind, SOMETHING)
