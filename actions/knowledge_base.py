"""Everything the actions answer from, loaded once per process.

- the structured knowledge of the plans (index.knowledge: values, duties, document facts)
- curated knowledge in data/knowledge/: administrative changes, programmes, eligibility
  rules, document-field vocabulary
- the hybrid retrieval index (index.search), for questions no structured answer covers
"""
from datetime import date
from functools import lru_cache


from core import knowledge
from index.plans.knowledge import Knowledge, load_knowledge


@lru_cache(maxsize=None)
def plans() -> Knowledge:
    return load_knowledge()


_CLAUSES: dict[tuple[int, str], list] = {}


def plan_clauses(plan_id: str) -> list:
    """The clauses of a plan that refer to a document or set a deadline
    (index/plans/passages.py), computed once per loaded knowledge."""
    from index.plans.passages import plan_clauses as extract
    knowledge_now = plans()
    key = (id(knowledge_now), plan_id)
    if key not in _CLAUSES:
        _CLAUSES.clear() if len(_CLAUSES) > 32 else None
        _CLAUSES[key] = extract(knowledge_now.plan(plan_id))
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


def searcher():
    """The retrieval index; loading it loads the embedding model (a few seconds)."""
    from index.retrieval.search import load_searcher
    return load_searcher()


def today() -> date:
    return date.today()


def warm_up() -> None:
    """Load everything at start-up so the first question is as fast as the others."""
    plans(), changes(), programmes(), eligibility_rules(), document_fields()
    searcher().search("khởi động", k=1)
    from actions.answers.unit_index import load_unit_index     # the answer units' small index
    load_unit_index().choose("khởi động")
