"""Text out of mail: charsets, encoded-word headers, format=flowed and HTML.

Nothing here raises on bad input: an unknown or lying charset degrades to replacement
characters, HTML that lxml cannot parse is stripped of its tags. What comes out still has to go
through `helpdesk.text_input.clean_text` (parse.py does that once, for every text it keeps).
"""
from __future__ import annotations

import base64
import binascii
import codecs
import html as html_lib
import re

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.html_properties import Display
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_element import HtmlElement

# Labels that mail clients use for Windows-1252 text: Outlook sends "€" and „quotes“
# (bytes 0x80-0x9F) labelled ISO-8859-1, which Python would turn into C1 control characters.
# The WHATWG encoding standard, which browsers follow, reads these labels as Windows-1252 too.
_AS_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "iso_8859-1",
                    "iso-ir-100", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"}
# Labels that promise ASCII: 8-bit bytes under them are UTF-8 more often than not.
_ASCII_LABELS = {"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us"}
# Labels Python knows but no mail should be decoded with (they decode anything to anything).
_REFUSED_CODECS = {"utf-7", "rot-13", "hex", "base64", "quopri", "uu", "zlib", "bz2"}

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SURROGATE_RUN = re.compile("[\udc80-\udcff]+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")         # [^<>]: a run of "<" without ">" stays linear
_EMPTY_BLOCK = re.compile(r"(<(div|p)\b[^<>]*>)(?:\s|&nbsp;|&#160;|&#xa0;|\xa0)+(</\2\s*>)",
                          re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d+\.)\s")
_HIDDEN_OPEN = re.compile(r"<(script|style|head)\b", re.IGNORECASE)
# HTML longer than this is not laid out by inscriptis but stripped of its tags (bounded time).
MAX_HTML_CHARS = 2_000_000


def _codec(label: str | None) -> str | None:
    """Return the Python codec for a MIME charset label, or None when there is none."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    if label in _AS_WINDOWS_1252:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    return None if name in _REFUSED_CODECS else name


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode `data` declared as `charset`; return the text and whether the label was honoured.

    Undeclared or ASCII-declared 8-bit text is tried as UTF-8, then Windows-1252; a declared
    charset that does not fit the bytes degrades with U+FFFD replacement characters.
    """
    label = (charset or "").strip().strip('"').lower()
    if not label or label in _ASCII_LABELS:
        if data.isascii():
            return data.decode("ascii"), True
        try:
            return data.decode("utf-8"), False
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace"), False
    codec = _codec(label)
    if codec is None:                           # unknown label: guess as above
        try:
            return data.decode("utf-8"), False
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace"), False
    try:
        return data.decode(codec), True
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace"), False
    except Exception:                       # a codec that breaks on odd input (LookupError too)
        return data.decode("utf-8", errors="replace"), False


def fix_surrogates(text: str) -> str:
    """Decode raw 8-bit bytes that the email package kept as surrogate escapes
    (unencoded UTF-8 or Latin-1 in a header): UTF-8 when they are, else Windows-1252."""
    if not _SURROGATE_RUN.search(text):
        return text

    def _decode(match: re.Match) -> str:
        raw = match.group().encode("utf-8", "surrogateescape")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")

    return _SURROGATE_RUN.sub(_decode, text)


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    """The bytes of one encoded-word's payload, or None when it is not decodable."""
    if encoding in "qQ":
        return re.sub(r"=([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
                      payload.replace("_", " ")).encode("latin-1", "replace")
    try:
        return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_header_text(value: str) -> str:
    """Return a raw header value as text: unfolded, encoded-words decoded (any charset,
    unknown ones degrade; adjacent words of one charset are joined before decoding, so a
    character split across two words survives), raw 8-bit bytes decoded. Never raises."""
    value = re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", " ")
    value = fix_surrogates(value)
    if "=?" not in value:
        return value.strip()
    out: list[str] = []
    run: list[bytes] = []                  # bytes of adjacent encoded words in one charset
    run_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal run, run_charset
        if run:
            out.append(decode_bytes(b"".join(run), run_charset)[0])
        run, run_charset = [], None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos:match.start()]
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        pos = match.end()
        if data is None:                    # undecodable: keep the word as it came
            flush()
            out.append(between + match.group())
            continue
        if run and between.strip() == "" and charset.lower() == (run_charset or "").lower():
            run.append(data)                # whitespace between encoded words is dropped
            continue
        if not (run and between.strip() == ""):
            flush()
            out.append(between)
        else:
            flush()
        run, run_charset = [data], charset
    flush()
    out.append(value[pos:])
    return "".join(out).strip()


def unflow(text: str, delsp: bool = False) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines (ending in a space) of the same
    quote depth and remove space-stuffing. The signature separator "-- " stays a line."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]
        if pending is not None and depth != pending_depth:
            out.append(pending)
            pending = None
        if pending is None:
            content = ">" * depth + (" " if depth and stripped else "") + stripped
        else:
            content = pending + stripped
        if stripped.endswith(" ") and stripped != "-- ":
            pending = content[:-1] if delsp else content
            pending_depth = depth
        else:
            out.append(content)
            pending = None
    if pending is not None:
        out.append(pending)
    return "\n".join(out)


def _html_config() -> ParserConfig:
    css = CSS_PROFILES["strict"].copy()
    # Two spaces per list level: four would make a Markdown code block of a top-level list.
    for tag in ("ul", "ol"):
        css[tag] = HtmlElement(display=Display.block, margin_before=0, margin_after=0,
                               padding_inline=2)
    return ParserConfig(css=css, display_links=True)


_CONFIG = _html_config()


def _without_hidden(markup: str) -> str:
    """Drop script, style and head elements (an unclosed one runs to the end); linear time."""
    lower = markup.lower()
    kept, pos = [], 0
    while (match := _HIDDEN_OPEN.search(markup, pos)) is not None:
        kept.append(markup[pos:match.start()])
        close = lower.find(f"</{match.group(1).lower()}", match.end())
        if close < 0:
            return "".join(kept)
        pos = close + len(match.group(1)) + 2
    kept.append(markup[pos:])
    return "".join(kept)


def _separate_lists(lines: list[str]) -> str:
    """Put a blank line before and after each list, as Markdown needs to see one."""
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if previous.strip() and line.strip():
            item, previous_item = bool(_LIST_ITEM.match(line)), bool(_LIST_ITEM.match(previous))
            if (item and not previous_item and not previous.startswith(" ")) or (
                    previous_item and not item and not line.startswith(" ")):
                out.append("")
        out.append(line)
    return "\n".join(out)


def html_to_text(markup: str) -> str:
    """Return the text of an HTML mail body (links as "[text](url)", no scripts or styles).

    inscriptis (Apache-2.0) lays out blocks, lists and tables; very large or unparsable
    HTML is stripped of its tags instead.
    """
    markup = _XML_DECLARATION.sub("", markup)
    # An empty block ("<div>&nbsp;</div>", as Outlook on the web and GMX write a blank line)
    # is a blank line in a browser; inscriptis would drop it.
    markup = _EMPTY_BLOCK.sub(r"\1<br>\3", markup)
    if not markup.strip():
        return ""
    if len(markup) <= MAX_HTML_CHARS:
        try:
            text = get_text(markup, _CONFIG)
        except Exception:                   # lxml refuses some documents; strip instead
            text = None
        if text is not None:
            return _separate_lists([line.rstrip() for line in text.split("\n")]).strip("\n")
    stripped = _TAG.sub(" ", _without_hidden(markup))
    return re.sub(r"[ \t]+", " ", html_lib.unescape(stripped)).strip()
