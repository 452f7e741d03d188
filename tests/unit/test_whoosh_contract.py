"""What the knowledge base relies on in Whoosh beyond its documented API (every such use is
in kb/whoosh_internals.py), checked on tiny real indexes. A failure here after a Whoosh
upgrade names the internal that changed: fix kb/whoosh_internals.py before anything else."""
from __future__ import annotations

import ast
import gc
import inspect
import threading
import weakref
from pathlib import Path

import pytest
from whoosh import collectors, matching, qparser, scoring
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.fields import ID, TEXT, Schema

from kb.analysis import language_analyzer
from kb.index_schema import SCHEMA
from kb.ranking import WEIGHTING
from kb.whoosh_internals import (
    BoundedFilterCollector,
    LengthFreeBM25F,
    TimeLimit,
    file_lock,
    searcher_cache,
    use_union_tree,
)

TINY = Schema(id=ID(stored=True, unique=True), body=TEXT(analyzer=language_analyzer("de"),
                                                         phrase=False))


def _index(folder, *segments: list[str]):
    """An index of one segment per list of bodies (ids count on across segments)."""
    ix = whoosh_index.create_in(str(folder), TINY)
    number = 0
    for bodies in segments:
        writer = ix.writer()
        for body in bodies:
            writer.add_document(id=str(number), body=body)
            number += 1
        writer.commit(merge=False)
    return ix


def _params(function) -> list[str]:
    return list(inspect.signature(function).parameters)


# -- ranking: BM25FScorer._score and avgfl ----------------------------------------------

def test_bm25f_scorer_still_has_the_private_parts_the_ranking_calls():
    assert issubclass(scoring.BM25FScorer, scoring.WeightLengthScorer)
    assert _params(scoring.BM25FScorer._score) == ["self", "weight", "length"]
    assert _params(scoring.BM25FScorer.__init__)[:6] == [
        "self", "searcher", "fieldname", "text", "B", "K1"]
    assert {"B", "K1"} <= set(vars(scoring.BM25F()))
    assert _params(scoring.BM25F.scorer) == ["self", "searcher", "fieldname", "text", "qf"]


def test_length_free_ranking_ignores_length_and_keeps_block_skipping(tmp_path):
    ix = _index(tmp_path, ["paket", "paket " + "fuell " * 40, "paket " + "fuell " * 5])
    with ix.searcher(weighting=WEIGHTING) as s:
        scorer = WEIGHTING.scorer(s, "body", "paket")
        assert isinstance(scorer.avgfl, float) and scorer.avgfl > 1
        assert scorer.supports_block_quality()
        scores = {hit["id"]: hit.score for hit in s.search(wq.Term("body", "paket"))}
        assert len(scores) == 3 and len(set(scores.values())) == 1   # lengths do not count
        assert scorer.max_quality() >= max(scores.values())          # still an upper bound
    with ix.searcher() as s:                                          # Whoosh's own BM25F
        plain = {hit["id"]: hit.score for hit in s.search(wq.Term("body", "paket"))}
        assert plain["0"] > plain["1"]
    assert isinstance(WEIGHTING, LengthFreeBM25F)


# -- collecting: FilterCollector.collect_matches, offset, matches(), collect() ----------

def test_filter_collector_still_has_the_parts_the_bounded_collector_replaces():
    assert _params(collectors.FilterCollector.__init__) == [
        "self", "child", "allow", "restrict"]
    assert "collect_matches" in vars(collectors.FilterCollector)
    assert issubclass(TimeLimit, Exception)
    for name in ("matches", "collect", "set_subsearcher", "results"):
        assert callable(getattr(collectors.TopCollector, name)), name


def test_bounded_collector_filters_by_global_number_on_every_segment(tmp_path):
    ix = _index(tmp_path, [f"paket nummer{n}" for n in range(5)],
                [f"paket nummer{n}" for n in range(5, 10)])
    with ix.searcher() as s:
        assert len(s.subsearchers) == 2         # two segments: offsets matter
        allowed = set(s.docs_for_query(wq.Or([wq.Term("id", "1"), wq.Term("id", "7")])))
        collector = BoundedFilterCollector(s.collector(limit=10, terms=False), allowed, 5.0)
        s.search_with_collector(wq.Term("body", "paket"), collector)
        assert sorted(hit["id"] for hit in collector.results()) == ["1", "7"]
        nothing = BoundedFilterCollector(s.collector(limit=10, terms=False), set(), 5.0)
        s.search_with_collector(wq.Term("body", "paket"), nothing)
        assert nothing.results().scored_length() == 0       # empty means none, not all


def test_bounded_collector_stops_at_its_deadline_with_partial_results(tmp_path):
    ix = _index(tmp_path, [f"paket nummer{n}" for n in range(600)])
    with ix.searcher() as s:
        everything = set(range(s.doc_count_all()))
        collector = BoundedFilterCollector(s.collector(limit=1000, terms=False), everything,
                                           timelimit=-1.0)        # already past
        with pytest.raises(TimeLimit):
            s.search_with_collector(wq.Term("body", "paket"), collector)
        assert 0 < collector.results().scored_length() < 600


# -- queries: Or.matcher_type -----------------------------------------------------------

def test_or_queries_still_choose_their_matcher_by_matcher_type(tmp_path):
    ix = _index(tmp_path, ["paket rechnung", "versand", "rechnung konto", "anderes"])
    with ix.searcher() as s:
        subsearcher = s                          # one segment: the searcher is atomic
        assert s.is_atomic()
        context = s.context(needs_current=False)

        def union():
            return wq.Or([wq.Term("body", w) for w in ("paket", "rechnung", "versand")])

        assert {"matcher_type", "DEFAULT_MATCHER", "AUTO_MATCHER"} <= set(dir(wq.Or))
        preloaded = union().matcher(subsearcher, context)
        assert not isinstance(preloaded, matching.UnionMatcher), (
            "Whoosh no longer preloads small unions: use_union_tree may be unneeded")
        tree = use_union_tree(union()).matcher(subsearcher, context)
        assert isinstance(tree, matching.UnionMatcher)
        assert sorted(s.search(use_union_tree(union())).docs()) == sorted(
            s.search(union()).docs()) == [0, 1, 2]
    term = wq.Term("body", "paket")
    assert use_union_tree(term) is term


# -- per-searcher state: a refreshed searcher is a new object ---------------------------

def test_a_refreshed_searcher_is_a_new_object_with_fresh_caches(tmp_path):
    ix = _index(tmp_path, ["paket"])
    s = ix.searcher()
    searcher_cache(s, "results")["paket"] = "cached"
    assert searcher_cache(s, "results") == {"paket": "cached"}
    writer = ix.writer()
    writer.add_document(id="9", body="versand")
    writer.commit()
    assert not s.up_to_date()
    fresh = s.refresh()
    assert fresh is not s and fresh.up_to_date()
    assert searcher_cache(fresh, "results") == {}
    assert searcher_cache(fresh, "filters") is not searcher_cache(fresh, "results")
    gone = weakref.ref(s)
    del s
    gc.collect()
    assert gone() is None               # the caches do not keep an old searcher alive
    fresh.close()


# -- locks: whoosh.util.filelock --------------------------------------------------------

def test_file_lock_excludes_other_holders_until_released(tmp_path):
    path = str(tmp_path / "apply.lock")
    first, second = file_lock(path), file_lock(path)
    assert first.acquire(blocking=False)
    results = []
    thread = threading.Thread(target=lambda: results.append(second.acquire(blocking=False)))
    thread.start()
    thread.join()
    assert results == [False]
    first.release()
    assert second.acquire(blocking=False)
    second.release()


# -- analysis: Whoosh calls our analyzer with tokenize=False and mode="query" -----------

def test_the_parser_runs_our_analyzer_on_words_and_on_wildcard_text():
    parser = qparser.QueryParser("body_de", SCHEMA)
    assert parser.parse("Rückerstattungen") == parser.parse("Rueckerstattung")
    prefix = parser.parse("Rück*")
    assert isinstance(prefix, wq.Prefix) and prefix.text == "rueck"   # folded, not stemmed
    words = [t.text for t in SCHEMA["body_de"].analyzer("Die Rückerstattung", mode="query")]
    assert words == ["rueckerstatt"]


# -- the rule: nothing but kb/whoosh_internals.py reaches into Whoosh -------------------

# Whoosh's documented modules: schema, index files, parsing, queries, analysis.
DOCUMENTED = {"whoosh.index", "whoosh.fields", "whoosh.qparser", "whoosh.query",
              "whoosh.analysis", "whoosh.lang"}


def test_only_whoosh_internals_imports_whoosh_beyond_its_documented_modules():
    kb = Path(__file__).resolve().parents[2] / "kb"
    found = []
    for path in sorted(kb.rglob("*.py")):
        if path.name == "whoosh_internals.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                modules = ([f"whoosh.{alias.name}" for alias in node.names]
                           if node.module == "whoosh" else [node.module])
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names if a.name.startswith("whoosh")]
            else:
                continue
            found += [f"{path.name}: {m}" for m in modules if m not in DOCUMENTED]
    assert found == [], "use these through kb/whoosh_internals.py"
