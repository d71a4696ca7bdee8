"""Mail out through an SMTP relay named by one URL (``WIKI_SMTP_URL``).

``smtp://host:25`` speaks plain SMTP; ``smtp://user:pass@host:587`` logs in after STARTTLS
(a password is never sent over a connection that is not encrypted; without a user, port 25
to a relay next door, nothing is encrypted); ``smtps://host:465``
speaks TLS from the first byte.  Every connection has a timeout, so a relay that hangs holds
one sender for at most that long, and every failure is one ``SendFailed`` with a reason an
operator can act on (it lands on /admin/mail), never the password.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

#: Seconds one connection may take to answer before the send counts as failed.
TIMEOUT = 30.0
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class SendFailed(Exception):
    """The relay did not take the message; ``str()`` says why, without secrets."""


@dataclass(frozen=True, slots=True)
class SmtpUrl:
    """Where and how to hand mail over."""

    scheme: str
    host: str
    port: int
    username: str
    password: str = ""


def parse_smtp_url(url: str) -> SmtpUrl:
    """``url`` as an ``SmtpUrl``; ``ValueError`` naming the setting (never its password)."""
    problem = "WIKI_SMTP_URL must be smtp://HOST:PORT, smtp://USER:PASSWORD@HOST:587 or smtps://HOST:465"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(problem) from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{problem}, not {parts.scheme or 'that'}://...")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{problem} (no path, query or fragment)")
    if parts.username and parts.password is None:
        raise ValueError(f"{problem} (a user needs a password)")
    return SmtpUrl(
        parts.scheme,
        parts.hostname,
        port or _DEFAULT_PORTS[parts.scheme],
        unquote(parts.username or ""),
        unquote(parts.password or ""),
    )


class SmtpTransport:
    """Sends one message per connection: mail is rare (a few per minute at most), and a
    fresh connection never carries a half-broken session from the last failure."""

    def __init__(self, url: SmtpUrl, timeout: float = TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the relay (its From and To headers are the envelope)."""
        url = self.url
        where = f"{url.host}:{url.port}"
        try:
            client = self._connect()
            with client:
                if url.scheme == "smtp" and url.username:
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if url.username:
                    client.login(url.username, url.password)
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as error:
            raise SendFailed(f"{where} refused the user name or password ({error.smtp_code})") from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = ", ".join(str(code) for code, _text in error.recipients.values())
            raise SendFailed(f"{where} refused the recipient ({codes})") from None
        except smtplib.SMTPResponseException as error:
            text = (
                error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
            )
            raise SendFailed(f"{where} answered {error.smtp_code} {text}"[:300]) from None
        except smtplib.SMTPNotSupportedError:
            raise SendFailed(f"{where} offers no STARTTLS, so the password is not sent") from None
        except (TimeoutError, smtplib.SMTPServerDisconnected) as error:
            raise SendFailed(f"{where} did not answer in time or hung up ({error})"[:300]) from None
        except ssl.SSLError as error:
            raise SendFailed(f"TLS with {where} failed ({error.reason})") from None
        except (OSError, smtplib.SMTPException) as error:
            raise SendFailed(f"could not deliver to {where}: {error}"[:300]) from None

    def _connect(self) -> smtplib.SMTP:
        url = self.url
        if url.scheme == "smtps":
            return smtplib.SMTP_SSL(url.host, url.port, timeout=self.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(url.host, url.port, timeout=self.timeout)
