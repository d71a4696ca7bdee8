"""Two instances on one PostgreSQL database send the outbox together, and each mail goes out
once: claims are taken ``FOR UPDATE SKIP LOCKED`` with a lease."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.smtpserver import WAIT, SmtpServer
from tests.test_mail_delivery import finished, mail_settings, queue, send_due
from wiki.config import Settings
from wiki.services.mailer import BATCH, LEASE
from wiki.services.site import Site
from wiki.store.database import open_database


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """Why: the instances share one PostgreSQL database."""
    return postgres_url


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    """Why: mail is on, through the test's SMTP server."""
    return mail_settings(settings, smtp_server)


def test_two_instances_on_postgresql_send_each_mail_once(
    site: Site, settings: Settings, smtp_server: SmtpServer
) -> None:
    queued = queue(site, readers=3, edits=4)
    assert len(queued) == 12 > BATCH
    holding = smtp_server.hold(1)
    first = send_due(settings)  # claims a batch, and hangs on its first mail
    assert holding.wait(WAIT)
    # meanwhile a second instance sends what the first did not claim
    assert f"Sent {12 - BATCH}," in finished(send_due(settings))
    smtp_server.release()
    assert f"Sent {BATCH}," in finished(first)
    ids = Counter(str(message["Message-ID"]) for message in smtp_server.wait_for(12))
    assert set(ids) == queued
    assert set(ids.values()) == {1}


def test_claims_racing_on_postgresql_take_each_row_once(site: Site, settings: Settings) -> None:
    queued = queue(site, readers=4, edits=5)
    databases = [open_database(settings.database_url) for _ in range(2)]
    start = threading.Barrier(len(databases))
    taken: list[list[int]] = [[] for _ in databases]

    def claim(number: int) -> None:
        start.wait()
        while rows := databases[number].claim_due(f"instance-{number}-{len(taken[number])}", time.time(), LEASE, 1):
            taken[number].extend(row.id for row in rows)

    threads = [threading.Thread(target=claim, args=(number,)) for number in range(len(databases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for database in databases:
        database.close()
    everything = taken[0] + taken[1]
    assert len(everything) == len(set(everything)) == len(queued)
    assert all(taken)  # both took part
