"""Mentions: ``@username`` in a comment tells that person, and links to their public page.

Usernames are ASCII letters, digits and ``_ . -``, starting and ending with a letter or digit
(``account_names``), so a mention is found without Unicode guesswork: an ``@`` that does not
follow a word character, a dot, a slash or another ``@`` (so ``anna@example.nl`` and
``https://x/@anna`` mention nobody), then the longest username that ends on a letter or digit.
The pattern is bounded (at most 40 characters after the ``@``) and so linear in the text.
"""

from __future__ import annotations

import re

#: At most this many people are told from one comment: a comment naming the whole staff
#: must not become a mass mailing.
MAX_MENTIONS = 20

MENTION = re.compile(
    r"(?<![A-Za-z0-9_.@/-])@([A-Za-z0-9](?:[A-Za-z0-9_.-]{0,38}[A-Za-z0-9])?)(?![A-Za-z0-9_-])", re.ASCII
)


def mentioned(text: str) -> list[str]:
    """The usernames ``text`` mentions, lower-cased, in order, once each, at most
    :data:`MAX_MENTIONS`."""
    names: dict[str, None] = {}
    for found in MENTION.finditer(text):
        key = found.group(1).lower()
        if key not in names:
            names[key] = None
            if len(names) == MAX_MENTIONS:
                break
    return list(names)
