"""What a search-index document holds: the Whoosh schema, one field set per language."""
from __future__ import annotations

from whoosh.fields import ID, STORED, TEXT, Schema

from kb.analysis import language_analyzer, word_analyzer
from kb.index_source import LANGS

__all__ = ["LANGS", "META_ID", "SCHEMA", "SCHEMA_VERSION", "has_positions", "make_schema"]

META_ID = "__meta__"
# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = "6"


def make_schema() -> Schema:
    """Title weighs more than tags, tags more than body; one field set per language."""
    fields = dict(
        id=ID(stored=True, unique=True), kind=ID(), status=ID(stored=True),
        visibility=ID(stored=True), language=ID(stored=True), category=ID(stored=True),
        title=STORED(), summary=STORED(), snippet=STORED(), version=STORED(),
        applied=STORED(), applied_at=STORED(),
        spell=TEXT(analyzer=word_analyzer(), phrase=False),
    )
    for lang in LANGS:
        analyzer = language_analyzer(lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer, field_boost=4.0)
        fields[f"tags_{lang}"] = TEXT(analyzer=analyzer, field_boost=2.0, phrase=False)
        # No positions in the body: a third of the index size and build time. Phrases
        # still work on titles; kb.search_query turns them into AND for the body.
        fields[f"body_{lang}"] = TEXT(analyzer=analyzer, field_boost=1.0, phrase=False)
    return Schema(**fields)


SCHEMA = make_schema()


def has_positions(fieldname: str) -> bool:
    """Whether the field stores word positions (phrases can be matched on it)."""
    return SCHEMA[fieldname].format.supports("positions")
