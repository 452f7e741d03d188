"""What outgoing and incoming mail agree on (helpdesk.mail_threading): our Message-IDs,
the reply marker, the subject reference."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from helpdesk import mail_threading as mt
from helpdesk.tickets.models import format_ref, parse_ref

SECRET = "the-secret-key"


@pytest.fixture
def app(tmp_path):
    """A bare Flask app: the module needs only settings and the translations."""
    app = Flask(__name__, root_path=str(tmp_path))
    app.config.update(SECRET_KEY=SECRET, BASE_URL="https://help.example.com")
    Babel(app, default_translation_directories=str(
        Path(__file__).parents[2] / "translations"))
    with app.app_context():
        yield app


# -- Message-IDs ----------------------------------------------------------------------

def test_the_thread_root_is_stable_per_ticket_and_on_the_sites_domain(app):
    root = mt.thread_root_id(123)
    assert root == mt.thread_root_id(123) != mt.thread_root_id(124)
    assert root.startswith("<ticket-123.") and root.endswith("@help.example.com>")
    assert mt.parse_message_id(root) == mt.OwnMessageId(ticket_id=123, is_thread_root=True)


def test_the_thread_root_cannot_be_made_up_from_the_ticket_number(app):
    root = mt.thread_root_id(123)
    # Another installation (another key) has other roots; ours are not theirs.
    assert mt.thread_root_id(123, secret="another-key") != root
    assert not mt.is_own_message_id(mt.thread_root_id(123, secret="another-key"))
    # The mac of one ticket does not fit another, and a changed digit is refused.
    mac = root[len("<ticket-123."):root.index("@")]
    assert not mt.is_own_message_id(f"<ticket-124.{mac}@help.example.com>")
    forged = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    assert not mt.is_own_message_id(f"<ticket-123.{forged}@help.example.com>")
    assert not mt.is_own_message_id("<ticket-123@help.example.com>")
    assert len(mac) >= 20             # 80 bits: not found by trying


def test_each_mail_gets_a_new_id_of_ours_naming_its_ticket(app):
    first, second = mt.new_message_id(7), mt.new_message_id(7)
    assert first != second
    assert mt.parse_message_id(first) == mt.OwnMessageId(ticket_id=7, is_thread_root=False)
    plain = mt.new_message_id()
    assert plain.startswith("<hd.")
    assert mt.parse_message_id(plain) == mt.OwnMessageId(ticket_id=None, is_thread_root=False)
    # Moving an id to another ticket breaks its mac.
    assert not mt.is_own_message_id(first.replace("<ticket-7.", "<ticket-8.", 1))
    # The domain may change with BASE_URL; the id stays ours.
    moved = first.split("@")[0] + "@old-name.example.org>"
    assert mt.is_own_message_id(moved)


@pytest.mark.parametrize("value", [
    None, "", "<CAF=abc@mail.gmail.com>", "ticket-1.abc@x", "<ticket-99999999999.ab@x>",
    "<hd.0123456789abcdef.0000@x>", "<a@b> <c@d>", "<ticket-1.zz@x>",
])
def test_anybody_elses_ids_are_not_ours(app, value):
    assert mt.parse_message_id(value) is None and not mt.is_own_message_id(value)


def test_the_ticket_is_found_from_in_reply_to_and_references(app):
    root, mail = mt.thread_root_id(5), mt.new_message_id(5)
    foreign = "<20261201.123@mail.example.net>"
    assert mt.ticket_id_from_headers(mail) == 5
    assert mt.ticket_id_from_headers(None, f"{foreign}\r\n {root} {foreign}") == 5
    # The last id of ours counts (a mail client keeps the whole chain).
    assert mt.ticket_id_from_headers(f"{mt.new_message_id(9)}", f"{root}") == 5
    assert mt.ticket_id_from_headers(foreign, "") is None
    assert mt.ticket_id_from_headers(mt.thread_root_id(5, secret="other")) is None
    assert mt.message_ids(f"{root}\r\n\t{foreign} junk") == [root, foreign]


def test_the_references_header_names_the_root_then_the_previous_mail(app):
    root, previous = mt.thread_root_id(3), mt.new_message_id(3)
    assert mt.references(root, previous) == f"{root} {previous}"
    assert mt.references(root, None) == root


def test_the_instance_id_is_a_setting_derived_from_the_key_by_default(app):
    derived = mt.instance_id()
    assert derived and SECRET not in derived and mt.is_own_origin(derived)
    assert not mt.is_own_origin("someone-else") and not mt.is_own_origin(None)
    app.config["SECRET_KEY"] = "another"
    assert mt.instance_id() != derived
    app.config["MAIL_INSTANCE_ID"] = "support-eu-1"
    assert mt.instance_id() == "support-eu-1" and mt.is_own_origin(" support-eu-1 ")


# -- the reply marker ------------------------------------------------------------------

def test_the_marker_is_one_line_in_every_language(app):
    markers = mt.reply_markers()
    assert "##- Please type your reply above this line -##" in markers
    for marker in markers:
        assert "\n" not in marker and mt.is_marker_line(marker)
    with force_locale("en"):
        assert mt.reply_marker() == "##- Please type your reply above this line -##"


@pytest.mark.parametrize("marker", [
    "##- Please type your reply above this line -##",
    "##- Bitte oberhalb dieser Zeile antworten -##",
])
def test_a_reply_is_cut_at_the_marker_in_any_language(marker):
    reply = (f"Thanks, that worked!\n\nCora\n\nOn 1 Dec 2026, Helpdesk wrote:\n> {marker}\n"
             "> \n> Hello Cora,\n> we think your request is solved.")
    assert mt.cut_at_reply_marker(reply) == (
        "Thanks, that worked!\n\nCora\n\nOn 1 Dec 2026, Helpdesk wrote:")
    assert mt.cut_at_reply_marker(f"Top\r\n{marker}\r\nquoted") == "Top"
    assert mt.cut_at_reply_marker(f">> {marker}  \nquoted") == ""


def test_text_without_the_marker_is_kept_whole():
    text = "No marker here.\n## A heading\n-## not one either\nsee ##-this-## inline"
    assert mt.cut_at_reply_marker(text) == text
    assert not mt.is_marker_line("see ##- this -## inline")


# -- the subject reference -------------------------------------------------------------

def test_the_subject_reference_is_the_tickets_ref_in_brackets():
    for ticket_id in (1, 123, 999999, 1234567):
        assert mt.format_ticket_ref(ticket_id) == format_ref(ticket_id)
        assert mt.subject_ref(ticket_id) == f"[{format_ref(ticket_id)}]"
        assert parse_ref(mt.format_ticket_ref(ticket_id)) == ticket_id


@pytest.mark.parametrize("subject", [
    "[HD-000123] Your request has been resolved",
    "Re: [HD-000123] Your request has been resolved",
    "AW: [HD-000123] Deine Anfrage wurde gelöst",
    "WG: AW: RE: [HD-000123] x",
    "Fwd: Fw: [hd-000123] x",
    "RE[2]: [ HD-123 ] x",
    "Antw: SV: [HD-000123]",
])
def test_the_ticket_reference_is_found_behind_reply_and_forward_prefixes(subject):
    assert mt.find_ticket_ref(subject) == 123


@pytest.mark.parametrize("subject", [
    None, "", "HD-000123 without brackets", "[HD-] empty", "[HD-99999999999] too large",
    "Order [A-000123]", "[HD-12a]",
])
def test_a_subject_without_a_reference_names_no_ticket(subject):
    assert mt.find_ticket_ref(subject) is None


def test_reply_and_forward_prefixes_are_stripped():
    assert mt.strip_subject_prefixes("Re: AW: WG: Fwd: FW: Where is my parcel?") == (
        "Where is my parcel?")
    assert mt.strip_subject_prefixes("RE[3]: Antwort: x") == "x"
    assert mt.strip_subject_prefixes("Reply needed: invoice") == "Reply needed: invoice"
    assert mt.strip_subject_prefixes("Area: north") == "Area: north"
