"""Joining and one's own account: sign up, profile, password, tokens, e-mail settings,
deletion; and for maintainers the accounts list (roles, approval, disabling, password resets)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.errors import N_, BadInput, Unauthorized
from wiki.models import Role, User
from wiki.numbers import is_whole_number
from wiki.services.accounts import TOKEN_LIFETIMES
from wiki.services.email_confirmation import AddressState, SignUp
from wiki.services.permissions import Action, require
from wiki.services.sso import SignOnState
from wiki.services.watching import MailSettings
from wiki.store.notifications import FREQUENCIES
from wiki.web.errorhandling import keep_form, keeps_form
from wiki.web.forms import field, read_form
from wiki.web.i18n import current_language
from wiki.web.notices import NoticeRedirect
from wiki.web.session import SESSION_COOKIE, current_user, public_base, require_csrf, sign_in, sign_out, site_of
from wiki.web.targets import local_target
from wiki.web.templating import render

_CONFIRM_STATUS = {"confirmed": 200, "used": 410, "expired": 410, "unknown": 404}


def _me(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise Unauthorized(N_("Sign in first."))
    return user


async def signup_form(request: Request) -> Response:
    """The sign-up form (or why it is closed)."""
    mode = site_of(request).settings.signup
    context = {"mode": mode, "values": {}, "next": local_target(request.query_params.get("next"))}
    return render(request, "signup.html", context)


@keeps_form
async def signup(request: Request) -> Response:
    """Create a contributor account in the language in use (with mail on, a link to confirm the
    address goes out); sign in at once and go back where the person was, or wait for a
    maintainer's approval."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    site = site_of(request)
    target = local_target(field(form, "next"))
    values = {key: field(form, key) for key in ("username", "display_name", "email")}
    keep_form(request, "signup.html", {"mode": site.settings.signup, "values": values, "next": target})
    joining = SignUp(
        values["username"],
        values["display_name"],
        values["email"],
        field(form, "password"),
        site.settings.signup,
        current_language(),
    )
    user = await run_in_threadpool(site.confirmations.sign_up, joining, public_base(request))
    if site.settings.signup == "approval":
        return NoticeRedirect("/", "signup-pending")
    response = NoticeRedirect(target, "signed-up")
    await sign_in(request, response, user)
    return response


def _lifetime(value: str) -> int | None:
    """The days a new token is valid from the form (empty: until revoked); ``BadInput``
    for anything but one of ``TOKEN_LIFETIMES``."""
    if not value:
        return None
    if is_whole_number(value) and int(value) in TOKEN_LIFETIMES:
        return int(value)
    raise BadInput(N_("A token is valid for 30, 90 or 365 days, or until you revoke it."))


def _account_context(
    tokens: Sequence[object], new_token: str | None, address: AddressState, mail: MailSettings, sign_on: SignOnState
) -> dict[str, object]:
    return {
        "sign_on": sign_on,
        "tokens": tokens,
        "new_token": new_token,
        "address": address,
        "mail": mail,
        "frequencies": FREQUENCIES,
        "lifetimes": [days for days in TOKEN_LIFETIMES if days],
        "now": time.time(),
    }


async def account_page(request: Request) -> Response:
    """One's own account: name, password, tokens, e-mail settings, deletion."""
    user = _me(request)
    site = site_of(request)
    tokens, address, mail, sign_on = await run_in_threadpool(
        lambda: (
            site.accounts.tokens(user.username),
            site.confirmations.state(user),
            site.watching.mail_settings(user),
            site.sso.account_state(user),
        )
    )
    return render(request, "account.html", _account_context(tokens, None, address, mail, sign_on))


@keeps_form
async def account_action(request: Request) -> Response:
    """Every change to one's own account, by the form's ``action`` field."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    user = _me(request)
    site = site_of(request)
    accounts = site.accounts
    action = field(form, "action")
    keep_form(
        request,
        "account.html",
        {},
        lambda: _account_context(
            accounts.tokens(user.username),
            None,
            site.confirmations.state(user),
            site.watching.mail_settings(user),
            site.sso.account_state(user),
        ),
    )
    if action == "name":
        await run_in_threadpool(accounts.change_display_name, user, field(form, "display_name"))
        return NoticeRedirect("/account", "account-saved")
    if action == "password":
        session_id = request.cookies.get(SESSION_COOKIE, "")
        await run_in_threadpool(accounts.change_password, user, field(form, "current"), field(form, "new"), session_id)
        return NoticeRedirect("/account", "account-saved")
    if action == "token":
        days = _lifetime(field(form, "days"))
        label = field(form, "label")
        token, tokens, address, mail, sign_on = await run_in_threadpool(
            lambda: (
                accounts.create_token(user.username, label, days),
                accounts.tokens(user.username),
                site.confirmations.state(user),
                site.watching.mail_settings(user),
                site.sso.account_state(user),
            )
        )
        return render(request, "account.html", _account_context(tokens, token, address, mail, sign_on))
    if action == "confirm-email":
        await run_in_threadpool(site.confirmations.send_again, user, public_base(request))
        return NoticeRedirect("/account", "confirmation-sent")
    if action == "mail":
        frequency, auto_watch = field(form, "frequency"), field(form, "auto_watch") == "yes"
        await run_in_threadpool(site.watching.set_mail, user, frequency, auto_watch)
        return NoticeRedirect("/account", "account-saved")
    if action == "revoke" and is_whole_number(field(form, "token_id")):
        await run_in_threadpool(accounts.revoke_token, user.username, int(field(form, "token_id")))
        return NoticeRedirect("/account", "account-saved")
    if action == "delete":
        await run_in_threadpool(accounts.delete_account, user, field(form, "password"))
        response = NoticeRedirect("/", "account-deleted")
        await sign_out(request, response)
        return response
    raise BadInput(N_("Unknown action."))


async def confirm_email(request: Request) -> Response:
    """The link from the confirmation mail: the address counts as confirmed (or why not)."""
    state = await run_in_threadpool(site_of(request).confirmations.confirm, request.path_params["token"])
    response = render(request, "email_confirmed.html", {"state": state}, status=_CONFIRM_STATUS[state])
    response.headers["Cache-Control"] = "no-store"
    return response


async def admin_accounts(request: Request) -> Response:
    """Maintainers: every account, waiting ones first."""
    require(current_user(request), Action.MANAGE_ACCOUNTS)
    listing = await run_in_threadpool(site_of(request).accounts.listing)
    context = {"users": listing.users, "irregular": listing.irregular, "roles": list(Role), "password": None}
    return render(request, "admin_accounts.html", context)


async def admin_tokens(request: Request) -> Response:
    """Maintainers: one account's tokens, each with its dates and a way to revoke it."""
    require(current_user(request), Action.MANAGE_ACCOUNTS)
    accounts = site_of(request).accounts
    username = request.path_params["username"]
    account, tokens = await run_in_threadpool(accounts.account_tokens, username)
    return render(request, "admin_tokens.html", {"account": account, "tokens": tokens, "now": time.time()})


async def admin_action(request: Request) -> Response:
    """Maintainers: approve, change a role, disable or enable, reset a password (which ends
    the account's sessions and revokes its tokens), revoke one token or all."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    require(current_user(request), Action.MANAGE_ACCOUNTS)
    accounts = site_of(request).accounts
    username = request.path_params["username"]
    action = field(form, "action")
    if action == "approve":
        await run_in_threadpool(accounts.approve, username)
    elif action == "role" and field(form, "role") in {role.value for role in Role}:
        await run_in_threadpool(accounts.set_role, username, Role(field(form, "role")))
    elif action in ("disable", "enable"):
        await run_in_threadpool(lambda: accounts.set_disabled(username, disabled=action == "disable"))
    elif action == "reset":
        password, listing = await run_in_threadpool(lambda: (accounts.reset_password(username), accounts.listing()))
        context = {
            "users": listing.users,
            "irregular": listing.irregular,
            "roles": list(Role),
            "password": (username, password),
        }
        return render(request, "admin_accounts.html", context)
    elif action == "revoke-token" and is_whole_number(field(form, "token_id")):
        await run_in_threadpool(accounts.revoke_token, username, int(field(form, "token_id")))
        return NoticeRedirect(f"/admin/accounts/{quote(username)}/tokens", "account-saved")
    elif action == "revoke-tokens":
        await run_in_threadpool(accounts.revoke_all_tokens, username)
        return NoticeRedirect(f"/admin/accounts/{quote(username)}/tokens", "account-saved")
    else:
        raise BadInput(N_("Unknown action."))
    return NoticeRedirect("/admin/accounts", "account-saved")


async def privacy(request: Request) -> Response:
    """What is kept where, and what deleting an account erases."""
    return render(request, "privacy.html")


async def accessibility(request: Request) -> Response:
    """The accessibility statement."""
    return render(request, "accessibility.html")
