"""Ranking of search hits: BM25F without per-hit field-length lookups (see
`kb.whoosh_internals.LengthFreeBM25F`)."""
from __future__ import annotations

from kb.whoosh_internals import LengthFreeBM25F

WEIGHTING = LengthFreeBM25F()


def rerank(hits: list, factors: dict[int, float]) -> list:
    """`hits` (in the search's order) re-ordered by their standing × the article's factor
    (1 when it has none), best first; ties keep the search's order.

    A hit's standing is the best score at or after its place: its own score where the
    hits are in score order, and the better twin's where the search put a translation
    twin at its better twin's place (kb.search_results), so no factor ever undoes that.
    How the ticket page's suggestions let articles that solve tickets rise a little
    (`kb.effectiveness.boost_factors`).
    """
    if not factors:
        return list(hits)
    standing, best = [], 0.0
    for hit in reversed(hits):
        best = max(best, hit.score)
        standing.append(best)
    standing.reverse()
    order = sorted(range(len(hits)),
                   key=lambda i: standing[i] * factors.get(hits[i].id, 1.0), reverse=True)
    return [hits[i] for i in order]
