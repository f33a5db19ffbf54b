"""Readiness of the index, for health checks (no model is loaded)."""
from index.retrieval.store import index_status

__all__ = ["index_status"]
