"""The domain's closed sets are defined once: support levels and languages."""
from __future__ import annotations

from helpdesk.accounts import forms as account_forms
from helpdesk.accounts.models import Level
from helpdesk.admin.forms import LEVEL_CHOICES
from helpdesk.cli import create_user_command
from helpdesk.config import LANGUAGE_CODES, LANGUAGES
from helpdesk.tickets.models import Ticket
from kb import index_source
from kb.forms import ArticleForm
from kb.index import SCHEMA


def _codes(choices) -> tuple[str, ...]:
    return tuple(choice.value for choice in choices)


def _option(command, name: str):
    return next(p for p in command.params if p.name == name)


def test_language_codes_are_the_keys_of_the_one_language_table():
    assert tuple(LANGUAGES) == LANGUAGE_CODES


def test_article_form_profile_form_and_cli_offer_exactly_the_languages():
    assert _codes(ArticleForm.language.kwargs["choices"]) == LANGUAGE_CODES
    assert _codes(account_forms.RegistrationForm.language.kwargs["choices"]) == LANGUAGE_CODES
    assert tuple(_option(create_user_command, "language").type.choices) == LANGUAGE_CODES


def test_the_search_index_has_an_analyzed_field_set_per_language():
    assert index_source.LANGS == LANGUAGE_CODES
    for lang in LANGUAGE_CODES:
        assert {f"title_{lang}", f"tags_{lang}", f"body_{lang}"} <= set(SCHEMA.names())
    analyzed = {name.rsplit("_", 1)[1] for name in SCHEMA.names()
                if name.startswith(("title_", "tags_", "body_"))}
    assert analyzed == set(LANGUAGE_CODES)


def test_support_levels_are_one_two_and_three_everywhere():
    assert [int(level) for level in Level] == [1, 2, 3]
    assert [c.value for c in LEVEL_CHOICES if c.value] == [str(lvl) for lvl in Level]
    level_option = _option(create_user_command, "level").type
    assert (level_option.min, level_option.max) == (min(Level), max(Level))
    constraint = next(c for c in Ticket.__table__.constraints
                      if str(getattr(c, "name", "")).endswith("level_range"))
    assert str(constraint.sqltext) == f"level BETWEEN {min(Level)} AND {max(Level)}"


def test_a_level_compares_equal_to_the_integer_stored_in_the_database():
    assert Level.l2 == 2 and 3 in tuple(Level) and f"{Level.l3:d}" == "3"
