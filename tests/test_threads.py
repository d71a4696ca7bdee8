"""Discussions that can be followed, in the browser without JavaScript: replies shown
indented (at least three levels), editing one's own comment with its earlier versions kept
for the author and maintainers, and deleting it (a placeholder where it has replies)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.discussions import PAGE, People, post, refused
from wiki.models import Role
from wiki.services.discussion import MAX_DEPTH, Comment, page_target, proposal_target, threads
from wiki.services.site import Site


def _nesting(html: str, comment_id: int) -> int:
    """How many comment lists the comment's item sits in (1: a new thread)."""
    before = html[html.index('id="discussion"') : html.index(f'id="comment-{comment_id}"')]
    return before.count('<ol class="comments') - before.count("</ol>")


def _comment_id(location: str) -> int:
    found = re.search(r"#comment-(\d+)$", location)
    assert found, location
    return int(found.group(1))


def test_replies_nest_three_levels_and_deeper_ones_stay_at_the_last(site: Site, participants: People) -> None:
    anna, anna_browser = participants.join("anna")
    _bert, bert_browser = participants.join("bert")
    proposal = site.proposals.create(anna, "Voorstel", "", [(PAGE, "# Anders\n")])
    form = f"/proposals/{proposal.id}/comment"
    top = _comment_id(post(anna_browser, form, body="Eerste gedachte"))
    ids = [top]
    for level in range(MAX_DEPTH + 1):
        browser = bert_browser if level % 2 == 0 else anna_browser
        ids.append(_comment_id(post(browser, form, body=f"Antwoord {level}", parent=str(ids[-1]))))
    page = anna_browser.get(f"/proposals/{proposal.id}").text
    assert [_nesting(page, i) for i in ids] == [1, 2, 3, 4, 4, 4]
    # Each comment offers a reply form of its own, a plain form (no script needed).
    assert page.count('name="parent"') == len(ids)
    # The one shown below the comment it does not answer says whom it answers.
    deepest = page[page.index(f'id="comment-{ids[-1]}"') :]
    assert f'href="#comment-{ids[-2]}"' in deepest.split("</li>")[0]


def test_a_reply_on_a_page_discussion_and_its_author_is_told(site: Site, participants: People) -> None:
    anna, anna_browser = participants.join("anna")
    _bert, bert_browser = participants.join("bert")
    first = _comment_id(post(anna_browser, f"/discuss/{PAGE}", body="Hoe doen jullie dit?"))
    reply = _comment_id(post(bert_browser, f"/discuss/{PAGE}", body="Zo doen wij het.", parent=str(first)))
    page = bert_browser.get(f"/discuss/{PAGE}").text
    assert _nesting(page, reply) == 2
    site.notifier.settle()
    told = site.watching.notifications(anna)
    assert [(n.kind, n.url) for n in told] == [("reply", f"/discuss/{PAGE}#comment-{reply}")]
    assert "Bert replied to you" in anna_browser.get("/notifications", headers={"Accept-Language": "en"}).text


def test_a_parent_from_another_discussion_is_refused(site: Site, participants: People) -> None:
    anna, anna_browser = participants.join("anna")
    proposal = site.proposals.create(anna, "Voorstel", "", [(PAGE, "# Anders\n")])
    elsewhere = site.discussion.add(page_target(PAGE), anna, "Op de pagina")
    status = refused(anna_browser, f"/proposals/{proposal.id}/comment", body="Antwoord", parent=str(elsewhere))
    assert status == 400
    assert site.discussion.comments(proposal_target(proposal.id)) == []
    assert refused(anna_browser, f"/discuss/{PAGE}", body="Antwoord", parent="12abc") == 400
    assert refused(anna_browser, f"/discuss/{PAGE}", body="Antwoord", parent="99999") == 400
    assert len(site.discussion.comments(page_target(PAGE))) == 1


def test_editing_keeps_earlier_versions_for_the_author_and_maintainers_only(site: Site, participants: People) -> None:
    _anna, anna_browser = participants.join("anna")
    _bert, bert_browser = participants.join("bert")
    _mia, maintainer_browser = participants.join("mia", Role.MAINTAINER)
    comment = _comment_id(post(anna_browser, f"/discuss/{PAGE}", body="Eerste tekst"))
    assert "Eerste tekst" in anna_browser.get(f"/comments/{comment}/edit").text
    post(anna_browser, f"/comments/{comment}/edit", body="Betere tekst")
    page = bert_browser.get(f"/discuss/{PAGE}", headers={"Accept-Language": "nl"}).text
    assert "Betere tekst" in page
    assert "Eerste tekst" not in page
    assert "bewerkt" in page
    assert f"/comments/{comment}/versions" not in page  # not for others
    assert f"/comments/{comment}/versions" in anna_browser.get(f"/discuss/{PAGE}").text
    for browser in (anna_browser, maintainer_browser):
        versions = browser.get(f"/comments/{comment}/versions")
        assert versions.status_code == 200
        assert "Eerste tekst" in versions.text
        assert "Betere tekst" in versions.text
    assert bert_browser.get(f"/comments/{comment}/versions").status_code == 403
    assert participants.client().get(f"/comments/{comment}/versions").status_code in (303, 401)
    # An empty text is refused and shows the form again; nothing changes.
    assert refused(anna_browser, f"/comments/{comment}/edit", body="  ") == 400
    assert [c.body for c in site.discussion.comments(page_target(PAGE))] == ["Betere tekst"]


def test_others_cannot_edit_or_delete_a_comment(site: Site, participants: People) -> None:
    _anna, anna_browser = participants.join("anna")
    _bert, bert_browser = participants.join("bert")
    _mia, maintainer_browser = participants.join("mia", Role.MAINTAINER)
    comment = _comment_id(post(anna_browser, f"/discuss/{PAGE}", body="Van Anna"))
    for browser in (bert_browser, maintainer_browser):
        assert browser.get(f"/comments/{comment}/edit").status_code == 403
        assert refused(browser, f"/comments/{comment}/edit", body="Van een ander") == 403
        assert refused(browser, f"/comments/{comment}/delete") == 403
    assert [c.body for c in site.discussion.comments(page_target(PAGE))] == ["Van Anna"]


def test_delete_without_replies_removes_and_with_replies_leaves_a_placeholder(site: Site, participants: People) -> None:
    _anna, anna_browser = participants.join("anna")
    _bert, bert_browser = participants.join("bert")
    alone = _comment_id(post(anna_browser, f"/discuss/{PAGE}", body="Niemand antwoordt"))
    asked = _comment_id(post(anna_browser, f"/discuss/{PAGE}", body="Wie weet het?"))
    post(anna_browser, f"/comments/{asked}/edit", body="Wie weet het precies?")
    answer = _comment_id(post(bert_browser, f"/discuss/{PAGE}", body="Ik weet het", parent=str(asked)))
    post(anna_browser, f"/comments/{alone}/delete")
    post(anna_browser, f"/comments/{asked}/delete")
    shown = site.discussion.comments(page_target(PAGE))
    assert [(c.id, c.deleted, c.body) for c in shown] == [(asked, True, ""), (answer, False, "Ik weet het")]
    assert site.database.comment_versions(asked) == []  # earlier versions go with it
    page = bert_browser.get(f"/discuss/{PAGE}", headers={"Accept-Language": "nl"}).text
    assert "Verwijderd door de schrijver" in page
    assert "Wie weet het" not in page
    assert _nesting(page, answer) == 2  # the thread is kept
    # When the last reply goes too, the placeholder goes with it.
    post(bert_browser, f"/comments/{answer}/delete")
    assert site.discussion.comments(page_target(PAGE)) == []


def test_erasing_an_account_keeps_the_replies_of_others(site: Site, participants: People) -> None:
    anna, anna_browser = participants.join("anna")
    _bert, bert_browser = participants.join("bert")
    first = _comment_id(post(anna_browser, f"/discuss/{PAGE}", body="Van Anna"))
    reply = _comment_id(post(bert_browser, f"/discuss/{PAGE}", body="Van Bert", parent=str(first)))
    site.database.delete_user(anna.id)
    shown = site.discussion.comments(page_target(PAGE))
    assert [(c.id, c.parent, c.body) for c in shown] == [(reply, None, "Van Bert")]


def test_a_very_long_chain_of_replies_is_shown_at_the_last_level() -> None:
    when = datetime(2026, 12, 1, tzinfo=UTC)
    chain = [
        Comment(n, "Anna", "anna", when, "x", "<p>x</p>", False, None, parent=n - 1 if n > 1 else None)
        for n in range(1, 3001)
    ]
    shown = threads(chain)
    level = shown[0]
    for _depth in range(2, MAX_DEPTH):
        (level,) = level.replies
    last = level.replies
    assert [t.comment.id for t in last] == list(range(MAX_DEPTH, 3001))
    assert [t.reply_to.id if t.reply_to else None for t in last[:3]] == [None, MAX_DEPTH, MAX_DEPTH + 1]
