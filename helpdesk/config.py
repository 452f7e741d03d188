"""Settings: defaults, each of which can be overridden by an environment variable.

A setting ``NAME`` is read from ``HELPDESK_NAME``. Values are parsed by the type of
the default (bool, int, float, str). Nothing here touches the disk at import time;
the factory resolves paths and the generated secret key.

Not Flask's ``config.from_prefixed_env``: it reads values as JSON, so
``HELPDESK_MAIL_USE_TLS=off`` would be a true string and ``HELPDESK_SECRET_KEY=123456``
an int, and an empty variable would replace the default.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Config

ENV_PREFIX = "HELPDESK_"

DEFAULTS: dict[str, object] = {
    # Where the SQLite database, the search index and attachments live.
    "INSTANCE_PATH": "",
    "DATABASE_URL": "",
    "SECRET_KEY": "",
    # The address in links in mails. Required in production; `helpdesk run` sets it to
    # the address it serves when unset (see BASE_URL_FALLBACK).
    "BASE_URL": "",
    "SITE_NAME": "Tiered Helpdesk",
    # Mail: SMTP when MAIL_SERVER is set, otherwise printed to the console.
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_TIMEOUT": 10,
    "MAIL_SUPPRESS": False,
    "MAIL_DEFAULT_SENDER": "Helpdesk <helpdesk@example.com>",
    # Where replies to mails go (Reply-To), e.g. the support mailbox; empty: the sender.
    "MAIL_REPLY_TO": "",
    # This installation's id in the X-Helpdesk-Origin header of every mail, so mail it
    # sent itself is recognised when it comes back; empty: derived from SECRET_KEY.
    "MAIL_INSTANCE_ID": "",
    # Mail is queued in the database (the outbox) and sent by a background thread of
    # each web process; off, only `helpdesk mail send` workers send it.
    "MAIL_SEND_IN_BACKGROUND": True,
    # Failed sends are retried after MAIL_RETRY_SECONDS, doubling up to
    # MAIL_RETRY_MAX_SECONDS, MAIL_MAX_ATTEMPTS times in all; then the mail is "failed"
    # (Administration > Mail, where it can be retried).
    "MAIL_MAX_ATTEMPTS": 12,
    "MAIL_RETRY_SECONDS": 60.0,
    "MAIL_RETRY_MAX_SECONDS": 3600.0,
    # How often a sender looks for due mail that nobody handed it, and how long a
    # sender's claim on a mail lasts before another may take it over.
    "MAIL_POLL_SECONDS": 60.0,
    "MAIL_LEASE_SECONDS": 300,
    # Uploads
    "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    # The largest form field that is not a file: bytes, or characters when url-encoded.
    # Larger ones answer 413.
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_ATTACHMENTS_PER_MESSAGE": 5,
    # Accepted file types, comma-separated extensions (.pdf) or MIME types (image/png,
    # image/*); empty accepts any type.
    "ALLOWED_ATTACHMENT_TYPES": "",
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none).
    "PROXY_COUNT": 0,
    # Login throttling: failures per e-mail address and per client address.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "LOGIN_FAILURE_WINDOW_SECONDS": 900,
    # Flask-Limiter storage for the other limits (registration, password reset);
    # use redis://host:6379 when several hosts serve the app.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "PASSWORD_RESET_MAX_AGE": 3600,
    # Accounts: how long "Stay logged in" lasts (and any login session at most), how long
    # the link that confirms a new account's address works, and how hard to guess a
    # password must be (zxcvbn score 0-4).
    "REMEMBER_DAYS": 30,
    "CONFIRM_EMAIL_MAX_AGE": 3 * 24 * 3600,
    "PASSWORD_MIN_SCORE": 3,
    "QUEUE_PAGE_SIZE": 25,
    "DEFAULT_LOCALE": "en",
    # Times are stored in UTC and shown in this zone.
    "TIMEZONE": "Europe/Berlin",
    "SESSION_COOKIE_SECURE": False,
    # Redirect plain HTTP to HTTPS (leave off behind a proxy that already does; the dev
    # server and tests speak HTTP). HSTS is sent on HTTPS responses either way.
    "FORCE_HTTPS": False,
    "HSTS_MAX_AGE": 365 * 24 * 3600,
    # Markdown (helpdesk/rendering.py): seconds one text may take to render before it is shown
    # as plain text, and the rendering processes each app process keeps.
    "MARKDOWN_TIME_BUDGET": 2.0,
    "MARKDOWN_WORKERS": 1,
    # Search index (used by the kb package); defaults to <instance>/search-index.
    "INDEX_PATH": "",
    # The feature packages the factory loads, in this order (comma-separated): a short
    # name (notifications, kb) or a module path with an `init_app(app)`. "none": the core,
    # accounts, tickets and administration only.
    "FEATURES": "notifications,kb,mail_in,service_levels,problems",
    # Service levels (helpdesk/service_levels): how often each web process runs `sla tick`
    # in a background thread (seconds; 0: never, e.g. when cron runs `helpdesk sla tick`;
    # never under TESTING), and how little working time left marks a deadline as near.
    "SLA_TICK_SECONDS": 60.0,
    "SLA_NEAR_BREACH_MINUTES": 60,
    # A change of the calendar or a policy moves the due times of up to this many active
    # tickets at once; with more, `sla tick` works them out in the background.
    "SLA_RECOMPUTE_INLINE_MAX": 1000,
    # Mail in (helpdesk/mail_in): the IMAP mailboxes `helpdesk mail fetch` reads, URLs
    # separated by spaces or commas, imap[s]://USER:PASSWORD@HOST[:PORT]/FOLDER with the
    # options ?name=NAME, unknown=refuse, processed=FOLDER, starttls=yes (see
    # helpdesk/mail_in/mailbox.py); how often `fetch --watch` looks without IDLE (seconds).
    "MAIL_IMAP_URLS": "",
    "MAIL_IMAP_POLL_SECONDS": 60.0,
    # The largest message taken in (bytes); a larger one is kept in the quarantine.
    "MAIL_IN_MAX_BYTES": 25 * 1024 * 1024,
    # Mails per sender address and hour that may file or reach tickets; more are
    # quarantined (no ticket storm).
    "MAIL_IN_MAX_PER_SENDER_PER_HOUR": 20,
    # List-Ids under which customers' mail reaches us (support@ as a Google group),
    # comma-separated: such mail is no list mail.
    "MAIL_IN_OWN_LIST_IDS": "",
}

# The languages of the interface and of articles, each named in itself: the one list the
# profile, the article form, the search analyzers, the importer and the demo use.
LANGUAGES = {"en": "English", "de": "Deutsch"}
LANGUAGE_CODES = tuple(LANGUAGES)

# Links in mails when BASE_URL is unset (and /healthz warns about it).
BASE_URL_FALLBACK = "http://127.0.0.1:5000"


def _parse(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


class Settings(Config):
    """The app's config: a feature's default also types a value given in the environment.

    A ``HELPDESK_*`` variable that is not in DEFAULTS arrives as a string (its type is
    unknown when the environment is read). When a feature package then declares its
    default with ``app.config.setdefault(NAME, default)``, the string is parsed like the
    core's settings: ``HELPDESK_KB_REBUILD_DAMAGED=false`` is False, not a true string.
    """

    def setdefault(self, key, default=None):
        value = self.get(key)
        if value == "" and default is not None and not isinstance(default, str):
            del self[key]                 # empty, as for the core's settings: the default
        elif isinstance(value, str) and default is not None and not isinstance(default, str):
            try:
                self[key] = _parse(value, default)
            except ValueError:
                raise SystemExit(f"HELPDESK_{key}={value!r}: expected a "
                                 f"{type(default).__name__}, like {default!r}") from None
        return super().setdefault(key, default)


def from_environment(environ: os._Environ | dict | None = None) -> dict[str, object]:
    """Return the settings: the defaults overridden by ``HELPDESK_*`` variables."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is not None and raw != "":
            settings[name] = _parse(raw, default)
    # Any other HELPDESK_ variable is passed through as a string, so a Flask or
    # extension setting can be given without code changes.
    for key, raw in environ.items():
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):] not in settings:
            settings[key[len(ENV_PREFIX):]] = raw
    return settings


def instance_path(settings: dict[str, object]) -> Path:
    """Return the absolute instance folder (default: ``instance/`` in the working directory)."""
    return Path(str(settings.get("INSTANCE_PATH") or "instance")).resolve()
