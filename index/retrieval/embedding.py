"""The one place the project loads an embedding model.

`load_embedder()` returns the configured sentence-transformers model (settings.yml
embedding.model, or HTS_EMBEDDING_MODEL) behind a small interface: `encode_query` and
`encode_document` give float32, L2-normalised rows. The model's own prompts are used,
so the default e5 folder adds "query: " / "passage: " and a model without prompts
encodes the plain text.

torch and sentence-transformers are imported only when a model is loaded: modules that
import index.* for cheap things stay cheap.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from core import settings

DEFAULT_BATCH_SIZE = 32
MAX_TORCH_THREADS = 2          # the deployment machine has 2 cores
_HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")   # "name" or "org/name"; else a local path
_FALSE = ("0", "false", "no", "off")


class EmbeddingModelError(RuntimeError):
    """The configured model cannot be loaded; the message says what to do."""


@dataclass(frozen=True)
class Embedder:
    model_id: str              # the setting as given: recorded with an index it builds
    dim: int
    model: Any                 # the SentenceTransformer
    batch_size: int = DEFAULT_BATCH_SIZE

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self._encode(self.model.encode_query, texts)

    def encode_document(self, texts: list[str]) -> np.ndarray:
        return self._encode(self.model.encode_document, texts)

    def _encode(self, encode, texts: list[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a single string")
        if len(texts) == 0:
            return np.zeros((0, self.dim), np.float32)
        vectors = encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                         normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def load_embedder(model: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> Embedder:
    """The embedder for `model`, an id or a path (default: the configured model).

    The model is loaded once per process; raises EmbeddingModelError with a hint when
    it cannot be loaded.
    """
    return _embedder(model or settings.get("embedding", "model"), batch_size)


def resolve_model(model: str) -> str:
    """A local folder (a relative path resolves against the project root) or a hub id."""
    path = settings.project_path(os.path.expanduser(model))
    if path.is_dir():
        return str(path)
    if _HUB_ID.match(model) and not model.startswith("."):
        return model
    raise EmbeddingModelError(
        f"embedding model folder not found: {path}. Build the default model with "
        "`make model` (python -m index.model.e5_rebuild), or point HTS_EMBEDDING_MODEL / "
        "settings.yml embedding.model at another sentence-transformers model.")


@lru_cache(maxsize=None)
def _embedder(model: str, batch_size: int) -> Embedder:
    transformer = _sentence_transformer(model)
    dimension = getattr(transformer, "get_embedding_dimension", None) \
        or transformer.get_sentence_embedding_dimension
    dim = dimension() or transformer.encode(["dimension probe"]).shape[1]
    return Embedder(model_id=model, dim=int(dim), model=transformer, batch_size=batch_size)


@lru_cache(maxsize=None)
def _sentence_transformer(model: str):
    # No hub here: a model that is not on disk must fail at once, not after a timeout.
    # An explicit setting by the user wins.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")   # no bars in server logs
    offline = os.environ["HF_HUB_OFFLINE"].lower() not in _FALSE
    location = resolve_model(model)

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, min(MAX_TORCH_THREADS, os.cpu_count() or 1,
                                     torch.get_num_threads())))
    try:
        # local_files_only too: HF_HUB_OFFLINE is read once, when huggingface_hub is imported
        transformer = SentenceTransformer(location, device="cpu", local_files_only=offline)
    except (OSError, ValueError) as exc:
        if Path(location).is_dir():
            hint = ("the folder is not a valid sentence-transformers model (rebuild the "
                    "default one with `make model`)")
        else:
            hint = "it is not in the local Hugging Face cache" + (
                " and the hub is offline (HF_HUB_OFFLINE=1)" if offline else "")
        raise EmbeddingModelError(f"cannot load embedding model {model!r}: {hint}. "
                                  f"({type(exc).__name__}: {exc})") from exc
    return transformer.eval()
