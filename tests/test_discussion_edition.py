"""The discussion edition moves with every change a kept proposal page would show (a comment,
an edit, a hide, a support, a display name, an erased account) and with nothing else; on both
backends, seen by a second connection as another instance would see it."""

from __future__ import annotations

from collections.abc import Callable

from wiki.store.database import Database


def test_every_change_of_peoples_words_or_names_moves_the_edition(opened: Callable[[], Database]) -> None:
    database, elsewhere = opened(), opened()
    seen = [elsewhere.discussion_edition()]

    def moved() -> bool:
        seen.append(elsewhere.discussion_edition())
        return seen[-1] > seen[-2]

    anna = database.add_user("anna", "Anna", "", "editor", "", pending=False, email_confirmed=True, language="")
    assert not moved()  # a new account shows nowhere yet
    comment = database.add_comment("proposal:1", anna, "Mee eens.")
    assert moved()
    database.edit_comment(comment, "Helemaal mee eens.")
    assert moved()
    assert database.hide_comment(comment, "proposal:1", "off-topic", "Mara")
    assert moved()
    database.set_support(1, anna, True)
    assert moved()
    database.update_user(anna, language="en")
    assert not moved()  # not shown on any page
    database.update_user(anna, display_name="Anna B.")
    assert moved()
    database.delete_user(anna)  # her comments and supports go with her
    assert moved()
