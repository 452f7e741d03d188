"""The inbound pipeline: one raw message in, a ticket, a reply, a refusal or a quarantine out.

`receive(raw, mailbox=...)` is the one way in (`helpdesk mail receive` on standard input,
`helpdesk mail fetch` for each IMAP message, the demo). Each message is one transaction:

1. **Exactly once.** A message is known by its Message-ID and sender (or, without a
   Message-ID, by its bytes): a message taken before returns the earlier outcome and changes
   nothing, so a mail server's retry or an IMAP message handed over again after a crash
   between the commit and the flag is taken once.
2. **Kept.** The raw bytes are written under ``<ATTACHMENT_PATH>/raw-mail/`` first (the
   backup copies them with the attachments) and a `ReceivedMail` row records what became of
   them; staff who see the ticket can download the original.
3. **Classified** (`classify.classify`): our own mail, auto-replies and list mail are
   ignored (no ticket, no answer: no mail loops); a bounce marks the failed addresses as
   bouncing (the outbox sends them nothing until they write again).
4. **Threaded.** In-Reply-To and References are looked up against our own Message-IDs (their
   HMAC checked by `helpdesk.mail_threading`, so a forged id names no ticket) and the
   Message-IDs of mails we received, else the subject's ``[HD-...]`` reference. Only the
   ticket's requester writes into it (addresses compared in any case): a mail from anyone
   else files a ticket of its own. A reply to a resolved ticket reopens it; one to a closed
   ticket files a new ticket whose text names the old one. The mail we send back about the
   ticket answers the sender's own latest mail (`thread_references`).
5. **Filed.** An unknown sender gets a customer account (language guessed from the mail)
   and a ticket on channel e-mail; the acknowledgement carries the link to choose a
   password. A mailbox that refuses unknown senders answers them politely instead.
6. **The text**: what the sender wrote now (cut at our reply marker, then the quotes and
   signature split off) is the message, shown as written (plain text, not Markdown: line
   breaks kept, web addresses linked); the quoted part is kept and shown collapsed.
   Attachments and inline images follow the upload limits: a file over one is left out
   with a note, the rest of the mail is kept.
7. **Limits**: more than MAIL_IN_MAX_PER_SENDER_PER_HOUR mails from one address within an
   hour are quarantined ("rate limit"), not filed.

Whatever goes wrong while processing (an exception anywhere, a message over the limits)
keeps the message in the quarantine (status quarantined, with the reason), where an admin
retries or discards it; `receive` then returns normally, so the IMAP message is marked.
Only when even the quarantine cannot be written does `receive` raise `MailNotKept` (the
pipe's caller gets a temporary failure and delivers again).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session

from helpdesk import mail_threading, signals
from helpdesk.accounts.models import Role
from helpdesk.accounts.operations import create_user, find_user
from helpdesk.clock import utcnow
from helpdesk.config import LANGUAGE_CODES
from helpdesk.database import writing
from helpdesk.extensions import db
from helpdesk.mail_in.classify import Classification, MailKind, classify
from helpdesk.mail_in.models import BouncingAddress, ReceivedMail, ReceivedStatus
from helpdesk.mail_in.parse import InboundMail, MailRejected, parse_mail
from helpdesk.mail_in.reply import split_reply
from helpdesk.text_input import clean_text
from helpdesk.tickets.attachments import store_files
from helpdesk.tickets.models import Channel, Status, Ticket
from helpdesk.tickets.operations import NewTicket, add_message, file_ticket

log = logging.getLogger(__name__)

RAW_FOLDER = "raw-mail"
DEFAULT_MAILBOX = "pipe"
RATE_WINDOW = timedelta(hours=1)
# An unknown sender refused by a mailbox gets at most one answer in this time.
REFUSAL_ANSWER_EVERY = timedelta(hours=24)
MAX_SUBJECT = 200            # Ticket.subject
MAX_NAME = 120               # User.name
MAX_ADDRESS = 254            # User.email


class MailNotKept(Exception):
    """Not even the quarantine could take the message: the caller must deliver it again."""


class Quarantine(Exception):
    """Raised inside processing: keep the message in the quarantine with this reason."""


@dataclass(frozen=True)
class Outcome:
    """What became of a message: its `ReceivedMail` row and status, the ticket and message
    it made (None when it made none), and whether it had been taken before."""

    status: ReceivedStatus
    received_id: int | None
    reason: str | None = None
    ticket_id: int | None = None
    message_id: int | None = None
    created_ticket: bool = False
    duplicate: bool = False


# -- the way in ---------------------------------------------------------------------------

def receive(raw: bytes, *, mailbox: str = DEFAULT_MAILBOX,
            refuse_unknown: bool = False) -> Outcome:
    """Take one raw message delivered to `mailbox` (see the module's docstring) and commit.

    `refuse_unknown`: the mailbox takes mail only from addresses that have an account; an
    unknown sender gets a polite automatic answer instead of an account and a ticket.
    Raises MailNotKept only when the message could not even be quarantined.
    """
    raw = bytes(raw)
    mailbox = (clean_text(mailbox) or DEFAULT_MAILBOX)[:100]
    mail, problem = _parse(raw)         # pure: before the transaction (and SQLite's lock)
    key = dedupe_key(raw, mail.message_id if mail else None,
                     mail.sender_address if mail else None)
    stored_name = None
    try:
        with writing():
            _fresh_transaction()
            earlier = _taken(key)
            if earlier is not None:
                outcome = _outcome(earlier, duplicate=True)
                db.session.commit()
                return outcome
            stored_name = _store_raw(raw)
            # The row joins the session only at the end, in one INSERT with its outcome (a
            # duplicate delivered meanwhile by another process fails that INSERT: below).
            row = _new_row(raw, key, mail, mailbox=mailbox, stored_name=stored_name,
                           refuse_unknown=refuse_unknown, add=False)
            if problem:
                _mark(row, ReceivedStatus.quarantined, problem)
            else:
                _process_safely(row, mail, unsaved=True)
            if row.status == ReceivedStatus.quarantined:
                _sync_raw(stored_name)
            db.session.add(row)
            db.session.flush()
            outcome = _outcome(row)
            db.session.commit()
            return outcome
    except IntegrityError:
        # Another process took the same message meanwhile (the unique key): theirs counts.
        db.session.rollback()
        with writing():
            earlier = _taken(key)
            if earlier is not None:
                _forget_raw(stored_name)
                outcome = _outcome(earlier, duplicate=True)
                db.session.commit()
                return outcome
        log.exception("mail in: could not record a message from %s",
                      mail.sender_address if mail else "?")
        return _quarantine_apart(raw, key, mail, mailbox, refuse_unknown, stored_name,
                                 "could not be recorded")
    except Exception as exc:  # noqa: BLE001 (never lose the message: quarantine it)
        db.session.rollback()
        log.exception("mail in: could not process a message from %s",
                      mail.sender_address if mail else "?")
        return _quarantine_apart(raw, key, mail, mailbox, refuse_unknown, stored_name,
                                 _describe(exc))


def receive_too_big(header: bytes, *, size: int, mailbox: str = DEFAULT_MAILBOX) -> Outcome:
    """Record a message too large to take (only its `header` was read): it goes to the
    quarantine, where it cannot be retried (the mailbox keeps the whole message). Commits."""
    parsed = BytesHeaderParser().parsebytes(bytes(header))
    message_id = (mail_threading.message_ids(str(parsed.get("Message-ID") or ""))
                  or [None])[0]
    sender = parseaddr(str(parsed.get("From") or ""))[1]
    key = dedupe_key(bytes(header), message_id, sender)
    reason = f"too big: {size} bytes (limit {max_bytes()}); the mailbox keeps it"
    with writing():
        _fresh_transaction()
        earlier = _taken(key)
        if earlier is not None:
            outcome = _outcome(earlier, duplicate=True)
            db.session.commit()
            return outcome
        row = ReceivedMail(
            dedupe_key=key, header_message_id=(message_id or None) and message_id[:255],
            sha256=hashlib.sha256(header).hexdigest(),
            sender=clean_text(sender).lower()[:MAX_ADDRESS],
            subject=clean_text(" ".join(str(parsed.get("Subject") or "").split()))[:300],
            mailbox=(clean_text(mailbox) or DEFAULT_MAILBOX)[:100], size=size,
            stored_name=_store_raw(bytes(header)), raw_complete=False,
            status=ReceivedStatus.quarantined, reason=reason, attempts=0)
        db.session.add(row)
        db.session.flush()
        outcome = _outcome(row)
        db.session.commit()
        return outcome


def keep_in_quarantine(raw: bytes, *, mailbox: str = DEFAULT_MAILBOX, reason: str,
                       refuse_unknown: bool = False) -> Outcome:
    """Put `raw` into the quarantine without processing it (an admin retries it). Commits."""
    mail, _problem = _parse(raw)
    key = dedupe_key(raw, mail.message_id if mail else None,
                     mail.sender_address if mail else None)
    return _quarantine_apart(bytes(raw), key, mail, mailbox, refuse_unknown, None, reason)


def retry(row: ReceivedMail) -> Outcome:
    """Run the pipeline again on a quarantined mail (an admin's decision: the rate limit
    does not apply). Raises ValueError for a mail that is not in the quarantine or whose
    message was not kept whole (or is gone from the disk). Does not commit: the caller
    does."""
    if row.status != ReceivedStatus.quarantined:
        raise ValueError(f"mail {row.id} is {row.status.value}, not in the quarantine")
    if not row.raw_complete:
        raise ValueError(f"mail {row.id} was too big to take: only its header is kept")
    try:
        raw = read_raw(row)
    except OSError as exc:
        raise ValueError(f"mail {row.id}: the raw message cannot be read ({exc})") from exc
    mail, problem = _parse(raw)
    if problem:
        row.attempts += 1
        _mark(row, ReceivedStatus.quarantined, problem)
    else:
        _process_safely(row, mail, retrying=True)
    return _outcome(row)


def discard(row: ReceivedMail) -> None:
    """Give up a quarantined mail (the raw message stays on disk). The caller commits."""
    if row.status != ReceivedStatus.quarantined:
        raise ValueError(f"mail {row.id} is {row.status.value}, not in the quarantine")
    _mark(row, ReceivedStatus.discarded, row.reason)


# -- the raw message ----------------------------------------------------------------------

def dedupe_key(raw: bytes, message_id: str | None, sender: str | None) -> str:
    """The key a message counts once by: its Message-ID and sender, else its bytes."""
    if message_id:
        basis = f"id\0{message_id}\0{(sender or '').lower()}".encode()
    else:
        basis = b"raw\0" + hashlib.sha256(raw).hexdigest().encode()
    return hashlib.sha256(basis).hexdigest()


def raw_path(row: ReceivedMail) -> Path:
    return _raw_folder() / row.stored_name[:2] / row.stored_name


def read_raw(row: ReceivedMail) -> bytes:
    return raw_path(row).read_bytes()


def _raw_folder() -> Path:
    return Path(current_app.config["ATTACHMENT_PATH"]) / RAW_FOLDER


def _store_raw(raw: bytes) -> str:
    """Write the raw message to disk (as attachments are: the ticket made from it is in the
    database; a message kept only in the quarantine is synced before its commit)."""
    name = secrets.token_hex(16)
    path = _raw_folder() / name[:2] / name
    try:
        _write_new(path, raw)
    except FileNotFoundError:       # the first message in its folder
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_new(path, raw)
    return name


def _write_new(path: Path, raw: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(raw)


def _sync_raw(stored_name: str) -> None:
    """Make sure the raw message is on the disk: for what only the quarantine holds."""
    with open(_raw_folder() / stored_name[:2] / stored_name, "rb") as handle:
        os.fsync(handle.fileno())


def _forget_raw(stored_name: str | None) -> None:
    if stored_name:
        (_raw_folder() / stored_name[:2] / stored_name).unlink(missing_ok=True)


def max_bytes() -> int:
    return int(current_app.config.get("MAIL_IN_MAX_BYTES") or 25 * 1024 * 1024)


def _parse(raw: bytes) -> tuple[InboundMail | None, str | None]:
    try:
        return parse_mail(raw, max_bytes=max_bytes()), None
    except MailRejected as exc:
        return None, f"rejected: {exc.reason}"
    except Exception as exc:  # noqa: BLE001 (parse_mail should not raise; keep it anyway)
        log.exception("mail in: parse_mail failed")
        return None, f"unreadable: {_describe(exc)}"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


# -- rows and transactions ----------------------------------------------------------------

def _fresh_transaction() -> None:
    """Start from a new transaction, so it begins as a declared writer (SQLite's lock)."""
    if db.session().in_transaction():
        db.session.commit()


# The statements every message runs, built once (building one costs more than running it
# on SQLite).
_TAKEN = sa.select(ReceivedMail).where(ReceivedMail.dedupe_key == sa.bindparam("key"))
_RECENT_FROM = (sa.select(sa.func.count()).select_from(ReceivedMail)
                .where(ReceivedMail.sender == sa.bindparam("sender"),
                       ReceivedMail.received_at >= sa.bindparam("since"),
                       ReceivedMail.kind == MailKind.ticket_mail.value))
_NOT_BOUNCING = sa.delete(BouncingAddress).where(
    BouncingAddress.address == sa.bindparam("address"))


def _taken(key: str) -> ReceivedMail | None:
    return db.session.scalar(_TAKEN, {"key": key})


def _new_row(raw: bytes, key: str, mail: InboundMail | None, *, mailbox: str,
             stored_name: str, refuse_unknown: bool, add: bool = True) -> ReceivedMail:
    row = ReceivedMail(
        dedupe_key=key, sha256=hashlib.sha256(raw).hexdigest(), mailbox=mailbox,
        size=len(raw), stored_name=stored_name, raw_complete=True,
        refuse_unknown=refuse_unknown, status=ReceivedStatus.quarantined,
        reason="being processed", attempts=0, received_at=utcnow(), updated_at=utcnow())
    if mail is not None:
        row.header_message_id = mail.message_id[:255] if mail.message_id else None
        row.sender = mail.sender_address.lower()[:MAX_ADDRESS]
        row.subject = mail.subject[:300]
    else:
        _headers_into(row, raw)
    if add:
        db.session.add(row)
    return row


def _headers_into(row: ReceivedMail, raw: bytes) -> None:
    """Sender and subject of a message parse_mail refused, for the quarantine list."""
    try:
        parsed = BytesHeaderParser().parsebytes(raw[:64 * 1024])
        sender = parseaddr(str(parsed.get("From") or ""))[1]
        subject = " ".join(str(parsed.get("Subject") or "").split())
    except Exception:  # noqa: BLE001 (it is only for the list)
        sender, subject = "", ""
    row.sender = clean_text(sender).lower()[:MAX_ADDRESS]
    row.subject = clean_text(subject)[:300]


def _quarantine_apart(raw: bytes, key: str, mail: InboundMail | None, mailbox: str,
                      refuse_unknown: bool, stored_name: str | None, reason: str) -> Outcome:
    """Keep the message in the quarantine, in a transaction of its own."""
    try:
        with writing():
            _fresh_transaction()
            row = _taken(key)
            if row is None:
                row = _new_row(raw, key, mail, mailbox=(clean_text(mailbox) or
                                                         DEFAULT_MAILBOX)[:100],
                               stored_name=stored_name or _store_raw(raw),
                               refuse_unknown=refuse_unknown)
            elif row.status != ReceivedStatus.quarantined:
                outcome = _outcome(row, duplicate=True)
                db.session.commit()
                return outcome
            row.attempts += 1
            _mark(row, ReceivedStatus.quarantined, reason)
            db.session.flush()
            _sync_raw(row.stored_name)
            outcome = _outcome(row)
            db.session.commit()
            return outcome
    except Exception as exc:
        db.session.rollback()
        log.exception("mail in: could not keep a message in the quarantine")
        raise MailNotKept(_describe(exc)) from exc


def _mark(row: ReceivedMail, status: ReceivedStatus, reason: str | None) -> None:
    row.status = status
    row.reason = reason[:500] if reason else None
    row.updated_at = utcnow()


def _outcome(row: ReceivedMail, *, duplicate: bool = False) -> Outcome:
    return Outcome(status=row.status, received_id=row.id, reason=row.reason,
                   ticket_id=row.ticket_id, message_id=row.message_id,
                   created_ticket=bool(row.ticket_id) and row.message_id is None
                   and not duplicate, duplicate=duplicate)


def _process_safely(row: ReceivedMail, mail: InboundMail, *, retrying: bool = False,
                    unsaved: bool = False) -> None:
    """Classify, then act: whatever fails is undone and the mail quarantined (the row, its
    kind and the attempt stay).

    A row in the database (an admin's retry) is worked on in a savepoint. An `unsaved`
    row (not in the session: `receive` adds it afterwards) needs none: a failure rolls the
    whole transaction back (nothing but this message's work is in it) and the row, marked,
    is added to the next. That spares a new message the row's INSERT before the work, the
    savepoint's two statements and an UPDATE."""
    row.attempts += 1
    row.ticket_id = row.message_id = None
    row.quoted_text = row.dropped_files = None
    try:
        verdict = classify(mail, instance_id=mail_threading.instance_id(),
                           own_list_ids=_own_list_ids())
        row.kind = verdict.kind.value
        if unsaved:
            _act(row, mail, verdict, retrying=retrying)
            db.session.flush()
        else:
            with db.session.begin_nested():
                _act(row, mail, verdict, retrying=retrying)
                db.session.flush()
    except Quarantine as reason:
        _undo(row, unsaved)
        _mark(row, ReceivedStatus.quarantined, str(reason))
    except Exception as exc:  # noqa: BLE001 (kept in the quarantine, with the reason)
        log.exception("mail in: processing mail %s failed; it is kept in the quarantine",
                      row.id or f"from {row.sender}")
        _undo(row, unsaved)
        _mark(row, ReceivedStatus.quarantined, _describe(exc))


def _undo(row: ReceivedMail, unsaved: bool) -> None:
    """After a failed attempt on an unsaved row: roll back what it did and forget what it
    linked the row to (for a row in the database the savepoint's rollback did)."""
    if unsaved:
        db.session.rollback()
        row.ticket = row.message = None
        row.ticket_id = row.message_id = None
        row.quoted_text = row.dropped_files = None


# -- processing ---------------------------------------------------------------------------

def _act(row: ReceivedMail, mail: InboundMail, verdict: Classification, *,
         retrying: bool) -> None:
    if verdict.kind == MailKind.own_mail or (
            verdict.kind == MailKind.ticket_mail and _from_ourselves(mail.sender_address)):
        _mark(row, ReceivedStatus.ignored, "our own mail: " + verdict.reason)
    elif verdict.kind in (MailKind.auto_reply, MailKind.list_mail):
        _mark(row, ReceivedStatus.ignored, f"{verdict.kind.value}: {verdict.reason}")
    elif verdict.kind == MailKind.bounce:
        _bounce(row, verdict)
    else:
        _ticket_mail(row, mail, retrying=retrying)


def _own_list_ids() -> tuple[str, ...]:
    value = str(current_app.config.get("MAIL_IN_OWN_LIST_IDS") or "")
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _from_ourselves(address: str) -> bool:
    """Whether `address` is one this helpdesk sends from (a loop without our header)."""
    config = current_app.config
    ours = {address.lower() for _name, address in getaddresses(
        [str(config.get("MAIL_DEFAULT_SENDER") or ""), str(config.get("MAIL_REPLY_TO") or "")])
        if address}
    return address.lower() in ours


def _bounce(row: ReceivedMail, verdict: Classification) -> None:
    now = utcnow()
    for address in verdict.failed_recipients:
        address = address.lower()[:MAX_ADDRESS]
        mark = db.session.scalar(sa.select(BouncingAddress)
                                 .where(BouncingAddress.address == address))
        if mark is None:
            db.session.add(BouncingAddress(address=address, bounces=1, first_bounced_at=now,
                                           last_bounced_at=now, diagnostic=verdict.reason))
        else:
            mark.bounces += 1
            mark.last_bounced_at = now
    failed = ", ".join(verdict.failed_recipients)
    _mark(row, ReceivedStatus.bounce,
          f"failed: {failed}" if failed else f"no failed recipient ({verdict.reason})")


def bouncing_reason(address: str) -> str | None:
    """A reason not to mail `address` (registry.MAIL_RECIPIENT_CHECKS), else None."""
    address = (address or "").lower()
    current = db.session().info.get(RECEIVING_KEY)
    if current is not None and current.sender == address:
        return None     # its mail is being filed: _ticket_mail cleared its mark just now
    mark = db.session.scalar(sa.select(BouncingAddress)
                             .where(BouncingAddress.address == address))
    if mark is None:
        return None
    return (f"the address bounces ({mark.bounces}x, last "
            f"{mark.last_bounced_at:%Y-%m-%d %H:%M} UTC)")


def _ticket_mail(row: ReceivedMail, mail: InboundMail, *, retrying: bool) -> None:
    address = mail.sender_address
    if not address:
        raise Quarantine("no sender address")
    if len(address) > MAX_ADDRESS:
        raise Quarantine("the sender address is too long")
    if not retrying:
        _check_rate(address)
    user = find_user(address)
    if user is not None and not user.is_customer:
        raise Quarantine("sent by a staff account (staff answer in the app)")
    if user is not None and not user.is_active:
        raise Quarantine("the sender's account is deactivated")
    # Mail from the address arrives: it does not bounce (any more).
    db.session.execute(_NOT_BOUNCING, {"address": address.lower()})

    body, quoted = _texts(mail)
    ticket = _thread(row, mail)
    if ticket is not None and ticket.requester.email.lower() == address.lower():
        if ticket.status != Status.closed:
            files, left_out = _files(mail)
            with _receiving(row):
                message = add_message(ticket, author=ticket.requester, body=body,
                                      attachments=files, plain=True)
            _processed(row, ticket, message, quoted, left_out,
                       f"reply to {ticket.ref}")
            return
        follow_up_of = ticket
    else:
        follow_up_of = None
    if user is None:
        if row.refuse_unknown:
            _refuse(row, mail)
            return
        # (find_user found no account above: create it without looking twice)
        user = create_user(email=address, name=_sender_name(mail), role=Role.customer,
                           language=guess_language(mail, body))
    if follow_up_of is not None:
        with force_locale(user.language or current_app.config["DEFAULT_LOCALE"]):
            line = _("Follow-up to %(ref)s", ref=follow_up_of.ref)
        body = f"{line}\n\n{body}".strip()
    files, left_out = _files(mail)
    with _receiving(row):
        ticket = file_ticket(NewTicket(subject=_subject(mail, body), body=body,
                                       channel=Channel.email),
                             requester=user, by=user, attachments=files, plain=True)
    reason = f"new ticket {ticket.ref}"
    if follow_up_of is not None:
        reason += f", follow-up to the closed {follow_up_of.ref}"
    _processed(row, ticket, None, quoted, left_out, reason)


def _processed(row: ReceivedMail, ticket: Ticket, message, quoted: str, left_out,
               reason: str) -> None:
    row.ticket = ticket
    row.message = message
    row.quoted_text = quoted or None
    row.dropped_files = json.dumps([{"name": f.name, "reason": f.reason, "limit": f.limit}
                                    for f in left_out]) if left_out else None
    _mark(row, ReceivedStatus.processed, reason)


def _other_than(row: ReceivedMail) -> tuple:
    """The condition that leaves `row` out of a query (none for a row not yet inserted)."""
    return () if row.id is None else (ReceivedMail.id != row.id,)


def _check_rate(address: str) -> None:
    """Quarantine a mail beyond the sender's hourly limit. Only a mail received now is
    checked (not an admin's retry): its row is not in the database yet, so the count is
    of the sender's other mails."""
    limit = int(current_app.config.get("MAIL_IN_MAX_PER_SENDER_PER_HOUR") or 0)
    if limit <= 0:
        return
    recent = db.session.scalar(_RECENT_FROM, {"sender": address.lower(),
                                              "since": utcnow() - RATE_WINDOW})
    if recent >= limit:
        raise Quarantine(f"rate limit: {recent} mails from {address} within an hour "
                         f"(limit {limit})")


def _thread(row: ReceivedMail, mail: InboundMail) -> Ticket | None:
    """The ticket the mail answers: our Message-IDs in its headers, the Message-IDs of
    mails we received, then the subject's reference."""
    ids = [mid for mid in (mail.in_reply_to, *mail.references) if mid]
    ticket_id = mail_threading.ticket_id_from_headers(" ".join(ids))
    if ticket_id is None and ids:
        ticket_id = db.session.scalar(
            sa.select(ReceivedMail.ticket_id)
            .where(ReceivedMail.header_message_id.in_([mid[:255] for mid in ids[-50:]]),
                   ReceivedMail.ticket_id.is_not(None), *_other_than(row))
            .order_by(ReceivedMail.id.desc()).limit(1))
    if ticket_id is None:
        ticket_id = mail_threading.find_ticket_ref(mail.subject)
    return db.session.get(Ticket, ticket_id) if ticket_id is not None else None


def _texts(mail: InboundMail) -> tuple[str, str]:
    """The message's text and the quoted part: cut at our reply marker first, then the
    quote and signature split. A forward keeps what it forwards (that is the request);
    when nothing new is left, the whole text is the message."""
    text = mail.text
    above = mail_threading.cut_at_reply_marker(text)
    if len(above) < len(text.rstrip()):
        split = split_reply(above)
        new, quoted = split.new_text, "\n\n".join(
            part for part in (split.quoted_text, text[len(above):].strip("\n")) if part)
    else:
        new, quoted = mail.new_text, mail.quoted_text
    if mail.forwarded or not new.strip():
        return text.strip("\n"), ""
    return new, quoted


def _files(mail: InboundMail):
    return store_files((a.filename, a.content_type, a.data) for a in mail.attachments)


def _sender_name(mail: InboundMail) -> str:
    name = " ".join(mail.sender_name.split()).strip("'\" ")
    return name[:MAX_NAME]


_REF_IN_SUBJECT = re.compile(r"\[\s*HD-?\s*\d{1,10}\s*\]\s*", re.IGNORECASE)


def _subject(mail: InboundMail, body: str) -> str:
    """The new ticket's subject: the mail's, without reply prefixes or an old reference;
    else the text's first line."""
    subject = mail_threading.strip_subject_prefixes(_REF_IN_SUBJECT.sub("", mail.subject))
    if not subject:
        subject = next((line.strip() for line in body.split("\n") if line.strip()), "")
    if not subject:
        subject = _("E-mail without a subject")
    if len(subject) > MAX_SUBJECT:
        subject = subject[:MAX_SUBJECT - 1].rstrip() + "…"
    return subject


def _refuse(row: ReceivedMail, mail: InboundMail) -> None:
    """An unknown sender at a mailbox that refuses them: one polite automatic answer a
    day at most (signal `unknown_sender_refused`; the mail feature sends it)."""
    address = mail.sender_address.lower()
    answered = db.session.scalar(
        sa.select(sa.func.count()).select_from(ReceivedMail)
        .where(ReceivedMail.sender == address,
               ReceivedMail.status == ReceivedStatus.refused,
               ReceivedMail.received_at >= utcnow() - REFUSAL_ANSWER_EVERY,
               *_other_than(row)))
    if not answered:
        signals.unknown_sender_refused.send(
            row, address=mail.sender_address, name=_sender_name(mail),
            language=guess_language(mail, mail.new_text or mail.text), subject=mail.subject,
            in_reply_to=mail.message_id)
    _mark(row, ReceivedStatus.refused, "unknown sender; the mailbox takes mail only from "
          "customers with an account" + ("" if not answered else " (answered before)"))


# -- the sender's language ----------------------------------------------------------------

_WORD = re.compile(r"[a-zäöüß']+")
_GERMAN_WORDS = (
    "und ich nicht die der das ist mit für bitte danke dank meine mein meiner wir sie ein "
    "eine einen auf zu den dem von hallo grüße gruß vielen leider noch schon wurde habe "
    "haben ist sind bei aber oder auch kann können wie was wann warum heute gestern "
    "bestellung rechnung lieferung paket sehr geehrte damen herren liebe lieber")
_ENGLISH_WORDS = (
    "the and i not is are my me we you your to of for please thanks thank with on in it "
    "this that was have has been but or also can could how what when why today yesterday "
    "order invoice delivery parcel dear hello hi regards best kind")
_GERMAN = frozenset(_GERMAN_WORDS.split())
_ENGLISH = frozenset(_ENGLISH_WORDS.split())


def guess_language(mail: InboundMail, text: str) -> str:
    """The language to answer in: the Content-Language header when it names one of ours,
    else German when German words and umlauts dominate the text, English when English
    words do, else DEFAULT_LOCALE."""
    declared = (mail.header("Content-Language") or "").split(",")[0].strip().lower()
    declared = declared.split("-")[0]
    if declared in LANGUAGE_CODES:
        return declared
    sample = f"{mail.subject}\n{text}"[:5000].lower()
    words = _WORD.findall(sample)
    german = sum(word in _GERMAN for word in words) + min(
        sum(sample.count(ch) for ch in "äöüß"), 10)
    english = sum(word in _ENGLISH for word in words)
    if german >= 2 and german > english and "de" in LANGUAGE_CODES:
        return "de"
    if english >= 2 and english > german and "en" in LANGUAGE_CODES:
        return "en"
    return str(current_app.config["DEFAULT_LOCALE"])


# -- threading the mail we send back ------------------------------------------------------

# The session's mail being filed right now: the mail the ticket operations send in the
# same transaction (the acknowledgement) answer it, before its row names the ticket.
RECEIVING_KEY = "helpdesk_mail_in_receiving"
# The ticket that mail filed (its id), once inserted: no mail received earlier is on it.
FILED_KEY = "helpdesk_mail_in_filed"


@contextmanager
def _receiving(row: ReceivedMail):
    info = db.session().info
    info[RECEIVING_KEY] = row
    try:
        yield
    finally:
        info.pop(RECEIVING_KEY, None)
        info.pop(FILED_KEY, None)


@sa.event.listens_for(Ticket, "after_insert")
def _filed_while_receiving(_mapper, _connection, ticket: Ticket) -> None:
    session = object_session(ticket)
    if session is not None and RECEIVING_KEY in session.info:
        session.info[FILED_KEY] = ticket.id


def thread_references(ticket: Ticket, recipient: str) -> list[tuple[str, datetime]]:
    """registry.THREAD_REFERENCES: the Message-IDs of the mails `recipient` sent that were
    filed on `ticket` (the one being filed now too), with when they came, oldest first; so
    the acknowledgement and every later mail answer the customer's own mail. (A ticket the
    mail being received has just filed has no earlier mails: no query for them.)"""
    address = (recipient or "").lower()
    if ticket.id is None or not address:
        return []
    info = db.session().info
    rows = [] if info.get(FILED_KEY) == ticket.id else db.session.execute(
        sa.select(ReceivedMail.header_message_id, ReceivedMail.received_at, ReceivedMail.id)
        .where(ReceivedMail.ticket_id == ticket.id, ReceivedMail.sender == address,
               ReceivedMail.status == ReceivedStatus.processed,
               ReceivedMail.header_message_id.is_not(None))
        .order_by(ReceivedMail.id.desc()).limit(20)).all()
    found = {row_id: (mid, at) for mid, at, row_id in rows}
    current = info.get(RECEIVING_KEY)
    if (current is not None and current.header_message_id and current.sender == address
            and current.ticket_id in (None, ticket.id)):
        if current.id is None:          # not inserted yet: the newest
            return [*(found[row_id] for row_id in sorted(found)),
                    (current.header_message_id, current.received_at)]
        found[current.id] = (current.header_message_id, current.received_at)
    return [found[row_id] for row_id in sorted(found)]


# -- what the ticket page shows -----------------------------------------------------------

def message_extras(ticket: Ticket) -> dict[int | None, list[dict]]:
    """registry.MESSAGE_EXTRAS: under each message that came by mail, its quoted part
    (collapsed), the files left out, and (for staff) the original message."""
    rows = db.session.scalars(
        sa.select(ReceivedMail).where(ReceivedMail.ticket_id == ticket.id,
                                      ReceivedMail.status == ReceivedStatus.processed)
        .order_by(ReceivedMail.id)).all()
    found: dict[int | None, list[dict]] = {}
    for row in rows:
        found.setdefault(row.message_id, []).append(
            {"template": "mail_in/_message_extra.html", "mail": row})
    return found
