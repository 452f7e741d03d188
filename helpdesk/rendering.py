"""Markdown to sanitized HTML: the only place in the product that renders Markdown.

Rendering is bounded, because the text comes from customers. Python-Markdown needs
quadratic time for some shapes (long runs of ``[``, unclosed ``<tag`` or ``](``, many code
fences) and recursion for deep nesting, and pure-Python parsing cannot be interrupted in
its own thread. So:

1. `costly_shape` refuses, in linear time, text that is too long or has a known costly
   shape;
2. everything else is parsed in a small pool of worker processes (pebble) that kills a
   worker once it is over the time budget (``MARKDOWN_TIME_BUDGET`` seconds);
3. whatever fails (refused, over budget, RecursionError, a dead worker) is shown as the
   escaped text, as written: `render_markdown` never raises.

Sanitizing keeps no scripts, handlers, styles, SVG or MathML, and no remote image: an
image from another site becomes a link to it, so no reader's browser fetches it.
"""
from __future__ import annotations

import bisect
import logging
import multiprocessing
import os
import re
import threading
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3
from flask import current_app, has_app_context
from markupsafe import Markup, escape
from pebble import ProcessPool

log = logging.getLogger(__name__)

MAX_SOURCE_CHARS = 100_000      # the longest text rendered at all (KB articles)
MAX_NESTING = 24                # lists and quotes inside each other
MAX_SCAN_STEPS = 1_000_000      # estimated parser steps per costly construct
TIME_BUDGET = 2.0               # seconds of parsing per text (MARKDOWN_TIME_BUDGET)
WORKERS = 1                     # parsing processes per app process (MARKDOWN_WORKERS)

_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "codehilite", "nl2br"]
_EXTENSION_CONFIGS = {"codehilite": {"guess_lang": False, "css_class": "highlight"}}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
REMOTE_IMAGE_CLASS = "remote-image"
_C0_AND_SPACE = "".join(map(chr, range(33)))


# -- the public functions ------------------------------------------------------------

def render_markdown(source: str | None, *, time_budget: float | None = None) -> Markup:
    """Return `source` rendered as sanitized HTML, or as escaped plain text.

    The plain text (in ``<div class="md-plain">``) is shown when the source is too long,
    has a costly shape, takes longer than `time_budget` seconds (default: the app's
    MARKDOWN_TIME_BUDGET) or breaks the parser. Never raises.
    """
    text = source or ""
    if not text.strip():
        return Markup("")
    reason = costly_shape(text)
    if reason is None:
        budget = time_budget if time_budget is not None else _setting(
            "MARKDOWN_TIME_BUDGET", TIME_BUDGET)
        try:
            return Markup(_render_bounded(text, float(budget)))
        # A page must show whatever goes wrong in the parser or its process: a timeout,
        # RecursionError, a dead worker (ProcessExpired), a pool that cannot start.
        except Exception as exc:  # noqa: BLE001
            reason = f"{type(exc).__name__}: {exc}"[:200]
    log.warning("Markdown (%d characters) shown as plain text: %s", len(text), reason)
    return plain_html(text)


def plain_html(source: str | None) -> Markup:
    """Return `source` escaped, to be shown as written (line breaks kept by CSS)."""
    return Markup('<div class="md-plain">{}</div>').format(source or "")


# A web address in plain text: up to white space or a character that cannot be in one;
# trailing punctuation (and a closing bracket it did not open) belongs to the sentence.
_URL_IN_TEXT = re.compile(r"\bhttps?://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"»«“”‘’…"
_URL_PAIRS = {")": "(", "]": "[", "}": "{"}


def plain_text_html(source: str | None) -> Markup:
    """Return `source`, plain text (such as a mail), as HTML that shows it as written:
    escaped, line breaks kept (``md-plain``, as `plain_html`), and each http(s) address a
    link; sanitised like everything else."""
    text = source or ""
    if not text.strip():
        return Markup("")
    parts, at = [], 0
    for match in _URL_IN_TEXT.finditer(text):
        url = _trim_url(match.group())
        if urlsplit(url).hostname is None:
            continue
        parts.append(escape(text[at:match.start()]))
        parts.append(Markup('<a href="{}">{}</a>').format(url, url))
        at = match.start() + len(url)
    parts.append(escape(text[at:]))
    html = '<div class="md-plain">' + "".join(str(part) for part in parts) + "</div>"
    return Markup(sanitize_html(html))


def _trim_url(url: str) -> str:
    """`url` without the punctuation that ends the sentence around it."""
    while url and (url[-1] in _URL_TRAILING or (
            url[-1] in _URL_PAIRS and url.count(url[-1]) > url.count(_URL_PAIRS[url[-1]]))):
        url = url[:-1]
    return url


def stored_or_rendered(html: str | None, source: str | None) -> Markup:
    """Return the HTML rendered when `source` was saved, or render it now if there is none.

    Stored HTML is the output of `render_markdown`, so it is already sanitized.
    """
    return Markup(html) if html is not None else render_markdown(source)


def render_to_store(source: str | None) -> str:
    """Return the HTML to store with a ticket body or message written as `source`."""
    return str(render_markdown(source))


# -- costly shapes, found in linear time ----------------------------------------------

_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_NESTING = re.compile(r"^[ \t]*(?:(?:>|(?:[*+-]|\d{1,9}[.)])(?=[ \t]|$))[ \t]*)+", re.M)
_NESTING_MARKER = re.compile(r">|[*+-](?=[ \t]|$)|\d{1,9}[.)]")
_BRACKET = re.compile(r"[\[\]]")
_LINK_TARGET = re.compile(r"\]\(")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_FENCE = re.compile(r"^[ \t]{0,3}(?:`{3,}|~{3,})", re.M)


def costly_shape(text: str) -> str | None:
    """Return why parsing `text` could cost too much time or stack, or None.

    Cheap estimates of what Python-Markdown spends: nesting depth, and the characters
    it rescans for each unclosed ``[``, ``](``, ``<tag`` and code fence.
    """
    if len(text) > MAX_SOURCE_CHARS:
        return f"longer than {MAX_SOURCE_CHARS} characters"
    if _nesting_depth(text) > MAX_NESTING:
        return f"nested deeper than {MAX_NESTING} levels"
    blocks = _BLOCK_SPLIT.split(text)
    # In steps of the bracket scan (Python code); the tag and fence scans are regular
    # expressions, about five times cheaper per character.
    estimates = {
        "brackets": sum(_bracket_steps(block) for block in blocks),
        "link targets": sum(_unclosed_steps(block, _LINK_TARGET, ")") for block in blocks),
        "HTML tags": _unclosed_steps(text, _TAG_START, ">") // 5,
        # each fenced block is searched for from the start of the text again
        "code fences": len(_FENCE.findall(text)) * len(text) // 10,
    }
    for name, steps in estimates.items():
        if steps > MAX_SCAN_STEPS:
            return f"{name} would need about {steps} parser steps"
    return None


def _nesting_depth(text: str) -> int:
    depth = 0
    for match in _NESTING.finditer(text):
        prefix = match.group()
        indent = len(prefix) - len(prefix.lstrip(" \t"))
        markers = len(_NESTING_MARKER.findall(prefix))
        depth = max(depth, markers + indent // 4)
    return depth


def _bracket_steps(block: str) -> int:
    """Sum, over each ``[``, the characters up to its ``]`` (or the end of the block)."""
    steps, open_at = 0, []
    for match in _BRACKET.finditer(block):
        if match.group() == "[":
            open_at.append(match.start())
        elif open_at:
            steps += match.start() - open_at.pop()
    return steps + sum(len(block) - start for start in open_at)


def _unclosed_steps(text: str, opener: re.Pattern, closer: str) -> int:
    """Sum, over each `opener`, the characters up to the next `closer` (or the end)."""
    closes = [match.start() for match in re.finditer(re.escape(closer), text)]
    steps = 0
    for match in opener.finditer(text):
        nxt = bisect.bisect_left(closes, match.start())
        steps += (closes[nxt] if nxt < len(closes) else len(text)) - match.start()
    return steps


# -- parsing in a worker process --------------------------------------------------------

_pool = None
_pool_pid = None
_pool_lock = threading.Lock()


def _setting(name: str, default):
    return current_app.config.get(name, default) if has_app_context() else default


def _render_bounded(text: str, budget: float) -> str:
    """Render `text` in a worker process that is killed after `budget` seconds."""
    future = _worker_pool().schedule(render_unbounded, args=(text,), timeout=budget)
    try:
        # The budget runs from when a worker takes the text; the wait also covers a
        # queue of other texts and starting a worker.
        return future.result(timeout=4 * budget + 10)
    finally:
        future.cancel()


def _worker_pool():
    global _pool, _pool_pid
    with _pool_lock:
        # A forked process (gunicorn --preload) cannot use its parent's pool threads.
        if _pool is None or _pool_pid != os.getpid() or not _pool.active:
            # forkserver: workers come from a clean process, not from this threaded one.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            _pool = ProcessPool(max_workers=int(_setting("MARKDOWN_WORKERS", WORKERS)),
                                context=context)
            _pool_pid = os.getpid()
        return _pool


_parsers = threading.local()


def render_unbounded(text: str) -> str:
    """Return `text` rendered and sanitized, with no bounds: only for the worker processes
    (and the mail templates' sources, whose every value is escaped). Each thread keeps
    its parser and resets it for each text (setting one up with its extensions took a
    third of the time of a short text)."""
    parser = getattr(_parsers, "markdown", None)
    if parser is None:
        parser = _parsers.markdown = markdown.Markdown(
            extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html")
    try:
        html = parser.reset().convert(text)
    except BaseException:
        _parsers.markdown = None          # perhaps left half-way: the next text gets a new one
        raise
    return sanitize_html(html)


# -- sanitizing -------------------------------------------------------------------------

def sanitize_html(html: str) -> str:
    """Return `html` with everything unsafe removed and remote images turned into links.

    No scripts, event handlers, styles, SVG or MathML; links only to http, https and
    mailto (relative links stay); images only from this site.
    """
    clean = _clean(html)
    return _clean(_RemoteImages.rewrite(clean), final=True)


def _clean(html: str, final: bool = False) -> str:
    # The final pass also drops the source of any remote image the rewrite did not
    # catch, so no remote image is ever fetched.
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel=LINK_REL, strip_comments=True,
                     allowed_classes={"a": {REMOTE_IMAGE_CLASS}},
                     attribute_filter=_drop_remote_image_source if final else None)


def _drop_remote_image_source(tag: str, attribute: str, value: str) -> str | None:
    return None if tag == "img" and attribute == "src" and is_remote(value) else value


def is_remote(url: str | None) -> bool:
    """Whether a browser would fetch `url` from another site (it is absolute)."""
    # As browsers read it: no tabs or newlines, no leading or trailing control
    # characters or spaces, and "\" as "/" ("/\host" and "///host" are another host).
    value = re.sub(r"[\t\n\r]", "", url or "").strip(_C0_AND_SPACE).replace("\\", "/")
    return value.startswith("//") or bool(urlsplit(value).scheme)


class _RemoteImages(HTMLParser):
    """Copy sanitized HTML, with each remote image replaced by a link to it."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.links_open = 0

    @classmethod
    def rewrite(cls, html: str) -> str:
        if "<img" not in html:
            return html
        parser = cls()
        parser.feed(html)
        parser.close()
        return "".join(parser.out)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "img" and is_remote(values.get("src")):
            self.out.append(self._link(values))
            return
        self.links_open += tag == "a"
        self.out.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "a":
            self.links_open = max(0, self.links_open - 1)
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(escape(data))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def _link(self, image: dict) -> str:
        src = image.get("src") or ""
        label = escape((image.get("alt") or "").strip() or src)
        if self.links_open:         # an image inside a link: keep its text in that link
            return str(label)
        title = escape(image.get("title") or src)
        return (f'<a class="{REMOTE_IMAGE_CLASS}" href="{escape(src)}" title="{title}" '
                f'rel="{LINK_REL}">{label}</a>')
