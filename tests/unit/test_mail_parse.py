"""Inbound mail parsing: the corpus in tests/mail/ (real clients' shapes) and the limits.

Each message of the corpus must give the sender, subject, ticket reference, new text, quoted
part and attachments written in tests/mail/expected.yaml, as stored and with CRLF line ends (as
IMAP serves it). Beyond the corpus: what nothing may do to the parser (size, parts, nesting,
garbage), charsets, and the reply split's promises (nothing lost, indentation kept).
"""
from __future__ import annotations

import random
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml

from helpdesk.mail_in import parse_mail
from helpdesk.mail_in.classify import classify
from helpdesk.mail_in.parse import DEFAULT_MAX_BYTES, MAX_DEPTH, MailRejected
from helpdesk.mail_in.reply import split_reply
from helpdesk.mail_in.textparts import decode_bytes, decode_header_text, html_to_text
from helpdesk.text_input import clean_text

CORPUS = Path(__file__).resolve().parent.parent / "mail"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
INSTANCE = "hd-test-instance"


def folded(text: str) -> str:
    return " ".join(text.split())


def test_corpus_and_expectations_match():
    files = sorted(path.name for path in CORPUS.glob("*.eml"))
    assert files == sorted(EXPECTED), "every message needs its expectations, and back"
    assert len(files) >= 30


def _crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.mark.parametrize("line_ends", ["as stored", "crlf"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name, line_ends):
    want = EXPECTED[name]
    raw = (CORPUS / name).read_bytes()
    if line_ends == "crlf":
        raw = _crlf(raw)
    mail = parse_mail(raw)
    verdict = classify(mail, instance_id=INSTANCE,
                       own_list_ids=tuple(want.get("own_list_ids", ())))

    assert verdict.kind == want["class"], verdict.reason
    assert mail.sender_address == want["sender"]
    if "sender_name" in want:
        assert mail.sender_name == want["sender_name"]
    assert mail.subject == want["subject"]
    assert verdict.ticket_id == want["ticket_ref"]
    assert folded(mail.new_text).startswith(folded(want["new_text_starts"])), mail.new_text
    if want["quoted_starts"]:
        assert folded(mail.quoted_text).startswith(folded(want["quoted_starts"])), \
            mail.quoted_text
    else:
        assert mail.quoted_text == ""
    for words in want.get("new_text_lacks", ()):
        assert words not in mail.new_text
    for words in want.get("text_contains", ()):
        assert words in mail.text
    assert [a.filename for a in mail.attachments] == want["attachments"]
    for filename, content_type in want.get("attachment_types", {}).items():
        assert next(a for a in mail.attachments if a.filename == filename).content_type \
            == content_type
    inline = want.get("inline", {})
    assert {a.filename: a.content_id for a in mail.attachments if a.inline} == inline
    assert all(attachment.data for attachment in mail.attachments)
    assert list(verdict.failed_recipients) == want.get("failed_recipients", [])
    assert mail.forwarded == want.get("forwarded", False)
    assert mail.text_from_html == want.get("text_from_html", False)
    if "in_reply_to" in want:
        assert mail.in_reply_to == want["in_reply_to"]
    if "message_id" in want:
        assert mail.message_id == want["message_id"]
    if "date" in want:
        assert mail.date == want["date"]
    assert bool(mail.defects) == want.get("defects", False), mail.defects

    # What the corpus shows for every message: clean text, and the split loses nothing.
    texts = [mail.subject, mail.text, mail.new_text, mail.quoted_text, mail.sender_name,
             *(a.filename for a in mail.attachments), *(v for _k, v in mail.headers)]
    assert all(clean_text(text) == text for text in texts)
    assert folded(mail.new_text + "\n" + mail.quoted_text) == folded(mail.text)


def test_attachments_keep_their_bytes():
    nested = parse_mail((CORPUS / "outlook_nested_inline_image.eml").read_bytes())
    image = nested.attachments[0]
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n") and image.size == len(image.data)
    assert nested.attachments[1].data.startswith(b"%PDF-1.4")
    tnef = parse_mail((CORPUS / "outlook_tnef_winmail.eml").read_bytes()).attachments[0]
    assert tnef.data[:4] == (0x223E9F78).to_bytes(4, "little")     # the TNEF signature
    attached = parse_mail((CORPUS / "thunderbird_forward_attached.eml").read_bytes())
    inner = parse_mail(attached.attachments[0].data)                 # a whole message
    assert inner.sender_address == "lager@shop.example.com"
    assert "Gebrauchsspuren" in inner.text


def test_bounce_reports_each_recipient():
    mail = parse_mail((CORPUS / "bounce_postfix.eml").read_bytes())
    (status,) = mail.delivery_status
    assert (status.recipient, status.action, status.status) == \
        ("kunde.alt@example.org", "failed", "5.1.1")
    assert "User unknown" in status.diagnostic


# ---- limits: refused clearly, never a crash --------------------------------------------

def _message(body: str = "Hallo", **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("from_", "Kunde <kunde@example.org>")
    message["To"] = "support@example.com"
    message["Subject"] = headers.pop("subject", "Frage")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def test_a_message_over_the_size_limit_is_refused():
    raw = _message().as_bytes() + b"x" * DEFAULT_MAX_BYTES
    with pytest.raises(MailRejected) as refused:
        parse_mail(raw)
    assert "over the limit" in refused.value.reason
    with pytest.raises(MailRejected):
        parse_mail(_message("x" * 5000).as_bytes(), max_bytes=4000)


def test_a_large_message_under_the_limit_parses_whole():
    message = _message("Anbei das Video.")
    video = random.Random(7).randbytes(6 * 1024 * 1024)
    message.add_attachment(video, maintype="video", subtype="mp4", filename="unboxing.mp4")
    mail = parse_mail(message.as_bytes())
    assert mail.attachments[0].data == video
    assert mail.new_text == "Anbei das Video."


def test_too_many_parts_are_refused():
    message = _message("Viele Dateien")
    for number in range(30):
        message.add_attachment(b"x", maintype="application", subtype="octet-stream",
                               filename=f"{number}.bin")
    with pytest.raises(MailRejected) as refused:
        parse_mail(message.as_bytes(), max_parts=20)
    assert "parts" in refused.value.reason
    assert len(parse_mail(message.as_bytes(), max_parts=40).attachments) == 30


@pytest.mark.parametrize("shape", ["short lines", "header fields"])
def test_messages_of_many_lines_are_refused_before_parsing(shape):
    """The email package reads line by line: millions of tiny lines would take minutes."""
    head = b"From: a@example.org\r\n"
    raw = (head + b"\r\n" + b"-\r\n" * 2_000_000 if shape == "short lines"
           else head + b"X-A: b\r\n" * 2_000_000 + b"\r\nx")
    with pytest.raises(MailRejected) as refused:
        parse_mail(raw)
    assert "lines" in refused.value.reason
    with pytest.raises(MailRejected) as refused:
        parse_mail(head + b"X-A: b\r\n" * 1500 + b"\r\nx")
    assert "header fields" in refused.value.reason


def test_a_huge_recipient_list_keeps_the_first_addresses():
    raw = (b"From: a@example.org\r\nTo: " + b"kunde@example.org, \r\n " * 300_000
           + b"letzte@example.org\r\n\r\nHallo")
    mail = parse_mail(raw)
    assert 0 < len(mail.to) <= 500
    assert {a.address for a in mail.to} == {"kunde@example.org"}
    assert mail.new_text == "Hallo"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 3000])
def test_deeply_nested_multiparts_are_refused(depth):
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n'
                   for n in range(depth))
    raw = ("From: a@example.org\nSubject: tief\nMIME-Version: 1.0\n" + head
           + "Content-Type: text/plain\n\nganz unten\n").encode()
    with pytest.raises(MailRejected) as refused:
        parse_mail(raw, max_parts=10_000)           # the nesting, not the part count, refuses
    assert "nested" in refused.value.reason


@pytest.mark.parametrize("raw", [b"", b"   \r\n"])
def test_an_empty_message_is_refused(raw):
    with pytest.raises(MailRejected):
        parse_mail(raw)


@pytest.mark.parametrize("seed", range(5))
def test_garbage_never_raises(seed):
    rng = random.Random(seed)
    raw = b"From: x@example.org\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n" \
          + rng.randbytes(20_000) + b"\r\n--q\r\n" + rng.randbytes(5_000)
    mail = parse_mail(raw)
    assert clean_text(mail.text) == mail.text
    parse_mail(rng.randbytes(50_000))       # no headers at all: parsed, not raised


# ---- headers and charsets --------------------------------------------------------------

@pytest.mark.parametrize("raw, text", [
    ("=?iso-8859-1?Q?Gr=FC=DFe?= aus =?utf-8?B?S8O2bG4=?=", "Grüße aus Köln"),
    # a UTF-8 character split across two encoded-words (some mailers do it)
    ("=?utf-8?B?4oI=?= =?utf-8?B?rA==?= 100", "€ 100"),
    ("=?utf-8?Q?a?=\r\n =?utf-8?Q?b?=", "ab"),             # folded, no space between words
    ("=?x-unknown?Q?M=FCller?=", "Müller"),                 # unknown charset: best guess
    ("=?utf-8?B?###?= bleibt", "=?utf-8?B?###?= bleibt"),   # undecodable word kept as it is
    ("raw \udcc3\udcbc", "raw ü"),                          # unencoded UTF-8 in a header
])
def test_header_decoding(raw, text):
    assert decode_header_text(raw) == text


@pytest.mark.parametrize("data, charset, text", [
    ("€ „x“".encode("cp1252"), "iso-8859-1", "€ „x“"),      # Outlook's mislabelled cp1252
    ("Grüße".encode("latin-1"), "ISO-8859-1", "Grüße"),
    ("Grüße".encode(), None, "Grüße"),                      # undeclared UTF-8
    ("Grüße".encode(), "us-ascii", "Grüße"),                # mislabelled as ASCII
    ("Grüße".encode("latin-1"), "x-unknown", "Grüße"),      # unknown label: guessed
    (b"ok \xff\xfe", "utf-8", "ok \ufffd\ufffd"),           # broken UTF-8: replaced
    (b"+AGEAYgBj-", "utf-7", "+AGEAYgBj-"),                 # UTF-7 is never decoded
])
def test_body_charsets(data, charset, text):
    assert decode_bytes(data, charset)[0] == text


def test_eight_bit_headers_and_odd_addresses():
    raw = ("From: \"Müller, Hans\" <Hans@Example.DE>\n"
           "To: undisclosed-recipients:;\nCc: a@example.org, \"B\" <b@example.org>\n"
           "Subject: Größe\nMessage-ID: <x@y>\nReferences: <1@a> <2@a> <1@a>\n"
           "\nText\n").encode()
    mail = parse_mail(raw)
    assert (mail.sender_address, mail.sender_name) == ("Hans@example.de", "Müller, Hans")
    assert mail.subject == "Größe"
    assert mail.to == ()
    assert [a.address for a in mail.cc] == ["a@example.org", "b@example.org"]
    assert mail.references == ("<1@a>", "<2@a>")


@pytest.mark.parametrize("filename, kept", [
    ("..\\..\\Windows\\system32\\evil.exe", "evil.exe"),      # no folders, ever
    ("../../etc/passwd", "passwd"),
    ("A" * 300 + ".pdf", "A" * 251 + ".pdf"),                  # cut, the extension kept
    ("Bericht\x00\x07 März.pdf", "Bericht März.pdf"),            # cleaned like form input
])
def test_attachment_names_are_safe_to_show(filename, kept):
    message = _message("Anhang")
    message.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename=filename)
    assert parse_mail(message.as_bytes()).attachments[0].filename == kept


def test_an_attachment_without_a_name_gets_one():
    message = _message("Anhang")
    message.add_attachment(b"\x89PNG", maintype="image", subtype="png")
    assert parse_mail(message.as_bytes()).attachments[0].filename == "attachment-1.png"


def test_html_becomes_text_without_scripts_or_styles():
    text = html_to_text(
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<p>Hallo <b>Team</b>,</p><div>&nbsp;</div><div>siehe <a href='https://x.example/a'>"
        "Link</a>:</div><ul><li>eins</li><li>zwei</li></ul><div>Ende</div></body></html>")
    assert "alert" not in text and "color" not in text
    assert text == ("Hallo Team,\n\n\nsiehe [Link](https://x.example/a):\n\n"
                    "* eins\n* zwei\n\nEnde")


# ---- the reply split -------------------------------------------------------------------

def test_the_split_keeps_indentation_of_the_new_text():
    text = ("Hier das Log:\n\n    Traceback (most recent call last):\n      File \"x.py\"\n\n"
            "Am 03.03.25 um 10:12 schrieb Support:\n> Hallo")
    split = split_reply(text)
    assert split.new_text == "Hier das Log:\n\n    Traceback (most recent call last):\n" \
                             "      File \"x.py\""
    assert split.quoted_text.startswith("Am 03.03.25 um 10:12 schrieb Support:")


def test_a_sentence_starting_like_a_sign_off_is_not_cut():
    split = split_reply("Hi,\n\nThanks, that worked. But now the second order is missing too.\n"
                        "\nBest regards\nJohn")
    assert split.new_text == "Hi,\n\nThanks, that worked. But now the second order is " \
                             "missing too."
    assert split.quoted_text == "Best regards\nJohn"


def test_a_long_text_after_a_greeting_stays_new_text():
    body = "Hallo,\n\nViele Grüße an das Team, und jetzt mein Problem:\n" + \
        "\n".join(f"Zeile {n} mit Details." for n in range(30))
    assert split_reply(body).new_text == body


def test_our_reply_marker_cuts_first():
    marker = "## Bitte oberhalb dieser Zeile antworten ##"
    split = split_reply(f"Passt, danke!\n\n{marker}\nHallo, dein Ticket ...", markers=(marker,))
    assert split.new_text == "Passt, danke!"
    assert split.quoted_text.startswith(marker)


def test_a_bottom_quote_without_header_is_quoted():
    split = split_reply("Meine Antwort.\n\n> alter Text\n> mehr")
    assert (split.new_text, split.quoted_text) == ("Meine Antwort.", "> alter Text\n> mehr")


def test_hostile_quote_headers_are_read_as_text():
    """Lines shaped to make the quote patterns backtrack are still split (and soon)."""
    text = "On " * 40_000 + "wrote\n" + ("Am " * 60 + "\n") * 500
    split = split_reply(text)
    assert split.new_text == text.strip("\n").rstrip() and split.quoted_text == ""


def test_mail_in_stays_below_the_feature_packages():
    """The parser is a feature on the tickets layer: no knowledge base, no mail sender, no
    app factory come with it."""
    code = ("import sys, helpdesk.mail_in; "
            "print(sorted(m for m in sys.modules if m == 'kb' or m.startswith(("
            "'kb.', 'helpdesk.notifications', 'helpdesk.admin'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
