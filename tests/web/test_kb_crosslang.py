"""Search across languages: an English query finds an article that exists only in German
and the reverse, through the German-English dictionary Debian's trans-de-en ships
(kb.crosslang; CI installs it). Never past the reader's permissions; without the
dictionary, search degrades to synonyms and stems and says so in /healthz."""
from pathlib import Path

import pytest

from helpdesk.extensions import db
from kb import crosslang, synonyms

DICTIONARY = Path(crosslang.DEFAULT_PATHS[0])
needs_dictionary = pytest.mark.skipif(not DICTIONARY.is_file(),
                                      reason="Debian's trans-de-en is not installed")


@pytest.fixture
def app_config(app_config, tmp_path_factory):
    # One index of the dictionary for the whole run (built on first use, then read).
    return {**app_config, "KB_DICTIONARY_CACHE": str(tmp_path_factory.getbasetemp()
                                                     / "dictionary-cache")}


@pytest.fixture
def one_language_articles(make_article):
    make_article("Auszahlungen: Zeitplan und Status",
                 body="Deine Auszahlung kommt jeden Montag auf dein Bankkonto.", language="de")
    make_article("Auszahlung intern: Betrugsprüfung",
                 body="Auszahlungen mit Verdacht hält das Risikoteam an.", language="de",
                 visibility="internal")
    make_article("How a refund reaches your customer",
                 body="A refund goes back to the original payment method in 3 to 5 days.")


def _titles(client, query):
    response = client.get("/kb/search", query_string={"q": query, "format": "json"})
    return [hit["title"] for hit in response.get_json()["results"]]


@needs_dictionary
def test_an_english_query_finds_a_german_only_article(client, one_language_articles):
    assert _titles(client, "payout") == ["Auszahlungen: Zeitplan und Status"]


@needs_dictionary
def test_a_german_query_finds_an_english_only_article(client, one_language_articles):
    assert _titles(client, "Erstattung") == ["How a refund reaches your customer"]


@needs_dictionary
def test_an_internal_article_never_reaches_a_customer_through_translation(
        client, login_as, make, one_language_articles):
    assert "Auszahlung intern: Betrugsprüfung" not in _titles(client, "payouts")
    login_as(make.user())
    assert "Auszahlung intern: Betrugsprüfung" not in _titles(client, "payouts")
    login_as(make.agent(1))
    assert "Auszahlung intern: Betrugsprüfung" in _titles(client, "payouts")


@needs_dictionary
def test_the_native_article_ranks_above_a_translated_match(client, make_article,
                                                          one_language_articles):
    make_article("Payout schedule", body="Payouts are sent every Monday.")
    assert _titles(client, "payout")[:2] == ["Payout schedule",
                                             "Auszahlungen: Zeitplan und Status"]


@needs_dictionary
def test_healthz_names_the_dictionary(client, one_language_articles):
    _titles(client, "payout")
    report = client.get("/healthz").get_json()["search_translation"]
    assert report["ok"] and report["dictionary"] == str(DICTIONARY)
    assert report["loaded"] and report["headwords"] > 100_000


def test_without_a_dictionary_only_synonyms_cross_languages(app, client, make,
                                                             one_language_articles):
    app.config["KB_DICTIONARY"] = ""
    assert _titles(client, "payout") == []
    report = client.get("/healthz").get_json()["search_translation"]
    assert report["ok"] and report["dictionary"] is None and "no dictionary" in report["note"]
    synonyms.create_group("Auszahlung, payout", by=make.agent(2))
    db.session.commit()
    assert _titles(client, "payout") == ["Auszahlungen: Zeitplan und Status"]
