"""Retrieval, the public face: what actions/, bot/, scripts/ and tests import.

- `HybridRetriever`, `Acceptance`: the one hybrid retriever (restore diacritics → BM25 +
  dense → fusion → calibrated acceptance), index/retrieval/hybrid.py.
- Plan search: `Searcher`, `load_searcher`, `Hit`, `Scope` (search.py).
- Answer units: `UnitIndex`, `Choice`, `load_unit_index`, `units_data`, `unit_source`
  (units.py).
- The stored index: `build`, `build_dir`, `read_manifest`, `index_status`,
  `IndexNotReady` (store.py); the embedding model: `load_embedder` (embedding.py).

Names are imported on first use (PEP 562), so a process asking for `index_status` does
not load BM25 or the model code.
"""
from importlib import import_module

_HOMES = {
    "Acceptance": "index.retrieval.hybrid",
    "HybridRetriever": "index.retrieval.hybrid",
    "Ranking": "index.retrieval.hybrid",
    "Hit": "index.retrieval.search",
    "Scope": "index.retrieval.search",
    "Searcher": "index.retrieval.search",
    "load_searcher": "index.retrieval.search",
    "Choice": "index.retrieval.units",
    "UnitIndex": "index.retrieval.units",
    "load_unit_index": "index.retrieval.units",
    "units_data": "index.retrieval.units",
    "unit_source": "index.retrieval.units",
    "IndexNotReady": "index.retrieval.store",
    "build": "index.retrieval.store",
    "build_dir": "index.retrieval.store",
    "index_status": "index.retrieval.store",
    "read_manifest": "index.retrieval.store",
    "load_embedder": "index.retrieval.embedding",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'index.retrieval' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
