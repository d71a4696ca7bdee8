"""Every address the wiki answers: the routing table, and the small views of the probes and
security.txt that belong to no room of their own."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from wiki.services.history import iso_utc
from wiki.web import (
    account,
    accounts,
    actions,
    api,
    api_comments,
    api_proposals,
    api_suggestions,
    discussion,
    export,
    feeds,
    find,
    history,
    hooks,
    mail,
    metrics,
    moderation,
    notifications,
    openapi,
    pages,
    password_reset,
    people,
    proposal_revisions,
    proposals,
    sso,
    suggestions,
    watching,
    why,
)
from wiki.web.session import public_base, site_of
from wiki.web.static import STATIC, favicon


async def healthz(request: Request) -> Response:
    """200 when the repository and the database answer; ``warm`` once every page is kept for
    readers after start-up (until then first views are rendered on demand)."""
    site = site_of(request)
    healthy = await run_in_threadpool(site.healthy)
    warming = getattr(request.state, "warming", None)
    warm = warming is None or warming.done()
    return JSONResponse({"ok": healthy, "warm": warm}, status_code=200 if healthy else 503)


async def readyz(request: Request) -> Response:
    """Whether this instance should get traffic: the repository, the page index (caught up with
    the branch) and the database, each with its state; 503 when one is not fine.  The shared
    remote is shown but never makes it 503 (reads go on while it is away: docs/deploy.md)."""
    site = site_of(request)
    readiness = await run_in_threadpool(site.health.readiness)
    body: dict[str, Any] = {
        "ready": readiness.ready,
        "parts": {
            part.name: {"ok": part.ok, **({"detail": part.detail} if part.detail else {})} for part in readiness.parts
        },
        # Which process answered, and whether it runs what runs once (``wiki serve --workers``).
        "worker": {"pid": os.getpid(), "leads": site.leadership.held},
    }
    if readiness.remote is not None:
        remote = readiness.remote
        body["remote"] = {"seconds_since_sync": remote.seconds_since_sync, "commits_behind": remote.commits_behind}
    return JSONResponse(body, status_code=200 if readiness.ready else 503, headers={"Cache-Control": "no-store"})


async def security_txt(request: Request) -> Response:
    """RFC 9116: where to report a security problem."""
    settings = site_of(request).settings
    expires = iso_utc(datetime.now(UTC) + timedelta(days=180))
    base = public_base(request)
    text = (
        f"Contact: {settings.security_contact}\nExpires: {expires}\nPreferred-Languages: nl, en\n"
        f"Canonical: {base}/.well-known/security.txt\n"
    )
    return PlainTextResponse(text)


ROUTES = [
    Route("/", pages.home),
    Route("/p/{name:path}", pages.view),
    Route("/source/{name:path}", history.source),
    Route("/history/{name:path}", history.page_history),
    Route("/compare/{name:path}", history.compare),
    Route("/blame/{name:path}", history.blame),
    Route("/why/{name:path}", why.why_page),
    Route("/changes", history.recent_changes),
    Route("/change/{revision}", history.change),
    Route("/deleted", history.deleted),
    Route("/versions", history.versions, methods=["GET"]),
    Route("/versions", actions.name_version, methods=["POST"]),
    Route("/versions/{tag}", history.since_version),
    Route("/restore/{name:path}", actions.restore, methods=["POST"]),
    Route("/undo/{name:path}", actions.undo_form, methods=["GET"]),
    Route("/undo/{name:path}", actions.undo, methods=["POST"]),
    Route("/rename/{name:path}", actions.rename_form, methods=["GET"]),
    Route("/rename/{name:path}", actions.rename, methods=["POST"]),
    Route("/delete/{name:path}", actions.delete_form, methods=["GET"]),
    Route("/delete/{name:path}", actions.delete, methods=["POST"]),
    Route("/undelete/{name:path}", actions.undelete, methods=["POST"]),
    Route("/proposals", proposals.listing),
    Route("/proposals/new", proposals.new_principle_form, methods=["GET"]),
    Route("/proposals/new", proposals.new_principle, methods=["POST"]),
    Route("/proposals/{id}", proposals.show),
    Route("/proposals/{id}/revisions/{revision}", proposal_revisions.show, methods=["GET"]),
    Route("/proposals/{id}/revise", proposals.revise_form, methods=["GET"]),
    Route("/proposals/{id}/revise", proposals.revise, methods=["POST"]),
    Route("/proposals/{id}/update", proposals.update_form, methods=["GET"]),
    Route("/proposals/{id}/update", proposals.update, methods=["POST"]),
    Route("/proposals/{id}/comment", proposals.comment, methods=["POST"]),
    Route("/proposals/{id}/support", proposals.support, methods=["POST"]),
    Route("/proposals/{id}/accept", proposals.accept, methods=["POST"]),
    Route("/proposals/{id}/decline", proposals.decline, methods=["POST"]),
    Route("/proposals/{id}/withdraw", proposals.withdraw, methods=["POST"]),
    Route("/proposals/{id}/status", proposals.set_status, methods=["POST"]),
    Route("/proposals/{id}/suggest", suggestions.suggest_form, methods=["GET"]),
    Route("/proposals/{id}/suggest", suggestions.suggest, methods=["POST"]),
    Route("/proposals/{id}/suggestions/{n}/accept", suggestions.take_over, methods=["POST"]),
    Route("/proposals/{id}/suggestions/{n}/decline", suggestions.decline, methods=["POST"]),
    Route("/proposals/{id}/suggestions/{n}/hide", suggestions.hide, methods=["POST"]),
    Route("/proposals/{id}/suggestions/{n}/merge", suggestions.merge_form, methods=["GET"]),
    Route("/proposals/{id}/suggestions/{n}/merge", suggestions.merge, methods=["POST"]),
    Route("/propose/{name:path}", proposals.change_form, methods=["GET"]),
    Route("/propose/{name:path}", proposals.propose_change, methods=["POST"]),
    Route("/discuss/{name:path}", discussion.page_discussion, methods=["GET"]),
    Route("/discuss/{name:path}", discussion.page_comment, methods=["POST"]),
    Route("/comments/{comment}/hide", discussion.hide_comment, methods=["POST"]),
    Route("/comments/{comment}/edit", discussion.edit_form, methods=["GET"]),
    Route("/comments/{comment}/edit", discussion.edit, methods=["POST"]),
    Route("/comments/{comment}/delete", discussion.delete, methods=["POST"]),
    Route("/comments/{comment}/versions", discussion.versions, methods=["GET"]),
    Route("/comments/{comment}/restore", moderation.restore, methods=["POST"]),
    Route("/comments/{comment}/second-look", moderation.ask_second_look, methods=["POST"]),
    Route("/comments/{comment}/second-look/answer", moderation.answer_second_look, methods=["POST"]),
    Route("/moderation", moderation.moderation_log, methods=["GET"]),
    Route("/signup", account.signup_form, methods=["GET"]),
    Route("/signup", account.signup, methods=["POST"]),
    Route("/account/contributions", people.my_contributions),
    Route("/people/{username}", people.person),
    Route("/account", account.account_page, methods=["GET"]),
    Route("/account", account.account_action, methods=["POST"]),
    Route("/account/confirm/{token}", account.confirm_email, methods=["GET"]),
    Route("/password-reset", password_reset.reset_form, methods=["GET"]),
    Route("/password-reset", password_reset.reset_request, methods=["POST"]),
    Route("/password-reset/{token}", password_reset.reset_link, methods=["GET"]),
    Route("/password-reset/{token}", password_reset.reset_submit, methods=["POST"]),
    Route("/account/watching", watching.watching_page, methods=["GET"]),
    Route("/watch", watching.watch_button, methods=["POST"]),
    Route("/notifications", notifications.notifications_page, methods=["GET"]),
    Route("/notifications/read", notifications.mark_read, methods=["POST"]),
    Route("/admin/accounts", account.admin_accounts, methods=["GET"]),
    Route("/admin/accounts/{username}", account.admin_action, methods=["POST"]),
    Route("/admin/accounts/{username}/tokens", account.admin_tokens, methods=["GET"]),
    Route("/admin/mail", mail.admin_mail, methods=["GET"]),
    Route("/admin/proposals/overdue", proposals.overdue, methods=["GET"]),
    Route("/unsubscribe/{token}", mail.unsubscribe_form, methods=["GET"]),
    Route("/unsubscribe/{token}", mail.unsubscribe, methods=["POST"]),
    Route("/privacy", account.privacy),
    Route("/accessibility", account.accessibility),
    Route("/atom/proposals", feeds.proposals_feed),
    Route("/search", find.search_page),
    Route("/links/broken", find.broken_links),
    Route("/poster", find.poster),
    Route("/all", find.all_in_one),
    Route("/open-data", find.open_data),
    Route("/open-data/discussion.json", find.discussion_json),
    Route("/open-data/discussion.csv", find.discussion_csv),
    Route("/export/markdown.zip", export.markdown_zip),
    Route("/export/site.zip", export.site_zip),
    Route("/wiki.git/{path:path}", export.git_http, methods=["GET", "POST"]),
    Route("/atom/changes", feeds.wiki_feed),
    Route("/atom/p/{name:path}", feeds.page_feed),
    Route("/edit/{name:path}", pages.edit_form, methods=["GET"]),
    Route("/edit/{name:path}", pages.edit_submit, methods=["POST"]),
    Route("/preview", pages.preview, methods=["POST"]),
    Route("/drafts/{name:path}", pages.draft, methods=["POST"]),
    Route("/new", pages.new_form, methods=["GET"]),
    Route("/new", pages.edit_submit, methods=["POST"]),
    Route("/signin", accounts.signin_form, methods=["GET"]),
    Route("/signin", accounts.signin_submit, methods=["POST"]),
    Route("/signout", accounts.signout, methods=["POST"]),
    Route("/signin/oidc", sso.start, methods=["GET"]),
    Route("/signin/oidc", sso.start_for_account, methods=["POST"]),
    Route("/signin/oidc/callback", sso.callback, methods=["GET"]),
    Route("/lang/{language}", accounts.choose_language),
    Route("/healthz", healthz),
    Route("/readyz", readyz),
    Route("/metrics", metrics.metrics),
    Route("/.well-known/security.txt", security_txt),
    Route("/favicon.ico", favicon),
    Route("/api/pages", api.list_pages),
    Route("/api/pages/{name:path}", api.get_page, methods=["GET"]),
    Route("/api/pages/{name:path}", api.put_page, methods=["PUT"]),
    Route("/api/history/{name:path}", api.page_history),
    Route("/api/changes", api.changes),
    Route("/api/why/{name:path}", why.why_api),
    Route("/api/search", find.search_api),
    Route("/api/proposals", api_proposals.listing, methods=["GET"]),
    Route("/api/proposals", api_proposals.create, methods=["POST"]),
    Route("/api/proposals/{id}", api_proposals.show, methods=["GET"]),
    Route("/api/proposals/{id}", api_proposals.revise, methods=["PUT"]),
    Route("/api/proposals/{id}/comments", api_comments.add, methods=["POST"]),
    Route("/api/proposals/{id}/comments/{comment}", api_comments.change, methods=["PATCH"]),
    Route("/api/proposals/{id}/comments/{comment}", api_comments.delete, methods=["DELETE"]),
    Route("/api/proposals/{id}/comments/{comment}/hide", api_proposals.hide_comment, methods=["POST"]),
    Route("/api/proposals/{id}/comments/{comment}/restore", api_comments.restore, methods=["POST"]),
    Route("/api/discussions/{path:path}/comments", api_comments.listing, methods=["GET"]),
    Route("/api/discussions/{path:path}/comments", api_comments.add, methods=["POST"]),
    Route("/api/discussions/{path:path}/comments/{comment}", api_comments.change, methods=["PATCH"]),
    Route("/api/discussions/{path:path}/comments/{comment}", api_comments.delete, methods=["DELETE"]),
    Route("/api/discussions/{path:path}/comments/{comment}/hide", api_comments.hide, methods=["POST"]),
    Route("/api/discussions/{path:path}/comments/{comment}/restore", api_comments.restore, methods=["POST"]),
    Route("/api/proposals/{id}/support", api_proposals.support, methods=["POST", "DELETE"]),
    Route("/api/proposals/{id}/accept", api_proposals.accept, methods=["POST"]),
    Route("/api/proposals/{id}/decline", api_proposals.decline, methods=["POST"]),
    Route("/api/proposals/{id}/withdraw", api_proposals.withdraw, methods=["POST"]),
    Route("/api/proposals/{id}/status", api_proposals.set_status, methods=["POST"]),
    Route("/api/proposals/{id}/suggestions", api_suggestions.listing, methods=["GET"]),
    Route("/api/proposals/{id}/suggestions", api_suggestions.create, methods=["POST"]),
    Route("/api/proposals/{id}/suggestions/{n}/accept", api_suggestions.accept, methods=["POST"]),
    Route("/api/proposals/{id}/suggestions/{n}/decline", api_suggestions.decline, methods=["POST"]),
    Route("/api/watch", watching.api_watches, methods=["GET"]),
    Route("/api/watch", watching.api_watch, methods=["PUT", "DELETE"]),
    Route("/api/notifications", notifications.api_notifications, methods=["GET"]),
    Route("/api/notifications/read", notifications.api_mark_read, methods=["POST"]),
    Route("/api/account/mail", watching.api_mail, methods=["PUT"]),
    Route("/api/hooks/git", hooks.git_hook, methods=["POST"]),
    Route("/api/password-reset", password_reset.api_reset, methods=["POST"]),
    Route("/api/openapi.json", openapi.openapi_json, methods=["GET"]),
    Mount("/static", STATIC, name="static"),
]
