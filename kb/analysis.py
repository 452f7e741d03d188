"""Text analysis for the search index: German and English stemming, umlaut folding.

Both languages fold umlauts to their two-letter spelling before stemming, so
"Rückerstattung" and "Rueckerstattung" become the same term. Stop words of both
languages are removed everywhere, so a query of only stop words is recognised as such.
"""
from __future__ import annotations

import re
import unicodedata

from whoosh.analysis import Token, Tokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language

from helpdesk.config import LANGUAGE_CODES

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


STOPWORDS = frozenset(fold(w) for lang in LANGUAGE_CODES for w in stopwords_for_language(lang))
_TOKENS = re.compile(r"\w+(?:[.-]\w+)*")
_WORDS = re.compile(r"\w+")
_CACHE_LIMIT = 300_000


class FoldingAnalyzer(Tokenizer):
    """Tokenize, lower-case, fold umlauts, drop stop words and stem, in one pass.

    The same result as Whoosh's RegexTokenizer | LowercaseFilter | fold | StopFilter |
    StemFilter chain, at a fraction of its cost: each distinct word is processed once and
    remembered, which matters when 100,000 articles are indexed.
    """

    def __init__(self, lang: str | None, pattern=_TOKENS, minsize: int = 2):
        self.lang = lang
        self.pattern = pattern
        self.minsize = minsize
        self._stem = stemmer_for_language(lang) if lang else None
        self._terms: dict[str, str | None] = {}

    def __eq__(self, other):
        return (self.__class__ is other.__class__ and self.lang == other.lang
                and self.pattern.pattern == other.pattern.pattern)

    def __getstate__(self):               # the cache stays behind when pickled
        return {k: v for k, v in self.__dict__.items() if k not in ("_terms", "_stem")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._stem = stemmer_for_language(self.lang) if self.lang else None
        self._terms = {}

    def term(self, word: str) -> str | None:
        """Return the indexed form of one word, or None for a stop word."""
        terms = self._terms
        term = terms.get(word, "")
        if term != "":
            return term
        folded = word.lower()
        if not folded.isascii():
            folded = folded.translate(FOLD)
        if len(folded) < self.minsize or folded in STOPWORDS:
            term = None
        else:
            term = self._stem(folded) if self._stem else folded
        if len(terms) > _CACHE_LIMIT:
            terms.clear()
        terms[word] = term
        return term

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not value.isascii() and not unicodedata.is_normalized("NFC", value):
            # "u" + combining diaeresis is "ü": one word, folded like it.
            value = unicodedata.normalize("NFC", value)
        if not tokenize:               # wildcards and prefixes: normalise, keep whole
            token.text, token.boost, token.stopped = fold(value.lower()), 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        term_of = self.term
        for pos, match in enumerate(self.pattern.finditer(value)):
            word = match.group(0)
            term = term_of(word)
            if term is None:
                if removestops:
                    continue
                term = word.lower()
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def language_analyzer(lang: str) -> FoldingAnalyzer:
    """Tokenize, lower-case, fold, drop stop words, stem in `lang` ("en" or "de")."""
    return FoldingAnalyzer("de" if lang == "de" else "en")


def word_analyzer() -> FoldingAnalyzer:
    """Unstemmed, folded words: the vocabulary "did you mean" suggests from."""
    return FoldingAnalyzer(None, pattern=_WORDS, minsize=3)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKUP = re.compile(r"(^|\n)\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+|[*_`~|]+|^-{3,}$", re.M)


def plain_text(markdown_source: str) -> str:
    """Return Markdown as plain text, cheaply (no rendering: used for 100,000 documents)."""
    text = _MD_LINK.sub(r"\1", markdown_source or "")
    text = _MD_MARKUP.sub(" ", text)
    return " ".join(text.split())
