"""Hybrid retrieval: BM25 on folded syllables and dense e5 vectors, fused with
reciprocal rank fusion, filtered by the province the question names.

Load once per process with `load_searcher()`; the action server and the command line
call the same `Searcher.search`.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core import regions
from core.vocabulary import expand_abbreviations, query_words
from index.plans.catalog import published_plans_of
from index.retrieval.bm25 import BM25
from index.retrieval.diacritics import DiacriticRestorer, is_unaccented
from index.retrieval.fusion import reciprocal_rank_fusion
from index.retrieval.store import (
    FAISS,
    IndexNotReady,
    build_dir,
    load_stored,
    same_model,
)

MODES = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Hit:
    plan: str
    province: str
    document: str
    section: str
    heading: str
    anchor: str
    line: int
    text: str
    score: float          # of the mode asked for: RRF score, BM25 score or cosine
    dense: float          # cosine similarity of query and chunk
    bm25: float
    coverage: float       # share of the query's keyword weight found in the chunk
    page: int = 0         # printed page of the chunk's first line; 0 when the file has no pages

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Scope:
    plan_ids: tuple[str, ...] | None    # None: all plans
    note: str                           # why the search was narrowed, for people


def _without_places(query: str) -> str:
    text = query
    for place in sorted(regions.find_places(query), key=lambda p: -p.span[0]):
        start, end = place.span
        text = text[:start] + " " + text[end:]
    return text if text.strip() else query


class Searcher:
    def __init__(self, directory: Path | None = None, embedder=None):
        import faiss

        from index.retrieval.embedding import load_embedder

        directory = directory or build_dir()
        stored = load_stored(directory)
        self.embedder = embedder or load_embedder()
        if not same_model(stored.manifest, self.embedder.model_id):
            raise IndexNotReady(
                f"the index in {directory} was built with embedding model "
                f"{stored.manifest['model']!r} ({stored.manifest.get('model_fingerprint') or 'no fingerprint'}), "
                f"but the configured model is {self.embedder.model_id!r}; queries and chunks "
                "would not be comparable. Rebuild with `python -m index build`.")
        self.chunks = stored.chunks
        try:
            self.dense = faiss.read_index(str(directory / FAISS))
        except RuntimeError as error:
            raise IndexNotReady(f"{directory / FAISS} is unreadable ({error}): rebuild with "
                                "`python -m index build --force`") from None
        if self.dense.ntotal != len(self.chunks):
            raise IndexNotReady(f"{directory / FAISS} does not match the chunk store: rebuild "
                                "with `python -m index build --force`")
        self.keyword = BM25([chunk.indexed_text for chunk in self.chunks])
        self.restorer = DiacriticRestorer([chunk.indexed_text for chunk in self.chunks], query_words())
        self._plan_of = np.array([chunk.plan for chunk in self.chunks])

    def scope(self, query: str, province: str | None = None) -> Scope:
        """The plans to search: those of an explicit province, else those of the places
        the query names ("Đồng Tháp" today covers the Tiền Giang plan), else all."""
        text = province or query
        places = published_plans_of(regions.find_places(text))
        if not places:
            if province:
                return Scope((), f"không nhận ra tỉnh/thành phố “{province}”")
            return Scope(None, "")
        plan_ids = list(dict.fromkeys(plan_id for place in places for plan_id in place.plan_ids))
        notes = [place.note for place in places if place.note]
        if not plan_ids:
            names = ", ".join(place.name for place in places)
            notes.insert(0, f"chưa có kế hoạch của {names} trong dữ liệu")
        return Scope(tuple(plan_ids), " ".join(notes))

    def search(self, query: str, k: int = 5, province: str | None = None,
               mode: str = "hybrid") -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        query = (query or "").strip()
        if not query or not self.chunks or k <= 0:
            return []
        scope = self.scope(query, province)
        allowed = np.ones(len(self.chunks), bool) if scope.plan_ids is None \
            else np.isin(self._plan_of, list(scope.plan_ids))
        if not allowed.any():
            return []
        # Within the plans of the named province, its name only adds noise (and a new
        # unit's name, "Đồng Tháp", is not even in the Tiền Giang plan): leave it out.
        content = _without_places(query) if scope.plan_ids else query
        dense = self._dense_scores(content)
        keyword = np.asarray(self.keyword.scores(expand_abbreviations(content)))
        if mode == "bm25":
            fused = keyword
        elif mode == "dense":
            fused = dense
        else:
            fused = reciprocal_rank_fusion(dense, keyword, allowed)
        expanded = expand_abbreviations(content)
        return [self._hit(i, fused[i], dense[i], keyword[i], self.keyword.coverage(expanded, i))
                for i in self._best_per_section(fused, allowed, k)]

    def _best_per_section(self, scores: np.ndarray, allowed: np.ndarray, k: int) -> list[int]:
        """The k best chunks, one per section: a long section split into several chunks
        should not crowd other sections out of the results."""
        chosen, seen = [], set()
        for i in np.argsort(-np.where(allowed, scores, -np.inf), kind="stable"):
            if not allowed[i] or len(chosen) == k:
                break
            section = (self.chunks[i].plan, self.chunks[i].anchor)
            if section not in seen:
                seen.add(section)
                chosen.append(int(i))
        return chosen

    def _dense_scores(self, query: str) -> np.ndarray:
        if is_unaccented(query):            # e5 reads "toc do bang rong" poorly
            query = self.restorer.restore(query)
        vector = self.embedder.encode_query([expand_abbreviations(query)])
        scores, ids = self.dense.search(vector, len(self.chunks))
        out = np.full(len(self.chunks), -1.0, dtype=np.float32)
        out[ids[0]] = scores[0]
        return out

    def _hit(self, i: int, score: float, dense: float, keyword: float, coverage: float) -> Hit:
        chunk = self.chunks[i]
        return Hit(plan=chunk.plan, province=chunk.province, document=chunk.document,
                   section=chunk.section, heading=chunk.heading, anchor=chunk.anchor,
                   line=chunk.line, text=chunk.text, score=round(float(score), 6),
                   dense=round(float(dense), 4), bm25=round(float(keyword), 4),
                   coverage=round(float(coverage), 4), page=chunk.page)


@lru_cache(maxsize=None)
def load_searcher() -> Searcher:
    """The process-wide searcher (model and index loaded once)."""
    return Searcher()
