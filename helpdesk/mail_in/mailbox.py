"""Reading a mailbox over IMAP (IMAPClient): each message is handed to the caller once, and
marked processed on the server only after the caller is done with it.

A mailbox is configured by URL::

    imap://USER:PASSWORD@HOST[:PORT]/FOLDER[?processed=FOLDER][&starttls=yes]
    imaps://USER:PASSWORD@HOST[:PORT]/FOLDER[?processed=FOLDER]

and, for the pipeline (helpdesk/mail_in/cli.py), ``name=NAME`` (the mailbox's name in the
administration) and ``unknown=refuse`` (answer senders without an account politely instead
of filing a ticket; ``unknown=accept`` is the default).

User, password and folders are percent-decoded (write ``@`` as ``%40``, ``/`` as ``%2F``,
``:`` as ``%3A``, ``%`` as ``%25``, ``#`` as ``%23``, ``?`` as ``%3F``); the folder defaults
to ``INBOX``, a nested folder is written with the server's own separator
(``Support%2FInbox``). ``imaps`` is IMAP over TLS (port 993); ``imap`` is port 143, with
``starttls=yes`` upgraded to TLS before login. Certificates are verified (the system's CAs,
unless the caller passes an ``ssl_context``).

How "processed" is recorded on the server:

* default: the message gets the keyword ``$HelpdeskDone`` (and ``\\Seen``, for people who
  look at the mailbox with a mail client). Only the keyword counts: a message somebody read in
  a mail client is still taken, and one we took stays taken when somebody marks it unread.
  The server must keep custom keywords (``\\*`` in PERMANENTFLAGS, as Dovecot, Cyrus and
  Gmail do); where it does not, connecting fails with MailboxError: configure a processed
  folder there.
* ``?processed=FOLDER``: the message is marked the same way and then moved to FOLDER (created
  if missing): with MOVE where the server has it, else COPY, ``\\Deleted`` and expunge.
  A message left marked in the source folder (a run that died between marking and moving)
  is moved at the start of the next run.

Exactly once, and what the caller must do: ``handle(raw, uid)`` is called for every message
not yet marked, oldest first; a message is marked (or moved) only after its ``handle``
returned, that is after the caller committed what the message caused. If ``handle`` raises,
the message stays unmarked and is offered again in the next run (each message is tried at
most once per run, so one bad message never stalls a run). The window between the caller's
commit and the mark (a crash, a dropped connection, a server refusing the STORE) means a
message can be handed over twice: the caller must recognise a message it already took (by
its Message-ID) and return as if it had taken it, so that this time it gets marked.

Chunks: messages are downloaded several at a time, one FETCH for a chunk of up to
``chunk_messages`` (``FETCH_MESSAGES``, 50) whose sizes add up to at most ``FETCH_BYTES``
(a larger message comes alone), handed over one by one, and then the chunk's messages whose
``handle`` returned are marked with one STORE (and moved with one MOVE). A message whose
``handle`` raised is left out of the mark; the others of its chunk are marked. So the window
above spans a chunk: a crash or a dropped connection before the chunk's mark hands every
message of the chunk that was taken over again. A pass starts with a chunk of one message
and doubles it after each chunk it marked (1, 2, 4, ... up to ``chunk_messages``): the few
new messages of a usual run are marked soon, and a run whose marks fail (a server refusing
the STORE) has handed over only a message or two when it stops. A run interrupted inside
``handle`` (Ctrl-C) still marks what its chunk took before, if the connection lets it.

A message larger than ``max_bytes`` (its RFC822.SIZE, asked before any download) is not
downloaded: ``too_big(headers, uid, size)`` gets its first ``HEADER_BYTES`` of header (asked
for with the other oversized messages of its chunk) and is then marked like any other;
without a ``too_big`` callback it stays in the mailbox unmarked, logged at every run.

``fetch_once`` reads what is there and returns; ``poll`` keeps reading until its stop event
is set, woken by IDLE where the server has it (re-issued every ``idle_renew`` seconds, each
time with a full pass that also retries the messages whose ``handle`` failed), else every
``interval`` seconds, and reconnects after a dropped connection with exponential backoff.
"""
from __future__ import annotations

import imaplib
import ipaddress
import logging
import re
import select
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SocketTimeout

log = logging.getLogger(__name__)

DONE_KEYWORD = "$HelpdeskDone"
SEEN = r"\Seen"
DELETED = r"\Deleted"
# Mail providers refuse messages over 25-35 MB; ours must take what they deliver, and the
# attachment limits (MAX_ATTACHMENT_BYTES x MAX_ATTACHMENTS_PER_MESSAGE, base64-encoded)
# decide what is kept. The pipeline passes its own cap.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
HEADER_BYTES = 64 * 1024           # of a too-big message's header, handed to `too_big`
CONNECT_TIMEOUT = 15.0             # seconds
READ_TIMEOUT = 120.0               # seconds for one answer of the server
SIZE_CHUNK = 200                   # UIDs asked for their sizes in one command
FETCH_MESSAGES = 50                # messages downloaded together, and marked together
FETCH_BYTES = 4 * 1024 * 1024      # their sizes together at most (a bigger one comes alone)
IDLE_RENEW = 10 * 60.0             # RFC 2177: re-issue IDLE at least every 29 minutes
POLL_INTERVAL = 60.0               # without IDLE
STOP_CHECK = 0.5                   # how often a waiting poll looks at its stop event
BACKOFF = (1.0, 60.0)              # first and longest wait before reconnecting

DEFAULT_PORTS = {"imap": 143, "imaps": 993}
_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off", ""}
_NEW_MAIL = re.compile(rb"^\* \d+ (EXISTS|RECENT)\b", re.IGNORECASE)
_BYE = re.compile(rb"^\* BYE\b", re.IGNORECASE)

Handle = Callable[[bytes, int], Any]
TooBigHandle = Callable[[bytes, int, int], Any]
# What tells "the connection is gone" (socket errors, timeouts, TLS errors, the server's BYE
# or a protocol error), as opposed to a configuration error (MailboxError).
CONNECTION_ERRORS = (OSError, imaplib.IMAP4.error, IMAPClientError, EOFError)


class MailboxError(Exception):
    """The mailbox cannot be used as configured (bad URL, missing folder, a server that keeps
    no keywords): retrying does not help."""


class ConnectionDropped(ConnectionError):
    """The server ended the connection (BYE) while we waited in IDLE."""


@dataclass(frozen=True)
class MailboxConfig:
    """One mailbox, as given by its URL (see the module's docstring)."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    tls: bool = False                  # imaps: TLS from the first byte
    starttls: bool = False
    processed_folder: str | None = None
    name: str | None = None            # the mailbox's name for the pipeline
    unknown: str = "accept"            # unknown senders: "accept" or "refuse"

    @classmethod
    def from_url(cls, url: str) -> MailboxConfig:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise MailboxError(f"a mailbox URL starts with imap:// or imaps://, not {scheme!r}")
        try:
            port = parts.port or DEFAULT_PORTS[scheme]
        except ValueError as exc:
            raise MailboxError(f"bad port in the mailbox URL: {exc}") from None
        if not parts.hostname:
            raise MailboxError("the mailbox URL names no host")
        if parts.username is None or parts.password is None:
            raise MailboxError("the mailbox URL needs a user and a password (imap://USER:PASSWORD@HOST/)")
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"processed", "starttls", "name", "unknown"}
        if unknown:
            raise MailboxError("unknown option(s) in the mailbox URL: "
                               + ", ".join(sorted(unknown)))
        starttls = _flag(query, "starttls")
        if starttls and scheme == "imaps":
            raise MailboxError("starttls is for imap://; imaps:// is TLS already")
        processed = query.get("processed", [None])[-1] or None
        senders = query.get("unknown", ["accept"])[-1].strip().lower() or "accept"
        if senders not in ("accept", "refuse"):
            raise MailboxError(f"unknown= takes accept or refuse, not {senders!r}")
        name = " ".join(query.get("name", [""])[-1].split())[:100] or None
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        if processed == folder:
            raise MailboxError("the processed folder must not be the folder that is read")
        return cls(host=parts.hostname, port=port, username=unquote(parts.username),
                   password=unquote(parts.password), folder=folder, tls=scheme == "imaps",
                   starttls=starttls, processed_folder=processed, name=name,
                   unknown=senders)

    def redacted(self) -> str:
        """The URL without the password, for logs and messages."""
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.folder}"

    @property
    def encrypted(self) -> bool:
        return self.tls or self.starttls


def _flag(query: dict[str, list[str]], name: str) -> bool:
    value = query.get(name, [""])[-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise MailboxError(f"{name}= takes yes or no, not {value!r}")


@dataclass
class FetchResult:
    """What one pass over the mailbox did, by UID."""

    handled: list[tuple[int, Any]] = field(default_factory=list)       # (uid, outcome)
    too_big: list[tuple[int, int]] = field(default_factory=list)       # (uid, size), marked
    failed: list[tuple[int, BaseException]] = field(default_factory=list)  # left for later
    left: list[int] = field(default_factory=list)   # too big and no too_big callback


class _Session:
    """One logged-in connection with the configured folder selected."""

    def __init__(self, config: MailboxConfig, ssl_context: ssl.SSLContext | None,
                 timeout: SocketTimeout):
        self.config = config
        if not config.encrypted and not _is_loopback(config.host):
            log.warning("mailbox %s: the password travels unencrypted; use imaps:// or "
                        "?starttls=yes", config.redacted())
        context = ssl_context or (ssl.create_default_context() if config.encrypted else None)
        self.client = IMAPClient(config.host, port=config.port, ssl=config.tls,
                                 ssl_context=context, timeout=timeout)
        try:
            if config.starttls:
                self.client.starttls(context)
            if (config.username + config.password).isascii():
                self.client.login(config.username, config.password)
            else:   # LOGIN is ASCII only; AUTHENTICATE PLAIN carries UTF-8
                self.client.plain_login(config.username, config.password)
            self._select()
        except BaseException:
            self.client.shutdown()
            raise

    def _select(self) -> None:
        config, client = self.config, self.client
        if not client.folder_exists(config.folder):
            raise MailboxError(f"mailbox {config.redacted()}: no folder {config.folder!r}")
        if config.processed_folder and not client.folder_exists(config.processed_folder):
            client.create_folder(config.processed_folder)
        status = client.select_folder(config.folder)
        if b"READ-WRITE" not in status:
            raise MailboxError(f"mailbox {config.redacted()}: the folder is read-only")
        permanent = {f.decode().lower() for f in status.get(b"PERMANENTFLAGS", ())}
        self.keywords = "\\*" in permanent or DONE_KEYWORD.lower() in permanent
        if not self.keywords and not config.processed_folder:
            raise MailboxError(f"mailbox {config.redacted()}: the server keeps no keywords; "
                               "configure a processed folder (?processed=FOLDER)")
        self.can_move = client.has_capability("MOVE")
        self.can_uid_expunge = client.has_capability("UIDPLUS")
        self.can_idle = client.has_capability("IDLE")
        self.new_mail_reported = False

    def close(self) -> None:
        try:
            self.client.logout()
        except Exception:  # noqa: BLE001 (the connection may be gone: just let go of it)
            with suppress(Exception):
                self.client.shutdown()

    # -- one pass ------------------------------------------------------------------------

    def process(self, handle: Handle, too_big: TooBigHandle | None, max_bytes: int,
                skip: Iterable[int] = (), chunk_messages: int = FETCH_MESSAGES) -> FetchResult:
        """Hand over every message not yet marked (UIDs in `skip` aside), oldest first, in
        chunks (see the module's docstring) of at most `chunk_messages` messages."""
        result = FetchResult()
        # imaplib keeps every unsolicited response (EXISTS after each new mail) until a
        # command asks for that kind; a connection that lives for days would pile them up.
        self.client._imap.untagged_responses.clear()
        if self.config.processed_folder:
            self._finish_moves()
        uids = sorted(set(self.client.search(["NOT", "KEYWORD", DONE_KEYWORD, "NOT", "DELETED"]
                                             if self.keywords else ["NOT", "DELETED"]))
                      - set(skip))
        limit = 1                       # grows to chunk_messages as the marks succeed
        for start in range(0, len(uids), SIZE_CHUNK):
            part = uids[start:start + SIZE_CHUNK]
            sizes = self.client.fetch(part, ["RFC822.SIZE"])
            # (a UID without an answer was expunged since the search, by another client)
            waiting = [(uid, sizes[uid][b"RFC822.SIZE"]) for uid in part if uid in sizes]
            while waiting:
                chunk = _next_chunk(waiting, limit, max_bytes)
                del waiting[:len(chunk)]
                self._chunk(chunk, handle, too_big, max_bytes, result)
                limit = min(limit * 2, max(1, chunk_messages))
        # Mail that arrived meanwhile was announced in the answers to our commands (and
        # kept by imaplib); IDLE will not announce it again.
        untagged = self.client._imap.untagged_responses
        self.new_mail_reported = "EXISTS" in untagged or "RECENT" in untagged
        return result

    def _chunk(self, chunk: list[tuple[int, int]], handle: Handle,
               too_big: TooBigHandle | None, max_bytes: int, result: FetchResult) -> None:
        """Download the chunk's messages (one FETCH; the oversized ones' headers in another),
        hand each over, then mark those whose callback returned (one STORE)."""
        whole = [uid for uid, size in chunk if size <= max_bytes]
        heads = [uid for uid, size in chunk if size > max_bytes and too_big is not None]
        data = self.client.fetch(whole, ["BODY.PEEK[]"]) if whole else {}
        if heads:
            data.update(self.client.fetch(heads, [f"BODY.PEEK[HEADER]<0.{HEADER_BYTES}>"]))
        taken: list[tuple[int, int, Any]] = []        # (uid, size, outcome): to be marked
        try:
            for uid, size in chunk:
                oversized = size > max_bytes
                if oversized and too_big is None:
                    log.warning("mailbox %s: message %s has %s bytes (over %s) and nobody "
                                "takes it; it stays in the mailbox", self.config.redacted(),
                                uid, size, max_bytes)
                    result.left.append(uid)
                    continue
                fetched = data.pop(uid, None)
                if fetched is None:
                    continue            # expunged since the search (another client)
                try:
                    payload = fetched.get(b"BODY[HEADER]<0>" if oversized else b"BODY[]")
                    if payload is None:
                        raise MailboxError(f"the server sent no content for message {uid}")
                    outcome = too_big(payload, uid, size) if oversized else handle(payload, uid)
                except Exception as exc:  # noqa: BLE001 (left unmarked for the next run)
                    log.exception("mailbox %s: message %s was not taken; it stays for the "
                                  "next run", self.config.redacted(), uid)
                    result.failed.append((uid, exc))
                    continue
                taken.append((uid, size, outcome))
        except BaseException:
            # Interrupted (Ctrl-C): what the caller took so far is marked if we still can.
            with suppress(*CONNECTION_ERRORS):
                self._marked(taken, max_bytes, result)
            raise
        # Only now, after the callers returned (committed): mark (and move).
        self._marked(taken, max_bytes, result)

    def _marked(self, taken: list[tuple[int, int, Any]], max_bytes: int,
                result: FetchResult) -> None:
        if not taken:
            return
        self._mark_done([uid for uid, _size, _outcome in taken])
        for uid, size, outcome in taken:
            if size > max_bytes:
                result.too_big.append((uid, size))
            else:
                result.handled.append((uid, outcome))

    def _mark_done(self, uids: list[int]) -> None:
        flags = [SEEN, DONE_KEYWORD] if self.keywords else [SEEN]
        self.client.add_flags(uids, flags, silent=True)
        if self.config.processed_folder:
            self._move(uids)

    def _move(self, uids: list[int]) -> None:
        target = self.config.processed_folder
        if self.can_move:
            self.client.move(uids, target)
            return
        self.client.copy(uids, target)
        self.client.add_flags(uids, [DELETED], silent=True)
        if self.can_uid_expunge:
            self.client.uid_expunge(uids)
        else:
            self.client.expunge()

    def _finish_moves(self) -> None:
        """Move what an earlier run marked but did not get to move."""
        if not self.keywords:
            return
        leftover = self.client.search(["KEYWORD", DONE_KEYWORD, "NOT", "DELETED"])
        if leftover:
            log.info("mailbox %s: moving %s message(s) an earlier run marked",
                     self.config.redacted(), len(leftover))
            self._move(sorted(leftover))

    # -- waiting -------------------------------------------------------------------------

    def wait_idle(self, seconds: float, stop_event: threading.Event) -> bool:
        """Wait in IDLE up to `seconds` for new mail; True if some arrived. Returns early
        (False) when `stop_event` is set; raises a connection error when the server hangs
        up."""
        new = self._start_idle()
        if not new:
            new = self._idle_until(time.monotonic() + seconds, stop_event)
        # (after a connection error there is no DONE to send: the session is dropped)
        self.client.idle_done()
        return new

    def _start_idle(self) -> bool:
        """Send IDLE and wait for its continuation. IMAPClient's own idle() gives up when
        the server reports something (new mail) before the continuation; this reads on, and
        says whether new mail was among it."""
        imap = self.client._imap
        tag = imap._command("IDLE")
        self.client._idle_tag = tag     # for IMAPClient.idle_done()
        new = False
        while True:
            line = imap._get_response()
            if line is None:            # "+ idling"
                return new
            if imap.tagged_commands.get(tag) is not None:
                raise MailboxError(f"the server refused IDLE: {line!r}")
            new = new or bool(_NEW_MAIL.match(line))

    def _idle_until(self, deadline: float, stop_event: threading.Event) -> bool:
        """Read IDLE responses until new mail, the deadline or the stop event.

        IMAPClient's idle_check() looks only at the socket, so a response already read into
        imaplib's buffer together with the "+ idling" line waits there unseen, and a closed
        connection looks like "nothing yet" forever. Here the buffer is looked at first, and
        each response is read whole: a closed connection raises imaplib's abort (EOF)."""
        sock = self.client.socket()
        while not stop_event.is_set():
            if not self._buffered(sock):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                poller = select.poll()
                poller.register(sock.fileno(), select.POLLIN)
                if not poller.poll(min(remaining, STOP_CHECK) * 1000):
                    continue
            line = self.client._imap._get_line()
            if _NEW_MAIL.match(line):
                return True
            if _BYE.match(line):
                raise ConnectionDropped(line.decode(errors="replace"))
        return False

    def _buffered(self, sock) -> bool:
        """Whether bytes already wait in imaplib's read buffer (or TLS's), without
        blocking."""
        reader = self.client._imap.file
        timeout = sock.gettimeout()
        sock.setblocking(False)
        try:
            return bool(reader.peek(1))
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except OSError:
            return True                 # let the read report it
        finally:
            sock.settimeout(timeout)


def _next_chunk(waiting: list[tuple[int, int]], limit: int,
                max_bytes: int) -> list[tuple[int, int]]:
    """The first messages of `waiting` ((uid, size), oldest first) to download together:
    at most `limit`, and at most FETCH_BYTES of them (an oversized message counts with its
    header only), but at least one."""
    chunk: list[tuple[int, int]] = []
    total = 0
    for uid, size in waiting[:limit]:
        cost = min(size, HEADER_BYTES) if size > max_bytes else size
        if chunk and total + cost > FETCH_BYTES:
            break
        chunk.append((uid, size))
        total += cost
    return chunk


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def _session(config: MailboxConfig, ssl_context: ssl.SSLContext | None,
             timeout: SocketTimeout) -> Iterator[_Session]:
    session = _Session(config, ssl_context, timeout)
    try:
        yield session
    finally:
        session.close()


def _timeouts(connect: float, read: float) -> SocketTimeout:
    return SocketTimeout(connect=connect, read=read)


def fetch_once(url: str, handle: Handle, *, too_big: TooBigHandle | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES, ssl_context: ssl.SSLContext | None = None,
               connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
               chunk_messages: int = FETCH_MESSAGES) -> FetchResult:
    """Connect, hand over every message not yet processed (see the module's docstring),
    log out. Connection errors propagate (what was marked stays marked); `handle` errors
    do not: their messages are in `FetchResult.failed` and stay for the next run.
    `chunk_messages`: how many messages are downloaded and marked together at most."""
    config = MailboxConfig.from_url(url)
    with _session(config, ssl_context, _timeouts(connect_timeout, read_timeout)) as session:
        return session.process(handle, too_big, max_bytes, chunk_messages=chunk_messages)


def poll(url: str, handle: Handle, *, stop_event: threading.Event,
         interval: float = POLL_INTERVAL, idle_renew: float = IDLE_RENEW,
         use_idle: bool = True, too_big: TooBigHandle | None = None,
         max_bytes: int = DEFAULT_MAX_BYTES, ssl_context: ssl.SSLContext | None = None,
         connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
         backoff: tuple[float, float] = BACKOFF, chunk_messages: int = FETCH_MESSAGES) -> None:
    """Keep handing over new mail until `stop_event` is set.

    With IDLE (unless `use_idle` is false) new mail is taken as the server reports it, and
    every `idle_renew` seconds IDLE is re-issued with a full pass; without, a pass runs every
    `interval` seconds. A message whose `handle` failed is retried at the next full pass (and
    after a reconnect), not at every new mail. A lost connection is reopened after 1, 2, 4...
    up to `backoff[1]` seconds; a MailboxError (configuration) ends the poll.
    `chunk_messages`: how many messages are downloaded and marked together at most."""
    if not 0 < idle_renew <= 29 * 60:
        raise ValueError("idle_renew must be more than 0 and at most 29 minutes (RFC 2177)")
    config = MailboxConfig.from_url(url)
    timeout = _timeouts(connect_timeout, read_timeout)
    delay = backoff[0]
    while not stop_event.is_set():
        retry_later: set[int] = set()    # failed or too big: at the next full pass
        try:
            with _session(config, ssl_context, timeout) as session:
                full_pass = True
                while not stop_event.is_set():
                    if full_pass:
                        retry_later.clear()
                    result = session.process(handle, too_big, max_bytes, skip=retry_later,
                                             chunk_messages=chunk_messages)
                    retry_later |= {uid for uid, _exc in result.failed} | set(result.left)
                    if result.handled or result.too_big or result.failed:
                        log.info("mailbox %s: %s taken, %s too big, %s failed",
                                 config.redacted(), len(result.handled), len(result.too_big),
                                 len(result.failed))
                    delay = backoff[0]  # connected and working again
                    if session.new_mail_reported:
                        full_pass = False   # look again before waiting
                    elif session.can_idle and use_idle:
                        full_pass = not session.wait_idle(idle_renew, stop_event)
                    else:
                        stop_event.wait(interval)
                        full_pass = True
        except CONNECTION_ERRORS as exc:
            if stop_event.is_set():
                break
            log.warning("mailbox %s: %s: %s; connecting again in %.3g s", config.redacted(),
                        type(exc).__name__, exc, delay)
            stop_event.wait(delay)
            delay = min(delay * 2, backoff[1])
