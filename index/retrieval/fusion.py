"""Reciprocal rank fusion of the keyword (BM25) and dense (e5) rankings.

Each chunk scores 1 / (K + 1 + rank) in each ranking (rank 0 = best) and the two are
added (Cormack, Clarke and Büttcher, SIGIR 2009); chunks outside the allowed set (another
province's plans) rank last in both.
"""
import numpy as np

RRF_K = 60          # the usual constant of reciprocal rank fusion (Cormack et al. 2009)
_OUTSIDE = 10**9    # the rank of a chunk that is not allowed


def ranks(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Rank (0 = best) of every chunk among the allowed ones; others get a huge rank.

    scores: float array (n_chunks,); allowed: bool array (n_chunks,). Ties keep the
    chunks' order."""
    order = np.argsort(-np.where(allowed, scores, -np.inf), kind="stable")
    out = np.empty(len(scores), dtype=np.int64)
    out[order] = np.arange(len(scores))
    return np.where(allowed, out, _OUTSIDE)


def reciprocal_rank_fusion(dense: np.ndarray, keyword: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """The fused score of every chunk (n_chunks,), higher is better.

    Ties (ranks 1+2 against 2+1) go to the keyword side, the stronger of the two on
    these texts (docs/results/retrieval.md)."""
    keyword_ranks = ranks(keyword, allowed)
    fused = 1 / (RRF_K + 1 + ranks(dense, allowed)) + 1 / (RRF_K + 1 + keyword_ranks)
    return fused + 1e-9 / (1 + keyword_ranks)
