"""Ranking of search hits: BM25F without per-hit field-length lookups (see
`kb.whoosh_internals.LengthFreeBM25F`)."""
from __future__ import annotations

from kb.whoosh_internals import LengthFreeBM25F

WEIGHTING = LengthFreeBM25F()


def rerank(hits: list, factors: dict[int, float]) -> list:
    """`hits` ordered by score × the article's factor (1 when it has none), best first.

    How the ticket page's suggestions let articles that solve tickets rise a little
    (`kb.effectiveness.boost_factors`); ties keep the search's order.
    """
    if not factors:
        return list(hits)
    return sorted(hits, key=lambda hit: hit.score * factors.get(hit.id, 1.0), reverse=True)
