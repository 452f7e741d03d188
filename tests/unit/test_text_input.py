"""Text entering the helpdesk: one cleaning rule (NFC, no control characters) on every way in."""
from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from werkzeug.datastructures import FileStorage, MultiDict

from helpdesk.accounts.models import User
from helpdesk.cli import main
from helpdesk.extensions import db
from helpdesk.text_input import (
    CleanMultiDict,
    clean_data,
    clean_text,
    has_control_characters,
    whole_number,
)
from kb import search
from kb.models import Article

DECOMPOSED = "Ru\u0308ckerstattung"          # "u" + COMBINING DIAERESIS
COMPOSED = "R\u00fcckerstattung"


@pytest.mark.parametrize("raw, clean", [
    ("plain text", "plain text"),
    ("a\x00b", "ab"),
    ("bell\x07 escape\x1b[31m del\x7f c1\x85\x9b", "bell escape[31m del c1"),
    ("keeps\ttabs\nand newlines", "keeps\ttabs\nand newlines"),
    ("windows\r\nand old mac\rline ends", "windows\nand old mac\nline ends"),
    (DECOMPOSED, COMPOSED),
    ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ("emoji \U0001F600 and ß stay", "emoji \U0001F600 and ß stay"),
])
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_clean_text_is_idempotent_and_output_is_valid_utf8_nfc():
    nasty = "".join(chr(c) for c in range(0, 0x250)) + DECOMPOSED + "\ud83d\r\n"
    once = clean_text(nasty)
    assert clean_text(once) == once
    assert not has_control_characters(once.replace("\t", "").replace("\n", ""))
    assert unicodedata.is_normalized("NFC", once)
    once.encode("utf-8")                     # no lone surrogate left


def test_clean_data_cleans_nested_strings_and_keys():
    data = {"ti\x00tle": [DECOMPOSED, {"x": "a\x00"}], "n": 3, "ok": None}
    assert clean_data(data) == {"title": [COMPOSED, {"x": "a"}], "n": 3, "ok": None}


@pytest.mark.parametrize("raw, number", [
    ("42", 42), ("0", 0), (7, 7), ("\u00b2", None), ("\u0661\u0662", None), ("-1", None),
    (" 1", None), ("1_000", None), (str(2**31), None), (str(2**31 - 1), 2**31 - 1),
    ("9" * 5000, None), (None, None), ("", None),
])
def test_whole_number_takes_only_ids_a_database_can_hold(raw, number):
    assert whole_number(raw) == number


def test_request_parameters_are_cleaned_on_construction():
    upload = FileStorage(filename="re\x00port\u0308.pdf")
    params = CleanMultiDict(MultiDict([("q", "a\x00b"), ("q", DECOMPOSED), ("f", upload)]))
    assert params.getlist("q") == ["ab", COMPOSED]
    assert params["f"].filename == unicodedata.normalize("NFC", "reporẗ.pdf")
    assert CleanMultiDict({"tag": ["x\x00", "y"]}).getlist("tag") == ["x", "y"]
    assert CleanMultiDict([("k\x00", "v")]).to_dict() == {"k": "v"}


def test_decomposed_umlaut_query_finds_what_the_composed_one_finds(make_article):
    make_article("Rückerstattung an Kundinnen", language="de",
                 body="Die Rückerstattung dauert drei bis fünf Werktage.")
    make_article("Rückerstattung bei Teillieferungen", language="de",
                 body="Eine Rückerstattung für Teile der Lieferung.")
    make_article("Payout schedule", body="Payouts are sent every Monday.")
    anon = AnonymousUserMixin()
    composed = sorted(h.title for h in search.search(COMPOSED, anon).hits)
    assert len(composed) == 2
    assert sorted(h.title for h in search.search(DECOMPOSED, anon).hits) == composed


def test_article_stored_decomposed_is_found_and_highlighted(make_article):
    make_article(f"{DECOMPOSED} erklärt", language="de",
                 body=f"Die {DECOMPOSED} dauert drei Tage.")
    hits = search.search(COMPOSED, AnonymousUserMixin()).hits
    assert len(hits) == 1
    assert f"<mark>{COMPOSED}</mark>" in hits[0].snippet


def test_kb_import_cleans_body_and_front_matter(app, runner, tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "refunds.md").write_bytes(
        b'---\r\ntitle: "Refund\\0 for a return"\r\ntags: ["re\\x07fund"]\r\nstatus: published\r\n'
        b'---\r\nThe ' + DECOMPOSED.encode() + b'\x00 takes\x0b three days.\r\n')
    result = runner.invoke(args=["kb", "import", str(folder)])
    assert result.exit_code == 0, result.output
    article = db.session.scalar(sa.select(Article).where(Article.slug == "refunds"))
    assert article.title == "Refund for a return"
    assert article.tag_list == ["refund"]
    assert article.body == f"The {COMPOSED} takes three days."


def test_cli_create_user_cleans_its_input(app, runner):
    result = runner.invoke(main, ["create-user", "--email", "lea\x00@example.com",
                                  "--name", "Le\u0301a\x07", "--password",
                                  "plum-orbit-canvas-92"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "lea@example.com"))
    assert user.name == "L\u00e9a"
