"""The OpenID Connect provider, an outside system: discovery, the authorization address with
PKCE, the code exchange and the ID token's checks, all by Authlib (never by hand).

Every call here may go over the network (discovery once, then the token endpoint and the
provider's keys), so it runs in the thread pool like the rest of the store.  A provider that
does not answer is ``StoreUnavailable`` (503, a clear page); an answer that does not check out
(a code used before, a token for another client, an expired one, a wrong nonce) is
``Forbidden`` with a clear message.  The client secret goes only into the token request's
Authorization header: it is in no log line, no error and no ``repr``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OAuthError, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from wiki.errors import N_, Forbidden, StoreUnavailable

log = logging.getLogger(__name__)

#: Seconds a call to the provider may take before it counts as down.
TIMEOUT = 10.0
#: Seconds of clock difference allowed between the provider and the wiki.
LEEWAY = 60


@dataclass(frozen=True, slots=True)
class Authorization:
    """Where to send the person, and what the callback must find again."""

    url: str
    state: str
    nonce: str
    verifier: str


class _App(OAuth2Mixin, OpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's client of one provider, without a web framework (the wiki keeps the state)."""

    client_cls = OAuth2Session


def _down(error: Exception) -> StoreUnavailable:
    log.warning("the OpenID Connect provider did not answer: %s", type(error).__name__)
    return StoreUnavailable(N_("The sign-in service of your organisation does not answer. Try again later."))


def _refused(reason: str) -> Forbidden:
    log.warning("an OpenID Connect sign-in was refused: %s", reason)
    return Forbidden(N_("The sign-in could not be completed. Please start again."))


class OidcClient:
    """One provider, found by discovery from its issuer address."""

    def __init__(
        self, issuer: str, client_id: str, client_secret: str, scopes: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.clock = clock
        self._app = _App(
            None,
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": scopes, "code_challenge_method": "S256", "default_timeout": TIMEOUT},
        )

    def __repr__(self) -> str:
        return f"OidcClient({self.issuer!r}, {self.client_id!r})"

    def _metadata(self) -> dict[str, Any]:
        try:
            metadata: dict[str, Any] = self._app.load_server_metadata()
        except (requests.RequestException, ValueError) as error:
            raise _down(error) from None
        if metadata.get("issuer") != self.issuer:  # OpenID Connect Discovery 1.0, section 4.3
            raise _refused("the discovery document names another issuer")
        return metadata

    def authorization(self, redirect_uri: str, language: str, *, fresh: bool = False) -> Authorization:
        """The provider's address for this sign-in (code flow, PKCE S256, a new state and nonce);
        ``fresh`` asks the provider to have the person sign in again (to confirm a deletion)."""
        # Discovery is read again at every start: the document stays current (endpoints, keys),
        # and a provider that is down shows here, on the wiki's own clear page, not in the
        # browser's error at the provider's address.
        self._app.server_metadata.pop("_loaded_at", None)
        self._metadata()
        extra = {"prompt": "login"} if fresh else {}
        made = self._app.create_authorization_url(redirect_uri, ui_locales=language, **extra)
        return Authorization(made["url"], made["state"], made["nonce"], made["code_verifier"])

    def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider, when it offers it (else None)."""
        try:
            metadata = self._metadata()
        except StoreUnavailable:
            return None
        if not metadata.get("end_session_endpoint"):
            return None
        made = self._app.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, client_id=self.client_id)
        return str(made["url"])

    def sign_in(self, code: str, verifier: str, redirect_uri: str, nonce: str) -> dict[str, Any]:
        """Exchange the code (with the PKCE verifier) and return the ID token's claims, once
        Authlib has checked its signature, issuer, audience, expiry and nonce."""
        self._metadata()
        try:
            token = self._app.fetch_access_token(redirect_uri, code=code, code_verifier=verifier)
        except OAuthError as error:
            raise _refused(f"the token endpoint said {error.error}") from None
        except (requests.RequestException, ValueError) as error:
            raise _down(error) from None
        return self.verify(token, nonce)

    def verify(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        """The claims of ``token``'s ID token, checked by Authlib as its ``parse_id_token`` does,
        with the audience and issuer required and the time taken from ``clock``."""
        if "id_token" not in token:
            raise _refused("no ID token came back")
        metadata = self._metadata()
        registry = JWSRegistry(algorithms=metadata.get("id_token_signing_alg_values_supported"))
        try:
            try:
                decoded = jwt.decode(token["id_token"], self._keys(), registry=registry)
            except InvalidKeyIdError:  # the provider rolled its keys over
                decoded = jwt.decode(token["id_token"], self._keys(force=True), registry=registry)
            options = {
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
            }
            params = {"nonce": nonce, "client_id": self.client_id, "access_token": token.get("access_token")}
            claims = CodeIDToken(decoded.claims, decoded.header, options, params)
            claims.validate(now=int(self.clock()), leeway=LEEWAY)
        except JoseError as error:
            raise _refused(f"the ID token did not check out ({type(error).__name__})") from None
        return dict(claims)

    def _keys(self, *, force: bool = False) -> KeySet:
        """The provider's signing keys (fetched once; again when a token names an unknown key)."""
        try:
            keys = self._app.fetch_jwk_set(force=force)
        except (requests.RequestException, ValueError) as error:
            raise _down(error) from None
        return KeySet.import_key_set(keys)
