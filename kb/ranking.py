"""Ranking of search hits: BM25F without per-hit field-length lookups."""
from __future__ import annotations

from whoosh import scoring


class _LengthFreeScorer(scoring.BM25FScorer):
    """BM25 with every document at average length: no per-hit field-length lookup.

    Most of a search's time went into reading field lengths; KB articles are of similar
    length, and titles and tags already weigh more through their field boosts. Block
    quality (computed with the block's shortest length) stays an upper bound, so Whoosh
    can still skip blocks that cannot reach the top hits.
    """

    def score(self, matcher):
        return self._score(matcher.weight(), self.avgfl)


class LengthFreeBM25F(scoring.BM25F):
    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _LengthFreeScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)


WEIGHTING = LengthFreeBM25F()
