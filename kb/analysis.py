"""Text analysis for the search index: German and English stemming, umlaut folding.

Both languages fold umlauts to their two-letter spelling before stemming, so
"Rückerstattung" and "Rueckerstattung" become the same term. Stop words of both
languages are removed everywhere, so a query of only stop words is recognised as such.
"""
from __future__ import annotations

import re
import unicodedata

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language

_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}


def _fold_table() -> dict[int, str]:
    table = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        if base and base != char:
            table[code] = base.lower()
    table.update({ord(k): v for k, v in _UMLAUTS.items()})
    return table


FOLD = _fold_table()


def fold(text: str) -> str:
    """Return `text` with umlauts spelled out (ü -> ue) and other accents removed."""
    return text.translate(FOLD)


class FoldFilter(Filter):
    """Spell out umlauts and drop accents in every token (before stemming)."""

    def __call__(self, tokens):
        table = FOLD
        for token in tokens:
            if not token.text.isascii():
                token.text = token.text.translate(table)
            yield token


STOPWORDS = frozenset(fold(w) for lang in ("en", "de") for w in stopwords_for_language(lang))
_TOKENS = r"\w+(?:[.-]\w+)*"


def language_analyzer(lang: str):
    """Tokenize, lower-case, fold, drop stop words, stem in `lang` ("en" or "de")."""
    return (RegexTokenizer(_TOKENS) | LowercaseFilter() | FoldFilter()
            | StopFilter(stoplist=STOPWORDS, minsize=2)
            | StemFilter(lang="de" if lang == "de" else "en", cachesize=100_000))


def word_analyzer():
    """Unstemmed, folded words: the vocabulary "did you mean" suggests from."""
    return (RegexTokenizer(r"\w+") | LowercaseFilter() | FoldFilter()
            | StopFilter(stoplist=STOPWORDS, minsize=3))


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKUP = re.compile(r"(^|\n)\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+|[*_`~|]+|^-{3,}$", re.M)


def plain_text(markdown_source: str) -> str:
    """Return Markdown as plain text, cheaply (no rendering: used for 100,000 documents)."""
    text = _MD_LINK.sub(r"\1", markdown_source or "")
    text = _MD_MARKUP.sub(" ", text)
    return " ".join(text.split())
