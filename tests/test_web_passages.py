"""Comments on a passage over HTTP: on a page's discussion and on a proposal's text, the
highlight, re-anchoring after an edit, orphaned after the passage goes, the paragraph filter,
the paragraph link without a script, and the API's shapes."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.web.api_comments import anchor_json

PAGE = "ga-voor-oplossingen-en-resultaten"
QUOTE = "Er kan vaak meer dan je eerst denkt."
AUTHOR = Author("A", "a@users.wiki.invalid")


def hidden_fields(html: str) -> dict[str, str]:
    """The anchor fields of the comment form, as the browser would send them."""
    return {name: unescape(value) for name, value in re.findall(r'name="(anchor-[a-z]+)" value="([^"]*)"', html)}


def comment_on_page(client: TestClient, anchor: dict[str, str], body: str = "Klopt dit wel?") -> int:
    page = client.get(f"/discuss/{PAGE}")
    response = client.post(f"/discuss/{PAGE}", data={"csrf_token": csrf_from(page.text), "body": body, **anchor})
    assert response.status_code == 303, response.text[:1000]
    return int(max(c.id for c in client.get(f"/discuss/{PAGE}").context["comments"]))  # type: ignore[attr-defined]


def selected(site: Site, exact: str, prefix: str = "", suffix: str = "") -> dict[str, str]:
    """The fields passages.js fills for words selected in the page's text."""
    page = site.pages.get(PAGE)[0]
    return {
        "anchor-revision": page.revision,
        "anchor-path": page.path,
        "anchor-exact": exact,
        "anchor-prefix": prefix,
        "anchor-suffix": suffix,
        "anchor-start": "",
        "anchor-end": "",
    }


def edit(site: Site, change: Callable[[str], str]) -> None:
    """Someone saves the page with its body changed by ``change``."""
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text.replace(page.body, change(page.body)), page.revision, "", AUTHOR))


def test_a_passage_comment_on_a_page_is_highlighted_and_survives_an_edit(
    client: TestClient, auth: Auth, site: Site
) -> None:
    auth.sign_in(Role.CONTRIBUTOR)
    cid = comment_on_page(client, selected(site, QUOTE, prefix="naar je werk. ", suffix=" Die kansen"))
    shown = client.get(f"/discuss/{PAGE}")
    assert f'<span class="passage-start" id="passage-{cid}"></span><mark class="passage">{QUOTE}</mark>' in shown.text
    assert f'href="#comment-{cid}"' in shown.text  # the highlight links to its comment ...
    assert f'<a href="#passage-{cid}">Over deze passage</a>' in shown.text  # ... and the comment to its passage
    assert f'<q lang="nl">{QUOTE}</q>' in shown.text

    edit(site, lambda body: "Een nieuwe zin ervoor.\n\n" + body)
    moved = client.get(f"/discuss/{PAGE}")
    assert f'<mark class="passage">{QUOTE}</mark>' in moved.text
    passage = moved.context["passages"][cid]  # type: ignore[attr-defined]
    assert (passage.orphaned, passage.paragraph) == (False, 2)

    edit(site, lambda body: body.replace(QUOTE, "Er kan van alles."))
    gone = client.get(f"/discuss/{PAGE}")
    assert "<mark" not in gone.text
    assert "Over een eerdere versie" in gone.text
    assert f'<q lang="nl">{QUOTE}</q>' in gone.text
    assert gone.context["passages"][cid].orphaned  # type: ignore[attr-defined]


def test_without_a_script_a_paragraph_is_picked_and_the_list_filtered(
    client: TestClient, auth: Auth, site: Site
) -> None:
    auth.sign_in(Role.CONTRIBUTOR)
    shown = client.get(f"/discuss/{PAGE}")
    assert f'href="/discuss/{PAGE}?passage=2#comment-form">Reageer op deze alinea' in shown.text
    assert hidden_fields(shown.text)["anchor-exact"] == ""

    picked = client.get(f"/discuss/{PAGE}?passage=2")
    fields = hidden_fields(picked.text)
    assert fields["anchor-exact"].startswith("Natuurlijk let je op risico")
    assert "Je reageert op deze passage:" in picked.text
    second = comment_on_page(client, fields, "Over de risico's.")
    first = comment_on_page(client, {}, "Over alles.")
    third = comment_on_page(client, hidden_fields(client.get(f"/discuss/{PAGE}?passage=1").text), "Over het begin.")

    everything = client.get(f"/discuss/{PAGE}")
    assert {c.id for c in everything.context["comments"]} == {first, second, third}  # type: ignore[attr-defined]
    filtered = client.get(f"/discuss/{PAGE}?paragraph=2")
    assert [c.id for c in filtered.context["comments"]] == [second]  # type: ignore[attr-defined]
    assert "Reacties op alinea 2." in filtered.text
    assert f'href="?path={PAGE}&amp;paragraph=2#discussion">alinea 2</a>' in everything.text


def test_a_wrong_passage_is_refused_in_the_persons_language(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.CONTRIBUTOR)
    page = client.get(f"/discuss/{PAGE}")
    fields = {**selected(site, "x" * 1001), "csrf_token": csrf_from(page.text), "body": "Te lang"}
    refused = client.post(f"/discuss/{PAGE}", data=fields)
    assert refused.status_code == 400
    assert "De passage is te lang" in refused.text
    assert "Te lang" in refused.text  # the typed comment comes back
    other = {**selected(site, QUOTE), "anchor-path": "wees-open-en-zichtbaar"}
    refused = client.post(f"/discuss/{PAGE}", data={**other, "csrf_token": csrf_from(page.text), "body": "Elders"})
    assert refused.status_code == 400
    assert "De passage komt niet uit deze tekst." in refused.text
    assert site.discussion.comments(f"page:{PAGE}") == []


def test_a_passage_comment_on_a_proposal_through_the_api_and_the_page(
    client: TestClient, auth: Auth, site: Site
) -> None:
    token = auth.token(Role.CONTRIBUTOR, "auteur")
    body = "Eerste alinea met 😀 een zin.\n\nTweede alinea over samen werken.\n"
    created = client.post(
        "/api/proposals",
        headers=token,
        json={"title": "Nieuw", "changes": [{"path": "samen-werken", "body": body}], "principle": True},
    ).json()
    number, head = created["id"], created["head_revision"]
    anchor = {"revision": head, "path": "samen-werken", "exact": "samen werken", "prefix": "over ", "suffix": "."}
    made = client.post(f"/api/proposals/{number}/comments", headers=token, json={"body": "Hoe?", "anchor": anchor})
    assert made.status_code == 201
    plain = client.post(f"/api/proposals/{number}/comments", headers=token, json={"body": "Goed."})
    comments = client.get(f"/api/proposals/{number}").json()["comments"]
    assert comments[0]["anchor"] == {**anchor, "orphaned": False}
    assert comments[1]["anchor"] is None
    assert comments[1]["id"] == plain.json()["id"]

    page = client.get(f"/proposals/{number}")
    assert '<mark class="passage">samen werken</mark>' in page.text
    assert '<details class="passage-source" open>' in page.text
    assert f'href="/proposals/{number}?path=samen-werken&amp;passage=1#comment-form"' in page.text

    hinted = {**anchor, "exact": "een zin", "prefix": "😀 ", "suffix": "", "start": 20, "end": 27}
    assert (
        client.post(
            f"/api/proposals/{number}/comments", headers=token, json={"body": "x", "anchor": hinted}
        ).status_code
        == 201
    )
    revised = client.put(
        f"/api/proposals/{number}",
        headers=token,
        json={"changes": [{"path": "samen-werken", "body": "Eerste alinea met 😀 een zin.\n"}], "head_revision": head},
    )
    assert revised.status_code == 200
    after = client.get(f"/api/proposals/{number}").json()["comments"]
    assert after[0]["anchor"]["orphaned"] is True
    assert after[2]["anchor"] == {**hinted, "orphaned": False}

    for wrong, message in (
        ("not an object", "'anchor' moet een object zijn"),
        ({**anchor, "exact": ""}, "De passage is leeg"),
        ({**anchor, "path": "elders"}, "De passage komt niet uit deze tekst."),
    ):
        refused = client.post(f"/api/proposals/{number}/comments", headers=token, json={"body": "x", "anchor": wrong})
        assert refused.status_code == 400
        assert message in refused.json()["message"]
    assert len(client.get(f"/api/proposals/{number}").json()["comments"]) == 3


def test_a_proposal_page_passage_comment_through_the_form(client: TestClient, auth: Auth, site: Site) -> None:
    user = auth.sign_in(Role.CONTRIBUTOR)
    proposal = site.proposals.create(user, "Voorstel", "", [(PAGE, site.pages.get(PAGE)[0].text)])
    picked = client.get(f"/proposals/{proposal.id}?path={PAGE}&passage=1")
    fields = hidden_fields(picked.text)
    assert fields["anchor-exact"].startswith("Kijk met een positieve blik")
    response = client.post(
        f"/proposals/{proposal.id}/comment", data={"csrf_token": csrf_from(picked.text), "body": "Mooi.", **fields}
    )
    assert response.status_code == 303
    post_plain = client.post(
        f"/proposals/{proposal.id}/comment", data={"csrf_token": csrf_from(picked.text), "body": "Algemeen."}
    )
    assert post_plain.status_code == 303
    page = client.get(f"/proposals/{proposal.id}?path={PAGE}&paragraph=1")
    assert [c.body for c in page.context["comments"]] == ["Mooi."]  # type: ignore[attr-defined]
    only_text = client.get(f"/proposals/{proposal.id}?paragraph=1")  # one text: the path may be left out
    assert [c.body for c in only_text.context["comments"]] == ["Mooi."]  # type: ignore[attr-defined]
    assert len(client.get(f"/proposals/{proposal.id}").context["comments"]) == 2  # type: ignore[attr-defined]
    assert '<mark class="passage">Kijk met een positieve blik' in page.text


def test_a_page_discussion_gives_its_passages_for_an_api(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.CONTRIBUTOR)
    cid = comment_on_page(client, selected(site, QUOTE))
    page, comments, passages = site.views.page_passages(PAGE)
    assert [c.id for c in comments] == [cid]
    assert anchor_json(comments[0], passages) == {
        "revision": page.revision,
        "path": PAGE,
        "exact": QUOTE,
        "prefix": "",
        "suffix": "",
        "orphaned": False,
    }
