"""Raw RFC 5322 bytes to an `InboundMail`: headers, text, quoted part and attachments.

Pure: no database, no app. `parse_mail` never raises on what real mail does (broken headers,
lying or unknown charsets, a missing boundary, bad base64): those degrade, with replacement
characters where text cannot be read, and are listed in `InboundMail.defects`. It raises
`MailRejected` only for a message over the limits (size, parts, nesting), which the pipeline
keeps in its quarantine like any message it cannot take.

Every text that leaves this module went through `helpdesk.text_input.clean_text` once, as form
input does: NFC, LF line ends, no control characters.
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from helpdesk.mail_headers import reusing_policy
from helpdesk.mail_in.reply import split_reply
from helpdesk.mail_in.textparts import (
    decode_bytes,
    decode_header_text,
    fix_surrogates,
    html_to_text,
    unflow,
)
from helpdesk.text_input import clean_text

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_PARTS = 250
MAX_DEPTH = 20
# Longer address headers are split by a simple rule instead of the email package's parser.
MAX_STRUCTURED_HEADER_CHARS = 16_000
MAX_ADDRESSES = 500
MAX_HEADERS = 1000
MAX_FILENAME_CHARS = 255
# A message may have a line per this many bytes of its size limit (base64 lines are 77).
BYTES_PER_LINE = 40
MAX_REFERENCES = 100

_BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))',
                             re.IGNORECASE)
_MSG_ID = re.compile(r"<([^<>\s]+)>")
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|wg|tr|vs)\s*:", re.IGNORECASE)
_ADDR_SPEC = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+\w")
_BARE_MSG_ID = re.compile(r"[^\s<>\"]+@[^\s<>\"]+")
# The email package's header parser raises these on some malformed headers.
_HEADER_ERRORS = (ValueError, TypeError, IndexError, AttributeError, LookupError,
                  AssertionError, UnicodeError, RecursionError)


# Header objects made once per name and value (reading a part's Content-Type a dozen
# times per message parsed it a dozen times).
_POLICY = reusing_policy()


class MailRejected(Exception):
    """A message this module refuses to read (over a limit); `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Address:
    """A mailbox: the address as written and the decoded display name ("" when none)."""

    address: str
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file in the mail. `inline` parts (pasted screenshots) carry their Content-ID so the
    HTML that shows them can be matched; TNEF (winmail.dat) is kept as it came."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)
    inline: bool = False
    content_id: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class DeliveryStatus:
    """One recipient's block of a delivery-status report (RFC 3464)."""

    recipient: str
    action: str
    status: str = ""
    diagnostic: str = ""


@dataclass(frozen=True)
class InboundMail:
    """A parsed inbound message. Texts are clean; `text` is the whole body, split into
    `new_text` (what the sender wrote now) and `quoted_text` (quotes and signature)."""

    sender: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    date: datetime | None
    headers: tuple[tuple[str, str], ...]
    content_type: str
    text: str
    new_text: str
    quoted_text: str
    forwarded: bool
    text_from_html: bool
    attachments: tuple[Attachment, ...]
    delivery_status: tuple[DeliveryStatus, ...]
    size: int
    sha256: str
    defects: tuple[str, ...] = ()

    @property
    def sender_address(self) -> str:
        return self.sender.address if self.sender else ""

    @property
    def sender_name(self) -> str:
        return self.sender.name if self.sender else ""

    @property
    def report_type(self) -> str:
        """The report-type of a multipart/report message ("delivery-status"), else ""."""
        if self.content_type != "multipart/report":
            return ""
        match = re.search(r"report-type\s*=\s*\"?([\w.-]+)", self.header("Content-Type") or "",
                          re.IGNORECASE)
        return match.group(1).lower() if match else ""

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), decoded and clean, else None."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]


@dataclass
class _Walk:
    """What walking the MIME tree collects."""

    max_parts: int
    parts: int = 0
    texts: list[str] = field(default_factory=list)
    from_html: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    delivery: list[DeliveryStatus] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def parse_mail(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
               max_parts: int = DEFAULT_MAX_PARTS,
               reply_markers: tuple[str, ...] = ()) -> InboundMail:
    """Parse `raw` (one RFC 5322 message) into an `InboundMail`.

    Raises MailRejected for a message over `max_bytes`, with more than `max_parts` MIME parts
    or nested deeper than MAX_DEPTH. `reply_markers` are our own "reply above this line"
    lines: the text is cut there before the quote rules apply.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError("parse_mail takes bytes")
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise MailRejected(f"message of {len(raw)} bytes is over the limit of {max_bytes}")
    if not raw.strip():
        raise MailRejected("empty message")
    # The email package reads a message line by line (some microseconds each) and takes about
    # a millisecond per MIME part: count both before parsing, so no message takes long.
    max_lines = max(max_bytes // BYTES_PER_LINE, 1000)
    if raw.count(b"\n") > max_lines:
        raise MailRejected(f"message has more than {max_lines} lines")
    if _delimiter_lines(raw, max_parts) > max_parts:
        raise MailRejected(f"message has more than {max_parts} parts")
    try:
        message = BytesParser(policy=_POLICY).parsebytes(raw)
    except RecursionError as exc:
        raise MailRejected("message nested too deeply") from exc
    if len(message) > MAX_HEADERS:
        raise MailRejected(f"message has more than {MAX_HEADERS} header fields")

    walk = _Walk(max_parts=max_parts)
    _visit(message, walk, depth=0)

    text = clean_text("\n\n".join(t.strip("\n") for t in walk.texts if t.strip()))
    split = split_reply(text, markers=reply_markers)
    defects = walk.defects
    headers = tuple((clean_text(fix_surrogates(str(name))), clean_text(decode_header_text(
        str(value)))) for name, value in message.raw_items())
    senders = _addresses(message, "From")
    subject = clean_text(" ".join(_raw_header_text(message, "Subject").split()))
    # Outlook writes "Ursprüngliche Nachricht" above replies and forwards alike: the subject
    # tells a forward.
    forwarded = split.forwarded or bool(split.quoted_text and _FORWARD_SUBJECT.match(subject))
    return InboundMail(
        sender=senders[0] if senders else None,
        reply_to=_addresses(message, "Reply-To"),
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        subject=subject,
        message_id=_message_id(_raw_header(message, "Message-ID")),
        in_reply_to=_message_id(_raw_header(message, "In-Reply-To")),
        references=_message_ids(_raw_header(message, "References")),
        date=_date(_raw_header(message, "Date")),
        headers=headers,
        content_type=_content_type(message),
        text=text,
        new_text=split.new_text,
        quoted_text=split.quoted_text,
        forwarded=forwarded,
        text_from_html=walk.from_html,
        attachments=tuple(walk.attachments),
        delivery_status=tuple(walk.delivery),
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        defects=tuple(dict.fromkeys(defects)),
    )


def _delimiter_lines(raw: bytes, max_parts: int) -> int:
    """How many lines of `raw` open a MIME part: "--" and a boundary some Content-Type
    declares (closing "--boundary--" lines do not count), counted up to max_parts + 1."""
    boundaries = {(quoted or bare).rstrip() for quoted, bare in _BOUNDARY_PARAM.findall(raw)}
    if len(boundaries) > max_parts or not boundaries:
        return len(boundaries)
    names = b"|".join(re.escape(b) for b in sorted(boundaries, key=len, reverse=True))
    delimiter = re.compile(rb"^--(?:" + names + rb")[ \t]*\r?$", re.MULTILINE)
    count = 0
    for _match in delimiter.finditer(raw):
        count += 1
        if count > max_parts:
            break
    return count


# ---- headers -----------------------------------------------------------------------------

def _raw_header(message: Message, name: str) -> str | None:
    """The first raw value of header `name`, as it came (folded, encoded-words intact)."""
    name = name.lower()
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _raw_header_text(message: Message, name: str) -> str:
    value = _raw_header(message, name)
    return decode_header_text(value) if value is not None else ""


def _addresses(message: Message, name: str) -> tuple[Address, ...]:
    """Every address in the `name` headers; the email package's parser first, a simple
    split when it fails or the header is very long."""
    raw_values = [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]
    if not raw_values:
        return ()
    found: list[Address] = []
    for raw in raw_values:
        pairs = None
        if len(raw) <= MAX_STRUCTURED_HEADER_CHARS:
            try:
                header = _POLICY.header_factory(name, raw)
                pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
            except _HEADER_ERRORS:
                pairs = None
        if pairs is None:
            # getaddresses is slow on megabytes: past the addresses we keep, the rest is cut.
            head = raw if len(raw) <= MAX_ADDRESSES * 200 else \
                raw[:MAX_ADDRESSES * 200].rsplit(",", 1)[0]
            unfolded = re.sub(r"\r?\n[ \t]+", " ", head)
            pairs = [(decode_header_text(n), a) for n, a in getaddresses([unfolded])]
        valid = [(display, address) for display, address in
                 ((d, clean_text(fix_surrogates(a or "")).strip()) for d, a in pairs)
                 if _plausible_address(address)]
        if not valid:
            # Unbalanced quotes and the like: take the addresses the value holds.
            valid = [("", m) for m in _ADDR_SPEC.findall(
                clean_text(fix_surrogates(raw[:MAX_ADDRESSES * 200])))]
        for display, address in valid:
            local, _, domain = address.rpartition("@")
            found.append(Address(address=f"{local}@{domain.lower()}",
                                 name=clean_text(" ".join(fix_surrogates(display or "").split()))))
            if len(found) >= MAX_ADDRESSES:
                return tuple(found)
    return tuple(found)


def _plausible_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and not any(
        ch.isspace() or ch in "<>,;\"" for ch in address)


def _message_id(raw: str | None) -> str | None:
    """The first message id in `raw`, in angle brackets as we store ours, else None."""
    if not raw:
        return None
    raw = clean_text(fix_surrogates(raw))
    match = _MSG_ID.search(raw)
    if match:
        return f"<{match.group(1)}>"
    bare = _BARE_MSG_ID.search(raw)              # some mailers leave the brackets out
    return f"<{bare.group()}>" if bare else None


def _message_ids(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    ids = [f"<{m}>" for m in _MSG_ID.findall(clean_text(fix_surrogates(raw)))]
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_REFERENCES:                # keep the thread's root and the newest
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1):]
    return tuple(ids)


def _date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(" ".join(fix_surrogates(raw).split()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except _HEADER_ERRORS:
        return "text/plain"


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
    except _HEADER_ERRORS:
        return None
    if isinstance(value, tuple):                 # RFC 2231 (charset, language, value)
        try:
            value = decode_bytes(value[2].encode("latin-1", "surrogateescape"), value[0])[0]
        except (UnicodeError, IndexError):
            value = str(value[-1])
    return None if value is None else str(value)


# ---- the MIME tree -----------------------------------------------------------------------

def _visit(part: Message, walk: _Walk, depth: int, *, in_related: bool = False) -> None:
    walk.parts += 1
    walk.defects.extend(type(defect).__name__ for defect in getattr(part, "defects", ()))
    if walk.parts > walk.max_parts:
        raise MailRejected(f"message has more than {walk.max_parts} parts")
    if depth > MAX_DEPTH:
        raise MailRejected(f"message nested deeper than {MAX_DEPTH} levels")
    content_type = _content_type(part)
    if part.is_multipart():
        children = part.get_payload()
        if content_type == "multipart/alternative":
            _visit_alternative(children, walk, depth, in_related)
        elif content_type == "multipart/related":
            _visit_related(part, children, walk, depth)
        elif content_type == "message/delivery-status":
            _delivery_status(children, walk)
        elif content_type.startswith("message/"):     # a forwarded mail: kept whole
            _attach(part, walk, depth, in_related)
        else:
            for child in children:
                _visit(child, walk, depth + 1, in_related=in_related)
        return
    if content_type == "message/delivery-status":
        _delivery_status([part], walk)
        return
    if content_type.startswith("multipart/"):        # no boundary, or it never came
        walk.defects.append("MultipartWithoutParts")
        walk.texts.append(_text_of(part, walk, force_plain=True))
        return
    if _is_body_text(part, content_type):
        text = _text_of(part, walk)
        if content_type == "text/html":
            walk.from_html = True
        walk.texts.append(text)
        return
    _attach(part, walk, depth, in_related)


def _visit_alternative(children: list, walk: _Walk, depth: int, in_related: bool) -> None:
    """Take the plain text when it says something, else the HTML (or a related tree that
    holds it); the other versions' files (inline images, calendar invites) are kept."""
    def kind(child: Message) -> str:
        return _content_type(child)

    plain = [c for c in children if kind(c) == "text/plain" and not c.is_multipart()]
    chosen = None
    for candidate in plain:
        if _text_of(candidate, _Walk(max_parts=1)).strip():
            chosen = candidate
            break
    if chosen is None:
        chosen = next((c for c in reversed(children) if kind(c) == "text/html"
                       or (c.is_multipart() and kind(c) != "multipart/alternative")), None)
    if chosen is None and children:
        chosen = children[0]
    for child in children:
        if child is chosen:
            _visit(child, walk, depth + 1, in_related=in_related)
        elif child.is_multipart():
            files = _Walk(max_parts=walk.max_parts - walk.parts)
            _visit(child, files, depth + 1, in_related=in_related)
            walk.parts += files.parts
            walk.attachments.extend(files.attachments)
            walk.defects.extend(files.defects)
        elif kind(child) not in ("text/plain", "text/html"):
            _visit(child, walk, depth + 1, in_related=in_related)
        else:
            walk.parts += 1


def _visit_related(part: Message, children: list, walk: _Walk, depth: int) -> None:
    """The root (the start parameter, else the first part) is the body; the rest are the
    resources it shows, kept as inline attachments."""
    start = _param(part, "start")
    root = None
    if start:
        wanted = _message_id(start)
        root = next((c for c in children if _message_id(_raw_header(c, "Content-ID")) == wanted),
                    None)
    root = root if root is not None else (children[0] if children else None)
    for child in children:
        _visit(child, walk, depth + 1, in_related=child is not root)


def _is_body_text(part: Message, content_type: str) -> bool:
    if content_type not in ("text/plain", "text/html"):
        return False
    try:
        disposition = part.get_content_disposition()
    except _HEADER_ERRORS:
        disposition = None
    return disposition != "attachment" and not _filename(part)


def _payload_bytes(part: Message, walk: _Walk) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:                        # broken transfer encodings: keep what is there
        walk.defects.append("UndecodablePayload")
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def _text_of(part: Message, walk: _Walk, force_plain: bool = False) -> str:
    data = _payload_bytes(part, walk)
    charset = _param(part, "charset")
    text, honoured = decode_bytes(data, charset)
    if not honoured and charset:
        walk.defects.append("CharsetMismatch")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    content_type = _content_type(part)
    if content_type == "text/html" and not force_plain:
        return html_to_text(text)
    if (_param(part, "format") or "").lower() == "flowed":
        text = unflow(text, delsp=(_param(part, "delsp") or "").lower() == "yes")
    return text


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except _HEADER_ERRORS:
        name = None
    if not name:
        name = _param(part, "name")
    if not name:
        return ""
    name = decode_header_text(str(name))        # Outlook puts encoded-words in parameters
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = clean_text(" ".join(name.split())).strip(". ")
    if len(name) > MAX_FILENAME_CHARS:                  # keep the extension
        stem, dot, extension = name.rpartition(".")
        extension = extension[:20] if dot and stem else ""
        suffix = f".{extension}" if extension else ""
        name = name[:MAX_FILENAME_CHARS - len(suffix)].rstrip(". ") + suffix
    return name


def _attach(part: Message, walk: _Walk, depth: int, in_related: bool) -> None:
    content_type = _content_type(part)
    if content_type in ("message/rfc822", "message/global") and part.is_multipart():
        inner = part.get_payload()[0] if part.get_payload() else None
        data = _as_bytes(inner, walk) if isinstance(inner, Message) else b""
        subject = _raw_header_text(inner, "Subject") if isinstance(inner, Message) else ""
        default_name = (clean_text(" ".join(subject.split()))[:80] or "message") + ".eml"
    elif part.is_multipart():                   # report blocks (read receipts and the like)
        data = b"\r\n".join(_as_bytes(block, walk) for block in part.get_payload()
                             if isinstance(block, Message))
        default_name = ""
    else:
        data = _payload_bytes(part, walk)
        default_name = ""
    try:
        disposition = part.get_content_disposition()
    except _HEADER_ERRORS:
        disposition = None
    content_id = _message_id(_raw_header(part, "Content-ID"))
    filename = _filename(part) or default_name
    if not filename:
        extension = mimetypes.guess_extension(content_type) or (
            ".txt" if content_type.startswith(("text/", "message/")) else ".bin")
        filename = f"{'inline' if in_related else 'attachment'}-{len(walk.attachments) + 1}" \
                   f"{extension}"
    inline = disposition == "inline" or (in_related and disposition != "attachment")
    walk.attachments.append(Attachment(filename=filename, content_type=content_type, data=data,
                                       inline=inline, content_id=content_id))


def _as_bytes(message: Message, walk: _Walk) -> bytes:
    """An attached message as bytes, its headers as they came (not refolded)."""
    try:
        return message.as_bytes(policy=policy.default.clone(linesep="\r\n",
                                                            refold_source="none"))
    except Exception:                        # a header the generator cannot write back
        walk.defects.append("UnwritableAttachedMessage")
        try:
            return message.as_string(policy=policy.compat32).encode("utf-8", "surrogateescape")
        except Exception:
            return b""


def _delivery_status(blocks: list, walk: _Walk) -> None:
    """Read the per-recipient blocks of a delivery-status part (the first block is the
    reporting MTA's; recipients carry Final-Recipient or Original-Recipient)."""
    fields_list: list[dict[str, str]] = []
    for block in blocks:
        if isinstance(block, Message):
            if block.is_multipart():
                _delivery_status(block.get_payload(), walk)
                continue
            items = [(k, str(v)) for k, v in block.raw_items()]
            payload = block.get_payload()
            if isinstance(payload, str) and payload.strip():
                fields_list.extend(_status_fields(payload))
            if items:
                fields_list.append({k.lower(): decode_header_text(v) for k, v in items})
        elif isinstance(block, str):
            fields_list.extend(_status_fields(block))
    for fields in fields_list:
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        if not recipient:
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>")
        walk.delivery.append(DeliveryStatus(
            recipient=clean_text(address),
            action=clean_text(fields.get("action", "").strip().lower()),
            status=clean_text(fields.get("status", "").strip()),
            diagnostic=clean_text(fields.get("diagnostic-code", "").strip())[:1000]))


def _status_fields(text: str) -> list[dict[str, str]]:
    """Blocks of "Name: value" lines (separated by blank lines) from a status part's text."""
    blocks, current, last = [], {}, None
    for line in fix_surrogates(text).replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, None
        elif line[:1] in " \t" and last:
            current[last] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip().lower()
            current[last] = value.strip()
    if current:
        blocks.append(current)
    return blocks


__all__ = ["Address", "Attachment", "DeliveryStatus", "InboundMail", "MailRejected", "parse_mail"]
