"""What outgoing and incoming mail agree on: Message-IDs, the reply marker, the subject
reference. Core: imports only core modules, so both the mail outbox
(helpdesk/notifications) and the mail intake can use it.

**Message-IDs.** Every ticket has a thread root id, ``<ticket-<id>.<mac>@<domain>>``, that is
never sent as a mail of its own: each mail about the ticket names it first in
``References``, so mail clients group the ticket's mails. The mac is an HMAC of the ticket
id under the app's SECRET_KEY, so the root of ticket 123 cannot be made up from the number.
Each mail has an id of its own, ``<ticket-<id>.<random>.<mac>@<domain>>`` (or
``<hd.<random>.<mac>@<domain>>`` when it is not about a ticket). `parse_message_id` checks
the mac and tells which ticket an id of ours stands for; the domain is not checked (it
follows BASE_URL, which may change). Changing SECRET_KEY makes older ids unrecognisable.

**Reply marker.** Mails that invite a reply start with a line like
``##- Please type your reply above this line -##`` in the recipient's language;
`cut_at_reply_marker` keeps what a reply has above it, in whatever language.

**Subject reference.** Ticket mails' subjects start with ``[HD-000123]``;
`find_ticket_ref` finds it behind ``Re:``, ``AW:``, ``WG:``, ``Fwd:`` and the like.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, gettext

from helpdesk.config import LANGUAGE_CODES
from helpdesk.text_input import whole_number

# -- Message-IDs ------------------------------------------------------------------------

MAC_CHARS = 20                    # hex digits of HMAC-SHA256: 80 bits
DEFAULT_DOMAIN = "helpdesk.local"
# The header that names the instance a mail came from (see `instance_id`).
ORIGIN_HEADER = "X-Helpdesk-Origin"

_ROOT = re.compile(r"ticket-(?P<ticket>\d{1,10})\.(?P<mac>[0-9a-f]+)")
_MAIL = re.compile(r"(?:ticket-(?P<ticket>\d{1,10})|hd)\.(?P<nonce>[0-9a-f]{8,64})"
                   r"\.(?P<mac>[0-9a-f]+)")
_ID_IN_HEADER = re.compile(r"<([^<>@\s]+)@([^<>\s]+)>")


def _secret(secret: str | bytes | None) -> bytes:
    value = current_app.config["SECRET_KEY"] if secret is None else secret
    if not value:
        raise RuntimeError("SECRET_KEY is not set")
    return value if isinstance(value, bytes) else str(value).encode()


def _mac(purpose: str, text: str, secret: str | bytes | None, length: int = MAC_CHARS) -> str:
    digest = hmac.new(_secret(secret), f"helpdesk.mail.{purpose}:{text}".encode(),
                      hashlib.sha256)
    return digest.hexdigest()[:length]


def message_id_domain() -> str:
    """The domain of our Message-IDs: BASE_URL's host name."""
    return urlsplit(current_app.config.get("BASE_URL") or "").hostname or DEFAULT_DOMAIN


def thread_root_id(ticket_id: int, *, domain: str | None = None,
                   secret: str | bytes | None = None) -> str:
    """Return the thread root Message-ID of a ticket (the same every time)."""
    mac = _mac("root", str(int(ticket_id)), secret)
    return f"<ticket-{int(ticket_id)}.{mac}@{domain or message_id_domain()}>"


def new_message_id(ticket_id: int | None = None, *, domain: str | None = None,
                   secret: str | bytes | None = None) -> str:
    """Return a new Message-ID of ours, naming `ticket_id` if the mail is about a ticket."""
    nonce = secrets.token_hex(8)
    head = f"ticket-{int(ticket_id)}" if ticket_id is not None else "hd"
    mac = _mac("mail", f"{head}.{nonce}", secret)
    return f"<{head}.{nonce}.{mac}@{domain or message_id_domain()}>"


@dataclass(frozen=True)
class OwnMessageId:
    """A Message-ID this app made: the ticket it is about (if any), and whether it is the
    ticket's thread root."""

    ticket_id: int | None
    is_thread_root: bool


def parse_message_id(value: str | None, *,
                     secret: str | bytes | None = None) -> OwnMessageId | None:
    """Return what a Message-ID of ours stands for; None for anybody else's (or a forged
    one: the mac must match)."""
    match = _ID_IN_HEADER.fullmatch((value or "").strip())
    if match is None:
        return None
    local = match.group(1)
    root = _ROOT.fullmatch(local)
    if root is not None:
        ticket_id = whole_number(root.group("ticket"))
        if ticket_id is not None and hmac.compare_digest(
                root.group("mac"), _mac("root", str(ticket_id), secret)):
            return OwnMessageId(ticket_id, True)
        return None
    mail = _MAIL.fullmatch(local)
    if mail is None:
        return None
    ticket = mail.group("ticket")
    ticket_id = whole_number(ticket) if ticket is not None else None
    if ticket is not None and ticket_id is None:
        return None
    head = f"ticket-{ticket_id}" if ticket_id is not None else "hd"
    if not hmac.compare_digest(mail.group("mac"),
                               _mac("mail", f"{head}.{mail.group('nonce')}", secret)):
        return None
    return OwnMessageId(ticket_id, False)


def is_own_message_id(value: str | None, *, secret: str | bytes | None = None) -> bool:
    """Whether `value` is a Message-ID this app made (a thread root or a mail's id)."""
    return parse_message_id(value, secret=secret) is not None


def message_ids(header: str | None) -> list[str]:
    """The ``<id@domain>`` Message-IDs in a header value (References, In-Reply-To), in
    order."""
    return [match.group(0) for match in _ID_IN_HEADER.finditer(header or "")]


def ticket_id_from_headers(*headers: str | None,
                           secret: str | bytes | None = None) -> int | None:
    """The ticket that our ids in these headers (In-Reply-To, References) name, the last
    one first; None when none of ours is there."""
    for value in reversed([mid for header in headers for mid in message_ids(header)]):
        own = parse_message_id(value, secret=secret)
        if own is not None and own.ticket_id is not None:
            return own.ticket_id
    return None


def references(root: str, previous: str | None) -> str:
    """The References header of a ticket mail: the thread root, then the mail it follows."""
    return " ".join(mid for mid in (root, previous) if mid)


def instance_id() -> str:
    """This installation's id in the ``X-Helpdesk-Origin`` header of every mail it sends:
    the MAIL_INSTANCE_ID setting, by default derived from SECRET_KEY (so every host of an
    installation has the same one, and it reveals nothing about the key)."""
    configured = str(current_app.config.get("MAIL_INSTANCE_ID") or "").strip()
    return configured or _mac("instance", "origin", None, 16)


def is_own_origin(value: str | None) -> bool:
    """Whether an ``X-Helpdesk-Origin`` header value names this installation."""
    return hmac.compare_digest((value or "").strip(), instance_id())


# -- the reply marker ------------------------------------------------------------------

# A marker line in any language: "##-" ... "-##", perhaps quoted ("> ") by a mail client.
_MARKER_LINE = re.compile(r"^[ \t>]*##-[^\n]{1,200}?-##[ \t]*$", re.M)


def reply_marker() -> str:
    """The reply marker in the current language."""
    return gettext("##- Please type your reply above this line -##")


def reply_markers() -> list[str]:
    """The reply marker in every language of the product."""
    found = []
    for code in LANGUAGE_CODES:
        with force_locale(code):
            marker = reply_marker()
        if marker not in found:
            found.append(marker)
    return found


def is_marker_line(line: str) -> bool:
    """Whether `line` is a reply marker (in any language, quoted or not)."""
    return _MARKER_LINE.fullmatch(line.rstrip("\r\n")) is not None


def cut_at_reply_marker(text: str) -> str:
    """Return the part of a reply above the first reply marker line (all of `text` when it
    has none), without trailing white space."""
    text = text.replace("\r\n", "\n")
    match = _MARKER_LINE.search(text)
    return text if match is None else text[:match.start()].rstrip()


# -- the subject reference ---------------------------------------------------------------

REF_PREFIX = "HD-"
_SUBJECT_REF = re.compile(r"\[\s*HD-?\s*(\d{1,10})\s*\]", re.I)
# Reply and forward prefixes of common mail clients (English, German, Nordic, Dutch, ...),
# optionally counted ("Re[2]:", "AW(3):"); also the full-width colon.
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:re|aw|antw|antwort|wg|fw|fwd|tr|sv|vs|vb|rif|res)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*", re.I)


def format_ticket_ref(ticket_id: int) -> str:
    """A ticket's reference, ``HD-000123`` (as helpdesk.tickets.models.format_ref)."""
    return f"{REF_PREFIX}{int(ticket_id):06d}"


def subject_ref(ticket_id: int) -> str:
    """The reference that starts the subject of a ticket's mails: ``[HD-000123]``."""
    return f"[{format_ticket_ref(ticket_id)}]"


def strip_subject_prefixes(subject: str) -> str:
    """`subject` without the reply and forward prefixes in front ("Re: AW: Fwd: x" -> "x")."""
    text = subject or ""
    while (match := _SUBJECT_PREFIX.match(text)) is not None:
        text = text[match.end():]
    return text.strip()


def find_ticket_ref(subject: str | None) -> int | None:
    """Return the ticket id named by a ``[HD-000123]`` reference in `subject` (after any
    "Re:", "AW:", "WG:", "Fwd:"...), or None."""
    match = _SUBJECT_REF.search(subject or "")
    return whole_number(match.group(1)) if match else None

