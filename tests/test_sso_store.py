"""Single sign-on's tables on both backends: a sign-in under way works once and not when too
old, an identity opens one account and each account has one identity per issuer, and a
session from single sign-on keeps its fixed end."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from wiki.store.database import Database
from wiki.store.sso import REQUEST_SECONDS, SignInRequest

ISSUER = "https://login.example.nl/tenant/v2.0"


def test_a_sign_in_under_way_is_taken_once_and_not_when_too_old(opened: Callable[[], Database]) -> None:
    db, other_replica = opened(), opened()
    request = SignInRequest("signin", "nonce", "verifier", "/p/x", None, "")
    db.add_sign_in_request("state-hash", request)
    assert other_replica.take_sign_in_request("state-hash") == request
    assert db.take_sign_in_request("state-hash") is None  # once, on any instance
    db.add_sign_in_request("old", request)
    db._write("UPDATE oidc_requests SET created = ?", (time.time() - REQUEST_SECONDS - 1,))
    assert db.take_sign_in_request("old") is None


def test_an_identity_opens_one_account_and_goes_with_it(opened: Callable[[], Database]) -> None:
    db = opened()
    anna = db.add_user("anna", "Anna", "", "contributor", "")
    bert = db.add_user("bert", "Bert", "", "contributor", "")
    assert db.link_identity(ISSUER, "sub-1", anna)
    assert not db.link_identity(ISSUER, "sub-1", bert)  # the identity opens Anna's account
    assert not db.link_identity(ISSUER, "sub-2", anna)  # Anna has one at this issuer
    owner = db.identity_owner(ISSUER, "sub-1")
    assert owner is not None
    assert owner.username == "anna"
    assert db.has_identity(anna, ISSUER)
    assert not db.has_identity(bert, ISSUER)
    db.add_session("s", anna, time.time() + 3600)
    found = db.session("s")
    assert found is not None
    assert found[3] is not None
    db.delete_user(anna)
    assert db.identity_owner(ISSUER, "sub-1") is None


def test_a_wiki_without_single_sign_on_loads_no_authlib(tmp_path: Path) -> None:
    # Authlib, its HTTP client and cryptography take about 20 MB: memory is a bench target.
    script = (
        "import sys; from wiki.config import Settings; from wiki.services.site import open_site;"
        " from pathlib import Path; from wiki.web.app import create_app;"
        f" s = Settings(repo=Path({str(tmp_path / 'w.git')!r}),"
        f" database_url={'sqlite:///' + str(tmp_path / 'w.sqlite3')!r}); site = open_site(s); create_app(s, site=site);"
        " print(sorted(m for m in ('authlib', 'requests', 'cryptography') if m in sys.modules)); site.close()"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
