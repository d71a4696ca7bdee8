"""WIKI_SMTP_URL: the three forms it takes, refused clearly otherwise (never repeating the
password), and a relay that is not there fails with a reason an operator can act on."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.smtpserver import SmtpServer
from wiki.config import Settings
from wiki.store.smtp import SendFailed, SmtpTransport, SmtpUrl, parse_smtp_url


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("smtp://relay.example.nl", SmtpUrl("smtp", "relay.example.nl", 25, "")),
        ("smtp://relay:2525", SmtpUrl("smtp", "relay", 2525, "")),
        ("smtp://wiki%40example.nl:ge%2Fheim@relay:587", SmtpUrl("smtp", "relay", 587, "wiki@example.nl", "ge/heim")),
        ("smtps://relay.example.nl", SmtpUrl("smtps", "relay.example.nl", 465, "")),
    ],
)
def test_the_forms_of_the_smtp_url(url: str, parsed: SmtpUrl) -> None:
    assert parse_smtp_url(url) == parsed


@pytest.mark.parametrize(
    "url", ["http://relay", "smtp://", "smtp://relay:port", "smtp://user@relay:587", "smtp://relay/path", "relay:25"]
)
def test_a_wrong_smtp_url_is_refused_at_start_up(url: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="WIKI_SMTP_URL must be"):
        Settings(repo=tmp_path / "wiki.git", smtp_url=url)


def test_the_password_is_never_repeated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="WIKI_SMTP_URL") as refused:
        Settings(repo=tmp_path / "wiki.git", smtp_url="smtpx://user:geheim@relay")
    assert "geheim" not in str(refused.value)


def test_mail_is_on_only_with_a_public_address_for_its_links(tmp_path: Path) -> None:
    relay = Settings(repo=tmp_path / "wiki.git", smtp_url="smtp://relay")
    assert not relay.mail_on
    full = Settings(repo=tmp_path / "wiki.git", smtp_url="smtp://relay", public_url="https://wiki.example.nl")
    assert full.mail_on
    assert full.sender == "wiki@wiki.example.nl"  # without WIKI_MAIL_FROM
    with pytest.raises(ValueError, match="WIKI_MAIL_FROM"):
        Settings(repo=tmp_path / "wiki.git", mail_from="geen adres")


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "wiki@example.nl", "anna@example.nl", "Hallo"
    mail.set_content("Tekst.")
    return mail


def test_a_message_reaches_the_relay_and_a_relay_that_is_down_says_where(smtp_server: SmtpServer) -> None:
    transport = SmtpTransport(parse_smtp_url(smtp_server.url), timeout=5)
    transport.send(message())
    [arrived] = smtp_server.wait_for(1)
    assert (arrived["Subject"], smtp_server.handler.envelopes[0]) == ("Hallo", ("wiki@example.nl", ["anna@example.nl"]))
    smtp_server.stop()
    with pytest.raises(SendFailed, match=f"could not deliver to 127.0.0.1:{smtp_server.port}"):
        transport.send(message())


def test_a_password_is_never_sent_without_starttls(smtp_server: SmtpServer) -> None:
    url = parse_smtp_url(f"smtp://wiki:geheim@127.0.0.1:{smtp_server.port}")
    with pytest.raises(SendFailed, match="STARTTLS") as refused:
        SmtpTransport(url, timeout=5).send(message())
    assert "geheim" not in str(refused.value)
    assert smtp_server.messages == []
