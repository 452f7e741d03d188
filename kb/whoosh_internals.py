"""Every use of Whoosh beyond its documented API, in one place.

The knowledge base relies on a few Whoosh internals for speed. Each is named here, with
what it relies on; `tests/unit/test_whoosh_contract.py` checks every one of them on a
tiny real index, so a Whoosh upgrade that changes one fails there, loudly, instead of
slowing or skewing search quietly. Nothing else in kb/ may subclass a Whoosh class,
write a Whoosh object's attributes or import from `whoosh.util`.

* `LengthFreeBM25F`: subclasses `scoring.BM25FScorer` and calls its `_score(weight,
  length)` with the scorer's `avgfl` (the field's average length).
* `BoundedFilterCollector`: subclasses `collectors.FilterCollector` and replaces its
  `collect_matches()`, using the wrapped collector's `matches()` and `collect()` and the
  `offset` Whoosh sets per segment (`set_subsearcher`).
* `use_union_tree`: sets an `Or` query's `matcher_type` to `Or.DEFAULT_MATCHER`.
* `searcher_cache`: state kept per searcher object (a refreshed searcher is a new object,
  so the caches start afresh after every index change); nothing is written on Whoosh's
  objects.
* `file_lock`: `whoosh.util.filelock.FileLock` (an fcntl lock on a file).
"""
from __future__ import annotations

import threading
import time
import weakref

from whoosh import collectors, scoring
from whoosh import query as wq
from whoosh.collectors import TimeLimit
from whoosh.util.filelock import FileLock

__all__ = ["BoundedFilterCollector", "LengthFreeBM25F", "TimeLimit", "file_lock",
           "searcher_cache", "use_union_tree"]


# -- ranking --------------------------------------------------------------------------

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
    """BM25F (Whoosh's default parameters) scoring every document as if it had the
    field's average length."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _LengthFreeScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)


# -- collecting -----------------------------------------------------------------------

class BoundedFilterCollector(collectors.FilterCollector):
    """Whoosh's `filter=` collector that also stops at a deadline (partial results).

    `allow` is a set of top-level document numbers; an empty set admits nothing (Whoosh's
    own collector would read it as "no filter"). Past the deadline (checked every 256
    matches) it raises `TimeLimit`; `results()` then holds what was collected so far.
    """

    def __init__(self, child, allow: set[int], timelimit: float):
        super().__init__(child, allow=allow)
        self.allowed = allow
        self.deadline = time.monotonic() + timelimit

    def collect_matches(self):
        child, allow, offset, deadline = self.child, self.allowed, self.offset, self.deadline
        for count, sub_docnum in enumerate(child.matches(), 1):
            if not count % 256 and time.monotonic() > deadline:
                raise TimeLimit
            if offset + sub_docnum in allow:
                child.collect(sub_docnum)


# -- queries --------------------------------------------------------------------------

def use_union_tree(node):
    """Make a plain `Or` use a tree of union matchers: it can skip blocks that cannot
    reach the top hits (Whoosh otherwise preloads every match on segments under 5,000
    documents). Other nodes are returned unchanged."""
    if type(node) is wq.Or:
        node.matcher_type = wq.Or.DEFAULT_MATCHER
    return node


# -- per-searcher state ---------------------------------------------------------------

_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def searcher_cache(searcher, name: str) -> dict:
    """A dict named `name` that lives as long as `searcher` (and no longer).

    Whoosh's `refresh()` returns a new searcher when the index changed, so whatever is
    cached here for the old one (filters, results) is never used for the new one.
    """
    with _caches_lock:
        per_searcher = _caches.get(searcher)
        if per_searcher is None:
            per_searcher = _caches[searcher] = {}
        return per_searcher.setdefault(name, {})


# -- locks ----------------------------------------------------------------------------

def file_lock(path: str) -> FileLock:
    """An exclusive lock on the file at `path` (fcntl): `acquire(blocking=False)` returns
    whether it was taken, `release()` lets it go. Locks on the same file exclude each
    other across processes and threads."""
    return FileLock(path)
