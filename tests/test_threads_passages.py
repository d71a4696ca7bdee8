"""Threads and passages together: a reply under a comment on a passage, and a reply that is
on a passage of its own, shown nested with their quotes, kept by the paragraph filter, and
given by the API with both ``parent`` and ``anchor``, on a page and on a proposal alike."""

from __future__ import annotations

from tests.discussions import People, post
from wiki.models import Role
from wiki.services.site import Site

PAGE = "ga-voor-oplossingen-en-resultaten"
QUOTE = "Er kan vaak meer dan je eerst denkt."
OTHER = "Die kansen"


def _fields(site: Site, exact: str) -> dict[str, str]:
    """The anchor fields the comment form sends for words selected in PAGE's text."""
    page = site.pages.get(PAGE)[0]
    return {"anchor-revision": page.revision, "anchor-path": page.path, "anchor-exact": exact}


def _posted(location: str) -> int:
    """The comment a redirect after posting points to (``...#comment-N``)."""
    return int(location.rpartition("#comment-")[2])


def _nested(html: str, parent: int, reply: int) -> bool:
    """True when ``reply`` is shown in the list of replies under ``parent``."""
    start = html.index(f'<li id="comment-{parent}">')
    return start < html.index('<ol class="comments replies">', start) < html.index(f'<li id="comment-{reply}">')


def test_replies_on_a_passage_comment_show_in_the_page_discussion_and_its_api(site: Site, participants: People) -> None:
    _anna, anna = participants.join("anna")
    _bert, bert = participants.join("bert")
    url = f"/discuss/{PAGE}"
    top = _posted(post(anna, url, body="Klopt dit wel?", **_fields(site, QUOTE)))
    plain = _posted(post(bert, url, body="Ja, dat klopt.", parent=str(top)))
    own = _posted(post(bert, url, body="En hier dan?", parent=str(top), **_fields(site, OTHER)))
    whole = _posted(post(bert, url, body="Over de hele tekst."))

    shown = anna.get(url).text
    assert _nested(shown, top, plain)
    assert _nested(shown, top, own)
    assert f'<a href="#passage-{top}">Over deze passage</a>' in shown  # the passage comment's quote
    assert f'<a href="#passage-{own}">Over deze passage</a>' in shown  # the reply's own passage
    assert f'<a href="#passage-{plain}">' not in shown  # a plain reply has none
    assert f'<q lang="nl">{QUOTE}</q>' in shown
    assert f'<q lang="nl">{OTHER}</q>' in shown
    assert f'<mark class="passage">{QUOTE}</mark>' in shown
    assert f'<mark class="passage">{OTHER}</mark>' in shown

    # The paragraph filter keeps the replies under the comment on that paragraph.
    paragraph = anna.get(url).context["passages"][top].paragraph  # type: ignore[attr-defined]
    filtered = anna.get(f"{url}?paragraph={paragraph}").context["comments"]  # type: ignore[attr-defined]
    assert {top, plain} <= {c.id for c in filtered}
    assert whole not in {c.id for c in filtered}

    comments = {c["id"]: c for c in anna.get(f"/api/discussions/{PAGE}/comments").json()["comments"]}
    assert (comments[top]["parent"], comments[top]["anchor"]["exact"]) == (None, QUOTE)
    assert comments[top]["anchor"]["orphaned"] is False
    assert (comments[plain]["parent"], comments[plain]["anchor"]) == (top, None)
    assert (comments[own]["parent"], comments[own]["anchor"]["exact"]) == (top, OTHER)


def test_a_reply_with_a_passage_through_the_proposal_api_shows_on_the_proposal(
    site: Site, participants: People
) -> None:
    author, _client = participants.join("auteur")
    participants.join("bert", Role.CONTRIBUTOR)
    body = "Eerste alinea over samen werken.\n\nTweede alinea over goed luisteren.\n"
    proposal = site.proposals.create(author, "Samen", "", [("samen-werken", body)])
    base = f"/api/proposals/{proposal.id}/comments"
    client = participants.client()
    anchor = {"revision": proposal.head_revision, "path": "samen-werken", "exact": "samen werken"}
    top = client.post(base, headers=participants.token("auteur"), json={"body": "Hoe?", "anchor": anchor})
    assert top.status_code == 201
    later = {**anchor, "exact": "goed luisteren"}
    reply = client.post(
        base, headers=participants.token("bert"), json={"body": "Zo.", "parent": top.json()["id"], "anchor": later}
    )
    assert reply.status_code == 201
    top_id, reply_id = top.json()["id"], reply.json()["id"]

    comments = client.get(f"/api/proposals/{proposal.id}").json()["comments"]
    assert [(c["id"], c["parent"], c["anchor"]["exact"]) for c in comments] == [
        (top_id, None, "samen werken"),
        (reply_id, top_id, "goed luisteren"),
    ]
    assert not any(c["anchor"]["orphaned"] for c in comments)

    shown = client.get(f"/proposals/{proposal.id}").text
    assert _nested(shown, top_id, reply_id)
    assert f'<a href="#passage-{reply_id}">Over deze passage</a>' in shown
    assert '<q lang="nl">goed luisteren</q>' in shown
