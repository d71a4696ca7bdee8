"""Every route against the one permission table, for every kind of visitor.

A new route must be added to ``EXPECTED`` (or the walk fails), so no route
can be forgotten.  For writing routes, a request the table denies must also
leave the repository untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from httpx2 import Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from, git
from wiki.config import Settings
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.permissions import Action
from wiki.services.site import Site, open_site
from wiki.web.app import create_app
from wiki.web.routes import ROUTES

PAGE = "neem-initiatief"
VISITORS = [None, Role.CONTRIBUTOR, Role.EDITOR, Role.MAINTAINER]

#: Routes only a proposal's own author may use; every visitor of the walk is someone else.
AUTHOR_ONLY = "author only"
#: Routes for whoever has the shared secret of the webhook (no account has it).
HOOK_SECRET = "hook secret"
#: Routes for anyone signed in.
SIGNED_IN = "signed in"
#: Routes that do not exist until the operator turns them on (``/metrics``: a token or an address).
OFF_BY_DEFAULT = "off by default"
#: (path, method) -> (what it needs, a URL to try: {rev} is a commit that changed PAGE, {pid} a proposal)
EXPECTED: dict[tuple[str, str], tuple[Action | str | None, str]] = {
    ("/", "GET"): (Action.READ, "/"),
    ("/p/{name:path}", "GET"): (Action.READ, f"/p/{PAGE}"),
    ("/source/{name:path}", "GET"): (Action.READ, f"/source/{PAGE}?revision={{rev}}"),
    ("/history/{name:path}", "GET"): (Action.READ, f"/history/{PAGE}"),
    ("/compare/{name:path}", "GET"): (Action.READ, f"/compare/{PAGE}?from={{seed}}&to={{rev}}"),
    ("/blame/{name:path}", "GET"): (Action.READ, f"/blame/{PAGE}"),
    ("/why/{name:path}", "GET"): (Action.READ, f"/why/{PAGE}?paragraph=1&revision={{rev}}"),
    ("/changes", "GET"): (Action.READ, "/changes"),
    ("/change/{revision}", "GET"): (Action.READ, "/change/{rev}"),
    ("/deleted", "GET"): (Action.READ, "/deleted"),
    ("/versions", "GET"): (Action.READ, "/versions"),
    ("/versions", "POST"): (Action.NAME_VERSION, "/versions"),
    ("/versions/{tag}", "GET"): (Action.READ, "/versions/versie-1"),
    ("/restore/{name:path}", "POST"): (Action.RESTORE, f"/restore/{PAGE}"),
    ("/undo/{name:path}", "GET"): (Action.RESTORE, f"/undo/{PAGE}?revision={{rev}}"),
    ("/undo/{name:path}", "POST"): (Action.RESTORE, f"/undo/{PAGE}"),
    ("/rename/{name:path}", "GET"): (Action.RENAME, f"/rename/{PAGE}"),
    ("/rename/{name:path}", "POST"): (Action.RENAME, f"/rename/{PAGE}"),
    ("/delete/{name:path}", "GET"): (Action.DELETE, f"/delete/{PAGE}"),
    ("/delete/{name:path}", "POST"): (Action.DELETE, f"/delete/{PAGE}"),
    ("/undelete/{name:path}", "POST"): (Action.RESTORE, "/undelete/over"),
    ("/atom/changes", "GET"): (Action.READ, "/atom/changes"),
    ("/atom/p/{name:path}", "GET"): (Action.READ, f"/atom/p/{PAGE}"),
    ("/edit/{name:path}", "GET"): (Action.EDIT, f"/edit/{PAGE}"),
    ("/edit/{name:path}", "POST"): (Action.EDIT, f"/edit/{PAGE}"),
    ("/new", "GET"): (Action.CREATE, "/new"),
    ("/new", "POST"): (Action.CREATE, "/new"),
    ("/signin", "GET"): (None, "/signin"),
    ("/signin", "POST"): (None, "/signin"),
    ("/signout", "POST"): (None, "/signout"),
    ("/signin/oidc", "GET"): (None, "/signin/oidc"),
    ("/signin/oidc", "POST"): (SIGNED_IN, "/signin/oidc"),
    ("/signin/oidc/callback", "GET"): (None, "/signin/oidc/callback?state=x&code=y"),
    ("/lang/{language}", "GET"): (None, "/lang/en"),
    ("/healthz", "GET"): (Action.READ, "/healthz"),
    ("/readyz", "GET"): (Action.READ, "/readyz"),
    ("/metrics", "GET"): (OFF_BY_DEFAULT, "/metrics"),
    ("/.well-known/security.txt", "GET"): (None, "/.well-known/security.txt"),
    ("/favicon.ico", "GET"): (None, "/favicon.ico"),
    ("/api/openapi.json", "GET"): (None, "/api/openapi.json"),
    ("/api/pages", "GET"): (Action.READ, "/api/pages"),
    ("/api/pages/{name:path}", "GET"): (Action.READ, f"/api/pages/{PAGE}"),
    ("/api/pages/{name:path}", "PUT"): (Action.EDIT, f"/api/pages/{PAGE}"),
    ("/api/history/{name:path}", "GET"): (Action.READ, f"/api/history/{PAGE}"),
    ("/api/changes", "GET"): (Action.READ, "/api/changes"),
    ("/api/why/{name:path}", "GET"): (Action.READ, f"/api/why/{PAGE}?paragraph=1"),
    ("/proposals", "GET"): (Action.READ, "/proposals"),
    ("/proposals/new", "GET"): (Action.PROPOSE, "/proposals/new"),
    ("/proposals/new", "POST"): (Action.PROPOSE, "/proposals/new"),
    ("/proposals/{id}", "GET"): (Action.READ, "/proposals/{pid}"),
    ("/proposals/{id}/revisions/{revision}", "GET"): (Action.READ, "/proposals/{pid}/revisions/{head}"),
    ("/proposals/{id}/revise", "GET"): (Action.REVISE_ANY_PROPOSAL, "/proposals/{pid}/revise"),
    ("/proposals/{id}/revise", "POST"): (Action.REVISE_ANY_PROPOSAL, "/proposals/{pid}/revise"),
    ("/proposals/{id}/update", "GET"): (Action.PROPOSE, "/proposals/{pid}/update"),
    ("/proposals/{id}/update", "POST"): (Action.REVISE_ANY_PROPOSAL, "/proposals/{pid}/update"),
    ("/proposals/{id}/comment", "POST"): (Action.COMMENT, "/proposals/{pid}/comment"),
    ("/proposals/{id}/support", "POST"): (Action.SUPPORT, "/proposals/{pid}/support"),
    ("/proposals/{id}/accept", "POST"): (Action.DECIDE, "/proposals/{pid}/accept"),
    ("/proposals/{id}/decline", "POST"): (Action.DECIDE, "/proposals/{pid}/decline"),
    ("/proposals/{id}/withdraw", "POST"): (AUTHOR_ONLY, "/proposals/{pid}/withdraw"),
    ("/proposals/{id}/status", "POST"): (Action.DECIDE, "/proposals/{pid}/status"),
    ("/proposals/{id}/suggest", "GET"): (Action.SUGGEST, "/proposals/{pid}/suggest"),
    ("/proposals/{id}/suggest", "POST"): (Action.SUGGEST, "/proposals/{pid}/suggest"),
    ("/proposals/{id}/suggestions/{n}/accept", "POST"): (
        Action.REVISE_ANY_PROPOSAL,
        "/proposals/{pid}/suggestions/{sid}/accept",
    ),
    ("/proposals/{id}/suggestions/{n}/decline", "POST"): (
        Action.REVISE_ANY_PROPOSAL,
        "/proposals/{pid}/suggestions/{sid}/decline",
    ),
    ("/proposals/{id}/suggestions/{n}/hide", "POST"): (Action.HIDE_COMMENT, "/proposals/{pid}/suggestions/{sid}/hide"),
    ("/proposals/{id}/suggestions/{n}/merge", "GET"): (Action.PROPOSE, "/proposals/{pid}/suggestions/{sid}/merge"),
    ("/proposals/{id}/suggestions/{n}/merge", "POST"): (
        Action.REVISE_ANY_PROPOSAL,
        "/proposals/{pid}/suggestions/{sid}/merge",
    ),
    ("/propose/{name:path}", "GET"): (Action.PROPOSE, f"/propose/{PAGE}"),
    ("/propose/{name:path}", "POST"): (Action.PROPOSE, f"/propose/{PAGE}"),
    ("/discuss/{name:path}", "GET"): (Action.READ, f"/discuss/{PAGE}"),
    ("/discuss/{name:path}", "POST"): (Action.COMMENT, f"/discuss/{PAGE}"),
    ("/comments/{comment}/hide", "POST"): (Action.HIDE_COMMENT, "/comments/{comment}/hide"),
    ("/comments/{comment}/edit", "GET"): (AUTHOR_ONLY, "/comments/{comment}/edit"),
    ("/comments/{comment}/edit", "POST"): (AUTHOR_ONLY, "/comments/{comment}/edit"),
    ("/comments/{comment}/delete", "POST"): (AUTHOR_ONLY, "/comments/{comment}/delete"),
    ("/comments/{comment}/versions", "GET"): (Action.HIDE_COMMENT, "/comments/{comment}/versions"),
    ("/comments/{comment}/restore", "POST"): (Action.HIDE_COMMENT, "/comments/{hidden}/restore"),
    ("/comments/{comment}/second-look", "POST"): (AUTHOR_ONLY, "/comments/{hidden}/second-look"),
    ("/comments/{comment}/second-look/answer", "POST"): (Action.HIDE_COMMENT, "/comments/{hidden}/second-look/answer"),
    ("/moderation", "GET"): (Action.READ, "/moderation"),
    ("/signup", "GET"): (None, "/signup"),
    ("/signup", "POST"): (None, "/signup"),
    ("/account", "GET"): (SIGNED_IN, "/account"),
    ("/account", "POST"): (SIGNED_IN, "/account"),
    ("/account/contributions", "GET"): (SIGNED_IN, "/account/contributions"),
    ("/people/{username}", "GET"): (Action.READ, "/people/auteur"),
    ("/account/confirm/{token}", "GET"): (None, "/account/confirm/made-up"),
    ("/password-reset", "GET"): (None, "/password-reset"),
    ("/password-reset", "POST"): (None, "/password-reset"),
    ("/password-reset/{token}", "GET"): (None, "/password-reset/made-up"),
    ("/password-reset/{token}", "POST"): (None, "/password-reset/made-up"),
    ("/admin/accounts", "GET"): (Action.MANAGE_ACCOUNTS, "/admin/accounts"),
    ("/admin/accounts/{username}", "POST"): (Action.MANAGE_ACCOUNTS, "/admin/accounts/auteur"),
    ("/admin/accounts/{username}/tokens", "GET"): (Action.MANAGE_ACCOUNTS, "/admin/accounts/auteur/tokens"),
    ("/admin/mail", "GET"): (Action.MANAGE_ACCOUNTS, "/admin/mail"),
    ("/admin/proposals/overdue", "GET"): (Action.DECIDE, "/admin/proposals/overdue"),
    ("/unsubscribe/{token}", "GET"): (None, "/unsubscribe/{unsubscribe}"),
    ("/unsubscribe/{token}", "POST"): (None, "/unsubscribe/{unsubscribe}"),
    ("/privacy", "GET"): (None, "/privacy"),
    ("/accessibility", "GET"): (None, "/accessibility"),
    ("/account/watching", "GET"): (SIGNED_IN, "/account/watching"),
    ("/watch", "POST"): (SIGNED_IN, "/watch"),
    ("/notifications", "GET"): (SIGNED_IN, "/notifications"),
    ("/notifications/read", "POST"): (SIGNED_IN, "/notifications/read"),
    ("/api/watch", "GET"): (SIGNED_IN, "/api/watch"),
    ("/api/watch", "PUT"): (SIGNED_IN, "/api/watch"),
    ("/api/watch", "DELETE"): (SIGNED_IN, "/api/watch"),
    ("/api/notifications", "GET"): (SIGNED_IN, "/api/notifications"),
    ("/api/notifications/read", "POST"): (SIGNED_IN, "/api/notifications/read"),
    ("/api/account/mail", "PUT"): (SIGNED_IN, "/api/account/mail"),
    ("/preview", "POST"): (SIGNED_IN, "/preview"),
    ("/drafts/{name:path}", "POST"): (SIGNED_IN, f"/drafts/{PAGE}"),
    ("/atom/proposals", "GET"): (Action.READ, "/atom/proposals"),
    ("/api/proposals", "GET"): (Action.READ, "/api/proposals"),
    ("/api/proposals", "POST"): (Action.PROPOSE, "/api/proposals"),
    ("/api/proposals/{id}", "GET"): (Action.READ, "/api/proposals/{pid}"),
    ("/api/proposals/{id}", "PUT"): (Action.REVISE_ANY_PROPOSAL, "/api/proposals/{pid}"),
    ("/api/proposals/{id}/comments", "POST"): (Action.COMMENT, "/api/proposals/{pid}/comments"),
    ("/api/proposals/{id}/comments/{comment}/hide", "POST"): (
        Action.HIDE_COMMENT,
        "/api/proposals/{pid}/comments/{comment}/hide",
    ),
    ("/api/proposals/{id}/comments/{comment}", "PATCH"): (AUTHOR_ONLY, "/api/proposals/{pid}/comments/{comment}"),
    ("/api/proposals/{id}/comments/{comment}", "DELETE"): (AUTHOR_ONLY, "/api/proposals/{pid}/comments/{comment}"),
    ("/api/proposals/{id}/comments/{comment}/restore", "POST"): (
        Action.HIDE_COMMENT,
        "/api/proposals/{pid}/comments/{hidden}/restore",
    ),
    ("/api/discussions/{path:path}/comments", "GET"): (Action.READ, f"/api/discussions/{PAGE}/comments"),
    ("/api/discussions/{path:path}/comments", "POST"): (Action.COMMENT, f"/api/discussions/{PAGE}/comments"),
    ("/api/discussions/{path:path}/comments/{comment}", "PATCH"): (
        AUTHOR_ONLY,
        f"/api/discussions/{PAGE}/comments/{{pcomment}}",
    ),
    ("/api/discussions/{path:path}/comments/{comment}", "DELETE"): (
        AUTHOR_ONLY,
        f"/api/discussions/{PAGE}/comments/{{pcomment}}",
    ),
    ("/api/discussions/{path:path}/comments/{comment}/hide", "POST"): (
        Action.HIDE_COMMENT,
        f"/api/discussions/{PAGE}/comments/{{pcomment}}/hide",
    ),
    ("/api/discussions/{path:path}/comments/{comment}/restore", "POST"): (
        Action.HIDE_COMMENT,
        f"/api/discussions/{PAGE}/comments/{{phidden}}/restore",
    ),
    ("/api/proposals/{id}/support", "POST"): (Action.SUPPORT, "/api/proposals/{pid}/support"),
    ("/api/proposals/{id}/support", "DELETE"): (Action.SUPPORT, "/api/proposals/{pid}/support"),
    ("/api/proposals/{id}/accept", "POST"): (Action.DECIDE, "/api/proposals/{pid}/accept"),
    ("/api/proposals/{id}/decline", "POST"): (Action.DECIDE, "/api/proposals/{pid}/decline"),
    ("/api/proposals/{id}/withdraw", "POST"): (AUTHOR_ONLY, "/api/proposals/{pid}/withdraw"),
    ("/api/proposals/{id}/status", "POST"): (Action.DECIDE, "/api/proposals/{pid}/status"),
    ("/api/proposals/{id}/suggestions", "GET"): (Action.READ, "/api/proposals/{pid}/suggestions"),
    ("/api/proposals/{id}/suggestions", "POST"): (Action.SUGGEST, "/api/proposals/{pid}/suggestions"),
    ("/api/proposals/{id}/suggestions/{n}/accept", "POST"): (
        Action.REVISE_ANY_PROPOSAL,
        "/api/proposals/{pid}/suggestions/{sid}/accept",
    ),
    ("/api/proposals/{id}/suggestions/{n}/decline", "POST"): (
        Action.REVISE_ANY_PROPOSAL,
        "/api/proposals/{pid}/suggestions/{sid}/decline",
    ),
    ("/search", "GET"): (Action.READ, "/search?q=open"),
    ("/api/search", "GET"): (Action.READ, "/api/search?q=open"),
    ("/links/broken", "GET"): (Action.SEE_BROKEN_LINKS, "/links/broken"),
    ("/poster", "GET"): (Action.READ, "/poster"),
    ("/all", "GET"): (Action.READ, "/all"),
    ("/open-data", "GET"): (Action.READ, "/open-data"),
    ("/open-data/discussion.json", "GET"): (Action.READ, "/open-data/discussion.json"),
    ("/open-data/discussion.csv", "GET"): (Action.READ, "/open-data/discussion.csv"),
    ("/export/markdown.zip", "GET"): (Action.READ, "/export/markdown.zip"),
    ("/export/site.zip", "GET"): (Action.READ, "/export/site.zip?version=versie-1"),
    ("/wiki.git/{path:path}", "GET"): (Action.READ, "/wiki.git/info/refs?service=git-upload-pack"),
    ("/wiki.git/{path:path}", "POST"): (Action.READ, "/wiki.git/git-upload-pack"),
    ("/api/hooks/git", "POST"): (HOOK_SECRET, "/api/hooks/git"),
    ("/api/password-reset", "POST"): (None, "/api/password-reset"),
}
LEAST: dict[Action | str, Role | None] = {
    SIGNED_IN: Role.CONTRIBUTOR,
    Action.COMMENT: Role.CONTRIBUTOR,
    Action.SUPPORT: Role.CONTRIBUTOR,
    Action.PROPOSE: Role.CONTRIBUTOR,
    Action.SUGGEST: Role.CONTRIBUTOR,
    Action.REVISE_ANY_PROPOSAL: Role.EDITOR,
    Action.DECIDE: Role.MAINTAINER,
    Action.HIDE_COMMENT: Role.MAINTAINER,
    Action.MANAGE_ACCOUNTS: Role.MAINTAINER,
    Action.SEE_BROKEN_LINKS: Role.MAINTAINER,
    Action.READ: None,
    Action.EDIT: Role.EDITOR,
    Action.CREATE: Role.EDITOR,
    Action.RESTORE: Role.EDITOR,
    Action.RENAME: Role.EDITOR,
    Action.DELETE: Role.EDITOR,
    Action.NAME_VERSION: Role.EDITOR,
}


def prepare(site: Site) -> dict[str, str]:
    """An edit to PAGE, a deleted page and a named version, so every route has something to act on."""
    seed = site.pages.get(PAGE)[0].revision
    author = Author("Voorbereiding", "v@users.wiki.invalid")
    text = site.pages.get(PAGE)[0].text + "\nEen extra alinea.\n"
    rev = site.pages.save(EditRequest(PAGE, text, seed, "voorbereiding", author)).revision
    site.pages.delete("over", author)
    site.versions.name_current("Versie 1", author)
    proposer = site.accounts.add_user("auteur", PASSWORD, Role.CONTRIBUTOR)
    proposal = site.proposals.create(
        proposer, "Voorstel", "", [("werk-is-persoonlijk", "# Anders\n"), (PAGE, text + "Voorgesteld.\n")]
    )
    comment = site.discussion.add(f"proposal:{proposal.id}", proposer, "Eerste reactie")
    suggested = [(PAGE, text + "Voorgesteld en voorgesteld.\n")]
    suggestion = site.suggestions.suggest(proposal.id, proposer, suggested, "Beter", proposal.head_revision)
    # A hidden comment with a request for a second look (hidden by a maintainer no visitor is),
    # and a page's comments, so restoring, answering and the page discussion API have one each.
    moderator = site.accounts.add_user("moderator", PASSWORD, Role.MAINTAINER, display_name="Moderator")
    hidden = site.discussion.add(f"proposal:{proposal.id}", proposer, "Te fel")
    site.discussion.hide(f"proposal:{proposal.id}", hidden, moderator, "Toon")
    site.moderation.ask(hidden, proposer, "Graag nog eens kijken")
    pcomment = site.discussion.add(f"page:{PAGE}", proposer, "Over de pagina")
    phidden = site.discussion.add(f"page:{PAGE}", proposer, "Verborgen")
    site.discussion.hide(f"page:{PAGE}", phidden, moderator, "Toon")
    unsubscribe = site.mail.unsubscribe_token(proposer.id)
    return {
        "seed": seed,
        "rev": rev,
        "pid": str(proposal.id),
        "comment": str(comment),
        "sid": str(suggestion),
        "hidden": str(hidden),
        "pcomment": str(pcomment),
        "phidden": str(phidden),
        "head": proposal.head_revision,
        "unsubscribe": unsubscribe,
    }


def routes() -> list[tuple[str, str]]:
    found = []
    for route in ROUTES:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        found += [(route.path, method) for method in sorted(route.methods or []) if method != "HEAD"]
    return found


def test_every_route_is_in_the_table() -> None:
    assert sorted(routes()) == sorted(EXPECTED)


def allowed(role: Role | None, action: Action | str | None) -> bool:
    if action in (AUTHOR_ONLY, HOOK_SECRET, OFF_BY_DEFAULT):
        return False
    needed = LEAST.get(action) if action else None
    order = [None, *Role]
    return needed is None or (role is not None and order.index(role) >= order.index(needed))


#: The people's data a denied request must leave as it was (times a request may touch left out).
PEOPLES_DATA = {
    "users": "SELECT id, username, display_name, email, role, password_hash, disabled, pending FROM users",
    "comments": "SELECT id, target, user_id, body, hidden_reason FROM comments",
    "supports": "SELECT proposal, user_id FROM supports",
    "drafts": "SELECT user_id, page, title, body, base FROM drafts",
    "tokens": "SELECT id, user_id, token_hash, label FROM tokens",
    "counters": "SELECT name, value FROM counters",
}


def state(site: Site) -> dict[str, object]:
    """Every ref of the repository (main, proposals, their records, tags) and the people's data."""
    found: dict[str, object] = {"refs": git(site.settings.repo, "for-each-ref", "--format=%(refname) %(objectname)")}
    with site.database.backend.transaction() as transaction:
        for table, query in PEOPLES_DATA.items():
            found[table] = sorted(map(tuple, transaction.execute(query).fetchall()))
    return found


@dataclass
class Visitor:
    """One kind of visitor on a prepared site: its client, its API token and what was prepared."""

    site: Site
    client: TestClient
    headers: dict[str, str]
    prepared: dict[str, str]


def visit(site: Site, client: TestClient, role: Role | None) -> Visitor:
    prepared = prepare(site)
    headers: dict[str, str] = {}
    if role is not None:
        auth = Auth(site, client)
        auth.sign_in(role)
        headers = auth.token(role, f"{role.value}api")
    return Visitor(site, client, headers, prepared)


@pytest.fixture(scope="module")
def readers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Role | None, Visitor]]:
    """Why: a request that reads changes nothing, so the reading half of the walk shares one
    prepared site per kind of visitor instead of preparing one per case (131 s before)."""
    opened: dict[Role | None, Visitor] = {}
    clients = []
    for role in VISITORS:
        folder = tmp_path_factory.mktemp(role.value if role else "anonymous")
        site = open_site(Settings(repo=folder / "wiki.git", database_url=f"sqlite:///{folder / 'wiki.sqlite3'}"))
        client = TestClient(create_app(site.settings, site=site), follow_redirects=False)
        clients.append(client.__enter__())
        opened[role] = visit(site, client, role)
    yield opened
    for visitor, client in zip(opened.values(), clients, strict=True):
        client.__exit__(None, None, None)
        visitor.site.close()


def check(key: tuple[str, str], role: Role | None, response: Response, *, before: object, after: object) -> None:
    action = EXPECTED[key][0]
    response_status = response.status_code
    location = response.headers.get("location", "")
    if allowed(role, action):
        # git answers 415 to a fetch that is no fetch; what matters here is that it was let through.
        # A made-up mail link is let through, and answered as unknown.
        let_through = {
            ("/signin", "POST"): 401,
            ("/wiki.git/{path:path}", "POST"): 415,
            ("/account/confirm/{token}", "GET"): 404,
            ("/password-reset/{token}", "GET"): 404,
            ("/password-reset/{token}", "POST"): 404,
            # Single sign-on is not set up on these sites (tests/test_sso.py has a provider).
            ("/signin/oidc", "GET"): 404,
            ("/signin/oidc", "POST"): 404,
            ("/signin/oidc/callback", "GET"): 404,
        }
        assert response_status < 400 or response_status == let_through.get(key), response_status
        # An entitled person sent to the sign-in page was not let through.
        assert not (response_status == 303 and location.startswith("/signin")), location
    elif action == OFF_BY_DEFAULT:
        assert response_status == 404, response_status
    else:
        assert response_status in (303, 401, 403), response_status
        if response_status == 303:
            assert location.startswith("/signin")
        assert after == before, "a denied request changed the repository or the database"


READS = sorted(key for key in EXPECTED if key[1] == "GET")
WRITES = sorted(key for key in EXPECTED if key[1] != "GET")


@pytest.mark.parametrize("role", VISITORS, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize("key", READS, ids=lambda k: f"{k[1]} {k[0]}")
def test_reading_route_answers_as_the_table_says(
    key: tuple[str, str], role: Role | None, readers: dict[Role | None, Visitor]
) -> None:
    visitor = readers[role]
    url = EXPECTED[key][1].format(**visitor.prepared)
    before = state(visitor.site)
    response = visitor.client.get(url, headers=visitor.headers if url.startswith("/api/") else {})
    check(key, role, response, before=before, after=state(visitor.site))


@pytest.mark.parametrize("role", VISITORS, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize("key", WRITES, ids=lambda k: f"{k[1]} {k[0]}")
def test_writing_route_answers_as_the_table_says(
    key: tuple[str, str], role: Role | None, client: TestClient, site: Site
) -> None:
    visitor = visit(site, client, role)
    prepared = visitor.prepared
    url = EXPECTED[key][1].format(**prepared)
    method = key[1]
    before = state(site)
    head = site.repo.head()
    page = site.pages.get(PAGE)[0]
    if url.startswith("/api/"):
        body = {
            "body": page.text + "\nextra\n",
            "base_revision": page.revision,
            "title": "T",
            "reason": "r",
            "changes": [{"path": PAGE, "body": page.text + "\nextra\n"}],
            "head_revision": prepared["head"],
            "username_or_email": "nieuwkomer",
            "kind": "all",
            "all": True,
            "frequency": "never",
            "status": "under_consideration",
            "note": "n",
        }
        response = client.request(method, url, headers=visitor.headers, json=body)
    else:
        token = csrf_from(client.get("/signin").text)
        rev = site.index.commit(head or "")
        data = {
            "csrf_token": token,
            "title": "T",
            "body": "nieuw",
            "base": page.revision,
            "name": "nieuwe-pagina",
            "revision": rev[0].revision if rev else "",
            "new_name": "nieuwe-naam",
            "display_name": "Versie 2",
            "head": prepared["head"],
            "reason": "r",
            "message": "m",
            "target": f"proposal:{prepared['pid']}",
            "support": "yes",
            "status": "under_consideration",
            "note": "n",
            "why": "w",
            "username": "nieuwkomer",
            "email": "n@example.nl",
            "username_or_email": "nieuwkomer",
            "password": PASSWORD,
            "action": "disable" if "/admin/" in url else "name",
            "outcome": "keep",
        }
        if url == "/watch":  # the whole wiki: the watch button's one target-less kind
            data.update(kind="all", target="")
        response = client.post(url, data=data)
    check(key, role, response, before=before, after=state(site))


def test_posts_without_a_form_token_change_nothing(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.MAINTAINER)
    head = site.repo.head()
    page = site.pages.get(PAGE)[0]
    for url in ["/edit/" + PAGE, "/new", "/signout"]:
        response = client.post(url, data={"title": "T", "body": "x", "base": page.revision, "name": "n"})
        assert response.status_code in (400, 403), url
    assert site.repo.head() == head
    assert client.get("/edit/" + PAGE).status_code == 200  # still signed in


# The one-click unsubscribe is authorised by the signed token in its address alone (RFC 8058).
FORM_POSTS = sorted(
    key for key in EXPECTED if key[1] == "POST" and not key[0].startswith(("/api/", "/wiki.git", "/unsubscribe/"))
)


@pytest.mark.parametrize("token_kind", ["none", "someone else's"])
@pytest.mark.parametrize("key", FORM_POSTS, ids=lambda k: k[0])
def test_form_posts_without_this_visitors_token_change_nothing(
    key: tuple[str, str], token_kind: str, client: TestClient, auth: Auth, site: Site
) -> None:
    prepared = prepare(site)
    url = EXPECTED[key][1].format(**prepared)
    with TestClient(create_app(site.settings, site=site)) as other:
        other_token = csrf_from(other.get("/signin").text)  # a valid token, but another visitor's
    auth.sign_in(Role.MAINTAINER)
    head = site.repo.head()
    proposals_before = site.repo.refs("refs/meta/proposals/")
    data = {"title": "T", "body": "nieuw", "name": "nieuwe-pagina", "new_name": "nieuwe-naam", "display_name": "V2",
            "reason": "r", "support": "yes", "username": "nieuwkomer", "password": PASSWORD, "action": "disable",
            "target": f"proposal:{prepared['pid']}", "head": prepared["head"], "revision": prepared["rev"]}  # fmt: skip
    if token_kind != "none":
        data["csrf_token"] = other_token
    response = client.post(url, data=data)
    assert response.status_code in (400, 403), response.status_code
    assert site.repo.head() == head
    assert site.repo.refs("refs/meta/proposals/") == proposals_before
