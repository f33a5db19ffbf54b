"""Everything the actions answer from.

- the published plans: their structured knowledge (index.plans: values, duties,
  document facts) and the plan search (index.retrieval.Searcher), for questions no
  structured answer covers. Both are reloaded together, without a restart, when a new
  version is published (index/published.py: the one publication signal and reload
  helper, shared with the web app's plan pages): every request compares the published
  version with the loaded one (one small file read) and the first request that sees a
  new one loads the plans and the index anew (about 2 s; the embedding model stays
  loaded) and swaps them in as one object. A
  request keeps the snapshot it started with (`pinned`), so one answer never mixes
  two versions; concurrent requests wait on a lock for the swap, never see half of it.
- curated knowledge in data/knowledge/: administrative changes, programmes, eligibility
  rules, document-field vocabulary, and the answer units with their small hybrid index
  (index.retrieval.UnitIndex), loaded once per process.
"""
import contextvars
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from core import knowledge
from index.plans import Knowledge, read_knowledge
from index.published import Reloading
from index.retrieval import IndexNotReady


@dataclass(frozen=True)
class Published:
    version: str | None               # index manifest version; None: no readable index
    knowledge: Knowledge
    searcher: object | None           # index.retrieval.Searcher, None when not ready
    searcher_error: IndexNotReady | None


def _load() -> Published:
    from index.published import version
    from index.retrieval import Searcher

    plans_now = read_knowledge()
    try:
        searcher, error = Searcher(), None
    except IndexNotReady as problem:
        searcher, error = None, problem
    return Published(version(), plans_now, searcher, error)


_published = Reloading(_load, "plans and index")
_pinned: contextvars.ContextVar[Published | None] = contextvars.ContextVar("published", default=None)


def published() -> Published:
    """The plans and index as last published (the request's pinned snapshot if any);
    loads them on first use and again when the index version changed. While a build
    is writing the index (no readable manifest) the loaded snapshot is kept."""
    pinned = _pinned.get()
    return pinned if pinned is not None else _published.get()


@contextmanager
def pinned():
    """Within this block every call sees the same published snapshot."""
    token = _pinned.set(published())
    try:
        yield
    finally:
        _pinned.reset(token)


def plans() -> Knowledge:
    return published().knowledge


def province_of(plan_id: str) -> str:
    """The province a published plan was written for, as its catalogue entry names it
    ("Tiền Giang"); a plan no longer published: the reorganisation data's name."""
    plan = plans().plan(plan_id)
    if plan is not None:
        return plan.info.province
    from core.regions import province_of_plan
    return province_of_plan(plan_id)


_CLAUSES: dict[tuple[str | None, int, str], list] = {}
_MAX_CLAUSE_ENTRIES = 64


def plan_clauses(plan_id: str) -> list:
    """The clauses of a plan that refer to a document or set a deadline
    (index/plans/passages.py), computed once per published snapshot (keyed by the index
    version, so a publication never gets the clauses of the plans it replaced)."""
    from index.plans import plan_clauses as extract
    snapshot = published()
    key = (snapshot.version, id(snapshot.knowledge), plan_id)
    if key not in _CLAUSES:
        if len(_CLAUSES) >= _MAX_CLAUSE_ENTRIES:
            _CLAUSES.clear()
        _CLAUSES[key] = extract(snapshot.knowledge.plan(plan_id))
    return _CLAUSES[key]


@lru_cache(maxsize=None)
def changes() -> dict:
    return knowledge.load("administrative_changes.yml")


@lru_cache(maxsize=None)
def programmes() -> dict:
    return knowledge.load("programmes.yml")


@lru_cache(maxsize=None)
def eligibility_rules() -> dict:
    return knowledge.load("eligibility.yml")


@lru_cache(maxsize=None)
def document_fields() -> list[dict]:
    return knowledge.load("document_fields.yml")["fields"]


def units_data() -> dict:
    """data/knowledge/answer_units.yml (loaded once per process)."""
    from index.retrieval import units_data as load
    return load()


def unit_index():
    """The answer units' small hybrid index (index.retrieval.UnitIndex), built once per
    process; it shares the embedding model with the plan search."""
    from index.retrieval import load_unit_index
    return load_unit_index()


def searcher():
    """The retrieval index of the published plans (index.retrieval.Searcher).
    Raises IndexNotReady (missing, corrupt, other model) until a good index is built."""
    snapshot = published()
    if snapshot.searcher is None:
        raise snapshot.searcher_error or IndexNotReady("no index loaded")
    return snapshot.searcher


def today() -> date:
    return date.today()


def warm_up() -> None:
    """Load everything at start-up so the first question is as fast as the others. The
    embedding model and the answer units come first: with the plan index missing or
    broken (IndexNotReady raised last), they still answer, and the index, once rebuilt,
    loads in about a second instead of waiting for the model too."""
    from index.retrieval import load_embedder

    from core import regions

    load_embedder()
    regions.load()                                              # place names: ~15,000 units
    changes(), programmes(), eligibility_rules(), document_fields()
    unit_index().choose("khởi động")
    plans()
    searcher().search("khởi động", k=1)
