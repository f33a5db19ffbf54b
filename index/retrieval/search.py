"""Plan search: the hybrid retriever (index/retrieval/hybrid.py) over the chunks of the
published plans (a FAISS index), within the plans asked for.

The plans to search in come from the caller (`plan_ids`: the conversation's plans), else
from an explicit province, else from the places the query names; the places already read
can be passed (`places`) so the query is not read again. Acceptance uses the calibrated
settings.yml `search.min_dense` / `search.min_coverage` (scripts/calibrate_fallback.py).

Load once per process with `load_searcher()`; the action server and the command line
call the same `Searcher.search`.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core import regions, settings
from index.plans.catalog import published_plans_of
from index.plans.source import Source
from index.retrieval.hybrid import Acceptance, HybridRetriever
from index.retrieval.store import (
    FAISS,
    IndexNotReady,
    build_dir,
    load_stored,
    same_model,
)

MODES = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Hit(Source):
    """A found chunk (its source: the chunk's section, first line and page)."""
    heading: str
    text: str
    score: float          # of the mode asked for: RRF score, BM25 score or cosine
    dense: float          # cosine similarity of query and chunk
    bm25: float
    coverage: float       # share of the query's keyword weight found in the chunk

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Scope:
    plan_ids: tuple[str, ...] | None    # None: all plans
    note: str                           # why the search was narrowed, for people


def plan_acceptance() -> Acceptance:
    """The calibrated thresholds of a quotable passage (settings.yml, search.*)."""
    return Acceptance(float(settings.get("search", "min_dense", 0)),
                      float(settings.get("search", "min_coverage", 0)))


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
        self.retriever = HybridRetriever([chunk.indexed_text for chunk in self.chunks], self.dense,
                                         self.embedder, plan_acceptance())
        self._plan_of = np.array([chunk.plan for chunk in self.chunks])

    def reliable(self, hit: "Hit") -> bool:
        """Whether a hit is good enough to quote (the calibrated acceptance)."""
        return self.retriever.accepts(hit.dense, hit.coverage)

    def scope(self, query: str, province: str | None = None, places: list | None = None) -> Scope:
        """The plans to search: those of an explicit province, else those of the places
        the query names ("Đồng Tháp" today covers the Tiền Giang plan), else all.
        `places`: the places already read from `query` (core.regions.Place), not read again."""
        if province or places is None:
            places = regions.find_places(province or query)
        places = published_plans_of(places)
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
               mode: str = "hybrid", plan_ids: tuple[str, ...] | None = None,
               places: list | None = None) -> list[Hit]:
        """The k best chunks (one per section) of the plans to search in, best first.

        plan_ids: the plans to search in (the conversation's), overriding what the query
        names; None: see `scope`. places: the places already read from `query`
        (core.regions.find_places; spans index `query`), None: read them here.
        Raises ValueError for an unknown mode."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        query = (query or "").strip()
        if not query or not self.chunks or k <= 0:
            return []
        scope = Scope(tuple(plan_ids), "") if plan_ids is not None else self.scope(query, province, places)
        allowed = np.ones(len(self.chunks), bool) if scope.plan_ids is None \
            else np.isin(self._plan_of, list(scope.plan_ids))
        if not allowed.any():
            return []
        # Within the plans of the named province, its name only adds noise (and a new
        # unit's name, "Đồng Tháp", is not even in the Tiền Giang plan): leave it out.
        content = query
        if scope.plan_ids:
            content = regions.without_places(query, places)
            content = content if content.strip() else query
        ranking = self.retriever.rank(content, allowed)
        fused = {"bm25": ranking.keyword, "dense": ranking.dense}.get(mode, ranking.fused)
        return [self._hit(i, fused[i], ranking.dense[i], ranking.keyword[i], self.retriever.coverage(ranking, i))
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
