"""Delivery: an email over SMTP (stdlib smtplib) and a JSON POST to a webhook (urllib).

Each returns None when delivered, or what went wrong in words (never a traceback), so that one
recipient's failure is reported and the others still get theirs.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from labelpulse.config import Settings
from labelpulse.errors import UsageError

# Seconds to wait for the SMTP server or the webhook before giving up on one delivery.
TIMEOUT = 20.0
USUAL_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def smtp_port(settings: Settings) -> int:
    return settings.smtp_port or USUAL_PORTS[settings.smtp_tls]


def check_delivery(settings: Settings) -> None:
    """Refuse settings that cannot send: email without a sender, a webhook that is not http(s)
    or names no member whose scope it gets."""
    if settings.smtp_host and not settings.smtp_from:
        raise UsageError("smtp_host is set but smtp_from is not: set the sender's address")
    if settings.digest_webhook_url:
        if urlsplit(settings.digest_webhook_url).scheme not in ("http", "https"):
            raise UsageError(
                f"digest_webhook_url must be an http:// or https:// URL, "
                f"got {settings.digest_webhook_url!r}"
            )
        if not settings.digest_webhook_as:
            raise UsageError(
                "digest_webhook_url is set but digest_webhook_as is not: name the member "
                "(an id) whose scope the webhook's channel may read, such as a manager's for "
                "their team's channel"
            )


def message(settings: Settings, to: str, subject: str, text: str, html: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send_email(settings: Settings, msg: EmailMessage, timeout: float = TIMEOUT) -> str | None:
    """Send `msg` through the settings' SMTP server; None, or the failure in words."""
    host, port = settings.smtp_host, smtp_port(settings)
    where = f"the SMTP server {host}:{port}"
    try:
        smtp: smtplib.SMTP
        if settings.smtp_tls == "ssl":
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if settings.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        said = "; ".join(f"{code} {_text(reply)}" for code, reply in exc.recipients.values())
        return f"{where} refused the recipient ({said})"
    except smtplib.SMTPAuthenticationError as exc:
        return (
            f"{where} refused the user name or password ({exc.smtp_code} {_text(exc.smtp_error)})"
        )
    except smtplib.SMTPNotSupportedError:
        return f"{where} does not offer STARTTLS: set smtp_tls to ssl or none"
    except smtplib.SMTPResponseException as exc:
        return f"{where} refused the message ({exc.smtp_code} {_text(exc.smtp_error)})"
    except smtplib.SMTPException as exc:
        return f"{where} failed: {exc}"
    except ssl.SSLError as exc:
        return f"TLS with {where} failed: {exc.reason or exc}"
    except TimeoutError:
        return f"{where} did not answer within {timeout:g} s"
    except OSError as exc:
        return f"could not reach {where}: {exc.strerror or exc}"
    return None


def post_webhook(url: str, body: dict[str, Any], timeout: float = TIMEOUT) -> str | None:
    """POST `body` as JSON to `url`; None on a 2xx answer, or the failure in words."""
    data = json.dumps(body, default=str).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "labelpulse-digest"},
    )
    where = f"the webhook {_host(url)}"
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        return f"{where} answered HTTP {exc.code} {exc.reason}"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return f"{where} did not answer within {timeout:g} s"
        return f"could not reach {where}: {getattr(reason, 'strerror', None) or reason}"
    except TimeoutError:
        return f"{where} did not answer within {timeout:g} s"
    except OSError as exc:
        return f"could not reach {where}: {exc.strerror or exc}"
    return None


def _host(url: str) -> str:
    """The URL without its path or query: a chat webhook's path is its secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
