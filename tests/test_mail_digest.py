"""Digests: daily at seven and weekly on Monday at seven in the site's time zone, one mail each
with everything since the last one; the test moves time instead of waiting for it."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PASSWORD
from tests.smtpserver import SmtpServer
from wiki.config import Settings
from wiki.models import Role, User
from wiki.services.accounts import commit_author
from wiki.services.discussion import page_target
from wiki.services.mailer import DIGEST_HOUR, PERIODS, Mailer, digest_boundary, open_mailer
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"
PUBLIC = "https://wiki.example.nl"
DAY = 86400.0


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    """Why: mail is on, through the test's SMTP server."""
    return Settings(repo=settings.repo, database_url=settings.database_url, smtp_url=smtp_server.url, public_url=PUBLIC)


@pytest.fixture
def people(site: Site) -> dict[str, User]:
    """Why: Anna wants a daily digest, Cor a weekly one; both watch the principle; Bert acts."""
    made = {}
    for name, frequency in (("anna", "daily"), ("cor", "weekly"), ("bert", "never")):
        made[name] = site.accounts.add_user(name, PASSWORD, Role.EDITOR, f"{name}@example.nl", name.title())
        site.database.update_user(made[name].id, mail_frequency=frequency)
        if name != "bert":
            site.database.watch(made[name].id, "page", PAGE)
    return made


def edit(site: Site, user: User, extra: str) -> None:
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text + f"\n{extra}\n", page.revision, "", commit_author(user)))


def next_digest(period: str, after: float, zone: str) -> float:
    """The first time after ``after`` a digest of ``period`` is due."""
    return digest_boundary(period, after + PERIODS[period].total_seconds(), zone).timestamp()


def send(site: Site, mailer: Mailer, now: float) -> None:
    site.notifier.settle()
    mailer.send_due(now)


def to(server: SmtpServer, address: str) -> list[str]:
    return [str(message["Subject"]) for message in server.messages if message["To"] == address]


def test_the_boundary_is_seven_in_the_site_time_zone_and_monday_for_the_week() -> None:
    zone = "Europe/Amsterdam"
    wednesday_noon = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo(zone)).timestamp()
    assert digest_boundary("daily", wednesday_noon, zone) == datetime(2026, 12, 2, DIGEST_HOUR, tzinfo=ZoneInfo(zone))
    assert digest_boundary("weekly", wednesday_noon, zone) == datetime(2026, 11, 30, DIGEST_HOUR, tzinfo=ZoneInfo(zone))
    early = datetime(2026, 12, 2, 6, 59, tzinfo=ZoneInfo(zone)).timestamp()
    assert digest_boundary("daily", early, zone) == datetime(2026, 12, 1, DIGEST_HOUR, tzinfo=ZoneInfo(zone))


def test_a_daily_digest_tells_everything_of_the_day_in_one_mail(
    site: Site, people: dict[str, User], smtp_server: SmtpServer
) -> None:
    mailer = open_mailer(site)
    edit(site, people["bert"], "Eerste zin.")
    edit(site, people["bert"], "Tweede zin.")
    site.discussion.add(page_target(PAGE), people["bert"], "Wat vinden jullie?")
    send(site, mailer, time.time())
    assert to(smtp_server, "anna@example.nl") == []  # not before seven

    seven = next_digest("daily", time.time(), site.settings.timezone)
    send(site, mailer, seven)
    [mail] = [message for message in smtp_server.wait_for(1) if message["To"] == "anna@example.nl"]
    assert mail["Subject"] == "Uw dagelijkse overzicht van de principewiki"
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "3 meldingen" in text
    assert "== Neem initiatief ==" in text
    assert text.count("Bert wijzigde 'Neem initiatief'") == 2
    assert "Wat vinden jullie?" in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    key = f"digest:daily:{datetime.fromtimestamp(seven, ZoneInfo(site.settings.timezone)).date().isoformat()}"
    assert site.database._rows("SELECT key FROM outbox WHERE user_id = ?", (people["anna"].id,)) == [(key,)]
    assert all(n.mailed for n in site.database.notifications(people["anna"].id))

    send(site, mailer, seven + 60)
    send(site, mailer, seven + DAY)  # nothing new: no mail
    assert len(to(smtp_server, "anna@example.nl")) == 1
    edit(site, people["bert"], "Derde zin.")
    send(site, mailer, seven + 2 * DAY)
    assert len(to(smtp_server, "anna@example.nl")) == 2
    last = [message for message in smtp_server.messages if message["To"] == "anna@example.nl"][-1]
    assert "\n1 melding\r\n" in str(last.get_body(("plain",)).get_content())  # type: ignore[union-attr]


def test_a_weekly_digest_comes_on_monday(site: Site, people: dict[str, User], smtp_server: SmtpServer) -> None:
    mailer = open_mailer(site)
    edit(site, people["bert"], "Een zin voor de week.")
    monday = next_digest("weekly", time.time(), site.settings.timezone)
    assert datetime.fromtimestamp(monday, ZoneInfo(site.settings.timezone)).weekday() == 0
    send(site, mailer, monday - 60)
    assert to(smtp_server, "cor@example.nl") == []
    send(site, mailer, monday)
    smtp_server.wait_for(1)
    assert to(smtp_server, "cor@example.nl") == ["Uw wekelijkse overzicht van de principewiki"]
    send(site, mailer, monday + DAY)
    assert len(to(smtp_server, "cor@example.nl")) == 1


def test_a_comment_hidden_before_the_digest_is_left_out(
    site: Site, people: dict[str, User], smtp_server: SmtpServer
) -> None:
    mailer = open_mailer(site)
    comment = site.discussion.add(page_target(PAGE), people["bert"], "Koop nu goedkope horloges")
    site.notifier.settle()
    site.database.hide_comment(comment, page_target(PAGE), "spam", "dora")
    seven = next_digest("daily", time.time(), site.settings.timezone)
    send(site, mailer, seven)
    assert to(smtp_server, "anna@example.nl") == []  # the digest had nothing left to tell
    assert site.database._rows("SELECT 1 FROM outbox WHERE sent IS NULL") == []
