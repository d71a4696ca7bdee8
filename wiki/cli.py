"""The ``wiki`` command line: its parser, with a help text for every command, and the entry
point that runs one.  What each command does is in ``wiki.commands``, a module per kind."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wiki.commands.accounts import (
    cmd_token_create,
    cmd_token_list,
    cmd_token_revoke,
    cmd_user_add,
    cmd_user_disable,
    cmd_user_list,
    cmd_user_reset_password,
    cmd_user_role,
)
from wiki.commands.data import cmd_backup, cmd_export_build, cmd_init, cmd_restore
from wiki.commands.mail import cmd_mail_send_due
from wiki.commands.serve import cmd_serve
from wiki.commands.settings import SettingError
from wiki.errors import WikiError
from wiki.models import Role
from wiki.services.accounts import TOKEN_LIFETIMES
from wiki.services.export_build import KINDS


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, help="git repository (default: $WIKI_REPO or data/wiki.git)")
    parser.add_argument(
        "--database",
        help="database URL (default: $WIKI_DATABASE_URL or sqlite:///data/wiki.sqlite3)",
    )


def _sub(group: Any, name: str, text: str) -> argparse.ArgumentParser:
    """A subcommand whose help line and description are the same text."""
    command: argparse.ArgumentParser = group.add_parser(name, help=text, description=text)
    return command


def parser() -> argparse.ArgumentParser:
    """The command line, with a help text for every command."""
    main = argparse.ArgumentParser(prog="wiki", description="The principles wiki.")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _sub(commands, "serve", "serve the wiki over HTTP")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving on one port, for more cores; they share the repository and database (default 1)",
    )
    serve.add_argument("--remote", help="shared git remote replicas push every change to (default: $WIKI_REMOTE; none)")
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log every request: route template, status, duration, request id, account id (default: errors only)",
    )
    serve.set_defaults(run=cmd_serve)

    init = _sub(commands, "init", "create a bare repository seeded with the bundled pages (and the database)")
    init.add_argument("path", type=Path, help="where to create the repository")
    init.add_argument(
        "--database", help="database URL to create too (default: $WIKI_DATABASE_URL or sqlite:///data/wiki.sqlite3)"
    )
    init.set_defaults(run=cmd_init, repo=None)

    _backup_commands(commands)
    _user_commands(commands)
    _token_commands(commands)
    _mail_commands(commands)
    _export_commands(commands)
    return main


def _backup_commands(commands: Any) -> None:
    made = _sub(commands, "backup", "copy the repository and the database into a new folder, while the wiki serves")
    _common(made)
    made.add_argument("directory", type=Path, help="a new or empty folder for the backup")
    made.set_defaults(run=cmd_backup)
    back = _sub(commands, "restore", "bring a backup back into a new repository and database (stop the wiki first)")
    _common(back)
    back.add_argument("directory", type=Path, help="a folder 'wiki backup' wrote")
    back.add_argument(
        "--force", action="store_true", help="overwrite a repository or a database that holds data (it is lost)"
    )
    back.set_defaults(run=cmd_restore)


def _user_commands(commands: Any) -> None:
    user = _sub(commands, "user", "manage accounts")
    user_actions = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = _sub(user_actions, "add", "create an account; the password is read from standard input, or prompted")
    _common(add)
    add.add_argument("name", help="username")
    roles = [role.value for role in Role]
    add.add_argument("--role", required=True, choices=roles, help="what the account may do")
    add.add_argument("--email", help="e-mail address (never written into git)")
    add.add_argument("--display-name", help="name shown with edits and written into commits")
    add.set_defaults(run=cmd_user_add)
    role = _sub(user_actions, "role", "change an account's role (its sessions end)")
    _common(role)
    role.add_argument("name", help="username")
    role.add_argument("role", choices=roles, help="the new role")
    role.set_defaults(run=cmd_user_role)
    disable = _sub(user_actions, "disable", "disable an account, or with --enable let it in again")
    _common(disable)
    disable.add_argument("name", help="username")
    disable.add_argument("--enable", action="store_true", help="enable (and approve) the account instead")
    disable.set_defaults(run=cmd_user_disable)
    reset = _sub(user_actions, "reset-password", "print a new random password for an account")
    _common(reset)
    reset.add_argument("name", help="username")
    reset.set_defaults(run=cmd_user_reset_password)
    users = _sub(user_actions, "list", "list accounts with role and state")
    _common(users)
    users.set_defaults(run=cmd_user_list)


def _token_commands(commands: Any) -> None:
    token = _sub(commands, "token", "manage personal API tokens")
    token_actions = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = _sub(token_actions, "create", "print a new token for an account")
    _common(create)
    create.add_argument("name", help="username")
    create.add_argument("--label", help="what the token is for")
    create.add_argument(
        "--days",
        type=int,
        choices=[days for days in TOKEN_LIFETIMES if days],
        help="valid for this many days (default: until revoked)",
    )
    create.set_defaults(run=cmd_token_create)
    revoke = _sub(token_actions, "revoke", "revoke a token by id, or all of an account's tokens")
    _common(revoke)
    revoke.add_argument("name", help="username")
    revoke.add_argument("id", type=int, nargs="?", help="token id (see 'wiki token list')")
    revoke.add_argument("--all", action="store_true", help="revoke every token of the account")
    revoke.set_defaults(run=cmd_token_revoke)
    listing = _sub(token_actions, "list", "list an account's tokens")
    _common(listing)
    listing.add_argument("name", help="username")
    listing.set_defaults(run=cmd_token_list)


def _mail_commands(commands: Any) -> None:
    mail = _sub(commands, "mail", "the outbox of notification mail")
    mail_actions = mail.add_subparsers(dest="mail_command", required=True, metavar="ACTION")
    due = _sub(mail_actions, "send-due", "send what is due now, digests included, and exit")
    _common(due)
    due.add_argument("--at", help="act as if it were this time (ISO 8601, such as 2026-12-07T07:00+01:00)")
    due.set_defaults(run=cmd_mail_send_due)


def _export_commands(commands: Any) -> None:
    export = _sub(commands, "export", "the downloads of /export/")
    export_actions = export.add_subparsers(dest="export_command", required=True, metavar="ACTION")
    made = _sub(export_actions, "build", "write one download of one commit into a file (the server runs this itself)")
    made.add_argument("--repo", type=Path, required=True, help="git repository to read")
    made.add_argument("--kind", required=True, choices=KINDS, help="the Markdown files, or the static site")
    made.add_argument("--commit", required=True, help="the commit to export (its full id)")
    made.add_argument("--source", default="", help="the wiki's public address, named by the static site")
    made.add_argument("--out", type=Path, required=True, help="the file to write (replaced whole when done)")
    made.set_defaults(run=cmd_export_build)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; domain errors are printed plainly, with exit status 1."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except WikiError as error:
        print(f"wiki: {error.message}", file=sys.stderr)
        return 1
    except SettingError as error:
        print(f"wiki: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
