"""``wiki mail send-due``: send what is due now and exit, without a server (``wiki serve``
sends in the background by itself); a command of its own as it opens the whole site."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from wiki.commands.settings import SettingError, settings_of
from wiki.services.mailer import open_mailer
from wiki.services.site import open_site


def cmd_mail_send_due(args: argparse.Namespace) -> int:
    """Tell passed proposal deadlines, then send what the outbox holds now (digests included)
    once everything heard is recorded."""
    settings = settings_of(args)
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


def _moment(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SettingError(f"--at must be a date and time such as 2026-12-07T07:00+01:00, not {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
