"""Ranking of search hits: BM25F without per-hit field-length lookups (see
`kb.whoosh_internals.LengthFreeBM25F`)."""
from __future__ import annotations

from kb.whoosh_internals import LengthFreeBM25F

WEIGHTING = LengthFreeBM25F()
