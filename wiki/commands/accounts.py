"""``wiki user`` and ``wiki token``: accounts and their personal API tokens, administered from
the shell by an operator who need not sign in.  Together because both need only the
database's account service."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from wiki.commands.settings import settings_of
from wiki.errors import N_, WikiError
from wiki.models import Role
from wiki.services.accounts import AccountService
from wiki.store.database import open_database


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise WikiError(N_("The passwords differ."))
        return first
    return sys.stdin.readline().rstrip("\n")


def _accounts(args: argparse.Namespace) -> AccountService:
    return AccountService(open_database(settings_of(args).database_url))


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create an account; the password comes from standard input or a prompt."""
    password = _read_password(f"Password for {args.name}: ")
    user = _accounts(args).add_user(
        args.name,
        password,
        Role(args.role),
        email=args.email or "",
        display_name=args.display_name or "",
    )
    print(f"Created {user.username} ({user.role.value}).")
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    """Change an account's role; its sessions end so the change applies at once."""
    user = _accounts(args).set_role(args.name, Role(args.role))
    print(f"{user.username} is now {user.role.value}.")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    """Disable an account (its sessions end), or enable it again."""
    accounts = _accounts(args)
    accounts.set_disabled(args.name, disabled=not args.enable)
    if args.enable:
        accounts.approve(args.name)
    print(f"{args.name} is {'enabled' if args.enable else 'disabled'}.")
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    """Print a new random password for an account; its sessions end."""
    print(_accounts(args).reset_password(args.name))
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    """List accounts with their roles and state."""
    for user, waiting in _accounts(args).users():
        state = "waiting" if waiting else "disabled" if user.disabled else "active"
        print(f"{user.username}\t{user.role.value}\t{state}\t{user.display_name}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    """Print a new personal API token."""
    print(_accounts(args).create_token(args.name, args.label or "", args.days))
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Revoke a token by its id (``wiki token list`` shows them), or all of an account's tokens."""
    accounts = _accounts(args)
    if args.all:
        count = accounts.revoke_all_tokens(args.name)
    elif args.id is not None:
        accounts.revoke_token(args.name, args.id)
        count = 1
    else:
        raise WikiError(N_("Give a token id or --all."))
    print(f"Revoked {count} token(s) of {args.name}.")
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    """List an account's tokens (never the tokens themselves)."""
    for row in _accounts(args).tokens(args.name):
        expires = "never expires" if row.expires is None else f"expires {_day(row.expires)}"
        used = "never used" if row.last_used is None else f"last used {_day(row.last_used)}"
        print(f"{row.id}\t{row.label}\t{expires}\t{used}")
    return 0


def _day(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).date().isoformat()
