"""Confirming the address of a new account, so no mail goes to an address its owner did not
prove is theirs.

Only when mail is on: an account made through sign-up then starts unconfirmed and is sent a
link (valid 48 hours, once); the account page offers to send it again.  At most a few links
an hour go to one account and to one address, sign-up's included (signing up many times with
someone's address sends them a few mails, not many).
Without mail nothing changes for sign-up.  Accounts made on the command line or by a
maintainer count as confirmed (``AccountService.add_user``'s default).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from wiki.errors import N_, TooManyAttempts
from wiki.models import User
from wiki.services.accounts import AccountService
from wiki.services.mail_links import HOUR, LinkMail, MailLinks, digest
from wiki.store.database import Database
from wiki.store.mail_tokens import CONFIRM

#: Where the link leads; the token follows.
CONFIRM_PATH = "/account/confirm/"
CONFIRM_LIFETIME = 48 * HOUR

_LETTER = LinkMail(
    CONFIRM,
    CONFIRM_LIFETIME,
    CONFIRM_PATH,
    N_("Confirm your e-mail address"),
    (
        N_("You made an account on the principles wiki with this e-mail address."),
        N_("Confirm that the address is yours with the link below. It works once, for 48 hours."),
    ),
    N_("Confirm my e-mail address"),
)


@dataclass(frozen=True, slots=True)
class AddressState:
    """What the account page shows about one's address."""

    email: str
    confirmed: bool
    mail_on: bool


@dataclass(frozen=True, slots=True)
class SignUp:
    """What a visitor typed to join, with the mode of sign-up and the language in use."""

    username: str
    display_name: str
    email: str
    password: str
    mode: str
    language: str


class AddressConfirmation:
    """Sign-up with confirmation, sending the link again, and following it."""

    def __init__(self, db: Database, accounts: AccountService, links: MailLinks) -> None:
        self.db = db
        self.accounts = accounts
        self.links = links

    def sign_up(self, joining: SignUp, base: str) -> User:
        """Create the account (see ``AccountService.sign_up``) in the language in use; with mail
        on, its address starts unconfirmed and a confirmation link (to ``base``) goes out."""
        mail_on = self.links.mail_on()
        user = self.accounts.sign_up(
            joining.username,
            joining.display_name,
            joining.email,
            joining.password,
            joining.mode,
            language=joining.language,
            email_confirmed=not mail_on,
        )
        if mail_on and self._within_limits(user):  # many sign-ups with one address: not many mails
            self._send(user.id, base)
        return user

    def state(self, user: User) -> AddressState:
        """One's address and whether it is confirmed."""
        account = self.db.mail_account(user.id)
        return AddressState(user.email, account is not None and account.email_confirmed, self.links.mail_on())

    def send_again(self, user: User, base: str) -> None:
        """Send a new confirmation link; ``TooManyAttempts`` after a few in an hour, and
        nothing when the address is confirmed already or mail is off."""
        state = self.state(user)
        if not state.mail_on or state.confirmed:
            return
        if not self._within_limits(user):
            raise TooManyAttempts(N_("We sent you several mails already. Wait an hour and try again."))
        self._send(user.id, base)

    def _within_limits(self, user: User) -> bool:
        """Count one link for the account and its address; False when either had enough."""
        within_account = self.links.account_within(CONFIRM, user.id)
        return self.links.address_within(CONFIRM, user.email) and within_account

    def _send(self, user_id: int, base: str) -> None:
        account = self.db.mail_account(user_id)
        if account is not None and account.email:
            self.links.send(_LETTER, account, base)

    def confirm(self, token: str) -> str:
        """Follow a confirmation link: ``confirmed``, or why not (``used``, ``expired``,
        ``unknown``: no such link, or the account's address changed since it was sent)."""
        token_hash = digest(token)
        if self.db.confirm_with_token(token_hash, time.time()) is not None:
            return "confirmed"
        state = self.db.mail_token_state(token_hash, CONFIRM, time.time())
        return "unknown" if state == "valid" else state
