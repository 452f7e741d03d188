"""The index's vocabulary at work: typo correction ("did you mean") and the words of a
ticket that say the most about it."""
from __future__ import annotations

from kb import search_expansion
from kb.analysis import STOPWORDS, fold
from kb.index_schema import LANGS, SCHEMA
from kb.search_query import WORD


def _known(reader, word: str) -> bool:
    """Whether `word` is in the index: as written, or as a stem in either language."""
    if ("spell", word) in reader:
        return True
    for lang in LANGS:
        analyzer = SCHEMA[f"body_{lang}"].analyzer
        for token in analyzer(word, mode="query"):
            if any((f"{kind}_{lang}", token.text) in reader for kind in ("title", "body")):
                return True
    return False


def correction(searcher, text: str) -> str | None:
    """Return `text` with unknown words replaced by the closest indexed word, or None."""
    reader = searcher.reader()
    corrector = searcher.corrector("spell")
    changed = False

    def fix(match):
        nonlocal changed
        word = fold(match.group(0).lower())
        if len(word) < 3 or word in STOPWORDS or _known(reader, word):
            return match.group(0)
        suggestions = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
        if suggestions and suggestions[0] != word:
            changed = True
            return suggestions[0]
        return match.group(0)

    corrected = WORD.sub(fix, text)
    return corrected if changed else None


def distinctive_words(searcher, text: str, count: int) -> list[str]:
    """The `count` words of `text` that the fewest articles contain (they say the most)."""
    reader = searcher.reader()
    scored = {}
    for word in WORD.findall((text or "")[:2000]):
        folded = fold(word.lower())
        if folded in scored or len(folded) < 3 or folded in STOPWORDS or folded.isdigit():
            continue
        frequency = sum(reader.doc_frequency(f"body_{lang}", SCHEMA[
            f"body_{lang}"].analyzer.term(word) or "") for lang in LANGS) or sum(
            # a word only its synonyms or translations find (kb.search_expansion)
            reader.doc_frequency(name, term)
            for name, term in search_expansion.alternative_terms(word))
        if frequency:
            scored[folded] = frequency
    return sorted(scored, key=scored.get)[:count]
