"""A mail's plain text and HTML, both from one template in templates/notifications/.

The template (``<name>.txt``) is written so that it reads as plain text and as Markdown.
It is rendered twice, in the recipient's language (the caller's locale):

- as **plain text**, as written (the text/plain part);
- as **Markdown source** (helpdesk.rendering renders and sanitises it): every value put in
  (names, subjects, hand-off texts, dates) is escaped so that it shows as typed and can
  never become a link, an image or markup; links the app made (`MailLink`) become links.

A message a user wrote goes in with ``{{ message_text(message) }}``: its plain body in the
text, its stored sanitised HTML (Message.body_html) in the HTML. The HTML is then given
inline styles (mail clients ignore style sheets), relative links are made absolute, images
become links (a mail never loads anything), and it is wrapped in
``notifications/_layout.html``.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from html import escape as html_escape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from flask import current_app, render_template
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from markupsafe import Markup

from helpdesk import mail_threading, rendering

_ENV_KEY = "helpdesk_mail_markdown_jinja"


class MailLink(str):
    """A URL the app made (never one a user typed): a link in the HTML part."""


@dataclass(frozen=True)
class Bodies:
    """The two parts of a mail."""

    text: str
    html: str


def render(template: str, *, subject: str, invites_reply: bool = False,
           footer: str | None = None, **context) -> Bodies:
    """Render `notifications/<template>.txt` as the text and the HTML of a mail, in the
    current locale. `invites_reply` puts the reply marker on top (mails about a ticket);
    `footer` replaces the line that says why the recipient gets the mail."""
    name = f"notifications/{template}.txt"
    marker = mail_threading.reply_marker() if invites_reply else None
    footer = footer or _("You receive this e-mail because you have an account at %(site)s.",
                         site=context.get("site_name") or current_app.config["SITE_NAME"])

    text = render_template(name, message_text=lambda message: message.body, **context)
    text = "\n\n".join(part for part in (marker, text.strip("\n")) if part)
    text += f"\n\n-- \n{footer}\n"

    content = _markdown_part(name, context, fallback=text)
    html = render_template("notifications/_layout.html", subject=subject, marker=marker,
                           content=Markup(content), footer=footer,
                           lang=str(get_locale() or current_app.config["DEFAULT_LOCALE"]))
    return Bodies(text=text, html=html)


# -- the Markdown rendering -------------------------------------------------------------

# HTML's and Markdown's special characters, as numeric character references: shown as
# themselves, never read as syntax. (In one pass: escaping HTML's first made "'" into
# "&#x27;", whose "#" was then escaped again, and the mail showed "&#x27;".)
_MARKDOWN_SPECIAL = re.compile(r"[&<>\"'\\`*_{}\[\]()#+\-.!|~=:^$]")


def markdown_escape(text: str) -> str:
    """`text` as Markdown source that renders to exactly `text`."""
    return _MARKDOWN_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", text)


def _value(value) -> str:
    if hasattr(value, "__html__"):          # trusted Markdown (a translated sentence)
        return str(value)
    if isinstance(value, MailLink):
        return f"<{value}>" if urlsplit(value).scheme in ("http", "https") else \
            markdown_escape(value)
    if value is None:
        return ""
    return markdown_escape(str(value))


def _finalize(value):
    return Markup(_value(value))


def _markdown_gettext(string: str, **variables) -> Markup:
    text = get_translations().ugettext(string)
    return Markup(text % {key: value if isinstance(value, int | float)
                          else Markup(_value(value)) for key, value in variables.items()})


def _markdown_ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
    variables.setdefault("num", num)
    text = get_translations().ungettext(singular, plural, num)
    return Markup(text % {key: value if isinstance(value, int | float)
                          else Markup(_value(value)) for key, value in variables.items()})


def _environment():
    """The app's template environment, with every value escaped for Markdown."""
    app = current_app._get_current_object()
    env = app.extensions.get(_ENV_KEY)
    if env is None:
        # A cache of its own (the app's holds these templates compiled without the
        # escaping) and no bytecode cache, for the same reason.
        env = app.jinja_env.overlay(finalize=_finalize, autoescape=False, cache_size=50,
                                    bytecode_cache=None)
        app.extensions[_ENV_KEY] = env
    return env


def _markdown_part(name: str, context: dict, *, fallback: str) -> str:
    """The template rendered as Markdown, to sanitised HTML with inline styles."""
    nonce = secrets.token_hex(8)
    messages = []

    def message_text(message) -> Markup:
        messages.append(message)
        return Markup(f"\n\nhdmailpart{nonce}n{len(messages) - 1}\n\n")

    values = dict(context)
    current_app.update_template_context(values)
    values.update(gettext=_markdown_gettext, ngettext=_markdown_ngettext,
                  message_text=message_text)
    source = _environment().get_template(name).render(values)
    html = _render_source(source)
    if html.startswith('<div class="md-plain">'):
        # Too costly or broken as Markdown: the text part, as written.
        return style_html(str(rendering.plain_html(fallback)))
    for index, message in enumerate(messages):
        body = rendering.stored_or_rendered(message.body_html, message.body)
        html = html.replace(f"<p>hdmailpart{nonce}n{index}</p>",
                            f"<blockquote>{body}</blockquote>", 1)
    return style_html(html)


# A mail's Markdown is the template's, with every value escaped and each message a
# placeholder: nobody can give it a costly shape, so up to this size it is rendered in this
# process (the same renderer and sanitiser) instead of a worker process, a round trip that
# waits for a CPU on a busy machine. Anything longer, or costly after all, goes the bounded
# way of helpdesk.rendering.
IN_PROCESS_CHARS = 20_000


def _render_source(source: str) -> str:
    if len(source) <= IN_PROCESS_CHARS and rendering.costly_shape(source) is None:
        try:
            return rendering.render_unbounded(source)
        except Exception:  # noqa: BLE001 (whatever it is, the bounded way shows the mail)
            pass
    return str(rendering.render_markdown(source))


# -- inline styles ----------------------------------------------------------------------

TEXT_COLOR = "#1f2328"
MUTED_COLOR = "#595959"           # 7:1 on white
LINK_COLOR = "#0b57d0"            # 6.5:1 on white
STYLES = {
    "p": "margin:0 0 16px 0;",
    "a": f"color:{LINK_COLOR};text-decoration:underline;",
    "blockquote": "margin:0 0 16px 0;padding:4px 0 4px 14px;border-left:4px solid #c9ced6;",
    "pre": "margin:0 0 16px 0;padding:10px;background-color:#f3f4f6;white-space:pre-wrap;"
           "word-wrap:break-word;font-family:Consolas,Menlo,monospace;font-size:14px;",
    "code": "font-family:Consolas,Menlo,monospace;font-size:14px;",
    "ul": "margin:0 0 16px 0;padding-left:24px;",
    "ol": "margin:0 0 16px 0;padding-left:24px;",
    "table": "border-collapse:collapse;margin:0 0 16px 0;",
    "th": "border:1px solid #c9ced6;padding:4px 8px;text-align:left;",
    "td": "border:1px solid #c9ced6;padding:4px 8px;",
    "h1": "font-size:22px;margin:0 0 12px 0;",
    "h2": "font-size:20px;margin:0 0 12px 0;",
    "h3": "font-size:18px;margin:0 0 12px 0;",
    "h4": "font-size:16px;margin:0 0 12px 0;",
    "h5": "font-size:16px;margin:0 0 12px 0;",
    "h6": "font-size:16px;margin:0 0 12px 0;",
    "hr": "border:0;border-top:1px solid #c9ced6;margin:16px 0;",
}
PLAIN_STYLE = "white-space:pre-wrap;margin:0 0 16px 0;"
_KEPT_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_VOID = {"br", "hr", "img"}


def style_html(html: str) -> str:
    """Sanitised HTML (helpdesk.rendering's output) made fit for a mail: inline styles
    instead of classes, absolute links (to BASE_URL), and every image a link to it."""
    parser = _MailHtml(current_app.config.get("BASE_URL") or "")
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


class _MailHtml(HTMLParser):
    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=False)
        self.base = base_url.rstrip("/") + "/"
        self.out: list[str] = []
        self.in_link = 0

    def _absolute(self, url: str) -> str:
        return urljoin(self.base, url) if not urlsplit(url).scheme else url

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag not in rendering.ALLOWED_TAGS:
            return
        if tag == "img":
            self._image(values)
            return
        if tag == "a":
            self.in_link += 1
            if "href" in values:
                values["href"] = self._absolute(values["href"])
        kept = {name: value for name, value in values.items()
                if name in _KEPT_ATTRIBUTES.get(tag, ())}
        style = STYLES.get(tag, "")
        if tag == "div" and "md-plain" in values.get("class", ""):
            style = PLAIN_STYLE
        if style:
            kept["style"] = style
        self.out.append(f"<{tag}" + "".join(
            f' {name}="{html_escape(value, quote=True)}"' for name, value in kept.items())
            + ">")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag in rendering.ALLOWED_TAGS and tag != "img":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag not in rendering.ALLOWED_TAGS or tag in _VOID:
            return
        if tag == "a":
            self.in_link = max(0, self.in_link - 1)
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(html_escape(data, quote=False))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def _image(self, values: dict) -> None:
        src = values.get("src", "")
        label = (values.get("alt") or "").strip() or src
        if self.in_link or not src:          # inside a link: its text only
            self.out.append(html_escape(label, quote=False))
            return
        self.out.append(f'<a href="{html_escape(self._absolute(src), quote=True)}" '
                        f'style="{STYLES["a"]}">{html_escape(label, quote=False)}</a>')
