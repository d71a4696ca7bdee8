"""The real OpenID Connect provider of the sign-in tests: `oidc-provider` (npm, pinned in
tests/oidc/package-lock.json, installed by `make test` with `npm ci`) run by node on 127.0.0.1.

``Provider`` starts tests/oidc/provider.mjs with a configuration of two clients (the wiki and
another application) and two people in two groups, waits for its ``listening PORT`` line (no
sleeps) and stops it again.  ``signs_in`` walks a person through the provider's login form the
way a browser would, stopping where the provider sends them back to the wiki.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx2
import pytest

FOLDER = Path(__file__).parent / "oidc"
WIKI_CLIENT = "wiki"
WIKI_SECRET = "wiki-client-secret-never-logged"
OTHER_CLIENT = "other-app"
OTHER_SECRET = "other-app-secret"
OTHER_REDIRECT = "http://127.0.0.1/other/callback"
PUBLIC_URL = "http://testserver"


def people() -> dict[str, dict[str, object]]:
    """Two people in two groups, as a tenant's directory would hold them."""
    return {
        "alice": {
            "sub": "a1b2c3-alice",
            "preferred_username": "alice",
            "name": "Alice de Vries",
            "email": "alice@gemeente.example",
            "email_verified": True,
            "groups": ["wiki-editors"],
            "roles": ["Wiki.Editor"],
        },
        "bob": {
            "sub": "d4e5f6-bob",
            "preferred_username": "bob",
            "name": "Bob Jansen",
            "email": "bob@gemeente.example",
            "email_verified": False,
            "groups": ["wiki-maintainers"],
            "roles": ["Wiki.Maintainer"],
        },
    }


class Provider:
    """One running provider; ``issuer`` is its address."""

    def __init__(self, public_url: str = PUBLIC_URL) -> None:
        node = shutil.which("node")
        if node is None or not (FOLDER / "node_modules" / "oidc-provider").is_dir():
            raise FileNotFoundError("node and tests/oidc/node_modules are needed (make test runs npm ci there)")
        self._folder = Path(tempfile.mkdtemp(prefix="wiki-oidc-"))
        config = {
            "clients": [
                {
                    "client_id": WIKI_CLIENT,
                    "client_secret": WIKI_SECRET,
                    "redirect_uris": [f"{public_url}/signin/oidc/callback"],
                    "post_logout_redirect_uris": [f"{public_url}/"],
                },
                {"client_id": OTHER_CLIENT, "client_secret": OTHER_SECRET, "redirect_uris": [OTHER_REDIRECT]},
            ],
            "people": people(),
        }
        (self._folder / "config.json").write_text(json.dumps(config))
        self._process = subprocess.Popen(
            [node, str(FOLDER / "provider.mjs"), str(self._folder / "config.json")],
            cwd=FOLDER,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"the OpenID Connect provider did not start: {line!r}")
        self.issuer = f"http://127.0.0.1:{int(line.split()[1])}"

    def set_claims(self, person: str, **claims: object) -> None:
        """Change someone's claims at the provider (their next sign-in carries them)."""
        httpx2.post(f"{self.issuer}/test/people/{person}", json=claims).raise_for_status()

    def signs_in(self, authorize_url: str, person: str, browser: httpx2.Client | None = None) -> str:
        """Follow the provider's pages from ``authorize_url`` as ``person``, filling in its login
        form; the address it sends the browser back to (the wiki's callback)."""
        own = browser is None
        browser = browser or httpx2.Client()
        try:
            url = authorize_url
            for _ in range(10):
                if not url.startswith(self.issuer):
                    return url
                answer = browser.get(url)
                if answer.status_code == 200 and "/interaction/" in url:
                    answer = browser.post(url, data={"login": person})
                assert answer.status_code in (302, 303), answer.text
                url = urljoin(url, answer.headers["location"])
            raise AssertionError("the provider kept redirecting")
        finally:
            if own:
                browser.close()

    def stop(self) -> None:
        """Stop the provider (as an outage would) and remove its files."""
        if self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        shutil.rmtree(self._folder, ignore_errors=True)


def start_provider(public_url: str = PUBLIC_URL) -> Provider:
    """A provider for a wiki at ``public_url``, or a skip when node or the npm package is missing
    (a failure under ``CI=true``)."""
    try:
        return Provider(public_url)
    except FileNotFoundError as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs the OpenID Connect provider: {missing}")
        pytest.skip(str(missing))


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    """Why: sign-in tests talk to a real, certified provider, started once for the run."""
    provider = start_provider()
    yield provider
    provider.stop()
