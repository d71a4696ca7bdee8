"""A save makes its page's search text before it queues for the writer, which every other save
waits for; the writer takes what was made, and search finds the saved words."""

from __future__ import annotations

import pytest

from wiki.models import Author
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.store import searchtexts
from wiki.store.plaintext import plain_text

AUTHOR = Author("Schrijver", "s@users.wiki.invalid")


def test_the_writer_makes_no_search_text_for_a_save(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    name = "werk-is-persoonlijk"
    page = site.pages.get(name)[0]
    made: list[bool] = []  # for each text made: was the writer's slot held?
    real = plain_text

    def watched(body: str) -> str:
        made.append(site.repo._thread_lock.locked())
        return real(body)

    monkeypatch.setattr(searchtexts, "plain_text", watched)
    body = page.text + "\nEen zin over kwartiermakers.\n"
    site.pages.save(EditRequest(name, body, page.revision, "kwartier", AUTHOR))
    assert made == [False]  # made once, before the writer
    assert [result.path for result in site.search.search("kwartiermakers")] == [name]
