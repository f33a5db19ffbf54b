"""The one hybrid retriever: restore diacritics → BM25 + dense → fusion → calibrated
acceptance. Plan search (index/retrieval/search.py: chunks of the published plans, a
FAISS index) and the answer units (index/retrieval/units.py: the short texts of
data/knowledge/answer_units.yml, a vector matrix) are two configurations of it.

- Keyword side: BM25 on folded syllables (index/retrieval/bm25.py), the query with its
  abbreviations expanded (core.vocabulary.expand_abbreviations).
- Dense side: e5 cosine of the query and every document (`dense`: a FAISS inner-product
  index or an (n, dim) float32 matrix of L2-normalised rows). A query typed without
  diacritics is first given them back from the documents' own words
  (index/retrieval/diacritics.py), because e5 reads "toc do bang rong" poorly.
- Fusion: reciprocal rank fusion within the allowed documents (index/retrieval/fusion.py).
- Acceptance: a document (or what it stands for) is accepted when its dense cosine reaches
  `Acceptance.min_dense` AND its keyword coverage (share of the query's IDF weight found
  in it, 0..1) reaches `Acceptance.min_coverage`; each configuration's pair is calibrated
  on its own development set (scripts/calibrate_fallback.py: settings.yml search.*;
  scripts/calibrate_units.py: answer_units.yml meta.threshold).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.vocabulary import expand_abbreviations, query_words
from index.retrieval.bm25 import BM25
from index.retrieval.diacritics import DiacriticRestorer, is_unaccented
from index.retrieval.fusion import reciprocal_rank_fusion


@dataclass(frozen=True)
class Acceptance:
    """The calibrated thresholds of one configuration: cosine in -1..1, coverage in 0..1."""
    min_dense: float
    min_coverage: float
    # The order the answer units were calibrated with: abbreviations expanded before the
    # diacritics are restored (an expansion with diacritics then skips the restoring).
    # Plan search restores the typed words first, then expands.
    expand_first: bool = False

    @classmethod
    def of(cls, thresholds: dict, expand_first: bool = False) -> "Acceptance":
        """From a {"min_dense": .., "min_coverage": ..} mapping (settings or a data file);
        a missing value accepts everything on that side (0 coverage, -1 cosine)."""
        return cls(float(thresholds.get("min_dense", -1.0)), float(thresholds.get("min_coverage", 0.0)),
                   expand_first)

    def accepts(self, dense: float, coverage: float) -> bool:
        return dense >= self.min_dense and coverage >= self.min_coverage


@dataclass(frozen=True)
class Ranking:
    """The scores of every document (each (n_documents,)) for one query."""
    query: str                 # the keyword query (abbreviations expanded)
    fused: np.ndarray          # RRF score, higher is better; documents not allowed rank last
    dense: np.ndarray          # cosine of query and document
    keyword: np.ndarray        # BM25 score


class HybridRetriever:
    """BM25 + dense retrieval over `texts` (the documents' indexed texts, in the order of
    the rows of `dense`). `embedder` has encode_query(list[str]) -> (n, dim) float32
    L2-normalised rows (index/retrieval/embedding.py). `restore_from`: the texts whose
    words restore a query's diacritics (default: `texts`)."""

    def __init__(self, texts: list[str], dense, embedder, acceptance: Acceptance,
                 restore_from: list[str] | None = None):
        self.size = len(texts)
        self.dense = dense
        self.embedder = embedder
        self.acceptance = acceptance
        self.keyword = BM25(texts)
        self.restorer = DiacriticRestorer(texts if restore_from is None else restore_from, query_words())

    def dense_query(self, query: str) -> str:
        """The text the e5 model reads: diacritics restored, abbreviations expanded (in
        the configured order)."""
        if self.acceptance.expand_first:
            query = expand_abbreviations(query)
            return self.restorer.restore(query) if is_unaccented(query) else query
        if is_unaccented(query):
            query = self.restorer.restore(query)
        return expand_abbreviations(query)

    def dense_scores(self, query: str) -> np.ndarray:
        vector = self.embedder.encode_query([self.dense_query(query)])
        if isinstance(self.dense, np.ndarray):
            return self.dense @ vector[0]
        scores, ids = self.dense.search(vector, self.size)        # a FAISS index
        out = np.full(self.size, -1.0, dtype=np.float32)
        out[ids[0]] = scores[0]
        return out

    def rank(self, query: str, allowed: np.ndarray | None = None) -> Ranking:
        """Scores of every document for `query`; `allowed` (bool, (n_documents,)) limits
        the fusion to some documents (the plans asked for), None: all."""
        allowed = np.ones(self.size, bool) if allowed is None else allowed
        expanded = expand_abbreviations(query)
        dense = self.dense_scores(query)
        keyword = np.asarray(self.keyword.scores(expanded))
        return Ranking(expanded, reciprocal_rank_fusion(dense, keyword, allowed), dense, keyword)

    def coverage(self, ranking: Ranking, i: int) -> float:
        """Share (0..1) of the query's keyword weight found in document i."""
        return self.keyword.coverage(ranking.query, i)

    def accepts(self, dense: float, coverage: float) -> bool:
        return self.acceptance.accepts(dense, coverage)
