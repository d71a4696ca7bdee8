"""Signing in with the organisation's account (OpenID Connect): the use cases around the
provider client of ``wiki.store.oidc_client``.

An account is keyed by the issuer and the ``sub`` claim, never by e-mail; an address is taken
only when the provider says it is verified.  The first sign-in makes the account as
``WIKI_SIGNUP`` allows (``approval``: it waits; ``closed``: refused), with a username made
from ``preferred_username`` and a display name that gets a number when someone has it: a
sign-in is never refused for a name.  With a role claim configured the claims set the role at
every sign-in.  A sign-in under way is kept server-side (``wiki.store.sso``) by its ``state``,
which the browser must bring back in its cookie too; linking an account and deleting one
without a password are bound to the session that started them.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wiki.config import Settings
from wiki.emails import check_email
from wiki.errors import N_, BadInput, Forbidden, NameTaken, NotFound, StoreUnavailable, Unauthorized
from wiki.models import Role, User
from wiki.services.account_names import checked_display_name, username_allowed
from wiki.services.accounts import AccountService
from wiki.store.database import Database
from wiki.store.sso import SignInRequest

if TYPE_CHECKING:  # Authlib and its HTTP client load only when single sign-on is configured
    from wiki.store.oidc_client import OidcClient

PURPOSES = ("signin", "link", "delete")
_NOT_USERNAME = re.compile(r"[^A-Za-z0-9_.-]+", re.ASCII)


@dataclass(frozen=True, slots=True)
class Started:
    """Where to send the browser, and the state its cookie must carry back."""

    url: str
    state: str


@dataclass(frozen=True, slots=True)
class Finished:
    """How a sign-in at the provider ended: ``signed-in`` (``user`` gets a session ending at
    ``expires``), ``pending`` (waits for a maintainer), ``linked`` or ``deleted``."""

    outcome: str
    target: str
    user: User | None = None
    expires: float | None = None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _refused() -> Forbidden:
    return Forbidden(N_("The sign-in could not be completed. Please start again."))


def username_candidates(preferred: str) -> Iterator[str]:
    """Usernames for a new account from ``preferred_username`` (an Entra UPN loses its domain),
    made to keep the username rule, then numbered: ``alice``, ``alice-2``, ``alice-3``, ..."""
    base = unicodedata.normalize("NFKD", preferred.partition("@")[0]).encode("ascii", "ignore").decode()
    base = _NOT_USERNAME.sub("-", base).strip("._-")[:36].strip("._-")
    if len(base) < 3 or not username_allowed(base):
        base = f"person-{base}".strip("._-") if base else "person"
    if username_allowed(base):
        yield base
    for number in range(2, 1000):
        yield f"{base}-{number}"


def display_name_candidates(name: str, fallback: str) -> Iterator[str]:
    """The name the provider gives, made printable and short enough (else ``fallback``), then
    with a number for when someone has it: ``Alice de Vries``, ``Alice de Vries (2)``, ..."""
    cleaned = "".join(c for c in " ".join(name.split()) if unicodedata.category(c)[0] != "C")[:72]
    try:
        base = checked_display_name(cleaned)
    except BadInput:
        base = fallback
    yield base
    for number in range(2, 1000):
        yield f"{base} ({number})"


@dataclass(frozen=True, slots=True)
class SignOnState:
    """What ``/account`` offers: a password to change or confirm with, or a link to make."""

    has_password: bool
    linked: bool


class SingleSignOn:
    """Sign-in, linking and confirming a deletion through one OpenID Connect provider."""

    def __init__(self, db: Database, accounts: AccountService, settings: Settings, client: OidcClient | None) -> None:
        self.db = db
        self.accounts = accounts
        self.settings = settings
        self.client = client

    @property
    def enabled(self) -> bool:
        """Whether a provider is configured."""
        return self.client is not None

    def _provider(self) -> OidcClient:
        if self.client is None:
            raise NotFound(N_("Signing in with your organisation's account is not set up here."))
        return self.client

    def _unavailable(self) -> StoreUnavailable:
        if self.accounts.passwords_on:
            return StoreUnavailable(
                N_(
                    "The sign-in service of your organisation does not answer. Try again later,"
                    " or sign in with your password."
                )
            )
        return StoreUnavailable(N_("The sign-in service of your organisation does not answer. Try again later."))

    def account_state(self, user: User) -> SignOnState:
        """Whether the account has a password and is linked to the provider."""
        linked = self.client is not None and self.db.has_identity(user.id, self.client.issuer)
        return SignOnState(self.accounts.has_password(user), linked)

    # -- starting ---------------------------------------------------------------------------

    def start(
        self,
        purpose: str,
        redirect_uri: str,
        language: str,
        *,
        target: str = "/",
        user: User | None = None,
        session_id: str = "",
        password: str = "",
    ) -> Started:
        """Begin a sign-in at the provider.  ``link`` needs the signed-in person's password
        (``BadInput`` when wrong) and an account not linked yet; ``delete`` needs an account
        linked to this provider, which the person confirms by signing in there again."""
        client = self._provider()
        if purpose not in PURPOSES:
            raise BadInput(N_("Unknown action."))
        if purpose != "signin":
            if user is None or not session_id:
                raise Unauthorized(N_("Sign in first."))
            linked = self.db.has_identity(user.id, client.issuer)
            if purpose == "link":
                if linked:
                    raise BadInput(N_("Your account is linked to your organisation's account already."))
                if self.accounts.authenticate(user.username, password) is None:
                    raise BadInput(N_("The password is not right."))
            elif not linked:
                raise BadInput(N_("Your account is not linked to your organisation's account."))
        try:
            made = client.authorization(redirect_uri, language, fresh=purpose == "delete")
        except StoreUnavailable:
            raise self._unavailable() from None
        request = SignInRequest(
            purpose,
            made.nonce,
            made.verifier,
            target if purpose == "signin" else "/account",
            None if user is None else user.id,
            self.accounts.session_hash(session_id) if purpose != "signin" else "",
        )
        self.db.add_sign_in_request(_digest(made.state), request)
        return Started(made.url, made.state)

    # -- coming back ------------------------------------------------------------------------

    def finish(
        self, state: str, browser_state: str, code: str, *, redirect_uri: str, language: str, session_id: str = ""
    ) -> Finished:
        """The provider sent the person back: the state must be the one this browser started
        (and is used up), the code is exchanged and the ID token checked; then what it was for."""
        client = self._provider()
        if not state or state != browser_state:
            raise _refused()
        request = self.db.take_sign_in_request(_digest(state))
        if request is None or not code:
            raise _refused()
        try:
            claims = client.sign_in(code, request.verifier, redirect_uri, request.nonce)
        except StoreUnavailable:
            raise self._unavailable() from None
        issuer, subject = str(claims["iss"]), str(claims["sub"])
        if request.purpose == "signin":
            return self._sign_in(issuer, subject, claims, request.target, language)
        signed_in = self.accounts.session_user(session_id) if session_id else None
        if (
            request.user_id is None
            or signed_in is None
            or signed_in.id != request.user_id
            or request.session_hash != self.accounts.session_hash(session_id)
        ):
            raise _refused()  # another browser, or the session that started it has ended
        if request.purpose == "link":
            if not self.db.link_identity(issuer, subject, request.user_id):
                raise NameTaken(N_("This account of your organisation is linked to another wiki account already."))
            return Finished("linked", "/account")
        owner = self.db.identity_owner(issuer, subject)
        if owner is None or owner.id != request.user_id:
            raise Forbidden(N_("You signed in as someone else at your organisation. Nothing was deleted."))
        user = self.accounts.get_user(owner.username)
        self.accounts.erase_account(user)
        return Finished("deleted", "/")

    def _sign_in(self, issuer: str, subject: str, claims: dict[str, Any], target: str, language: str) -> Finished:
        role = self._role(claims)
        email = self._email(claims)
        owner = self.db.identity_owner(issuer, subject)
        if owner is None:
            user = self._create(issuer, subject, claims, role=role or Role.CONTRIBUTOR, email=email, language=language)
        elif owner.disabled:
            raise Forbidden(N_("This account is disabled. Ask a maintainer."))
        else:
            self.db.set_profile(owner.id, email, None if role is None else role.value)
            self.accounts.forget_sessions()  # a role from the provider applies to every session
            user = self._rename(self.accounts.get_user(owner.username), claims)
        if user.disabled:  # waiting for a maintainer's approval (disabled ones were refused above)
            return Finished("pending", "/")
        expires = time.time() + self.settings.oidc_session_hours * 3600
        return Finished("signed-in", target, user, expires)

    def _role(self, claims: dict[str, Any]) -> Role | None:
        """The role the claims give, when a role claim is configured (else None: unchanged)."""
        if not self.settings.oidc_role_claim:
            return None
        given = claims.get(self.settings.oidc_role_claim)
        values = {str(value) for value in (given if isinstance(given, list) else [given] if given else [])}
        editors, maintainers = self.settings.oidc_role_values
        if values & maintainers:
            return Role.MAINTAINER
        if values & editors:
            return Role.EDITOR
        return Role.CONTRIBUTOR

    @staticmethod
    def _email(claims: dict[str, Any]) -> str | None:
        """The address when the provider verified it (a valid one), else None (kept as it is)."""
        email = claims.get("email")
        if claims.get("email_verified") is not True or not isinstance(email, str):
            return None
        try:
            check_email(email)
        except BadInput:
            return None
        return email

    def _create(
        self, issuer: str, subject: str, claims: dict[str, Any], *, role: Role, email: str | None, language: str
    ) -> User:
        mode = self.settings.signup
        if mode == "closed":
            raise Forbidden(N_("Signing up is closed. Ask a maintainer for an account."))
        preferred = str(claims.get("preferred_username") or claims.get("email") or subject)
        for username in username_candidates(preferred):
            if self.db.user_by_name(username) is not None:
                continue
            for display_name in display_name_candidates(str(claims.get("name") or ""), username):
                try:
                    user = self.accounts.add_signed_on_user(
                        username, display_name, email or "", role, pending=mode == "approval", language=language
                    )
                except NameTaken as taken:
                    if "username" in getattr(taken.message, "template", ""):
                        break  # erased or just taken: the next username
                    continue  # the display name: the next number
                if not self.db.link_identity(issuer, subject, user.id):  # the same person, twice at once
                    self.accounts.erase_account(user)
                    raise _refused()
                return user
        raise _refused()

    def _rename(self, user: User, claims: dict[str, Any]) -> User:
        """Later sign-ins bring the name the provider has now (numbered when someone has it)."""
        name = str(claims.get("name") or "")
        if not name:
            return user
        for display_name in display_name_candidates(name, user.display_name):
            if display_name == user.display_name:
                return user
            try:
                return self.accounts.change_display_name(user, display_name)
            except NameTaken:
                continue
        return user

    # -- signing out ------------------------------------------------------------------------

    def sign_out(self, session_id: str, back_to: str) -> str | None:
        """End the session; for one from single sign-on, the provider's logout address (when it
        offers RP-initiated logout) that sends the person back to ``back_to``."""
        from_provider = bool(session_id) and self.accounts.end_session(session_id)
        if not from_provider or self.client is None:
            return None
        return self.client.end_session_url(back_to)
