"""Query expansion: each query word may also match its synonyms (kb.synonyms) and its
translations (kb.crosslang), as lower-weighted alternatives.

`kb.search_query.parse` parses what a person typed into one OR per word over every text
field (title_en, body_de, ...), each term analysed by its field's analyzer. `expand`
then adds, inside each word's OR, the alternatives of that word: a synonym in the fields
of both languages, a translation in the fields of its language, each analysed by the
analyzer of the field it is searched in (German stemming for body_de), weighted below
the word itself (`KB_SYNONYM_WEIGHT`, `KB_TRANSLATION_WEIGHT`). An alternative of two
words must match both. Phrases and wildcards are left as typed. Nothing is reindexed:
the index holds what it held.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from whoosh import query as wq

from kb import crosslang, synonyms
from kb.analysis import _TOKENS, STOPWORDS, fold
from kb.index_schema import LANGS, SCHEMA

MAX_WORDS = 16


@dataclass(frozen=True)
class Alternative:
    words: tuple[str, ...]
    language: str | None          # None: searched in every language's fields
    weight: float


def _setting(name: str, default: float) -> float:
    return float(current_app.config.get(name, default))


def alternatives(word: str) -> list[Alternative]:
    """The alternatives of one query word: its synonyms, then its translations."""
    folded = fold(word.lower())
    if len(folded) < 2 or folded in STOPWORDS or folded.isdigit():
        return []
    found = [Alternative(words, None, _setting("KB_SYNONYM_WEIGHT", 0.8))
             for words in synonyms.alternatives(word)]
    translated = _setting("KB_TRANSLATION_WEIGHT", 0.4)
    found += [Alternative(words, language, translated)
              for language, words in crosslang.translations(word)]
    return found


def plan(text: str) -> dict[tuple[str, str], list[Alternative]]:
    """The alternatives of the words of `text`, by (language, stem) of the word: the
    terms its OR holds in that language's fields."""
    if not has_app_context():
        return {}
    found: dict[tuple[str, str], list[Alternative]] = {}
    seen = set()
    for word in (m.group(0) for m in _TOKENS.finditer(text or "")):
        if word.lower() in seen or len(seen) >= MAX_WORDS:
            continue
        seen.add(word.lower())
        extra = alternatives(word)
        if not extra:
            continue
        for lang in LANGS:
            stem = SCHEMA[f"body_{lang}"].analyzer.term(word)
            if stem:
                found.setdefault((lang, stem), []).extend(
                    a for a in extra if a not in found.get((lang, stem), ()))
    return found


def _language(fieldname: str) -> str:
    return fieldname.rsplit("_", 1)[-1]


def _is_word(node) -> bool:
    """A word's OR over the text fields (as the multi-field parser makes it)."""
    return (type(node) is wq.Or and bool(node.subqueries)
            and all(type(t) is wq.Term and "_" in t.fieldname for t in node.subqueries))


def _alternative_query(fieldname: str, alternative: Alternative):
    analyzer = SCHEMA[fieldname].analyzer
    terms = [term for term in (analyzer.term(w) for w in alternative.words) if term]
    if not terms:
        return None
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=alternative.weight)
    return wq.And([wq.Term(fieldname, t) for t in terms], boost=alternative.weight)


def expander(found: dict[tuple[str, str], list[Alternative]]):
    """A node visitor (for `query.accept`) adding each word's alternatives to its OR."""
    def expand(node):
        if not found or not _is_word(node):
            return node
        extra: list[Alternative] = []
        for term in node.subqueries:
            for alternative in found.get((_language(term.fieldname), term.text), ()):
                if alternative not in extra:
                    extra.append(alternative)
        if not extra:
            return node
        have = {(t.fieldname, t.text) for t in node.subqueries}
        fields = list(dict.fromkeys(t.fieldname for t in node.subqueries))
        added = []
        for alternative in extra:
            for fieldname in fields:
                if alternative.language not in (None, _language(fieldname)):
                    continue
                query = _alternative_query(fieldname, alternative)
                if query is None or (type(query) is wq.Term
                                     and (fieldname, query.text) in have):
                    continue
                if type(query) is wq.Term:
                    have.add((fieldname, query.text))
                added.append(query)
        return wq.Or([*node.subqueries, *added]) if added else node
    return expand


def alternative_terms(word: str) -> list[tuple[str, str]]:
    """(field, term) of a word's one-word alternatives in the body fields (how often
    the index holds them tells how telling the word is: kb.search_words)."""
    terms = []
    for alternative in alternatives(word):
        if len(alternative.words) != 1:
            continue
        for lang in LANGS:
            if alternative.language in (None, lang):
                term = SCHEMA[f"body_{lang}"].analyzer.term(alternative.words[0])
                if term:
                    terms.append((f"body_{lang}", term))
    return terms


def cache_key() -> str:
    """Names the synonyms and the dictionary current searches use (the result cache)."""
    if not has_app_context():
        return ""
    return f"{synonyms.cache_key()}|{crosslang.cache_key()}"
