"""Moderation in the open: hiding needs a reason and leaves a placeholder with it, maintainers
restore, ``/moderation`` logs every step without the hidden text, and the author may ask once
for a second look, answered by another maintainer (or, with only one, saying so)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.discussions import PAGE, People, post, refused
from wiki.models import Role, User
from wiki.services.discussion import page_target
from wiki.services.site import Site

SECRET = "Bel mij op 06-12345678"


def _hidden_comment(site: Site, participants: People) -> tuple[User, TestClient, int]:
    anna, anna_browser = participants.join("anna")
    location = post(anna_browser, f"/discuss/{PAGE}", body=SECRET)
    comment = int(re.sub(r".*#comment-", "", location))
    return anna, anna_browser, comment


def _log(client: TestClient) -> str:
    page = client.get("/moderation", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    return page.text


def test_hiding_needs_a_reason_and_leaves_a_placeholder_with_it(site: Site, participants: People) -> None:
    _anna, anna_browser, comment = _hidden_comment(site, participants)
    _mia, mia = participants.join("mia", Role.MAINTAINER)
    assert refused(mia, f"/comments/{comment}/hide", target=page_target(PAGE), reason="   ") == 400
    assert SECRET in anna_browser.get(f"/discuss/{PAGE}").text
    post(mia, f"/comments/{comment}/hide", target=page_target(PAGE), reason="Telefoonnummer")
    page = participants.client().get(f"/discuss/{PAGE}", headers={"Accept-Language": "en"}).text
    assert "hidden by a maintainer. Reason: Telefoonnummer" in page
    assert SECRET not in page


def test_maintainers_restore_and_the_public_log_never_shows_the_text(site: Site, participants: People) -> None:
    _anna, anna_browser, comment = _hidden_comment(site, participants)
    _mia, mia = participants.join("mia", Role.MAINTAINER)
    post(mia, f"/comments/{comment}/hide", target=page_target(PAGE), reason="Telefoonnummer")
    assert refused(anna_browser, f"/comments/{comment}/restore", reason="Mag wel") == 403
    post(mia, f"/comments/{comment}/restore", reason="Nummer was van de gemeente")
    assert SECRET in participants.client().get(f"/discuss/{PAGE}").text
    assert refused(mia, f"/comments/{comment}/restore", reason="Nog eens") == 400  # not hidden now
    log = _log(participants.client())  # anyone may read it
    assert "Mia hid a comment" in log
    assert "Mia showed a comment again" in log
    assert "Reason: Telefoonnummer" in log
    assert "Reason: Nummer was van de gemeente" in log
    assert f'href="/discuss/{PAGE}#comment-{comment}"' in log
    assert SECRET not in log
    assert log.index("showed a comment again") < log.index("hid a comment")  # newest first


def test_a_second_look_once_answered_by_another_maintainer(site: Site, participants: People) -> None:
    anna, anna_browser, comment = _hidden_comment(site, participants)
    _mia, mia = participants.join("mia", Role.MAINTAINER)
    _olaf, olaf = participants.join("olaf", Role.MAINTAINER)
    _bert, bert_browser = participants.join("bert")
    post(mia, f"/comments/{comment}/hide", target=page_target(PAGE), reason="Telefoonnummer")
    assert refused(bert_browser, f"/comments/{comment}/second-look", note="Ik vind het goed") == 403
    post(anna_browser, f"/comments/{comment}/second-look", note="Het is het nummer van het loket")
    assert refused(anna_browser, f"/comments/{comment}/second-look", note="Nog een keer") == 400  # once
    # The one who hid it cannot answer; another maintainer can.
    assert "You hid this comment" in _log(mia)
    assert refused(mia, f"/comments/{comment}/second-look/answer", outcome="keep", reason="Blijft") == 403
    assert f"/comments/{comment}/second-look/answer" in _log(olaf)
    assert refused(olaf, f"/comments/{comment}/second-look/answer", outcome="maybe", reason="Hm") == 400
    post(olaf, f"/comments/{comment}/second-look/answer", outcome="restore", reason="Het loket mag je bellen")
    assert SECRET in participants.client().get(f"/discuss/{PAGE}").text
    assert refused(olaf, f"/comments/{comment}/second-look/answer", outcome="keep", reason="Toch niet") == 400
    log = _log(participants.client())
    assert "Anna, who wrote it, asked for a second look" in log
    assert "Reason: Het is het nummer van het loket" in log
    assert "Olaf gave a second look and showed the comment again" in log
    assert "Reason: Het loket mag je bellen" in log
    assert "no other maintainer" not in log
    site.notifier.settle()
    told = site.watching.notifications(anna)
    assert [(n.kind, n.url) for n in told] == [("second_look_answered", "/moderation")]


def test_with_one_maintainer_the_answer_says_there_is_no_other(site: Site, participants: People) -> None:
    _anna, anna_browser, comment = _hidden_comment(site, participants)
    _mia, mia = participants.join("mia", Role.MAINTAINER)
    post(mia, f"/comments/{comment}/hide", target=page_target(PAGE), reason="Telefoonnummer")
    post(anna_browser, f"/comments/{comment}/second-look", note="Graag nog eens kijken")
    assert "only one maintainer" in _log(participants.client())
    post(mia, f"/comments/{comment}/second-look/answer", outcome="keep", reason="Nummers horen hier niet")
    assert SECRET not in participants.client().get(f"/discuss/{PAGE}").text
    log = _log(participants.client())
    assert "Mia gave a second look and kept the comment hidden" in log
    assert "There is no other maintainer, so the maintainer who hid it answered." in log
    assert SECRET not in log
