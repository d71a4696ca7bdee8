"""Mail that carries a single-use link (a password reset, the confirmation of an address):
making the link, throttling how often one is sent, and writing the mail in the person's
language, plain text with an HTML alternative, into the outbox.

The token is random (256 bits) and only its SHA-256 is stored (``wiki.store.mail_tokens``).
The mail waits in the outbox with the link in it until it is sent; the sender clears it then.
"""

from __future__ import annotations

import hashlib
import html
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wiki import catalogs
from wiki.errors import N_
from wiki.store.database import Database
from wiki.store.mail_tokens import MailAccount

HOUR = 3600.0
#: How many links of one kind may go to one account, and to one address, per hour.
LINKS_PER_HOUR = 3

_GREETING = N_("Hello {name},")
_IGNORE = N_("Did you not ask for this? Then you can ignore this mail; nothing changes.")
_SIGNATURE = N_("The principles wiki")


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LinkMail:
    """One kind of mail with a link: its token ``purpose``, how long the link works, the path
    it leads to (the token follows), and its words in the catalog's source language (the
    subject, the paragraphs before the link, the words of the link; each marked with ``N_``)."""

    purpose: str
    lifetime: float
    path: str
    subject: str
    paragraphs: Sequence[str]
    link_words: str


class MailLinks:
    """Sends one kind of link at a time to an account, within the limits."""

    def __init__(self, db: Database, mail_on: Callable[[], bool], site_language: str) -> None:
        """``mail_on`` says whether mail goes out at all (SMTP configured); ``site_language`` is
        the language of mail to someone who never chose one."""
        self.db = db
        self.mail_on = mail_on
        self.site_language = site_language

    def account_within(self, purpose: str, user_id: int) -> bool:
        """Count one link of ``purpose`` for an account; False when it had its
        ``LINKS_PER_HOUR`` already.  Counted and decided in one statement, so requests at once
        cannot all slip under the limit."""
        return self.db.count_attempt(f"mail-{purpose}:account:{user_id}", HOUR) <= LINKS_PER_HOUR

    def address_within(self, purpose: str, email: str) -> bool:
        """As :meth:`account_within`, for an address (counted once per request, however many
        accounts share it; kept only as its hash)."""
        return self.db.count_attempt(f"mail-{purpose}:address:{digest(email.casefold())}", HOUR) <= LINKS_PER_HOUR

    def send(self, mail: LinkMail, account: MailAccount, base: str) -> None:
        """Make a link for ``mail`` (to ``base``, the public address) and queue the mail
        carrying it to the account's address."""
        token = secrets.token_urlsafe(32)
        token_hash = digest(token)
        self.db.add_mail_token(token_hash, mail.purpose, account.id, account.email, time.time() + mail.lifetime)
        subject, text, markup = self._compose(account, mail, f"{base.rstrip('/')}{mail.path}{token}")
        self.db.enqueue_message(f"{mail.purpose}:{token_hash[:16]}", account.id, subject, text, markup)

    def _compose(self, account: MailAccount, letter: LinkMail, url: str) -> tuple[str, str, str]:
        """Subject, plain text and HTML of ``letter`` in the account's language."""
        language = account.language if account.language in catalogs.LANGUAGES else self.site_language
        translate = catalogs.translations(language).gettext
        greeting = translate(_GREETING).format(name=account.display_name)
        paragraphs = [translate(paragraph) for paragraph in letter.paragraphs]
        closing = [translate(_IGNORE), translate(_SIGNATURE)]
        text = "\n\n".join([greeting, *paragraphs, url, *closing]) + "\n"
        link = f'<a href="{html.escape(url)}">{html.escape(translate(letter.link_words))}</a>'
        blocks = [greeting, *paragraphs]
        markup = "".join(f"<p>{html.escape(block)}</p>" for block in blocks)
        markup += f"<p>{link}</p>" + "".join(f"<p>{html.escape(block)}</p>" for block in closing)
        return translate(letter.subject), text, f'<!DOCTYPE html><html lang="{language}"><body>{markup}</body></html>'
