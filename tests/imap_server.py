"""A real IMAP server for the mail-in tests: Debian's Dovecot (``dovecot-imapd``), started
once per test session (once per xdist worker) with a throwaway configuration.

Each instance lives in a folder of its own under the system temporary folder: its
configuration, ``base_dir`` (sockets, pid file), log, a passwd-file of test users and their
maildirs. It listens on free loopback ports only: plain IMAP (with STARTTLS) and IMAPS, with
a self-signed certificate made at start-up (``ssl_context`` trusts exactly it). Plain-text
login is allowed (the tests connect over loopback). ``mailbox_idle_check_interval`` is one
second, so IDLE notices an APPEND at once even where inotify is unavailable.

Fixtures
--------
``imap_server``
    The session's :class:`ImapServer`.
``imap_account``
    A fresh :class:`ImapAccount` for one test: a new user with an empty mailbox, so tests
    never see each other's mail. Its helpers append raw messages (IMAP APPEND through
    IMAPClient) and read flags, folders and messages back.

``HELPDESK_DOVECOT`` names the ``dovecot`` binary when it is not on the PATH or in
``/usr/sbin``. If Dovecot is not installed the tests are skipped with the reason, and fail
instead when ``HELPDESK_FAIL_ON_SKIP=1`` (CI, whose ``.ci/run`` installs ``dovecot-imapd``).
A Dovecot that is installed but does not start is an error, never a skip.

Runs as root (CI) or as an ordinary user: as root the mail belongs to ``nobody`` and
Dovecot's own ``dovecot``/``dovenull`` users run its processes; as another user Dovecot
runs rootless, everything as that user.
"""
from __future__ import annotations

import base64
import ctypes
import grp
import itertools
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

HOST = "127.0.0.1"
# HELPDESK_DOVECOT names another binary (doveadm is looked for beside it).
_OWN_DOVECOT = os.environ.get("HELPDESK_DOVECOT")
DOVECOT_CANDIDATES = (_OWN_DOVECOT,) if _OWN_DOVECOT else ("dovecot", "/usr/sbin/dovecot")
DOVEADM_CANDIDATES = ((str(Path(_OWN_DOVECOT).with_name("doveadm")),) if _OWN_DOVECOT
                      else ("doveadm", "/usr/bin/doveadm", "/usr/sbin/doveadm"))
INSTALL_HINT = "apt-get install dovecot-imapd"
START_TIMEOUT = 20.0          # seconds; a start takes well under one
DEFAULT_USER = "support@shop.test"
# Characters a URL must escape, so the tests show the password is decoded.
DEFAULT_PASSWORD = "p@ss:w/rd%?#&+ 1"

_user_numbers = itertools.count(1)


def _find(candidates) -> str | None:
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    return None


def dovecot_missing() -> str | None:
    """None if Dovecot and doveadm are installed, else why the tests cannot run."""
    if not _find(DOVECOT_CANDIDATES) or not _find(DOVEADM_CANDIDATES):
        return f"Debian's Dovecot IMAP server is not installed ({INSTALL_HINT})"
    if not shutil.which("openssl"):
        return "openssl is not installed (apt-get install openssl)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: Dovecot gets SIGTERM when the test process dies, so a
    killed test run leaves no server behind (Linux; elsewhere the fixture's stop does it)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)           # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class ImapAccount:
    """One IMAP user on the test server, with helpers to fill and inspect the mailbox."""

    server: ImapServer
    username: str
    password: str

    def url(self, folder: str = "INBOX", *, scheme: str = "imap", query: str = "") -> str:
        """The mailbox URL a helpdesk admin would configure (user and password escaped)."""
        port = self.server.imaps_port if scheme == "imaps" else self.server.port
        url = (f"{scheme}://{quote(self.username, safe='')}:{quote(self.password, safe='')}"
               f"@{HOST}:{port}/{quote(folder, safe='')}")
        return f"{url}?{query}" if query else url

    @contextmanager
    def client(self, folder: str | None = "INBOX", *, readonly: bool = False):
        """A logged-in IMAPClient (plain IMAP over loopback), optionally with `folder`
        selected; logged out at the end."""
        from imapclient import IMAPClient

        client = IMAPClient(HOST, port=self.server.port, ssl=False, timeout=30)
        try:
            if (self.username + self.password).isascii():
                client.login(self.username, self.password)
            else:       # LOGIN is ASCII only
                client.plain_login(self.username, self.password)
            if folder is not None:
                client.select_folder(folder, readonly=readonly)
            yield client
        finally:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 (already gone: the test may have kicked it)
                client.shutdown()

    def append(self, raw: bytes, folder: str = "INBOX", flags=()) -> int:
        """Deliver `raw` into `folder` with IMAP APPEND; return its UID."""
        with self.client(None) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=flags)
        # "[APPENDUID <uidvalidity> <uid>] Append completed." (UIDPLUS, Dovecot has it)
        text = response.decode() if isinstance(response, bytes) else str(response)
        return int(text.split("]")[0].split()[-1])

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """Flags and keywords of every message in `folder`, by UID."""
        with self.client(folder, readonly=True) as client:
            found = client.fetch(client.search("ALL"), ["FLAGS"])
        return {uid: {f.decode() for f in data[b"FLAGS"]} for uid, data in found.items()}

    def messages(self, folder: str = "INBOX") -> dict[int, bytes]:
        """The raw messages in `folder`, by UID (read without setting \\Seen)."""
        with self.client(folder, readonly=True) as client:
            found = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
        return {uid: data[b"BODY[]"] for uid, data in found.items()}

    def folders(self) -> set[str]:
        with self.client(None) as client:
            return {name for _flags, _delimiter, name in client.list_folders()}

    def kick(self) -> None:
        """Drop every open connection of this user, from the server's side, and return
        once the server's session processes have ended (doveadm only signals them: a
        command sent right after could still be answered)."""
        self.server.doveadm("kick", self.username)
        self.wait_until_no_sessions()

    def wait_until_no_sessions(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.sessions():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.username}'s IMAP sessions did not end")
            time.sleep(0.01)

    def sessions(self) -> dict[int, str]:
        """This user's IMAP sessions on the server: process id -> the command it runs now
        (Dovecot shows each session's command in its process title), e.g. "IDLE"."""
        marker = f"/imap [{self.username} ".encode()
        found = {}
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                title = cmdline.read_bytes().rstrip(b"\0")
            except OSError:
                continue                # the process ended meanwhile
            if title.startswith(self.server.process_prefix) and marker in title:
                words = title.decode(errors="replace").rstrip("]").split()
                found[int(cmdline.parent.name)] = words[-1] if len(words) > 3 else ""
        return found

    def idling(self) -> int:
        """How many of this user's connections wait in IDLE now, as the server sees it."""
        return sum(command == "IDLE" for command in self.sessions().values())

    def kill_sessions(self) -> int:
        """Kill this user's IMAP processes: their connections close without a word (no
        BYE), as when a server or a network path dies. Returns how many."""
        pids = list(self.sessions())
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(pids)


class ImapServer:
    """A running Dovecot instance (see the module's docstring)."""

    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.imaps_port = _free_port()
        # One passwd-file per user: Dovecot rereads a changed passwd-file at most once a
        # second, but opens a file it has not seen yet at once.
        self.users_dir = root / "users"
        self.config_file = root / "dovecot.conf"
        self.log_file = root / "dovecot.log"
        self.cert_file = root / "cert.pem"
        self.process: subprocess.Popen | None = None
        self.ssl_context: ssl.SSLContext | None = None
        self._mail_owner: tuple[int, int] | None = None
        self.instance_name = f"helpdesk-test-{os.getpid()}"
        # Dovecot's processes call themselves "dovecot-<instance>/imap [user ip COMMAND]".
        self.process_prefix = f"dovecot-{self.instance_name}/".encode()

    # -- set-up --------------------------------------------------------------------------

    def _write_files(self) -> None:
        root = self.root
        (root / "mail").mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(root / "key.pem"), "-out", str(self.cert_file)],
            check=True, capture_output=True)
        self.users_dir.mkdir()
        if os.geteuid() == 0:
            # Dovecot refuses mail access as root: the mail belongs to nobody, and its own
            # unprivileged users run the login and auth processes (the Debian package
            # creates them).
            nobody = pwd.getpwnam("nobody")
            self._mail_owner = (nobody.pw_uid, grp.getgrnam("nogroup").gr_gid)
            login_user, internal_user = "dovenull", "dovecot"
            os.chown(root / "mail", *self._mail_owner)
            # Dovecot reads the key as root before dropping privileges; the rest must be
            # readable by its unprivileged users.
            root.chmod(0o755)
        else:
            me = pwd.getpwuid(os.geteuid())
            self._mail_owner = (me.pw_uid, me.pw_gid)
            login_user = internal_user = me.pw_name
        self.users_dir.chmod(0o755)
        uid, gid = self._mail_owner
        self.config_file.write_text(f"""\
# Throwaway configuration for the helpdesk's tests (tests/imap_server.py).
instance_name = {self.instance_name}
base_dir = {root}/run
state_dir = {root}/state
log_path = {self.log_file}
info_log_path = {self.log_file}
protocols = imap
listen = {HOST}
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {min(uid, 100)}
first_valid_gid = {min(gid, 100)}
ssl = yes
ssl_cert = <{self.cert_file}
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0 secs
mail_location = maildir:{root}/mail/%u
mailbox_idle_check_interval = 1 secs
# The command each session runs shows in its process title (ImapAccount.idling()).
verbose_proctitle = yes
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users_dir}/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps_port}
  }}
}}
""")
        context = ssl.create_default_context(cafile=str(self.cert_file))
        self.ssl_context = context

    def start(self) -> None:
        binary = _find(DOVECOT_CANDIDATES)
        version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
        major_minor = tuple(int(part) for part in version.split()[0].split(".")[:2])
        if major_minor != (2, 3):
            # 2.4 (Debian 13) changed the configuration's syntax throughout.
            raise RuntimeError(f"tests/imap_server.py writes a Dovecot 2.3 configuration "
                               f"(Debian 12); this is Dovecot {version}: add its variant")
        self._write_files()
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(self.config_file)], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=open(self.root / "stderr.log", "wb"),  # noqa: SIM115
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot exited with {self.process.returncode}:\n"
                                   + self.log())
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Dovecot did not answer on port {self.port}:\n" + self.log())
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        parts = []
        for path in (self.log_file, self.root / "stderr.log"):
            if path.exists():
                parts.append(path.read_text(errors="replace")[-5000:])
        return "\n".join(parts)

    # -- use -----------------------------------------------------------------------------

    def add_user(self, username: str | None = None, password: str = DEFAULT_PASSWORD
                 ) -> ImapAccount:
        """A new user with an empty mailbox. The password is stored base64-encoded, so any
        character works."""
        if username is None:
            username = f"support{next(_user_numbers)}@shop.test"
        if "/" in username or username.startswith("."):
            raise ValueError(f"not a user name for a passwd-file of its own: {username!r}")
        encoded = base64.b64encode(password.encode()).decode()
        path = self.users_dir / username
        path.write_text(f"{username}:{{PLAIN.B64}}{encoded}\n")
        path.chmod(0o644)
        return ImapAccount(self, username, password)

    def doveadm(self, *args: str) -> str:
        result = subprocess.run([_find(DOVEADM_CANDIDATES), "-c", str(self.config_file), *args],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {result.stderr}")
        return result.stdout


@pytest.fixture(scope="session")
def imap_server():
    """Dovecot on loopback for this test session (one per xdist worker)."""
    reason = dovecot_missing()
    if reason:
        if os.environ.get("HELPDESK_FAIL_ON_SKIP") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    server = ImapServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_account(imap_server) -> ImapAccount:
    """A fresh IMAP user with an empty INBOX, for one test."""
    return imap_server.add_user()
