"""The IMAP mailbox reader (helpdesk/mail_in/mailbox.py) against a real Dovecot on loopback
(tests/imap_server.py): every message is handed over, and marked or moved on the server only
after the caller is done with it; nothing is lost when a run dies, and what a run marked is
never handed over again."""
from __future__ import annotations

import signal
import ssl
import subprocess
import sys
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
from imapclient.exceptions import LoginError

from helpdesk.mail_in.mailbox import (
    CONNECTION_ERRORS,
    DONE_KEYWORD,
    MailboxConfig,
    MailboxError,
    fetch_once,
    poll,
)

REPO = Path(__file__).resolve().parents[2]
WAIT = 10.0        # seconds to wait for a condition; a passing step takes milliseconds


def mail(number: int, body: str = "Hello, my parcel did not arrive.") -> bytes:
    return (f"From: Customer {number} <customer{number}@example.test>\r\n"
            f"To: support@shop.test\r\n"
            f"Subject: Order {number}\r\n"
            f"Message-ID: <{number}@example.test>\r\n"
            f"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
            f"\r\n{body}\r\n").encode()


def message_id(raw: bytes) -> str:
    return BytesHeaderParser().parsebytes(raw)["Message-ID"]


def wait_until(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def done(flags: set[str]) -> bool:
    return DONE_KEYWORD in flags


class Recorder:
    """A handle callback that keeps what it was given (thread-safe, for poll)."""

    def __init__(self, fail_on: set[str] = frozenset()):
        self.calls: list[tuple[int, str]] = []
        self.raw: list[bytes] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, raw: bytes, uid: int):
        with self.lock:
            self.calls.append((uid, message_id(raw)))
            self.raw.append(raw)
        if message_id(raw) in self.fail_on:
            raise RuntimeError("the database is down")
        return f"ticket for {message_id(raw)}"

    def ids(self) -> list[str]:
        with self.lock:
            return [mid for _uid, mid in self.calls]


# -- the URL -------------------------------------------------------------------------------

def test_mailbox_url_gives_decoded_user_password_folder_and_options():
    config = MailboxConfig.from_url(
        "imap://support%40shop.test:p%40ss%3Aw%2Frd%25%3F%23@mail.shop.test/Support%2FIn"
        "?processed=Done&starttls=yes")
    assert (config.host, config.port) == ("mail.shop.test", 143)
    assert config.username == "support@shop.test"
    assert config.password == "p@ss:w/rd%?#"
    assert config.folder == "Support/In"
    assert config.processed_folder == "Done"
    assert config.starttls and not config.tls
    assert "p@ss" not in repr(config) and "p@ss" not in config.redacted()

    plain = MailboxConfig.from_url("imaps://u:p@mail.shop.test")
    assert (plain.port, plain.tls, plain.folder, plain.processed_folder) == (
        993, True, "INBOX", None)
    assert MailboxConfig.from_url("imap://u:p@127.0.0.1:1143/INBOX").port == 1143


@pytest.mark.parametrize("url", [
    "pop3://u:p@mail.shop.test/",                          # not IMAP
    "imap://mail.shop.test/INBOX",                         # no credentials
    "imap://u:p@mail.shop.test/INBOX?procesed=Done",       # misspelt option
    "imaps://u:p@mail.shop.test/INBOX?starttls=yes",       # TLS twice
    "imap://u:p@mail.shop.test/INBOX?starttls=maybe",
    "imap://u:p@mail.shop.test/INBOX?processed=INBOX",     # would move onto itself
])
def test_mailbox_url_mistakes_are_refused_before_connecting(url):
    with pytest.raises(MailboxError):
        MailboxConfig.from_url(url)


# -- fetch_once ----------------------------------------------------------------------------

def test_fetch_hands_over_each_message_once_oldest_first_and_marks_it_after_the_callback(
        imap_account):
    uids = [imap_account.append(mail(n)) for n in (1, 2, 3)]
    seen_on_server_during_callback = []

    def handle(raw, uid):
        # What the server shows while the caller works: this message is not marked yet.
        seen_on_server_during_callback.append(done(imap_account.flags()[uid]))
        return recorder(raw, uid)

    recorder = Recorder()
    result = fetch_once(imap_account.url(), handle)

    assert recorder.calls == [(uids[0], "<1@example.test>"), (uids[1], "<2@example.test>"),
                              (uids[2], "<3@example.test>")]
    assert recorder.raw == [mail(1), mail(2), mail(3)]          # the bytes, untouched
    assert seen_on_server_during_callback == [False, False, False]
    assert result.handled == [(uid, f"ticket for <{n}@example.test>")
                              for uid, n in zip(uids, (1, 2, 3), strict=True)]
    flags = imap_account.flags()
    assert all(done(flags[uid]) and r"\Seen" in flags[uid] for uid in uids)

    again = Recorder()
    assert fetch_once(imap_account.url(), again).handled == []
    assert again.calls == []


def test_a_message_read_in_a_mail_client_is_still_taken(imap_account):
    """Only our keyword counts as processed, not \\Seen."""
    imap_account.append(mail(1), flags=[r"\Seen"])
    recorder = Recorder()
    fetch_once(imap_account.url(), recorder)
    assert recorder.ids() == ["<1@example.test>"]


def test_a_callback_that_raises_leaves_its_message_for_the_next_run(imap_account):
    uids = [imap_account.append(mail(n)) for n in (1, 2, 3)]
    failing = Recorder(fail_on={"<2@example.test>"})

    result = fetch_once(imap_account.url(), failing)

    # Tried once in this run, the others not held up by it.
    assert failing.ids() == ["<1@example.test>", "<2@example.test>", "<3@example.test>"]
    assert [uid for uid, _exc in result.failed] == [uids[1]]
    assert isinstance(result.failed[0][1], RuntimeError)
    flags = imap_account.flags()
    assert [done(flags[uid]) for uid in uids] == [True, False, True]

    working = Recorder()
    fetch_once(imap_account.url(), working)
    assert working.ids() == ["<2@example.test>"]
    assert all(done(f) for f in imap_account.flags().values())


CHILD = """
import os, signal, sys
from email.parser import BytesHeaderParser
from helpdesk.mail_in.mailbox import fetch_once

url, store, die_after = sys.argv[1:]

def handle(raw, uid):
    mid = BytesHeaderParser().parsebytes(raw)["Message-ID"]
    with open(store, "a") as committed:          # the caller's commit
        committed.write(mid + "\\n")
    if mid == die_after:                         # killed after the commit, before the mark
        os.kill(os.getpid(), signal.SIGKILL)
    return mid

fetch_once(url, handle)
"""


def test_a_fetch_killed_midway_and_restarted_loses_nothing_and_doubles_nothing(
        imap_account, tmp_path):
    uids = [imap_account.append(mail(n)) for n in (1, 2, 3)]
    store = tmp_path / "committed.txt"

    child = subprocess.run([sys.executable, "-c", CHILD, imap_account.url(), str(store),
                            "<2@example.test>"], cwd=REPO, capture_output=True, timeout=60)

    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    assert store.read_text().split() == ["<1@example.test>", "<2@example.test>"]
    flags = imap_account.flags()
    assert [done(flags[uid]) for uid in uids] == [True, False, False]

    # The restarted fetch: message 1 is not offered again; message 2, committed but never
    # marked, is, and the caller recognises it by its Message-ID; message 3 is new.
    offered = []

    def dedupe(raw, uid):
        mid = message_id(raw)
        offered.append(mid)
        committed = store.read_text().split()
        if mid in committed:
            return "already taken"
        store.write_text("".join(f"{m}\n" for m in [*committed, mid]))
        return "taken"

    result = fetch_once(imap_account.url(), dedupe)

    assert offered == ["<2@example.test>", "<3@example.test>"]
    assert [outcome for _uid, outcome in result.handled] == ["already taken", "taken"]
    assert store.read_text().split() == ["<1@example.test>", "<2@example.test>",
                                         "<3@example.test>"]
    assert all(done(f) for f in imap_account.flags().values())


def test_a_connection_dropped_before_the_mark_hands_the_message_over_again(imap_account):
    uids = [imap_account.append(mail(n)) for n in (1, 2)]
    calls = []

    def handle_then_lose_connection(raw, uid):
        calls.append(message_id(raw))
        if uid == uids[1]:
            imap_account.kick()         # the server hangs up before we can mark it
        return "taken"

    with pytest.raises(CONNECTION_ERRORS):
        fetch_once(imap_account.url(), handle_then_lose_connection)
    assert calls == ["<1@example.test>", "<2@example.test>"]
    flags = imap_account.flags()
    assert [done(flags[uid]) for uid in uids] == [True, False]

    again = Recorder()
    fetch_once(imap_account.url(), again)
    assert again.calls == [(uids[1], "<2@example.test>")]    # for the caller to dedupe


# -- chunks: several messages downloaded together, marked together after their callbacks ----

def test_a_callback_raising_inside_a_chunk_leaves_only_its_message_unmarked(imap_account):
    # chunk_messages=4: the chunks are [1], [2, 3] and [4, 5, 6, 7].
    uids = [imap_account.append(mail(n)) for n in range(1, 8)]
    failing = Recorder(fail_on={"<5@example.test>"})
    marked_while_the_chunk_was_handled = {}

    def handle(raw, uid):
        flags = imap_account.flags()
        marked_while_the_chunk_was_handled[uid] = [done(flags[u]) for u in uids]
        return failing(raw, uid)

    result = fetch_once(imap_account.url(), handle, chunk_messages=4)

    assert failing.ids() == [f"<{n}@example.test>" for n in range(1, 8)]
    # Marked per chunk, after its callbacks: the earlier chunks are marked, the chunk's own
    # messages taken before are not yet (nothing is marked before its callback returned).
    assert marked_while_the_chunk_was_handled[uids[6]] == [True] * 3 + [False] * 4
    assert [uid for uid, _exc in result.failed] == [uids[4]]
    assert [uid for uid, _outcome in result.handled] == uids[:4] + uids[5:]
    flags = imap_account.flags()
    assert [done(flags[uid]) for uid in uids] == [True] * 4 + [False] + [True] * 2

    again = Recorder()
    fetch_once(imap_account.url(), again, chunk_messages=4)
    assert again.calls == [(uids[4], "<5@example.test>")]
    assert all(done(f) for f in imap_account.flags().values())


def test_a_connection_dropped_inside_a_chunk_hands_its_taken_messages_over_again(
        imap_account):
    # chunk_messages=4: the chunks are [1], [2, 3] and [4, 5, 6, 7].
    uids = [imap_account.append(mail(n)) for n in range(1, 8)]
    committed: list[str] = []

    def handle(raw, uid):
        mid = message_id(raw)
        if mid in committed:                # the caller recognises what it took
            return "already taken"
        committed.append(mid)
        if uid == uids[4]:
            imap_account.kick()             # the server hangs up before the chunk's mark
        return "taken"

    with pytest.raises(CONNECTION_ERRORS):
        fetch_once(imap_account.url(), handle, chunk_messages=4)
    # The chunk was downloaded before: all of it was taken, none of it marked.
    assert committed == [f"<{n}@example.test>" for n in range(1, 8)]
    flags = imap_account.flags()
    assert [done(flags[uid]) for uid in uids] == [True] * 3 + [False] * 4

    offered = []

    def handle_again(raw, uid):
        offered.append((uid, message_id(raw)))
        return handle(raw, uid)

    result = fetch_once(imap_account.url(), handle_again, chunk_messages=4)
    assert offered == [(uid, f"<{n}@example.test>")
                       for uid, n in zip(uids[3:], range(4, 8), strict=True)]
    assert [outcome for _uid, outcome in result.handled] == ["already taken"] * 4
    assert len(committed) == 7              # nothing taken twice
    assert all(done(f) for f in imap_account.flags().values())


def test_a_run_interrupted_inside_a_chunk_marks_what_the_chunk_took_before(imap_account):
    uids = [imap_account.append(mail(n)) for n in range(1, 8)]
    taken = []

    def handle(raw, uid):
        if uid == uids[5]:
            raise KeyboardInterrupt         # Ctrl-C while the caller works on message 6
        taken.append(message_id(raw))
        return "taken"

    with pytest.raises(KeyboardInterrupt):
        fetch_once(imap_account.url(), handle, chunk_messages=4)   # [1], [2, 3], [4, 5, ...]
    assert taken == [f"<{n}@example.test>" for n in range(1, 6)]
    flags = imap_account.flags()
    assert [done(flags[uid]) for uid in uids] == [True] * 5 + [False] * 2


def test_an_oversized_message_inside_a_chunk_is_handed_over_by_its_header_in_order(
        imap_account):
    body = "x" * 20_000 + "END-OF-BODY"
    uids = [imap_account.append(mail(1)), imap_account.append(mail(2, body=body)),
            imap_account.append(mail(3)), imap_account.append(mail(4, body=body)),
            imap_account.append(mail(5))]
    calls = []

    def handle(raw, uid):
        calls.append(("whole", uid, message_id(raw)))
        return "taken"

    def too_big(headers, uid, size):
        assert b"END-OF-BODY" not in headers and len(headers) < 1_000
        calls.append(("header", uid, message_id(headers)))
        return "too big"

    # chunk_messages=4: the chunks are [1], [2, 3] and [4, 5].
    result = fetch_once(imap_account.url(), handle, too_big=too_big, max_bytes=5_000,
                        chunk_messages=4)

    assert calls == [("whole", uids[0], "<1@example.test>"),
                     ("header", uids[1], "<2@example.test>"),
                     ("whole", uids[2], "<3@example.test>"),
                     ("header", uids[3], "<4@example.test>"),
                     ("whole", uids[4], "<5@example.test>")]
    assert [uid for uid, _size in result.too_big] == [uids[1], uids[3]]
    assert all(done(f) for f in imap_account.flags().values())


def test_a_chunk_keeps_to_its_message_count_and_byte_budget():
    from helpdesk.mail_in import mailbox

    small = [(uid, 1_000) for uid in range(1, 101)]
    assert mailbox._next_chunk(small, 1, 10**9) == small[:1]
    assert mailbox._next_chunk(small, 50, 10**9) == small[:50]
    budget = mailbox.FETCH_BYTES
    large = [(1, budget // 2), (2, budget // 2), (3, 10), (4, 10)]
    assert mailbox._next_chunk(large, 50, 10**9) == large[:2]
    huge = [(1, budget * 3), (2, 10)]
    assert mailbox._next_chunk(huge, 50, 10**9) == huge[:1]     # alone, but it comes
    # An oversized message costs only its header: it does not push the others out.
    oversized = [(1, budget * 3), (2, budget // 2), (3, 10)]
    assert mailbox._next_chunk(oversized, 50, budget) == oversized


def test_processed_folder_mode_moves_a_chunk_but_not_its_failed_message(imap_account):
    for n in range(1, 6):
        imap_account.append(mail(n))
    url = imap_account.url(query="processed=Done")
    failing = Recorder(fail_on={"<4@example.test>"})

    fetch_once(url, failing, chunk_messages=4)       # chunks [1], [2, 3], [4, 5]

    assert list(imap_account.messages("INBOX").values()) == [mail(4)]
    assert sorted(imap_account.messages("Done").values()) == [
        mail(n) for n in (1, 2, 3, 5)]
    assert not any(done(f) for f in imap_account.flags("INBOX").values())


def test_processed_folder_mode_moves_each_message_after_the_callback(imap_account):
    for n in (1, 2):
        imap_account.append(mail(n))
    url = imap_account.url(query="processed=Helpdesk%2FDone")
    still_in_inbox_during_callback = []

    def handle(raw, uid):
        still_in_inbox_during_callback.append(uid in imap_account.messages("INBOX"))
        return "taken"

    fetch_once(url, handle)

    assert still_in_inbox_during_callback == [True, True]
    assert imap_account.messages("INBOX") == {}
    assert sorted(imap_account.messages("Helpdesk/Done").values()) == [mail(1), mail(2)]
    assert all(done(f) and r"\Seen" in f
               for f in imap_account.flags("Helpdesk/Done").values())
    assert "Helpdesk/Done" in imap_account.folders()

    again = Recorder()
    fetch_once(url, again)
    assert again.calls == []


def test_processed_folder_mode_finishes_a_move_an_earlier_run_did_not(imap_account):
    """A run that died between marking and moving: the next run moves the message without
    handing it over again."""
    imap_account.append(mail(1), flags=[DONE_KEYWORD])
    imap_account.append(mail(2))
    recorder = Recorder()

    fetch_once(imap_account.url(query="processed=Done"), recorder)

    assert recorder.ids() == ["<2@example.test>"]
    assert imap_account.messages("INBOX") == {}
    assert sorted(imap_account.messages("Done").values()) == [mail(1), mail(2)]


def test_a_message_over_the_size_cap_is_handed_over_as_too_big_without_its_body(
        imap_account):
    small = imap_account.append(mail(1))
    big = imap_account.append(mail(2, body="x" * 20_000 + "END-OF-BODY"))
    recorder = Recorder()
    too_big_calls = []

    def too_big(headers, uid, size):
        too_big_calls.append((headers, uid, size))
        return "refused: too big"

    result = fetch_once(imap_account.url(), recorder, too_big=too_big, max_bytes=5_000)

    assert recorder.calls == [(small, "<1@example.test>")]
    [(headers, uid, size)] = too_big_calls
    assert uid == big and size == len(mail(2, body="x" * 20_000 + "END-OF-BODY"))
    assert message_id(headers) == "<2@example.test>" and b"Subject: Order 2" in headers
    assert b"END-OF-BODY" not in headers and len(headers) < 1_000
    assert result.too_big == [(big, size)]
    assert all(done(f) for f in imap_account.flags().values())


def test_a_too_big_message_nobody_takes_stays_in_the_mailbox(imap_account):
    big = imap_account.append(mail(1, body="x" * 20_000))
    recorder = Recorder()

    result = fetch_once(imap_account.url(), recorder, max_bytes=5_000)

    assert recorder.calls == [] and result.left == [big]
    assert not done(imap_account.flags()[big])


# -- connection options --------------------------------------------------------------------

def test_imaps_and_starttls_verify_the_server_certificate(imap_server, imap_account):
    imap_account.append(mail(1))
    imap_account.append(mail(2))
    context = imap_server.ssl_context

    with pytest.raises(ssl.SSLCertVerificationError):   # the system's CAs do not know it
        fetch_once(imap_account.url(scheme="imaps"), Recorder())

    over_tls = Recorder()
    fetch_once(imap_account.url(scheme="imaps"), over_tls, ssl_context=context)
    assert over_tls.ids() == ["<1@example.test>", "<2@example.test>"]

    imap_account.append(mail(3))
    upgraded = Recorder()
    fetch_once(imap_account.url(query="starttls=yes"), upgraded, ssl_context=context)
    assert upgraded.ids() == ["<3@example.test>"]


def test_a_password_with_umlauts_logs_in(imap_server):
    account = imap_server.add_user(password="Grüße:Straße/1")
    account.append(mail(1))
    recorder = Recorder()
    fetch_once(account.url(), recorder)
    assert recorder.ids() == ["<1@example.test>"]


def test_a_wrong_password_or_a_missing_folder_is_an_error(imap_account):
    imap_account.append(mail(1))
    wrong = imap_account.url().replace("p%40ss", "nope", 1)
    with pytest.raises(LoginError):
        fetch_once(wrong, Recorder())
    with pytest.raises(MailboxError):
        fetch_once(imap_account.url("No such folder"), Recorder())
    assert not any(done(f) for f in imap_account.flags().values())


# -- poll ----------------------------------------------------------------------------------

class Poller:
    """poll() in a thread, stopped and joined at the end of the test."""

    def __init__(self, url: str, handle, **options):
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(url, handle), kwargs=options,
                                       daemon=True)

    def _run(self, url, handle, **options):
        try:
            poll(url, handle, stop_event=self.stop, **options)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            self.error = exc

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "poll() did not stop when asked"
        assert self.error is None, repr(self.error)


@pytest.mark.parametrize("scheme", ["imap", "imaps"])
def test_idle_wakes_up_on_a_new_message(imap_server, imap_account, scheme):
    imap_account.append(mail(1))
    recorder = Recorder()
    # Interval and renewal far beyond the test: only IDLE can bring message 2 in.
    with Poller(imap_account.url(scheme=scheme), recorder, interval=600, idle_renew=600,
                ssl_context=imap_server.ssl_context):
        assert wait_until(lambda: recorder.ids() == ["<1@example.test>"])
        assert wait_until(lambda: imap_account.idling() == 1)
        imap_account.append(mail(2))
        assert wait_until(lambda: len(recorder.calls) == 2)
        assert recorder.ids() == ["<1@example.test>", "<2@example.test>"]
        assert wait_until(lambda: all(done(f) for f in imap_account.flags().values()))


def test_poll_takes_mail_arriving_while_it_enters_idle(imap_account):
    """A message appended between a pass and IDLE is reported with IDLE's start (Dovecot
    sends it right behind "+ idling", in the same read): it must not wait for the renewal."""
    recorder = Recorder()
    with Poller(imap_account.url(), recorder, interval=600, idle_renew=600):
        for n in range(1, 6):
            imap_account.append(mail(n))       # no waiting for IDLE in between
        assert wait_until(lambda: len(recorder.calls) == 5)
    assert sorted(recorder.ids()) == sorted(f"<{n}@example.test>" for n in range(1, 6))


def test_poll_reconnects_after_the_server_drops_the_connection(imap_server, imap_account):
    recorder = Recorder()
    with Poller(imap_account.url(), recorder, interval=600, idle_renew=600,
                backoff=(0.05, 0.5)):
        assert wait_until(lambda: imap_account.idling() == 1)
        imap_account.kick()
        imap_account.append(mail(1))
        assert wait_until(lambda: recorder.ids() == ["<1@example.test>"])
        assert wait_until(lambda: imap_account.idling() == 1)
    logins = imap_server.log().count(f"Login: user=<{imap_account.username}>")
    assert logins >= 3      # the poll's first and second connection, the test's APPEND


def test_poll_reconnects_after_the_connection_dies_without_a_word(imap_account):
    """No BYE, just a closed socket (the server process killed): the poll must notice it,
    not wait on a dead connection."""
    recorder = Recorder()
    with Poller(imap_account.url(), recorder, interval=600, idle_renew=600,
                backoff=(0.05, 0.5)):
        assert wait_until(lambda: imap_account.idling() == 1)
        first = set(imap_account.sessions())
        assert imap_account.kill_sessions() == 1
        assert wait_until(lambda: imap_account.idling() == 1
                          and not first & set(imap_account.sessions()))
        imap_account.append(mail(1))
        assert wait_until(lambda: recorder.ids() == ["<1@example.test>"])


def test_poll_without_idle_polls_at_its_interval(imap_account):
    recorder = Recorder()
    with Poller(imap_account.url(), recorder, use_idle=False, interval=0.1):
        imap_account.append(mail(1))
        assert wait_until(lambda: recorder.ids() == ["<1@example.test>"])
        assert imap_account.idling() == 0
        imap_account.append(mail(2))
        assert wait_until(lambda: len(recorder.calls) == 2)


def test_poll_retries_a_failed_message_at_the_next_full_pass_not_at_every_new_mail(
        imap_account):
    imap_account.append(mail(1))
    failing = Recorder(fail_on={"<1@example.test>"})
    with Poller(imap_account.url(), failing, interval=600, idle_renew=600):
        assert wait_until(lambda: failing.ids() == ["<1@example.test>"])
        imap_account.append(mail(2))
        assert wait_until(lambda: len(failing.calls) == 2)
        assert wait_until(lambda: imap_account.idling() == 1)
        assert failing.ids() == ["<1@example.test>", "<2@example.test>"]
    flags = imap_account.flags()
    assert [done(f) for _uid, f in sorted(flags.items())] == [False, True]

    # The next poll (a full pass) offers it again.
    working = Recorder()
    with Poller(imap_account.url(), working, interval=600, idle_renew=600):
        assert wait_until(lambda: working.ids() == ["<1@example.test>"])


def test_poll_takes_mail_the_server_reported_while_a_pass_was_running(imap_account):
    """Mail that arrives while the caller works is announced in the answers to the pass's
    own commands; IDLE would not announce it again, so the poll must look before idling."""
    imap_account.append(mail(1))
    recorder = Recorder()

    def handle(raw, uid):
        if message_id(raw) == "<1@example.test>":
            imap_account.append(mail(2))        # arrives during the pass
        return recorder(raw, uid)

    with Poller(imap_account.url(), handle, interval=600, idle_renew=600):
        assert wait_until(lambda: len(recorder.calls) == 2)
    assert recorder.ids() == ["<1@example.test>", "<2@example.test>"]


def test_idle_reports_mail_that_arrived_between_the_last_search_and_idle(imap_account):
    """Dovecot announces such mail right behind its "+ idling", in the same read: it sits in
    the client's buffer, where watching the socket alone would not see it."""
    from helpdesk.mail_in import mailbox

    config = MailboxConfig.from_url(imap_account.url())
    with mailbox._session(config, None, mailbox._timeouts(10, 30)) as session:
        assert session.process(Recorder(), None, 1_000_000).handled == []
        imap_account.append(mail(1))
        stop = threading.Event()
        timer = threading.Timer(WAIT, stop.set)     # the test's bound, not a measurement
        timer.start()
        try:
            assert session.wait_idle(600, stop) is True
        finally:
            timer.cancel()
