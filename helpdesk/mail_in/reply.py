"""Split a mail's text into what the sender wrote now and what they quoted or signed.

mail-parser-reply (MIT) finds the quote headers ("Am ... schrieb ...:", "On ... wrote:",
Outlook's "Von:/Gesendet:" and "From:/Sent:" blocks, "-----Original Message-----") and the
sign-offs ("Mit freundlichen Grüßen", "Best regards", "-- ", "Sent from my iPhone") in German
and English. This module only decides where to cut, in the sender's own lines: the library
strips every line, we keep indentation (a pasted log or code stays as it was).

A cut never loses text: everything from the cut on is the quoted part, which the ticket keeps
(collapsed). Where a guess could hide what the customer wrote, the cut is not made: a sign-off
line must look like one (short, not a sentence), and a trailing signature must be short.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from mailparser_reply import EmailMessage

# Only the head of a very long text is searched (the library's patterns are not linear-time
# on every input); a quote header past this point is not found and the text stays new text.
SCAN_CHARS = 100_000
# A sign-off starts a signature only if its line is this short, and the signature (up to a
# quote header or the end) has at most this many non-empty lines.
MAX_SIGN_OFF_CHARS = 40
MAX_SIGNATURE_LINES = 12
MAX_SIGN_OFF_TRIES = 20
MAX_LINE_CHARS = 200
LANGUAGES = ["de", "en"]

# Lines above a quote header that belong to it (the library leaves them in the new text).
_SEPARATOR = re.compile(
    r"^(?:[-_=*]{3,}\s*(?:urspr(?:ü|ue)ngliche nachricht|original message|"
    r"weitergeleitete nachricht|forwarded message)\s*[-_=*]{3,}"
    r"|_{10,}|-{10,}"
    r"|begin forwarded message:|anfang der weitergeleiteten nachricht:)\s*$",
    re.IGNORECASE)
_FORWARD = re.compile(r"weitergeleitet|forwarded", re.IGNORECASE)
_QUOTED_LINE = re.compile(r"^\s*>")


@dataclass(frozen=True)
class ReplySplit:
    """The new text, the quoted text and signature after it, and whether the quoted part
    is a forwarded message (its text may be what the ticket is about)."""

    new_text: str
    quoted_text: str
    forwarded: bool = False


def _first_line(fragment: str) -> str:
    for line in fragment.split("\n"):
        if line.strip():
            return line.strip()
    return ""


def _find_line(lines: list[str], wanted: str, start: int = 0, stop: int | None = None) -> int:
    """Index of the first stripped line equal to `wanted` in lines[start:stop], else -1."""
    stop = len(lines) if stop is None else stop
    for index in range(start, stop):
        if lines[index].strip() == wanted:
            return index
    return -1


def _looks_like_sign_off(line: str) -> bool:
    line = line.lstrip("> ").strip()
    if line in ("--", "-- "):
        return True
    return (len(line) <= MAX_SIGN_OFF_CHARS and len(line.split()) <= 6
            and not line.endswith((".", "?", ":")))


def _sign_off(parsed: EmailMessage, lines: list[str], stop: int) -> int:
    """Index of the first line before `stop` that the library takes for a sign-off and that
    looks like one, with a short signature after it; else -1."""
    stripped = "\n".join(line.strip() for line in lines[:stop])
    pattern = parsed.SIGNATURE_REGEX
    pos, start = 0, 1
    for _attempt in range(MAX_SIGN_OFF_TRIES):
        match = pattern.search(stripped, pos)
        if match is None:
            return -1
        index = _find_line(lines, _first_line(match.group()), start, stop)
        if index < 0:
            return -1
        signature = [line for line in lines[index:stop] if line.strip()]
        if _looks_like_sign_off(lines[index]) and len(signature) <= MAX_SIGNATURE_LINES:
            return index
        start = index + 1
        pos = len("\n".join(line.strip() for line in lines[:start]))
    return -1


def _trailing_quote_block(lines: list[str], stop: int) -> int:
    """Where a block of ">" lines that runs to `stop` (blank lines allowed) begins, else -1."""
    index, found = stop, -1
    while index > 0 and (_QUOTED_LINE.match(lines[index - 1]) or not lines[index - 1].strip()):
        index -= 1
        if _QUOTED_LINE.match(lines[index]):
            found = index
    return found


def split_reply(text: str, markers: tuple[str, ...] = ()) -> ReplySplit:
    """Split `text` (clean, LF line ends) into the new text and the quoted part.

    `markers` are lines our own mail carries ("reply above this line"): the text is cut at
    the first line holding one, before any other rule.
    """
    lines = text.split("\n")
    cut, forwarded = len(lines), False

    for marker in markers:
        for index, line in enumerate(lines):
            if marker and marker in line:
                cut = min(cut, index)
                break

    head = text[:SCAN_CHARS]
    head_lines = head.split("\n")
    if len(text) > SCAN_CHARS:          # the last line may be cut in the middle: leave it out
        head_lines = head_lines[:-1]
    # Quote headers and sign-offs are short lines; the library's patterns take cubic time on
    # one long line, so it sees only the start of each (the line count stays the same).
    head_lines = [line[:MAX_LINE_CHARS] for line in head_lines]
    parsed = EmailMessage(text="\n".join(head_lines), languages=list(LANGUAGES),
                          keep_hyphen_lists=True).read()
    replies = parsed.replies
    header_at = -1
    # The first fragment that starts with a quote header (the first fragment has none unless
    # the text begins with one: the library drops an empty text before a header).
    quoting = next((reply for reply in replies if reply.headers), None)
    if quoting is not None:
        header_at = _find_line(head_lines, _first_line(quoting.headers))
    quote_end = header_at if header_at >= 0 else len(head_lines)

    sign_off_at = -1
    if replies and not replies[0].headers:
        sign_off_at = _sign_off(parsed, head_lines, quote_end)
    if header_at >= 0:
        start = header_at
        while start > 0 and (not head_lines[start - 1].strip()
                             or _SEPARATOR.match(head_lines[start - 1].strip())):
            start -= 1
            if _FORWARD.search(head_lines[start]):
                forwarded = True
        if header_at < cut:
            cut = start
    else:
        quote_block = _trailing_quote_block(head_lines, len(head_lines))
        if len(text) <= SCAN_CHARS and quote_block > 0:
            cut = min(cut, quote_block)
    if 0 < sign_off_at < cut:
        cut = sign_off_at

    new_text = "\n".join(lines[:cut]).strip("\n").rstrip()
    quoted_text = "\n".join(lines[cut:]).strip("\n").rstrip()
    return ReplySplit(new_text=new_text, quoted_text=quoted_text,
                      forwarded=forwarded and bool(quoted_text))
