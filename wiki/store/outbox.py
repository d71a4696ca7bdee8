"""The outbox: mail waiting to go out, one row per (key, recipient), kept until sent.

Rows are written in the same transaction as what they tell (``NotificationTables.record`` for
the mail of one event), so a mail is never promised without its cause, nor its cause recorded
without the mail.  The key is unique per recipient: ``event:<id>`` for one event told at once,
``digest:<period>:<date>`` for a digest, ``<purpose>:<token id>`` for a message such as a
password reset.  Kinds: ``event`` and ``digest`` are composed when sent (so a comment hidden
meanwhile is left out); a ``message`` carries its subject and texts, composed by its writer,
and its payload is cleared once it is sent (a reset link is not kept after its mail went).
"""

from __future__ import annotations

import json
import time

from wiki.store.notifications import message_id
from wiki.store.sqlbase import Tables


class OutboxTables(Tables):
    """The outbox."""

    def enqueue_message(self, key: str, user_id: int, subject: str, text: str, html: str) -> bool:
        """Queue a composed mail to one account; False when ``key`` was queued for it before."""
        now = time.time()
        payload = json.dumps({"subject": subject, "text": text, "html": html}, ensure_ascii=False)
        changed = self._write(
            "INSERT INTO outbox (key, user_id, kind, payload, message_id, created, due)"
            " VALUES (?, ?, 'message', ?, ?, ?, ?) ON CONFLICT (key, user_id) DO NOTHING",
            (key, user_id, payload, message_id(f"{key.replace(':', '-')}-{user_id}"), now, now),
        )
        return changed > 0
