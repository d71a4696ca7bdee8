"""Request bodies a client compressed (``Content-Encoding``), inflated within the body limit.

The body limit (``security.BodyLimit``) counts the bytes that arrive, and gzip turns 1 MB
of them into 1 GB: git's own ``http-backend`` made 200 MB of a 596 KB request.  So a
compressed body is inflated here, in steps no larger than what is left of the limit, and
refused (413) as soon as the inflated bytes pass it, before git or anything else sees it.
"""

from __future__ import annotations

import zlib

from wiki.errors import N_, BadInput, TooLarge
from wiki.web.security import MAX_BODY_BYTES

_WINDOW_BITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,  # HTTP's "deflate" is the zlib format
}
TOO_LARGE = N_("The request is too large once unpacked (at most 1 MB).")
DAMAGED = N_("The compressed request is damaged or incomplete.")


def inflated(body: bytes, encoding: str, limit: int = MAX_BODY_BYTES) -> bytes:
    """``body`` as sent before ``encoding`` (gzip, x-gzip, deflate or none) compressed it.

    ``TooLarge`` once it grows past ``limit`` bytes (never holding more than ``limit + 1``);
    ``BadInput`` for another encoding or a damaged stream."""
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return body
    bits = _WINDOW_BITS.get(coding)
    if bits is None:
        raise BadInput(N_("The wiki reads requests compressed with gzip or deflate only."))
    out = bytearray()
    rest = body
    try:
        while True:  # gzip allows several members one after the other
            inflater = zlib.decompressobj(bits)
            while not inflater.eof:
                before = len(rest)
                piece = inflater.decompress(rest, limit + 1 - len(out))
                out += piece
                if len(out) > limit:
                    raise TooLarge(TOO_LARGE)
                rest = inflater.unconsumed_tail
                if not piece and len(rest) == before:  # the input ended inside the stream
                    raise BadInput(DAMAGED)
            rest = inflater.unused_data
            if not rest or coding == "deflate":
                break
    except zlib.error:
        raise BadInput(DAMAGED) from None
    return bytes(out)
