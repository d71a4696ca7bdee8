"""A page as readers see it: when it last changed and by whom, the principles around it, and
for anonymous readers how to propose a change."""

from __future__ import annotations

import html
import re
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from starlette.testclient import TestClient

from tests.conftest import Auth
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

ANNA = Author("Anna de Vries", "anna@users.wiki.invalid")


def test_the_last_change_is_named_dated_and_linked_and_stays_right_after_a_save(client: TestClient, site: Site) -> None:
    seed = site.pages.get("neem-initiatief")[0]
    before = client.get("/p/neem-initiatief")  # an anonymous reader: the page is kept
    assert f'<a href="/change/{seed.revision}">Laatst gewijzigd op ' in before.text
    assert client.get("/p/neem-initiatief").text == before.text  # served from what was kept
    saved = site.pages.save(EditRequest("neem-initiatief", seed.text + "\nMeer.\n", seed.revision, "Meer", ANNA))
    after = client.get("/p/neem-initiatief")
    when = site.history.revision_info(saved.revision).date
    shown = format_datetime(when, format="medium", locale="nl", tzinfo=ZoneInfo("Europe/Amsterdam"))
    line = f'<a href="/change/{saved.revision}">Laatst gewijzigd op {html.escape(shown)} door Anna de Vries</a>'
    assert line in after.text
    assert client.get(f"/change/{saved.revision}").status_code == 200


def _neighbours(text: str) -> tuple[str | None, str | None]:
    previous = re.search(r'<a rel="prev" href="/p/([^"]+)">', text)
    following = re.search(r'<a rel="next" href="/p/([^"]+)">', text)
    return (previous.group(1) if previous else None), (following.group(1) if following else None)


def test_principles_link_to_the_previous_and_next_principle(client: TestClient) -> None:
    assert _neighbours(client.get("/p/wees-open-en-zichtbaar").text) == (None, "bepaal-je-eigen-grenzen")
    middle = client.get("/p/bepaal-je-eigen-grenzen").text
    assert _neighbours(middle) == ("wees-open-en-zichtbaar", "zorg-dat-anderen-mee-kunnen-doen")
    assert 'Volgend principe: <span lang="nl">3. Zorg dat anderen mee kunnen doen</span>' in middle
    assert _neighbours(client.get("/p/werk-is-persoonlijk").text) == ("ga-voor-oplossingen-en-resultaten", None)
    assert _neighbours(client.get("/p/over").text) == (None, None)  # not a principle


def test_anonymous_readers_are_invited_to_propose_a_change(client: TestClient, auth: Auth) -> None:
    anonymous = client.get("/p/neem-initiatief").text
    assert "Wil je iets veranderen?" in anonymous
    assert "Maak een account aan en stel een wijziging voor." in anonymous
    assert '<a href="/signup">Maak een account aan</a>' in anonymous
    assert '<a href="/signin?next=/propose/neem-initiatief">' in anonymous
    auth.sign_in(Role.CONTRIBUTOR)
    signed_in = client.get("/p/neem-initiatief").text
    assert "Wil je iets veranderen?" not in signed_in
    assert 'href="/propose/neem-initiatief"' in signed_in
