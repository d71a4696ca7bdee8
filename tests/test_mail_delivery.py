"""At least once: a sender killed in the middle of a batch loses nothing and resends at most
the message in flight, with the same Message-ID.  ``queue`` and ``send_due`` serve
test_mail_instances.py too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.smtpserver import WAIT, SmtpServer
from wiki.config import Settings
from wiki.models import Role, User
from wiki.services.accounts import commit_author
from wiki.services.mailer import LEASE
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"
PUBLIC = "https://wiki.example.nl"
ROOT = Path(__file__).resolve().parent.parent


def mail_settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    """``settings`` with mail on, through ``smtp_server``."""
    return Settings(
        repo=settings.repo,
        database_url=settings.database_url,
        smtp_url=smtp_server.url,
        public_url=PUBLIC,
        mail_from="wiki@example.nl",
    )


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    """Why: mail is on, through the test's SMTP server."""
    return mail_settings(settings, smtp_server)


def queue(site: Site, readers: int, edits: int) -> set[str]:
    """``readers`` people who want every change at once, ``edits`` changes by Bert: the
    Message-IDs of the mails queued."""
    bert = site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    for number in range(readers):
        reader: User = site.accounts.add_user(f"lezer{number}", PASSWORD, Role.EDITOR, f"l{number}@example.nl")
        site.database.update_user(reader.id, mail_frequency="immediately")
        site.database.watch(reader.id, "page", PAGE)
    for number in range(edits):
        page = site.pages.get(PAGE)[0]
        site.pages.save(EditRequest(PAGE, page.text + f"\nZin {number}.\n", page.revision, "", commit_author(bert)))
    site.notifier.settle()
    return {str(row[0]) for row in site.database._rows("SELECT message_id FROM outbox")}


def send_due(settings: Settings, *extra: str) -> subprocess.Popen[str]:
    """``python -m wiki mail send-due`` as a process of its own, as an operator runs it."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WIKI_REPO": str(settings.repo),
        "WIKI_DATABASE_URL": settings.database_url,
        "WIKI_SMTP_URL": settings.smtp_url,
        "WIKI_PUBLIC_URL": settings.public_url,
        "WIKI_MAIL_FROM": settings.mail_from,
    }
    command = [sys.executable, "-m", "wiki", "mail", "send-due", *extra]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def after_the_lease() -> str:
    return datetime.fromtimestamp(time.time() + LEASE + 1, UTC).isoformat()


def test_a_sender_killed_mid_batch_loses_nothing_and_resends_at_most_one(
    site: Site, settings: Settings, smtp_server: SmtpServer
) -> None:
    queued = queue(site, readers=2, edits=2)
    assert len(queued) == 4
    holding = smtp_server.hold(2)
    sender = send_due(settings)
    assert holding.wait(WAIT), "the second mail never reached the server"
    sender.send_signal(signal.SIGKILL)  # in the middle of the batch, the 2nd mail in flight
    sender.communicate(timeout=WAIT)  # reaps it and closes its pipes
    smtp_server.release()
    assert len(smtp_server.messages) == 2

    finished(send_due(settings))  # at once: the dead sender's claims still hold
    assert len(smtp_server.messages) == 2
    assert "Sent 3" in finished(send_due(settings, "--at", after_the_lease()))

    ids = Counter(str(message["Message-ID"]) for message in smtp_server.messages)
    assert set(ids) == queued  # nothing lost
    assert sorted(ids.values()) == [1, 1, 1, 2]  # the one in flight came twice, with its own Message-ID
    assert ids[str(smtp_server.messages[1]["Message-ID"])] == 2
