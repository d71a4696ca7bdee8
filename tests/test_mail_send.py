"""Mail end to end through a real SMTP server: Anna watches a principle, Bert edits it in the
browser, Anna's mail arrives with the diff and a working link, and one click stops it."""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from tests.smtpserver import SmtpServer
from wiki.cli import main
from wiki.config import Settings
from wiki.models import Role, User
from wiki.services.accounts import commit_author
from wiki.services.discussion import page_target
from wiki.services.mailer import HOURLY_LIMIT, Mailer, backoff, open_mailer
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"
PUBLIC = "https://wiki.example.nl"


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    """Why: mail is on, through the test's SMTP server, with links on a public address."""
    return Settings(
        repo=settings.repo,
        database_url=settings.database_url,
        smtp_url=smtp_server.url,
        public_url=PUBLIC,
        mail_from="wiki@example.nl",
    )


@pytest.fixture
def mailer(site: Site) -> Mailer:
    """Why: tests drive the sender themselves, with the time they choose."""
    return open_mailer(site)


@pytest.fixture
def anna(site: Site) -> User:
    """Why: Anna watches the principle and wants to hear of every change at once."""
    user = site.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna@example.nl", "Anna")
    site.database.update_user(user.id, mail_frequency="immediately")
    site.database.watch(user.id, "page", PAGE)
    return user


def edit_on_the_web(client: TestClient, extra: str) -> None:
    response = client.get(f"/edit/{PAGE}")
    context = response.context  # type: ignore[attr-defined]
    form = {"csrf_token": csrf_from(response.text), "base": context["base"], "title": context["title"]}
    form |= {"body": context["body"] + f"\n{extra}\n", "message": "", "action": "save"}
    assert client.post(f"/edit/{PAGE}", data=form).status_code == 303


def edit(site: Site, user: User, extra: str) -> None:
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text + f"\n{extra}\n", page.revision, "", commit_author(user)))


def send(site: Site, mailer: Mailer, now: float | None = None) -> None:
    site.notifier.settle()
    mailer.send_due(time.time() if now is None else now)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def test_anna_hears_of_berts_edit_with_the_diff_and_unsubscribes_with_one_click(
    site: Site, client: TestClient, auth: Auth, anna: User, smtp_server: SmtpServer
) -> None:
    mailer = open_mailer(site)
    auth.sign_in(Role.EDITOR, "bert")
    edit_on_the_web(client, "Een zin van Bert.")
    send(site, mailer)
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "anna@example.nl"
    assert mail["From"] == "wiki@example.nl"
    assert mail["Subject"] == "Editor Een wijzigde 'Neem initiatief'"  # Anna has no language: the site's
    text, html = parts(mail)
    assert "{+Een zin van Bert.+}" in text
    assert "<ins>Een zin van Bert.</ins>" in html
    [link] = [word for word in text.split() if word.startswith(f"{PUBLIC}/change/")]
    assert client.get(link.removeprefix(PUBLIC)).status_code == 200  # the link shows the change
    assert f"{PUBLIC}/account" in text

    unsubscribe = mail["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith(f"{PUBLIC}/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe.removeprefix(PUBLIC)
    with TestClient(client.app, follow_redirects=False) as anonymous:  # a mail program: no session, no form token
        assert anonymous.get(path).status_code == 200  # a mail scanner opening it changes nothing
        assert site.database._row("SELECT mail_frequency FROM users WHERE id = ?", (anna.id,))[0] == "immediately"
        one_click = {"Content-Type": "application/x-www-form-urlencoded"}
        assert anonymous.post(path, content=b"List-Unsubscribe=One-Click", headers=one_click).status_code == 200
    assert site.database._row("SELECT mail_frequency FROM users WHERE id = ?", (anna.id,))[0] == "never"

    edit_on_the_web(client, "Nog een zin van Bert.")
    send(site, mailer)
    assert len(smtp_server.messages) == 1  # no more mail
    assert len(site.database.notifications(anna.id)) == 2  # the wiki still tells her


def test_a_bad_unsubscribe_token_says_so_and_changes_nothing(site: Site, client: TestClient, anna: User) -> None:
    good = site.mail.unsubscribe_token(anna.id)
    for token in (f"{anna.id}.{'x' * 32}", good.replace(f"{anna.id}.", f"{anna.id + 1}."), "nonsense"):
        for answer in (client.get(f"/unsubscribe/{token}"), client.post(f"/unsubscribe/{token}")):
            assert answer.status_code == 404
            assert "niet geldig" in answer.text
    assert site.database._row("SELECT mail_frequency FROM users WHERE id = ?", (anna.id,))[0] == "immediately"


def test_the_mail_is_in_the_readers_language(site: Site, anna: User, mailer: Mailer, smtp_server: SmtpServer) -> None:
    site.database.update_user(anna.id, language="en")
    bert = site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    edit(site, bert, "In English please.")
    send(site, mailer)
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == "Bert changed 'Neem initiatief'"
    assert mail["Content-Language"] == "en"
    assert "Stop all mail from the wiki" in parts(mail)[0]


def test_a_comment_shows_its_text_and_a_hidden_one_is_not_sent(
    site: Site, anna: User, mailer: Mailer, smtp_server: SmtpServer
) -> None:
    bert = site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    site.discussion.add(page_target(PAGE), bert, "Goed idee, Anna.")
    send(site, mailer)
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == "Bert reageerde op 'Neem initiatief'"
    text, _html = parts(mail)
    assert "Goed idee, Anna." in text
    assert f"{PUBLIC}/discuss/{PAGE}#comment-" in text

    comment = site.discussion.add(page_target(PAGE), bert, "Iets wat weg moet.")
    site.notifier.settle()
    site.database.hide_comment(comment, page_target(PAGE), "spam", "dora")
    send(site, mailer)
    assert len(smtp_server.messages) == 1
    assert site.database._rows("SELECT 1 FROM outbox WHERE sent IS NULL") == []  # dropped


def test_smtp_down_then_up_the_mail_waits_and_arrives_once(
    site: Site, anna: User, mailer: Mailer, smtp_server: SmtpServer
) -> None:
    bert = site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    smtp_server.stop()
    edit(site, bert, "Terwijl de mail plat ligt.")
    site.notifier.settle()
    now = time.time()
    send(site, mailer, now)
    [(attempts, error, due)] = site.database._rows("SELECT attempts, last_error, due FROM outbox WHERE sent IS NULL")
    assert attempts == 1
    assert "127.0.0.1" in error
    assert due == pytest.approx(now + backoff(1))
    smtp_server.start()
    send(site, mailer, now + 1)
    assert smtp_server.messages == []  # not yet: it waits for its retry
    send(site, mailer, now + backoff(1) + 1)
    [mail] = smtp_server.wait_for(1)
    assert "Terwijl de mail plat ligt." in parts(mail)[0]
    send(site, mailer, now + 3 * backoff(1))
    assert len(smtp_server.messages) == 1


def test_at_most_ten_mails_an_hour_the_rest_wait(
    site: Site, anna: User, mailer: Mailer, smtp_server: SmtpServer
) -> None:
    bert = site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    for number in range(HOURLY_LIMIT + 2):
        edit(site, bert, f"Zin {number}.")
    site.notifier.settle()
    now = time.time()
    send(site, mailer, now)
    assert len(smtp_server.wait_for(HOURLY_LIMIT)) == HOURLY_LIMIT
    send(site, mailer, now + 1800)
    assert len(smtp_server.messages) == HOURLY_LIMIT
    send(site, mailer, now + 3601)
    assert len(smtp_server.wait_for(HOURLY_LIMIT + 2)) == HOURLY_LIMIT + 2


def test_the_queue_for_maintainers(
    site: Site, client: TestClient, auth: Auth, anna: User, smtp_server: SmtpServer
) -> None:
    bert = site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    smtp_server.stop()
    edit(site, bert, "Een zin.")
    send(site, open_mailer(site))
    auth.sign_in(Role.MAINTAINER, "dora")
    page = client.get("/admin/mail")
    assert page.status_code == 200
    assert "Mail staat aan" in page.text
    assert "could not deliver to 127.0.0.1" in page.text
    assert page.context["status"].queue.pending == 1  # type: ignore[attr-defined]
    client.cookies.set("wiki_lang", "en")
    assert "Mail is on" in client.get("/admin/mail").text


def test_only_maintainers_see_the_queue(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.EDITOR, "bert")
    assert client.get("/admin/mail").status_code == 403


def test_a_decision_shows_its_reason(site: Site, anna: User, mailer: Mailer, smtp_server: SmtpServer) -> None:
    bert = site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    dora = site.accounts.add_user("dora", PASSWORD, Role.MAINTAINER, "dora@example.nl", "Dora")
    proposal = site.proposals.create(bert, "Voorbeeld", "Omdat.", [(PAGE, "Nieuwe tekst.\n")])
    site.database.watch(anna.id, "proposal", str(proposal.id))
    site.notifier.settle()
    site.database._write("DELETE FROM outbox")  # the mails of the proposal itself are not what this is about
    site.proposals.accept(proposal.id, dora, "Past goed bij de andere principes.", proposal.head_revision)
    send(site, mailer)
    subjects = {str(mail["Subject"]): mail for mail in smtp_server.wait_for(1)}
    mail = subjects["Dora nam het voorstel 'Voorbeeld' aan"]
    assert "Reden: Past goed bij de andere principes." in parts(mail)[0]
    assert f"{PUBLIC}/proposals/{proposal.id}" in parts(mail)[0]


def test_send_due_says_when_mail_is_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mail", "send-due", "--repo", str(tmp_path / "wiki.git"), "--database", str(tmp_path / "db")]) == 1
    assert "mail is off: set WIKI_SMTP_URL and WIKI_PUBLIC_URL" in capsys.readouterr().err
