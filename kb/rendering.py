"""Markdown to sanitized HTML: the only place in the product that renders Markdown."""
from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

MAX_SOURCE_CHARS = 200_000

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


def render_markdown(source: str | None) -> Markup:
    """Return `source` rendered as HTML with everything unsafe removed.

    No scripts, event handlers, styles, SVG or MathML; links only to http, https and
    mailto (relative links stay). Overlong input is cut before parsing.
    """
    text = (source or "")[:MAX_SOURCE_CHARS]
    html = markdown.markdown(text, extensions=_EXTENSIONS,
                             extension_configs=_EXTENSION_CONFIGS, output_format="html")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                      strip_comments=True)
    return Markup(clean)


def plain_excerpt(source: str | None, length: int = 200) -> str:
    """Return the first `length` characters of `source` as plain text (for lists and mail)."""
    text = nh3.clean(markdown.markdown((source or "")[:5000]), tags=set())
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
