"""The ``wiki`` command: serve, init, and account administration."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import uvicorn
from starlette.applications import Starlette

from wiki import logs
from wiki.config import Settings
from wiki.errors import N_, WikiError
from wiki.models import Role
from wiki.services import backup
from wiki.services.accounts import TOKEN_LIFETIMES, AccountService
from wiki.services.export_build import KINDS, build
from wiki.services.gittexts import GitTexts
from wiki.services.mailer import open_mailer
from wiki.services.metrics import MULTIPROCESS
from wiki.services.site import open_repository, open_site
from wiki.store.database import open_database
from wiki.store.exportfiles import ExportFolder
from wiki.store.git.repository import GitRepository
from wiki.web import serving
from wiki.web.app import create_app
from wiki.web.export import site_templates


class SettingError(Exception):
    """A setting the operator gave is wrong: said in the settings' own (English) terms, since it
    is for whoever starts the wiki, not for its readers."""


def _settings(args: argparse.Namespace) -> Settings:
    """The settings, or a plain start-up error naming the setting that is wrong."""
    try:
        return Settings.from_env(repo=args.repo, database_url=args.database, remote=getattr(args, "remote", None))
    except ValueError as error:
        raise SettingError(str(error)) from None


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise WikiError(N_("The passwords differ."))
        return first
    return sys.stdin.readline().rstrip("\n")


def _accounts(args: argparse.Namespace) -> AccountService:
    return AccountService(open_database(_settings(args).database_url))


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the wiki with uvicorn, in ``--workers`` processes (one by default); the one that
    leads also serves ``/metrics`` on ``WIKI_METRICS_LISTEN`` when set."""
    settings = _settings(args)
    if args.workers < 1:
        raise SettingError(f"--workers must be 1 or more, not {args.workers}")
    logs.configure(settings.log_format, settings.secrets())
    # No access log unless asked for: a line per request costs more than serving a kept page.
    if args.workers > 1:
        _serve_workers(args, settings)
        return 0
    app = create_app(settings, access_log=args.access_log)
    uvicorn.Server(serving.server_config(app, args.host, args.port)).run()
    return 0


#: How ``wiki serve --workers`` tells its worker processes to write the access log.
WORKER_ACCESS_LOG = "WIKI_SERVE_ACCESS_LOG"


def _serve_workers(args: argparse.Namespace, settings: Settings) -> None:
    """Run ``args.workers`` processes on one socket (uvicorn's supervisor starts them afresh and
    replaces one that dies); each opens the site from the environment given here."""
    os.environ.update(
        {
            "WIKI_REPO": str(settings.repo),
            "WIKI_DATABASE_URL": settings.database_url,
            "WIKI_REMOTE": settings.remote,
            WORKER_ACCESS_LOG: "1" if args.access_log else "",
        }
    )
    # Each process counts on its own; in the multiprocess mode a scrape adds up every worker's.
    folder = os.environ.get(MULTIPROCESS)
    made = None if folder else tempfile.mkdtemp(prefix="wiki-metrics-")
    os.environ[MULTIPROCESS] = folder = folder or str(made)
    for stale in Path(folder).glob("*.db"):  # a previous run's values (of processes gone)
        stale.unlink()
    try:
        uvicorn.run(
            f"{__name__}:worker_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            http=serving.NoDelayH11Protocol,
            **serving.BOUNDS,
        )
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def worker_app() -> Starlette:
    """The application of one worker process of ``wiki serve --workers`` (settings from the
    environment ``_serve_workers`` set)."""
    settings = Settings.from_env()
    logs.configure(settings.log_format, settings.secrets())
    # uvicorn switched its access log off (``BOUNDS``) before this ran; ``configure`` let it in again.
    logging.getLogger("uvicorn.access").propagate = False
    return create_app(settings, access_log=os.environ.get(WORKER_ACCESS_LOG) == "1")


def cmd_init(args: argparse.Namespace) -> int:
    """Create and seed a bare repository."""
    settings = _settings(args)
    if args.path.exists():
        raise WikiError(N_("{path} exists already.", path=args.path))
    open_repository(args.path, settings.content_dir, GitTexts(settings.language)).close()
    open_database(settings.database_url).close()
    print(f"Created {args.path} with the bundled pages, and the database {settings.database_url}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the repository and the database into a new folder while the wiki serves."""
    made = backup.backup(_settings(args), args.directory)
    print(f"Backed up {made.refs} ref(s) (HEAD {made.head[:12]}) and the {made.database} database to {made.directory}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Bring a backup back into a new repository and database (stop the wiki first)."""
    restored = backup.restore(_settings(args), args.directory, force=args.force)
    print(f"Restored {restored.refs} ref(s) (HEAD {restored.head[:12]}) and the {restored.database} database.")
    return 0


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


def cmd_mail_send_due(args: argparse.Namespace) -> int:
    """Tell passed proposal deadlines, then send what the outbox holds now (digests included)
    once everything heard is recorded."""
    settings = _settings(args)
    if not settings.mail_on:
        raise SettingError("mail is off: set WIKI_SMTP_URL and WIKI_PUBLIC_URL")
    now = time.time() if args.at is None else _moment(args.at)
    site = open_site(settings)
    try:
        site.process.tell_passed_deadlines(now)
        site.notifier.settle()
        report = open_mailer(site).send_due(now)
    finally:
        site.close()
    print(
        f"Sent {report.sent}, failed {report.failed}, dropped {report.dropped}, postponed {report.postponed};"
        f" {report.digests} digest(s) queued."
    )
    for error in report.errors:
        print(f"wiki: {error}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_export_build(args: argparse.Namespace) -> int:
    """Write one download of one commit to a file, whole or not at all; what the server runs in a
    child process of lower priority (it reads the repository, never writes it)."""
    repo = GitRepository(args.repo)
    templates = site_templates(args.source) if args.kind == "site" else None
    reports = []

    def fill(out: BinaryIO) -> None:
        reports.append(build(repo, args.commit, out, templates=templates, niceness=os.nice(0)))

    try:
        ExportFolder(args.out.parent).write(args.out, fill)
    finally:
        repo.close()
    print(json.dumps(dataclasses.asdict(reports[0])))
    return 0


def _moment(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SettingError(f"--at must be a date and time such as 2026-12-07T07:00+01:00, not {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _day(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).date().isoformat()


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
