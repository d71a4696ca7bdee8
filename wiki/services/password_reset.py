"""A forgotten password, reset by a link sent by mail.

Asking tells nothing: the answer is the same whether an account matches or not, and the web
layer does the asking after it has answered (so the time it takes says nothing either).  Each
account that matches (by username, or every account with the address) gets its own mail, if
it has a password (not single sign-on only), a confirmed address and is active, and if the
account and the address are within their limits.  The link works once, for an hour.

Using it sets the new password and ends every session of the account (whoever held the old
password is signed out); API tokens keep working, and the page says so, because revoking them
silently would break a person's scripts without their knowing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from wiki.errors import N_
from wiki.models import User
from wiki.services.accounts import AccountService
from wiki.services.mail_links import HOUR, LinkMail, MailLinks, digest
from wiki.store.database import Database
from wiki.store.mail_tokens import RESET

#: Where the link leads; the token follows.
RESET_PATH = "/password-reset/"

_LETTER = LinkMail(
    RESET,
    HOUR,
    RESET_PATH,
    N_("Reset your password"),
    (
        N_("Someone asked for a new password for your account on the principles wiki."),
        N_("Choose a new password with the link below. It works once, for one hour."),
    ),
    N_("Choose a new password"),
)


@dataclass(frozen=True, slots=True)
class ResetOutcome:
    """What using a link did: ``state`` is ``done``, or why the link does not work (``used``,
    ``expired``, ``unknown``); when done, the account and whether it may sign in now (it is
    not disabled or waiting for approval)."""

    state: str
    user: User | None = None
    may_sign_in: bool = False


class PasswordReset:
    """Asking for a reset link and using it."""

    def __init__(self, db: Database, accounts: AccountService, links: MailLinks) -> None:
        self.db = db
        self.accounts = accounts
        self.links = links

    def available(self) -> bool:
        """Whether resetting by mail works here at all (mail is configured, passwords are on)."""
        return self.links.mail_on() and self.accounts.passwords_on

    def request(self, username_or_email: str, base: str) -> None:
        """Send a reset link to each account ``username_or_email`` names that may have one
        (see the module docstring); links lead to ``base``.  Says nothing of what it found."""
        wanted = username_or_email.strip()
        if not wanted or not self.available():
            return
        addresses: dict[str, bool] = {}  # per address: within its limit (counted once)
        for account in self.db.mail_accounts(wanted):
            if not (account.has_password and account.active and account.email and account.email_confirmed):
                continue
            address = account.email.casefold()
            if address not in addresses:
                addresses[address] = self.links.address_within(RESET, address)
            if self.links.account_within(RESET, account.id) and addresses[address]:
                self.links.send(_LETTER, account, base)

    def link_state(self, token: str) -> str:
        """``valid``, ``used``, ``expired`` or ``unknown``."""
        return self.db.mail_token_state(digest(token), RESET, time.time())

    def reset(self, token: str, password: str) -> ResetOutcome:
        """Set ``password`` with a valid link (``BadInput`` when it breaks the password rules);
        every session of the account ends.  A link that is not valid changes nothing."""
        state = self.link_state(token)
        if state != "valid":
            return ResetOutcome(state)
        password_hash = self.accounts.new_password_hash(password)
        user_id = self.db.reset_with_token(digest(token), password_hash, time.time())
        self.accounts.forget_sessions()  # its sessions ended in the database
        account = None if user_id is None else self.db.mail_account(user_id)
        if account is None:  # spent by a click at the same moment, or the account was erased
            return ResetOutcome(self.link_state(token))
        return ResetOutcome("done", self.accounts.get_user(account.username), account.active)
